"""Alembic environment: async engine as the owning role; role names come from the Settings passed in."""

import asyncio

from alembic import context

from infra.store.db import make_engine

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    settings = config.attributes["settings"]
    engine = make_engine(settings.database_url, null_pool=True, name="ido-migrate")
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
asyncio.run(_main())
