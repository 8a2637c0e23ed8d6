"""Invitations under row-level security: a library's only in its own tenant transaction, POI and KB invitations
(no tenant) only outside one; a link is looked up by its hash through one SECURITY DEFINER function."""

from alembic import op

from infra.migrations.roles import app_role, script

revision = "0009_invitations_rls"
down_revision = "0008_report_bundles"
branch_labels = None
depends_on = None

CURRENT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
# Set only inside the function below: the owner, bound by FORCE like everyone, sees invitations there alone.
LINK = "current_setting('app.invitation_link', true) = 'on'"


def upgrade() -> None:
    app = app_role()
    script(f"""
    ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
    CREATE POLICY invitations_tenant ON invitations TO {app}
      USING (tenant_id = {CURRENT}) WITH CHECK (tenant_id = {CURRENT});
    CREATE POLICY invitations_platform ON invitations TO {app}
      USING (tenant_id IS NULL AND {CURRENT} IS NULL) WITH CHECK (tenant_id IS NULL AND {CURRENT} IS NULL);
    CREATE POLICY invitations_link ON invitations FOR SELECT TO CURRENT_USER USING ({LINK})
    """)
    # The link page knows no tenant before it has the invitation: one row by the hash of its secret token. (A
    # SET clause of the function could not name app.invitation_link: PostgreSQL 15 lets only a superuser do that.)
    op.execute("""
    CREATE FUNCTION ido_invitation_by_link(h bytea) RETURNS SETOF invitations
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
      PERFORM set_config('app.invitation_link', 'on', true);
      RETURN QUERY SELECT * FROM public.invitations WHERE token_hash = h;
      PERFORM set_config('app.invitation_link', '', true);
    END $$""")
    op.execute("REVOKE ALL ON FUNCTION ido_invitation_by_link(bytea) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION ido_invitation_by_link(bytea) TO {app}")


def downgrade() -> None:
    script("""
    DROP FUNCTION ido_invitation_by_link(bytea);
    DROP POLICY invitations_link ON invitations;
    DROP POLICY invitations_platform ON invitations;
    DROP POLICY invitations_tenant ON invitations;
    ALTER TABLE invitations NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE invitations DISABLE ROW LEVEL SECURITY
    """)
