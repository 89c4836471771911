"""Divorce applications and completions, the electronic archive, status-lookup indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Every rule is a constraint (notes/central-store.md §2.1, §2.4):
- one open application per marriage: partial unique index on marriage_id WHERE pending;
- a divorce is completed at the accepting office: composite foreign key
  divorce_completion(app_uuid, office_code) → divorce_application(app_uuid, office_code);
- an archive file belongs to a registration of the storing office: composite foreign
  key archive_file(reg_uuid, office_code) → registration(reg_uuid, office_code).

Only tables and indexes are added: SQLite needs no table rebuild, and the existing
tables, referenced by foreign keys, stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The target of archive_file's composite foreign key.
    op.create_index("uq_registration_reg_uuid_office_code", "registration", ["reg_uuid", "office_code"], unique=True)
    # "Was this person ever married?" for the marital-status lookup; partial, so the
    # live check keeps using the one-active-marriage index.
    op.create_index(
        "ix_marriage_party_person_key_inactive",
        "marriage_party",
        ["person_key"],
        sqlite_where=sa.text("NOT active"),
        postgresql_where=sa.text("NOT active"),
    )

    op.create_table(
        "divorce_application",
        sa.Column("app_uuid", sa.String(length=36), nullable=False),
        sa.Column("marriage_id", sa.String(length=36), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'withdrawn', 'registered', 'deemed_withdrawn')",
            name=op.f("ck_divorce_application_status"),
        ),
        sa.ForeignKeyConstraint(
            ["app_uuid"], ["registration.reg_uuid"], name=op.f("fk_divorce_application_app_uuid_registration")
        ),
        sa.ForeignKeyConstraint(
            ["marriage_id"], ["marriage.marriage_id"], name=op.f("fk_divorce_application_marriage_id_marriage")
        ),
        sa.PrimaryKeyConstraint("app_uuid", name=op.f("pk_divorce_application")),
        sa.UniqueConstraint("app_uuid", "office_code", name=op.f("uq_divorce_application_app_uuid_office_code")),
    )
    # One open application per marriage, whatever the races.
    op.create_index(
        "uq_one_open_divorce_application_per_marriage",
        "divorce_application",
        ["marriage_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "divorce_completion",
        sa.Column("app_uuid", sa.String(length=36), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.Column("certificate_no", sa.String(length=24), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        # The divorce is completed at the office that accepted the application.
        sa.ForeignKeyConstraint(
            ["app_uuid", "office_code"],
            ["divorce_application.app_uuid", "divorce_application.office_code"],
            name=op.f("fk_divorce_completion_app_uuid_divorce_application"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_no"],
            ["certificate.certificate_no"],
            name=op.f("fk_divorce_completion_certificate_no_certificate"),
        ),
        sa.ForeignKeyConstraint(
            ["reg_uuid"], ["registration.reg_uuid"], name=op.f("fk_divorce_completion_reg_uuid_registration")
        ),
        sa.PrimaryKeyConstraint("app_uuid", name=op.f("pk_divorce_completion")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_divorce_completion_certificate_no")),
        sa.UniqueConstraint("reg_uuid", name=op.f("uq_divorce_completion_reg_uuid")),
    )

    op.create_table(
        "archive_file",
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_archive_file_sha256")),
        sa.CheckConstraint("size = length(data)", name=op.f("ck_archive_file_size")),
        sa.ForeignKeyConstraint(
            ["reg_uuid", "office_code"],
            ["registration.reg_uuid", "registration.office_code"],
            name=op.f("fk_archive_file_reg_uuid_registration"),
        ),
        sa.PrimaryKeyConstraint("reg_uuid", "name", name=op.f("pk_archive_file")),
    )


def downgrade() -> None:
    op.drop_table("archive_file")
    op.drop_table("divorce_completion")
    op.drop_index("uq_one_open_divorce_application_per_marriage", table_name="divorce_application")
    op.drop_table("divorce_application")
    op.drop_index("ix_marriage_party_person_key_inactive", table_name="marriage_party")
    op.drop_index("uq_registration_reg_uuid_office_code", table_name="registration")
