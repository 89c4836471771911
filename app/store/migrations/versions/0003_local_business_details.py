"""Local store: divorce and reissue cases (their business facts and the forms signed on the pad).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

`counter_case.details` holds the business facts of a divorce or reissue case as JSON
(app.store.details); it is empty for a marriage. `case_form_signature` holds one
signature per (form, role): a divorce registration has three signed forms per party.
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
    with op.batch_alter_table("counter_case") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "case_form_signature",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("strokes_json", sa.Text(), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("declaration_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=40), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("row_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["counter_case.case_id"],
            name=op.f("fk_case_form_signature_case_id_counter_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "form", "role", name=op.f("pk_case_form_signature")),
    )


def downgrade() -> None:
    op.drop_table("case_form_signature")
    with op.batch_alter_table("counter_case") as batch:
        batch.drop_column("details")
