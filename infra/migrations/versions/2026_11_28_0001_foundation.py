"""Foundation: platform tables (POIs, libraries, users, memberships, API tokens), the event store, checkpoints."""

from alembic import op

from infra.migrations.roles import app_role, ensure_roles, grant, script, tenant_table

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_roles()
    script("""
    CREATE TABLE pois (
      poi_id uuid PRIMARY KEY,
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      email text,
      provinces text[] NOT NULL DEFAULT '{}',
      webhook_url text,
      webhook_secret text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE tenants (
      tenant_id uuid PRIMARY KEY,
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      poi_id uuid NOT NULL REFERENCES pois,
      municipalities text[] NOT NULL DEFAULT '{}',
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX tenants_poi ON tenants (poi_id);
    CREATE TABLE users (
      user_id uuid PRIMARY KEY,
      email text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
      password_hash text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_login_at timestamptz
    );
    CREATE UNIQUE INDEX users_email ON users (email);
    CREATE TABLE memberships (
      membership_id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('desk', 'coordinator', 'poi_adviser', 'kb_analyst', 'platform_admin')),
      tenant_id uuid REFERENCES tenants,
      poi_id uuid REFERENCES pois,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (CASE role WHEN 'desk' THEN tenant_id IS NOT NULL AND poi_id IS NULL
                       WHEN 'coordinator' THEN tenant_id IS NOT NULL AND poi_id IS NULL
                       WHEN 'poi_adviser' THEN poi_id IS NOT NULL AND tenant_id IS NULL
                       ELSE tenant_id IS NULL AND poi_id IS NULL END)
    );
    CREATE UNIQUE INDEX memberships_unique ON memberships
      (user_id, role, coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(poi_id, '00000000-0000-0000-0000-000000000000'));
    CREATE INDEX memberships_tenant ON memberships (tenant_id, user_id);
    CREATE TABLE api_tokens (
      token_id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
      name text NOT NULL,
      token_hash bytea NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    CREATE INDEX api_tokens_user ON api_tokens (user_id);

    CREATE TABLE events (
      tenant_id uuid NOT NULL REFERENCES tenants,
      stream_id text NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
      stream_version integer NOT NULL CHECK (stream_version > 0),
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      schema_version integer NOT NULL DEFAULT 1,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      global_position bigint GENERATED ALWAYS AS IDENTITY,
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, stream_id, stream_version),
      UNIQUE (tenant_id, event_id)
    );
    CREATE INDEX events_tenant_feed ON events (tenant_id, tx_id, global_position);
    CREATE INDEX events_tenant_type ON events (tenant_id, event_type, recorded_at);

    CREATE TABLE projection_checkpoints (
      projection text NOT NULL,
      tenant_id uuid NOT NULL REFERENCES tenants,
      last_tx_id xid8 NOT NULL DEFAULT '0',
      last_position bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, projection)
    );
    """)
    for table in ("pois", "tenants", "users", "memberships"):
        grant(table, "SELECT, INSERT, UPDATE")
    grant("memberships", "DELETE", reader="")
    grant("api_tokens", "SELECT, INSERT, UPDATE")
    # events are append-only for the application: no UPDATE, no DELETE
    tenant_table("events", app="SELECT, INSERT")
    tenant_table("projection_checkpoints")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app_role()}")
    grant("alembic_version", "SELECT")


def downgrade() -> None:
    op.execute("DROP TABLE projection_checkpoints, events, api_tokens, memberships, users, tenants, pois")
