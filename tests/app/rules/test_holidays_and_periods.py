"""Rest days and the divorce periods (domain.md §1.3, §0.1 item 7) against the shipped holiday data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.holiday_data import load_holiday_calendar
from app.rules.holidays import HolidayCalendar
from app.rules.periods import divorce_periods, end_of_period, registration_window, withdrawal_open

CAL = load_holiday_calendar()
WEEKDAYS_ONLY = CAL.with_weekends(False)
ONE_DAY = timedelta(days=1)


# --- the data itself: facts the period tests below rely on ---------------------------------


def test_shipped_data_covers_2020_to_2026_and_is_cached() -> None:
    assert CAL.years_covered == frozenset(range(2020, 2027))
    assert load_holiday_calendar() is CAL  # read once per process
    assert load_holiday_calendar(weekends_are_rest_days=False) == WEEKDAYS_ONLY


@pytest.mark.parametrize(
    ("day", "rest", "why"),
    [
        (date(2025, 10, 1), True, "国庆节"),
        (date(2025, 10, 8), True, "last day of the 2025 National Day / Mid-Autumn break"),
        (date(2025, 10, 9), False, "Thursday after the break"),
        (date(2025, 10, 11), False, "Saturday, 调休上班"),
        (date(2025, 9, 28), False, "Sunday, 调休上班"),
        (date(2025, 10, 12), True, "ordinary Sunday"),
        (date(2026, 2, 15), True, "2026 春节, first day (a Sunday)"),
        (date(2026, 2, 23), True, "2026 春节, last day (a Monday)"),
        (date(2026, 2, 14), False, "Saturday, 调休上班 before 春节"),
        (date(2026, 2, 28), False, "Saturday, 调休上班 after 春节"),
        (date(2022, 12, 31), True, "2023 元旦 starts in 2022 (listed under years.2023)"),
        (date(2025, 8, 2), True, "ordinary Saturday"),
        (date(2025, 8, 4), False, "ordinary Monday"),
    ],
)
def test_rest_days_in_the_data(day: date, rest: bool, why: str) -> None:
    assert CAL.is_rest_day(day) is rest, why


@pytest.mark.parametrize(
    ("day", "rest", "why"),
    [
        (date(2025, 8, 2), False, "ordinary Saturday: a working day under this setting"),
        (date(2025, 10, 4), True, "a Saturday inside the notice's range stays a day off"),
        (date(2025, 10, 3), True, "listed day off, a Friday"),
        (date(2025, 10, 11), False, "make-up working Saturday"),
    ],
)
def test_weekend_setting_off_keeps_listed_days_off(day: date, rest: bool, why: str) -> None:
    assert WEEKDAYS_ONLY.is_rest_day(day) is rest, why


def test_covers() -> None:
    assert CAL.covers(date(2020, 1, 1)) and CAL.covers(date(2026, 12, 31))
    assert not CAL.covers(date(2019, 12, 31)) and not CAL.covers(date(2027, 1, 1))


def test_from_years_builds_the_same_rules() -> None:
    cal = HolidayCalendar.from_years({2025: [([date(2025, 10, 1), date(2025, 10, 2)], [date(2025, 10, 11)])]})
    assert cal.years_covered == frozenset({2025})
    assert cal.is_rest_day(date(2025, 10, 2)) and not cal.is_rest_day(date(2025, 10, 11))
    assert cal.is_rest_day(date(2025, 10, 12))  # weekend rule still applies


def test_a_date_both_off_and_working_is_refused() -> None:
    with pytest.raises(ValueError, match="2025-10-11"):
        HolidayCalendar.from_years({2025: [([date(2025, 10, 11)], [date(2025, 10, 11)])]})


# --- end_of_period ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "calendar", "end", "why"),
    [
        (date(2025, 6, 3), CAL, date(2025, 7, 3), "§1.3 worked example, cooling-off end (Thursday)"),
        (date(2025, 7, 3), CAL, date(2025, 8, 4), "§1.3 worked example: Saturday 08-02 rolls to Monday"),
        (date(2025, 7, 3), WEEKDAYS_ONLY, date(2025, 8, 2), "weekends not rest days: Saturday stays"),
        (date(2025, 9, 3), CAL, date(2025, 10, 9), "lands on 10-03 inside 国庆/中秋, rolls past 10-08"),
        (date(2025, 9, 3), WEEKDAYS_ONLY, date(2025, 10, 9), "listed days off roll even with weekends off"),
        (date(2025, 9, 11), CAL, date(2025, 10, 11), "lands on make-up working Saturday: no roll"),
        (date(2025, 8, 29), CAL, date(2025, 9, 28), "lands on make-up working Sunday: no roll"),
        (date(2025, 12, 5), CAL, date(2026, 1, 4), "make-up working Sunday after 2026 元旦, across the year"),
        (date(2025, 12, 2), CAL, date(2026, 1, 4), "lands on 2026-01-01 元旦, rolls to make-up working Sunday 01-04"),
        (date(2026, 1, 16), CAL, date(2026, 2, 24), "lands on 2026-02-15, first day of 春节, rolls to Tue"),
        (date(2026, 1, 24), CAL, date(2026, 2, 24), "lands on 2026-02-23, last day of 春节"),
        (date(2026, 1, 15), CAL, date(2026, 2, 14), "make-up working Saturday before 春节: no roll"),
        (date(2027, 3, 1), CAL, date(2027, 3, 31), "no data for 2027: a plain Wednesday"),
        (date(2027, 3, 5), CAL, date(2027, 4, 5), "no data for 2027: Sunday 04-04 rolls by the weekend rule"),
    ],
)
def test_end_of_period(start: date, calendar: HolidayCalendar, end: date, why: str) -> None:
    assert end_of_period(start, calendar) == end, why


def test_end_of_period_other_lengths() -> None:
    assert end_of_period(date(2025, 9, 30), CAL, days=1) == date(2025, 10, 9)
    with pytest.raises(ValueError):
        end_of_period(date(2025, 9, 30), CAL, days=0)


# --- divorce_periods and the two questions the counter asks ---------------------------------


def test_worked_example() -> None:
    periods = divorce_periods(date(2025, 6, 3), CAL)
    assert periods.cooling_off_end == date(2025, 7, 3)
    assert periods.issue_window_start == date(2025, 7, 4)
    assert periods.issue_window_end == date(2025, 8, 4)
    assert periods.uncovered_years == ()


def test_worked_example_without_weekends() -> None:
    periods = divorce_periods(date(2025, 6, 3), WEEKDAYS_ONLY)
    assert (periods.cooling_off_end, periods.issue_window_end) == (date(2025, 7, 3), date(2025, 8, 2))


def test_rolled_cooling_off_end_shifts_the_second_period() -> None:
    # Period 2 counts from period 1's moved last day (§1.3 item 4), not from T0 + 30.
    periods = divorce_periods(date(2025, 9, 3), CAL)
    assert periods.cooling_off_end == date(2025, 10, 9)
    assert periods.issue_window_start == date(2025, 10, 10)
    assert periods.issue_window_end == date(2025, 11, 10)  # 11-08 is a Saturday


PERIODS = divorce_periods(date(2025, 6, 3), CAL)


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (date(2025, 6, 2), False),  # before the application was accepted
        (date(2025, 6, 3), True),  # the day of acceptance
        (date(2025, 7, 3), True),  # the cooling-off end itself (§1.3 item 3)
        (date(2025, 7, 4), False),  # the day after
    ],
)
def test_withdrawal_open(day: date, allowed: bool) -> None:
    assert withdrawal_open(PERIODS, day) is allowed


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (date(2025, 6, 3), "before"),
        (date(2025, 7, 3), "before"),  # cooling-off end: withdrawal yes, registration not yet
        (date(2025, 7, 4), "open"),
        (date(2025, 8, 4), "open"),
        (date(2025, 8, 5), "after"),  # deemed withdrawn (Reg. 2025 Art. 16 ¶2)
    ],
)
def test_registration_window(day: date, state: str) -> None:
    assert registration_window(PERIODS, day) == state


@pytest.mark.parametrize(
    ("accepted_on", "uncovered"),
    [
        (date(2026, 11, 20), (2027,)),  # window reaches into 2027
        (date(2026, 10, 1), ()),  # all inside 2026
        (date(2019, 12, 1), (2019,)),  # T0 before the data starts
        (date(2027, 6, 1), (2027,)),
    ],
)
def test_uncovered_years(accepted_on: date, uncovered: tuple[int, ...]) -> None:
    assert divorce_periods(accepted_on, CAL).uncovered_years == uncovered


def test_late_2026_window_reaches_2027() -> None:
    periods = divorce_periods(date(2026, 11, 20), CAL)
    assert periods.cooling_off_end == date(2026, 12, 21)  # 12-20 is a Sunday
    assert periods.issue_window_end == date(2027, 1, 20)
    assert periods.uncovered_years == (2027,)


# --- properties ---------------------------------------------------------------------------

ANY_T0 = st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31))


@given(accepted_on=ANY_T0, weekends=st.booleans())
def test_periods_properties(accepted_on: date, weekends: bool) -> None:
    calendar = CAL.with_weekends(weekends)
    periods = divorce_periods(accepted_on, calendar)
    assert not calendar.is_rest_day(periods.cooling_off_end)
    assert not calendar.is_rest_day(periods.issue_window_end)
    assert periods.cooling_off_end >= accepted_on + timedelta(days=30)
    assert periods.issue_window_start == periods.cooling_off_end + ONE_DAY
    assert periods.issue_window_end >= periods.cooling_off_end + timedelta(days=30)
    # The cooling-off end and the window never overlap: on no day can one both withdraw and register.
    assert not (withdrawal_open(periods, periods.issue_window_start))
    assert registration_window(periods, periods.cooling_off_end) == "before"


@given(start=ANY_T0, days=st.integers(min_value=1, max_value=60))
def test_end_of_period_is_the_first_working_day_from_the_nominal_end(start: date, days: int) -> None:
    # Minimal roll: every day skipped was a rest day (Civil Code Art. 203 ¶1 moves the end only past the holiday).
    end = end_of_period(start, CAL, days)
    nominal = start + timedelta(days=days)
    skipped = [nominal + timedelta(days=n) for n in range((end - nominal).days)]
    assert all(CAL.is_rest_day(day) for day in skipped)
    assert not CAL.is_rest_day(end)


# --- loader errors ------------------------------------------------------------------------

GOOD_YEAR = """\
years:
  2025:
    holidays:
      - name: 元旦
        days_off: [2025-01-01]
      - name: 国庆节、中秋节
        days_off: [2025-10-01, 2025-10-02]
        makeup_workdays: [2025-09-28, 2025-10-11]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_reads_a_minimal_file(tmp_path: Path) -> None:
    cal = load_holiday_calendar(_write(tmp_path, "spec: 1\n" + GOOD_YEAR), weekends_are_rest_days=False)
    assert cal.years_covered == frozenset({2025})
    assert cal.days_off == frozenset({date(2025, 1, 1), date(2025, 10, 1), date(2025, 10, 2)})
    assert cal.makeup_workdays == frozenset({date(2025, 9, 28), date(2025, 10, 11)})
    assert not cal.weekends_are_rest_days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("spec: 2\n" + GOOD_YEAR, r"holidays\.yaml: spec: unsupported spec 2"),
        ("spec: true\n" + GOOD_YEAR, r"spec: unsupported spec True"),
        (GOOD_YEAR, r"spec: unsupported spec None"),
        ("spec: 1\n", r"years: missing"),
        ("spec: 1\nyears:\n  2025: {}\n", r"years\.2025\.holidays: missing"),
        (
            "spec: 1\n" + GOOD_YEAR.replace("[2025-10-01, 2025-10-02]", "[2025-10-01, 2025-13-02]"),
            r"years\.2025\.holidays\[1\]\.days_off\[1\]: not a date: '2025-13-02'",
        ),
        (
            "spec: 1\n" + GOOD_YEAR.replace("[2025-01-01]", "[2025-01-01, 3]"),
            r"years\.2025\.holidays\[0\]\.days_off\[1\]: not a date: 3",
        ),
        (
            "spec: 1\n" + GOOD_YEAR.replace("[2025-01-01]", "[2025-01-01 09:00:00]"),
            r"years\.2025\.holidays\[0\]\.days_off\[0\]: not a date",
        ),
        (
            "spec: 1\n" + GOOD_YEAR.replace("2025-10-11]", "2025-10-10]"),
            r"years\.2025\.holidays\[1\]\.makeup_workdays\[1\]: 2025-10-10 is a Friday, not a weekend date",
        ),
        (
            "spec: 1\n" + GOOD_YEAR.replace("[2025-01-01]", "[2052-01-01]"),
            r"years\.2025\.holidays\[0\]\.days_off\[0\]: 2052-01-01 is too far from 2025",
        ),
        (
            "spec: 1\n" + GOOD_YEAR.replace("[2025-10-01, 2025-10-02]", "[2025-10-01, 2025-10-11]"),
            r"years\.2025\.holidays\[1\]\.makeup_workdays\[1\]: 2025-10-11 is also a day off at "
            r"years\.2025\.holidays\[1\]\.days_off\[1\]",
        ),
        ("spec: 1\nyears:\n  twenty: {}\n", r"years\.twenty: the key is not a year"),
        ("spec: 1\nyears: [\n", r"not valid YAML"),
        ("- a list\n", r"\(top level\): not a mapping"),
    ],
)
def test_loader_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_holiday_calendar(_write(tmp_path, text))
