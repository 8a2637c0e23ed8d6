"""The desk: local referral partners and request idempotency keys."""

from infra.migrations.roles import script, tenant_table

revision = "0002_desk"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    script("""
    CREATE TABLE partners (
      tenant_id uuid NOT NULL REFERENCES tenants,
      partner_id uuid NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind text NOT NULL,
      phone text NOT NULL DEFAULT '',
      email text NOT NULL DEFAULT '',
      website text NOT NULL DEFAULT '',
      address text NOT NULL DEFAULT '',
      helps_with text NOT NULL DEFAULT '',
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, partner_id)
    );
    CREATE TABLE idempotency_keys (
      tenant_id uuid NOT NULL REFERENCES tenants,
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
      request_hash bytea NOT NULL,
      status integer,
      response jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, key)
    );
    CREATE INDEX idempotency_keys_age ON idempotency_keys (tenant_id, created_at)
    """)
    tenant_table("partners")
    tenant_table("idempotency_keys")


def downgrade() -> None:
    script("DROP TABLE idempotency_keys;\nDROP TABLE partners")
