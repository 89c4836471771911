"""Counters read only their own office's operator accounts (PostgreSQL row-level
security), and a counter's audit head only moves forward (a PostgreSQL trigger).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Until 0004 the counter role could SELECT every office's accounts, secret hashes
included (slow salted scrypt hashes, but still the whole country's on every counter's
connection). From 0005 on IT may give each office's counters a login role of their own
(`marriage-counter central init --counter-role mc_counter_110101 --office 110101`):

- `counter_office_role`: which office a counter login role belongs to (IT writes it with
  the admin role; counters may read it, it holds no secret);
- on PostgreSQL, row-level security on `operator`: a role named in that table sees its
  office's accounts and the IT administrators' (who unlock any counter), nothing else.
  A role not named there (the shared `mc_counter` of a store set up before 0005) still
  sees every account, so upgrading the schema changes nothing until IT moves an office
  to its own role. The table's owner (the admin role, which runs `operators …`) is not
  subject to the policy. SQLite has no roles: there the table is only bookkeeping.

The audit head (app.central.audit_heads): until 0005 the forward-only rule lived in the
client alone, so a counter role with raw SQL could move its own head back and hide a log
cut short. From 0005 a trigger refuses, for every role but the table's owner (IT's admin
role, which re-anchors with `audit re-anchor`), an UPDATE that lowers the sequence
number, changes the hash at the same number, or renames the counter (SQLSTATE 23514).
That the new head continues the old one needs the counter's HMAC key, which the server
never has; that check stays the client's.

Additive: one table, a policy and a trigger; counters of schema 0004 keep working on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "operator_own_office"
HEAD_FUNCTION = "audit_head_forward_only"
HEAD_TRIGGER = "audit_head_forward_only"


def upgrade() -> None:
    op.create_table(
        "counter_office_role",
        sa.Column("role_name", sa.String(length=63), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("role_name", name=op.f("pk_counter_office_role")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {HEAD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
                RETURN NEW;  -- the admin role re-anchors after an incident
            END IF;
            IF NEW.counter_id <> OLD.counter_id OR NEW.seq < OLD.seq
               OR (NEW.seq = OLD.seq AND NEW.head_hash <> OLD.head_hash) THEN
                RAISE EXCEPTION 'audit head of counter % may only move forward (seq % to %)',
                    OLD.counter_id, OLD.seq, NEW.seq USING ERRCODE = '23514';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {HEAD_TRIGGER} BEFORE UPDATE ON audit_head FOR EACH ROW EXECUTE FUNCTION {HEAD_FUNCTION}()"
    )
    op.execute("ALTER TABLE operator ENABLE ROW LEVEL SECURITY")
    # FOR SELECT only: counters never write accounts (no grant), and the owner is exempt.
    op.execute(
        f"""
        CREATE POLICY {POLICY} ON operator FOR SELECT USING (
            role = 'admin'
            OR office_code IN (SELECT m.office_code FROM counter_office_role m WHERE m.role_name = current_user)
            OR NOT EXISTS (SELECT 1 FROM counter_office_role m WHERE m.role_name = current_user)
        )
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {HEAD_TRIGGER} ON audit_head")
        op.execute(f"DROP FUNCTION IF EXISTS {HEAD_FUNCTION}()")
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON operator")
        op.execute("ALTER TABLE operator DISABLE ROW LEVEL SECURITY")
    op.drop_table("counter_office_role")
