"""Rules for importing legacy Excel registration sheets: which column holds what, and what each cell means.

Every data row becomes `count` registrations (QuestionRegistered) with ids derived from the tenant, the file's
content hash and the row number, so a second import of the same file adds nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import legacy_cells as cells
from domain import legacy_vocabulary as words
from domain import questions as q
from domain.errors import DomainError
from domain.legacy_cells import is_blank, normalize
from domain.referrals import WARMTH_UNKNOWN

DEFAULT_TIME = time(12, 0)
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # Dutch, for forms and messages
    name: str  # Dutch form field and CLI name
    required: bool = False


FIELDS = (
    Field("date", "Datum", "datum", True),
    Field("time", "Tijd", "tijd"),
    Field("party", "Dienstverlener (NPD-partij)", "dienstverlener", True),
    Field("topic", "Onderwerp", "onderwerp"),
    Field("help", "Hoe geholpen", "hulp", True),
    Field("warmth", "Warm of koud", "warmte"),
    Field("referred_by", "Doorverwezen door", "doorverwezen_door"),
    Field("kind", "Soort vraag", "soort"),
    Field("channel", "Kanaal", "kanaal"),
    Field("count", "Aantal", "aantal"),
    Field("note", "Notitie", "notitie"),
)
FIELD_BY_NAME = {n: f for f in FIELDS for n in (f.key, f.name)}


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it
    reason: str


@dataclass(frozen=True)
class Guess:
    """Guessed columns (field key -> 0-based column) and the fields for which several columns fit equally."""

    mapping: dict[str, int]
    ambiguous: dict[str, tuple[int, ...]]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_score(key: str, header: object) -> int:
    h = normalize(header) if header is not None else ""
    if not h:
        return 0
    for i, word in enumerate(words.HEADER_WORDS[key]):
        if h == word:
            return 100 - i
    for i, word in enumerate(words.HEADER_WORDS[key]):
        if len(word) >= 4 and word in h:
            return 50 - i
    return 0


def guess_mapping(headers: Sequence[object]) -> Guess:
    """Each column goes to the field whose header word fits it best (ties: the earlier field); a field with
    two equally good columns is ambiguous and left out."""
    owned: dict[str, list[tuple[int, int]]] = {f.key: [] for f in FIELDS}
    for col, header in enumerate(headers):
        scores = [(_header_score(f.key, header), -i, f.key) for i, f in enumerate(FIELDS)]
        score, _, key = max(scores)
        if score:
            owned[key].append((score, col))
    mapping: dict[str, int] = {}
    ambiguous: dict[str, tuple[int, ...]] = {}
    for key, found in owned.items():
        if not found:
            continue
        best = max(s for s, _ in found)
        top = tuple(c for s, c in found if s == best)
        if len(top) == 1:
            mapping[key] = top[0]
        else:
            ambiguous[key] = top
    return Guess(mapping, ambiguous)


def find_header_row(rows: Sequence[Sequence[object]]) -> int:
    """The index of the row (among the first ten) that names the most fields; else the first non-empty row."""
    best, best_index = 0, None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = len(guess_mapping(row).mapping)
        if found > best:
            best, best_index = found, i
    if best_index is not None:
        return best_index
    return next((i for i, row in enumerate(rows) if not is_empty(row)), 0)


def column_of(ref: str, headers: Sequence[object]) -> int:
    """A column by its letter ("B") or its header text. Raises: DomainError."""
    ref = ref.strip()
    wanted = normalize(ref)
    matches = [i for i, h in enumerate(headers) if h is not None and wanted and normalize(h) == wanted]
    if len(matches) == 1:
        return matches[0]
    if re.fullmatch(r"[A-Za-z]{1,2}", ref):
        index = 0
        for ch in ref.upper():
            index = index * 26 + ord(ch) - 64
        if index <= len(headers):
            return index - 1
    raise DomainError(f"Kolom '{ref}' bestaat niet in dit blad (gebruik een kolomletter of een kolomnaam).")


def mapping_with(guess: Guess, chosen: dict[str, int | None], headers: Sequence[object]) -> dict[str, int]:
    """The guessed columns with the chosen ones (None: not used) laid over them, checked.
    Raises: DomainError when a field left to the guess is ambiguous, or as check_mapping."""
    mapping = {**guess.mapping, **{k: c for k, c in chosen.items() if c is not None}}
    for key in chosen:
        if chosen[key] is None:
            mapping.pop(key, None)
    for key, cols in guess.ambiguous.items():
        if key not in chosen:
            label = FIELD_BY_NAME[key].label
            options = " of ".join(f"{column_letter(c)} ({headers[c]})" for c in cols)
            raise DomainError(f"Welke kolom is {label}: {options}? Kies er één.", field="mapping")
    check_mapping(mapping, len(headers))
    return mapping


def check_mapping(mapping: dict[str, int], width: int) -> None:
    """Raises: DomainError when a required field has no column, a column is out of range or used twice."""
    missing = [f.label for f in FIELDS if f.required and f.key not in mapping]
    if missing:
        raise DomainError(f"Kies een kolom voor: {', '.join(missing)}.", field="mapping")
    if any(not 0 <= c < width for c in mapping.values()):
        raise DomainError("Een gekozen kolom bestaat niet in dit blad.", field="mapping")
    used: dict[int, str] = {}
    for f in FIELDS:
        col = mapping.get(f.key)
        if col is not None and col in used:
            raise DomainError(
                f"Kolom {column_letter(col)} is gekozen voor zowel {used[col]} als {f.label}.",
                field="mapping",
            )
        if col is not None:
            used[col] = f.label


def is_empty(values: Sequence[object]) -> bool:
    return all(is_blank(v) for v in values)


# Rows


@dataclass(frozen=True)
class LegacyRow:
    asked_at: datetime
    npd_party: str
    topic: str
    help: str
    kind: str
    channel: str
    count: int
    note: str
    warmth: str = WARMTH_UNKNOWN  # the sheet does not say: explicitly not known
    referred_by: str | None = (
        None  # a partner's name as the sheet has it (normalized), or "" for one not named
    )


def _cell(values: Sequence[object], mapping: dict[str, int], key: str) -> object:
    col = mapping.get(key)
    return values[col] if col is not None and col < len(values) else None


def read_row(values: Sequence[object], mapping: dict[str, int], tz: tzinfo) -> LegacyRow:
    """What one data row says. Raises: DomainError naming every problem of the row."""
    problems: list[str] = []

    def attempt(key: str, parse, missing: str | None = None, default: object = None):
        value = _cell(values, mapping, key)
        if is_blank(value):
            if missing:
                problems.append(missing)
            return default
        try:
            return parse(value)
        except DomainError as err:
            problems.append(err.message)
            return default

    day = attempt("date", cells.parse_date, "Vul de datum in.")
    clock = attempt("time", cells.parse_time)
    party = attempt("party", cells.match_party, "Vul de dienstverlener (NPD-partij) in.")
    topic = attempt("topic", lambda v: cells.match_topic(party, v)) if party else None
    help_ = attempt("help", lambda v: cells.match_option("help", v), "Vul in hoe er geholpen is.")
    kind = attempt("kind", lambda v: cells.match_option("kind", v), default="digitale_overheid")
    channel = attempt("channel", lambda v: cells.match_option("channel", v), default="balie")
    count = attempt("count", cells.parse_count, default=1)
    warmth = attempt("warmth", cells.match_warmth, default=WARMTH_UNKNOWN)
    referred_by = attempt("referred_by", cells.referred_by)
    note = _cell(values, mapping, "note")
    if problems:
        raise DomainError(" ".join(problems))
    d, cell_time = day
    return LegacyRow(
        asked_at=datetime.combine(d, clock or cell_time or DEFAULT_TIME, tz),
        npd_party=party,
        topic=topic or f"{party}.overig",
        help=help_,
        kind=kind,
        channel=channel,
        count=count,
        note="" if is_blank(note) else str(note).strip(),
        warmth=warmth,
        referred_by=referred_by,
    )


def row_id(tenant_id: UUID, file_hash: str, row: int, index: int, purpose: str) -> UUID:
    """The same file, row and question always give the same id: a repeated import is a duplicate."""
    return uuid5(NAMESPACE_URL, f"ido:{tenant_id}:legacy-import:{file_hash}:{row}:{index}:{purpose}")


def decide_row(
    row: int,
    values: Sequence[object],
    mapping: dict[str, int],
    *,
    tenant_id: UUID,
    file_hash: str,
    location_id: UUID,
    ctx: q.DeskContext,
    tz: tzinfo,
    partners: Mapping[str, UUID] = {},
) -> list[tuple[q.RegisterQuestion, q.QuestionRegistered]]:
    """(command, the event it decides now) for each of the row's `count` questions; the note goes with the first.
    `partners`: the library's active partners by normalized name, for "Doorverwezen door" (a name that is not
    one of them, or "ja", is a partner not listed). The import sends the commands through the desk's handler,
    which decides again when it stores them.
    Raises: DomainError (Dutch) for anything the row or the question aggregate refuses."""
    r = read_row(values, mapping, tz)
    by = partners.get(r.referred_by) if r.referred_by else None
    out = []
    for i in range(r.count):
        cmd = q.RegisterQuestion(
            question_id=row_id(tenant_id, file_hash, row, i, "question"),
            visit_id=row_id(tenant_id, file_hash, row, i, "visit"),
            location_id=location_id,
            npd_party=r.npd_party,
            topic=r.topic,
            help=r.help,
            partner_unlisted=r.help == q.REFERRAL,  # the sheet names no partner
            warmth=r.warmth,
            referred_by_partner_id=by,
            referred_by_unlisted=r.referred_by is not None and by is None,
            kind=r.kind,
            channel=r.channel,
            note=r.note if i == 0 else "",
            asked_at=r.asked_at,
        )
        [event] = q.register(cmd, ctx)
        assert isinstance(event, q.QuestionRegistered)
        out.append((cmd, event))
    return out
