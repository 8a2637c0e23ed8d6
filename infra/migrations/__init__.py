"""Alembic migrations (async env, dated file names); run as the schema-owning role by `ido migrate`."""
