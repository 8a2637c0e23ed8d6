"""The coordinator dashboard over HTTP: figures from the read models, filters, HTMX partial, CSV and refusals."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from domain import ido
from domain import questions as q
from domain.calendar import TZ, add_years
from domain.ports import NewEvent
from infra.platform.partners import Partners
from infra.projections.help_time import HelpTime
from infra.projections.question_stats import QuestionStats
from infra.projections.referrals import Referrals
from infra.projections.runner import Runner
from infra.projections.visitors import Visitors
from tests.clock import NOW, TODAY, YEAR
from tests.e2e.conftest import login
from tests.e2e.test_desk_http import register
from tests.projections import caught_up

HX = {"HX-Request": "true"}
MARCH = {"van": "2025-03-01", "tot": "2025-03-31"}
CBR = "CBR (Centraal Bureau Rijvaardigheidsbewijzen)"
SVB = "SVB (Sociale Verzekeringsbank)"


def _ctx(lib, partners=frozenset()) -> q.DeskContext:
    # The fixture's IDO registers from this year; these tests backdate on purpose, so they decide their own.
    return q.DeskContext(now=NOW, locations={lib.location_id: date(2020, 1, 1)}, partners=partners)


async def _append(container, lib, question_id: UUID, events, expected: int) -> None:
    stream = q.stream_id(question_id)
    await container.events.append(lib.tenant_id, stream, [NewEvent(uuid4(), e) for e in events], expected)


async def ask(container, lib, at: datetime, party="cbr", topic="cbr.rijbewijs_75", help_="wegwijzer", **kw):
    """Register one question at `at`; answer its state, for a later correction or retraction."""
    location_id = kw.pop("location_id", lib.location_id)
    ctx = _ctx(lib, frozenset(kw[k] for k in ("partner_id", "referred_by_partner_id") if kw.get(k)))
    if help_ == q.REFERRAL:
        kw.setdefault("warmth", "warm")
    ctx.locations[location_id] = date(2020, 1, 1)
    cmd = q.RegisterQuestion(
        question_id=uuid4(),
        visit_id=kw.pop("visit_id", None) or uuid4(),
        location_id=location_id,
        npd_party=party,
        topic=topic,
        help=help_,
        asked_at=at,
        **kw,
    )
    events = q.register(cmd, ctx)
    await _append(container, lib, cmd.question_id, events, 0)
    return q.fold(cmd.question_id, events)


async def tally(container, lib, hour_start: datetime, party: str, count: int) -> None:
    cmd = q.TallyQuestions(
        question_id=uuid4(), location_id=lib.location_id, hour_start=hour_start, npd_party=party, count=count
    )
    await _append(container, lib, cmd.question_id, q.tally(cmd, _ctx(lib)), 0)


async def project(container, lib) -> None:
    """Fold every event appended so far (the feed holds events back while an older transaction anywhere on the
    server is still open, so advancing once is not enough)."""
    runner = Runner(container.db, container.events, [QuestionStats(), Referrals(), Visitors(), HelpTime()])
    await caught_up(runner, lib.tenant_id)


async def add_location(container, lib, name: str) -> UUID:
    location_id = uuid4()
    cmd = ido.RegisterIdo(
        tenant_id=lib.tenant_id,
        location_id=location_id,
        name=name,
        branch="Filiaal",
        variant=ido.Variant.BASIS,
        inside_library=True,
        subsidy_year=YEAR,
        planned_opening=TODAY,
    )
    events = [NewEvent(uuid4(), e) for e in ido.register(cmd, TODAY)]
    await container.events.append(lib.tenant_id, ido.stream_id(location_id), events, 0)
    return location_id


async def set_hours(container, lib, slots: list[ido.Slot]) -> None:
    stream = ido.stream_id(lib.location_id)
    recorded = await container.events.read_stream(lib.tenant_id, stream)
    state = ido.fold(lib.location_id, [r.event for r in recorded])
    events = [NewEvent(uuid4(), e) for e in ido.set_hours(state, slots, [])]
    await container.events.append(lib.tenant_id, stream, events, state.version)


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=TZ)


def row(page: str, label: str) -> int | None:
    """The count in a data-table row headed `label`, or None when there is no such row (the comparison with
    earlier periods has rows of its own: tests/e2e/test_comparison_http.py)."""
    page = re.sub(r'<table class="compare-table".*?</table>', "", page, flags=re.S)
    m = re.search(rf'<th scope="row">{re.escape(html.escape(label))}</th>\s*<td>([\d.]+)</td>', page)
    return int(m.group(1).replace(".", "")) if m else None


def week(page: str, label: str) -> int | None:
    m = re.search(rf'<th scope="row">{re.escape(label)}</th><td>[^<]*</td><td>([\d.]+)</td>', page)
    return int(m.group(1).replace(".", "")) if m else None


def total(page: str) -> int:
    return int(re.search(r"<strong>([\d.]+)</strong> (?:vraag|vragen)", page).group(1).replace(".", ""))


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


async def march(container, lib) -> None:
    """Two questions in week 10, two in week 11 (one of them corrected), a tally of 4 and a retraction."""
    await ask(container, lib, at("2025-03-03", "10:30"))
    await ask(
        container, lib, at("2025-03-03", "11:15"), "svb", "svb.aow", "samen_gezocht", channel="telefoon"
    )
    await ask(container, lib, at("2025-03-12", "14:00"))
    await tally(container, lib, at("2025-03-04", "09:00"), "belastingdienst", 4)
    await ask(container, lib, at("2025-05-06", "10:00"), "svb", "svb.aow", "klantenservice")  # outside March


async def dashboard(client, lib, params=None, headers=None):
    return await client.get(f"/t/{lib.slug}/dashboard", params=params, headers=headers)


async def test_the_dashboard_shows_questions_per_party_topic_help_week_and_hour(client, container, lib):
    await march(container, lib)
    await project(container, lib)
    await login(client, lib.coordinator)
    r = await dashboard(client, lib, MARCH)
    assert r.status_code == 200 and r.text.startswith("<!doctype html>")
    page = r.text
    assert total(page) == 7  # 3 registered + a tally of 4
    assert (row(page, CBR), row(page, SVB), row(page, "Belastingdienst")) == (2, 1, 4)
    assert row(page, "CBR (Centraal Bureau Rijvaardigheidsbewijzen) – Rijbewijs verlengen 75+") == 2
    assert row(page, "SVB (Sociale Verzekeringsbank) – AOW") == 1
    assert (row(page, "Informatie gegeven / wegwijzer"), row(page, "Samen gezocht op de website")) == (2, 1)
    assert row(page, "Doorverwezen naar klantenservice dienstverlener") is None  # that one was in May
    assert (row(page, "Balie"), row(page, "Telefoon")) == (6, 1)  # the tally counts at the desk
    weeks = [week(page, f"Week {n} 2025") for n in range(9, 15)]
    assert weeks == [0, 6, 1, 0, 0, 0]
    assert 'aria-current="page">Dashboard</a>' in page
    assert "style=" not in page and "<style" not in page and "<script>" not in page  # CSP: style-src 'self'
    assert page.count('role="img"') == 8 and page.count("Download CSV") == 14  # no referrals: no chart
    assert "Geen doorverwijzingen in deze periode." in page
    assert page.count("Geen gegevens in deze periode.") == 1
    monday = re.search(r'<th scope="row">maandag</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", monday)[3:5] == ["1", "1"]  # 10:00 and 11:00, counted from 07:00


def visitors_of(page: str) -> tuple[int, str]:
    m = re.search(
        r"<strong>([\d.]+)</strong> (?:bezoekers|bezoeker)(?:, ([\d,]+) vragen per bezoeker)?", page
    )
    return int(m.group(1).replace(".", "")), m.group(2) or ""


def day_row(page: str, label: str) -> list[str] | None:
    m = re.search(rf'<th scope="row">{re.escape(label)}</th>((?:<td class="course-num">[^<]*</td>)+)', page)
    return re.findall(r'<td class="course-num">([^<]*)</td>', m.group(1)) if m else None


def time_row(page: str, key: str, label: str) -> list[str] | None:
    section = re.search(rf'<h4 id="dash-{key}-h">.*?</section>', page, re.S).group(0)
    return day_row(section, label)


async def test_the_dashboard_shows_visitors_per_day_and_questions_per_visitor(client, container, lib):
    visit = uuid4()
    await ask(container, lib, at("2025-03-03", "10:30"), visit_id=visit, duration="5-15")
    await ask(container, lib, at("2025-03-03", "10:40"), "svb", "svb.aow", visit_id=visit, duration="30+")
    await ask(container, lib, at("2025-03-03", "11:00"), duration="0-5")
    undone = await ask(container, lib, at("2025-03-04", "09:30"))
    await ask(container, lib, at("2025-03-12", "14:00"))
    cmd = q.TallyQuestions(
        question_id=uuid4(),
        location_id=lib.location_id,
        hour_start=at("2025-03-12", "15:00"),
        npd_party="belastingdienst",
        count=6,
        visitors=2,
    )
    await _append(container, lib, cmd.question_id, q.tally(cmd, _ctx(lib)), 0)
    await _append(container, lib, undone.question_id, q.retract(undone), 1)
    await project(container, lib)
    await login(client, lib.coordinator)
    page = (await dashboard(client, lib, MARCH)).text
    assert total(page) == 10 and visitors_of(page) == (5, "2,00")  # 10 questions of 5 visitors
    assert day_row(page, "maandag 3 maart 2025") == ["2", "3", "1,50"]
    assert day_row(page, "woensdag 12 maart 2025") == ["3", "7", "2,33"]
    assert day_row(page, "dinsdag 4 maart 2025") is None, "its only question was undone"
    assert "Bezoekers per dag" in page and "Geen bezoekers in deze periode." not in page
    # time spent: 10 + 45 + 2.5 minutes of 3 questions with a duration, of 10
    assert (
        "Hulptijd: 1,0 uur, gemiddeld 19,2 minuten per vraag, van 3 vragen met een duur (van 10 vragen)"
        in page
    )
    assert time_row(page, "time_parties", CBR) == ["3", "2", "0,2", "6,3"]
    assert time_row(page, "time_parties", SVB) == ["1", "1", "0,8", "45,0"]
    assert time_row(page, "time_parties", "Belastingdienst") == ["6", "0", "–", "–"]
    assert time_row(page, "time_topics", f"{SVB} – AOW") == ["1", "1", "0,8", "45,0"]
    assert time_row(page, "time_weeks", "Week 10 2025") == ["3", "3", "1,0", "19,2"]
    assert time_row(page, "time_weeks", "Week 11 2025") == ["7", "0", "–", "–"]
    place = f"IDO {lib.slug.removeprefix('bieb-')}"
    assert time_row(page, "time_locations", place) == ["10", "3", "1,0", "19,2"]
    base = f"/t/{lib.slug}/dashboard"
    days = read_csv((await client.get(f"{base}/visitors.csv", params=MARCH)).content)
    assert days == [
        ["Dag", "Bezoekers", "Vragen", "Vragen per bezoeker"],
        ["2025-03-03", "2", "3", "1,50"],
        ["2025-03-12", "3", "7", "2,33"],
    ]
    weeks = read_csv((await client.get(f"{base}/time_weeks.csv", params=MARCH)).content)
    assert weeks == [
        ["Week", "Begint op", "Vragen", "Met een duur", "Uren", "Gemiddeld (minuten)"],
        ["2025-W10", "2025-03-03", "3", "3", "1,0", "19,2"],
        ["2025-W11", "2025-03-10", "7", "0", "", ""],
    ]
    parties = read_csv((await client.get(f"{base}/time_parties.csv", params=MARCH)).content)
    assert parties[1] == [SVB, "1", "1", "0,8", "45,0"], "the most hours first"
    empty = (await dashboard(client, lib, {"van": "2025-01-01", "tot": "2025-01-31"})).text
    assert visitors_of(empty) == (0, "") and "Geen bezoekers in deze periode." in empty


async def test_a_retraction_and_a_correction_move_the_counts(client, container, lib):
    first = await ask(container, lib, at("2025-03-03", "10:30"))
    second = await ask(container, lib, at("2025-03-04", "10:30"))
    await project(container, lib)
    await login(client, lib.coordinator)
    before = (await dashboard(client, lib, MARCH)).text
    assert total(before) == 2 and row(before, CBR) == 2 and row(before, SVB) is None
    await _append(container, lib, first.question_id, q.retract(first), 1)
    fix = q.CorrectQuestion(
        question_id=second.question_id,
        npd_party="svb",
        topic="svb.aow",
        help="samen_gezocht",
        channel="email",
    )
    await _append(container, lib, second.question_id, q.correct(second, fix, _ctx(lib)), 1)
    await project(container, lib)
    after = (await dashboard(client, lib, MARCH)).text
    assert total(after) == 1 and row(after, CBR) is None and row(after, SVB) == 1
    assert (
        row(after, "Informatie gegeven / wegwijzer") is None
        and row(after, "Samen gezocht op de website") == 1
    )
    assert row(after, "E-mail") == 1 and row(after, "Balie") is None


async def test_the_location_and_period_filters_narrow_the_figures(client, container, lib):
    other = await add_location(container, lib, "IDO Filiaal Oost")
    await ask(container, lib, at("2025-03-03", "10:30"))
    await ask(container, lib, at("2025-03-05", "10:30"), "svb", "svb.aow", location_id=other)
    await ask(container, lib, at("2025-04-10", "10:30"), "svb", "svb.aow", location_id=other)
    await project(container, lib)
    await login(client, lib.coordinator)
    everything = (await dashboard(client, lib, {"van": "2025-01-01", "tot": "2025-12-31"})).text
    assert total(everything) == 3 and "Alle IDO&#39;s" in everything and "IDO Filiaal Oost" in everything
    oost = (await dashboard(client, lib, {**MARCH, "locatie": str(other)})).text
    assert total(oost) == 1 and row(oost, SVB) == 1 and row(oost, CBR) is None
    assert f'<option value="{other}" selected>' in oost
    april = (await dashboard(client, lib, {"van": "2025-04-01", "tot": "2025-04-30"})).text
    assert total(april) == 1 and row(april, SVB) == 1 and row(april, CBR) is None


async def test_without_filters_the_dashboard_shows_the_last_twelve_months(client, container, lib):
    await login(client, lib.coordinator)
    r, _ = await register(client, lib)  # through the desk, now
    assert r.status_code == 200
    await ask(container, lib, at("2020-06-01", "10:00"))  # long ago
    await project(container, lib)
    page = (await dashboard(client, lib)).text
    today = TODAY
    assert total(page) == 1 and row(page, CBR) == 1
    assert f'name="tot" value="{today.isoformat()}"' in page
    assert f'name="van" value="{(add_years(today, -1) + timedelta(days=1)).isoformat()}"' in page


async def test_an_htmx_request_gets_only_the_results(client, container, lib):
    await ask(container, lib, at("2025-03-03", "10:30"))
    await project(container, lib)
    await login(client, lib.coordinator)
    r = await dashboard(client, lib, MARCH, headers=HX)
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="results"')
    assert "<html" not in r.text and "<form" not in r.text and row(r.text, CBR) == 1
    full = (await dashboard(client, lib, MARCH)).text
    assert 'hx-get="/t/' in full and 'hx-target="#results"' in full and 'hx-push-url="true"' in full


async def test_each_table_downloads_as_csv_with_bom_semicolons_and_escaped_formulas(client, container, lib):
    parts = Partners(container.db)
    evil = await parts.add(lib.tenant_id, {"name": "=2+3 Welzijn", "kind": "welzijn"})
    plain = await parts.add(lib.tenant_id, {"name": "Sociaal Raadslieden", "kind": "sociaal_raadslieden"})
    await march(container, lib)
    for partner_id in (evil, evil, plain):
        await ask(container, lib, at("2025-03-20", "15:10"), help_="lokale_partner", partner_id=partner_id)
    await project(container, lib)
    await login(client, lib.coordinator)
    base = f"/t/{lib.slug}/dashboard"
    expected = {
        "weeks": [
            ["Week", "Begint op", "Vragen"],
            ["2025-W09", "2025-02-24", "0"],
            ["2025-W10", "2025-03-03", "6"],
        ],
        "parties": [["NPD-partij", "Vragen"], [CBR, "5"], ["Belastingdienst", "4"], [SVB, "1"]],
        "topics": [["Onderwerp", "Vragen"], [f"{CBR} – Rijbewijs verlengen 75+", "5"], [f"{SVB} – AOW", "1"]],
        "help": [["Hoe geholpen", "Vragen"], ["Doorverwezen naar lokale partner", "3"]],
        "kinds": [["Soort vraag", "Vragen"], ["Digitale overheid", "10"]],
        "channels": [["Kanaal", "Vragen"], ["Balie", "9"], ["Telefoon", "1"]],
        "referrals": [
            ["Lokale partner", "Doorverwijzingen"],
            ["'=2+3 Welzijn", "2"],
            ["Sociaal Raadslieden", "1"],
        ],
    }
    for table, start in expected.items():
        r = await client.get(f"{base}/{table}.csv", params=MARCH)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"] == (
            f'attachment; filename="{lib.slug}-{table}-2025-03-01-2025-03-31.csv"'
        )
        assert b";" in r.content.splitlines()[0]
        rows = read_csv(r.content)
        assert rows[: len(start)] == start, table
    heat = read_csv((await client.get(f"{base}/heatmap.csv", params=MARCH)).content)
    assert heat[0][:3] == ["Dag", "00:00", "01:00"] and len(heat) == 8 and len(heat[1]) == 25
    assert heat[1][0] == "maandag" and heat[1][1 + 10] == "1" and heat[2][1 + 9] == "4"
    assert [r[0] for r in read_csv((await client.get(f"{base}/weeks.csv", params=MARCH)).content)][
        -1
    ] == "2025-W14"
    assert (await client.get(f"{base}/nonsense.csv", params=MARCH)).status_code == 404


async def test_the_referrals_per_partner_add_up_to_the_referrals_under_hoe_geholpen(client, container, lib):
    """With partners, a referral names one or says "staat er niet bij": the per-partner table has a row for
    those, so that its rows sum to "Doorverwezen naar lokale partner" on the page and in the CSV. "Hoe geholpen"
    counts every kind of question here, and so do the partner rows (a library-service or other question
    referred to a partner, also by a correction of its kind, counts)."""
    taal = await Partners(container.db).add(lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis"})
    when = at("2025-03-20", "15:10")
    for _ in range(2):
        await ask(container, lib, when, help_="lokale_partner", partner_id=taal)
    await ask(container, lib, when, help_="lokale_partner", partner_unlisted=True)
    await ask(container, lib, when, help_="lokale_partner", partner_unlisted=True, kind="bibliotheekdienst")
    await ask(container, lib, when, help_="lokale_partner", partner_id=taal, kind="overig")
    other = await ask(container, lib, when, help_="lokale_partner", partner_id=taal)
    kind = q.CorrectQuestion(
        question_id=other.question_id,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="lokale_partner",
        kind="bibliotheekdienst",
        partner_id=taal,
        warmth="warm",
    )
    await _append(container, lib, other.question_id, q.correct(other, kind, _ctx(lib, frozenset([taal]))), 1)
    await ask(container, lib, when)
    moved = await ask(container, lib, when, help_="lokale_partner", partner_id=taal)
    fix = q.CorrectQuestion(
        question_id=moved.question_id,
        npd_party="cbr",
        topic="cbr.rijbewijs_75",
        help="lokale_partner",
        partner_unlisted=True,
        warmth="koud",
    )
    await _append(container, lib, moved.question_id, q.correct(moved, fix, _ctx(lib, frozenset([taal]))), 1)
    await project(container, lib)
    await login(client, lib.coordinator)
    page = (await dashboard(client, lib, MARCH)).text
    assert row(page, "Doorverwezen naar lokale partner") == 7
    assert (row(page, "Taalhuis"), row(page, "Andere partner / staat er niet bij")) == (4, 3)
    referrals = read_csv((await client.get(f"/t/{lib.slug}/dashboard/referrals.csv", params=MARCH)).content)
    help_ = dict(read_csv((await client.get(f"/t/{lib.slug}/dashboard/help.csv", params=MARCH)).content)[1:])
    assert referrals[1:] == [["Taalhuis", "4"], ["Andere partner / staat er niet bij", "3"]]
    assert sum(int(n) for _, n in referrals[1:]) == int(help_["Doorverwezen naar lokale partner"]) == 7
    # a period without referrals has no such row
    april = (await dashboard(client, lib, {"van": "2025-04-01", "tot": "2025-04-30"})).text
    assert row(april, "Andere partner / staat er niet bij") is None


async def test_referrals_both_ways_per_partner_add_up_warm_and_cold_on_the_page_and_in_the_csv(
    client, container, lib
):
    """To partners warm, cold and recorded before it was asked; visitors sent by partners (also by one that
    received no referral, and by one not listed), of every kind of question. The table's "Naar: totaal" sums to
    "Doorverwezen naar lokale partner", its warm, cold and not recorded to that total."""
    parts = Partners(container.db)
    taal = await parts.add(lib.tenant_id, {"name": "Taalhuis", "kind": "taalhuis"})
    welzijn = await parts.add(lib.tenant_id, {"name": "=1+1 Welzijn", "kind": "welzijn"})
    when = at("2025-03-20", "15:10")
    await ask(container, lib, when, help_="lokale_partner", partner_id=taal, warmth="warm")
    await ask(container, lib, when, help_="lokale_partner", partner_id=taal, warmth="koud", kind="overig")
    await ask(
        container,
        lib,
        when,
        help_="lokale_partner",
        partner_id=taal,
        warmth="koud",
        referred_by_partner_id=welzijn,
    )
    await ask(container, lib, when, help_="lokale_partner", partner_unlisted=True, warmth="onbekend")
    await ask(container, lib, when, referred_by_partner_id=welzijn, kind="bibliotheekdienst")
    await ask(container, lib, when, referred_by_unlisted=True)
    await ask(container, lib, at("2025-04-02", "10:00"), referred_by_partner_id=taal)  # outside March
    await project(container, lib)
    await login(client, lib.coordinator)
    page = (await dashboard(client, lib, MARCH)).text
    assert row(page, "Doorverwezen naar lokale partner") == 4
    table = re.search(r'aria-labelledby="dash-referral_partners-h">.*?</section>', page, re.S).group(0)
    cells = [
        [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    assert cells[0] == list(BOTH_WAYS_HEADER)
    assert cells[1:] == [
        ["=1+1 Welzijn", "Welzijnsorganisatie", "0", "0", "0", "0", "2"],
        ["Taalhuis", "Taalhuis", "1", "2", "0", "3", "0"],
        ["Andere partner / staat er niet bij", "", "0", "0", "1", "1", "1"],
        ["Totaal", "", "1", "2", "1", "4", "3"],
    ]
    both = read_csv(
        (await client.get(f"/t/{lib.slug}/dashboard/referral_partners.csv", params=MARCH)).content
    )
    assert both[0] == list(BOTH_WAYS_HEADER)
    assert both[1] == ["'=1+1 Welzijn", "Welzijnsorganisatie", "0", "0", "0", "0", "2"]
    assert both[1:] == [[both[1][0], *r[1:]] for r in cells[1:2]] + cells[2:]
    help_ = dict(read_csv((await client.get(f"/t/{lib.slug}/dashboard/help.csv", params=MARCH)).content)[1:])
    assert (
        int(both[-1][5])
        == sum(int(n) for n in both[-1][2:5])
        == int(help_["Doorverwezen naar lokale partner"])
    )


BOTH_WAYS_HEADER = (
    "Lokale partner",
    "Soort partner",
    "Naar: warm",
    "Naar: koud",
    "Naar: niet vastgelegd",
    "Naar: totaal",
    "Door",
)


BAD_FILTERS = [
    ({"van": "2025-05-01", "tot": "2025-04-01"}, "De begindatum ligt na de einddatum"),
    ({"van": "2020-01-01", "tot": "2025-01-01"}, "hoogstens 3 jaar"),
    ({"van": "gisteren", "tot": "2025-01-01"}, "geen geldige datum"),
    ({"van": "2025-01-01", "tot": "2025-02-30"}, "geen geldige datum"),
    ({"locatie": "00000000-0000-0000-0000-000000000001"}, "Kies een IDO van uw bibliotheek"),
]


async def test_bad_filters_get_a_dutch_message_and_422(client, lib):
    await login(client, lib.coordinator)
    for params, message in BAD_FILTERS:
        r = await dashboard(client, lib, params)
        assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text, params
        assert "<form" in r.text  # the form stays, to put it right
        part = await dashboard(client, lib, params, headers=HX)
        assert part.status_code == 422 and part.text.lstrip().startswith('<section id="results"')
        assert message in part.text
        download = await client.get(f"/t/{lib.slug}/dashboard/parties.csv", params=params)
        assert download.status_code == 422 and message in download.text


async def test_the_locations_of_another_library_are_refused(client, container, lib, lib_b):
    await login(client, lib.coordinator)
    r = await dashboard(client, lib, {**MARCH, "locatie": str(lib_b.location_id)})
    assert r.status_code == 422 and "Kies een IDO" in r.text


async def test_desk_staff_get_403(client, lib):
    await login(client, lib.desk)
    assert (await dashboard(client, lib)).status_code == 403
    assert (await client.get(f"/t/{lib.slug}/dashboard/parties.csv")).status_code == 403
    desk = await client.get(f"/t/{lib.slug}/balie")
    assert "/dashboard" not in desk.text


async def test_a_coordinator_of_another_library_gets_404_and_sees_nothing_of_it(
    client, container, lib, lib_b
):
    await ask(container, lib, at("2025-03-03", "10:30"))
    await project(container, lib)
    await project(container, lib_b)
    await login(client, lib_b.coordinator)
    for path in ("", "/parties.csv", "/heatmap.csv"):
        r = await client.get(f"/t/{lib.slug}/dashboard{path}", params=MARCH)
        assert r.status_code == 404
        assert lib.slug not in r.text and f"Bibliotheek {lib.slug.removeprefix('bieb-')}" not in r.text
        assert CBR not in r.text
    own = (await dashboard(client, lib_b, MARCH)).text
    assert total(own) == 0 and row(own, CBR) is None


async def test_the_heatmap_outlines_the_opening_hours(client, container, lib):
    await ask(container, lib, at("2025-03-03", "10:30"))
    await project(container, lib)
    await login(client, lib.coordinator)
    before = (await dashboard(client, lib, MARCH)).text
    assert "nog geen openingstijden" in before and 'class="dash-open"' not in before
    assert "dash-open-line" not in before.split('id="dash-heatmap-h"')[1].split("</svg>")[0]
    await set_hours(container, lib, [ido.Slot(weekday=0, opens="09:00", closes="12:00")])
    after = (await dashboard(client, lib, MARCH)).text
    assert "nog geen openingstijden" not in after and "maandag 09:00–12:00" in after
    monday = re.search(r'<th scope="row">maandag</th>(.*?)</tr>', after, re.S).group(1)
    cells = re.findall(r"<td( class=\"dash-open\")?>(\d+)", monday)
    assert [h for h, (is_open, _) in enumerate(cells, start=7) if is_open] == [9, 10, 11]
    assert cells[10 - 7] == (' class="dash-open"', "1")
    tuesday = re.search(r'<th scope="row">dinsdag</th>(.*?)</tr>', after, re.S).group(1)
    assert "dash-open" not in tuesday
    svg = after.split('id="dash-heatmap-h"')[1].split("</svg>")[0]
    assert svg.count('class="dash-open-line"') == 8  # the border of three cells in a row
