"""The local network (issue 19): the partner entries of the sociaal-educatieve kaart get the catalogue topics they
help with, when they can be reached, how to refer, the link to their entry on HetInformatiepunt.nl / G!DS and the
date of their last check (NULL: not checked since it was entered, which shows as due for a check)."""

from infra.migrations.roles import script

revision = "0012_network"
down_revision = "0011_planning_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    script("""
    ALTER TABLE partners ADD COLUMN topics text[] NOT NULL DEFAULT '{}',
                         ADD COLUMN hours text NOT NULL DEFAULT '',
                         ADD COLUMN professional_phone text NOT NULL DEFAULT '',
                         ADD COLUMN referral_ways text[] NOT NULL DEFAULT '{}',
                         ADD COLUMN gids_url text NOT NULL DEFAULT '',
                         ADD COLUMN checked_on date
    """)


def downgrade() -> None:
    script("""
    ALTER TABLE partners DROP COLUMN checked_on, DROP COLUMN gids_url, DROP COLUMN referral_ways,
                         DROP COLUMN professional_phone, DROP COLUMN hours, DROP COLUMN topics
    """)
