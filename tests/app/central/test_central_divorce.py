"""Divorce in two visits against the registry, on SQLite and PostgreSQL.

The two rules of the issue are checked twice: through CentralStore (clear business
errors) and by inserting rows directly (raw Core statements that bypass the
application code), where the database itself must refuse them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from app.central.errors import (
    DivorceApplicationNotFoundError,
    DivorceApplicationNotOpenError,
    DivorceAtOtherOfficeError,
    MarriageNotActiveError,
    MarriageNotFoundError,
    OpenDivorceApplicationExistsError,
)
from app.central.models import CertificateRow, DivorceApplicationRow, DivorceCompletionRow, RegistrationRow
from app.central.store import CentralStore
from app.central.types import CentralMode, DivorceAck, MarriageRegistrationRequest
from app.errors import PayloadConflictError, SimulatedDevicesRefusedError
from tests.app.central.helpers import new_uuid

RequestFactory = Callable[..., MarriageRegistrationRequest]
KeyOf = Callable[[int], str]

OFFICE, OTHER_OFFICE = "110101", "110102"
ACCEPTED_ON, REGISTERED_ON = date(2026, 6, 1), date(2026, 7, 15)
COUNTER = {"counter_id": "counter-01", "device_mode": "real"}


def _married(central: CentralStore, request_for: RequestFactory, a: int = 1, b: int = 2) -> str:
    return central.register_marriage(request_for(a, b)).certificate_no


def _apply(central: CentralStore, certificate_no: str, office: str = OFFICE, app_uuid: str | None = None) -> str:
    app_uuid = app_uuid or new_uuid()
    central.accept_divorce_application(app_uuid, certificate_no, office, ACCEPTED_ON, **COUNTER)
    return app_uuid


def test_divorce_in_two_visits_dissolves_the_marriage(
    central: CentralStore, request_for: RequestFactory, key_of: KeyOf
) -> None:
    marriage_no = _married(central, request_for)
    app_uuid = new_uuid()
    accepted = central.accept_divorce_application(app_uuid, marriage_no, OFFICE, ACCEPTED_ON, **COUNTER)
    assert (accepted.app_uuid, accepted.marriage_certificate_no) == (app_uuid, marriage_no)
    assert accepted.office_code == OFFICE
    assert accepted.accepted_on == ACCEPTED_ON and accepted.duplicate is False
    assert accepted.received_at.tzinfo is UTC

    open_application = central.open_divorce_application(marriage_no)
    assert open_application is not None
    assert (open_application.app_uuid, open_application.office_code, open_application.status) == (
        app_uuid,
        OFFICE,
        "pending",
    )
    assert open_application.accepted_on == ACCEPTED_ON
    # Still married during the cooling-off period.
    assert central.marital_status_of(key_of(1)) == "married"

    reg_uuid = new_uuid()
    ack = central.complete_divorce(app_uuid, OFFICE, reg_uuid, REGISTERED_ON, **COUNTER)
    assert ack.certificate_no == "L110101-2026-000001"
    assert (ack.app_uuid, ack.reg_uuid, ack.marriage_certificate_no) == (app_uuid, reg_uuid, marriage_no)
    assert ack.registered_on == REGISTERED_ON and ack.duplicate is False

    assert central.open_divorce_application(marriage_no) is None
    assert central.marital_status_of(key_of(1)) == central.marital_status_of(key_of(2)) == "divorced"
    assert central.active_marriage_of(key_of(1)) is None
    [marriage] = central.list_marriages()
    assert marriage.status == "dissolved"
    assert [p.active for p in marriage.parties] == [False, False]
    assert marriage.divorce is not None and marriage.divorce.certificate_no == ack.certificate_no

    # Either certificate leads to the record (for a reissue).
    by_marriage_no = central.record_by_certificate(marriage_no)
    by_divorce_no = central.record_by_certificate(ack.certificate_no)
    assert by_marriage_no == by_divorce_no == marriage
    assert central.record_by_certificate("J110101-2026-999999") is None
    assert central.record_by_certificate("nonsense") is None

    # A new marriage makes the person married again, and the next divorce counts on.
    central.register_marriage(request_for(1, 3))
    assert central.marital_status_of(key_of(1)) == "married"
    assert central.marital_status_of(key_of(2)) == "divorced"
    assert central.marital_status_of(key_of(99)) == "unmarried"


def test_application_resend_is_idempotent(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    app_uuid = new_uuid()
    first = central.accept_divorce_application(app_uuid, marriage_no, OFFICE, ACCEPTED_ON, **COUNTER)
    # A resend on a later day keeps the original date.
    again = central.accept_divorce_application(app_uuid, marriage_no, OFFICE, date(2026, 6, 2), **COUNTER)
    assert again == dataclasses.replace(first, duplicate=True)
    with pytest.raises(PayloadConflictError):
        central.accept_divorce_application(app_uuid, marriage_no, OTHER_OFFICE, ACCEPTED_ON, **COUNTER)


def test_one_open_application_per_marriage(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    _apply(central, marriage_no, OFFICE)
    with pytest.raises(OpenDivorceApplicationExistsError) as raised:
        _apply(central, marriage_no, OTHER_OFFICE)
    assert raised.value.code == "CEN-006"
    assert OFFICE in raised.value.message and "2026-06-01" in raised.value.message


def test_application_needs_an_active_marriage(central: CentralStore, request_for: RequestFactory) -> None:
    with pytest.raises(MarriageNotFoundError):
        _apply(central, "J110101-2026-000009")
    marriage_no = _married(central, request_for)
    app_uuid = _apply(central, marriage_no)
    central.complete_divorce(app_uuid, OFFICE, new_uuid(), REGISTERED_ON, **COUNTER)
    with pytest.raises(MarriageNotActiveError):
        _apply(central, marriage_no)


def test_divorce_is_registered_only_at_the_accepting_office(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    app_uuid = _apply(central, marriage_no, OFFICE)
    with pytest.raises(DivorceAtOtherOfficeError) as raised:
        central.complete_divorce(app_uuid, OTHER_OFFICE, new_uuid(), REGISTERED_ON, **COUNTER)
    assert OFFICE in raised.value.message
    # Nothing was written: the application is open, no serial was used anywhere.
    assert central.open_divorce_application(marriage_no) is not None
    assert central.complete_divorce(app_uuid, OFFICE, new_uuid(), REGISTERED_ON, **COUNTER).certificate_no == (
        "L110101-2026-000001"
    )


def test_divorce_registration_resend_and_second_completion(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    app_uuid = _apply(central, marriage_no)
    reg_uuid = new_uuid()
    first = central.complete_divorce(app_uuid, OFFICE, reg_uuid, REGISTERED_ON, **COUNTER)
    again = central.complete_divorce(app_uuid, OFFICE, reg_uuid, date(2026, 7, 16), **COUNTER)
    assert again == dataclasses.replace(first, duplicate=True)
    with pytest.raises(DivorceApplicationNotOpenError) as raised:
        central.complete_divorce(app_uuid, OFFICE, new_uuid(), REGISTERED_ON, **COUNTER)
    assert "已办结" in raised.value.message
    with pytest.raises(PayloadConflictError):
        central.complete_divorce(new_uuid(), OFFICE, reg_uuid, REGISTERED_ON, **COUNTER)
    with pytest.raises(DivorceApplicationNotFoundError):
        central.complete_divorce(new_uuid(), OFFICE, new_uuid(), REGISTERED_ON, **COUNTER)


def test_production_registry_refuses_simulated_divorces(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    central.set_mode(CentralMode.PRODUCTION)
    simulated = {"counter_id": "counter-01", "device_mode": "simulated"}
    with pytest.raises(SimulatedDevicesRefusedError):
        central.accept_divorce_application(new_uuid(), marriage_no, OFFICE, ACCEPTED_ON, **simulated)
    app_uuid = _apply(central, marriage_no)
    with pytest.raises(SimulatedDevicesRefusedError):
        central.complete_divorce(app_uuid, OFFICE, new_uuid(), REGISTERED_ON, **simulated)


def test_divorce_requests_are_validated(central: CentralStore) -> None:
    with pytest.raises(ValueError, match="app_uuid"):
        central.accept_divorce_application("x", "J110101-2026-000001", OFFICE, ACCEPTED_ON, **COUNTER)
    with pytest.raises(ValueError, match="marriage certificate"):
        central.accept_divorce_application(new_uuid(), "L110101-2026-000001", OFFICE, ACCEPTED_ON, **COUNTER)
    with pytest.raises(ValueError, match="office_code"):
        central.complete_divorce(new_uuid(), "1101", new_uuid(), REGISTERED_ON, **COUNTER)
    with pytest.raises(ValueError, match="device_mode"):
        central.complete_divorce(new_uuid(), OFFICE, new_uuid(), REGISTERED_ON, counter_id="c", device_mode="fake")


@pytest.mark.slow
def test_concurrent_completions_have_one_winner(central: CentralStore, request_for: RequestFactory) -> None:
    """20 counters complete one application at once, 10 of them at another office."""
    marriage_no = _married(central, request_for)
    app_uuid = _apply(central, marriage_no)
    start = threading.Barrier(20)

    def attempt(i: int) -> DivorceAck | Exception:
        start.wait(timeout=10)
        try:
            return central.complete_divorce(
                app_uuid, OFFICE if i % 2 else OTHER_OFFICE, new_uuid(), REGISTERED_ON, **COUNTER
            )
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=20, thread_name_prefix="complete") as pool:
        outcomes = list(pool.map(attempt, range(20)))
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == Counter(
        {"DivorceAck": 1, "DivorceAtOtherOfficeError": 10, "DivorceApplicationNotOpenError": 9}
    ), outcomes
    [ack] = [o for o in outcomes if isinstance(o, DivorceAck)]
    assert ack.certificate_no == "L110101-2026-000001"  # the losers returned their serials


@pytest.mark.slow
def test_concurrent_applications_for_one_marriage_have_one_winner(
    central: CentralStore, request_for: RequestFactory
) -> None:
    marriage_no = _married(central, request_for)
    start = threading.Barrier(10)

    def attempt(i: int) -> str:
        start.wait(timeout=10)
        try:
            _apply(central, marriage_no, f"{110101 + i}")
            return "accepted"
        except OpenDivorceApplicationExistsError:
            return "refused"
        except Exception as exc:
            return repr(exc)

    with ThreadPoolExecutor(max_workers=10, thread_name_prefix="apply") as pool:
        outcomes = Counter(pool.map(attempt, range(10)))
    assert outcomes == Counter({"accepted": 1, "refused": 9}), outcomes


# -- the database itself refuses, whatever the application code does ------------------


def _registration(reg_uuid: str, kind: str, office: str, certificate_no: str | None = None) -> dict[str, object]:
    return {
        "reg_uuid": reg_uuid,
        "kind": kind,
        "office_code": office,
        "counter_id": "raw-sql",
        "payload_sha256": "0" * 64,
        "device_mode": "real",
        "received_at": datetime(2026, 6, 1, tzinfo=UTC),
        "certificate_no": certificate_no,
    }


def _constraint_named(error: IntegrityError, name: str, sqlite_text: str) -> bool:
    text = str(error.orig)
    return name in text if "sqlite" not in type(error.orig).__module__ else sqlite_text in text


def test_database_refuses_a_second_open_application(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    marriage_no = _married(central, request_for)
    first = _apply(central, marriage_no)
    [marriage] = central.list_marriages()

    def raw_application(status: str) -> None:
        app_uuid = new_uuid()
        with raw_engine.begin() as conn:
            conn.execute(insert(RegistrationRow), _registration(app_uuid, "divorce_application", OTHER_OFFICE))
            conn.execute(
                insert(DivorceApplicationRow).values(
                    app_uuid=app_uuid,
                    marriage_id=marriage.marriage_id,
                    office_code=OTHER_OFFICE,
                    accepted_on=ACCEPTED_ON,
                    status=status,
                    received_at=datetime.now(UTC),
                )
            )

    with pytest.raises(IntegrityError) as raised:
        raw_application("pending")
    assert _constraint_named(
        raised.value, "uq_one_open_divorce_application_per_marriage", "UNIQUE constraint failed: divorce_application"
    ), raised.value.orig
    raw_application("withdrawn")  # control: only a second *open* one is refused
    with pytest.raises(IntegrityError):
        raw_application("on hold")  # and the status is a closed list
    open_application = central.open_divorce_application(marriage_no)
    assert open_application is not None and open_application.app_uuid == first


def test_database_refuses_a_completion_at_another_office(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    app_uuid = _apply(central, _married(central, request_for), OFFICE)

    def raw_completion(office: str, serial: int) -> None:
        reg_uuid, certificate_no = new_uuid(), f"L{office}-2026-{serial:06d}"
        with raw_engine.begin() as conn:
            registration = _registration(reg_uuid, "divorce_registration", office, certificate_no)
            conn.execute(insert(RegistrationRow), registration)
            conn.execute(
                insert(CertificateRow).values(
                    certificate_no=certificate_no, kind="L", office_code=office, year=2026, serial=serial,
                    reg_uuid=reg_uuid,
                )
            )
            conn.execute(
                insert(DivorceCompletionRow).values(
                    app_uuid=app_uuid,
                    office_code=office,
                    reg_uuid=reg_uuid,
                    certificate_no=certificate_no,
                    registered_on=REGISTERED_ON,
                )
            )

    with pytest.raises(IntegrityError) as raised:
        raw_completion(OTHER_OFFICE, 1)
    assert _constraint_named(
        raised.value, "fk_divorce_completion_app_uuid_divorce_application", "FOREIGN KEY constraint failed"
    ), raised.value.orig
    raw_completion(OFFICE, 1)  # control: the same rows at the accepting office are accepted
    with pytest.raises(IntegrityError) as raised:
        raw_completion(OFFICE, 2)  # and an application is completed once (primary key)
    assert _constraint_named(raised.value, "pk_divorce_completion", "UNIQUE constraint failed: divorce_completion")
