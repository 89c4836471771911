"""Certificate reissues (补领) and the void note of a dissolved marriage's certificates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-13

- `certificate.void_note` (nullable): set by the divorce registration, in its own
  transaction, on the marriage certificate (J) and every reissue of it (BJ);
- `certificate_reissue`: one row per reissued certificate (BJ… replacing a J…, BL…
  replacing an L…), keyed by the reissue's registration UUID. The check constraint
  ties the new certificate's kind to the original's;
- indexes on divorce_application for the lookups by marriage (any status) and by
  office and acceptance date (the counter's queue, the receipt number).

Additive only: a nullable column (SQLite: a plain ALTER TABLE … ADD COLUMN, no rebuild
of `certificate`, which other tables reference), a table and indexes. Counters of
schema 0002 keep working on it. On PostgreSQL, `central migrate` re-grants the counter role
afterwards (app/central/admin.py, COUNTER_GRANTS).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # recreate="never": adding a nullable column needs no table rebuild on SQLite, and a
    # rebuild of `certificate` (referenced by marriage, divorce_completion) must not happen.
    with op.batch_alter_table("certificate", recreate="never") as batch:
        batch.add_column(sa.Column("void_note", sa.String(length=40), nullable=True))

    op.create_table(
        "certificate_reissue",
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.Column("certificate_no", sa.String(length=24), nullable=False),
        sa.Column("original_certificate_no", sa.String(length=24), nullable=False),
        sa.Column("person_key", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        # BJ replaces a J, BL an L.
        sa.CheckConstraint(
            "substr(original_certificate_no, 1, 1) IN ('J', 'L') "
            "AND substr(certificate_no, 1, 2) = 'B' || substr(original_certificate_no, 1, 1)",
            name=op.f("ck_certificate_reissue_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_no"],
            ["certificate.certificate_no"],
            name=op.f("fk_certificate_reissue_certificate_no_certificate"),
        ),
        sa.ForeignKeyConstraint(
            ["original_certificate_no"],
            ["certificate.certificate_no"],
            name=op.f("fk_certificate_reissue_original_certificate_no_certificate"),
        ),
        sa.ForeignKeyConstraint(
            ["reg_uuid"], ["registration.reg_uuid"], name=op.f("fk_certificate_reissue_reg_uuid_registration")
        ),
        sa.PrimaryKeyConstraint("reg_uuid", name=op.f("pk_certificate_reissue")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_certificate_reissue_certificate_no")),
    )
    # The reissues of a certificate: voided with it at divorce, and found by record_by_certificate.
    op.create_index(
        "ix_certificate_reissue_original_certificate_no", "certificate_reissue", ["original_certificate_no"]
    )

    # A marriage's applications in any status (the partial unique index covers only
    # pending ones): its records and the divorce that dissolved it.
    op.create_index("ix_divorce_application_marriage_id", "divorce_application", ["marriage_id"])
    # An office's queue (since a day) and the receipt-number lookup (office, day, UUID prefix).
    op.create_index(
        "ix_divorce_application_office_code_accepted_on", "divorce_application", ["office_code", "accepted_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_divorce_application_office_code_accepted_on", table_name="divorce_application")
    op.drop_index("ix_divorce_application_marriage_id", table_name="divorce_application")
    op.drop_index("ix_certificate_reissue_original_certificate_no", table_name="certificate_reissue")
    op.drop_table("certificate_reissue")
    with op.batch_alter_table("certificate") as batch:
        batch.drop_column("void_note")
