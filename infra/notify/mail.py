"""E-mail over SMTP: Dutch text, plain and HTML, rendered from templates; the notice id in a header. In
development (`ido run` without SMTP_URL) `file://<folder>` keeps each message as a file there instead, shown on
the development mail page (services/api/dev_mail.py); hosted processes refuse it (settings.hosted_problems)."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit
from uuid import uuid4

from jinja2 import Environment, FileSystemLoader, select_autoescape

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "mail"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: object) -> tuple[str, str]:
    """Answer (plain text, HTML) of `<template>.txt` and `<template>.html`."""
    return _env.get_template(f"{template}.txt").render(**context), _env.get_template(
        f"{template}.html"
    ).render(**context)


class MailError(Exception):
    pass


def send(
    smtp_url: str,
    sender: str,
    to: list[str],
    subject: str,
    plain: str,
    html: str,
    headers: dict[str, str] | None = None,
) -> None:
    """smtp://host:port, smtps://…, or smtp+starttls://user:pass@host:port. Raises: MailError."""
    u = urlsplit(smtp_url)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg["Message-ID"] = make_msgid(domain="ido-registratie")
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(plain)
    msg.add_alternative(html, subtype="html")
    if u.scheme == "file":
        keep(Path(unquote(u.path)), msg)
        return
    try:
        cls = smtplib.SMTP_SSL if u.scheme == "smtps" else smtplib.SMTP
        with cls(u.hostname or "127.0.0.1", u.port or (465 if u.scheme == "smtps" else 25), timeout=15) as s:
            if u.scheme == "smtp+starttls":
                s.starttls()
            if u.username:
                s.login(unquote(u.username), unquote(u.password or ""))
            s.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc


DEV_MAIL_SUFFIX = ".eml"


def keep(folder: Path, msg: EmailMessage) -> None:
    """Development: the message as a file in `folder` (written whole, then renamed into place). Raises:
    MailError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = uuid4().hex
        partial = folder / f".{name}.tmp"
        partial.write_bytes(bytes(msg))
        os.replace(partial, folder / f"{name}{DEV_MAIL_SUFFIX}")
    except OSError as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
