"""The counter's lookups, on SQLite and PostgreSQL: a divorce application by UUID or by
its typed receipt number, an office's queue of applications, a person's marriages; and
the withdrawal with a client UUID (its registration row carries the archive)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from app.central.errors import (
    AmbiguousReceiptError,
    DivorceApplicationNotOpenError,
    DivorceAtOtherOfficeError,
    RegistrationNotFoundError,
)
from app.central.models import RegistrationRow
from app.central.store import CentralStore
from app.central.types import CentralMode, MarriageRegistrationRequest, divorce_withdrawal_payload_sha256
from app.domain.divorce import receipt_no_for
from app.errors import PayloadConflictError, SimulatedDevicesRefusedError
from app.holiday_data import load_holiday_calendar
from tests.app.archive.helpers import register, signed_batch
from tests.app.central.helpers import archive_file, new_uuid, person_key

RequestFactory = Callable[..., MarriageRegistrationRequest]

OFFICE, OTHER_OFFICE = "110101", "110102"
ACCEPTED_ON = date(2026, 6, 1)
COUNTER = {"counter_id": "counter-01", "device_mode": "real"}


def _married(central: CentralStore, request_for: RequestFactory, a: int, b: int, on: date = date(2026, 5, 20)) -> str:
    return central.register_marriage(request_for(a, b, registered_on=on)).certificate_no


def _apply(
    central: CentralStore,
    marriage_no: str,
    *,
    app_uuid: str | None = None,
    office: str = OFFICE,
    on: date = ACCEPTED_ON,
) -> str:
    app_uuid = app_uuid or new_uuid()
    central.accept_divorce_application(app_uuid, marriage_no, office, on, **COUNTER)
    return app_uuid


# -- one application ------------------------------------------------------------------


def test_application_by_uuid_and_by_receipt(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for, 1, 2)
    app_uuid = _apply(central, marriage_no, app_uuid="3f2a9c1b-5d6e-4f70-8a9b-0c1d2e3f4a5b")
    detail = central.divorce_application(app_uuid)
    assert detail is not None
    assert detail.receipt_no == "110101-20260601-3F2A9C1B" == receipt_no_for(app_uuid, OFFICE, ACCEPTED_ON)
    assert (detail.record.app_uuid, detail.record.marriage_certificate_no, detail.record.status) == (
        app_uuid,
        marriage_no,
        "pending",
    )
    assert (detail.record.office_code, detail.record.accepted_on) == (OFFICE, ACCEPTED_ON)
    assert detail.marriage.certificate_no == marriage_no and detail.marriage.status == "active"
    assert [p.person_key for p in detail.marriage.parties] == [person_key(1), person_key(2)]
    assert central.divorce_application(new_uuid()) is None

    # As printed, as typed (lower case, spaces), and what does not match.
    for typed in ("110101-20260601-3F2A9C1B", "110101-20260601-3f2a9c1b", " 110101 - 20260601 - 3f2a 9c1b "):
        assert central.divorce_application_by_receipt(typed) == detail, typed
    for typed in (
        "110101-20260601-3F2A9C1C",  # another UUID prefix
        "110102-20260601-3F2A9C1B",  # another office
        "110101-20260602-3F2A9C1B",  # another day
        "110101-20260631-3F2A9C1B",  # no such day
        "110101-20260601-3F2A9C1",  # too short
        "",
        "3f2a9c1b",
    ):
        assert central.divorce_application_by_receipt(typed) is None, typed

    central.withdraw_divorce_application(app_uuid, OFFICE, date(2026, 6, 5))
    withdrawn = central.divorce_application_by_receipt("110101-20260601-3F2A9C1B")
    assert withdrawn is not None and withdrawn.record.status == "withdrawn"


def test_receipt_matching_two_applications_is_ambiguous(central: CentralStore, request_for: RequestFactory) -> None:
    first = _apply(central, _married(central, request_for, 1, 2), app_uuid="3f2a9c1b-0000-4000-8000-000000000001")
    _apply(central, _married(central, request_for, 3, 4), app_uuid="3f2a9c1b-0000-4000-8000-000000000002")
    with pytest.raises(AmbiguousReceiptError) as raised:
        central.divorce_application_by_receipt("110101-20260601-3F2A9C1B")
    assert raised.value.code == "CEN-006"
    assert raised.value.params["reason"] == "回执编号对应多个申请，请改用扫描二维码或联系信息技术人员"
    # The full UUID (the QR code) still finds each.
    detail = central.divorce_application(first)
    assert detail is not None and detail.receipt_no == "110101-20260601-3F2A9C1B"


# -- an office's queue ----------------------------------------------------------------


def test_applications_of_an_office_in_every_status(central: CentralStore, request_for: RequestFactory) -> None:
    """Since a day, in acceptance-date then UUID order, whatever the status."""
    marriages = [_married(central, request_for, 2 * n, 2 * n + 1, date(2024, 3, 1)) for n in range(1, 8)]
    old = _apply(central, marriages[0], on=date(2025, 5, 30))  # before `since`
    expired = _apply(central, marriages[1], on=date(2025, 6, 3))
    pending_late = _apply(central, marriages[2], app_uuid="ffffffff-0000-4000-8000-000000000000", on=date(2025, 9, 1))
    pending_early = _apply(central, marriages[3], app_uuid="00000000-0000-4000-8000-000000000000", on=date(2025, 9, 1))
    withdrawn = _apply(central, marriages[4], on=date(2025, 8, 20))
    registered = _apply(central, marriages[5], on=date(2025, 7, 1))
    _apply(central, marriages[6], office=OTHER_OFFICE, on=date(2025, 8, 1))  # another office's

    central.withdraw_divorce_application(withdrawn, OFFICE, date(2025, 8, 21))
    central.complete_divorce(registered, OFFICE, new_uuid(), date(2025, 8, 12), **COUNTER)
    assert central.expire_divorce_applications(date(2025, 8, 30), load_holiday_calendar()) == sorted([old, expired])

    queue = central.divorce_applications_of_office(OFFICE, since=date(2025, 6, 1))
    assert [(d.record.app_uuid, d.record.status) for d in queue] == [
        (expired, "deemed_withdrawn"),
        (registered, "registered"),
        (withdrawn, "withdrawn"),
        (pending_early, "pending"),
        (pending_late, "pending"),
    ]
    assert all(d.receipt_no == receipt_no_for(d.record.app_uuid, OFFICE, d.record.accepted_on) for d in queue)
    assert [d.marriage.certificate_no for d in queue] == [d.record.marriage_certificate_no for d in queue]
    assert queue[1].marriage.status == "dissolved" and queue[1].marriage.divorce is not None
    assert central.divorce_applications_of_office(OFFICE, since=date(2025, 9, 2)) == []
    assert len(central.divorce_applications_of_office(OTHER_OFFICE, since=date(2025, 1, 1))) == 1
    with pytest.raises(ValueError, match="office_code"):
        central.divorce_applications_of_office("1101", since=date(2025, 1, 1))


# -- a person's marriages -------------------------------------------------------------


def test_marriage_records_of_a_person_newest_first(central: CentralStore, request_for: RequestFactory) -> None:
    first = _married(central, request_for, 1, 2, date(2020, 5, 20))
    app_uuid = _apply(central, first, on=date(2023, 3, 1))
    central.complete_divorce(app_uuid, OFFICE, new_uuid(), date(2023, 4, 10), **COUNTER)
    second = _married(central, request_for, 3, 1, date(2024, 10, 1))
    _married(central, request_for, 4, 5, date(2025, 1, 1))  # nobody's business here

    records = central.marriage_records_of(person_key(1))
    assert [(r.certificate_no, r.status) for r in records] == [(second, "active"), (first, "dissolved")]
    assert records[1].divorce is not None and records[1].divorce.registered_on == date(2023, 4, 10)
    assert [r.certificate_no for r in central.marriage_records_of(person_key(2))] == [first]
    assert central.marriage_records_of(person_key(99)) == []


# -- withdrawal with a client UUID ----------------------------------------------------


def _registrations(raw_engine: Engine, kind: str) -> int:
    with raw_engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(RegistrationRow.kind == kind)).scalar_one())


def test_withdrawal_uuid_is_idempotent_and_carries_the_archive(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    app_uuid = _apply(central, _married(central, request_for, 1, 2))
    withdrawal_uuid = new_uuid()
    on = date(2026, 6, 5)
    record = central.withdraw_divorce_application(app_uuid, OFFICE, on, withdrawal_uuid=withdrawal_uuid, **COUNTER)
    assert record.status == "withdrawn"
    # The withdrawal's archive files have a registration of this office to belong to.
    register(central)
    form = signed_batch(withdrawal_uuid, {"withdrawal.pdf": b"%PDF withdrawal"})
    assert central.store_archive_files(withdrawal_uuid, OFFICE, form) == {name: digest for name, digest, _ in form}
    # A resend (even a day later) answers the same; another content under the UUID does not.
    again = central.withdraw_divorce_application(
        app_uuid, OFFICE, date(2026, 6, 6), withdrawal_uuid=withdrawal_uuid, **COUNTER
    )
    assert again == record
    with pytest.raises(PayloadConflictError):
        central.withdraw_divorce_application(
            app_uuid, OFFICE, on, withdrawal_uuid=withdrawal_uuid, counter_id="counter-02", device_mode="real"
        )
    with pytest.raises(PayloadConflictError):  # a UUID of another kind of registration
        central.withdraw_divorce_application(app_uuid, OFFICE, on, withdrawal_uuid=app_uuid, **COUNTER)
    # The other party withdrawing too, with its own UUID: the same answer, its own row.
    other_uuid = new_uuid()
    assert central.withdraw_divorce_application(app_uuid, OFFICE, on, withdrawal_uuid=other_uuid, **COUNTER) == record
    assert _registrations(raw_engine, "divorce_withdrawal") == 2
    assert divorce_withdrawal_payload_sha256(withdrawal_uuid, app_uuid, OFFICE, "counter-01", "real") != (
        divorce_withdrawal_payload_sha256(other_uuid, app_uuid, OFFICE, "counter-01", "real")
    )


def test_refused_withdrawal_writes_no_registration(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    app_uuid = _apply(central, _married(central, request_for, 1, 2))
    refused_uuid = new_uuid()
    with pytest.raises(DivorceAtOtherOfficeError):
        central.withdraw_divorce_application(
            app_uuid, OTHER_OFFICE, date(2026, 6, 5), withdrawal_uuid=refused_uuid, **COUNTER
        )
    central.set_mode(CentralMode.PRODUCTION)
    with pytest.raises(SimulatedDevicesRefusedError):
        central.withdraw_divorce_application(
            app_uuid, OFFICE, date(2026, 6, 5), withdrawal_uuid=new_uuid(), counter_id="c", device_mode="simulated"
        )
    central.complete_divorce(app_uuid, OFFICE, new_uuid(), date(2026, 7, 15), **COUNTER)
    with pytest.raises(DivorceApplicationNotOpenError):
        central.withdraw_divorce_application(app_uuid, OFFICE, date(2026, 7, 16), withdrawal_uuid=new_uuid(), **COUNTER)
    assert _registrations(raw_engine, "divorce_withdrawal") == 0
    with pytest.raises(RegistrationNotFoundError):
        central.store_archive_files(refused_uuid, OTHER_OFFICE, [archive_file("a.pdf", b"a")])
    with pytest.raises(ValueError, match="withdrawal_uuid"):
        central.withdraw_divorce_application(app_uuid, OFFICE, date(2026, 6, 5), withdrawal_uuid="x", **COUNTER)
