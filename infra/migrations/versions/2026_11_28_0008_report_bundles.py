"""National verantwoording bundles: build status, progress, lease and the built files (bytea)."""

from infra.migrations.roles import grant, script

revision = "0008_report_bundles"
down_revision = "0007_accounts_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A platform table (no tenant_id): only the KB's pages and the bundle task use it. The files live here as
    # bytea, not on a disk: the web and worker processes run on different machines (see docker-compose.yml).
    script("""
    CREATE TABLE report_bundles (
      bundle_id uuid PRIMARY KEY,
      year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
      fingerprint text NOT NULL,
      built_fingerprint text,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
      done integer NOT NULL DEFAULT 0,
      total integer NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0,
      owner text,
      lease_until timestamptz,
      enqueued_at timestamptz NOT NULL DEFAULT now(),
      requested_by uuid,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      xlsx bytea,
      zip bytea
    );
    CREATE INDEX report_bundles_year ON report_bundles (year, status, created_at);
    CREATE INDEX report_bundles_pending ON report_bundles (status, lease_until) WHERE status IN ('queued', 'running')
    """)
    grant("report_bundles", "SELECT, INSERT, UPDATE, DELETE")


def downgrade() -> None:
    script("DROP TABLE report_bundles")
