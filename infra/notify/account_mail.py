"""The e-mails around accounts (invitation, forgotten password): Dutch plain text and HTML, sent over SMTP off
the event loop. The link carries the token; the token itself is never logged or stored."""

from __future__ import annotations

import asyncio

import structlog

from domain.calendar import moment_text
from infra.notify import mail
from infra.platform.invitations import Invitation
from infra.settings import Settings

log = structlog.get_logger()
_sending: set[asyncio.Task] = set()  # strong references: the loop keeps only weak ones
INVITATION_SUBJECT = "Uitnodiging voor IDO-registratie"
RESET_SUBJECT = "Wachtwoord opnieuw instellen voor IDO-registratie"


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/{path}/{token}"


async def send_invitation(settings: Settings, invitation: Invitation, token: str) -> None:
    """Raises: mail.MailError."""
    plain, html = mail.render(
        "invitation",
        subject=INVITATION_SUBJECT,
        link=link(settings, "uitnodiging", token),
        role_noun=invitation.role_noun,
        scope_name=invitation.scope_name,
        expires_nl=moment_text(invitation.expires_at),
    )
    await asyncio.to_thread(
        mail.send, settings.smtp_url, settings.mail_from, [invitation.email], INVITATION_SUBJECT, plain, html
    )


async def send_reset_later(settings: Settings, email: str, token: str) -> None:
    """Start sending and return at once: run as the answer's background task, it keeps the request from
    waiting for SMTP, so the answer to a known address takes no longer than that to an unknown one."""
    task = asyncio.get_running_loop().create_task(send_reset(settings, email, token))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def send_reset(settings: Settings, email: str, token: str) -> None:
    """A failure is logged, not shown: the answer must not differ from that for an unknown address."""
    plain, html = mail.render(
        "password_reset", subject=RESET_SUBJECT, link=link(settings, "wachtwoord-herstellen", token)
    )
    try:
        await asyncio.to_thread(
            mail.send, settings.smtp_url, settings.mail_from, [email], RESET_SUBJECT, plain, html
        )
    except mail.MailError as exc:
        log.warning("password reset mail not sent", error=str(exc).split(":")[0])
