"""Local store: encryption at rest of every personal value (#10).

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-15

Every personal column becomes a BLOB of envelopes (app.store.protection): AES-256-GCM
under a new random data key, kept in the new `store_key` table wrapped by the key store's
`local-store` key; or plain envelopes when `[security] encrypt_local_store = false`.
`case_party.person_key` (the ID number in the clear, indexed) is replaced by
`person_index`, a keyed blind index. Row digests are emptied: each case's child rows are
rewritten once, at its next save, with keyed digests.

The existing rows are converted in place, in the upgrade's one transaction, so the
migration needs the key store: LocalStore.open hands its StoreProtection over in
`config.attributes["local_store_protection"]`. Without it (a developer's `alembic`
run, the fixture builder) a store that holds cases is refused and an empty one is only
restructured. The downgrade decrypts back to 0003's plain columns (it needs the key too).

Tables are rebuilt by Alembic's batch mode; LocalStore runs its migrations with foreign
key enforcement off for that (app.store.engine.run_migrations), so rebuilding
`counter_case` never cascades to its children. The column lists below are this
revision's, spelled out so that later model changes never change what it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from app.store.protection import (
    MIGRATION_ATTRIBUTE,
    PLAIN_CODEC,
    FieldCodec,
    FieldRef,
    StoreProtection,
    TableSpec,
    codec_reader,
    person_key_from_plain,
    reseal,
    stored_keys,
    tables_with_rows,
)
from app.store.sqltypes import SealedKind

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)
_T: SealedKind = "text"
_B: SealedKind = "bytes"
_D: SealedKind = "date"

# table -> (row key, {column: (kind, type at 0003, nullable)}, has row_digest)
_SEALED: dict[str, tuple[tuple[str, ...], dict[str, tuple[SealedKind, Any, bool]], bool]] = {
    "counter_case": (("case_id",), {
        "central_error": (_T, sa.Text(), False),
        "title": (_T, sa.String(length=200), False),
        "details": (_T, sa.Text(), False),
    }, False),
    "case_party": (("case_id", "role"), {
        "number": (_T, sa.String(length=40), False),
        "name": (_T, sa.String(length=200), False),
        "sex": (_T, sa.String(length=1), False),
        "birth_date": (_D, sa.Date(), False),
        "ethnicity_code": (_T, sa.String(length=4), False),
        "address": (_T, sa.Text(), False),
        "issuing_authority": (_T, sa.String(length=200), False),
        "valid_from": (_D, sa.Date(), False),
        "valid_to": (_D, sa.Date(), True),
        "nationality": (_T, sa.String(length=3), False),
        "photo_png": (_B, sa.LargeBinary(), True),
        "declared_status": (_T, sa.String(length=2), False),
        "occupation": (_T, sa.String(length=200), False),
        "central_active_marriage": (_T, sa.String(length=40), True),
    }, True),
    "case_document": (("case_id", "document_id"), {"image_png": (_B, sa.LargeBinary(), False)}, True),
    "case_signature": (("case_id", "role"), {
        "strokes_json": (_T, sa.Text(), False),
        "image_png": (_B, sa.LargeBinary(), False),
        "declaration_sha256": (_T, sa.String(length=64), False),
    }, True),
    "case_form_signature": (("case_id", "form", "role"), {
        "strokes_json": (_T, sa.Text(), False),
        "image_png": (_B, sa.LargeBinary(), False),
        "declaration_sha256": (_T, sa.String(length=64), False),
    }, True),
    "case_rule_outcome": (("case_id", "position"), {"message": (_T, sa.Text(), False)}, True),
    "case_registration": (("case_id",), {"certificate_no": (_T, sa.String(length=40), False)}, True),
    "outbox": (("case_id", "item_id"), {
        "payload": (_T, sa.Text(), False),
        "result": (_T, sa.Text(), True),
    }, False),
    "archive_file": (("case_id", "name"), {"data": (_B, sa.LargeBinary(), True)}, False),
}
_SPECS: dict[str, TableSpec] = {
    table: TableSpec(row_key, {column: spec[0] for column, spec in columns.items()}, has_digest)
    for table, (row_key, columns, has_digest) in _SEALED.items()
}


def _protection() -> StoreProtection | None:
    found = context.config.attributes.get(MIGRATION_ATTRIBUTE)
    return found if isinstance(found, StoreProtection) else None


def _database(conn: sa.Connection) -> str:
    return str(conn.engine.url.database or "the local store")


def _read_plain_0003(raw: object, field: FieldRef) -> bytes | None:
    """0003 kept text (dates as ISO text) and bytes as they are."""
    if raw is None:
        return None
    return raw if isinstance(raw, bytes) else str(raw).encode("utf-8")


def _alter_types(to_sealed: bool) -> None:
    """Rebuilds each table with the sealed columns as BLOB (or back to 0003's types).

    The new types are given as `reflect_args`, not by alter_column: batch mode copies an
    altered column through CAST, and CAST('1990-03-07' AS DATE) is 1990 in SQLite (the
    numeric prefix). Copied without CAST, every value keeps its bytes."""
    for table, (_row_key, columns, _digest) in _SEALED.items():
        if table == "archive_file":
            continue  # a BLOB already
        reflected = []
        for column, (_kind, plain_type, nullable) in columns.items():
            default = "" if (not to_sealed and table == "counter_case" and column == "details") else None
            reflected.append(
                sa.Column(column, sa.LargeBinary() if to_sealed else plain_type, nullable=nullable,
                          server_default=default)
            )
        if table == "case_party":  # added with a DEFAULT '' to fill it; none from now on
            reflected.append(sa.Column("person_index", sa.String(length=64), nullable=False))
            reflected.append(sa.Column("person_key", sa.String(length=100), nullable=False))
        with op.batch_alter_table(table, recreate="always", reflect_args=tuple(reflected)) as batch:
            if table == "case_party":
                if to_sealed:
                    batch.drop_index("ix_case_party_person_key")
                    batch.drop_column("person_key")
                    batch.create_index("ix_case_party_person_index", ["person_index"])
                else:
                    batch.drop_index("ix_case_party_person_index")
                    batch.drop_column("person_index")
                    batch.create_index("ix_case_party_person_key", ["person_key"])


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "store_key",
        sa.Column("key_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kek_name", sa.String(length=64), nullable=False),
        sa.Column("kek_check", sa.String(length=16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_store_key")),
    )
    op.add_column("case_party", sa.Column("person_index", sa.String(length=64), nullable=False, server_default=""))
    if tables_with_rows(conn, ("counter_case", "outbox", "archive_file")):
        protection = _protection()
        if protection is None:
            raise RuntimeError(
                "the local store's migration 0004 encrypts its cases and needs the key store: "
                "open the store through LocalStore"
            )
        codec: FieldCodec = protection.write_codec(conn, _database(conn))
        reseal(
            conn, _SPECS, _read_plain_0003, codec.seal,
            derived=("person_index", ("person_key",), lambda plain: codec.person_index(str(plain["person_key"]))),
        )
    _alter_types(to_sealed=True)


def downgrade() -> None:
    conn = op.get_bind()
    op.add_column("case_party", sa.Column("person_key", sa.String(length=100), nullable=False, server_default=""))
    keys = stored_keys(conn)
    if tables_with_rows(conn, ("counter_case", "outbox", "archive_file")):
        source: FieldCodec = PLAIN_CODEC
        if keys:
            protection = _protection()
            if protection is None:
                raise RuntimeError("decrypting the local store needs its key store: migrate it through LocalStore")
            source = protection.unwrap(keys, _database(conn))

        def plain_0003(payload: bytes, field: FieldRef) -> object:
            return payload if _SPECS[field.table].columns[field.column] == "bytes" else payload.decode("utf-8")

        reseal(conn, _SPECS, codec_reader(source), plain_0003,
               derived=("person_key", ("doc_type",), person_key_from_plain))
    _alter_types(to_sealed=False)
    op.drop_table("store_key")
