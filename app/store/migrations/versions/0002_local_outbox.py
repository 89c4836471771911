"""Local store: the sync outbox and the archive files kept until the central store confirms them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Instants the outbox compares in SQL ("due now") are UTC (app.store.sqltypes.UtcDateTime,
stored by SQLite as naive UTC text); they are spelled as plain DateTime here so this
revision never changes when the Python type does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reg_uuid", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _UTC, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.CheckConstraint("kind IN ('registration', 'archive')", name=op.f("ck_outbox_kind")),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'acknowledged', 'failed')", name=op.f("ck_outbox_state")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_attempts")),
        sa.ForeignKeyConstraint(["case_id"], ["counter_case.case_id"], name=op.f("fk_outbox_case_id_counter_case")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("kind", "reg_uuid", name=op.f("uq_outbox_kind_reg_uuid")),
    )
    op.create_index(op.f("ix_outbox_case_id"), "outbox", ["case_id"])
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])

    op.create_table(
        "archive_file",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["counter_case.case_id"], name=op.f("fk_archive_file_case_id_counter_case")
        ),
        sa.PrimaryKeyConstraint("case_id", "name", name=op.f("pk_archive_file")),
    )


def downgrade() -> None:
    op.drop_table("archive_file")
    op.drop_index("ix_outbox_state_next_attempt_at", table_name="outbox")
    op.drop_index(op.f("ix_outbox_case_id"), table_name="outbox")
    op.drop_table("outbox")
