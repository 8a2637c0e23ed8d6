"""Settings from the environment (12-factor); one immutable object passed to the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import make_url

from infra.platform.passwords import PROFILES as PASSWORD_HASH_PROFILES


def _asyncpg_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and answer the asyncpg form."""
    u = make_url(url)
    return u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


DEV_SECRET_KEY = "dev-secret-change-me-dev-secret-change-me"  # development only: signs sessions' CSRF tokens
# ... and the placeholder docker-compose.yml once fell back to
KNOWN_SECRET_KEYS = {DEV_SECRET_KEY, "change-me-to-64-random-characters"}
MIN_SECRET_LENGTH = 32
DEFAULT_PASSWORDS = {"ido_app", "ido_reader"}
DEVELOPMENT = "IDO_DEVELOPMENT"  # set by `ido run` for its own processes: no hosted checks


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes")


def _instant(value: str, var: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise RuntimeError(
            f"{var} is geen tijdstip (ISO 8601 met tijdzone, bv. 2026-12-31T23:30:00+00:00)"
        ) from None
    if at.tzinfo is None:
        raise RuntimeError(f"{var} heeft geen tijdzone (bv. 2026-12-31T23:30:00+00:00)")
    return at


def _password_hash_profile(value: str) -> str:
    if value not in PASSWORD_HASH_PROFILES:
        raise RuntimeError(
            f"PASSWORD_HASH_PROFILE is {value!r}; kies uit {', '.join(PASSWORD_HASH_PROFILES)}"
        )
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str  # owner of the schema: migrations and set-up run as this role
    redis_url: str
    app_role: str = "ido_app"
    app_password: str = "ido_app"
    reader_role: str = "ido_reader"
    reader_password: str = "ido_reader"
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = "smtp://127.0.0.1:8025"
    mail_from: str = "IDO-registratie <noreply@ido-registratie.example>"
    kb_email: str = ""  # where planning notices for the KB go; empty: inbox only
    kb_webhook_url: str = ""
    kb_webhook_secret: str = ""
    notice_retry_base_seconds: float = 30.0  # webhook/e-mail retries: base × 2^n, at most an hour apart
    notice_retry_for_hours: float = 24.0  # then a delivery is marked failed
    bundle_lease_seconds: float = 30.0  # a national bundle's run holds it this long between progress writes
    cookie_secure: bool = False
    web_pool_size: int = 10
    fixed_now: datetime | None = None  # IDO_FIXED_NOW: the clock stands at this instant (tests, demos)
    password_hash_profile: str = "production"  # PASSWORD_HASH_PROFILE: `test` for cheap hashes in tests
    development: bool = False  # IDO_DEVELOPMENT, set by `ido run` for its own processes (never when hosted)

    @property
    def dev_mail_folder(self) -> str | None:
        """Development only: where outgoing mail is kept instead of sent (SMTP_URL=file://<folder>)."""
        return self.smtp_url[len("file://") :] if self.smtp_url.startswith("file://") else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [k for k in ("DATABASE_URL", "REDIS_URL") if not env.get(k)]
        if missing:
            raise RuntimeError(f"{' en '.join(missing)} ontbreekt in de omgeving")
        kw: dict[str, object] = {
            "database_url": _asyncpg_url(env["DATABASE_URL"]),
            "redis_url": env["REDIS_URL"],
        }
        for field, var in (
            ("app_role", "DB_APP_ROLE"),
            ("app_password", "DB_APP_PASSWORD"),
            ("reader_role", "DB_READER_ROLE"),
            ("reader_password", "DB_READER_PASSWORD"),
            ("secret_key", "SECRET_KEY"),
            ("base_url", "BASE_URL"),
            ("smtp_url", "SMTP_URL"),
            ("mail_from", "MAIL_FROM"),
            ("kb_email", "KB_NOTICE_EMAIL"),
            ("kb_webhook_url", "KB_WEBHOOK_URL"),
            ("kb_webhook_secret", "KB_WEBHOOK_SECRET"),
        ):
            if env.get(var):
                kw[field] = env[var]
        # Secure cookies follow an https BASE_URL unless COOKIE_SECURE says otherwise
        secure = env.get("COOKIE_SECURE") or ""
        kw["cookie_secure"] = _flag(secure) if secure else str(kw.get("base_url", "")).startswith("https://")
        for field, var in (
            ("notice_retry_base_seconds", "NOTICE_RETRY_BASE_SECONDS"),
            ("notice_retry_for_hours", "NOTICE_RETRY_FOR_HOURS"),
            ("bundle_lease_seconds", "BUNDLE_LEASE_SECONDS"),
        ):
            if env.get(var):
                kw[field] = float(env[var])
        if env.get("IDO_FIXED_NOW"):
            kw["fixed_now"] = _instant(env["IDO_FIXED_NOW"], "IDO_FIXED_NOW")
        if env.get("WEB_POOL_SIZE"):
            kw["web_pool_size"] = int(env["WEB_POOL_SIZE"])
        kw["development"] = is_development(env)
        if env.get("PASSWORD_HASH_PROFILE"):
            kw["password_hash_profile"] = _password_hash_profile(env["PASSWORD_HASH_PROFILE"])
        return cls(**kw)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def _as_role(self, role: str, password: str) -> str:
        return (
            make_url(self.database_url)
            .set(username=role, password=password)
            .render_as_string(hide_password=False)
        )

    @property
    def app_database_url(self) -> str:
        """The web app and workers: a non-owner role without BYPASSRLS, bound to one tenant per transaction."""
        return self._as_role(self.app_role, self.app_password)

    @property
    def reader_database_url(self) -> str:
        """Cross-tenant reads for POI and KB views and the sweeps: SELECT only, its own policies."""
        return self._as_role(self.reader_role, self.reader_password)

    @property
    def celery_broker_url(self) -> str:
        """redis-py speaks unix://, kombu wants redis+socket:// for the same socket."""
        if self.redis_url.startswith("unix://"):
            return "redis+socket://" + self.redis_url[len("unix://") :]
        return self.redis_url


def is_development(env: Mapping[str, str]) -> bool:
    return _flag(env.get(DEVELOPMENT, ""))


def hosted_problems(settings: Settings) -> list[str]:
    """What keeps a hosted process (`ido serve`, `ido worker`, `ido beat`) from starting: a known or short
    secret, default database passwords, a fixed clock, cheap password hashes. Each in Dutch, naming the variable to set."""
    problems = []
    secret_advice = f"zet SECRET_KEY op minstens {MIN_SECRET_LENGTH} willekeurige tekens"
    if settings.secret_key in KNOWN_SECRET_KEYS:
        problems.append(f"SECRET_KEY is niet gezet of een voorbeeldwaarde ({secret_advice})")
    elif len(settings.secret_key) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is korter dan {MIN_SECRET_LENGTH} tekens ({secret_advice})")
    for var, role, password in (
        ("DB_APP_PASSWORD", settings.app_role, settings.app_password),
        ("DB_READER_PASSWORD", settings.reader_role, settings.reader_password),
    ):
        if password in DEFAULT_PASSWORDS or password == role:
            problems.append(
                f"{var} is niet gezet of een standaardwachtwoord (zet {var} op een eigen wachtwoord)"
            )
    url = make_url(settings.database_url)
    if url.password is not None and url.password == url.username:
        problems.append(
            "het wachtwoord in DATABASE_URL is de gebruikersnaam (zet er een eigen wachtwoord in)"
        )
    if settings.dev_mail_folder is not None:
        problems.append(
            "SMTP_URL met file:// bewaart de e-mail in een map en is alleen voor ontwikkeling "
            "(zet SMTP_URL op uw mailserver)"
        )
    if settings.fixed_now is not None:
        problems.append("IDO_FIXED_NOW is alleen voor tests en ontwikkeling (haal IDO_FIXED_NOW weg)")
    if settings.password_hash_profile != "production":
        problems.append(
            "PASSWORD_HASH_PROFILE is alleen voor tests en ontwikkeling anders dan production "
            "(haal PASSWORD_HASH_PROFILE weg)"
        )
    return problems
