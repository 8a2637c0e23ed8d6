"""What one cell of a legacy Excel sheet means: dates, times, counts, and catalogue codes by code, Dutch label
or a common other name (case and punctuation ignored)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from domain import legacy_vocabulary as words
from domain.catalogue import CATALOGUE, Option, Party
from domain.errors import DomainError
from domain.privacy import find_personal_data

MAX_COUNT = 500


def normalize(value: object) -> str:
    """Lowercase letters and digits only, accents removed: "Soort hulp" and "soort_hulp" are both "soorthulp"."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: object) -> str:
    """A cell value fit to repeat in a message: short, and never personal data."""
    text = str(value).strip()
    if find_personal_data(text):
        return "(waarde niet getoond: lijkt persoonsgegevens te bevatten)"
    return text if len(text) <= 40 else text[:39] + "…"


def parse_date(value: object) -> tuple[date, time | None]:
    """A date cell (with its time when the cell holds one). Raises: DomainError."""
    if isinstance(value, datetime):
        return value.date(), (value.time() if value.time() != time(0) else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool) and 36526 <= value < 73051:
        moment = datetime(1899, 12, 30) + timedelta(days=float(value))  # Excel's serial day number
        return parse_date(moment)
    text = str(value).strip().lower()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](.+))?", text)
    if m:
        return _valid_date(value, int(m[1]), int(m[2]), int(m[3])), _time_part(m[4])
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?: (.+))?", text)
    if m:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return _valid_date(value, year, int(m[2]), int(m[1])), _time_part(m[4])
    m = re.fullmatch(r"(\d{1,2})[ -]([a-z]{3})[a-z]*\.?[ -](\d{4})", text)
    if m and m[2] in words.MONTHS:
        return _valid_date(value, int(m[3]), words.MONTHS[m[2]], int(m[1])), None
    raise DomainError(f"De datum '{shown(value)}' is geen geldige datum (schrijf bijvoorbeeld 14-03-2026).")


def _valid_date(raw: object, year: int, month: int, day: int) -> date:
    try:
        d = date(year, month, day)
    except ValueError:
        d = None
    if d is None or not 2000 <= d.year <= 2100:
        raise DomainError(f"De datum '{shown(raw)}' bestaat niet.")
    return d


def _time_part(text: str | None) -> time | None:
    return parse_time(text) if text else None


def parse_time(value: object) -> time | None:
    """A time cell: a time, a fraction of a day, an hour or text like "14:30", "14.30" or "14u30"."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, timedelta) and timedelta(0) <= value < timedelta(days=1):
        return (datetime.min + value).time().replace(second=0, microsecond=0)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 23:
        return time(value)
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return time(*divmod(min(minutes, 24 * 60 - 1), 60))
    m = re.fullmatch(r"(\d{1,2})(?:[:.u](\d{2}))?(?:[:.]\d{2})?\s*(?:uur|u)?", str(value).strip().lower())
    if m and int(m[1]) <= 23 and int(m[2] or 0) <= 59:
        return time(int(m[1]), int(m[2] or 0))
    raise DomainError(f"De tijd '{shown(value)}' is geen geldige tijd (schrijf bijvoorbeeld 14:30).")


def parse_count(value: object) -> int:
    if is_blank(value):
        return 1
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        number = int(value)
    if number is None or number != int(number):
        raise DomainError(f"Het aantal '{shown(value)}' is geen heel getal.")
    if not 1 <= number <= MAX_COUNT:
        raise DomainError(f"Het aantal moet tussen 1 en {MAX_COUNT} liggen (gevonden: {int(number)}).")
    return int(number)


# Catalogue codes


def _name_parts(name: str) -> list[str]:
    """A name and its parts: "Logius (DigiD)" -> ["Logius (DigiD)", "Logius", "DigiD"]."""
    return [name, *(p for p in re.split(r"[()/,]", name) if p.strip())]


def _party_index() -> dict[str, str]:
    index: dict[str, str] = {}
    categories = [p.kb_category for p in CATALOGUE.parties]
    for p in CATALOGUE.parties:
        names = [p.code, *_name_parts(p.name)]
        if categories.count(p.kb_category) == 1:
            names.append(p.kb_category)
        for n in names:
            index.setdefault(normalize(n), p.code)
    index.update({normalize(k): v for k, v in words.PARTY_SYNONYMS.items()})
    return index


def _option_index(options: tuple[Option, ...], synonyms: dict[str, str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for o in options:
        for n in (o.code, *_name_parts(o.label)):
            index.setdefault(normalize(n), o.code)
    index.update({normalize(k): v for k, v in synonyms.items()})
    return index


_PARTIES = _party_index()
_OPTIONS = {
    "help": (_option_index(CATALOGUE.help_kinds, words.HELP_SYNONYMS), CATALOGUE.help_kinds, "soort hulp"),
    "kind": (
        _option_index(CATALOGUE.question_kinds, words.KIND_SYNONYMS),
        CATALOGUE.question_kinds,
        "soort vraag",
    ),
    "channel": (_option_index(CATALOGUE.channels, words.CHANNEL_SYNONYMS), CATALOGUE.channels, "kanaal"),
}


def match_party(value: object) -> str:
    """The party code for a code, name, KB category or other name. Raises: DomainError."""
    key = normalize(value)
    if key in _PARTIES:
        return _PARTIES[key]
    for prefix, code in words.PARTY_PREFIXES.items():
        if key.startswith(prefix):
            return code
    raise DomainError(
        f"Onbekende dienstverlener '{shown(value)}'. Gebruik de naam of code van een NPD-partij, "
        "of Gemeente, Andere overheid of Geen overheid."
    )


def _topic_index(party: Party) -> dict[str, str]:
    index: dict[str, str] = {}
    for t in party.topics:
        for n in (t.code, t.code.split(".", 1)[1], *_name_parts(t.name)):
            index.setdefault(normalize(n), t.code)
    for word in words.OTHER_TOPIC:
        index.setdefault(word, f"{party.code}.overig")
    return index


_TOPICS = {p.code: _topic_index(p) for p in CATALOGUE.parties}
_TOPIC_CODES = {normalize(t.code): t.code for t in CATALOGUE.topics()}


def match_topic(party_code: str, value: object) -> str:
    """The topic code within the party (its "overig" when the cell is empty); a full code of another party is
    answered as it is, so the domain explains that it belongs elsewhere. Raises: DomainError."""
    if is_blank(value):
        return f"{party_code}.overig"
    key = normalize(value)
    found = _TOPICS[party_code].get(key) or _TOPIC_CODES.get(key)
    if found is None:
        name = CATALOGUE.party(party_code).name
        raise DomainError(f"Onbekend onderwerp '{shown(value)}' bij {name}. Laat het leeg voor 'Overig'.")
    return found


def match_option(field: str, value: object) -> str:
    """A code of the list for `field` ("help", "kind" or "channel"). Raises: DomainError."""
    index, options, noun = _OPTIONS[field]
    found = index.get(normalize(value))
    if found is None:
        allowed = "; ".join(o.label for o in options)
        raise DomainError(f"Onbekende {noun} '{shown(value)}'. Gebruik een van: {allowed}.")
    return found


_WARMTHS = {normalize(k): v for k, v in words.WARMTH_SYNONYMS.items()}


def match_warmth(value: object) -> str:
    """How a referral was made: 'warm', 'koud', or 'onbekend'. Raises: DomainError."""
    found = _WARMTHS.get(normalize(value))
    if found is None:
        raise DomainError(
            f"Onbekende waarde '{shown(value)}' bij warm of koud. Gebruik warm (contact gelegd) of koud (adres "
            "meegegeven), of laat het leeg."
        )
    return found


def referred_by(value: object) -> str | None:
    """Who sent the visitor: None for no one ("nee"), else a partner's name as normalize() leaves it ("" for
    "ja": a partner not named)."""
    key = normalize(value)
    if key in words.NO:
        return None
    return "" if key in words.YES else key
