"""The schema is ready for Citus and for row-level security: every table in the catalog is either a platform table
named in docs/decisions.md or under the tenant policy (ENABLE + FORCE + the policy), and every primary and unique
key of a library table leads with tenant_id."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]

# Read before a library is known (login, token check, POI/KB scope) or across libraries: reference tables without
# a tenant policy. The same list as docs/decisions.md, "Platform tables carry no tenant policy".
PLATFORM_TABLES = {
    "alembic_version",
    "pois",
    "tenants",
    "users",
    "memberships",
    "api_tokens",
    "password_resets",
    "admin_audit",
    "report_bundles",
    "report_bundle_pdfs",
}
# Under the tenant policy, but with rows of no library beside a library's (tenant_id NULL: POI and KB
# invitations, the POI advisers' kwartaaloverzicht), so tenant_id cannot lead a key: a reference table with
# row-level security for Citus.
MIXED_TABLES = {"invitations", "quarterly_mails"}
TENANT_POLICY = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"


async def _tables(conn, app_role: str) -> dict[str, tuple[bool, bool, bool, bool]]:
    """Every table of the schema: (rls enabled, forced, has tenant_id, has the tenant policy for the app role)."""
    rows = (
        await conn.execute(
            text("""
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                       AND NOT a.attisdropped) AS has_tenant,
               EXISTS (SELECT 1 FROM pg_policy p
                       WHERE p.polrelid = c.oid AND p.polcmd = '*' AND p.polpermissive
                         AND p.polroles = ARRAY[(SELECT oid FROM pg_roles WHERE rolname = :app)]::oid[]
                         AND pg_get_expr(p.polqual, p.polrelid) = :policy
                         AND pg_get_expr(p.polwithcheck, p.polrelid) = :policy) AS has_policy
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"""),
            {"app": app_role, "policy": TENANT_POLICY},
        )
    ).all()
    return {r.relname: (r.relrowsecurity, r.relforcerowsecurity, r.has_tenant, r.has_policy) for r in rows}


def _documented_platform_tables() -> set[str]:
    decisions = (ROOT / "docs" / "decisions.md").read_text()
    section = re.search(
        r"^## [^\n]*Platform tables carry no tenant policy\n(.*?)(?=^## |\Z)", decisions, re.M | re.S
    )
    assert section, "docs/decisions.md has no section 'Platform tables carry no tenant policy'"
    listed = re.search(r"^Platform tables: (.*?)\.(?:\s|$)", section.group(1), re.M | re.S)
    assert listed, "the section has no sentence 'Platform tables: `a`, `b` …'"
    return set(re.findall(r"`([a-z_]+)`", listed.group(1)))


async def test_every_table_is_a_platform_table_or_under_the_tenant_policy(container, settings):
    async with container.reader.platform() as conn:
        tables = await _tables(conn, settings.app_role)
    assert len(tables) > len(PLATFORM_TABLES), "no library tables found"
    problems = {
        t: dict(zip(("rls", "forced", "tenant_id", "tenant_policy"), v, strict=True))
        for t, v in tables.items()
        if t not in PLATFORM_TABLES and v != (True, True, True, True)
    }
    assert problems == {}, "a table that is neither a platform table nor under the tenant policy"
    assert PLATFORM_TABLES <= set(tables), "a platform table that does not exist"


def test_the_platform_tables_are_the_ones_the_decisions_name():
    assert _documented_platform_tables() == PLATFORM_TABLES


async def test_every_primary_and_unique_key_of_a_library_table_leads_with_tenant_id(container, settings):
    async with container.reader.platform() as conn:
        tables = await _tables(conn, settings.app_role)
        rows = (
            await conn.execute(
                text("""
            SELECT t.relname AS table_name, i.relname AS index_name,
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = x.indkey[0])
                     AS first_column
            FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary)""")
            )
        ).all()
    wrong = [
        (r.table_name, r.index_name, r.first_column)
        for r in rows
        if r.table_name not in PLATFORM_TABLES | MIXED_TABLES
        and r.table_name in tables
        and r.first_column != "tenant_id"
    ]
    assert wrong == []
