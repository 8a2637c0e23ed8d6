"""Planning: opening status read model, notices with their deliveries (transactional outbox), inbox reads."""

from infra.migrations.roles import script, tenant_table

revision = "0004_planning"
down_revision = "0003_question_stats"
branch_labels = None
depends_on = None

OPENING_STATUS = """
  tenant_id uuid NOT NULL REFERENCES tenants,
  location_id uuid NOT NULL,
  name text NOT NULL,
  branch text NOT NULL,
  variant text NOT NULL,
  inside_library boolean NOT NULL,
  subsidy_year integer NOT NULL,
  status text NOT NULL,
  first_planned date NOT NULL,
  planned date NOT NULL,
  opened_on date,
  closed_from date,
  closed_until date,
  delay_days integer NOT NULL DEFAULT 0,
  subsidy_year_slipped boolean NOT NULL DEFAULT false,
  steps text[] NOT NULL DEFAULT '{}',
  slots jsonb NOT NULL DEFAULT '[]',
  holidays date[] NOT NULL DEFAULT '{}',
  hours_per_week numeric(5, 2) NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, location_id)"""


def upgrade() -> None:
    script("ALTER TABLE tenants ADD COLUMN province text")
    for table in ("rm_opening_status_v1", "rm_opening_status_v1_rebuild"):
        script(f"CREATE TABLE {table} ({OPENING_STATUS}\n)")
        tenant_table(table)
    script("""
    CREATE TABLE notices (
      tenant_id uuid NOT NULL REFERENCES tenants,
      notice_id uuid NOT NULL,
      dedupe_key text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('rescheduled', 'opening_overdue')),
      location_id uuid NOT NULL,
      poi_id uuid NOT NULL REFERENCES pois,
      to_kb boolean NOT NULL DEFAULT false,
      subject text NOT NULL,
      body jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, notice_id),
      UNIQUE (tenant_id, dedupe_key)
    );
    CREATE INDEX notices_poi ON notices (tenant_id, poi_id, created_at);
    CREATE TABLE notice_deliveries (
      tenant_id uuid NOT NULL REFERENCES tenants,
      notice_id uuid NOT NULL,
      channel text NOT NULL CHECK (channel IN ('email:poi', 'email:kb', 'email:coordinator', 'webhook:poi',
                                               'webhook:kb')),
      recipient text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      delivered_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, notice_id, channel),
      FOREIGN KEY (tenant_id, notice_id) REFERENCES notices
    );
    CREATE INDEX notice_deliveries_due ON notice_deliveries (tenant_id, status, next_attempt_at);
    CREATE TABLE delivery_attempts (
      tenant_id uuid NOT NULL REFERENCES tenants,
      notice_id uuid NOT NULL,
      channel text NOT NULL,
      attempt integer NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      outcome text NOT NULL CHECK (outcome IN ('delivered', 'error')),
      detail text NOT NULL DEFAULT '',
      PRIMARY KEY (tenant_id, notice_id, channel, attempt)
    );
    CREATE TABLE notice_reads (
      tenant_id uuid NOT NULL REFERENCES tenants,
      notice_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
      read_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, notice_id, user_id),
      FOREIGN KEY (tenant_id, notice_id) REFERENCES notices
    )
    """)
    for table in ("notices", "notice_deliveries", "delivery_attempts", "notice_reads"):
        tenant_table(table)


def downgrade() -> None:
    script("""DROP TABLE notice_reads;
DROP TABLE delivery_attempts;
DROP TABLE notice_deliveries;
DROP TABLE notices;
DROP TABLE rm_opening_status_v1_rebuild;
DROP TABLE rm_opening_status_v1;
ALTER TABLE tenants DROP COLUMN province""")
