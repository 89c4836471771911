"""Rest days for the divorce periods (domain.md §1.3, §0.1 item 7).

Civil Code Art. 203 ¶1 moves the end of a period that falls on a 法定休假日 to the first day
after it. The statute does not define the term; registry practice (domain.md §1.3, [P33]) and
product decision §0.1 item 7 read it as weekends plus the State Council's statutory holidays,
with the official make-up working days (调休上班) counted as working days.

Pure: the dates come in as data (loaded by `app.holiday_data`); nothing here reads files or
the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

_SATURDAY = 5  # date.weekday(): Monday is 0, so Saturday and Sunday are 5 and 6


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """The State Council's holiday arrangements (国务院办公厅关于X年部分节假日安排的通知) as sets of dates.

    `days_off` holds every day off of each holiday period, including the weekend days that
    fall inside it; `makeup_workdays` holds the weekend dates that are working days;
    `years_covered` holds the years whose notice is in the data (outside them only the
    weekend rule applies, and the caller has to say so).
    """

    days_off: frozenset[date]
    makeup_workdays: frozenset[date]
    years_covered: frozenset[int]
    # §0.1 item 7: a setting, default on, so an office can follow a different reading.
    weekends_are_rest_days: bool = True

    def __post_init__(self) -> None:
        # A date cannot be both off and a working day; either the notice or the data is wrong,
        # and silently preferring one would shift a legal deadline.
        both = self.days_off & self.makeup_workdays
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(f"dates listed both as day off and as make-up working day: {listed}")

    @classmethod
    def from_years(
        cls,
        years: Mapping[int, Iterable[tuple[Iterable[date], Iterable[date]]]],
        *,
        weekends_are_rest_days: bool = True,
    ) -> HolidayCalendar:
        """Builds a calendar from plain data: `{year: [(days_off, makeup_workdays), ...]}`,
        one pair per holiday period of that year's notice."""
        days_off: set[date] = set()
        makeup: set[date] = set()
        for periods in years.values():
            for off, work in periods:
                days_off.update(off)
                makeup.update(work)
        return cls(frozenset(days_off), frozenset(makeup), frozenset(years), weekends_are_rest_days)

    def is_rest_day(self, day: date) -> bool:
        """True on a 法定休假日 in the sense of §0.1 item 7 (Civil Code Art. 203 ¶1)."""
        # 调休上班 first: the notice makes that weekend day a working day, so a period ending on
        # it ends there (§0.1 item 7).
        if day in self.makeup_workdays:
            return False
        if day in self.days_off:
            return True
        return self.weekends_are_rest_days and day.weekday() >= _SATURDAY

    def covers(self, day: date) -> bool:
        """True when the holiday notice for the year of `day` is in the data."""
        return day.year in self.years_covered

    def with_weekends(self, weekends_are_rest_days: bool) -> HolidayCalendar:
        """The same holiday data under the other reading of the weekend setting (§0.1 item 7)."""
        return replace(self, weekends_are_rest_days=weekends_are_rest_days)
