"""The sociaal-educatieve kaart's rules (pure): what a partner entry holds and how it is checked — https links,
Dutch phone numbers of the organisation, the catalogue topics it helps with, how to refer — and when the date of
its last check is too old. A partner is an organisation: its contact data are no visitor's personal data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.catalogue import CATALOGUE, Catalogue
from domain.errors import DomainError

STALE_AFTER_MONTHS = 6
# how the desk refers a visitor: (code, label)
REFERRAL_WAYS = (
    ("telefoon", "Bellen via de telefoonlijn voor professionals"),
    ("inloop", "Inloop (zonder afspraak)"),
    ("afspraak", "Op afspraak"),
)
_WAY_CODES = tuple(code for code, _ in REFERRAL_WAYS)

TEXT_FIELDS = (
    "name",
    "kind",
    "helps_with",
    "address",
    "hours",
    "phone",
    "professional_phone",
    "email",
    "website",
    "gids_url",
)
LIMITS = {
    "name": 200,
    "helps_with": 1000,
    "address": 300,
    "hours": 300,
    "phone": 40,
    "professional_phone": 40,
    "email": 254,
    "website": 300,
    "gids_url": 300,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_HOST = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+$"
)
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+$")


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    """A partner entry as checked: texts trimmed, topics in catalogue order, ways of referral known."""

    name: str
    kind: str
    helps_with: str = ""
    address: str = ""
    hours: str = ""
    phone: str = ""
    professional_phone: str = ""
    email: str = ""
    website: str = ""
    gids_url: str = ""
    topics: tuple[str, ...] = ()
    referral_ways: tuple[str, ...] = ()
    checked_on: date | None = None


def check_entry(
    values: Mapping[str, str],
    topics: Iterable[str] = (),
    referral_ways: Iterable[str] = (),
    checked_on: date | None = None,
    *,
    today: date | None = None,
    cat: Catalogue = CATALOGUE,
) -> PartnerEntry:
    """A partner entry from a form's values. Raises: DomainError (Dutch, `field` set) for a missing name, an
    unknown kind, topic or way of referral, a text too long, a link that is not https, a phone number that is
    not Dutch, an e-mail address that is none, a check dated after `today`, or the phone line for professionals
    chosen without its number."""
    out = {f: _text(values.get(f), f) for f in TEXT_FIELDS}
    if not out["name"]:
        raise DomainError("Geef de naam van de partner.", field="name")
    cat.partner_kind(out["kind"])
    for f, limit in LIMITS.items():
        if len(out[f]) > limit:
            raise DomainError(f"Dit veld is te lang (maximaal {limit} tekens).", field=f)
    out["website"] = https_url(out["website"], "website")
    out["gids_url"] = https_url(out["gids_url"], "gids_url")
    out["phone"] = dutch_phone(out["phone"], "phone")
    out["professional_phone"] = dutch_phone(out["professional_phone"], "professional_phone")
    if out["email"] and not _EMAIL.match(out["email"]):
        raise DomainError(
            "Vul een geldig e-mailadres van de organisatie in, zoals info@voorbeeld.nl.", field="email"
        )
    ways = clean_ways(referral_ways)
    if "telefoon" in ways and not out["professional_phone"]:
        raise DomainError(
            "U koos bellen via de telefoonlijn voor professionals: vul dat telefoonnummer in.",
            field="professional_phone",
        )
    if checked_on is not None and today is not None and checked_on > today:
        raise DomainError("De datum van de laatste controle ligt in de toekomst.", field="checked_on")
    return PartnerEntry(**out, topics=clean_topics(topics, cat), referral_ways=ways, checked_on=checked_on)


def _text(value: object, field: str) -> str:
    text = str(value or "").strip()
    if _CONTROL.search(text):
        raise DomainError("Dit veld bevat tekens die niet kunnen worden opgeslagen.", field=field)
    return text


def https_url(value: str, field: str) -> str:
    """An empty value, or a link to a website over https. Raises: DomainError."""
    if not value:
        return ""
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not sep or scheme.lower() != "https":
        raise DomainError(
            "Een link begint met https:// (een beveiligde verbinding), bijvoorbeeld https://www.voorbeeld.nl.",
            field=field,
        )
    if " " in value or "@" in host or not _HOST.match(host.split(":", 1)[0]):
        raise DomainError(
            "Dit is geen geldige link. Kopieer het adres uit de adresbalk van uw browser.", field=field
        )
    return "https://" + rest


def dutch_phone(value: str, field: str) -> str:
    """An empty value, or a Dutch phone number as written (spaces, dashes, dots and parentheses allowed): ten
    digits from 0, +31 or 0031 and nine digits, a 0800/090x number, or a municipality's 14 and its area code.
    Raises: DomainError."""
    if not value:
        return ""
    digits = re.sub(r"[^0-9+]", "", value)
    if _PHONE_CHARS.match(value) and "+" not in digits[1:] and _dutch_digits(digits):
        return value
    raise DomainError(
        "Vul een Nederlands telefoonnummer van de organisatie in, zoals 030 123 4567, 0800 1234 of 14 030.",
        field=field,
    )


def _dutch_digits(digits: str) -> bool:
    if digits.startswith("+31"):
        digits = "0" + digits[3:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif digits.startswith("+"):
        return False
    if digits.startswith(("0800", "0900", "0906", "0909")):
        return 8 <= len(digits) <= 11
    if digits.startswith("14"):
        return 5 <= len(digits) <= 6 and digits[2] == "0"  # 14 + the area code: 14 020, 14 0570
    return len(digits) == 10 and digits[0] == "0" and digits[1] != "0"


def clean_topics(codes: Iterable[str], cat: Catalogue = CATALOGUE) -> tuple[str, ...]:
    """Topic codes and party codes (a party: every topic of it), known to the catalogue, once each, in catalogue
    order. Raises: DomainError for an unknown code."""
    wanted = {str(c).strip() for c in codes if str(c).strip()}
    order = [c for p in cat.parties for c in (p.code, *(t.code for t in p.topics))]
    unknown = sorted(wanted - set(order))
    if unknown:
        raise DomainError(f"Onbekend onderwerp '{unknown[0]}'.", field="topics")
    return tuple(c for c in order if c in wanted)


def clean_ways(codes: Iterable[str]) -> tuple[str, ...]:
    wanted = {str(c).strip() for c in codes if str(c).strip()}
    unknown = sorted(wanted - set(_WAY_CODES))
    if unknown:
        raise DomainError(f"Onbekende manier van doorverwijzen '{unknown[0]}'.", field="referral_ways")
    return tuple(c for c in _WAY_CODES if c in wanted)


def way_label(code: str) -> str:
    return dict(REFERRAL_WAYS).get(code, code)


def helps_with(topics: Iterable[str], topic_code: str, cat: Catalogue = CATALOGUE) -> bool:
    """Whether a partner that helps with `topics` (topic or party codes) helps with the topic."""
    chosen = set(topics)
    if topic_code in chosen:
        return True
    try:
        return cat.party_of_topic(topic_code).code in chosen
    except DomainError:
        return False


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def stale(checked_on: date | None, today: date) -> bool:
    """Older than six months (or never checked): the coordinator should check the entry again."""
    return checked_on is None or checked_on < months_before(today, STALE_AFTER_MONTHS)
