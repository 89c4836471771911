"""Local store: cases and their parties, documents, signatures, outcomes, registration, forms.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Time values are ISO 8601 text with their UTC offset (app.store.sqltypes.IsoDateTime);
they are spelled as plain strings here so this revision never changes when the Python
type does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISO_DATETIME = sa.String(length=40)


def _case_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["counter_case.case_id"],
            name=op.f(f"fk_{table}_case_id_counter_case"),
            ondelete="CASCADE",
        ),
    ]


def _digest() -> sa.Column[str]:
    return sa.Column("row_digest", sa.String(length=64), nullable=False)


def upgrade() -> None:
    op.create_table(
        "counter_case",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("business", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("counter_id", sa.String(length=64), nullable=False),
        sa.Column("registrar", sa.String(length=64), nullable=False),
        sa.Column("created_at", _ISO_DATETIME, nullable=False),
        sa.Column("updated_at", _ISO_DATETIME, nullable=True),
        sa.Column("sort_key", sa.String(length=40), nullable=False),
        sa.Column("device_mode", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("voluntariness", sa.String(length=16), nullable=False),
        sa.Column("registration_uuid", sa.String(length=64), nullable=True),
        sa.Column("central_error", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_counter_case")),
        sa.UniqueConstraint("registration_uuid", name=op.f("uq_counter_case_registration_uuid")),
    )
    op.create_index(op.f("ix_counter_case_sort_key"), "counter_case", ["sort_key"])
    op.create_index(op.f("ix_counter_case_status"), "counter_case", ["status"])

    op.create_table(
        "case_party",
        *_case_id("case_party"),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("person_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("ethnicity_code", sa.String(length=4), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("issuing_authority", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("photo_png", sa.LargeBinary(), nullable=True),
        sa.Column("read_at", _ISO_DATETIME, nullable=False),
        sa.Column("reader_name", sa.String(length=200), nullable=False),
        sa.Column("declared_status", sa.String(length=2), nullable=False),
        sa.Column("occupation", sa.String(length=200), nullable=False),
        sa.Column("central_active_marriage", sa.String(length=40), nullable=True),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", "role", name=op.f("pk_case_party")),
    )
    op.create_index(op.f("ix_case_party_person_key"), "case_party", ["person_key"])

    op.create_table(
        "case_document",
        *_case_id("case_document"),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_class", sa.String(length=64), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("captured_at", _ISO_DATETIME, nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", "document_id", name=op.f("pk_case_document")),
    )

    op.create_table(
        "case_signature",
        *_case_id("case_signature"),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("strokes_json", sa.Text(), nullable=False),
        sa.Column("image_png", sa.LargeBinary(), nullable=False),
        sa.Column("declaration_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", _ISO_DATETIME, nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", "role", name=op.f("pk_case_signature")),
    )

    op.create_table(
        "case_rule_outcome",
        *_case_id("case_rule_outcome"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("party", sa.String(length=1), nullable=True),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", "position", name=op.f("pk_case_rule_outcome")),
    )

    op.create_table(
        "case_registration",
        *_case_id("case_registration"),
        sa.Column("certificate_no", sa.String(length=40), nullable=False),
        sa.Column("registered_at", _ISO_DATETIME, nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("duplicate_ack", sa.Boolean(), nullable=False),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_registration")),
    )

    op.create_table(
        "case_printed_form",
        *_case_id("case_printed_form"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=64), nullable=False),
        _digest(),
        sa.PrimaryKeyConstraint("case_id", "position", name=op.f("pk_case_printed_form")),
    )


def downgrade() -> None:
    for table in (
        "case_printed_form",
        "case_registration",
        "case_rule_outcome",
        "case_signature",
        "case_document",
        "case_party",
    ):
        op.drop_table(table)
    op.drop_table("counter_case")
