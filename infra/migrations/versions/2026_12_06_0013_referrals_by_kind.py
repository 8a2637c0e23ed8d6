"""Referrals per partner with the kind of question (issue 15): rm_referrals_v2 (day × location × partner × kind,
with a shadow table for rebuilds and the tenant policy), filled by the new projection referrals.v2, which starts
from the beginning of the feed, so the table fills from every event already stored. rm_referrals_v1 (without
the kind) is read by nothing any more and question_stats.v1 no longer writes it: it goes. A downgrade brings it
back, summed over the kinds from rm_referrals_v2."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables, script

revision = "0013_referrals_by_kind"
down_revision = "0012_visitors_help_time"
branch_labels = None
depends_on = None

TABLES = {
    "rm_referrals_v2": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      partner_id uuid NOT NULL,
      kind text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, partner_id, kind)""",
}
OLD = {
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
    drop_read_model_tables(OLD)


def downgrade() -> None:
    read_model_tables(OLD)
    # the owner reads and writes past the tenant policies only while they are not forced on it
    script("""
    ALTER TABLE rm_referrals_v2 NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE rm_referrals_v1 NO FORCE ROW LEVEL SECURITY;
    INSERT INTO rm_referrals_v1 (tenant_id, day, location_id, partner_id, count)
    SELECT tenant_id, day, location_id, partner_id, sum(count) FROM rm_referrals_v2
    GROUP BY 1, 2, 3, 4 HAVING sum(count) <> 0;
    ALTER TABLE rm_referrals_v1 FORCE ROW LEVEL SECURITY
    """)
    drop_read_model_tables(TABLES)
