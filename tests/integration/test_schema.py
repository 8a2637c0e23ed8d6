"""The schema is ready for Citus and for row-level security: every library table has RLS on (ENABLE + FORCE),
and every primary and unique key of such a table leads with tenant_id."""

from __future__ import annotations

from sqlalchemy import text

# Read before a library is known (login, token check, POI/KB scope) or across libraries: reference tables.
PLATFORM_TABLES = {
    "pois",
    "tenants",
    "users",
    "memberships",
    "api_tokens",
    "alembic_version",
    "invitations",
    "password_resets",
    "admin_audit",
    "report_bundles",
}


async def _tables(conn) -> dict[str, tuple[bool, bool, bool]]:
    rows = (
        await conn.execute(
            text("""
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                       AND NOT a.attisdropped) AS has_tenant
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'""")
        )
    ).all()
    return {r.relname: (r.relrowsecurity, r.relforcerowsecurity, r.has_tenant) for r in rows}


async def test_every_library_table_has_tenant_id_and_forced_row_level_security(container):
    async with container.reader.platform() as conn:
        tables = await _tables(conn)
    library_tables = {t for t in tables if t not in PLATFORM_TABLES}
    assert library_tables, "no tables found"
    problems = {t: v for t, v in tables.items() if t in library_tables and v != (True, True, True)}
    assert problems == {}, "(rls, forced, tenant_id) per table"


async def test_every_primary_and_unique_key_of_a_library_table_leads_with_tenant_id(container):
    async with container.reader.platform() as conn:
        tables = await _tables(conn)
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
        if r.table_name not in PLATFORM_TABLES and r.table_name in tables and r.first_column != "tenant_id"
    ]
    assert wrong == []
