"""Column types that keep time values exact on every dialect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String
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
