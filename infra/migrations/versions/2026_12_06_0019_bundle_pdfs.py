"""Every library's PDF in the national bundle: a row per library and bundle, claimed by any worker process that
renders it (a lease per row), holding the report to render until its PDF is there; a PDF is kept with its
fingerprint, so a later bundle of the same report takes it over instead of rendering it again."""

from infra.migrations.roles import grant, script

revision = "0019_bundle_pdfs"
down_revision = "0018_referrals_both_ways"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A platform table like report_bundles (the KB's files, not a library's: the report is the one without the
    # library's survey), read and written by the bundle's tasks only and gone with its bundle.
    script("""
    CREATE TABLE report_bundle_pdfs (
      bundle_id uuid NOT NULL REFERENCES report_bundles ON DELETE CASCADE,
      tenant_id uuid NOT NULL,
      fingerprint text NOT NULL,
      size integer NOT NULL,
      report bytea,
      pdf bytea,
      owner text,
      lease_until timestamptz,
      claims integer NOT NULL DEFAULT 0,
      rendered_by text,
      rendered_at timestamptz,
      PRIMARY KEY (bundle_id, tenant_id),
      CHECK (pdf IS NOT NULL OR report IS NOT NULL)
    );
    CREATE INDEX report_bundle_pdfs_kept ON report_bundle_pdfs (tenant_id, fingerprint) WHERE pdf IS NOT NULL
    """)
    grant("report_bundle_pdfs", "SELECT, INSERT, UPDATE, DELETE")


def downgrade() -> None:
    script("DROP TABLE report_bundle_pdfs")
