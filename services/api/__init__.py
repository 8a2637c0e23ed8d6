"""The web app: HTMX pages (Jinja2) and the JSON API."""
