"""`ido_append` takes the instant to record: `recorded_at` comes from the application's clock (time is an input),
not from the database server's, so a test with a fixed clock sees the day it set. The column keeps its default."""

from alembic import op

from infra.migrations.roles import app_role, script

revision = "0010_append_recorded_at"
down_revision = "0009_invitations_rls"
branch_labels = None
depends_on = None

_BODY = """
    LANGUAGE plpgsql SECURITY INVOKER AS $$
    BEGIN
      PERFORM set_config('app.tenant_id', p_tenant::text, true);
      RETURN QUERY
      INSERT INTO events AS ev (tenant_id, stream_id, stream_version, event_id, event_type, schema_version, data,
                                metadata, recorded_at)
      SELECT p_tenant, p_stream,
             COALESCE(p_expected, (SELECT COALESCE(max(x.stream_version), 0) FROM events x
                                   WHERE x.tenant_id = p_tenant AND x.stream_id = p_stream)) + e.ord,
             e.id, e.type, e.version, e.data::jsonb, e.meta::jsonb, {recorded}
      FROM unnest(p_ids, p_types, p_versions, p_datas, p_metas) WITH ORDINALITY AS e(id, type, version, data, meta, ord)
      RETURNING ev.stream_version, ev.global_position;
    END $$
"""
_OLD_ARGS = "uuid, text, integer, uuid[], text[], integer[], text[], text[]"


def upgrade() -> None:
    op.execute(f"DROP FUNCTION ido_append({_OLD_ARGS})")
    op.execute(
        """
    CREATE FUNCTION ido_append(p_tenant uuid, p_stream text, p_expected integer, p_ids uuid[], p_types text[],
                               p_versions integer[], p_datas text[], p_metas text[], p_recorded timestamptz)
    RETURNS TABLE (stream_version integer, global_position bigint)"""
        + _BODY.replace("{recorded}", "p_recorded")
    )
    script(
        "REVOKE ALL ON FUNCTION ido_append FROM PUBLIC;\n"
        f"GRANT EXECUTE ON FUNCTION ido_append TO {app_role()}"
    )


def downgrade() -> None:
    op.execute(f"DROP FUNCTION ido_append({_OLD_ARGS}, timestamptz)")
    op.execute(
        """
    CREATE FUNCTION ido_append(p_tenant uuid, p_stream text, p_expected integer, p_ids uuid[], p_types text[],
                               p_versions integer[], p_datas text[], p_metas text[])
    RETURNS TABLE (stream_version integer, global_position bigint)"""
        + _BODY.replace("{recorded}", "now()")
    )
    script(
        "REVOKE ALL ON FUNCTION ido_append FROM PUBLIC;\n"
        f"GRANT EXECUTE ON FUNCTION ido_append TO {app_role()}"
    )
