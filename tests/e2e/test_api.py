"""The JSON API /api/v1 over HTTP: Bearer tokens, idempotent registration, problem+json refusals, the list of a
period and the catalogue."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from domain import questions as q
from domain.accounts import Role
from domain.calendar import TZ
from domain.catalogue import CATALOGUE
from domain.ports import NewEvent
from infra.projections.registry import all_projections
from infra.projections.runner import Runner
from tests.clock import NOW, TODAY, YEAR
from tests.e2e.conftest import csrf_of, login, make_library
from tests.projections import caught_up

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def questions_url(lib) -> str:
    return f"/api/v1/t/{lib.slug}/questions"


def question(lib, **fields) -> dict:
    return {
        "location_id": str(lib.location_id),
        "npd_party": "cbr",
        "topic": "cbr.rijbewijs_75",
        "help": "wegwijzer",
        **fields,
    }


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


@pytest.fixture
async def token(container, lib) -> str:
    return await container.accounts.create_token(lib.desk)


async def post_question(client, lib, token, body, key: str | None = "auto"):
    key = str(uuid4()) if key == "auto" else key
    return await client.post(questions_url(lib), json=body, headers=bearer(token, key))


async def count_events(container, tenant_id, type_: str | None = None) -> int:
    async with container.reader.platform() as conn:
        sql = "SELECT count(*) FROM events WHERE tenant_id = :t" + (" AND event_type = :e" if type_ else "")
        return (await conn.execute(text(sql), {"t": tenant_id, "e": type_})).scalar()


async def registered(container, lib) -> int:
    return await count_events(container, lib.tenant_id, "QuestionRegistered")


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].split(";")[0].strip() == "application/problem+json", r.headers[
        "content-type"
    ]
    body = r.json()
    assert PROBLEM_KEYS <= body.keys(), body
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == r.request.url.path
    assert "Traceback" not in r.text
    return body


# registering a question, idempotently


async def test_a_question_posted_with_a_token_and_an_idempotency_key_is_registered(
    client, container, lib, token
):
    r = await post_question(client, lib, token, question(lib))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"question_id", "visit_id"}
    UUID(body["question_id"]), UUID(body["visit_id"])
    assert "idempotent-replayed" not in r.headers
    assert await registered(container, lib) == 1


async def test_a_given_visit_id_is_kept(client, lib, token):
    visit = str(uuid4())
    r = await post_question(client, lib, token, question(lib, visit_id=visit))
    assert r.status_code == 201 and r.json()["visit_id"] == visit


async def test_the_same_key_and_body_answer_the_same_and_store_one_event(client, container, lib, token):
    key, body = str(uuid4()), question(lib, note="Hulp bij de aanvraag")
    first = await post_question(client, lib, token, body, key)
    second = await post_question(client, lib, token, body, key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    assert await registered(container, lib) == 1


async def test_the_same_key_with_another_body_is_a_409_conflict(client, container, lib, token):
    key = str(uuid4())
    assert (await post_question(client, lib, token, question(lib), key)).status_code == 201
    r = await post_question(client, lib, token, question(lib, help="samen_gezocht"), key)
    problem = assert_problem(r, 409)
    assert "sleutel" in problem["detail"]
    assert await registered(container, lib) == 1


async def test_a_refused_body_does_not_use_up_its_idempotency_key(client, container, lib, token):
    """A key whose first attempt was refused (422) may be used again once the body is fixed."""
    key = str(uuid4())
    assert_problem(await post_question(client, lib, token, question(lib, npd_party="onbekend"), key), 422)
    r = await post_question(client, lib, token, question(lib), key)
    assert r.status_code == 201, r.text
    assert await registered(container, lib) == 1


async def test_a_missing_idempotency_key_is_a_400_problem(client, container, lib, token):
    r = await post_question(client, lib, token, question(lib), key=None)
    assert_problem(r, 400)
    assert await registered(container, lib) == 0


async def test_the_400_for_a_missing_idempotency_key_names_the_header(client, lib, token):
    r = await post_question(client, lib, token, question(lib), key=None)
    problem = assert_problem(r, 400)
    named = [e.get("field") for e in problem.get("errors", [])]
    assert "Idempotency-Key" in problem["detail"] or any(str(f).lower() == "idempotency-key" for f in named)


async def test_keys_are_per_library(client, container, lib, lib_b, token):
    token_b = await container.accounts.create_token(lib_b.desk)
    key = str(uuid4())
    a = await post_question(client, lib, token, question(lib), key)
    b = await post_question(client, lib_b, token_b, question(lib_b, help="samen_gezocht"), key)
    assert a.status_code == b.status_code == 201
    assert a.json()["question_id"] != b.json()["question_id"]


# authentication and scope


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ido_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
    ids=["no-token", "wrong-token", "basic-auth", "empty-bearer"],
)
async def test_without_a_valid_token_the_api_answers_401_with_www_authenticate(
    client, container, lib, headers
):
    for r in (
        await client.post(
            questions_url(lib), json=question(lib), headers={**headers, "Idempotency-Key": str(uuid4())}
        ),
        await client.get(questions_url(lib), params={"from": str(TODAY), "to": str(TODAY)}, headers=headers),
        await client.get("/api/v1/catalogue", headers=headers),
    ):
        assert_problem(r, 401)
        assert r.headers.get("www-authenticate", "").startswith("Bearer")
    assert await registered(container, lib) == 0


async def test_a_session_cookie_is_no_credential_for_the_api(client, container, lib):
    await login(client, lib.desk)
    r = await client.post(questions_url(lib), json=question(lib), headers={"Idempotency-Key": str(uuid4())})
    assert_problem(r, 401)
    assert await registered(container, lib) == 0


async def test_a_token_of_library_a_gets_404_for_library_b_and_stores_nothing_there(
    client, container, lib, lib_b, token
):
    for body in (question(lib), question(lib_b)):
        r = await post_question(client, lib_b, token, body)
        problem = assert_problem(r, 404)
        assert lib_b.slug not in problem["detail"]
    r = await client.get(
        questions_url(lib_b), params={"from": str(TODAY), "to": str(TODAY)}, headers=bearer(token)
    )
    assert_problem(r, 404)
    assert await count_events(container, lib_b.tenant_id, "QuestionRegistered") == 0
    assert await registered(container, lib) == 0


async def test_a_token_of_a_poi_adviser_reads_the_catalogue_but_no_library(client, container, lib):
    email = f"poi-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(email, Role.POI_ADVISER, poi_slug=lib.poi)
    token = await container.accounts.create_token(email)
    assert (await client.get("/api/v1/catalogue", headers=bearer(token))).status_code == 200
    assert_problem(await post_question(client, lib, token, question(lib)), 404)
    r = await client.get(
        questions_url(lib), params={"from": str(TODAY), "to": str(TODAY)}, headers=bearer(token)
    )
    assert_problem(r, 404)
    assert await registered(container, lib) == 0


async def test_an_unknown_library_is_the_same_404(client, lib, token):
    r = await client.post(
        f"/api/v1/t/bieb-{secrets.token_hex(3)}/questions",
        json=question(lib),
        headers=bearer(token, str(uuid4())),
    )
    assert_problem(r, 404)


async def test_a_library_that_is_not_yours_is_404_before_the_values_of_the_request_are_checked(
    client, lib, lib_b, token
):
    """The library is a dependency of the route, decided before the body and the parameters are validated: a
    malformed body or value for a library the token does not reach is its 404. (A missing header or parameter
    is found while the request is read, before any dependency: 400 wherever it is sent.)"""
    for r in (
        await post_question(client, lib_b, token, {"npd_party": 5}),
        await client.get(
            questions_url(lib_b), params={"from": "gisteren", "to": "morgen"}, headers=bearer(token)
        ),
    ):
        assert_problem(r, 404)
    r = await client.get(
        questions_url(lib), params={"from": "gisteren", "to": "morgen"}, headers=bearer(token)
    )
    assert_problem(r, 400)  # in the token's own library the values are checked
    assert_problem(await post_question(client, lib_b, token, question(lib_b), key=None), 400)


async def test_a_location_of_another_library_is_refused(client, container, lib, lib_b, token):
    r = await post_question(client, lib, token, question(lib, location_id=str(lib_b.location_id)))
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["field"] == "location_id"
    assert await registered(container, lib) == 0


async def test_a_referral_names_a_partner_or_says_it_is_not_listed_while_the_library_has_partners(
    client, container, lib, token
):
    from infra.platform.partners import Partners

    partner = await Partners(container.db).add(lib.tenant_id, {"name": "Welzijn Oost", "kind": "welzijn"})
    problem = assert_problem(
        await post_question(client, lib, token, question(lib, help="lokale_partner", warmth="warm")), 422
    )
    assert problem["errors"][0]["field"] == "partner_id" and "Staat er niet bij" in problem["detail"]
    both = question(lib, help="lokale_partner", partner_id=str(partner), partner_unlisted=True, warmth="warm")
    assert_problem(await post_question(client, lib, token, both), 422)
    assert await registered(container, lib) == 0
    for body in (
        question(lib, help="lokale_partner", partner_unlisted=True, warmth="koud"),
        question(lib, help="lokale_partner", partner_id=str(partner), warmth="warm"),
    ):
        r = await post_question(client, lib, token, body)
        assert r.status_code == 201, r.text
    async with container.reader.platform() as conn:
        partners = (
            await conn.execute(
                text(
                    "SELECT data->'what'->>'partner_id' FROM events WHERE tenant_id = :t "
                    "AND event_type = 'QuestionRegistered' ORDER BY recorded_at"
                ),
                {"t": lib.tenant_id},
            )
        ).scalars()
        assert sorted(partners, key=str) == sorted([None, str(partner)], key=str)


async def test_a_referral_says_warm_or_cold_and_a_question_may_name_the_partner_that_sent_the_visitor(
    client, container, lib, token
):
    """Issue 19 through the API: warmth is required with help lokale_partner (a 422 problem naming it), 'onbekend'
    says explicitly it is not known; referred_by_partner_id is one of the library's partners (else a 422),
    referred_by_unlisted one that is not listed; the list answers both."""
    from infra.platform.partners import Partners

    welzijn = await Partners(container.db).add(lib.tenant_id, {"name": "Welzijn Oost", "kind": "welzijn"})
    missing = assert_problem(
        await post_question(client, lib, token, question(lib, help="lokale_partner", partner_unlisted=True)),
        422,
    )
    assert missing["errors"][0]["field"] == "warmth" and "warm (contact gelegd)" in missing["detail"]
    for body, field in (
        (question(lib, help="lokale_partner", partner_unlisted=True, warmth="lauw"), "warmth"),
        (question(lib, warmth="koud"), "warmth"),
        (question(lib, referred_by_partner_id=str(uuid4())), "referred_by_partner_id"),
        (
            question(lib, referred_by_partner_id=str(welzijn), referred_by_unlisted=True),
            "referred_by_partner_id",
        ),
    ):
        problem = assert_problem(await post_question(client, lib, token, body), 422)
        assert problem["errors"][0]["field"] == field, body
    assert await registered(container, lib) == 0
    bodies = (
        question(lib, help="lokale_partner", partner_id=str(welzijn), warmth="warm"),
        question(
            lib, help="lokale_partner", partner_unlisted=True, warmth="onbekend", referred_by_unlisted=True
        ),
        question(lib, help="samen_gezocht", referred_by_partner_id=str(welzijn)),
    )
    for body in bodies:
        r = await post_question(client, lib, token, body)
        assert r.status_code == 201, r.text
    r = await client.get(
        questions_url(lib), params={"from": str(TODAY), "to": str(TODAY)}, headers=bearer(token)
    )
    got = sorted(
        ((x["help"], x["warmth"], x["referred_by_partner_id"], x["referred_by_unlisted"]) for x in r.json()),
        key=str,
    )
    assert got == sorted(
        [
            ("lokale_partner", None, None, True),
            ("lokale_partner", "warm", None, False),
            ("samen_gezocht", None, str(welzijn), False),
        ],
        key=str,
    )


# refused bodies


def _future() -> str:
    return (NOW + timedelta(days=1)).isoformat()


def _before_subsidy_year() -> str:
    return datetime(YEAR - 1, 12, 31, 12, 0, tzinfo=TZ).isoformat()


REFUSED = [
    ("unknown-party", {"npd_party": "belastingdienst-nep"}, "npd_party", ["Onbekende NPD-partij"]),
    ("unknown-topic", {"topic": "cbr.bestaat_niet"}, "topic", ["Onbekend onderwerp"]),
    ("topic-of-another-party", {"topic": "duo.studiefinanciering"}, "topic", ["hoort bij"]),
    ("unknown-help", {"help": "telepathie"}, "help", ["Onbekende soort hulp"]),
    ("asked-at-in-the-future", {"asked_at": _future}, "asked_at", ["toekomst"]),
    (
        "asked-at-without-time-zone",
        {"asked_at": lambda: NOW.replace(tzinfo=None, microsecond=0).isoformat()},
        "asked_at",
        ["tijdzone"],
    ),
    (
        "asked-at-before-the-subsidy-year",
        {"asked_at": _before_subsidy_year},
        "asked_at",
        ["registreert pas vanaf"],
    ),
    ("note-with-bsn", {"note": "BSN 111222333"}, "note", ["burgerservicenummer", "persoonsgegevens"]),
    (
        "note-with-email",
        {"note": "mail naar jan.jansen@example.nl"},
        "note",
        ["e-mailadres", "persoonsgegevens"],
    ),
    ("note-with-phone", {"note": "bel terug op 0612345678"}, "note", ["telefoonnummer", "persoonsgegevens"]),
    ("note-with-iban", {"note": "rekening NL91ABNA0417164300"}, "note", ["IBAN", "persoonsgegevens"]),
]


@pytest.mark.parametrize(("fields", "field", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_a_refused_question_is_a_422_problem_in_dutch_naming_the_field(
    client, container, lib, token, fields, field, words
):
    body = question(lib, **{k: v() if callable(v) else v for k, v in fields.items()})
    r = await post_question(client, lib, token, body)
    problem = assert_problem(r, 422)
    assert problem["type"] != "about:blank"
    assert problem["errors"] == [{"field": field, "message": problem["detail"]}]
    for w in words:
        assert w in problem["detail"], (w, problem["detail"])
    if field == "note":  # the refusal does not echo the personal data back
        assert body["note"].split()[-1] not in r.text
    assert await registered(container, lib) == 0


async def test_an_unknown_json_field_is_a_400_problem(client, container, lib, token):
    r = await post_question(client, lib, token, question(lib, bsn="111222333"))
    assert_problem(r, 400)
    assert await registered(container, lib) == 0


async def test_a_missing_required_field_is_a_400_problem(client, container, lib, token):
    body = question(lib)
    del body["topic"]
    problem = assert_problem(await post_question(client, lib, token, body), 400)
    assert problem["detail"] == "De gegevens in het verzoek kloppen niet."
    assert await registered(container, lib) == 0


async def test_a_note_over_500_characters_is_refused(client, container, lib, token):
    r = await post_question(client, lib, token, question(lib, note="x" * 501))
    assert 400 <= r.status_code < 500
    assert_problem(r, r.status_code)
    assert await registered(container, lib) == 0


async def test_invalid_json_is_a_400_problem(client, container, lib, token):
    r = await client.post(
        questions_url(lib),
        content=b'{"npd_party": "cbr",',
        headers={**bearer(token, str(uuid4())), "Content-Type": "application/json"},
    )
    assert_problem(r, 400)
    assert await registered(container, lib) == 0


async def test_a_body_over_256_kib_is_a_413_problem(client, container, lib, token):
    big = json.dumps(question(lib, note="a" * (257 * 1024))).encode()
    r = await client.post(
        questions_url(lib),
        content=big,
        headers={**bearer(token, str(uuid4())), "Content-Type": "application/json"},
    )
    problem = assert_problem(r, 413)
    assert problem["detail"] == "Het verzoek is te groot."
    assert await registered(container, lib) == 0


# the questions of a period


async def test_the_list_of_a_period_holds_the_registered_questions_with_their_codes_but_not_retracted_ones(
    client, container, lib, token
):
    kept = (
        await post_question(client, lib, token, question(lib, channel="telefoon", duration="5-15"))
    ).json()
    undone = (
        await post_question(
            client,
            lib,
            token,
            question(lib, npd_party="duo", topic="duo.studiefinanciering", help="samen_gezocht"),
        )
    ).json()

    await login(client, lib.desk)
    page = await client.get(f"/t/{lib.slug}/balie")
    r = await client.post(
        f"/t/{lib.slug}/balie/vragen/{undone['question_id']}/ongedaan",
        data={"_csrf_token": csrf_of(page.text), "locatie": str(lib.location_id)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert await count_events(container, lib.tenant_id, "QuestionRetracted") == 1

    r = await client.get(
        questions_url(lib), params={"from": str(TODAY), "to": str(TODAY)}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [x["question_id"] for x in rows] == [kept["question_id"]]
    row = rows[0]
    assert row["npd_party"] == "cbr" and row["topic"] == "cbr.rijbewijs_75" and row["help"] == "wegwijzer"
    assert row["channel"] == "telefoon" and row["kind"] == "digitale_overheid" and row["duration"] == "5-15"
    assert row["location_id"] == str(lib.location_id) and row["count"] == 1 and row["tally"] is False
    assert row["visit_id"] == kept["visit_id"] and row["visitors"] is None
    assert datetime.fromisoformat(row["asked_at"].replace("Z", "+00:00")).astimezone(TZ).date() == TODAY
    assert "note" not in row  # free text stays out of the list


async def test_the_list_leaves_out_questions_outside_the_period(client, lib, token):
    assert (await post_question(client, lib, token, question(lib))).status_code == 201
    yesterday = TODAY - timedelta(days=1)
    r = await client.get(
        questions_url(lib),
        params={"from": str(yesterday - timedelta(days=7)), "to": str(yesterday)},
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json() == []


async def test_the_list_shows_a_backdated_question_on_its_own_day(client, lib, token):
    when = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), TZ).replace(hour=10)
    created = (await post_question(client, lib, token, question(lib, asked_at=when.isoformat()))).json()
    r = await client.get(
        questions_url(lib), params={"from": str(when.date()), "to": str(when.date())}, headers=bearer(token)
    )
    assert [x["question_id"] for x in r.json()] == [created["question_id"]]


async def test_on_new_years_day_a_library_of_the_new_year_takes_a_question_of_its_first_minutes_in_utc(
    client, container, clock
):
    """00:15 on 1 January in Amsterdam is 23:15 UTC on 31 December: the first day is decided on the Dutch
    calendar, and the evening before lies before the subsidy year."""
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January 2027 in Amsterdam
    lib = await make_library(container)
    token = await container.accounts.create_token(lib.desk)
    first_minutes = await post_question(client, lib, token, question(lib, asked_at="2026-12-31T23:15:00Z"))
    assert first_minutes.status_code == 201, first_minutes.text
    evening_before = await post_question(
        client, lib, token, question(lib, asked_at="2026-12-31T22:15:00+01:00")
    )
    assert evening_before.status_code == 422
    assert "registreert pas vanaf 01-01-2027" in evening_before.json()["detail"]
    listed = await client.get(
        questions_url(lib), params={"from": "2027-01-01", "to": "2027-01-01"}, headers=bearer(token)
    )
    assert [x["question_id"] for x in listed.json()] == [first_minutes.json()["question_id"]]


@pytest.mark.parametrize(
    ("first", "last"),
    [("2024-01-01", "2025-06-30"), ("2026-03-01", "2026-02-28")],
    ids=["longer-than-a-year", "from-after-to"],
)
async def test_a_bad_period_is_a_422_problem(client, lib, token, first, last):
    r = await client.get(questions_url(lib), params={"from": first, "to": last}, headers=bearer(token))
    problem = assert_problem(r, 422)
    assert "periode" in problem["detail"]


@pytest.mark.parametrize(("first", "last"), [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")])
async def test_a_period_at_the_ends_of_the_calendar_is_a_422_problem(client, lib, token, first, last):
    r = await client.get(questions_url(lib), params={"from": first, "to": last}, headers=bearer(token))
    assert "tussen 2000 en 2100" in assert_problem(r, 422)["detail"]


async def test_a_period_of_a_year_and_a_day_is_refused(client, lib, token):
    r = await client.get(
        questions_url(lib), params={"from": "2025-01-01", "to": "2026-01-02"}, headers=bearer(token)
    )
    assert_problem(r, 422)


async def test_a_whole_year_is_a_valid_period(client, lib, token):
    for first, last in (("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31")):
        r = await client.get(questions_url(lib), params={"from": first, "to": last}, headers=bearer(token))
        assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "params",
    [{}, {"from": "2026-01-01"}, {"to": "2026-01-01"}, {"from": "gisteren", "to": "2026-01-01"}],
    ids=["none", "no-to", "no-from", "not-a-date"],
)
async def test_missing_or_malformed_period_parameters_are_a_400_problem(client, lib, token, params):
    r = await client.get(questions_url(lib), params=params, headers=bearer(token))
    assert_problem(r, 400)


# visits and visitors


async def _project(container, lib) -> None:
    runner = Runner(container.db, container.events, all_projections(container.settings, container.events))
    await caught_up(runner, lib.tenant_id)


async def _tally(container, lib, hour_start, count: int, visitors: int | None) -> None:
    ctx = q.DeskContext(now=NOW, locations={lib.location_id: date(2020, 1, 1)}, partners=frozenset())
    cmd = q.TallyQuestions(
        question_id=uuid4(),
        location_id=lib.location_id,
        hour_start=hour_start,
        npd_party="cbr",
        count=count,
        visitors=visitors,
    )
    events = [NewEvent(uuid4(), e) for e in q.tally(cmd, ctx)]
    await container.events.append(lib.tenant_id, q.stream_id(cmd.question_id), events, 0)


async def test_the_list_carries_each_question_s_visit_and_a_tally_s_visitors(client, container, lib, token):
    visit = str(uuid4())
    first = (await post_question(client, lib, token, question(lib, visit_id=visit))).json()
    second = (
        await post_question(client, lib, token, question(lib, visit_id=visit, topic="cbr.overig"))
    ).json()
    alone = (await post_question(client, lib, token, question(lib))).json()
    hour = NOW.astimezone(TZ).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    await _tally(container, lib, hour, 6, 4)
    r = await client.get(
        questions_url(lib), params={"from": str(TODAY), "to": str(TODAY)}, headers=bearer(token)
    )
    rows = {x["question_id"]: x for x in r.json()}
    assert rows[first["question_id"]]["visit_id"] == rows[second["question_id"]]["visit_id"] == visit
    assert rows[alone["question_id"]]["visit_id"] == alone["visit_id"] != visit
    [tally] = [x for x in rows.values() if x["tally"]]
    assert tally["visit_id"] is None and (tally["count"], tally["visitors"]) == (6, 4)


def statistics_url(lib) -> str:
    return f"/api/v1/t/{lib.slug}/statistics"


async def test_the_statistics_give_questions_and_visitors_per_day_and_location(client, container, lib, token):
    visit = str(uuid4())
    for topic in ("cbr.rijbewijs_75", "cbr.overig", "cbr.examen"):
        await post_question(client, lib, token, question(lib, visit_id=visit, topic=topic))
    await post_question(client, lib, token, question(lib))
    yesterday = datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), TZ).replace(hour=10)
    await post_question(client, lib, token, question(lib, asked_at=yesterday.isoformat()))
    await _tally(container, lib, yesterday.replace(hour=11), 5, None)  # no number: one visitor per question
    await _tally(container, lib, yesterday.replace(hour=12), 6, 2)
    await _project(container, lib)
    params = {"from": str(TODAY - timedelta(days=7)), "to": str(TODAY)}
    r = await client.get(statistics_url(lib), params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    loc = str(lib.location_id)
    assert body["days"] == [
        {"day": str(TODAY - timedelta(days=1)), "location_id": loc, "questions": 12, "visitors": 8},
        {"day": str(TODAY), "location_id": loc, "questions": 4, "visitors": 2},
    ]
    assert (body["questions"], body["visitors"], body["questions_per_visitor"]) == (16, 10, 1.6)
    assert (body["from"], body["to"], body["location_id"]) == (params["from"], params["to"], None)
    one = await client.get(
        statistics_url(lib), params={**params, "location_id": loc, "from": str(TODAY)}, headers=bearer(token)
    )
    assert one.json()["visitors"] == 2 and one.json()["location_id"] == loc
    empty = await client.get(
        statistics_url(lib), params={"from": "2025-01-01", "to": "2025-01-31"}, headers=bearer(token)
    )
    assert empty.json()["days"] == [] and empty.json()["questions_per_visitor"] is None


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"from": "2026-03-01", "to": "2026-02-28"}, 422, "periode"),
        ({"from": "2024-01-01", "to": "2025-06-30"}, 422, "periode"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, 422, "tussen 2000 en 2100"),
        ({"from": "2026-01-01", "to": "2026-01-31", "location_id": str(uuid4())}, 422, "hoort niet bij"),
        ({"from": "2026-01-01", "to": "2026-01-31", "location_id": "hier"}, 400, ""),
        ({"from": "gisteren", "to": "2026-01-01"}, 400, ""),
        ({"to": "2026-01-01"}, 400, ""),
    ],
    ids=[
        "from-after-to",
        "longer-than-a-year",
        "calendar-end",
        "other-location",
        "not-a-uuid",
        "not-a-date",
        "no-from",
    ],
)
async def test_bad_statistics_parameters_are_a_problem(client, lib, token, params, status, text):
    problem = assert_problem(
        await client.get(statistics_url(lib), params=params, headers=bearer(token)), status
    )
    assert text in problem["detail"]


async def test_the_statistics_of_another_library_are_404(client, container, lib, lib_b, token):
    params = {"from": "2026-01-01", "to": "2026-01-31"}
    assert_problem(await client.get(statistics_url(lib_b), params=params, headers=bearer(token)), 404)
    bad = {"from": "gisteren", "to": "2026-01-31", "location_id": str(lib_b.location_id)}
    assert_problem(await client.get(statistics_url(lib_b), params=bad, headers=bearer(token)), 404)


# the catalogue and the OpenAPI document


async def test_the_catalogue_lists_the_20_parties_with_their_topics_and_its_version(client, token):
    r = await client.get("/api/v1/catalogue", headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == CATALOGUE.version and body["kb_form_version"]
    assert len(body["parties"]) == 20
    codes = {p["code"] for p in body["parties"]}
    assert {"belastingdienst", "cbr", "duo", "uwv", "gemeente", "andere_overheid", "geen_overheid"} <= codes
    for p in body["parties"]:
        assert p["name"] and p["topics"], p["code"]
        assert all(t["code"].startswith(p["code"] + ".") and t["name"] for t in p["topics"])
    cbr = next(p for p in body["parties"] if p["code"] == "cbr")
    assert "cbr.rijbewijs_75" in {t["code"] for t in cbr["topics"]}
    assert {o["code"] for o in body["help_kinds"]} >= {"wegwijzer", "samen_gezocht", "lokale_partner"}
    assert {o["code"] for o in body["channels"]} >= {"balie", "telefoon"}


async def test_the_openapi_document_describes_the_three_api_operations(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    questions = next(v for k, v in paths.items() if re.fullmatch(r"/api/v1/t/\{slug\}/questions", k))
    assert {"get", "post"} <= questions.keys()
    assert "get" in paths["/api/v1/catalogue"]
    assert not [k for k in paths if not k.startswith("/api/")], "only the API is documented"
    post_params = {p["name"].lower() for p in questions["post"].get("parameters", [])}
    assert "idempotency-key" in post_params
    schemas = r.json()["components"]["schemas"]
    body = next(v for k, v in schemas.items() if k.endswith("QuestionIn"))
    assert body["properties"]["partner_unlisted"]["type"] == "boolean"
    assert "staat er niet bij" in body["properties"]["partner_unlisted"]["description"]
    assert "'warm'" in body["properties"]["warmth"]["description"]
    assert body["properties"]["referred_by_unlisted"]["type"] == "boolean"
    stats = next(v for k, v in paths.items() if re.fullmatch(r"/api/v1/t/\{slug\}/statistics", k))["get"]
    assert {"from", "to", "location_id"} <= {p["name"] for p in stats["parameters"]}
    out = next(v for k, v in schemas.items() if k.endswith("StatisticsOut"))
    assert {"from", "to", "questions", "visitors", "questions_per_visitor", "days"} <= out[
        "properties"
    ].keys()
    listed = next(v for k, v in schemas.items() if k.endswith("QuestionOut"))
    assert {"visit_id", "visitors", "warmth", "referred_by_partner_id"} <= listed["properties"].keys()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"npd_party": 7}, "Verwacht tekst, niet een geheel getal."),
        ({"location_id": "hier"}, "Geen geldige UUID."),
        ({"naam": "Jan"}, "Het veld 'naam' bestaat niet."),
    ],
)
async def test_a_malformed_body_names_the_field_in_dutch(client, container, lib, token, change, message):
    body = assert_problem(await post_question(client, lib, token, question(lib, **change)), 400)
    assert message in [e["message"] for e in body["errors"]], body
    assert await registered(container, lib) == 0


async def test_a_conflicting_key_is_explained_without_internal_names(client, lib, token):
    key = str(uuid4())
    assert (await post_question(client, lib, token, question(lib), key)).status_code == 201
    body = assert_problem(
        await post_question(client, lib, token, question(lib, help="samen_gezocht"), key), 409
    )
    assert body["detail"].startswith("Deze sleutel is al gebruikt") and "api:" not in body["detail"]
