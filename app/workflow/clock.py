from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
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


class OffsetClock:
    """System time moved by an offset: the clock of a counter on simulated devices, so
    QA can walk a divorce through its 30-day cooling-off period in one session while
    time still runs. Thread-safe: the QA console moves it on the GUI thread while
    workflow steps read it on the worker. Moving it back is allowed (QA's "today"), so
    timestamps of a session that did are not in order."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._lock = threading.Lock()
        self._offset = offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now().astimezone() + offset

    def advance(self, delta: timedelta) -> datetime:
        """Moves the clock by `delta` (negative moves it back); returns the new time."""
        with self._lock:
            self._offset += delta
        return self.now()

    def set_day(self, day: date) -> datetime:
        """The same time of day, on `day`."""
        with self._lock:
            real = datetime.now().astimezone()
            self._offset = timedelta(days=(day - real.date()).days)
            return real + self._offset

    def reset(self) -> None:
        """Back to the real time."""
        with self._lock:
            self._offset = timedelta(0)


def today(clock: Clock) -> date:
    return clock.now().date()
