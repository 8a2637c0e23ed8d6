"""End to end: the `ido` command in a process of its own (tests/cli_process.py) against this run's database.

Success paths are checked in the database; refused input must give exit code 2, exactly one line on stderr
starting with `ido: `, and leave nothing behind."""

from __future__ import annotations

import hashlib
import secrets

import asyncpg
import pytest
from argon2 import PasswordHasher

from infra.platform.passwords import Passwords
from infra.store.migrate import head_revision
from services.demo import DEMO_PASSWORD, USERS
from tests import cli_process
from tests.cli_process import Result
from tests.servers import plain_url

TIMEOUT = 120
GOOD_PASSWORD = "Paarse-olifant-zingt-7"


# --- helpers ------------------------------------------------------------------------------------------------


def create_user(
    env: dict[str, str], email: str, role: str, *scope: str, password: str | None = None
) -> Result:
    """`ido users create` with the password on stdin (GOOD_PASSWORD unless given)."""
    args = ("users", "create", "--email", email, "--role", role, *scope, "--password-stdin")
    return ido(env, *args, stdin=(GOOD_PASSWORD if password is None else password) + "\n")


def ido(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = TIMEOUT) -> Result:
    return cli_process.run(env, args, stdin, timeout)


def assert_ok(r: Result) -> None:
    assert r.code == 0, f"exit {r.code}\nstdout: {r.out}\nstderr: {r.err}"
    assert r.err == "", f"unexpected stderr: {r.err!r}"


def assert_refused(r: Result) -> str:
    """Exit 2, one line on stderr that starts with `ido: `, nothing on stdout; answer that line."""
    assert r.code == 2, f"exit {r.code}\nstdout: {r.out}\nstderr: {r.err}"
    lines = r.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {r.err!r}"
    assert lines[0].startswith("ido: "), lines[0]
    assert len(lines[0]) > len("ido: ")
    assert r.out == "", f"unexpected stdout: {r.out!r}"
    return lines[0]


def suffix() -> str:
    return secrets.token_hex(4)


class Db:
    """Reads as the owning role (platform tables have no RLS) or as the reader role (events across tenants)."""

    def __init__(self, settings) -> None:
        self.owner_url = plain_url(settings.database_url)
        self.reader_url = plain_url(settings.reader_database_url)

    async def fetch(self, sql: str, *args: object, reader: bool = False) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.reader_url if reader else self.owner_url)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def val(self, sql: str, *args: object, reader: bool = False) -> object:
        rows = await self.fetch(sql, *args, reader=reader)
        return rows[0][0] if rows else None

    async def user(self, email: str) -> asyncpg.Record | None:
        rows = await self.fetch("SELECT * FROM users WHERE email = $1", email)
        return rows[0] if rows else None

    async def memberships(self, email: str) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT m.role, m.tenant_id, m.poi_id FROM memberships m JOIN users u USING (user_id) "
            "WHERE u.email = $1 ORDER BY m.role",
            email,
        )

    async def counts(self) -> dict[str, int]:
        out = {}
        for table in ("pois", "tenants", "users", "memberships", "api_tokens"):
            out[table] = await self.val(f"SELECT count(*) FROM {table}")
        out["events"] = await self.val("SELECT count(*) FROM events", reader=True)
        return out


@pytest.fixture(scope="module")
def db(settings) -> Db:  # requesting `settings` migrates this run's database
    return Db(settings)


@pytest.fixture(scope="module")
def poi(env, settings) -> str:
    slug = f"poi-e2e-{suffix()}"
    assert_ok(ido(env, "pois", "create", "--slug", slug, "--name", "E2E-POI"))
    return slug


@pytest.fixture(scope="module")
def tenant(env, poi) -> str:
    slug = f"bieb-e2e-{suffix()}"
    assert_ok(ido(env, "tenants", "create", "--slug", slug, "--name", "Bibliotheek E2E", "--poi", poi))
    return slug


# --- migrate and demo ---------------------------------------------------------------------------------------


async def test_migrate_twice_is_idempotent(env, settings, db):
    before = await db.counts()
    for _ in range(2):
        r = ido(env, "migrate")
        assert_ok(r)
        assert r.out.strip() != ""
    assert await db.val("SELECT version_num FROM alembic_version") == head_revision(settings)
    assert await db.val("SELECT count(*) FROM alembic_version") == 1
    assert await db.counts() == before


async def test_demo_twice_is_idempotent_and_prints_the_logins(env, db):
    first = ido(env, "demo")
    assert_ok(first)
    after_first = await db.counts()
    second = ido(env, "demo")
    assert_ok(second)
    assert await db.counts() == after_first
    assert first.out == second.out
    for email, role, _, _ in USERS:
        line = next((ln for ln in first.out.splitlines() if email in ln), None)
        assert line is not None, f"{email} not in demo output:\n{first.out}"
        assert role.value in line and DEMO_PASSWORD in line

    assert await db.val("SELECT count(*) FROM pois WHERE slug = 'poi-demo'") == 1
    assert await db.val("SELECT count(*) FROM tenants WHERE slug IN ('bieb-noord', 'bieb-zuid')") == 2
    assert (
        await db.val(
            "SELECT count(*) FROM events e JOIN tenants t USING (tenant_id) WHERE t.slug IN ('bieb-noord', 'bieb-zuid')",
            reader=True,
        )
        >= 2
    )
    assert (  # the demo IDOs lie in real gemeenten: Haarlem and Leiden
        await db.val(
            "SELECT count(*) FROM events e JOIN tenants t USING (tenant_id) WHERE t.slug IN ('bieb-noord', "
            "'bieb-zuid') AND e.event_type = 'IdoRegistered' AND e.data->>'gemeente' IN ('GM0392', 'GM0546')",
            reader=True,
        )
        == 2
    )
    assert (  # every demo event names its writer and request
        await db.val(
            "SELECT count(*) FROM events e JOIN tenants t USING (tenant_id) WHERE t.slug IN ('bieb-noord', "
            "'bieb-zuid') AND (e.metadata->>'actor' IS DISTINCT FROM 'demo' OR e.metadata->>'request_id' IS NULL)",
            reader=True,
        )
        == 0
    )
    ph = PasswordHasher()
    for email, role, tenant_slug, poi_slug in USERS:
        user = await db.user(email)
        assert user is not None and user["password_hash"].startswith("$argon2id$")
        assert ph.verify(user["password_hash"], DEMO_PASSWORD)
        [m] = await db.memberships(email)
        assert m["role"] == role.value
        assert (m["tenant_id"] is not None) == (tenant_slug is not None)
        assert (m["poi_id"] is not None) == (poi_slug is not None)


# --- pois, tenants ------------------------------------------------------------------------------------------


async def test_pois_create(env, db):
    slug = f"poi-{suffix()}"
    r = ido(
        env,
        "pois",
        "create",
        "--slug",
        slug,
        "--name",
        "  POI Noord-Holland  ",
        "--email",
        "Info@POI.example",
    )
    assert_ok(r)
    assert slug in r.out
    [row] = await db.fetch("SELECT poi_id, name, email FROM pois WHERE slug = $1", slug)
    assert row["name"] == "POI Noord-Holland"
    assert row["email"] == "info@poi.example"
    assert str(row["poi_id"]) in r.out


async def test_pois_create_without_email(env, db):
    slug = f"poi-{suffix()}"
    assert_ok(ido(env, "pois", "create", "--slug", slug, "--name", "POI zonder adres"))
    assert await db.val("SELECT email FROM pois WHERE slug = $1", slug) is None
    assert await db.val("SELECT count(*) FROM pois WHERE slug = $1", slug) == 1


async def test_tenants_create(env, db, poi):
    slug = f"bieb-{suffix()}"
    r = ido(env, "tenants", "create", "--slug", slug, "--name", "Bibliotheek Test", "--poi", poi)
    assert_ok(r)
    assert slug in r.out
    [row] = await db.fetch(
        "SELECT t.tenant_id, t.name, t.active, p.slug AS poi FROM tenants t JOIN pois p USING (poi_id) "
        "WHERE t.slug = $1",
        slug,
    )
    assert (row["name"], row["active"], row["poi"]) == ("Bibliotheek Test", True, poi)
    assert str(row["tenant_id"]) in r.out


# --- users --------------------------------------------------------------------------------------------------

ROLES = ["desk", "coordinator", "poi_adviser", "kb_analyst", "platform_admin"]


def _scope_args(role: str, tenant: str, poi: str) -> list[str]:
    return {
        "desk": ["--tenant", tenant],
        "coordinator": ["--tenant", tenant],
        "poi_adviser": ["--poi", poi],
    }.get(role, [])


async def _expected_scope(db: Db, role: str, tenant: str, poi: str) -> tuple[object, object]:
    tenant_id = await db.val("SELECT tenant_id FROM tenants WHERE slug = $1", tenant)
    poi_id = await db.val("SELECT poi_id FROM pois WHERE slug = $1", poi)
    return {"desk": (tenant_id, None), "coordinator": (tenant_id, None), "poi_adviser": (None, poi_id)}.get(
        role, (None, None)
    )


@pytest.mark.parametrize("role", ROLES)
async def test_users_create_with_password_from_stdin(env, settings, db, tenant, poi, role):
    email = f"{role}-{suffix()}@e2e.example"
    r = create_user(env, email.upper(), role, *_scope_args(role, tenant, poi))
    assert_ok(r)
    assert email in r.out and role in r.out
    assert GOOD_PASSWORD not in r.out
    user = await db.user(email)  # stored in lower case
    assert user is not None and user["active"]
    assert user["password_hash"].startswith("$argon2id$")
    assert GOOD_PASSWORD not in user["password_hash"]
    assert PasswordHasher().verify(user["password_hash"], GOOD_PASSWORD)
    # hashed at the parameters that the run's settings give (the test profile), by the CLI process too
    assert not Passwords(settings.password_hash_profile).needs_rehash(user["password_hash"])
    [m] = await db.memberships(email)
    assert m["role"] == role
    assert (m["tenant_id"], m["poi_id"]) == await _expected_scope(db, role, tenant, poi)


@pytest.mark.parametrize("role", ROLES)
async def test_users_create_without_password(env, db, tenant, poi, role):
    email = f"{role}-{suffix()}@e2e.example"
    assert_ok(ido(env, "users", "create", "--email", email, "--role", role, *_scope_args(role, tenant, poi)))
    user = await db.user(email)
    assert user is not None and user["password_hash"] is None
    [m] = await db.memberships(email)
    assert m["role"] == role
    assert (m["tenant_id"], m["poi_id"]) == await _expected_scope(db, role, tenant, poi)


async def test_users_create_again_adds_a_role_and_keeps_the_password(env, db, tenant):
    email = f"multi-{suffix()}@e2e.example"
    assert_ok(create_user(env, email, "desk", "--tenant", tenant))
    hash_before = (await db.user(email))["password_hash"]
    for _ in range(2):  # the same role twice gives one membership
        assert_ok(ido(env, "users", "create", "--email", email, "--role", "kb_analyst"))
    assert (await db.user(email))["password_hash"] == hash_before
    assert [m["role"] for m in await db.memberships(email)] == ["desk", "kb_analyst"]
    assert await db.val("SELECT count(*) FROM users WHERE email = $1", email) == 1


# --- tokens -------------------------------------------------------------------------------------------------


async def test_tokens_create_prints_the_token_once_and_stores_only_its_hash(env, db):
    email = f"api-{suffix()}@e2e.example"
    assert_ok(ido(env, "users", "create", "--email", email, "--role", "kb_analyst"))
    r = ido(env, "tokens", "create", "--email", email, "--name", "rapportage")
    assert_ok(r)
    lines = r.out.splitlines()
    assert len(lines) == 1, r.out
    token = lines[0].strip()
    assert len(token) >= 32
    assert r.out.count(token) == 1

    rows = await db.fetch(
        "SELECT t.* FROM api_tokens t JOIN users u USING (user_id) WHERE u.email = $1", email
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "rapportage"
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert row["revoked_at"] is None
    # the token itself is nowhere in the row
    for value in row.values():
        if isinstance(value, (bytes, bytearray, memoryview)):
            assert token.encode() not in bytes(value)
        else:
            assert token not in str(value)
    assert (
        await db.val("SELECT count(*) FROM api_tokens WHERE token_hash::text LIKE '%' || $1 || '%'", token)
        == 0
    )

    # a second token is a different one; the default name is used without --name
    r2 = ido(env, "tokens", "create", "--email", email.upper())
    assert_ok(r2)
    token2 = r2.out.strip()
    assert token2 != token
    names = sorted(
        x["name"]
        for x in await db.fetch(
            "SELECT t.name FROM api_tokens t JOIN users u USING (user_id) WHERE u.email = $1", email
        )
    )
    assert names == ["cli", "rapportage"]


# --- long-running commands: only --help and bad arguments ---------------------------------------------------


@pytest.mark.parametrize("command", ["run", "serve", "worker", "beat", "migrate", "demo"])
def test_help_of_each_command(env, command):
    r = ido(env, command, "--help", timeout=30)
    assert r.code == 0 and r.err == ""
    assert "usage: ido " + command in r.out


def test_help_of_the_program(env):
    r = ido(env, "--help", timeout=30)
    assert r.code == 0 and r.err == ""
    for command in (
        "run",
        "serve",
        "worker",
        "beat",
        "migrate",
        "demo",
        "tenants",
        "pois",
        "users",
        "tokens",
    ):
        assert command in r.out


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--port", "99999"],
        ["serve", "--port", "0"],
        ["serve", "--port", "http"],
        ["run", "--port", "-1"],
        ["serve", "--workers", "veel"],
        ["worker", "--concurrency", "twee"],
        ["beat", "--extra"],
    ],
)
def test_long_running_commands_refuse_bad_arguments(env, args):
    line = assert_refused(ido(env, *args, timeout=30))
    if "--port" in args:
        assert "port" in line


# --- refused input: exit 2, one line, nothing stored --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["bogus"],
        ["pois"],
        ["pois", "delete", "--slug", "x"],
        ["users", "create", "--email", "a@b.example", "--role", "kb_analyst", "--onbekend"],
    ],
)
async def test_unknown_or_missing_subcommand(env, db, args):
    before = await db.counts()
    assert_refused(ido(env, *args, timeout=30))
    assert await db.counts() == before


async def test_missing_required_option(env, db, poi):
    slug = f"poi-{suffix()}"
    line = assert_refused(ido(env, "pois", "create", "--slug", slug))
    assert "--name" in line
    assert await db.val("SELECT count(*) FROM pois WHERE slug = $1", slug) == 0

    tslug = f"bieb-{suffix()}"
    line = assert_refused(ido(env, "tenants", "create", "--slug", tslug, "--name", "Zonder POI"))
    assert "--poi" in line
    assert await db.val("SELECT count(*) FROM tenants WHERE slug = $1", tslug) == 0

    line = assert_refused(ido(env, "users", "create", "--role", "kb_analyst"))
    assert "--email" in line
    line = assert_refused(ido(env, "tokens", "create"))
    assert "--email" in line


async def test_invalid_role(env, db):
    email = f"rol-{suffix()}@e2e.example"
    line = assert_refused(ido(env, "users", "create", "--email", email, "--role", "superuser"))
    assert "--role" in line
    assert await db.user(email) is None


async def test_tenant_and_poi_together(env, db, tenant, poi):
    email = f"beide-{suffix()}@e2e.example"
    assert_refused(
        ido(env, "users", "create", "--email", email, "--role", "desk", "--tenant", tenant, "--poi", poi)
    )
    assert await db.user(email) is None


@pytest.mark.parametrize(
    "role,scope",
    [
        ("desk", []),
        ("coordinator", []),
        ("desk", ["--poi", "POI"]),
        ("poi_adviser", []),
        ("poi_adviser", ["--tenant", "TENANT"]),
        ("kb_analyst", ["--tenant", "TENANT"]),
        ("platform_admin", ["--poi", "POI"]),
    ],
)
async def test_wrong_scope_for_role(env, db, tenant, poi, role, scope):
    email = f"scope-{suffix()}@e2e.example"
    scope = [{"POI": poi, "TENANT": tenant}.get(a, a) for a in scope]
    line = assert_refused(create_user(env, email, role, *scope))
    assert role in line
    assert await db.user(email) is None


@pytest.mark.parametrize("option", ["--tenant", "--poi"])
async def test_unknown_tenant_or_poi_for_user(env, db, option):
    email = f"onbekend-{suffix()}@e2e.example"
    role = "desk" if option == "--tenant" else "poi_adviser"
    missing = f"bestaat-niet-{suffix()}"
    line = assert_refused(ido(env, "users", "create", "--email", email, "--role", role, option, missing))
    assert missing in line
    assert await db.user(email) is None


async def test_duplicate_poi_slug(env, db, poi):
    line = assert_refused(ido(env, "pois", "create", "--slug", poi, "--name", "Tweede POI"))
    assert poi in line
    rows = await db.fetch("SELECT name FROM pois WHERE slug = $1", poi)
    assert [r["name"] for r in rows] == ["E2E-POI"]


async def test_duplicate_tenant_slug(env, db, tenant, poi):
    line = assert_refused(ido(env, "tenants", "create", "--slug", tenant, "--name", "Tweede", "--poi", poi))
    assert tenant in line
    rows = await db.fetch("SELECT name FROM tenants WHERE slug = $1", tenant)
    assert [r["name"] for r in rows] == ["Bibliotheek E2E"]


async def test_tenant_for_unknown_poi(env, db):
    slug = f"bieb-{suffix()}"
    missing = f"poi-bestaat-niet-{suffix()}"
    line = assert_refused(ido(env, "tenants", "create", "--slug", slug, "--name", "Wees", "--poi", missing))
    assert missing in line
    assert await db.val("SELECT count(*) FROM tenants WHERE slug = $1", slug) == 0


@pytest.mark.parametrize("slug", ["Bad Slug!", "a", "-begint-met-streepje", "HOOFDLETTERS", "x" * 64, ""])
async def test_invalid_slug(env, db, poi, slug):
    before = await db.counts()
    assert_refused(ido(env, "pois", "create", "--slug", slug, "--name", "Ongeldig"))
    assert_refused(ido(env, "tenants", "create", "--slug", slug, "--name", "Ongeldig", "--poi", poi))
    assert await db.counts() == before


async def test_empty_name(env, db, poi):
    slug = f"poi-{suffix()}"
    assert_refused(ido(env, "pois", "create", "--slug", slug, "--name", "   "))
    assert await db.val("SELECT count(*) FROM pois WHERE slug = $1", slug) == 0
    tslug = f"bieb-{suffix()}"
    assert_refused(ido(env, "tenants", "create", "--slug", tslug, "--name", "", "--poi", poi))
    assert await db.val("SELECT count(*) FROM tenants WHERE slug = $1", tslug) == 0


@pytest.mark.parametrize(
    "email",
    ["geen-apenstaartje", "twee@@e2e.example", "spatie in@e2e.example", "zonder@domein", "@e2e.example"],
)
async def test_invalid_email(env, db, email):
    before = await db.counts()
    line = assert_refused(ido(env, "users", "create", "--email", email, "--role", "kb_analyst"))
    assert "e-mailadres" in line
    assert_refused(ido(env, "pois", "create", "--slug", f"poi-{suffix()}", "--name", "POI", "--email", email))
    assert await db.counts() == before


@pytest.mark.parametrize(
    "password", ["kort-7", "elf-tekens!", "", "wachtwoord1234", "WACHTWOORD1234", "aaaaaaaaaaaaaaaa"]
)
async def test_refused_password(env, db, tenant, password):
    email = f"pw-{suffix()}@e2e.example"
    assert_refused(create_user(env, email, "desk", "--tenant", tenant, password=password))
    assert await db.user(email) is None


async def test_refused_password_leaves_an_existing_user_as_it_was(env, db):
    email = f"pw-{suffix()}@e2e.example"
    assert_ok(create_user(env, email, "kb_analyst"))
    before = (await db.user(email))["password_hash"]
    assert_refused(create_user(env, email, "platform_admin", password="wachtwoord1234"))
    assert (await db.user(email))["password_hash"] == before
    assert [m["role"] for m in await db.memberships(email)] == ["kb_analyst"]


async def test_token_for_unknown_email(env, db):
    email = f"niemand-{suffix()}@e2e.example"
    before = await db.counts()
    line = assert_refused(ido(env, "tokens", "create", "--email", email))
    assert email in line
    assert await db.counts() == before


# --- input the database would refuse with a CHECK is refused before it, with one line -----------------------


@pytest.mark.parametrize("kind", ["pois", "tenants"])
async def test_slug_with_trailing_newline_is_refused(env, db, poi, kind):
    slug = f"nl-{suffix()}\n"
    extra = ["--poi", poi] if kind == "tenants" else []
    before = await db.counts()
    assert_refused(ido(env, kind, "create", "--slug", slug, "--name", "Nieuwe regel", *extra))
    assert await db.counts() == before


@pytest.mark.parametrize("kind", ["pois", "tenants"])
async def test_name_longer_than_200_characters_is_refused(env, db, poi, kind):
    slug = f"lang-{suffix()}"
    extra = ["--poi", poi] if kind == "tenants" else []
    before = await db.counts()
    assert_refused(ido(env, kind, "create", "--slug", slug, "--name", "x" * 201, *extra))
    assert await db.counts() == before


# --- ido users invite (issue 18): the link is printed, also when no mail server takes it ------------------


def test_users_invite_prints_the_link_when_no_mail_server_answers(env, tenant):
    from tests.e2e.processes import free_port

    email = f"nieuw-{suffix()}@test.example"
    no_mail = {**env, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "BASE_URL": "http://127.0.0.1:8101"}
    r = ido(no_mail, "users", "invite", "--email", email, "--role", "coordinator", "--tenant", tenant)
    assert_ok(r)
    lines = r.out.splitlines()
    assert lines[0] == f"uitnodiging voor {email} als coördinator bij Bibliotheek E2E"
    assert lines[1].startswith("http://127.0.0.1:8101/uitnodiging/") and len(lines[1]) > 70
    assert lines[2].startswith("de link werkt één keer en is geldig tot ") and " om " in lines[2]
    assert "niet gemaild" in lines[3]


async def test_users_invite_mails_it_too_and_the_audit_log_says_how_it_went_out(env, db, tenant):
    from tests.receivers import SmtpServer

    email = f"balie-{suffix()}@test.example"
    with SmtpServer() as smtp:
        r = ido(
            {**env, "SMTP_URL": smtp.url},
            "users",
            "invite",
            "--email",
            email,
            "--role",
            "desk",
            "--tenant",
            tenant,
        )
        assert_ok(r)
        assert "ook per e-mail verstuurd" in r.out
        assert any(
            r.out.splitlines()[1] in m.get_body(("plain",)).get_content() for m in smtp.mailbox.messages
        )
    # invitations are under the tenant policy even for the owner: the audit log names the library and role
    actions = [
        row["action"]
        for row in await db.fetch(
            "SELECT a.action FROM admin_audit a JOIN tenants t ON t.tenant_id::text = a.details ->> 'tenant_id' "
            "WHERE t.slug = $1 AND a.details ->> 'role' = 'desk' AND a.object_kind = 'invitation'",
            tenant,
        )
    ]
    assert sorted(actions) == ["invitation.created", "invitation.link_printed", "invitation.mailed"]


@pytest.mark.parametrize(
    "args",
    [
        ("--email", "geen-adres", "--role", "desk", "--tenant", "x"),
        ("--email", "a@test.example", "--role", "desk"),
        ("--email", "a@test.example", "--role", "desk", "--tenant", "bestaat-niet"),
    ],
    ids=["bad-email", "no-tenant", "unknown-tenant"],
)
async def test_users_invite_refuses_bad_input_in_one_line(env, db, args):
    assert_refused(ido(env, "users", "invite", *args))
