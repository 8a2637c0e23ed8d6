"""The kwartaaloverzicht by e-mail (issue 16, item 7): each user's choice (on unless turned off; when it was last
turned on, so that turning it on again sends no quarter that passed), and one row per mail, claimed before it is
sent (unique per user, library or POI, and quarter), with the state of its delivery as the notices' outbox has.

A coordinator's mail is a row of the library (tenant_id), under the tenant policy; an adviser's mail is about a
POI and belongs to no library (tenant_id NULL), seen only outside a tenant transaction, as POI invitations are
(0009_invitations_rls). The reader role (the sweep) reads them all."""

from infra.migrations.roles import app_role, script, tenant_table

revision = "0017_quarterly_mail"
down_revision = "0015_gemeenten"
branch_labels = None
depends_on = None

CURRENT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    script("""
    ALTER TABLE users ADD COLUMN quarterly_mail boolean NOT NULL DEFAULT true,
                      ADD COLUMN quarterly_mail_since timestamptz;
    CREATE TABLE quarterly_mails (
      mail_id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
      tenant_id uuid REFERENCES tenants,
      poi_id uuid REFERENCES pois,
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
      quarter integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      delivered_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((tenant_id IS NULL) <> (poi_id IS NULL))
    );
    CREATE UNIQUE INDEX quarterly_mails_once ON quarterly_mails
      (user_id, year, quarter, coalesce(tenant_id, poi_id));
    CREATE INDEX quarterly_mails_due ON quarterly_mails (tenant_id, status, next_attempt_at)
    """)
    tenant_table("quarterly_mails", app="SELECT, INSERT, UPDATE")
    script(f"""
    CREATE POLICY quarterly_mails_platform ON quarterly_mails TO {app_role()}
      USING (tenant_id IS NULL AND {CURRENT} IS NULL) WITH CHECK (tenant_id IS NULL AND {CURRENT} IS NULL)
    """)


def downgrade() -> None:
    script("""
    DROP TABLE quarterly_mails;
    ALTER TABLE users DROP COLUMN quarterly_mail_since, DROP COLUMN quarterly_mail
    """)
