"""Import of legacy Excel sheets end to end: the `ido import-excel` command in a subprocess and the coordinator's
upload page over HTTP, against this run's database. Sheets are built here with openpyxl."""

from __future__ import annotations

import asyncio
import html
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime, timedelta
from uuid import uuid4

import openpyxl
import pytest
from sqlalchemy import text

from domain.accounts import Role
from domain.errors import DomainError
from domain.ports import NewEvent
from infra.imports.legacy_sheet import MAX_BYTES, read_sheet
from services.bootstrap import command_bus
from services.importing import LegacyImporter
from tests.clock import TODAY
from tests.e2e.conftest import PASSWORD, csrf_of, login

HEADERS = ["Datum", "Tijd", "Dienstverlener", "Onderwerp", "Hoe geholpen", "Aantal", "Opmerking"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def day(n: int) -> date:
    """n days ago, but never before 1 January (the test library registers from the start of this year)."""
    return max(TODAY - timedelta(days=n), date(TODAY.year, 1, 1))


def workbook(
    rows: list[list[object]], headers: list[str] = HEADERS, title: str | None = "IDO-registratie"
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Registratie"
    if title:
        ws.append([title])
        ws.append([])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def legacy_sheet(saved: datetime | None = None) -> bytes:
    """Excel rows 4..11 below a title and the header (row 3)."""
    return workbook(
        [
            [day(3), "09:30", "CBR", "Rijbewijs verlengen 75+", "Informatie gegeven", None, None],  # 4
            [
                day(2),
                None,
                "DigiD",
                "DigiD aanvragen",
                "samen gezocht",
                3,
                "drukke ochtend",
            ],  # 5: 3 questions
            [day(2), "11:00", "NASA", None, "wegwijzer", None, None],  # 6: unknown party
            [TODAY + timedelta(days=30), "10:00", "UWV", "WW", "wegwijzer", None, None],  # 7: future
            [day(1), "10:00", "SVB", "AOW", "wegwijzer", None, "BSN 111222333"],  # 8: BSN in the note
            [None, None, None, None, None, None, None],  # 9: empty, skipped
            [day(1), "10:30", "Belastingdienst/Toeslagen", "Toeslagen", "klantenservice", 1, None],  # 10
            [
                date(TODAY.year - 1, 6, 1),
                "10:00",
                "CBR",
                None,
                "wegwijzer",
                None,
                None,
            ],  # 11: before the year
        ]
    )


IMPORTED_QUESTIONS = 5  # rows 4, 5 (three) and 10
REFUSED_ROWS = {
    6: "Onbekende dienstverlener 'NASA'",
    7: "toekomst",
    8: "burgerservicenummer",
    11: "registreert pas",
}


async def registered(container, tenant_id) -> int:
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT count(*) FROM events WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
                ),
                {"t": tenant_id},
            )
        ).scalar()


async def stored_notes(container, tenant_id) -> list[str]:
    async with container.reader.platform() as conn:
        rows = await conn.execute(
            text(
                "SELECT data->>'note' FROM events WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
            ),
            {"t": tenant_id},
        )
        return [r[0] for r in rows]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "import-excel", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def cli(env, *args: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(run_cli, env, *args)


def assert_refused(r: subprocess.CompletedProcess, fragment: str) -> None:
    assert r.returncode == 2, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ido: "), r.stderr
    assert fragment in lines[0], lines[0]
    assert r.stdout == ""


def bad_files() -> dict[str, tuple[bytes, str]]:
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "dit is geen xml")
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    return {
        "text renamed .xlsx": (b"Datum;Dienstverlener;Hulp\n1-3-2026;CBR;wegwijzer\n", "geen Excel-werkmap"),
        "random binary": (os.urandom(4096), "geen Excel-werkmap"),
        "old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(1024), "oud Excel-bestand"),
        "zip that is no workbook": (other_zip.getvalue(), "geen Excel-werkmap"),
        "broken workbook": (broken.getvalue(), "kan niet gelezen worden"),
        "over the limit": (b"PK\x03\x04" + os.urandom(MAX_BYTES + 1), "te groot"),
    }


# --- the command ----------------------------------------------------------------------------------------------


async def test_the_command_imports_valid_rows_lists_refused_ones_and_a_second_run_adds_nothing(
    env, container, lib, tmp_path
):
    path = tmp_path / "registratie-2026.xlsx"
    path.write_bytes(legacy_sheet())
    first = await cli(env, "--tenant", lib.slug, str(path))
    assert first.returncode == 1, first.stderr  # rows were refused
    assert first.stderr == ""
    out = first.stdout
    assert "gelezen:        7 rijen" in out
    assert "geïmporteerd:   3 rijen (5 vragen)" in out
    assert "al aanwezig:    0 rijen" in out and "geweigerd:      4 rijen" in out
    assert "lege rijen:     1 (overgeslagen)" in out
    for row, reason in REFUSED_ROWS.items():
        assert re.search(rf"rij {row}: .*{re.escape(reason)}", out), (row, out)
    assert "111222333" not in out
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS
    assert sorted(await stored_notes(container, lib.tenant_id)) == ["", "", "", "", "drukke ochtend"]
    async with container.reader.platform() as conn:  # the run names its writer and request
        [(actor, request_id)] = (
            await conn.execute(
                text(
                    "SELECT DISTINCT metadata->>'actor', metadata->>'request_id' FROM events "
                    "WHERE tenant_id = :t AND metadata->>'via' = 'cli-import'"
                ),
                {"t": lib.tenant_id},
            )
        ).all()
    assert actor == "cli" and re.fullmatch(r"[0-9a-f]{16}", request_id)

    again = await cli(env, "--tenant", lib.slug, "--location", str(lib.location_id), str(path))
    assert "geïmporteerd:   0 rijen (0 vragen)" in again.stdout and "al aanwezig:    3 rijen" in again.stdout
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS


async def test_a_dry_run_reports_without_storing(env, container, lib, tmp_path):
    path = tmp_path / "proef.xlsx"
    path.write_bytes(legacy_sheet())
    r = await cli(env, "--tenant", lib.slug, "--dry-run", str(path))
    assert "niets opgeslagen" in r.stdout and "te importeren:  3 rijen (5 vragen)" in r.stdout
    assert await registered(container, lib.tenant_id) == 0


async def test_a_clean_sheet_exits_zero(env, container, lib, tmp_path):
    path = tmp_path / "schoon.xlsx"
    path.write_bytes(workbook([[day(1), "14:00", "uwv", "ww", "wegwijzer", 2, None]], title=None))
    r = await cli(env, "--tenant", lib.slug, str(path))
    assert r.returncode == 0 and r.stderr == "", r
    assert await registered(container, lib.tenant_id) == 2


@pytest.mark.parametrize("kind", list(bad_files()))
async def test_the_command_refuses_what_is_not_a_spreadsheet(env, container, lib, tmp_path, kind):
    content, message = bad_files()[kind]
    path = tmp_path / "registratie.xlsx"
    path.write_bytes(content)
    assert_refused(await cli(env, "--tenant", lib.slug, str(path)), message)
    assert await registered(container, lib.tenant_id) == 0


async def test_the_command_refuses_bad_input_in_one_line(env, container, lib, tmp_path):
    good = tmp_path / "goed.xlsx"
    good.write_bytes(legacy_sheet())
    twice = tmp_path / "twee-datums.xlsx"
    twice.write_bytes(workbook([[day(1), day(1), "CBR", "wegwijzer"]], ["Datum", "Datum", "Partij", "Hulp"]))
    assert_refused(await cli(env, "--tenant", lib.slug, str(tmp_path / "weg.xlsx")), "bestand niet gevonden")
    assert_refused(await cli(env, "--tenant", "bestaat-niet", str(good)), "geen bibliotheek")
    assert_refused(await cli(env, "--tenant", lib.slug, str(twice)), "Welke kolom is Datum")
    assert_refused(await cli(env, "--tenant", lib.slug, "--location", "x", str(good)), "locatie")
    assert_refused(
        await cli(env, "--tenant", lib.slug, "--location", "00000000-0000-0000-0000-000000000001", str(good)),
        "hoort niet bij",
    )
    assert_refused(await cli(env, "--tenant", lib.slug, "--column", "kleur=A", str(good)), "onbekend veld")
    assert await registered(container, lib.tenant_id) == 0
    # an explicit column settles the ambiguity
    r = await cli(env, "--tenant", lib.slug, "--column", "datum=B", str(twice))
    assert r.returncode == 0, r
    assert await registered(container, lib.tenant_id) == 1


async def test_the_same_sheet_saved_again_is_still_a_duplicate(container, lib):
    first = read_sheet(legacy_sheet(saved=datetime(2026, 1, 5, 9, 0)))
    resaved = read_sheet(legacy_sheet(saved=datetime(2026, 2, 7, 16, 30)))
    importer = LegacyImporter(command_bus(container), container.events, container.clock)
    one = await importer.run(lib.tenant_id, first, first.guess().mapping, None)
    two = await importer.run(lib.tenant_id, resaved, resaved.guess().mapping, None)
    assert (one.imported_questions, two.imported_questions, two.duplicate_rows) == (IMPORTED_QUESTIONS, 0, 3)
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS


async def test_the_same_rows_at_another_location_are_refused_not_doubled(container, lib):
    from domain import ido

    other = uuid4()
    cmd = ido.RegisterIdo(
        tenant_id=lib.tenant_id,
        location_id=other,
        name="Tweede IDO",
        branch="Filiaal",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=TODAY.year,
        planned_opening=TODAY,
    )
    await container.events.append(
        lib.tenant_id, ido.stream_id(other), [NewEvent(uuid4(), e) for e in ido.register(cmd, TODAY)], 0
    )
    sheet = read_sheet(legacy_sheet())
    importer = LegacyImporter(command_bus(container), container.events, container.clock)
    with pytest.raises(DomainError, match="Kies de IDO-locatie"):
        await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, None)
    await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, lib.location_id)
    moved = await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, other)
    assert moved.imported_questions == 0 and moved.refused == 4 + 3
    conflicts = {e.row for e in moved.errors if "eerder uit hetzelfde bestand" in e.reason}
    assert conflicts == {4, 5, 10}
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS


async def test_referrals_import_as_to_a_partner_not_listed_while_the_library_has_partners(container, lib):
    """The sheet has no partner column: a referral to a local partner is registered as "staat er niet bij"."""
    from infra.platform.partners import Partners

    await Partners(container.db).add(lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis"})
    sheet = read_sheet(
        workbook(
            [
                [day(2), "10:00", "CBR", "Rijbewijs verlengen 75+", "lokale partner", 2, None],
                [day(1), "11:00", "SVB", "AOW", "Doorverwezen naar lokale partner", None, None],
            ]
        )
    )
    importer = LegacyImporter(command_bus(container), container.events, container.clock)
    summary = await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, None)
    assert (summary.imported_questions, summary.errors) == (3, [])
    async with container.reader.platform() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT data->'what'->>'help', data->'what'->>'partner_id' FROM events "
                    "WHERE tenant_id = :t AND event_type = 'QuestionRegistered'"
                ),
                {"t": lib.tenant_id},
            )
        ).all()
    assert [tuple(r) for r in rows] == [("lokale_partner", None)] * 3
    again = await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, None)
    assert (again.imported_questions, again.duplicate_rows) == (0, 2)


async def test_optional_columns_say_warm_or_cold_and_which_partner_sent_the_visitor(container, lib):
    """Issue 19: "Warm of koud" (empty: not recorded) and "Doorverwezen door" (a partner's name as the library
    lists it, whatever its case; "ja" or another name: a partner not listed; empty or "nee": none). A value the
    import does not know, or warm with other help, refuses the row in Dutch; a second run adds nothing."""
    from infra.platform.partners import Partners

    taal = await Partners(container.db).add(lib.tenant_id, {"name": "Taalhuis Oost", "kind": "taalhuis"})
    headers = [*HEADERS, "Warm of koud", "Doorverwezen door"]
    sheet = read_sheet(
        workbook(
            [
                [day(2), "10:00", "CBR", None, "lokale partner", None, None, "Warm: contact gelegd", None],
                [day(2), "10:30", "SVB", "AOW", "lokale partner", None, None, "koud", "taalhuis oost"],
                [day(2), "11:00", "UWV", None, "lokale partner", None, None, None, "nee"],
                [day(1), "10:00", "CBR", None, "wegwijzer", None, None, None, "Ja"],
                [day(1), "10:30", "CBR", None, "wegwijzer", None, None, None, "Buurthuis de Linde"],
                [day(1), "11:00", "CBR", None, "wegwijzer", None, None, "lauw", None],
                [day(1), "11:30", "CBR", None, "wegwijzer", None, None, "warm", None],
            ],
            headers,
        )
    )
    mapping = sheet.guess().mapping
    assert (mapping["warmth"], mapping["referred_by"]) == (7, 8)
    importer = LegacyImporter(command_bus(container), container.events, container.clock)
    summary = await importer.run(lib.tenant_id, sheet, mapping, None)
    assert summary.imported_questions == 5
    assert [(e.row, e.reason[:40]) for e in summary.errors] == [
        (9, "Onbekende waarde 'lauw' bij warm of koud"),
        (10, "Kies warm of koud alleen bij 'Doorverwez"),
    ]
    async with container.reader.platform() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT data->'what'->>'npd_party', data->'what'->>'help', data->'what'->>'warmth', "
                    "data->'what'->>'referred_by_partner_id', data->'what'->>'referred_by_unlisted' FROM events "
                    "WHERE tenant_id = :t AND event_type = 'QuestionRegistered' ORDER BY data->'what'->>'asked_at'"
                ),
                {"t": lib.tenant_id},
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("cbr", "lokale_partner", "warm", None, "false"),
        ("svb", "lokale_partner", "koud", str(taal), "false"),
        ("uwv", "lokale_partner", None, None, "false"),
        ("cbr", "wegwijzer", None, None, "true"),
        ("cbr", "wegwijzer", None, None, "true"),
    ]
    again = await importer.run(lib.tenant_id, sheet, mapping, None)
    assert (again.imported_questions, again.duplicate_rows) == (0, 5)


@pytest.mark.slow
async def test_five_thousand_rows_import_in_seconds(container, lib):
    parties = ["CBR", "UWV", "DigiD", "SVB", "Belastingdienst/Toeslagen"]
    rows = [
        [day(1 + i % 150), f"{9 + i % 8}:{i % 60:02d}", parties[i % 5], None, "wegwijzer", None, None]
        for i in range(5000)
    ]
    sheet = read_sheet(workbook(rows, title=None))
    importer = LegacyImporter(command_bus(container), container.events, container.clock)
    started = time.monotonic()
    summary = await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, None)
    elapsed = time.monotonic() - started
    assert (summary.imported_questions, summary.refused) == (5000, 0), summary.errors[:3]
    assert elapsed < 30, f"5.000 rows took {elapsed:.1f} s"
    again = await importer.run(lib.tenant_id, sheet, sheet.guess().mapping, None)
    assert (again.imported_questions, again.duplicate_rows) == (0, 5000)
    assert await registered(container, lib.tenant_id) == 5000


# --- the upload page ------------------------------------------------------------------------------------------


async def upload(client, lib, content: bytes, name: str = "registratie.xlsx"):
    page = await client.get(f"/t/{lib.slug}/import")
    assert page.status_code == 200, page.text
    return await client.post(
        f"/t/{lib.slug}/import",
        data={"_csrf_token": csrf_of(page.text)},
        files={"bestand": (name, content, XLSX)},
    )


SELECT = re.compile(r'<select id="kolom-(\d+)" name="kolom-\d+".*?</select>', re.S)


def mapping_form(mapping_page: str, **change: str) -> dict[str, str]:
    """The mapping table's form as shown (each column's field), sent to check; `change` gives a field (by its
    form name) another column number, or none ("")."""
    form = {
        "_csrf_token": csrf_of(mapping_page),
        "bestand_id": re.search(r'name="bestand_id" value="([^"]+)"', mapping_page).group(1),
        "locatie": re.search(r'<option value="([0-9a-f-]{36})" selected', mapping_page).group(1),
        "actie": "controleren",
    }
    for select in SELECT.finditer(mapping_page):
        chosen = re.search(r'<option value="([a-z]+)" selected', select.group(0))
        form[f"kolom-{select.group(1)}"] = chosen.group(1) if chosen else ""
    for field, column in change.items():
        for k, v in list(form.items()):
            if k.startswith("kolom-") and v == field:
                form[k] = ""
        if column != "":
            form[f"kolom-{column}"] = field
    return form


def import_form(checked_page: str) -> dict[str, str]:
    """The import form that a clean check shows (its hidden fields and the check's mark)."""
    section = re.search(r'<section id="import-go".*?</section>', checked_page, re.S)
    assert section and 'name="gecontroleerd"' in section.group(0), "no import form after the check"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', section.group(0)))
    return {**fields, "actie": "importeren"}


def selected_field(mapping_page: str, column: int) -> str | None:
    select = next(m for m in SELECT.finditer(mapping_page) if m.group(1) == str(column))
    chosen = re.search(r'<option value="([a-z]+)" selected', select.group(0))
    return chosen.group(1) if chosen else None


async def test_the_upload_page_guesses_the_columns_previews_and_imports(client, container, lib):
    await login(client, lib.coordinator)
    start = await client.get(f"/t/{lib.slug}/import")
    assert 'enctype="multipart/form-data"' in start.text and 'for="bestand"' in start.text
    assert 'aria-current="page">Importeren</a>' in start.text

    content = legacy_sheet()
    r = await upload(client, lib, content)
    assert r.status_code == 200, r.text
    assert selected_field(r.text, 0) == "datum" and selected_field(r.text, 2) == "dienstverlener"
    assert '<th scope="row" id="kolom-0-naam">A: Datum</th>' in r.text
    assert "<caption>Voorbeeld: de eerste 7 rijen" in r.text and "drukke ochtend" in r.text
    assert "111222333" not in r.text and "niet getoond" in r.text
    assert 'name="actie" value="importeren"' not in r.text  # importing comes after a check

    checked = await client.post(f"/t/{lib.slug}/import/bevestigen", data=mapping_form(r.text))
    assert checked.status_code == 200 and "Er is nog niets opgeslagen." in checked.text
    assert await registered(container, lib.tenant_id) == 0

    done = await client.post(f"/t/{lib.slug}/import/bevestigen", data=import_form(checked.text))
    assert done.status_code == 200, done.text
    assert "Resultaat van de import" in done.text and "3 rijen (5 vragen)" in done.text
    assert 'role="alert"' in done.text and "<caption>Geweigerde rijen</caption>" in done.text
    for row, reason in REFUSED_ROWS.items():
        assert re.search(rf"<td>{row}</td><td>[^<]*{re.escape(reason)}", html.unescape(done.text)), row
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS

    # the stored file is gone after the import; uploading the same file again has nothing to import
    stale = await client.post(f"/t/{lib.slug}/import/bevestigen", data=import_form(checked.text))
    assert stale.status_code == 422 and "niet meer beschikbaar" in stale.text
    again = await upload(client, lib, content)
    second = await client.post(f"/t/{lib.slug}/import/bevestigen", data=mapping_form(again.text))
    assert "0 rijen (0 vragen)" in second.text and "Er is niets te importeren" in second.text
    assert 'name="gecontroleerd"' not in second.text
    assert re.search(r"Al aanwezig \(eerder geïmporteerd\)</th><td>3 rijen", second.text)
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS


async def test_a_mapping_without_a_required_column_is_shown_again_with_the_reason(client, container, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, legacy_sheet())
    bad = await client.post(f"/t/{lib.slug}/import/bevestigen", data=mapping_form(r.text, hulp=""))
    assert (
        bad.status_code == 422
        and "Kies een kolom voor: Hoe geholpen" in bad.text
        and 'role="alert"' in bad.text
    )
    assert selected_field(bad.text, 0) == "datum"
    assert await registered(container, lib.tenant_id) == 0


@pytest.mark.parametrize("kind", list(bad_files()))
async def test_the_upload_page_refuses_what_is_not_a_spreadsheet(client, container, lib, kind):
    content, message = bad_files()[kind]
    await login(client, lib.coordinator)
    r = await upload(client, lib, content)
    assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text
    assert await registered(container, lib.tenant_id) == 0


async def test_a_body_over_the_route_limit_gets_a_clear_page(client, container, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, b"PK\x03\x04" + b"\0" * (2 * MAX_BYTES + 1))
    assert r.status_code == 413 and "Het bestand is te groot" in r.text
    assert await registered(container, lib.tenant_id) == 0


async def test_the_import_page_is_for_coordinators_only(client, lib):
    await login(client, lib.desk)
    r = await client.get(f"/t/{lib.slug}/import")
    assert r.status_code == 403
    desk = await client.get(f"/t/{lib.slug}/balie")
    assert f'href="/t/{lib.slug}/import"' not in desk.text


async def test_an_upload_is_bound_to_the_user_who_made_it(client, container, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, legacy_sheet())
    second = f"coord2-{lib.slug}@test.example"
    await container.accounts.create_user(second, Role.COORDINATOR, tenant_slug=lib.slug, password=PASSWORD)
    await login(client, second)
    own = await client.get(f"/t/{lib.slug}/import")
    form = {**mapping_form(r.text), "_csrf_token": csrf_of(own.text)}
    stolen = await client.post(f"/t/{lib.slug}/import/bevestigen", data=form)
    assert stolen.status_code == 422 and "niet meer beschikbaar" in stolen.text
    assert await registered(container, lib.tenant_id) == 0


# --- issue 18: a template, a mapping table, and the import only after a check of that mapping ---------------


async def test_the_template_downloads_with_the_columns_the_import_recognises(client, lib):
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/import")
    assert f'href="/t/{lib.slug}/import/sjabloon.xlsx"' in page.text
    r = await client.get(f"/t/{lib.slug}/import/sjabloon.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    assert "attachment" in r.headers["content-disposition"]
    sheet = read_sheet(r.content)
    assert sheet.name == "Registraties" and sheet.rows == ()
    assert set(sheet.guess().mapping) == {
        "date",
        "time",
        "party",
        "topic",
        "help",
        "warmth",
        "referred_by",
        "kind",
        "channel",
        "count",
        "note",
    }
    explained = openpyxl.load_workbook(io.BytesIO(r.content))["Uitleg"]
    assert [c.value for c in explained[1]] == ["Kolom", "Wat erin staat", "Voorbeeld", "Verplicht"]
    assert (await client.get(f"/t/{lib.slug}/import/iets-anders.xlsx")).status_code == 404
    await login(client, lib.desk)
    assert (await client.get(f"/t/{lib.slug}/import/sjabloon.xlsx")).status_code == 403


async def test_the_mapping_is_a_table_of_column_examples_and_field(client, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, legacy_sheet())
    table = re.search(r'<table class="import-map">.*?</table>', r.text, re.S).group(0)
    assert '<th scope="col">Kolom</th><th scope="col">Voorbeelden</th><th scope="col">Veld</th>' in table
    row = re.search(
        r'<tr>\s*<th scope="row" id="kolom-2-naam">C: Dienstverlener</th>\s*<td>([^<]*)</td>', table
    )
    assert row and row.group(1) == "CBR · DigiD · NASA"
    # each select is named by its column (no label standing after the previous select)
    assert 'aria-labelledby="kolom-2-veld kolom-2-naam"' in table


async def test_the_import_goes_ahead_only_after_a_check_of_the_same_mapping(client, container, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, legacy_sheet())
    # straight from the mapping, without a check: refused, nothing stored
    unchecked = {**mapping_form(r.text), "actie": "importeren"}
    refused = await client.post(f"/t/{lib.slug}/import/bevestigen", data=unchecked)
    assert refused.status_code == 422 and "Controleer eerst de kolommen" in refused.text
    assert await registered(container, lib.tenant_id) == 0
    checked = await client.post(f"/t/{lib.slug}/import/bevestigen", data=mapping_form(r.text))
    go = import_form(checked.text)
    # the check was of another mapping (the note column left out now): refused
    changed = {**go, "kolom-6": ""}
    refused = await client.post(f"/t/{lib.slug}/import/bevestigen", data=changed)
    assert refused.status_code == 422 and "Controleer eerst de kolommen" in refused.text
    assert await registered(container, lib.tenant_id) == 0
    done = await client.post(f"/t/{lib.slug}/import/bevestigen", data=go)
    assert done.status_code == 200 and "Resultaat van de import" in done.text
    assert await registered(container, lib.tenant_id) == IMPORTED_QUESTIONS


async def test_two_columns_for_one_field_are_refused_in_dutch(client, container, lib):
    await login(client, lib.coordinator)
    r = await upload(client, lib, legacy_sheet())
    form = {**mapping_form(r.text), "kolom-1": "datum"}
    bad = await client.post(f"/t/{lib.slug}/import/bevestigen", data=form)
    assert bad.status_code == 422
    assert "Kolom A en kolom B zijn allebei gekozen voor Datum. Kies er één." in html.unescape(bad.text)
