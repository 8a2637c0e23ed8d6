# The application image: web, worker and beat run from it with different commands.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY infra infra
COPY services services
RUN pip install . && useradd --system --uid 10001 ido
USER ido
EXPOSE 8000
CMD ["ido", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
