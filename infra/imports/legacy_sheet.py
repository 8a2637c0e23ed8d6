"""Reading a legacy Excel registration sheet (.xlsx) safely: size and signature first, then openpyxl in
read-only mode; anything that is not a real spreadsheet is refused with a Dutch message."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import msgspec

from domain import legacy_import as li
from domain.errors import DomainError
from domain.legacy_cells import is_blank, shown

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 150 * 1024 * 1024  # a zip bomb stops here, before openpyxl unpacks anything
MAX_ROWS = 20_000
MAX_COLUMNS = 50
PREVIEW_ROWS = 10
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
NOT_XLSX = (
    "Dit bestand is geen Excel-werkmap (.xlsx). Open het in Excel, kies 'Opslaan als' → "
    "'Excel-werkmap (.xlsx)' en probeer het opnieuw."
)
NOT_READABLE = "Dit Excel-bestand kan niet gelezen worden; het is beschadigd of geen echte werkmap (.xlsx)."
OLD_FORMAT = (
    "Dit is een oud Excel-bestand (.xls) of een beveiligd bestand. Sla het in Excel op als "
    "'Excel-werkmap (.xlsx)' zonder wachtwoord en probeer het opnieuw."
)


def too_large_message(size: int) -> str:
    mb = f"{size / 1024 / 1024:.1f}".replace(".", ",")
    return (
        f"Het bestand is te groot ({mb} MB); de grens is {MAX_BYTES // 1024 // 1024} MB. Splits het bestand."
    )


@dataclass(frozen=True)
class Sheet:
    name: str
    file_hash: str
    header_row: int  # the Excel row number of the header
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (Excel row number, values) below the header

    @property
    def filled_rows(self) -> int:
        return sum(1 for _, v in self.rows if not li.is_empty(v))

    def guess(self) -> li.Guess:
        return li.guess_mapping(self.headers)

    def preview(self, n: int = PREVIEW_ROWS) -> list[tuple[int, list[str]]]:
        shown_rows = [(r, v) for r, v in self.rows if not li.is_empty(v)][:n]
        return [(r, [display(x) for x in values]) for r, values in shown_rows]


def display(value: Any) -> str:
    """A cell as the preview shows it (personal data hidden)."""
    if is_blank(value):
        return ""
    if isinstance(value, datetime):
        return f"{value:%d-%m-%Y}" if value.time() == time(0) else f"{value:%d-%m-%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return shown(value)


def check_file(content: bytes) -> None:
    """Raises: DomainError (Dutch) for an empty, too large or non-xlsx file."""
    if not content:
        raise DomainError("Het bestand is leeg.", field="file")
    if len(content) > MAX_BYTES:
        raise DomainError(too_large_message(len(content)), field="file")
    if content.startswith(_OLE):
        raise DomainError(OLD_FORMAT, field="file")
    if not content.startswith(_ZIP):
        raise DomainError(NOT_XLSX, field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(NOT_XLSX, field="file") from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise DomainError(NOT_XLSX, field="file")
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise DomainError("Dit Excel-bestand is uitgepakt te groot om in te lezen. Splits het bestand.")


def read_sheet(content: bytes) -> Sheet:
    """The first worksheet whose header names a date and a party (else the first worksheet).
    Raises: DomainError (Dutch) for anything that is not a readable spreadsheet."""
    import openpyxl  # imported when a sheet is read: most processes never read one

    check_file(content)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML and zip errors) for a broken workbook
        raise DomainError(NOT_READABLE, field="file") from None
    try:
        return _pick_sheet(wb)
    except DomainError:
        raise
    except Exception:
        raise DomainError(NOT_READABLE, field="file") from None
    finally:
        wb.close()


def _pick_sheet(wb: Any) -> Sheet:
    if not wb.worksheets:
        raise DomainError("Dit Excel-bestand heeft geen werkblad.", field="file")
    for ws in wb.worksheets:
        ws.reset_dimensions()  # a wrong <dimension> in the file must not cut rows off
        top = [
            tuple(r)
            for r in ws.iter_rows(max_row=li.HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True)
        ]
        guess = li.guess_mapping(top[li.find_header_row(top)]) if top else None
        if guess and {"date", "party"} <= guess.mapping.keys():
            return _read_rows(ws)
    return _read_rows(wb.worksheets[0])


def _read_rows(ws: Any) -> Sheet:
    rows: list[tuple[Any, ...]] = []
    filled = 0
    for values in ws.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        rows.append(tuple(values))
        filled += not li.is_empty(values)
        if filled > MAX_ROWS + li.HEADER_SEARCH_ROWS:
            raise DomainError(
                f"Het blad heeft meer dan {MAX_ROWS:,} rijen; splits het bestand.".replace(",", ".")
            )
    while rows and li.is_empty(rows[-1]):
        rows.pop()
    if not rows:
        raise DomainError("Het werkblad is leeg.", field="file")
    width = max(max((i + 1 for i, v in enumerate(r) if not is_blank(v)), default=0) for r in rows)
    rows = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows]
    h = li.find_header_row(rows)
    headers = tuple("" if is_blank(v) else str(v).strip() for v in rows[h])
    body = tuple((h + 2 + i, r) for i, r in enumerate(rows[h + 1 :]))
    return Sheet(ws.title, content_hash(ws.title, rows), h + 1, headers, body)


def content_hash(title: str, rows: list[tuple[Any, ...]]) -> str:
    """A hash of what the sheet says, not of the file's bytes: saving the file again in Excel changes its
    timestamps but not this hash, so the re-saved file still imports as a duplicate."""
    data = msgspec.json.encode([title, rows], enc_hook=repr)
    return hashlib.sha256(data).hexdigest()


async def load_sheet(content: bytes) -> Sheet:
    """read_sheet off the event loop (parsing is CPU work)."""
    return await asyncio.to_thread(read_sheet, content)
