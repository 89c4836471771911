"""The two divorce periods after an application is accepted (domain.md §1.3, DIVORCE_TIMER).

Civil Code Art. 1077 sets the 30-day cooling-off period (离婚冷静期) and the following 30 days
in which both parties must ask for the certificate; Reg. 2025 Art. 16 places that request at
the accepting registry and deems the application withdrawn when it is not made in time.
Days are counted by Civil Code Arts. 201-203.

Pure: dates in, dates out. Only whole days are handled; the close-of-business cut-off on the
last day (Civil Code Art. 203 ¶2, §1.3 item 7) is the caller's concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from app.rules.holidays import HolidayCalendar

PERIOD_DAYS = 30  # Civil Code Art. 1077 ¶1 (冷静期) and ¶2 (申请发证期), 30 days each

RegistrationWindow = Literal["before", "open", "after"]


def end_of_period(start_exclusive: date, calendar: HolidayCalendar, days: int = PERIOD_DAYS) -> date:
    """The last day of a period of `days` days that starts after `start_exclusive`.

    Civil Code Art. 201 ¶1: the starting day is not counted, so day 1 is the day after and the
    last day is `start_exclusive + days`. Art. 203 ¶1: a last day that is a 法定休假日 gives way
    to the first day after the holiday (§1.3 items 2 and 4).
    """
    if days < 1:
        raise ValueError(f"a period must last at least one day, got {days}")
    last = start_exclusive + timedelta(days=days)
    # Terminates: the data lists finitely many days off, and there are weekdays after them.
    while calendar.is_rest_day(last):
        last += timedelta(days=1)
    return last


@dataclass(frozen=True, slots=True)
class DivorcePeriods:
    """The timetable of one divorce application (§1.3 pseudo-code)."""

    accepted_on: date  # T0: the day the 受理回执单 was issued (§1.3 item 1)
    cooling_off_end: date  # last day of the cooling-off period; withdrawal allowed through it
    issue_window_start: date  # first day both may ask for the certificate (§1.3 item 4)
    issue_window_end: date  # last such day; afterwards the application is deemed withdrawn
    # Years between T0 and issue_window_end with no holiday notice in the data: in them only
    # weekends were counted, and the counter must warn that the dates may move.
    uncovered_years: tuple[int, ...]


def divorce_periods(accepted_on: date, calendar: HolidayCalendar) -> DivorcePeriods:
    """Both periods for an application accepted on `accepted_on` (§1.3)."""
    # §1.3 item 2: day 1 of the cooling-off period is the day after receipt.
    cooling_off_end = end_of_period(accepted_on, calendar)
    # §1.3 item 4: the second period starts the day after the first one's (possibly moved) last day.
    issue_window_end = end_of_period(cooling_off_end, calendar)
    uncovered = tuple(
        year for year in range(accepted_on.year, issue_window_end.year + 1) if year not in calendar.years_covered
    )
    return DivorcePeriods(
        accepted_on=accepted_on,
        cooling_off_end=cooling_off_end,
        issue_window_start=cooling_off_end + timedelta(days=1),
        issue_window_end=issue_window_end,
        uncovered_years=uncovered,
    )


def withdrawal_open(periods: DivorcePeriods, day: date) -> bool:
    """Whether one party alone may withdraw on `day`: from acceptance up to and including the
    cooling-off period's last day (Civil Code Art. 1077 ¶1; §1.3 item 3, [P5])."""
    return periods.accepted_on <= day <= periods.cooling_off_end


def registration_window(periods: DivorcePeriods, day: date) -> RegistrationWindow:
    """Where `day` lies relative to the window for the joint request for the certificate.

    "before": still in the cooling-off period (the divorce cannot be registered yet, §1.3
    item 3); "open": both may appear together (Civil Code Art. 1077 ¶2, Reg. 2025 Art. 16 ¶1);
    "after": the application is deemed withdrawn (Reg. 2025 Art. 16 ¶2, §1.3 item 6).
    """
    if day < periods.issue_window_start:
        return "before"
    if day <= periods.issue_window_end:
        return "open"
    return "after"
