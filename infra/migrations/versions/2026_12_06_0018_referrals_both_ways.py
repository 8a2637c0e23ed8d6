"""Referrals both ways, warm and cold (issue 19): rm_referrals_v3 (day × location × direction × partner × kind of
question × warmth, with a shadow table for rebuilds and the tenant policy), filled by the new projection
referrals.v3, which starts from the beginning of the feed, so the table fills from every event already stored.
It counts every referral to a local partner (`naar`; one naming no listed partner under the nil partner id, with
its warmth: 'warm', 'koud' or '' when not recorded) and every visitor sent by one (`door`, warmth ''). rm_referrals_v2
(the referrals naming a partner, without warmth) is read by nothing any more: it goes. A downgrade brings it back
from rm_referrals_v3's referrals to listed partners, summed over the warmth."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables, script

revision = "0018_referrals_both_ways"
down_revision = "0017_quarterly_mail"
branch_labels = None
depends_on = None

TABLES = {
    "rm_referrals_v3": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      direction text NOT NULL CHECK (direction IN ('naar', 'door')),
      partner_id uuid NOT NULL,
      kind text NOT NULL,
      warmth text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, direction, partner_id, kind, warmth)""",
}
OLD = {
    "rm_referrals_v2": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      partner_id uuid NOT NULL,
      kind text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, partner_id, kind)""",
}


def upgrade() -> None:
    read_model_tables(TABLES)
    drop_read_model_tables(OLD)


def downgrade() -> None:
    read_model_tables(OLD)
    # the owner reads and writes past the tenant policies only while they are not forced on it
    script("""
    ALTER TABLE rm_referrals_v3 NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE rm_referrals_v2 NO FORCE ROW LEVEL SECURITY;
    INSERT INTO rm_referrals_v2 (tenant_id, day, location_id, partner_id, kind, count)
    SELECT tenant_id, day, location_id, partner_id, kind, sum(count) FROM rm_referrals_v3
    WHERE direction = 'naar' AND partner_id <> '00000000-0000-0000-0000-000000000000'
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(count) <> 0;
    ALTER TABLE rm_referrals_v2 FORCE ROW LEVEL SECURITY
    """)
    drop_read_model_tables(TABLES)
