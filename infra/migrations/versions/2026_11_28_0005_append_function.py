"""A one-round-trip append: sets the tenant for its own (autocommit) transaction and inserts the events.
It runs as the caller (SECURITY INVOKER), so row-level security and the grants still apply."""

from alembic import op

from infra.migrations.roles import app_role, script

revision = "0005_append_function"
down_revision = "0004_planning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION ido_append(p_tenant uuid, p_stream text, p_expected integer, p_ids uuid[], p_types text[],
                               p_versions integer[], p_datas text[], p_metas text[])
    RETURNS TABLE (stream_version integer, global_position bigint)
    LANGUAGE plpgsql SECURITY INVOKER AS $$
    BEGIN
      PERFORM set_config('app.tenant_id', p_tenant::text, true);
      RETURN QUERY
      INSERT INTO events AS ev (tenant_id, stream_id, stream_version, event_id, event_type, schema_version, data,
                                metadata)
      SELECT p_tenant, p_stream,
             COALESCE(p_expected, (SELECT COALESCE(max(x.stream_version), 0) FROM events x
                                   WHERE x.tenant_id = p_tenant AND x.stream_id = p_stream)) + e.ord,
             e.id, e.type, e.version, e.data::jsonb, e.meta::jsonb
      FROM unnest(p_ids, p_types, p_versions, p_datas, p_metas) WITH ORDINALITY AS e(id, type, version, data, meta, ord)
      RETURNING ev.stream_version, ev.global_position;
    END $$
    """)
    script(
        f"REVOKE ALL ON FUNCTION ido_append FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION ido_append TO {app_role()}"
    )


def downgrade() -> None:
    script("DROP FUNCTION ido_append")
