"""The privacy guard for free text: refuses BSN, e-mail addresses, phone numbers and IBANs in notes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.errors import DomainError

MAX_LENGTH = 500

KIND_LABELS = {
    "bsn": "een burgerservicenummer (BSN)",
    "email": "een e-mailadres",
    "phone": "een telefoonnummer",
    "iban": "een bankrekeningnummer (IBAN)",
}

_WHY = (
    "Noteer geen persoonsgegevens: de registratie is anoniem en mag niet naar een bezoeker te herleiden zijn."
)

# A number ends where no digit, letter or decimal/time continuation (",50", ".30", ":30") follows.
_END = r"(?!\w)(?![.,:\-/][0-9])"

# Control characters other than tab and line breaks: never meant in a text, and PostgreSQL stores no NUL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")

# Two letters, two check digits, then 11 to 30 letters/digits, either unbroken or in groups of four.
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}"
    r"(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])"
)

# Between the digits of a phone number: up to three of space, dash, dot and parentheses ("(020) 123-4567").
_PSEP = r"[ \-.()]{0,3}"
_PHONE = re.compile(
    r"(?<![\w+\-/:])(?<![0-9][.,])"
    r"(?:"
    rf"\(?0[1-9](?:{_PSEP}[0-9]){{8}}"  # national: 0 and nine digits, the first of them not 0
    rf"|(?:\+|00){_PSEP}31{_PSEP}(?:\(0\){_PSEP})?[1-9](?:{_PSEP}[0-9]){{8}}"  # +31 / 0031 and nine digits
    r")" + _END
)
# 088 numbers belong to organisations (UWV, the CJIB, ...), never to a person: a note may hold them.
_ORGANISATION_PREFIX = "088"
_DATE = re.compile(r"[0-9]{1,2}[-./][0-9]{1,2}[-./](?:19|20)[0-9]{2}(?![0-9])")

# Nine digits, possibly in groups separated by one space or dot ("111 222 333", "1112.22.333").
_BSN = re.compile(r"(?<![\w\-/:])(?<![0-9][.,])[0-9](?:[ .]?[0-9]){8}" + _END)
# How a BSN is written: unbroken, 3-3-3 or 4-2-3; other groupings are lists of small numbers and times.
_BSN_GROUPS = {(9,), (3, 3, 3), (4, 2, 3)}
# A phone candidate that starts with a time ("08.40 247 199") is a time followed by other numbers.
_TIME = re.compile(r"0[0-9][.:][0-5][0-9](?![0-9])")


def is_valid_bsn(digits: str) -> bool:
    """The 11-proef: weights 9..2 and -1 for the last digit; the sum is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0 and total != 0


def is_valid_iban(iban: str) -> bool:
    """Mod-97: with the first four characters moved to the end and letters as 10..35, the number mod 97 is 1."""
    s = iban.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s.isascii() or not s.isalnum():
        return False
    if not (s[:2].isalpha() and s[2:4].isdigit()):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def _looks_like_iban(candidate: str) -> bool:
    """Shaped like an IBAN: its account part holds at least six digits (so words never qualify)."""
    return sum(c.isdigit() for c in candidate[4:]) >= 6


def _iban_prefixes(candidate: str) -> list[str]:
    """The candidate and, when written in groups, its shorter forms without trailing groups (a word may follow)."""
    groups = candidate.split(" ")
    return [" ".join(groups[:n]) for n in range(len(groups), 0, -1)]


def _national(phone: str) -> str:
    """The phone number's digits in national form: "+31 6 1234 5678" -> "0612345678"."""
    digits = re.sub(r"[^0-9]", "", phone)
    if phone.startswith(("+", "00")):
        digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
    return digits


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "#" * (end - start) + text[end:]


def _scan(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, including those starting inside a match that was rejected (overlapping search)."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        pos = m.start() + 1


def find_personal_data(text: str) -> str | None:
    """The kind of personal data found ("email", "iban", "phone" or "bsn"), or None.

    Checked in that order: anything shaped like an IBAN (valid or not) is masked before the number checks, and
    phone numbers (ten digits starting with 0, or +31/0031) come before the BSN (exactly nine digits)."""
    if _EMAIL.search(text):
        return "email"
    for m in _scan(_IBAN, text):
        if any(is_valid_iban(c) for c in _iban_prefixes(m.group())):
            return "iban"
        if _looks_like_iban(m.group()):
            text = _mask(text, m.start(), m.end())
    for m in _scan(_PHONE, text):
        phone = m.group()
        if not (
            _DATE.search(phone) or _TIME.match(phone) or _national(phone).startswith(_ORGANISATION_PREFIX)
        ):
            return "phone"
    for m in _scan(_BSN, text):
        groups = re.split(r"[ .]", m.group())
        if tuple(map(len, groups)) in _BSN_GROUPS and is_valid_bsn("".join(groups)):
            return "bsn"
    return None


def _noun(field: str) -> str:
    return "notitie" if field == "note" else "tekst"


def check_free_text(text: str, field: str = "note", *, max_length: int = MAX_LENGTH) -> str:
    """The stripped text. Raises: DomainError (with `field`) when it is too long, holds a control character or
    personal data."""
    text = text.strip()
    noun = _noun(field)
    if len(text) > max_length:
        raise DomainError(f"De {noun} is te lang (maximaal {max_length} tekens).", field=field)
    if _CONTROL.search(text):
        raise DomainError(f"De {noun} bevat een onzichtbaar stuurteken; haal dat weg.", field=field)
    kind = find_personal_data(text)
    if kind is not None:
        found = KIND_LABELS[kind]
        what = f"iets dat op {found} lijkt" if kind in ("bsn", "phone") else found
        raise DomainError(f"Deze {noun} bevat {what}. {_WHY}", field=field)
    return text
