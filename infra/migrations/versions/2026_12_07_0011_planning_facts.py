"""Every planning fact is a notice (issue 17): the notice kinds of domain/planning_notices.py; in the opening-status
read model what the sweep noted (the planned date passed, the subsidy year ended), so that it looks only at what is
new; and an index to find a location's first question in the figures (the checklist's "first registration").

The new columns hold false for every existing row, which is right: no stream holds the new facts yet."""

from infra.migrations.roles import script

revision = "0011_planning_facts"
down_revision = "0010_append_recorded_at"
branch_labels = None
depends_on = None

KINDS = (
    "registered",
    "rescheduled",
    "opened",
    "opening_overdue",
    "subsidy_year_ended",
    "temporarily_closed",
    "reopened",
    "closed",
)


def upgrade() -> None:
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    script(f"""
    ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
    ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ({kinds}));
    ALTER TABLE rm_opening_status_v1 ADD COLUMN planned_passed_noted boolean NOT NULL DEFAULT false,
                                     ADD COLUMN year_ended boolean NOT NULL DEFAULT false;
    ALTER TABLE rm_opening_status_v1_rebuild ADD COLUMN planned_passed_noted boolean NOT NULL DEFAULT false,
                                             ADD COLUMN year_ended boolean NOT NULL DEFAULT false;
    CREATE INDEX rm_question_counts_v1_location ON rm_question_counts_v1 (tenant_id, location_id, day);
    CREATE INDEX rm_question_counts_v1_rebuild_location ON rm_question_counts_v1_rebuild (tenant_id, location_id, day)
    """)


def downgrade() -> None:
    script("""
    DROP INDEX rm_question_counts_v1_rebuild_location;
    DROP INDEX rm_question_counts_v1_location;
    ALTER TABLE rm_opening_status_v1_rebuild DROP COLUMN year_ended, DROP COLUMN planned_passed_noted;
    ALTER TABLE rm_opening_status_v1 DROP COLUMN year_ended, DROP COLUMN planned_passed_noted;
    ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
    ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('rescheduled', 'opening_overdue')) NOT VALID
    """)  # NOT VALID: the notices of the other kinds stay, the previous release writes none
