"""Courses over HTTP: scheduling, enrolment with a code to print, withdrawal, attendance, completion and
cancellation on the pages; refusals that store nothing; the referral from the desk; the JSON API with its
idempotency keys; and the counts of the courses.v1 read model."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.clock import TODAY
from tests.e2e.conftest import csrf_of, login
from tests.projections import caught_up

HX = {"HX-Request": "true"}
CODE = re.compile(r'class="course-code">([A-Z]{2}-[A-Z2-9]{4})<')


async def stream_length(container, tenant_id, course_id) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT count(*) FROM events WHERE tenant_id = :t AND stream_id = :s"
        return (await conn.execute(text(sql), {"t": tenant_id, "s": f"course-{course_id}"})).scalar()


async def count_type(container, tenant_id, type_: str) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT count(*) FROM events WHERE tenant_id = :t AND event_type = :e"
        return (await conn.execute(text(sql), {"t": tenant_id, "e": type_})).scalar()


def form_of(html: str, action: str, **fields) -> dict:
    """The CSRF token and the idempotency key of the form posting to `action`, plus `fields`."""
    start = html.index(f'action="{action}"')
    key = re.search(r'name="key" value="([^"]+)"', html[start:]).group(1)
    return {"_csrf_token": csrf_of(html), "key": key, **fields}


async def schedule(client, lib, **fields):
    page = await client.get(f"/t/{lib.slug}/cursussen")
    assert page.status_code == 200, page.text
    defaults = {
        "programma": "klik_tik",
        "locatie": str(lib.location_id),
        "startdatum": str(TODAY),
        "bijeenkomsten": "3",
        "capaciteit": "4",
    }
    form = form_of(page.text, f"/t/{lib.slug}/cursussen", **{**defaults, **fields})
    return await client.post(f"/t/{lib.slug}/cursussen", data=form), form


async def new_course(client, lib, **fields) -> UUID:
    r, _ = await schedule(client, lib, **fields)
    assert r.status_code == 200 and "De cursus is gepland." in r.text, r.text
    return UUID(re.search(r"/cursussen/([0-9a-f-]{36})", str(r.url)).group(1))


async def post(client, lib, course_id, path: str, hx: bool = False, form_path: str | None = None, **fields):
    """Post the form of the course page that posts to `form_path` (default `path`) to `path`."""
    base = f"/t/{lib.slug}/cursussen/{course_id}"
    page = await client.get(base)
    form = form_of(page.text, base + (form_path or path), **fields)
    return await client.post(base + path, data=form, headers=HX if hx else None)


async def enrol(client, lib, course_id) -> str:
    r = await post(client, lib, course_id, "/inschrijvingen")
    assert r.status_code == 200, r.text
    return CODE.search(r.text).group(1)


async def catch_up(container, settings, tenant_id) -> None:
    runner = Runner(container.db, container.events, all_projections(settings, container.events))
    await caught_up(runner, tenant_id)


async def read_model(container, tenant_id, course_id) -> dict:
    async with container.reader.platform() as conn:
        row = (
            await conn.execute(
                text("SELECT * FROM rm_courses_v1 WHERE tenant_id = :t AND course_id = :c"),
                {"t": tenant_id, "c": course_id},
            )
        ).one()
    return row._asdict()


# the pages


async def test_a_scheduled_course_has_its_page_and_appears_in_the_filtered_list(
    client, container, settings, lib
):
    await login(client, lib.desk)
    course_id = await new_course(client, lib, programma="eigen", titel="Veilig online bankieren")
    assert await stream_length(container, lib.tenant_id, course_id) == 1
    await catch_up(container, settings, lib.tenant_id)
    listed = await client.get(f"/t/{lib.slug}/cursussen")
    assert f"/cursussen/{course_id}" in listed.text and "Veilig online bankieren" in listed.text
    assert 'aria-current="page">Cursussen' in listed.text
    own = await client.get(f"/t/{lib.slug}/cursussen", params={"programma": "eigen"}, headers=HX)
    assert own.text.lstrip().startswith('<section id="course-list"') and str(course_id) in own.text
    other = await client.get(f"/t/{lib.slug}/cursussen", params={"programma": "digisterker"})
    assert str(course_id) not in other.text and "Nog geen cursussen voor deze keuze" in other.text


async def test_a_double_submitted_schedule_form_schedules_one_course(client, container, lib):
    await login(client, lib.coordinator)
    r1, form = await schedule(client, lib)
    r2 = await client.post(f"/t/{lib.slug}/cursussen", data=form)
    assert r1.status_code == r2.status_code == 200 and r1.url == r2.url
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 1


SCHEDULE_REFUSALS = [
    ("own-course-without-name", {"programma": "eigen", "titel": " "}, "Geef de eigen cursus een naam."),
    ("unknown-programme", {"programma": "breien"}, "Kies een programma."),
    ("no-sessions", {"bijeenkomsten": "0"}, "Een cursus heeft 1 tot 30 bijeenkomsten."),
    ("capacity-in-words", {"capaciteit": "veel"}, "Vul het aantal plaatsen in als heel getal."),
    ("no-start-date", {"startdatum": ""}, "Vul de startdatum in."),
    ("start-long-ago", {"startdatum": "2019-05-01"}, "De startdatum ligt te ver in het verleden."),
    ("name-with-email", {"programma": "eigen", "titel": "Les van jan@example.nl"}, "e-mailadres"),
]


@pytest.mark.parametrize(
    ("fields", "message"), [r[1:] for r in SCHEDULE_REFUSALS], ids=[r[0] for r in SCHEDULE_REFUSALS]
)
async def test_a_refused_schedule_shows_the_dutch_message_and_stores_nothing(
    client, container, lib, fields, message
):
    await login(client, lib.desk)
    r, _ = await schedule(client, lib, **fields)
    assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 0


async def test_a_location_of_another_library_is_refused(client, container, lib, lib_b):
    await login(client, lib.desk)
    r, _ = await schedule(client, lib, locatie=str(lib_b.location_id))
    assert r.status_code == 422 and "Kies een IDO-locatie van uw bibliotheek." in r.text
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 0


async def test_enrolment_shows_the_code_large_with_a_plain_print_link(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    r = await post(client, lib, course_id, "/inschrijvingen")
    assert r.history and r.history[0].status_code == 303
    code = CODE.search(r.text).group(1)
    assert code.startswith("KT-") and "De deelnemer is ingeschreven." in r.text
    slip_url = f"/t/{lib.slug}/cursussen/{course_id}/deelnemer/{code}"
    assert f'href="{slip_url}"' in r.text
    slip = await client.get(slip_url)
    assert slip.status_code == 200 and code in slip.text and "Klik &amp; Tik" in slip.text
    assert "<script" not in slip.text
    assert (await client.get(f"/t/{lib.slug}/cursussen/{course_id}/deelnemer/KT-ZZZZ")).status_code == 404
    assert await count_type(container, lib.tenant_id, "ParticipantEnrolled") == 1


async def test_with_htmx_an_enrolment_answers_the_course_partial_with_the_code(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    r = await post(client, lib, course_id, "/inschrijvingen", hx=True)
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith('<div id="course"') and CODE.search(r.text)
    assert 'id="course-announce"' in r.text and 'hx-swap-oob="true"' in r.text


async def test_a_double_click_on_inschrijven_enrols_once_and_shows_the_same_code(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    base = f"/t/{lib.slug}/cursussen/{course_id}"
    form = form_of((await client.get(base)).text, base + "/inschrijvingen")
    first = await client.post(base + "/inschrijvingen", data=form)
    second = await client.post(base + "/inschrijvingen", data=form)
    assert CODE.search(first.text).group(1) == CODE.search(second.text).group(1)
    assert await count_type(container, lib.tenant_id, "ParticipantEnrolled") == 1


async def test_enrolment_over_capacity_is_refused_and_the_stream_is_unchanged(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib, capaciteit="1")
    base = f"/t/{lib.slug}/cursussen/{course_id}"
    second_tab = form_of((await client.get(base)).text, base + "/inschrijvingen")
    await enrol(client, lib, course_id)
    full = await client.get(base)
    assert "De cursus is vol (1 deelnemer)." in full.text and "Inschrijven</button>" not in full.text
    before = await stream_length(container, lib.tenant_id, course_id)
    r = await client.post(base + "/inschrijvingen", data=second_tab, headers=HX)
    assert r.status_code == 422 and "De cursus is vol (1 deelnemer)." in r.text
    assert await stream_length(container, lib.tenant_id, course_id) == before == 2


async def test_withdraw_attend_and_complete(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    a, b, gone = [await enrol(client, lib, course_id) for _ in range(3)]
    page = (await client.get(f"/t/{lib.slug}/cursussen/{course_id}")).text
    # every session lists everyone, nobody ticked and no date: facts a person checks (issue 18)
    assert page.count(f'name="aanwezig" value="{a}"') == 3
    assert page.count(f'name="aanwezig" value="{a}" checked') == 0
    assert page.count('name="datum" required value=""') == 3

    r = await post(client, lib, course_id, "/uitschrijvingen", code=gone)
    assert (
        r.status_code == 200
        and "De deelnemer is uitgeschreven." in r.text
        and f"Uitgeschreven: {gone}" in r.text
    )

    r = await post(client, lib, course_id, "/bijeenkomsten/1", hx=True, aanwezig=[a, b], datum=str(TODAY))
    assert r.status_code == 200 and "2 aanwezig" in r.text and "De aanwezigheid is opgeslagen." in r.text
    r = await post(client, lib, course_id, "/bijeenkomsten/2", aanwezig=[a], datum=str(TODAY))
    assert r.status_code == 200 and "1 aanwezig" in r.text

    r = await post(client, lib, course_id, "/afronden", afgerond=[a])
    assert (
        r.status_code == 200
        and "De cursus is afgerond." in r.text
        and f"Afgerond door 1 deelnemer: {a}" in r.text
    )
    assert await stream_length(container, lib.tenant_id, course_id) == 8
    assert "Inschrijven</button>" not in r.text and "/uitschrijvingen" not in r.text


async def test_cancellation_keeps_the_reason_and_ends_every_change(client, container, lib):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    code = await enrol(client, lib, course_id)
    base = f"/t/{lib.slug}/cursussen/{course_id}"
    enrol_form = form_of((await client.get(base)).text, base + "/inschrijvingen")
    r = await post(client, lib, course_id, "/annuleren", reden="Te weinig aanmeldingen")
    assert r.status_code == 200 and "De cursus is geannuleerd." in r.text
    before = await stream_length(container, lib.tenant_id, course_id)
    late = await client.post(base + "/inschrijvingen", data=enrol_form)  # a form still open in another tab
    assert (
        late.status_code == 422 and "Deze cursus is geannuleerd; er kan niets meer veranderen." in late.text
    )
    assert await stream_length(container, lib.tenant_id, course_id) == before == 3
    async with container.reader.platform() as conn:
        reason = (
            await conn.execute(
                text(
                    "SELECT data->>'reason' FROM events WHERE tenant_id = :t AND event_type = 'CourseCancelled'"
                ),
                {"t": lib.tenant_id},
            )
        ).scalar()
    assert reason == "Te weinig aanmeldingen" and code


COURSE_REFUSALS = [
    (
        "withdraw-unknown-code",
        "/uitschrijvingen",
        {"code": "KT-ZZZZ"},
        "Deelnemer KT-ZZZZ staat niet ingeschreven",
    ),
    (
        "session-that-does-not-exist",
        "/bijeenkomsten/9",
        {"datum": "2026-01-01"},
        "Bijeenkomst 9 bestaat niet",
    ),
    ("attendance-without-date", "/bijeenkomsten/1", {"datum": ""}, "Vul de datum van de bijeenkomst in."),
    (
        "attendance-code-not-enrolled",
        "/bijeenkomsten/1",
        {"aanwezig": "KT-ZZZZ", "datum": "2026-01-01"},
        "Niet ingeschreven: KT-ZZZZ.",
    ),
    ("complete-code-not-enrolled", "/afronden", {"afgerond": "KT-ZZZZ"}, "Niet ingeschreven: KT-ZZZZ."),
    ("cancel-reason-with-phone", "/annuleren", {"reden": "Bel de docent op 0612345678"}, "telefoonnummer"),
]


@pytest.mark.parametrize(
    ("path", "fields", "message"), [r[1:] for r in COURSE_REFUSALS], ids=[r[0] for r in COURSE_REFUSALS]
)
@pytest.mark.parametrize("hx", [False, True], ids=["plain", "htmx"])
async def test_a_refused_change_shows_the_dutch_message_and_the_stream_is_unchanged(
    client, container, lib, path, fields, message, hx
):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    await enrol(client, lib, course_id)
    form_path = "/bijeenkomsten/1" if path.startswith("/bijeenkomsten/") else path
    r = await post(client, lib, course_id, path, hx=hx, form_path=form_path, **fields)
    assert r.status_code == 422 and message in r.text and 'role="alert"' in r.text
    assert ("<html" in r.text) is not hx
    assert await stream_length(container, lib.tenant_id, course_id) == 2


@pytest.mark.parametrize("path", ["/inschrijvingen", "/uitschrijvingen", "/bijeenkomsten/1", "/annuleren"])
async def test_no_change_to_a_completed_course(client, container, lib, path):
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    code = await enrol(client, lib, course_id)
    base = f"/t/{lib.slug}/cursussen/{course_id}"
    page = (await client.get(base)).text
    open_form = form_of(page, base + path, code=code, aanwezig=code, datum=str(TODAY))
    await post(client, lib, course_id, "/afronden", afgerond=code)
    r = await client.post(base + path, data=open_form)
    assert r.status_code == 422 and "Deze cursus is afgerond; er kan niets meer veranderen." in r.text
    assert await stream_length(container, lib.tenant_id, course_id) == 3


async def test_an_unknown_course_or_one_of_another_library_is_404(client, lib, lib_b):
    await login(client, lib_b.desk)
    foreign = await new_course(client, lib_b)
    await client.post(
        "/logout", data={"_csrf_token": csrf_of((await client.get(f"/t/{lib_b.slug}/cursussen")).text)}
    )
    await login(client, lib.desk)
    for course_id in (uuid4(), foreign):
        assert (await client.get(f"/t/{lib.slug}/cursussen/{course_id}")).status_code == 404
    assert (await client.get(f"/t/{lib_b.slug}/cursussen")).status_code == 404


# from the desk


async def register_question(client, container, lib) -> str:
    token = await container.accounts.create_token(lib.desk)
    body = {
        "location_id": str(lib.location_id),
        "npd_party": "cbr",
        "topic": "cbr.rijbewijs_75",
        "help": "wegwijzer",
    }
    r = await client.post(
        f"/api/v1/t/{lib.slug}/questions",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid4())},
    )
    assert r.status_code == 201, r.text
    return r.json()["question_id"]


async def test_a_referral_from_the_desk_enrols_via_the_question_and_counts_via_desk(
    client, container, settings, lib
):
    await login(client, lib.desk)
    full = await new_course(client, lib, capaciteit="1")
    await enrol(client, lib, full)
    course_id = await new_course(client, lib)
    question_id = await register_question(client, container, lib)
    desk = await client.get(f"/t/{lib.slug}/balie")
    link = f"/t/{lib.slug}/cursussen/inschrijven?vraag={question_id}"
    assert f'href="{link}"' in desk.text and "Verwezen naar cursus" in desk.text
    await catch_up(container, settings, lib.tenant_id)
    picker = await client.get(link)
    assert picker.status_code == 200 and str(course_id) in picker.text and str(full) not in picker.text
    action = f"/t/{lib.slug}/cursussen/{course_id}/inschrijvingen"
    r = await client.post(action, data=form_of(picker.text, action, vraag=question_id))
    assert r.status_code == 200 and CODE.search(r.text)
    async with container.reader.platform() as conn:
        via = (
            await conn.execute(
                text(
                    "SELECT data->>'via_question_id' FROM events WHERE stream_id = :s AND event_type = 'ParticipantEnrolled'"
                ),
                {"s": f"course-{course_id}"},
            )
        ).scalar()
    assert via == question_id
    await catch_up(container, settings, lib.tenant_id)
    row = await read_model(container, lib.tenant_id, course_id)
    assert row["via_desk"] == 1 and row["enrolled"] == 1 and row["cursisten_via_desk"] == 0


async def test_a_referral_needs_a_question_of_this_library(client, container, lib, lib_b):
    await login(client, lib_b.desk)
    foreign_question = await register_question(client, container, lib_b)
    await client.post(
        "/logout", data={"_csrf_token": csrf_of((await client.get(f"/t/{lib_b.slug}/balie")).text)}
    )
    await login(client, lib.desk)
    course_id = await new_course(client, lib)
    for vraag in (str(uuid4()), foreign_question, "geen-uuid"):
        assert (
            await client.get(f"/t/{lib.slug}/cursussen/inschrijven", params={"vraag": vraag})
        ).status_code == 404
        r = await post(client, lib, course_id, "/inschrijvingen", vraag=vraag)
        assert r.status_code == 404
    assert (await client.get(f"/t/{lib.slug}/cursussen/inschrijven")).status_code == 404
    assert await stream_length(container, lib.tenant_id, course_id) == 1


# the JSON API


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}


@pytest.fixture
async def token(container, lib) -> str:
    return await container.accounts.create_token(lib.desk)


def course_body(lib, **fields) -> dict:
    return {
        "programme": "digisterker",
        "location_id": str(lib.location_id),
        "start_date": str(TODAY),
        "sessions": 2,
        "capacity": 5,
        **fields,
    }


async def api_post(client, lib, token, path: str, body: dict, key: str | None = "auto"):
    key = str(uuid4()) if key == "auto" else key
    return await client.post(f"/api/v1/t/{lib.slug}/courses{path}", json=body, headers=bearer(token, key))


async def api_course(client, lib, token, **fields) -> str:
    r = await api_post(client, lib, token, "", course_body(lib, **fields))
    assert r.status_code == 201, r.text
    return r.json()["course_id"]


def problem(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


async def test_the_api_schedules_once_per_key_and_conflicts_on_another_body(client, container, lib, token):
    key = str(uuid4())
    first = await api_post(client, lib, token, "", course_body(lib), key)
    again = await api_post(client, lib, token, "", course_body(lib), key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    other = await api_post(client, lib, token, "", course_body(lib, capacity=6), key)
    assert "sleutel" in problem(other, 409)["detail"]
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 1


async def test_an_api_enrolment_answers_the_code_and_a_replay_answers_the_same_code(
    client, container, lib, token
):
    course_id = await api_course(client, lib, token)
    question_id = await register_question(client, container, lib)
    key = str(uuid4())
    first = await api_post(
        client, lib, token, f"/{course_id}/enrolments", {"via_question_id": question_id}, key
    )
    again = await api_post(
        client, lib, token, f"/{course_id}/enrolments", {"via_question_id": question_id}, key
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["code"].startswith("DS-") and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    detail = (await client.get(f"/api/v1/t/{lib.slug}/courses/{course_id}", headers=bearer(token))).json()
    assert detail["enrolled"] == [first.json()["code"]] and detail["via_desk"] == [first.json()["code"]]
    unknown = await api_post(
        client, lib, token, f"/{course_id}/enrolments", {"via_question_id": str(uuid4())}
    )
    assert problem(unknown, 422)["errors"][0]["field"] == "via_question_id"
    assert await stream_length(container, lib.tenant_id, course_id) == 2


API_REFUSALS = [
    ("own-without-title", "", {"programme": "eigen"}, 422, "title"),
    ("unknown-programme", "", {"programme": "breien"}, 422, "programme"),
    ("too-many-sessions", "", {"sessions": 31}, 422, "sessions"),
    ("unknown-field", "", {"naam": "Jan"}, 400, None),
]


@pytest.mark.parametrize(
    ("path", "fields", "status", "field"), [r[1:] for r in API_REFUSALS], ids=[r[0] for r in API_REFUSALS]
)
async def test_a_refused_schedule_is_a_problem_naming_the_field(
    client, container, lib, token, path, fields, status, field
):
    body = problem(await api_post(client, lib, token, path, course_body(lib, **fields)), status)
    if field:
        assert body["errors"] == [{"field": field, "message": body["detail"]}]
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 0


@pytest.mark.parametrize("field", ["sessions", "capacity", "start_date"])
async def test_a_field_of_the_wrong_type_is_a_400_naming_it(client, container, lib, token, field):
    """`sessions` too, which Litestar took for the app's dependency of that name (the session store) and answered
    with a 500 (found by tests/e2e/test_api_fuzz.py)."""
    body = problem(await api_post(client, lib, token, "", course_body(lib, **{field: ["x"]})), 400)
    assert body["detail"] == "De gegevens in het verzoek kloppen niet."
    assert [e["field"] for e in body["errors"]] == [field] and body["errors"][0]["message"].startswith(
        "Verwacht"
    )
    assert await count_type(container, lib.tenant_id, "CourseScheduled") == 0


async def test_api_changes_refused_by_the_course_leave_the_stream_unchanged(client, container, lib, token):
    course_id = await api_course(client, lib, token, capacity=1)
    code = (await api_post(client, lib, token, f"/{course_id}/enrolments", {})).json()["code"]
    for path, body, field in [
        (f"/{course_id}/enrolments", {}, "capacity"),
        (f"/{course_id}/withdrawals", {"code": "DS-ZZZZ"}, "code"),
        (f"/{course_id}/sessions/3/attendance", {"held_on": str(TODAY), "present": [code]}, "session"),
        (f"/{course_id}/sessions/1/attendance", {"held_on": str(TODAY), "present": ["DS-ZZZZ"]}, "present"),
        (f"/{course_id}/completion", {"completed": ["DS-ZZZZ"]}, "completed"),
    ]:
        body = problem(await api_post(client, lib, token, path, body), 422)
        assert body["errors"][0]["field"] == field, (path, body)
    assert problem(await api_post(client, lib, token, f"/{uuid4()}/withdrawals", {"code": code}), 404)
    missing_key = await api_post(client, lib, token, f"/{course_id}/completion", {"completed": []}, key=None)
    problem(missing_key, 400)
    assert await stream_length(container, lib.tenant_id, course_id) == 2


async def test_a_token_of_library_a_gets_404_for_library_b(client, container, lib, lib_b, token):
    token_b = await container.accounts.create_token(lib_b.desk)
    foreign = await api_course(client, lib_b, token_b)
    problem(await api_post(client, lib_b, token, "", course_body(lib_b)), 404)
    problem(await client.get(f"/api/v1/t/{lib_b.slug}/courses", headers=bearer(token)), 404)
    problem(await client.get(f"/api/v1/t/{lib.slug}/courses/{foreign}", headers=bearer(token)), 404)
    problem(await api_post(client, lib, token, f"/{foreign}/cancellation", {}), 404)
    assert await stream_length(container, lib_b.tenant_id, foreign) == 1


# the read model


async def test_the_read_model_counts_withdrawals_attendance_completion_and_cancellation(
    client, container, settings, lib, token
):
    question_id = await register_question(client, container, lib)
    held = await api_course(client, lib, token, capacity=4, sessions=3)
    codes = [
        (await api_post(client, lib, token, f"/{held}/enrolments", body)).json()["code"]
        for body in ({}, {}, {"via_question_id": question_id}, {})
    ]
    a, b, desk, gone = codes
    await api_post(client, lib, token, f"/{held}/withdrawals", {"code": gone})
    first, second = TODAY - timedelta(days=7), TODAY
    await api_post(
        client, lib, token, f"/{held}/sessions/1/attendance", {"held_on": str(first), "present": [a, desk]}
    )
    await api_post(
        client, lib, token, f"/{held}/sessions/2/attendance", {"held_on": str(second), "present": [a]}
    )
    r = await api_post(client, lib, token, f"/{held}/completion", {"completed": [a]})
    assert r.status_code == 200 and r.json() == {"course_id": held}

    cancelled = await api_course(client, lib, token, programme="eigen", title="Fotoboek maken")
    only = (await api_post(client, lib, token, f"/{cancelled}/enrolments", {})).json()["code"]
    await api_post(
        client, lib, token, f"/{cancelled}/sessions/1/attendance", {"held_on": str(first), "present": [only]}
    )
    assert (
        await api_post(client, lib, token, f"/{cancelled}/cancellation", {"reason": "Docent ziek"})
    ).status_code == 200

    await catch_up(container, settings, lib.tenant_id)
    row = await read_model(container, lib.tenant_id, UUID(held))
    assert {
        k: row[k]
        for k in ("enrolled", "withdrawn", "cursisten", "completed", "via_desk", "cursisten_via_desk")
    } == {
        "enrolled": 3,
        "withdrawn": 1,
        "cursisten": 2,
        "completed": 1,
        "via_desk": 1,
        "cursisten_via_desk": 1,
    }
    assert (
        row["status"] == "afgerond" and row["last_session_on"] == second and row["programme"] == "digisterker"
    )
    row = await read_model(container, lib.tenant_id, UUID(cancelled))
    assert row["status"] == "geannuleerd" and row["title"] == "Fotoboek maken"
    assert (row["enrolled"], row["cursisten"], row["completed"]) == (1, 1, 0)
    async with container.reader.platform() as conn:
        sessions = (
            await conn.execute(
                text(
                    "SELECT course_id, session, held_on, present FROM rm_course_sessions_v1 WHERE tenant_id = :t ORDER BY held_on, session"
                ),
                {"t": lib.tenant_id},
            )
        ).all()
    assert sorted((str(s.course_id), s.session, s.held_on, s.present) for s in sessions) == sorted(
        [(held, 1, first, 2), (held, 2, second, 1), (cancelled, 1, first, 1)]
    )
    listed = (await client.get(f"/api/v1/t/{lib.slug}/courses", headers=bearer(token))).json()
    assert {x["course_id"]: x["status"] for x in listed} == {held: "afgerond", cancelled: "geannuleerd"}
    only_own = await client.get(
        f"/api/v1/t/{lib.slug}/courses", params={"programme": "eigen"}, headers=bearer(token)
    )
    assert [x["course_id"] for x in only_own.json()] == [cancelled]


# the dashboard


async def test_the_dashboard_shows_the_course_figures_of_its_period(client, container, settings, lib, token):
    course_id = await api_course(client, lib, token)
    question_id = await register_question(client, container, lib)
    a = (await api_post(client, lib, token, f"/{course_id}/enrolments", {})).json()["code"]
    await api_post(client, lib, token, f"/{course_id}/enrolments", {"via_question_id": question_id})
    await api_post(
        client, lib, token, f"/{course_id}/sessions/1/attendance", {"held_on": str(TODAY), "present": [a]}
    )
    cancelled = await api_course(client, lib, token)
    await api_post(client, lib, token, f"/{cancelled}/enrolments", {})
    await api_post(client, lib, token, f"/{cancelled}/cancellation", {})
    await catch_up(container, settings, lib.tenant_id)
    await login(client, lib.coordinator)
    period = {"van": str(TODAY - timedelta(days=30)), "tot": str(TODAY)}
    r = await client.get(f"/t/{lib.slug}/dashboard", params=period)
    assert r.status_code == 200 and 'id="course-dash-h">Cursussen<' in r.text
    cells = "".join(f'<td class="course-num">{n}</td>' for n in (1, 2, 1, 0, 1))
    assert (
        f'<th scope="row">Digisterker</th>{cells}' in r.text
    )  # held, enrolled, cursisten, completed, via desk
    before = {"van": str(TODAY - timedelta(days=30)), "tot": str(TODAY - timedelta(days=1))}
    r = await client.get(f"/t/{lib.slug}/dashboard", params=before, headers=HX)
    assert "Geen cursussen in deze periode." in r.text
