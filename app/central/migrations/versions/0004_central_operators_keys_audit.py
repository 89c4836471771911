"""Registrars' accounts, the counters' signing keys and the heads of their audit chains.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

- `operator`: the accounts registrars, supervisors, administrators and QA log in with,
  managed centrally (by IT, with the admin role) and cached on the counters for offline
  unlock. Only a slow salted hash of the secret is stored (scrypt, PHC-style string).
  `training_valid_until`: Reg. 2025 ties registering to a valid training certificate.
- `counter_key`: each counter's public key (Ed25519, PEM); the central store verifies
  the signed manifests of the archives a counter sends against it.
- `audit_head`: the last link of each counter's audit chain (sequence number and
  hash), shipped with every sync, so that a counter whose log was cut short is caught.

Additive only: three tables. Counters of schema 0003 keep working on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operator",
        sa.Column("operator_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("training_valid_until", sa.Date(), nullable=True),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('registrar', 'supervisor', 'admin', 'qa')", name=op.f("ck_operator_role")),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_operator")),
    )
    op.create_table(
        "counter_key",
        sa.Column("counter_id", sa.String(length=64), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("counter_id", name=op.f("pk_counter_key")),
    )
    op.create_table(
        "audit_head",
        sa.Column("counter_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(head_hash) = 64", name=op.f("ck_audit_head_head_hash")),
        sa.PrimaryKeyConstraint("counter_id", name=op.f("pk_audit_head")),
    )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("counter_key")
    op.drop_table("operator")
