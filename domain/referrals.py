"""Referrals to and from the library's local partners: which partner, and how a referral was made (pure)."""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol
from uuid import UUID

from domain.errors import DomainError

REFERRAL = "lokale_partner"  # the help kind "Doorverwezen naar lokale partner"
# How a referral to a local partner was made: a warm one made contact for the visitor, a cold one gave an address.
WARM, COLD = "warm", "koud"
WARMTHS = ((WARM, "Warm: contact gelegd"), (COLD, "Koud: adres meegegeven"))
# On a command: said explicitly that the warmth is not known (an import's sheet without it, or a correction that
# keeps a referral stored before it was asked); the event keeps None, as for a question that was not referred.
WARMTH_UNKNOWN = "onbekend"
WARMTH_NOT_RECORDED = "Niet vastgelegd"


class Referral(Protocol):
    """What a registration or correction says about referrals."""

    help: str
    partner_id: UUID | None
    partner_unlisted: bool
    warmth: str | None
    referred_by_partner_id: UUID | None
    referred_by_unlisted: bool


def check_partner(cmd: Referral, partners: Set[UUID]) -> None:
    """A referral to a local partner names one of the library's active partners, or says the partner is not
    listed ("staat er niet bij"); without any partners the library has nothing to name. The event keeps
    partner_id None for an unlisted partner."""
    if cmd.partner_id is not None:
        if cmd.partner_id not in partners:
            raise DomainError("Deze lokale partner is niet bekend bij uw bibliotheek.", field="partner_id")
        if cmd.help != REFERRAL:
            raise DomainError(
                "Kies een lokale partner alleen bij 'Doorverwezen naar lokale partner'.", field="partner_id"
            )
        if cmd.partner_unlisted:
            raise DomainError(
                "Kies een lokale partner of 'Staat er niet bij', niet allebei.", field="partner_id"
            )
    elif cmd.partner_unlisted:
        if cmd.help != REFERRAL:
            raise DomainError(
                "Kies 'Staat er niet bij' alleen bij 'Doorverwezen naar lokale partner'.", field="partner_id"
            )
    elif cmd.help == REFERRAL and partners:
        also = "" if cmd.warmth else ", en of dat warm (contact gelegd) of koud (adres meegegeven) was"
        raise DomainError(
            f"Kies naar welke lokale partner is doorverwezen, of 'Staat er niet bij'{also}.",
            field="partner_id",
        )


def warmth_of(cmd: Referral) -> str | None:
    """What the event keeps of the warmth: WARM or COLD for a referral, else None. A referral says warm or
    cold, or explicitly WARMTH_UNKNOWN; other help says nothing (or WARMTH_UNKNOWN)."""
    if cmd.warmth is None or cmd.warmth == WARMTH_UNKNOWN:
        if cmd.warmth is None and cmd.help == REFERRAL:
            raise DomainError(
                "Kies hoe is doorverwezen: warm (contact gelegd) of koud (adres meegegeven).", field="warmth"
            )
        return None
    if cmd.warmth not in dict(WARMTHS):
        raise DomainError(
            "Kies bij een doorverwijzing warm (contact gelegd) of koud (adres meegegeven).", field="warmth"
        )
    if cmd.help != REFERRAL:
        raise DomainError("Kies warm of koud alleen bij 'Doorverwezen naar lokale partner'.", field="warmth")
    return cmd.warmth


def check_referred_by(cmd: Referral, partners: Set[UUID]) -> None:
    """A visitor sent by a local partner ("Doorverwezen door") names one of the library's active partners, or
    says the partner is not listed; whatever the help. Without either, no partner sent the visitor."""
    if cmd.referred_by_partner_id is None:
        return
    if cmd.referred_by_unlisted:
        raise DomainError(
            "Kies bij 'Doorverwezen door' een lokale partner of 'Staat er niet bij', niet allebei.",
            field="referred_by_partner_id",
        )
    if cmd.referred_by_partner_id not in partners:
        raise DomainError(
            "De partner die de bezoeker doorverwees is niet bekend bij uw bibliotheek.",
            field="referred_by_partner_id",
        )


def warmth_label(code: str | None) -> str:
    """How a report names a warmth: its label, or "Niet vastgelegd"."""
    return dict(WARMTHS).get(code or "", WARMTH_NOT_RECORDED)
