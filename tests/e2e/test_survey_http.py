"""The visitor survey over HTTP: the coordinator's questions, links and QR codes; the public page without login,
its form token, the device's cookie and the rate limit; the answers as events of the library with nothing about
the person; the results suppressed on the dashboard, in the verantwoording and, summed over libraries, on the
POI's and the KB's boards."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from domain import survey as s
from domain.courses import Programme, ScheduleCourse
from domain.report import SUPPRESSED
from infra.projections.runner import Runner
from infra.projections.survey import SurveyStats
from services.api.survey.guard import COOKIE, form_token
from tests.clock import NOW, TODAY, YESTERDAY
from tests.commands import handle
from tests.e2e.conftest import FIXTURE_META, another_browser, csrf_of, login
from tests.projections import caught_up

HX = {"HX-Request": "true"}
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(autouse=True)
async def _no_rate_limit_left(settings):
    """The rate limit's windows follow the fixed clock: a test starts with none of the suite's requests counted."""
    r = aioredis.Redis.from_url(settings.redis_url)
    for key in await r.keys("ido:survey:*"):
        await r.delete(key)
    await r.aclose()


async def open_survey(container, lib, questions=("tevreden", "verder", "zelf", "cursus_nut"), course_id=None):
    survey_id = s.survey_id_of(lib.tenant_id)
    await handle(container, lib.tenant_id, s.ChooseSurveyQuestions(survey_id=survey_id, questions=questions))
    link = "".join(__import__("secrets").choice(s.LINK_ALPHABET) for _ in range(s.LINK_LENGTH))
    cmd = s.OpenSurveyLink(survey_id=survey_id, link=link, location_id=lib.location_id, course_id=course_id)
    return (await handle(container, lib.tenant_id, cmd, FIXTURE_META)).body["link"]


async def events(container, tenant_id, type_="SurveyAnswered"):
    async with container.reader.platform() as conn:
        return (
            await conn.execute(
                text("SELECT data, metadata FROM events WHERE tenant_id = :t AND event_type = :e"),
                {"t": tenant_id, "e": type_},
            )
        ).all()


async def fill_in(visitor, lib, link, **answers):
    page = await visitor.get(f"/e/{lib.slug}/{link}")
    assert page.status_code == 200, page.text
    data = {"_csrf_token": csrf_of(page.text), "token": TOKEN.search(page.text).group(1), **answers}
    return await visitor.post(f"/e/{lib.slug}/{link}", data=data, follow_redirects=False)


async def test_the_coordinator_chooses_questions_and_makes_a_link_with_a_printable_qr_code(
    client, container, lib
):
    await login(client, lib.coordinator)
    page = await client.get(f"/t/{lib.slug}/enquete")
    assert page.status_code == 200 and "Sla eerst de vragen op" in page.text
    assert (
        'value="tevreden" checked' in page.text and 'value="leeftijd">' in page.text
    )  # the defaults proposed
    token = csrf_of(page.text)
    bad = await client.post(f"/t/{lib.slug}/enquete/vragen", data={"_csrf_token": token}, headers=HX)
    assert bad.status_code == 422 and "Kies ten minste één vraag" in bad.text
    r = await client.post(
        f"/t/{lib.slug}/enquete/vragen",
        data={"_csrf_token": token, "vraag": ["tevreden", "leeftijd"]},
        headers=HX,
    )
    assert r.status_code == 200 and "De vragen van de enquête zijn opgeslagen." in r.text
    r = await client.post(
        f"/t/{lib.slug}/enquete/links",
        data={"_csrf_token": token, "locatie": str(lib.location_id)},
        headers=HX,
    )
    assert r.status_code == 200 and "De link is gemaakt." in r.text
    link = re.search(rf"/e/{lib.slug}/([A-Z2-9]{{8}})", r.text).group(1)
    printed = await client.get(f"/t/{lib.slug}/enquete/links/{link}")
    assert printed.status_code == 200
    assert (
        f"http://127.0.0.1:8000/e/{lib.slug}/{link}" in printed.text
        or f"/e/{lib.slug}/{link}" in printed.text
    )
    assert '<svg role="img"' in printed.text and "<title>QR-code van de enquête" in printed.text
    svg = await client.get(f"/t/{lib.slug}/enquete/links/{link}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<?xml") and "attachment" in svg.headers["content-disposition"]
    gone = await client.post(f"/t/{lib.slug}/enquete/links/{link}/intrekken", data={"_csrf_token": token})
    assert gone.status_code == 200 and "De link is ingetrokken" in gone.text
    visitor = another_browser(client)
    assert (await visitor.get(f"/e/{lib.slug}/{link}")).status_code == 404
    assert (await client.get(f"/t/{lib.slug}/enquete/links/{link}")).status_code == 404


async def test_a_course_gets_a_link_of_its_own_with_the_course_questions(client, container, lib):
    course_id = uuid4()
    await handle(
        container,
        lib.tenant_id,
        ScheduleCourse(
            course_id=course_id,
            programme=Programme.DIGISTERKER,
            title="Digisterker voorjaar",
            location_id=lib.location_id,
            start_date=TODAY,
            sessions=3,
            capacity=10,
        ),
        FIXTURE_META,
    )
    link = await open_survey(container, lib, course_id=course_id)
    visitor = another_browser(client)
    page = await visitor.get(f"/e/{lib.slug}/{link}")
    assert "Wat vond u van de cursus?" in page.text, (
        page.text[page.text.find("<main") : page.text.find("</main")] and "Digisterker voorjaar" in page.text
    )
    assert (
        'name="cursus_nut"' in page.text and 'name="verder"' not in page.text
    )  # the desk's question is not shown


async def test_a_visitor_fills_in_the_survey_without_login_and_the_answer_holds_nothing_about_the_person(
    client, container, lib
):
    link = await open_survey(container, lib)
    visitor = another_browser(client)
    page = await visitor.get(f"/e/{lib.slug}/{link}")
    assert page.status_code == 200 and "Wat vond u van uw bezoek?" in page.text
    assert 'name="tevreden"' in page.text and 'name="cursus_nut"' not in page.text
    assert "Uitloggen" not in page.text and 'lang="nl"' in page.text
    r = await fill_in(visitor, lib, link, tevreden="tevreden", zelf="ja")
    assert r.status_code == 303 and r.headers["location"] == f"/e/{lib.slug}/{link}?bedankt=1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={TODAY.isoformat()}.") and f"Path=/e/{lib.slug}/{link}" in cookie
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Max-Age=57600" in cookie
    thanks = await visitor.get(r.headers["location"])
    assert (
        "Dank u wel! Uw antwoorden zijn ontvangen." in thanks.text
        and '<form method="post" action="/e/' not in thanks.text
    )
    [(data, meta)] = await events(container, lib.tenant_id)
    assert data["answers"] == [["tevreden", "tevreden"], ["zelf", "ja"]] and data["asked"] == [
        "tevreden",
        "verder",
        "zelf",
    ]
    assert data["answered_on"] == TODAY.isoformat() and data["course_id"] is None
    assert set(data) == {
        "response_id",
        "question_set",
        "location_id",
        "course_id",
        "answered_on",
        "asked",
        "answers",
    }
    assert meta["actor"] is None and meta["via"] == "survey"
    assert "127.0.0.1" not in str(meta) and "testclient" not in str(meta) and COOKIE not in str(meta)


async def test_one_answer_per_device_per_day_and_a_form_token_works_once_and_only_today(
    client, container, lib, clock, settings
):
    link = await open_survey(container, lib)
    visitor = another_browser(client)
    page = await visitor.get(f"/e/{lib.slug}/{link}")
    data = {
        "_csrf_token": csrf_of(page.text),
        "token": TOKEN.search(page.text).group(1),
        "tevreden": "tevreden",
    }
    assert (await visitor.post(f"/e/{lib.slug}/{link}", data=data, follow_redirects=False)).status_code == 303
    again = await visitor.post(f"/e/{lib.slug}/{link}", data=data, follow_redirects=False)
    assert again.status_code == 409 and "vandaag al ingevuld" in again.text
    assert "vandaag al ingevuld" in (await visitor.get(f"/e/{lib.slug}/{link}")).text
    # a script that drops the cookie and sends the same form again stores nothing new
    script = another_browser(client)
    csrf = csrf_of((await script.get(f"/e/{lib.slug}/{link}")).text)
    replay = await script.post(
        f"/e/{lib.slug}/{link}", data={**data, "_csrf_token": csrf}, follow_redirects=False
    )
    assert replay.status_code == 303
    assert len(await events(container, lib.tenant_id)) == 1
    # a forged token, another secret's and yesterday's are refused; the answers given stay
    fresh = another_browser(client)
    csrf = csrf_of((await fresh.get(f"/e/{lib.slug}/{link}")).text)
    for token in (
        "vervalst",
        form_token("een ander geheim", lib.slug, link, TODAY),
        form_token(settings.secret_key, lib.slug, link, YESTERDAY),
    ):
        r = await fresh.post(f"/e/{lib.slug}/{link}", data={**data, "_csrf_token": csrf, "token": token})
        assert r.status_code == 422 and "Dit formulier is verlopen" in r.text
        assert 'value="tevreden" checked' in r.text
    # the next day the device may answer again
    clock.set(NOW + timedelta(days=1))
    r = await fill_in(visitor, lib, link, tevreden="neutraal")
    assert r.status_code == 303 and len(await events(container, lib.tenant_id)) == 2


async def test_answers_that_do_not_fit_are_refused_with_a_dutch_message(client, container, lib):
    link = await open_survey(container, lib)
    visitor = another_browser(client)
    none = await fill_in(visitor, lib, link)
    assert none.status_code == 422 and "Beantwoord ten minste één vraag." in none.text
    wrong = await fill_in(visitor, lib, link, tevreden="super")
    assert wrong.status_code == 422 and "Kies een van de antwoorden bij de vraag" in wrong.text
    assert not await events(container, lib.tenant_id)


async def test_the_public_page_is_rate_limited_per_address(client, container, lib):
    link = await open_survey(container, lib)
    visitor = another_browser(client)
    page = await visitor.get(f"/e/{lib.slug}/{link}")
    data = {"_csrf_token": csrf_of(page.text), "token": "vervalst", "tevreden": "tevreden"}
    statuses = [
        (await visitor.post(f"/e/{lib.slug}/{link}", data=data)).status_code
        for _ in range(s.SurveyLimits().per_window)
    ]
    assert set(statuses) == {422}
    refused = await visitor.post(f"/e/{lib.slug}/{link}", data=data)
    assert refused.status_code == 429 and "Probeer het na 08:10 uur opnieuw" in refused.text
    assert refused.headers["retry-after"] == "600"


async def test_the_public_page_never_shows_another_library(client, container, lib, lib_b):
    mine, theirs = await open_survey(container, lib), await open_survey(container, lib_b)
    visitor = another_browser(client)
    assert (await visitor.get(f"/e/{lib.slug}/{theirs}")).status_code == 404
    assert (await visitor.get(f"/e/{lib_b.slug}/{mine}")).status_code == 404
    assert (await visitor.get(f"/e/bestaat-niet/{mine}")).status_code == 404
    page = await visitor.get(f"/e/{lib.slug}/{mine}")
    assert lib_b.slug not in page.text
    lower = await visitor.get(f"/e/{lib.slug}/{mine.lower()}", follow_redirects=False)
    assert lower.status_code == 303 and lower.headers["location"] == f"/e/{lib.slug}/{mine}"
    # a form token of one library's link does not work at another's
    token = TOKEN.search(page.text).group(1)
    other = await visitor.get(f"/e/{lib_b.slug}/{theirs}")
    r = await visitor.post(
        f"/e/{lib_b.slug}/{theirs}",
        data={"_csrf_token": csrf_of(other.text), "token": token, "tevreden": "tevreden"},
    )
    assert r.status_code == 422


async def _answers(client, container, lib, link, n, **answers):
    for _ in range(n):
        r = await fill_in(another_browser(client), lib, link, **answers)
        assert r.status_code == 303
    await caught_up(Runner(container.db, container.events, [SurveyStats()]), lib.tenant_id)


async def test_the_results_are_suppressed_on_the_dashboard_and_in_the_verantwoording(client, container, lib):
    link = await open_survey(container, lib)
    await _answers(client, container, lib, link, 6, tevreden="tevreden", verder="ja")
    await _answers(client, container, lib, link, 2, tevreden="ontevreden")
    await login(client, lib.coordinator)
    dash = await client.get(f"/t/{lib.slug}/dashboard")
    part = dash.text[dash.text.index('id="sv-results-h"') :]
    assert "<strong>8</strong> ingevulde enquêtes" in part
    tevreden = part[part.index("Hoe tevreden bent u") :]
    assert '<th scope="row">Ontevreden</th><td>&lt;5</td>' in tevreden
    assert '<th scope="row">Tevreden</th><td>&lt;5</td>' in tevreden, "the next smallest is hidden too"
    report = await client.get(f"/t/{lib.slug}/verantwoording")
    assert "Enquête onder bezoekers en cursisten" in report.text
    csv = await client.get(f"/t/{lib.slug}/verantwoording/{TODAY.year}.csv")
    block = csv.content.decode("utf-8-sig").split("Enquête onder bezoekers en cursisten")[1]
    assert "Ingevulde enquêtes;Bezoekers van de balie;8" in block
    assert f"Hoe tevreden bent u over de hulp die u kreeg?;Ontevreden;{SUPPRESSED}" in block


async def test_a_poi_with_one_library_answering_sees_no_survey_figures_only_that_they_follow(
    client, container
):
    from domain.accounts import Role
    from tests.e2e.conftest import PASSWORD, make_library

    lib = await make_library(container)  # a POI of its own: one library with answers
    await _answers(client, container, lib, await open_survey(container, lib), 6, tevreden="zeer_tevreden")
    adviser = f"poi-{uuid4().hex[:6]}@test.example"
    await container.accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    await login(client, adviser)
    part = (await client.get("/poi")).text.split('id="sv-results-h"')[1].split("</section>")[0]
    assert "1 bibliotheek met ingevulde enquêtes" in part
    assert "Een samenvatting volgt zodra in ten minste 2 bibliotheken enquêtes zijn" in part
    assert "Zeer tevreden" not in part and "<table" not in part


async def test_the_poi_and_the_kb_see_the_survey_summed_over_libraries_and_never_one_library_alone(
    client, container, lib
):
    from domain.accounts import Role
    from tests.e2e.conftest import PASSWORD, make_library

    second = await make_library(container, lib.poi)
    for library, n in ((lib, 3), (second, 4)):
        link = await open_survey(container, library)
        await _answers(client, container, library, link, n, tevreden="zeer_tevreden")
    adviser = f"poi-{uuid4().hex[:6]}@test.example"
    await container.accounts.create_user(adviser, Role.POI_ADVISER, poi_slug=lib.poi, password=PASSWORD)
    await login(client, adviser)
    board = await client.get("/poi")
    part = board.text[board.text.index('id="sv-results-h"') :]
    assert "2 bibliotheken met ingevulde enquêtes" in part and "<strong>7</strong> ingevulde enquêtes" in part
    assert '<th scope="row">Zeer tevreden</th><td>7</td>' in part
    one = await client.get(f"/poi/verantwoording/{lib.slug}/{TODAY.year}.csv")
    assert one.status_code == 200 and "Enquête onder" not in one.content.decode("utf-8-sig")
    total = await client.get(f"/poi/verantwoording/totaal/{lib.poi}/{TODAY.year}.csv")
    assert "Ingevulde enquêtes;Bezoekers van de balie;7" in total.content.decode("utf-8-sig")
    kb = f"kb-{uuid4().hex[:6]}@test.example"
    await container.accounts.create_user(kb, Role.KB_ANALYST, password=PASSWORD)
    await client.post("/logout", data={"_csrf_token": csrf_of(board.text)})
    await login(client, kb)
    national = await client.get("/kb")
    part = national.text[national.text.index('id="sv-results-h"') :]
    assert "Alle bibliotheken" in part and "ingevulde enquêtes" in part
