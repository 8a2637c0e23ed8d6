"""Read models of question statistics (v1), each with a shadow table for rebuilds."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables

revision = "0003_question_stats"
down_revision = "0002_desk"
branch_labels = None
depends_on = None

TABLES = {
    "rm_question_counts_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      npd_party text NOT NULL,
      topic text NOT NULL,
      kind text NOT NULL,
      help text NOT NULL,
      channel text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, npd_party, topic, kind, help, channel)""",
    "rm_question_hours_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, hour)""",
    "rm_referrals_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      partner_id uuid NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, partner_id)""",
}


def upgrade() -> None:
    read_model_tables(TABLES)


def downgrade() -> None:
    drop_read_model_tables(TABLES)
