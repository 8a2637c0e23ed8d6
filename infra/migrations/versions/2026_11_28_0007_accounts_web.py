"""Accounts on the web: invitations and password resets (tokens stored as sha256), and the admin audit log."""

from infra.migrations.roles import grant, script

revision = "0007_accounts_web"
down_revision = "0006_courses"
branch_labels = None
depends_on = None

ROLES = "'desk', 'coordinator', 'poi_adviser', 'kb_analyst', 'platform_admin'"


def upgrade() -> None:
    script(f"""
    CREATE TABLE invitations (
      invitation_id uuid PRIMARY KEY,
      token_hash bytea NOT NULL UNIQUE,
      email text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
      role text NOT NULL CHECK (role IN ({ROLES})),
      tenant_id uuid REFERENCES tenants,
      poi_id uuid REFERENCES pois,
      invited_by uuid REFERENCES users,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      user_id uuid REFERENCES users,
      CHECK (CASE role WHEN 'desk' THEN tenant_id IS NOT NULL AND poi_id IS NULL
                       WHEN 'coordinator' THEN tenant_id IS NOT NULL AND poi_id IS NULL
                       WHEN 'poi_adviser' THEN poi_id IS NOT NULL AND tenant_id IS NULL
                       ELSE tenant_id IS NULL AND poi_id IS NULL END)
    );
    CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at) WHERE tenant_id IS NOT NULL;
    CREATE INDEX invitations_poi ON invitations (poi_id, created_at) WHERE poi_id IS NOT NULL;
    CREATE INDEX invitations_email ON invitations (email);
    CREATE TABLE password_resets (
      reset_id uuid PRIMARY KEY,
      token_hash bytea NOT NULL UNIQUE,
      user_id uuid REFERENCES users ON DELETE CASCADE,  -- NULL: asked for an address without an account
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX password_resets_user ON password_resets (user_id);
    CREATE TABLE admin_audit (
      audit_id uuid PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor uuid REFERENCES users,
      action text NOT NULL CHECK (length(action) BETWEEN 1 AND 60),
      object_kind text NOT NULL CHECK (object_kind IN ('poi', 'library', 'user', 'invitation')),
      object_id uuid,
      details jsonb NOT NULL DEFAULT '{{}}'
    );
    CREATE INDEX admin_audit_at ON admin_audit (at DESC)
    """)
    # tokens are only ever looked up by hash; the reader role (reports) has no business with them
    grant("invitations", "SELECT, INSERT, UPDATE", reader="")
    grant("password_resets", "SELECT, INSERT, UPDATE", reader="")
    # the audit log is append-only for the application
    grant("admin_audit", "SELECT, INSERT", reader="")


def downgrade() -> None:
    script("DROP TABLE admin_audit, password_resets, invitations")
