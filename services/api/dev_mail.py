"""Development only: the e-mail that `ido run` kept instead of sending (SMTP_URL=file://…, infra/notify/mail.py),
newest first, with its links clickable, at /ontwikkeling/post. The route exists only in a development process
(IDO_DEVELOPMENT, set by `ido run`) whose mail goes to a folder; a hosted process refuses that setting
(infra.settings.hosted_problems), so it never has this page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from litestar import Request, get
from litestar.response import Template

from infra.notify.mail import DEV_MAIL_SUFFIX
from infra.settings import Settings
from services.api.web import page

PATH = "/ontwikkeling/post"
SHOWN = 50
_LINK = re.compile(r"(https?://[^\s<>\"]+)")


@dataclass(frozen=True)
class Kept:
    at: datetime
    to: str
    subject: str
    parts: list[tuple[str, bool]]  # the plain text in pieces: (text, is a link)


def _pieces(text: str) -> list[tuple[str, bool]]:
    return [(piece, bool(i % 2)) for i, piece in enumerate(_LINK.split(text)) if piece]


def _read(path: Path) -> Kept:
    msg = message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Kept(at, str(msg["To"] or ""), str(msg["Subject"] or ""), _pieces(text))


def kept_mail(folder: str) -> list[Kept]:
    """The newest messages first (at most SHOWN)."""
    root = Path(folder)
    if not root.is_dir():
        return []
    files = sorted(root.glob(f"*{DEV_MAIL_SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    return [_read(p) for p in files[:SHOWN]]


@get(PATH, include_in_schema=False)
async def dev_mail(request: Request, settings: Settings) -> Template:
    folder = settings.dev_mail_folder or ""
    return page(request, "dev/mail.html.j2", messages=kept_mail(folder), folder=folder)


def routes(settings: Settings) -> list:
    """The page, in a development process whose mail is kept in a folder; nothing otherwise."""
    return [dev_mail] if settings.development and settings.dev_mail_folder else []
