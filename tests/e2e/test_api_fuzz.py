"""The JSON API fuzzed with schemathesis: every operation under /api/ in the OpenAPI document, against the real
app over ASGI (its own lifespan, PostgreSQL, Redis), with real API tokens of a real library. No 5xx, every answer
as documented (status code, content type, body), and every refusal problem+json. Deterministic (derandomized),
so a failure reproduces; a failure prints the case as a curl command."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import zlib
from uuid import uuid4

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar.enums import RequestEncodingType
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from domain.accounts import Role
from domain.catalogue import CATALOGUE
from domain.courses import Programme
from infra.settings import Settings
from services.api.app import MAX_BODY, create_app
from tests.clock import TODAY, YEAR
from tests.e2e.conftest import Lib, make_library
from tests.e2e.processes import free_port

# Per operation and generation mode (valid and invalid data): 16 operations stay well under a minute
MAX_EXAMPLES = 25
OPERATIONS = [
    "GET /api/v1/catalogue",
    "POST /api/v1/t/{slug}/questions",
    "GET /api/v1/t/{slug}/questions",
    "GET /api/v1/t/{slug}/statistics",
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
PATH_PARAM = re.compile(r"\{(\w+):\w+\}")


# the app, the library and its tokens


@pytest.fixture(scope="module")
def fuzz_app(settings):
    """An app of its own: schemathesis runs its lifespan in its own event-loop thread, which must not replace
    `app.state.services` of the session's `app` under the other tests."""
    from schemathesis.python.asgi import shutdown_lifespans

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


def json_body_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route whose handler reads a JSON body, from the application's router
    (as tests/e2e/test_isolation.py does), so that a route added later is covered without anyone listing it."""
    env = {"DATABASE_URL": "postgresql://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1/0"}
    app = create_app(Settings.from_env({**env, "IDO_SECRET_KEY": "k" * 40}))
    out = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_fn_signature.parameters.get("data")
            media = getattr(data and data.kwarg_definition, "media_type", RequestEncodingType.JSON)
            if data is not None and media == RequestEncodingType.JSON:
                out += [(m, route.path) for m in sorted(handler.http_methods & {"POST", "PUT", "PATCH"})]
    return out


JSON_ROUTES = json_body_routes()
DEEP = 1200  # the depth of issue 13: deeper than Python's recursion limit


def deeply_nested_bodies() -> dict[str, bytes]:
    deepest = MAX_BODY // 2 - 16  # as deep as the body limit allows
    return {
        "brackets": b"[" * DEEP + b"]" * DEEP,
        "objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        "in-a-field": b'{"note": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        "at-the-body-limit": b'{"note": ' + b"[" * deepest + b"]" * deepest + b"}",
    }


async def stored_rows(container, tenant_id) -> tuple[int, int]:
    """Events and idempotency keys of a library: a refused request stores neither."""
    async with container.db.tenant(tenant_id) as conn:
        events = (await conn.execute(text("SELECT count(*) FROM events"))).scalar()
        keys = (await conn.execute(text("SELECT count(*) FROM idempotency_keys"))).scalar()
    return events, keys


def test_the_json_routes_are_found():
    assert ("POST", "/api/v1/t/{slug:str}/questions") in JSON_ROUTES
    assert all(path.startswith("/api/") for _, path in JSON_ROUTES), JSON_ROUTES  # forms are not JSON


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES, ids=[f"{m} {p}" for m, p in JSON_ROUTES])
async def test_deeply_nested_json_is_the_400_problem_of_undecodable_json_on_every_json_route(
    client, container, lib, method, path
):
    token = await container.accounts.create_token(lib.coordinator)
    course = await client.post(
        f"/api/v1/t/{lib.slug}/courses",
        json={
            "programme": "klik_tik",
            "location_id": str(lib.location_id),
            "start_date": str(TODAY),
            "sessions": 2,
            "capacity": 8,
        },
        headers=bearer(token, **{"Idempotency-Key": str(uuid4())}),
    )
    assert course.status_code == 201, course.text
    values = {"slug": lib.slug, "course_id": course.json()["course_id"], "session": "1"}
    url = PATH_PARAM.sub(lambda m: values[m[1]], path)
    before = await stored_rows(container, lib.tenant_id)
    for name, raw in deeply_nested_bodies().items():
        r = await client.request(
            method,
            url,
            content=raw,
            headers=bearer(token, **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json"}),
        )
        assert r.status_code == 400, (name, r.status_code, r.text[:300])
        assert r.headers["content-type"].split(";")[0] == "application/problem+json", name
        body = r.json()
        assert body["detail"] == "De gegevens in het verzoek zijn geen geldige JSON.", (name, body)
        assert body["status"] == 400 and body["instance"] == url and "Traceback" not in r.text
    assert await stored_rows(container, lib.tenant_id) == before


async def test_no_depth_of_nesting_is_a_server_error(client, lib, desk_token):
    """Around the depth where decoding runs out of stack, which depends on the caller's own depth: every
    depth is a 400 (undecodable, or a field of the wrong type), none a 500."""
    for depth in range(0, DEEP, 9):
        r = await client.post(
            _questions(lib),
            content=b'{"note": ' + b"[" * depth + b"]" * depth + b"}",
            headers=bearer(
                desk_token, **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json"}
            ),
        )
        assert r.status_code == 400, (depth, r.status_code, r.text[:300])
        assert r.headers["content-type"].split(";")[0] == "application/problem+json", depth


async def test_the_body_of_issue_13_is_a_400_from_the_real_server_and_logs_no_unhandled_error(
    procs, env, lib, desk_token
):
    """`ido serve` (uvicorn, its own stack depth) and its log: a 500 logs "unhandled error" with a traceback."""
    port = free_port()
    server = procs("serve", "--host", "127.0.0.1", "--port", str(port), env=env)
    issue = b"[" * DEEP + b"]" * DEEP
    assert len(issue) == 2400
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.1)
        for raw in (issue, deeply_nested_bodies()["in-a-field"]):
            r = await http.post(
                _questions(lib),
                content=raw,
                headers=bearer(
                    desk_token, **{"Idempotency-Key": str(uuid4()), "Content-Type": "application/json"}
                ),
            )
            assert r.status_code == 400, (r.status_code, r.text, server.output()[-3000:])
            assert r.headers["content-type"] == "application/problem+json"
    log = server.output()
    requests = [json.loads(ln) for ln in log.splitlines() if ln.startswith("{") and '"request"' in ln]
    assert [r["status"] for r in requests if r.get("event") == "request"] == [400, 400], log[-3000:]
    assert "unhandled error" not in log and "RecursionError" not in log, log[-3000:]


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
