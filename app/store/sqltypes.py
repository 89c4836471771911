"""Column types that keep time values exact on every dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class IsoDateTime(TypeDecorator[datetime]):
    """A datetime stored as ISO 8601 text with its UTC offset.

    SQLite's DATETIME drops the offset, so a case read back would compare unequal to
    the one saved (aware vs naive). The offset is kept as written; a zoneinfo zone
    comes back as the equivalent fixed offset, which compares equal.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        return value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC, always returned as an aware UTC datetime.

    PostgreSQL keeps `timestamptz` natively; SQLite keeps naive text, so the value is
    normalised to UTC before it is written and marked UTC when it is read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the central store records instants only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Envelope versions (app.store.protection): 0 = plain, 1 = AES-256-GCM with a data key.
SEALED_VERSIONS = frozenset({0, 1})
SealedKind = Literal["text", "bytes", "date"]


class Sealed(TypeDecorator[bytes]):
    """A personal value, stored as an envelope of app.store.protection: a version byte,
    then (version 1) the data key's id, the nonce and the AES-GCM ciphertext.

    The column takes and gives envelopes only; sealing needs the row's case and key
    (the associated data), which a column type never sees when reading, so the
    repository seals and opens (app.store.protection.seal_row/open_row). What this type
    adds is the guard: a plain `str` or unsealed bytes written to a personal column by
    mistake is a TypeError, not plaintext on disk. `kind` is what the envelope holds.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, kind: SealedKind) -> None:
        super().__init__()
        self.kind: SealedKind = kind

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, bytes) or not value or value[0] not in SEALED_VERSIONS:
            raise TypeError("a personal column takes sealed envelopes only (app.store.protection)")
        return value

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes(value)
