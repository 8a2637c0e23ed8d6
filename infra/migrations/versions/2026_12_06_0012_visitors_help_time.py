"""Read models of visitors and time spent (issue 16), each with a shadow table for rebuilds and the tenant policy:
visitors and questions per local day × location × hour (visitors.v1, with the registered questions of each visit
that it keeps to know a visit's first question), and questions per day × location × party × topic × duration
class (help_time.v1). New projections start from the beginning of the feed, so the tables fill from every
event already stored."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables, script

revision = "0012_visitors_help_time"
down_revision = "0011_planning_facts"
branch_labels = None
depends_on = None

TABLES = {
    "rm_visitors_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
      visitors integer NOT NULL,
      questions integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, hour)""",
    "rm_visit_questions_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      question_id uuid NOT NULL,
      visit_id uuid NOT NULL,
      location_id uuid NOT NULL,
      asked_at timestamptz NOT NULL,
      day date NOT NULL,
      hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
      PRIMARY KEY (tenant_id, question_id)""",
    "rm_help_time_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      npd_party text NOT NULL,
      topic text NOT NULL,
      duration text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, npd_party, topic, duration)""",
}


def upgrade() -> None:
    read_model_tables(TABLES)
    script("""
    CREATE INDEX rm_visit_questions_v1_visit ON rm_visit_questions_v1 (tenant_id, visit_id, asked_at, question_id);
    CREATE INDEX rm_visit_questions_v1_rebuild_visit ON rm_visit_questions_v1_rebuild (tenant_id, visit_id, asked_at, question_id)
    """)


def downgrade() -> None:
    drop_read_model_tables(TABLES)
