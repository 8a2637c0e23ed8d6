"""Import of legacy Excel registration sheets (coordinator, /t/{slug}/import): a template to download; upload;
say per column which field it holds (a table of column, example values, field), check, and only after a check of
that very mapping import. The file waits in Redis between the steps."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Mapping
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Template

from domain import legacy_import as li
from domain.errors import DomainError
from infra.imports.import_uploads import ImportUploads
from infra.imports.legacy_sheet import MAX_BYTES, Sheet, load_sheet
from infra.imports.template import import_template
from services.api.errors import error_page
from services.api.scope import COORDINATOR, Library
from services.api.web import meta, page, require_who
from services.importing import LegacyImporter, Summary

# Room for the multipart envelope, and for a file somewhat over the limit to get the friendly message.
UPLOAD_LIMIT = 2 * MAX_BYTES
MAX_ERRORS_SHOWN = 500
EXPIRED = "Het bestand is niet meer beschikbaar (verlopen of al geïmporteerd). Upload het opnieuw."
CHECK_FIRST = "Controleer eerst de kolommen met deze keuzes; daarna kunt u importeren."
EXAMPLES = 3  # example values per column in the mapping table
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "sjabloon.xlsx"


def _too_large(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        413,
        f"Het bestand is te groot; de grens is {MAX_BYTES // 1024 // 1024} MB. Splits het bestand.",
    )


def _column(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def chosen_columns(form: Mapping[str, Any], width: int) -> dict[str, int | None]:
    """The field of each column (`kolom-<n>` = a field's name, or empty: not used) as the column of each field
    (None: not used). A form of the older shape (`<field name>` = a column number) is read as well.
    Raises: DomainError when two columns are given the same field."""
    if not any(str(k).startswith("kolom-") for k in form):
        return {f.key: _column(form.get(f.name)) for f in li.FIELDS}
    chosen: dict[str, int | None] = {f.key: None for f in li.FIELDS}
    for col in range(width):
        name = str(form.get(f"kolom-{col}") or "").strip()
        if not name:
            continue
        f = li.FIELD_BY_NAME.get(name)
        if f is None:
            raise DomainError("Kies per kolom een veld uit de lijst.", field="mapping")
        if chosen[f.key] is not None:
            first = li.column_letter(chosen[f.key])  # type: ignore[arg-type]
            raise DomainError(
                f"Kolom {first} en kolom {li.column_letter(col)} zijn allebei gekozen voor {f.label}. "
                "Kies er één.",
                field="mapping",
            )
        chosen[f.key] = col
    return chosen


def checked_mark(token: str, mapping: Mapping[str, int], location: str) -> str:
    """What a check hands the import form: the import goes ahead only for the file, mapping and location that
    were checked (a safety net against importing what was not looked at, not a secret)."""
    text = f"{token}|{sorted(mapping.items())}|{location}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _examples(sheet: Sheet) -> list[str]:
    """A few values of each column, from the first rows (personal data hidden, as in the preview)."""
    preview = sheet.preview()
    out = []
    for col in range(len(sheet.headers)):
        values = dict.fromkeys(v[col] for _, v in preview if col < len(v) and v[col])
        out.append(" · ".join(list(values)[:EXAMPLES]))
    return out


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


class LegacyImportController(Controller):
    path = "/t/{slug:str}/import"
    dependencies = {"lib": COORDINATOR}

    def _upload_page(self, request: Request, lib: Library, error: DomainError | None = None) -> Template:
        return page(
            request,
            "import/page.html.j2",
            "import/partials/_upload.html.j2",
            status=422 if error else 200,
            lib=lib,
            error=error,
            max_mb=MAX_BYTES // 1024 // 1024,
            fields=li.FIELDS,
        )

    async def _mapping_page(
        self,
        request: Request,
        lib: Library,
        importer: LegacyImporter,
        token: str,
        name: str,
        sheet: Sheet,
        *,
        mapping: dict[str, int],
        location_id: UUID | None = None,
        error: DomainError | None = None,
        summary: Summary | None = None,
    ) -> Template:
        """The mapping table; after a check (`summary` of a dry run) its result, and the import form when there
        is something to import (the only way to the import: it carries the check's mark)."""
        guess = sheet.guess()
        locations = await importer.locations(lib.tenant_id)
        location_id = location_id or (locations[0].location_id if locations else None)
        importable = summary is not None and error is None and summary.imported_rows > 0
        return page(
            request,
            "import/mapping.html.j2",
            "import/partials/_mapping.html.j2",
            status=422 if error else 200,
            lib=lib,
            token=token,
            name=name,
            sheet=sheet,
            fields=li.FIELDS,
            mapping=mapping,
            ambiguous=[f.label for f in li.FIELDS if f.key in guess.ambiguous and f.key not in mapping],
            columns=[
                (i, f"{li.column_letter(i)}: {h}" if h else li.column_letter(i))
                for i, h in enumerate(sheet.headers)
            ],
            field_of={col: key for key, col in mapping.items()},
            field_names={f.key: f.name for f in li.FIELDS},
            examples=_examples(sheet),
            preview=sheet.preview(),
            locations=locations,
            location_id=location_id,
            checked=checked_mark(token, mapping, str(location_id)) if importable else None,
            error=error,
            summary=summary,
            errors_shown=summary.errors[:MAX_ERRORS_SHOWN] if summary else [],
        )

    @get("/", include_in_schema=False)
    async def upload_form(self, request: Request, lib: Library) -> Template:
        return self._upload_page(request, lib)

    @get("/{filename:str}", include_in_schema=False)
    async def template(self, lib: Library, filename: str) -> Response:
        """The template (sjabloon.xlsx): an empty sheet with the column names the import recognises, and a
        sheet that explains them. A file, so its route has a {filename} like the other downloads."""
        if filename != TEMPLATE:
            raise NotFoundException()
        return Response(
            content=import_template(),
            media_type=XLSX,
            headers={
                "Content-Disposition": 'attachment; filename="importsjabloon-ido-registratie.xlsx"',
                "Cache-Control": "private, no-store",
            },
        )

    @post(
        "/",
        include_in_schema=False,
        request_max_body_size=UPLOAD_LIMIT,
        exception_handlers={413: _too_large},
    )
    async def upload(
        self, request: Request, lib: Library, uploads: ImportUploads, importer: LegacyImporter
    ) -> Template:
        upload = (await request.form()).get("bestand")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self._upload_page(
                request, lib, DomainError("Kies een Excel-bestand (.xlsx).", field="file")
            )
        try:
            content = await upload.read()
        finally:
            await upload.close()  # its spooled temporary file, if any, goes now
        try:
            sheet = await load_sheet(content)
        except DomainError as err:
            return self._upload_page(request, lib, err)
        name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        token = await uploads.put(require_who(request).user_id, lib.tenant_id, name, content)
        mapping = sheet.guess().mapping
        return await self._mapping_page(request, lib, importer, token, name, sheet, mapping=mapping)

    @post("/bevestigen", include_in_schema=False)
    async def confirm(
        self,
        request: Request,
        lib: Library,
        uploads: ImportUploads,
        importer: LegacyImporter,
    ) -> Template:
        form = dict(await request.form())
        token = str(form.get("bestand_id", ""))
        stored = await uploads.get(token, require_who(request).user_id, lib.tenant_id)
        if stored is None:
            return self._upload_page(request, lib, DomainError(EXPIRED, field="file"))
        name, content = stored
        sheet = await load_sheet(content)
        location_id = _uuid(form.get("locatie"))
        dry_run = form.get("actie") != "importeren"
        mapping: dict[str, int] = sheet.guess().mapping

        def again(**outcome: Any) -> Awaitable[Template]:
            """The mapping page once more, with the refusal or the dry run's summary."""
            return self._mapping_page(
                request,
                lib,
                importer,
                token,
                name,
                sheet,
                mapping=mapping,
                location_id=location_id,
                **outcome,
            )

        try:
            chosen = chosen_columns(form, len(sheet.headers))
            mapping = {k: c for k, c in chosen.items() if c is not None}
            mapping = li.mapping_with(sheet.guess(), chosen, sheet.headers)
            if not dry_run and form.get("gecontroleerd") != checked_mark(token, mapping, str(location_id)):
                raise DomainError(CHECK_FIRST, field="mapping")
            summary = await importer.run(
                lib.tenant_id, sheet, mapping, location_id, dry_run=dry_run, meta=meta(request, "import")
            )
        except DomainError as err:
            return await again(error=err)
        if dry_run:
            return await again(summary=summary)
        await uploads.delete(token)
        return page(
            request,
            "import/result.html.j2",
            "import/partials/_summary.html.j2",
            lib=lib,
            name=name,
            summary=summary,
            errors_shown=summary.errors[:MAX_ERRORS_SHOWN],
        )
