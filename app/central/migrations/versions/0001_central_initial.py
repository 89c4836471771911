"""Central registry: registrations, certificates, marriages and their parties, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Seeds `central_setting.mode`: 'test' for an embedded SQLite registry (demo, QA, single
office), 'production' for any server database, so a forgotten setting refuses
simulated-device registrations instead of accepting them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CERTIFICATE_KINDS = "kind IN ('J', 'L', 'BJ', 'BL')"


def upgrade() -> None:
    settings = op.create_table(
        "central_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_central_setting")),
    )
    op.create_table(
        "certificate_serial",
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.CheckConstraint(_CERTIFICATE_KINDS, name=op.f("ck_certificate_serial_kind")),
        sa.CheckConstraint("last_serial BETWEEN 1 AND 999999", name=op.f("ck_certificate_serial_last_serial")),
        sa.PrimaryKeyConstraint("kind", "office_code", "year", name=op.f("pk_certificate_serial")),
    )
    op.create_table(
        "registration",
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("counter_id", sa.String(length=64), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("device_mode", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate_no", sa.String(length=24), nullable=True),
        sa.CheckConstraint(
            "kind IN ('marriage', 'divorce_application', 'divorce_withdrawal', "
            "'divorce_registration', 'reissue')",
            name=op.f("ck_registration_kind"),
        ),
        sa.CheckConstraint("device_mode IN ('real', 'simulated')", name=op.f("ck_registration_device_mode")),
        sa.PrimaryKeyConstraint("reg_uuid", name=op.f("pk_registration")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_registration_certificate_no")),
    )
    op.create_table(
        "certificate",
        sa.Column("certificate_no", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.CheckConstraint(_CERTIFICATE_KINDS, name=op.f("ck_certificate_kind")),
        sa.CheckConstraint("serial BETWEEN 1 AND 999999", name=op.f("ck_certificate_serial")),
        sa.ForeignKeyConstraint(
            ["reg_uuid"], ["registration.reg_uuid"], name=op.f("fk_certificate_reg_uuid_registration")
        ),
        sa.PrimaryKeyConstraint("certificate_no", name=op.f("pk_certificate")),
        sa.UniqueConstraint(
            "kind", "office_code", "year", "serial", name=op.f("uq_certificate_kind_office_code_year_serial")
        ),
    )
    op.create_table(
        "marriage",
        sa.Column("marriage_id", sa.String(length=36), nullable=False),
        sa.Column("reg_uuid", sa.String(length=36), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("certificate_no", sa.String(length=24), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('active', 'dissolved')", name=op.f("ck_marriage_status")),
        sa.ForeignKeyConstraint(
            ["certificate_no"],
            ["certificate.certificate_no"],
            name=op.f("fk_marriage_certificate_no_certificate"),
        ),
        sa.ForeignKeyConstraint(
            ["reg_uuid"], ["registration.reg_uuid"], name=op.f("fk_marriage_reg_uuid_registration")
        ),
        sa.PrimaryKeyConstraint("marriage_id", name=op.f("pk_marriage")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_marriage_certificate_no")),
        sa.UniqueConstraint("reg_uuid", name=op.f("uq_marriage_reg_uuid")),
    )
    op.create_table(
        "marriage_party",
        sa.Column("marriage_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("person_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("role IN ('A', 'B')", name=op.f("ck_marriage_party_role")),
        sa.ForeignKeyConstraint(
            ["marriage_id"], ["marriage.marriage_id"], name=op.f("fk_marriage_party_marriage_id_marriage")
        ),
        sa.PrimaryKeyConstraint("marriage_id", "role", name=op.f("pk_marriage_party")),
        sa.UniqueConstraint(
            "marriage_id", "person_key", name=op.f("uq_marriage_party_marriage_id_person_key")
        ),
    )
    # The national check: at most one active marriage per person, enforced by the database.
    op.create_index(
        "uq_one_active_marriage_per_person",
        "marriage_party",
        ["person_key"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )

    mode = "test" if op.get_bind().dialect.name == "sqlite" else "production"
    op.bulk_insert(settings, [{"key": "mode", "value": mode}])


def downgrade() -> None:
    op.drop_index("uq_one_active_marriage_per_person", table_name="marriage_party")
    for table in (
        "marriage_party",
        "marriage",
        "certificate",
        "registration",
        "certificate_serial",
        "central_setting",
    ):
        op.drop_table(table)
