"""Loading the State Council holiday arrangements (resources/data/holidays-cn.yaml) into a
`HolidayCalendar` for the divorce periods (domain.md §1.3, §0.1 item 7).

The file is checked strictly: a wrong date moves a legal deadline, so anything unexpected
stops the load with a `ValueError` naming the file and the key, e.g.
"holidays-cn.yaml: years.2024.holidays[3].days_off[1]: not a date".
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.resources import resources_dir
from app.rules.holidays import HolidayCalendar

SPEC_VERSION = 1
_SATURDAY = 5  # date.weekday(): Saturday 5, Sunday 6
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # locale-free


def default_holiday_path() -> Path:
    return resources_dir() / "data" / "holidays-cn.yaml"


def load_holiday_calendar(path: Path | None = None, *, weekends_are_rest_days: bool = True) -> HolidayCalendar:
    """The calendar from `path` (default: the shipped file, read once per process).

    Raises `ValueError` for malformed data; a missing or unreadable file raises `OSError`.
    """
    calendar = _load_default() if path is None else _load(path)
    if calendar.weekends_are_rest_days != weekends_are_rest_days:
        calendar = calendar.with_weekends(weekends_are_rest_days)
    return calendar


@cache
def _load_default() -> HolidayCalendar:
    # The shipped file is read-only for the life of the process, so one parse is enough.
    return _load(default_holiday_path())


def _load(path: Path) -> HolidayCalendar:
    text = path.read_text(encoding="utf-8")
    try:
        # A SafeLoader subclass: no arbitrary objects, only dates left as text (see below).
        document = yaml.load(text, Loader=_DatesAsTextLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return _parse(document)
    except _DataError as exc:
        raise ValueError(f"{path}: {exc.key}: {exc.problem}") from None


class _DatesAsTextLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text. PyYAML would build them itself and fail on
    2025-13-02 with a bare "month must be in 1..12", losing the key; here `_as_date` parses
    them, so the error names the entry."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):  # only an explicit `!!timestamp {...}` gets here
        raise yaml.constructor.ConstructorError(None, None, "a timestamp must be a scalar", node.start_mark)
    return loader.construct_scalar(node)


# add_constructor on the subclass copies the table, so yaml.SafeLoader itself is unchanged.
_DatesAsTextLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class _DataError(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def _parse(document: Any) -> HolidayCalendar:
    if not isinstance(document, dict):
        raise _DataError("(top level)", "not a mapping")
    spec = document.get("spec")
    # `type is int`: YAML `true` is a bool, and bool == 1 in Python.
    if type(spec) is not int or spec != SPEC_VERSION:
        raise _DataError("spec", f"unsupported spec {spec!r}, expected {SPEC_VERSION}")
    years = document.get("years")
    if not isinstance(years, dict) or not years:
        raise _DataError("years", "missing or not a non-empty mapping")

    days_off: dict[date, str] = {}
    makeup: dict[date, str] = {}
    for year, entry in years.items():
        if type(year) is not int:
            raise _DataError(f"years.{year}", "the key is not a year")
        where = f"years.{year}"
        if not isinstance(entry, dict):
            raise _DataError(where, "not a mapping")
        holidays = entry.get("holidays")
        if not isinstance(holidays, list) or not holidays:
            raise _DataError(f"{where}.holidays", "missing or not a non-empty list")
        for index, holiday in enumerate(holidays):
            at = f"{where}.holidays[{index}]"
            if not isinstance(holiday, dict):
                raise _DataError(at, "not a mapping")
            if "days_off" not in holiday:
                raise _DataError(f"{at}.days_off", "missing")
            for key, day in _dates(holiday["days_off"], f"{at}.days_off", year, allow_empty=False):
                days_off.setdefault(day, key)
            for key, day in _dates(holiday.get("makeup_workdays", []), f"{at}.makeup_workdays", year):
                # The header defines make-up days as weekend dates that are working days; a weekday
                # here is a typo that would otherwise pass unnoticed (it is a working day anyway).
                if day.weekday() < _SATURDAY:
                    raise _DataError(key, f"{day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}, not a weekend date")
                makeup.setdefault(day, key)

    for day, key in makeup.items():
        if day in days_off:
            raise _DataError(key, f"{day.isoformat()} is also a day off at {days_off[day]}")
    return HolidayCalendar(frozenset(days_off), frozenset(makeup), frozenset(years))


def _dates(value: Any, where: str, year: int, *, allow_empty: bool = True) -> list[tuple[str, date]]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise _DataError(where, "not a list of dates" if allow_empty else "not a non-empty list of dates")
    result: list[tuple[str, date]] = []
    for index, item in enumerate(value):
        key = f"{where}[{index}]"
        day = _as_date(item)
        if day is None:
            raise _DataError(key, f"not a date: {item!r}")
        # A holiday period may start in the previous year (2023 元旦 began on 2022-12-31) but
        # never strays further; anything else is a typo in the year.
        if abs(day.year - year) > 1:
            raise _DataError(key, f"{day.isoformat()} is too far from {year}")
        result.append((key, day))
    return result


def _as_date(item: Any) -> date | None:
    # Only a plain YYYY-MM-DD: date.fromisoformat alone would also take "20250101" or a week
    # date, and a timestamp with a time of day is not a day.
    if not isinstance(item, str) or not _ISO_DAY.fullmatch(item):
        return None
    try:
        return date.fromisoformat(item)
    except ValueError:
        return None
