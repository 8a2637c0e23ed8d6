"""Import of legacy Excel registration sheets (coordinator, /t/{slug}/import): upload, check the columns
against a preview, then import; the file waits in Redis between the steps."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from domain import legacy_import as li
from domain.errors import DomainError
from infra.imports.import_uploads import ImportUploads
from infra.imports.legacy_sheet import MAX_BYTES, Sheet, load_sheet
from services.api.errors import error_page
from services.api.scope import COORDINATOR, Library
from services.api.web import meta, page, require_who
from services.importing import LegacyImporter, Summary

# Room for the multipart envelope, and for a file somewhat over the limit to get the friendly message.
UPLOAD_LIMIT = 2 * MAX_BYTES
MAX_ERRORS_SHOWN = 500
EXPIRED = "Het bestand is niet meer beschikbaar (verlopen of al geïmporteerd). Upload het opnieuw."


def _too_large(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        413,
        f"Het bestand is te groot; de grens is {MAX_BYTES // 1024 // 1024} MB. Splits het bestand.",
    )


def _column(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


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
        guess = sheet.guess()
        locations = await importer.locations(lib.tenant_id)
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
            preview=sheet.preview(),
            locations=locations,
            location_id=location_id or (locations[0].location_id if locations else None),
            error=error,
            summary=summary,
            errors_shown=summary.errors[:MAX_ERRORS_SHOWN] if summary else [],
        )

    @get("/", include_in_schema=False)
    async def upload_form(self, request: Request, lib: Library) -> Template:
        return self._upload_page(request, lib)

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
        chosen = {f.key: _column(form.get(f.name)) for f in li.FIELDS}
        location_id = _uuid(form.get("locatie"))
        dry_run = form.get("actie") == "controleren"
        mapping = {k: c for k, c in chosen.items() if c is not None}

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
            mapping = li.mapping_with(sheet.guess(), chosen, sheet.headers)
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
