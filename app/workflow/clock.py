from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Local wall-clock time, timezone-aware (the office's day decides ages and dates)."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


class FixedClock:
    """For tests and reproducible demos."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def today(clock: Clock) -> date:
    return clock.now().date()
