"""Courses read model (v1): one row per course, and attendance per session."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables

revision = "0006_courses"
down_revision = "0005_append_function"
branch_labels = None
depends_on = None

TABLES = {
    "rm_courses_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      course_id uuid NOT NULL,
      programme text NOT NULL,
      title text NOT NULL,
      location_id uuid NOT NULL,
      start_date date NOT NULL,
      sessions integer NOT NULL,
      capacity integer NOT NULL,
      status text NOT NULL,
      enrolled integer NOT NULL,
      withdrawn integer NOT NULL,
      cursisten integer NOT NULL,
      completed integer NOT NULL,
      via_desk integer NOT NULL,
      cursisten_via_desk integer NOT NULL,
      last_session_on date,
      PRIMARY KEY (tenant_id, course_id)""",
    "rm_course_sessions_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      course_id uuid NOT NULL,
      session integer NOT NULL,
      held_on date NOT NULL,
      present integer NOT NULL,
      PRIMARY KEY (tenant_id, course_id, session)""",
}


def upgrade() -> None:
    read_model_tables(TABLES)


def downgrade() -> None:
    drop_read_model_tables(TABLES)
