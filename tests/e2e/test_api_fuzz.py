"""The JSON API fuzzed with schemathesis: every operation under /api/ in the OpenAPI document, against the real
app over ASGI (its own lifespan, PostgreSQL, Redis), with real API tokens of a real library. No 5xx, every answer
as documented (status code, content type, body), and every refusal problem+json. Deterministic (derandomized),
so a failure reproduces; a failure prints the case as a curl command."""

from __future__ import annotations

import json
import secrets
import zlib
from uuid import uuid4

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.accounts import Role
from domain.catalogue import CATALOGUE
from domain.courses import Programme
from tests.clock import TODAY, YEAR
from tests.e2e.conftest import Lib, make_library

# Per operation and generation mode (valid and invalid data): 15 operations stay well under a minute
MAX_EXAMPLES = 25
OPERATIONS = [
    "GET /api/v1/catalogue",
    "POST /api/v1/t/{slug}/questions",
    "GET /api/v1/t/{slug}/questions",
    "POST /api/v1/t/{slug}/courses",
    "GET /api/v1/t/{slug}/courses",
    "GET /api/v1/t/{slug}/courses/{course_id}",
    "POST /api/v1/t/{slug}/courses/{course_id}/enrolments",
    "POST /api/v1/t/{slug}/courses/{course_id}/withdrawals",
    "POST /api/v1/t/{slug}/courses/{course_id}/sessions/{session}/attendance",
    "POST /api/v1/t/{slug}/courses/{course_id}/completion",
    "POST /api/v1/t/{slug}/courses/{course_id}/cancellation",
    "GET /api/v1/t/{slug}/reports/verantwoording/{filename}",
    "GET /api/v1/reports/verantwoording/{filename}",
    "GET /api/v1/reports/bundles/{bundle_id}",
    "GET /api/v1/reports/bundles/{bundle_id}/{filename}",
]
PROBLEM_KEYS = {"type", "title", "status", "detail"}


# the app, the library and its tokens


@pytest.fixture(scope="module")
def fuzz_app(settings):
    """An app of its own: schemathesis runs its lifespan in its own event-loop thread, which must not replace
    `app.state.services` of the session's `app` under the other tests."""
    from schemathesis.python.asgi import shutdown_lifespans

    from services.api.app import create_app

    yield create_app(settings)
    shutdown_lifespans()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_app)


@pytest.fixture(scope="module")
async def fuzz_lib(container) -> Lib:
    return await make_library(container)


@pytest.fixture(scope="module")
async def tokens(container, fuzz_lib) -> dict[str, str]:
    analyst = f"kb-{secrets.token_hex(3)}@test.example"
    await container.accounts.create_user(analyst, Role.KB_ANALYST)
    return {
        "desk": await container.accounts.create_token(fuzz_lib.desk),
        "coordinator": await container.accounts.create_token(fuzz_lib.coordinator),
        "kb": await container.accounts.create_token(analyst),
    }


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture(scope="module")
def fuzz_course(api_schema, fuzz_lib, tokens) -> str:
    """A course of the library, scheduled over the API, for the course operations to act on."""
    case = operation(api_schema, "POST /api/v1/t/{slug}/courses").Case(
        path_parameters={"slug": fuzz_lib.slug},
        headers=bearer(tokens["coordinator"], **{"Idempotency-Key": str(uuid4())}),
        body={
            "programme": "klik_tik",
            "location_id": str(fuzz_lib.location_id),
            "start_date": str(TODAY),
            "sessions": 4,
            "capacity": 12,
        },
        media_type="application/json",
    )
    r = case.call()
    assert r.status_code == 201, r.text
    return r.json()["course_id"]


def operation(schema, label: str):
    method, path = label.split(" ", 1)
    return schema[path][method]


# what every answer must satisfy


def problem_json(ctx, response, case) -> bool | None:
    """A refusal under /api/ is problem+json (RFC 9457) with its status in the body."""
    if 400 <= response.status_code < 500:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.split(";")[0].strip() == "application/problem+json", content_type
        body = response.json()
        assert isinstance(body, dict) and PROBLEM_KEYS <= body.keys(), body
        assert body["status"] == response.status_code, body
        assert all(isinstance(body[k], str) and body[k] for k in ("type", "title", "detail")), body
    return None


CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_json,
]


def _mostly(value: object) -> bool:
    """Deterministically true for about four in five generated values."""
    return zlib.crc32(repr(value).encode()) % 5 != 0


def aim(case, lib: Lib, course_id: str, tokens: dict[str, str]) -> None:
    """Most requests get past the tenant check and the catalogue, to reach the domain and the database: the
    library's slug, course and location, known codes, and a token of its desk or coordinator (the KB analyst's
    for the national bundles). The rest keep the generated values."""
    params = case.path_parameters or {}
    if "slug" in params and _mostly(params["slug"]):
        params["slug"] = lib.slug
    if "course_id" in params and _mostly(params["course_id"]):
        params["course_id"] = course_id
    pick = zlib.crc32(repr((params, case.query, case.body)).encode())
    if isinstance(case.body, dict) and _mostly(case.body):
        _known_codes(case.operation.path, case.body, lib, pick)
    if "filename" in params and "slug" in params and pick % 5 == 0:
        params["filename"] = f"{YEAR}.{('xlsx', 'csv')[pick % 2]}"  # (a PDF takes too long)
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and _mostly(key):  # a fresh key, else most commands replay or conflict
        unique = zlib.crc32(repr((case.operation.label, pick, case.headers)).encode())
        case.headers["Idempotency-Key"] = f"fuzz-{unique:08x}"
    if "bundle_id" in params and pick % 2:
        role = "kb"
    else:
        role = ("desk", "coordinator")[pick % 2]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[role]}"}


def _known_codes(path: str, body: dict, lib: Lib, pick: int) -> None:
    if path.endswith("/questions"):
        party = CATALOGUE.parties[pick % len(CATALOGUE.parties)]
        body.update(
            location_id=str(lib.location_id),
            npd_party=party.code,
            topic=party.topics[pick % len(party.topics)].code,
            help=CATALOGUE.help_kinds[pick % len(CATALOGUE.help_kinds)].code,
            kind="digitale_overheid",
            channel=CATALOGUE.channels[pick % len(CATALOGUE.channels)].code,
        )
        if "duration" in body:
            body["duration"] = CATALOGUE.durations[pick % len(CATALOGUE.durations)].code
    elif path.endswith("/courses"):
        programmes = list(Programme)
        body.update(location_id=str(lib.location_id), programme=programmes[pick % len(programmes)].value)


# the fuzzing


def test_every_api_operation_is_fuzzed(api_schema):
    documented = [
        f"{op.method.upper()} {op.path}"
        for result in api_schema.get_all_operations()
        if (op := result.ok()).path.startswith("/api/")
    ]
    assert sorted(documented) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_fuzzed_requests_get_documented_answers_and_problem_json_refusals(
    label, api_schema, fuzz_lib, fuzz_course, tokens
):
    op = operation(api_schema, label)

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES * len(GenerationMode),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=st.one_of([op.as_strategy(generation_mode=mode) for mode in GenerationMode]))
    def fuzz(case):
        aim(case, fuzz_lib, fuzz_course, tokens)
        case.validate_response(case.call(), checks=CHECKS)

    fuzz()


# explicit refusals, through the session's app (the same code, other requests)


def _questions(lib: Lib) -> str:
    return f"/api/v1/t/{lib.slug}/questions"


def _question(lib: Lib, **fields) -> dict:
    return {
        "location_id": str(lib.location_id),
        "npd_party": "cbr",
        "topic": "cbr.rijbewijs_75",
        "help": "wegwijzer",
        **fields,
    }


def assert_documented_problem(api_schema, label: str, r, status: int) -> dict:
    """`r` (an httpx response) is the problem+json `status`, documented for the operation `label`."""
    assert r.status_code == status, (r.status_code, r.text)
    operation(api_schema, label).Case().validate_response(r, checks=CHECKS)
    body = r.json()
    assert body["instance"] == r.request.url.path
    assert "Traceback" not in r.text
    return body


@pytest.fixture
async def desk_token(container, lib) -> str:
    return await container.accounts.create_token(lib.desk)


async def test_malformed_json_is_a_400_problem(client, api_schema, lib, desk_token):
    for raw in (b'{"npd_party": "cbr",', b"", b"\xff\xfe", b"null", b"[1, 2]", b'"tekst"'):
        r = await client.post(
            _questions(lib),
            content=raw,
            headers=bearer(
                desk_token, **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json"}
            ),
        )
        assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/questions", r, 400)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_a_body_that_is_not_sent_as_json_is_a_415_problem(
    client, api_schema, lib, desk_token, content_type
):
    headers = bearer(desk_token, **{"Idempotency-Key": str(uuid4())})
    if content_type:
        headers["Content-Type"] = content_type
    r = await client.post(_questions(lib), content=json.dumps(_question(lib)).encode(), headers=headers)
    body = assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/questions", r, 415)
    assert "JSON" in body["detail"]
    r = await client.post(
        f"/api/v1/t/{lib.slug}/courses/{uuid4()}/cancellation", content=b"{}", headers=headers
    )
    assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/courses/{course_id}/cancellation", r, 415)


async def test_json_with_a_charset_is_json(client, lib, desk_token):
    r = await client.post(
        _questions(lib),
        content=json.dumps(_question(lib)).encode(),
        headers=bearer(
            desk_token,
            **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json; charset=utf-8"},
        ),
    )
    assert r.status_code == 201, r.text


async def test_a_body_over_256_kib_is_a_413_problem(client, api_schema, lib, desk_token):
    big = json.dumps({"reason": "a" * (257 * 1024)}).encode()
    r = await client.post(
        f"/api/v1/t/{lib.slug}/courses/{uuid4()}/cancellation",
        content=big,
        headers=bearer(desk_token, **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json"}),
    )
    assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/courses/{course_id}/cancellation", r, 413)


WRONG_TYPES = [
    ("party-a-number", {"npd_party": 5}),
    ("location-not-a-uuid", {"location_id": "hier"}),
    ("asked-at-not-a-time", {"asked_at": "gisteren"}),
    ("note-a-list", {"note": ["a"]}),
    ("visit-id-true", {"visit_id": True}),
]


@pytest.mark.parametrize("fields", [w[1] for w in WRONG_TYPES], ids=[w[0] for w in WRONG_TYPES])
async def test_a_field_of_the_wrong_type_is_a_400_problem_naming_it(
    client, api_schema, lib, desk_token, fields
):
    r = await client.post(
        _questions(lib),
        json=_question(lib, **fields),
        headers=bearer(desk_token, **{"Idempotency-Key": str(uuid4())}),
    )
    body = assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/questions", r, 400)
    assert [e["field"] for e in body["errors"]] == list(fields)


async def test_parameters_of_the_wrong_type_are_400_problems_naming_them_as_sent(
    client, api_schema, lib, desk_token
):
    r = await client.get(
        _questions(lib), params={"from": "gisteren", "to": "2026-01-01"}, headers=bearer(desk_token)
    )
    body = assert_documented_problem(api_schema, "GET /api/v1/t/{slug}/questions", r, 400)
    assert [e["field"] for e in body["errors"]] == ["from"]
    for params in ({"location_id": "hier"}, {"status": "bijna"}, {"programme": "breien"}):
        r = await client.get(f"/api/v1/t/{lib.slug}/courses", params=params, headers=bearer(desk_token))
        body = assert_documented_problem(api_schema, "GET /api/v1/t/{slug}/courses", r, 400)
        assert [e["field"] for e in body["errors"]] == list(params)


async def test_an_idempotency_key_with_a_control_character_is_a_400_problem_not_a_500(
    client, api_schema, lib, desk_token
):
    for key in (b"a\x00b", b"a\x01b", b"\xff"):
        r = await client.post(
            _questions(lib),
            json=_question(lib),
            headers=[(b"authorization", f"Bearer {desk_token}".encode()), (b"idempotency-key", key)],
        )
        body = assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/questions", r, 400)
        assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]


async def test_a_slug_with_a_nul_character_is_a_404_problem_not_a_500(client, api_schema, lib, desk_token):
    r = await client.get(
        f"/api/v1/t/{lib.slug}%00/questions",
        params={"from": "2026-01-01", "to": "2026-01-02"},
        headers=bearer(desk_token),
    )
    assert_documented_problem(api_schema, "GET /api/v1/t/{slug}/questions", r, 404)


async def test_free_text_with_a_nul_character_is_refused_not_a_500(
    client, container, api_schema, lib, desk_token
):
    r = await client.post(
        _questions(lib),
        json=_question(lib, note="hulp\x00bij DigiD"),
        headers=bearer(desk_token, **{"Idempotency-Key": str(uuid4())}),
    )
    body = assert_documented_problem(api_schema, "POST /api/v1/t/{slug}/questions", r, 422)
    assert body["errors"][0]["field"] == "note"


async def test_a_report_download_is_documented_with_its_file_type(client, container, api_schema, lib):
    token = await container.accounts.create_token(lib.coordinator)
    year = YEAR
    r = await client.get(f"/api/v1/t/{lib.slug}/reports/verantwoording/{year}.csv", headers=bearer(token))
    assert r.status_code == 200, r.text
    label = "GET /api/v1/t/{slug}/reports/verantwoording/{filename}"
    operation(api_schema, label).Case().validate_response(r, checks=CHECKS)
