"""Helpers for migrations: the non-owner roles, their grants, and row-level security per tenant table."""

from __future__ import annotations

import re

from alembic import op
from alembic.operations import Operations

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _settings():
    return op.get_context().config.attributes["settings"]


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"invalid role name {name!r}")
    return name


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def app_role() -> str:
    return _ident(_settings().app_role)


def reader_role() -> str:
    return _ident(_settings().reader_role)


def ensure_roles() -> None:
    """Create (or correct) the app and reader login roles: never superuser, never BYPASSRLS."""
    s = _settings()
    for role, password in ((app_role(), s.app_password), (reader_role(), s.reader_password)):
        attrs = f"LOGIN PASSWORD {_literal(password)} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
        op.execute(f"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) THEN
                CREATE ROLE {role} {attrs};
              ELSE
                ALTER ROLE {role} {attrs};
              END IF;
            END $$""")
        op.execute(
            f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', current_database()); END $$"
        )
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")


def script(sql: str) -> None:
    """Run several DDL statements (asyncpg prepares one statement per call)."""
    for statement in sql.split(";\n"):
        if statement.strip():
            op.execute(statement)


def grant(table: str, app: str, reader: str = "SELECT") -> None:
    if app:
        op.execute(f"GRANT {app} ON {table} TO {app_role()}")
    if reader:
        op.execute(f"GRANT {reader} ON {table} TO {reader_role()}")


def tenant_table(table: str, app: str = "SELECT, INSERT, UPDATE, DELETE") -> None:
    """ENABLE + FORCE row-level security: the app role sees only the tenant named by SET LOCAL app.tenant_id
    (no setting: no rows); the reader role reads across tenants through a policy of its own."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    current = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    op.execute(
        f"CREATE POLICY {table}_tenant ON {table} TO {app_role()} "
        f"USING (tenant_id = {current}) WITH CHECK (tenant_id = {current})"
    )
    op.execute(f"CREATE POLICY {table}_reader ON {table} FOR SELECT TO {reader_role()} USING (true)")
    grant(table, app)


def read_model_tables(tables: dict[str, str]) -> None:
    """Create each read-model table with its `_rebuild` shadow (same columns, same policies): a rebuild
    replays into the shadow and swaps it in."""
    for name, columns in tables.items():
        for table in (name, f"{name}_rebuild"):
            script(f"CREATE TABLE {table} ({columns}\n)")
            tenant_table(table)


def drop_read_model_tables(tables: dict[str, str]) -> None:
    for name in tables:
        script(f"DROP TABLE {name};\nDROP TABLE {name}_rebuild")


__all__ = [
    "Operations",
    "app_role",
    "ensure_roles",
    "grant",
    "reader_role",
    "read_model_tables",
    "drop_read_model_tables",
    "script",
    "tenant_table",
]
