"""The local network and the visitor's voice (issue 19): the partner entries of the sociaal-educatieve kaart get the
catalogue topics they help with, when they can be reached, how to refer, the link to their entry on
HetInformatiepunt.nl / G!DS and the date of their last check (NULL: not checked since it was entered, which shows
as due for a check); and the read model of the anonymous visitor survey (survey.v1), with a shadow table for
rebuilds and the tenant policy. A new projection starts from the beginning of the feed."""

from infra.migrations.roles import drop_read_model_tables, read_model_tables, script

revision = "0014_network"
down_revision = "0013_referrals_by_kind"
branch_labels = None
depends_on = None

TABLES = {
    "rm_survey_v1": """
      tenant_id uuid NOT NULL REFERENCES tenants,
      day date NOT NULL,
      location_id uuid NOT NULL,
      course_id uuid NOT NULL,
      question_set text NOT NULL,
      question text NOT NULL,
      answer text NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (tenant_id, day, location_id, course_id, question_set, question, answer)""",
}


def upgrade() -> None:
    script("""
    ALTER TABLE partners ADD COLUMN topics text[] NOT NULL DEFAULT '{}',
                         ADD COLUMN hours text NOT NULL DEFAULT '',
                         ADD COLUMN professional_phone text NOT NULL DEFAULT '',
                         ADD COLUMN referral_ways text[] NOT NULL DEFAULT '{}',
                         ADD COLUMN gids_url text NOT NULL DEFAULT '',
                         ADD COLUMN checked_on date
    """)
    read_model_tables(TABLES)


def downgrade() -> None:
    drop_read_model_tables(TABLES)
    script("""
    ALTER TABLE partners DROP COLUMN checked_on, DROP COLUMN gids_url, DROP COLUMN referral_ways,
                         DROP COLUMN professional_phone, DROP COLUMN hours, DROP COLUMN topics
    """)
