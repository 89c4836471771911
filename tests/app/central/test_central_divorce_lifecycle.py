"""Withdrawal, deemed withdrawal and racing completions of divorce applications, on
SQLite and PostgreSQL (domain.md §1.3 items 3, 5 and 6).

Applications are built through the store's own API; the windows are asserted with the
rules' divorce_periods and the shipped holiday calendar, so the dates below are checked
rather than trusted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from app.central.errors import (
    CentralStateError,
    DivorceApplicationNotFoundError,
    DivorceApplicationNotOpenError,
    DivorceAtOtherOfficeError,
)
from app.central.models import CertificateRow, CertificateSerialRow
from app.central.store import CentralStore
from app.central.types import DivorceAck, MarriageRegistrationRequest
from app.holiday_data import load_holiday_calendar
from app.rules.holidays import HolidayCalendar
from app.rules.periods import divorce_periods
from tests.app.central.helpers import new_uuid

RequestFactory = Callable[..., MarriageRegistrationRequest]

OFFICE, OTHER_OFFICE = "110101", "110102"
MARRIED_ON = date(2024, 3, 1)
COUNTER = {"counter_id": "counter-01", "device_mode": "real"}


@pytest.fixture(scope="module")
def calendar() -> HolidayCalendar:
    return load_holiday_calendar()


def _apply(central: CentralStore, request_for: RequestFactory, n: int, accepted_on: date) -> str:
    """Marries persons 2n and 2n+1 and applies for their divorce at OFFICE on `accepted_on`."""
    marriage_no = central.register_marriage(request_for(2 * n, 2 * n + 1, registered_on=MARRIED_ON)).certificate_no
    app_uuid = new_uuid()
    central.accept_divorce_application(app_uuid, marriage_no, OFFICE, accepted_on, **COUNTER)
    return app_uuid


def _status(central: CentralStore, request_for: RequestFactory, n: int) -> str | None:
    """The status of person 2n's marriage's open application (None: no pending one)."""
    marriage = central.active_marriage_of(request_for(2 * n, 2 * n + 1).registration_parties[0].person_key)
    assert marriage is not None
    record = central.open_divorce_application(marriage.certificate_no)
    return None if record is None else record.status


# -- withdrawal -----------------------------------------------------------------------


def test_withdrawal_at_the_accepting_office_is_idempotent(central: CentralStore, request_for: RequestFactory) -> None:
    accepted_on = date(2025, 6, 3)
    app_uuid = _apply(central, request_for, 1, accepted_on)

    record = central.withdraw_divorce_application(app_uuid, OFFICE, accepted_on + timedelta(days=5))
    assert (record.app_uuid, record.office_code, record.accepted_on, record.status) == (
        app_uuid,
        OFFICE,
        accepted_on,
        "withdrawn",
    )
    assert record.marriage_certificate_no.startswith("J110101-")
    # A resend after a lost reply, or the other party withdrawing too: same answer.
    assert central.withdraw_divorce_application(app_uuid, OFFICE, accepted_on + timedelta(days=6)) == record
    # No longer open: the marriage stays active and may get a new application.
    assert _status(central, request_for, 1) is None
    assert central.open_divorce_application(record.marriage_certificate_no) is None
    again = new_uuid()
    central.accept_divorce_application(again, record.marriage_certificate_no, OFFICE, date(2025, 7, 1), **COUNTER)
    assert _status(central, request_for, 1) == "pending"


def test_withdrawal_at_another_office_names_the_accepting_office(
    central: CentralStore, request_for: RequestFactory
) -> None:
    app_uuid = _apply(central, request_for, 1, date(2025, 6, 3))
    with pytest.raises(DivorceAtOtherOfficeError) as refused:
        central.withdraw_divorce_application(app_uuid, OTHER_OFFICE, date(2025, 6, 4))
    assert isinstance(refused.value, CentralStateError)
    assert OFFICE in str(refused.value.params["reason"])
    assert _status(central, request_for, 1) == "pending"
    # Also once withdrawn: the other office is told where the application is.
    central.withdraw_divorce_application(app_uuid, OFFICE, date(2025, 6, 4))
    with pytest.raises(DivorceAtOtherOfficeError):
        central.withdraw_divorce_application(app_uuid, OTHER_OFFICE, date(2025, 6, 4))


def test_withdrawal_after_registration_is_refused(central: CentralStore, request_for: RequestFactory) -> None:
    app_uuid = _apply(central, request_for, 1, date(2025, 6, 3))
    central.complete_divorce(app_uuid, OFFICE, new_uuid(), date(2025, 7, 10), **COUNTER)
    with pytest.raises(DivorceApplicationNotOpenError) as refused:
        central.withdraw_divorce_application(app_uuid, OFFICE, date(2025, 7, 10))
    assert "已办结" in str(refused.value.params["reason"])
    with pytest.raises(DivorceApplicationNotFoundError):
        central.withdraw_divorce_application(new_uuid(), OFFICE, date(2025, 7, 10))


def test_completion_after_withdrawal_is_refused(central: CentralStore, request_for: RequestFactory) -> None:
    app_uuid = _apply(central, request_for, 1, date(2025, 6, 3))
    central.withdraw_divorce_application(app_uuid, OFFICE, date(2025, 6, 20))
    with pytest.raises(DivorceApplicationNotOpenError) as refused:
        central.complete_divorce(app_uuid, OFFICE, new_uuid(), date(2025, 7, 10), **COUNTER)
    assert "已撤回" in str(refused.value.params["reason"])
    [marriage] = central.list_marriages()
    assert marriage.status == "active" and marriage.divorce is None


def test_withdrawal_input_is_validated(central: CentralStore) -> None:
    with pytest.raises(ValueError):
        central.withdraw_divorce_application("not-a-uuid", OFFICE, date(2025, 6, 4))
    with pytest.raises(ValueError):
        central.withdraw_divorce_application(new_uuid(), "11010", date(2025, 6, 4))


# -- deemed withdrawal ----------------------------------------------------------------

# Acceptance days whose issue windows end around a weekend and the 2025 National Day
# holiday (checked against divorce_periods in _expiry_cases).
ENDS_2025_08_04 = date(2025, 6, 3)  # 08-02 is a Saturday: rolls to Monday (the §1.3 worked example)
ENDS_2025_10_09 = date(2025, 8, 1)  # 10-01 falls in the holiday (10-01 … 10-08): rolls to 10-09
ENDS_2025_10_10 = date(2025, 8, 11)  # an ordinary Friday
ENDS_2025_10_11 = date(2025, 8, 12)  # a Saturday that is a make-up working day: no roll
TODAY = date(2025, 10, 10)


def _expiry_cases(calendar: HolidayCalendar) -> dict[date, date]:
    ends = {
        accepted_on: divorce_periods(accepted_on, calendar).issue_window_end
        for accepted_on in (ENDS_2025_08_04, ENDS_2025_10_09, ENDS_2025_10_10, ENDS_2025_10_11)
    }
    assert ends == {
        ENDS_2025_08_04: date(2025, 8, 4),
        ENDS_2025_10_09: date(2025, 10, 9),
        ENDS_2025_10_10: date(2025, 10, 10),
        ENDS_2025_10_11: date(2025, 10, 11),
    }
    return ends


def test_expiry_deems_withdrawn_only_windows_that_ended(
    central: CentralStore, request_for: RequestFactory, calendar: HolidayCalendar
) -> None:
    ends = _expiry_cases(calendar)
    apps = {accepted_on: _apply(central, request_for, n, accepted_on) for n, accepted_on in enumerate(ends, 1)}
    withdrawn = _apply(central, request_for, 9, ENDS_2025_08_04)
    central.withdraw_divorce_application(withdrawn, OFFICE, ENDS_2025_08_04)

    # The day the window of ENDS_2025_10_09 ends: it is still open, since a naive
    # accepted_on + 60 (09-30) would have expired it.
    assert ENDS_2025_10_09 + timedelta(days=60) < TODAY - timedelta(days=1)
    assert central.expire_divorce_applications(TODAY - timedelta(days=1), calendar) == [apps[ENDS_2025_08_04]]

    # Ended yesterday → expired; ends today (or later) → untouched; withdrawn stays withdrawn.
    assert central.expire_divorce_applications(TODAY, calendar) == [apps[ENDS_2025_10_09]]
    assert [_status(central, request_for, n) for n in (1, 2, 3, 4)] == [None, None, "pending", "pending"]
    assert central.expire_divorce_applications(TODAY, calendar) == []  # a second run changes nothing

    with pytest.raises(DivorceApplicationNotOpenError) as refused:
        central.complete_divorce(apps[ENDS_2025_10_09], OFFICE, new_uuid(), TODAY, **COUNTER)
    assert "视为撤回" in str(refused.value.params["reason"])
    with pytest.raises(DivorceApplicationNotOpenError):
        central.withdraw_divorce_application(apps[ENDS_2025_08_04], OFFICE, TODAY)
    assert central.withdraw_divorce_application(withdrawn, OFFICE, TODAY).status == "withdrawn"

    later = TODAY + timedelta(days=2)
    assert sorted(central.expire_divorce_applications(later, calendar)) == sorted(
        [apps[ENDS_2025_10_10], apps[ENDS_2025_10_11]]
    )
    assert central.expire_divorce_applications(later, calendar) == []


def test_concurrent_expiry_runs_expire_each_application_once(
    central: CentralStore, request_for: RequestFactory, calendar: HolidayCalendar
) -> None:
    """Every counter runs the job at once: no error, and together they expire each due
    application exactly once."""
    ends = _expiry_cases(calendar)
    apps = {accepted_on: _apply(central, request_for, n, accepted_on) for n, accepted_on in enumerate(ends, 1)}
    extra = [_apply(central, request_for, n, date(2025, 5, 6) + timedelta(days=n)) for n in range(5, 11)]
    expected = {app for accepted_on, app in apps.items() if ends[accepted_on] < TODAY} | set(extra)
    assert len(expected) == 8

    runs = 4
    start = threading.Barrier(runs)

    def run(_: int) -> list[str]:
        start.wait(timeout=10)
        return central.expire_divorce_applications(TODAY, calendar)

    with ThreadPoolExecutor(max_workers=runs, thread_name_prefix="expire") as pool:
        results = list(pool.map(run, range(runs)))
    everything = [app for result in results for app in result]
    assert len(everything) == len(set(everything)), results
    assert set(everything) == expected
    assert central.expire_divorce_applications(TODAY, calendar) == []


# -- racing completions ---------------------------------------------------------------


def test_two_counters_completing_one_divorce_at_once(
    central: CentralStore, request_for: RequestFactory, raw_engine: Engine
) -> None:
    app_uuid = _apply(central, request_for, 1, date(2025, 6, 3))
    reg_uuids = [new_uuid(), new_uuid()]
    start = threading.Barrier(2)

    def complete(reg_uuid: str) -> DivorceAck | Exception:
        start.wait(timeout=10)
        try:
            return central.complete_divorce(app_uuid, OFFICE, reg_uuid, date(2025, 7, 10), **COUNTER)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="complete") as pool:
        outcomes = list(pool.map(complete, reg_uuids))
    assert Counter(type(o).__name__ for o in outcomes) == Counter(
        {"DivorceAck": 1, "DivorceApplicationNotOpenError": 1}
    ), outcomes
    [ack] = [o for o in outcomes if isinstance(o, DivorceAck)]
    [refusal] = [o for o in outcomes if isinstance(o, DivorceApplicationNotOpenError)]
    assert "已办结" in str(refusal.params["reason"])
    assert ack.certificate_no == "L110101-2025-000001"

    # One divorce certificate number taken: the loser's allocation was rolled back.
    with raw_engine.connect() as conn:
        assert conn.execute(select(func.count()).where(CertificateRow.kind == "L")).scalar_one() == 1
        serial = conn.execute(
            select(CertificateSerialRow.last_serial).where(
                CertificateSerialRow.kind == "L", CertificateSerialRow.office_code == OFFICE
            )
        ).scalar_one()
        assert serial == 1
    [marriage] = central.list_marriages()
    assert marriage.status == "dissolved"
    assert marriage.divorce is not None and marriage.divorce.reg_uuid == ack.reg_uuid
    assert all(not party.active for party in marriage.parties)


def test_expiry_refuses_a_day_the_registry_has_not_reached(central: CentralStore) -> None:
    """A counter whose clock runs ahead cannot deem applications withdrawn early."""
    from app.central.errors import CentralStateError

    ahead = date.today() + timedelta(days=3)
    with pytest.raises(CentralStateError, match="检查本机时钟"):
        central.expire_divorce_applications(ahead, load_holiday_calendar())
