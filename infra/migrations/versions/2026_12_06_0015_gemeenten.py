"""The gemeente of an IDO location (issue 16): rm_opening_status_v2, the opening-status read model with the
location's gemeente (CBS code, the version of the list of gemeenten it is from, and the name and province looked
up in that version), with a shadow table for rebuilds and the tenant policy. It is filled by the new projection
opening_status.v2, which starts from the beginning of the feed, so it fills from every event already stored.
rm_opening_status_v1 is read by nothing any more: it goes, with the checkpoints of opening_status.v1. A downgrade
brings it back, filled from rm_opening_status_v2, and opening_status.v1 (without a checkpoint) folds every
location again from the beginning."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables, script

revision = "0015_gemeenten"
down_revision = "0014_network"
branch_labels = None
depends_on = None

V1_COLUMNS = """
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
      planned_passed_noted boolean NOT NULL DEFAULT false,
      year_ended boolean NOT NULL DEFAULT false,"""
TABLES = {
    "rm_opening_status_v2": V1_COLUMNS
    + """
      gemeente text,
      gemeente_list text,
      gemeente_name text,
      gemeente_province text,
      PRIMARY KEY (tenant_id, location_id)""",
}
OLD = {"rm_opening_status_v1": V1_COLUMNS + "\n      PRIMARY KEY (tenant_id, location_id)"}
COPIED = (
    "tenant_id, location_id, name, branch, variant, inside_library, subsidy_year, status, first_planned, planned, "
    "opened_on, closed_from, closed_until, delay_days, subsidy_year_slipped, steps, slots, holidays, "
    "hours_per_week, updated_at, planned_passed_noted, year_ended"
)


def upgrade() -> None:
    read_model_tables(TABLES)
    drop_read_model_tables(OLD)
    _forget("opening_status.v1")


def _forget(projection: str) -> None:
    """Delete a projection's checkpoints in every library (past the forced tenant policy, for the owner only)."""
    script(f"""
    ALTER TABLE projection_checkpoints NO FORCE ROW LEVEL SECURITY;
    DELETE FROM projection_checkpoints WHERE projection = '{projection}';
    ALTER TABLE projection_checkpoints FORCE ROW LEVEL SECURITY
    """)


def downgrade() -> None:
    read_model_tables(OLD)
    # the owner reads and writes past the tenant policies only while they are not forced on it
    script(f"""
    ALTER TABLE rm_opening_status_v2 NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE rm_opening_status_v1 NO FORCE ROW LEVEL SECURITY;
    INSERT INTO rm_opening_status_v1 ({COPIED}) SELECT {COPIED} FROM rm_opening_status_v2;
    ALTER TABLE rm_opening_status_v1 FORCE ROW LEVEL SECURITY
    """)
    drop_read_model_tables(TABLES)
    _forget("opening_status.v2")
