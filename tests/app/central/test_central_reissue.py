"""补领婚姻登记证 (reissue, Reg. 2025 Art. 21; domain.md §4.6) against the registry, on
SQLite and PostgreSQL: BJ/BL numbers, idempotency, the refusals when the status changed,
and the void note a divorce puts on the marriage certificate and its reissues."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from app.central.errors import ReissueRefusedError
from app.central.models import CertificateReissueRow, CertificateRow, RegistrationRow
from app.central.store import CentralStore
from app.central.types import CentralMode, DivorceAck, MarriageRegistrationRequest, ReissueAck, ReissueRequest
from app.domain.divorce import MARRIAGE_CERTIFICATE_VOID_NOTE
from app.errors import PayloadConflictError, SimulatedDevicesRefusedError
from app.store.engine import make_engine
from tests.app.central.helpers import make_reissue, new_uuid, person_key

RequestFactory = Callable[..., MarriageRegistrationRequest]

OFFICE, OTHER_OFFICE = "110101", "110102"
ACCEPTED_ON, DIVORCED_ON = date(2026, 6, 1), date(2026, 7, 15)
COUNTER = {"counter_id": "counter-01", "device_mode": "real"}


def _married(central: CentralStore, request_for: RequestFactory, a: int = 1, b: int = 2) -> str:
    return central.register_marriage(request_for(a, b)).certificate_no


def _divorced(central: CentralStore, marriage_no: str) -> DivorceAck:
    app_uuid = new_uuid()
    central.accept_divorce_application(app_uuid, marriage_no, OFFICE, ACCEPTED_ON, **COUNTER)
    return central.complete_divorce(app_uuid, OFFICE, new_uuid(), DIVORCED_ON, **COUNTER)


def _void_notes(engine: Engine, *certificate_nos: str) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(CertificateRow.certificate_no, CertificateRow.void_note).where(
                CertificateRow.certificate_no.in_(certificate_nos)
            )
        )
        return {row.certificate_no: row.void_note for row in rows}


def test_reissue_of_a_marriage_certificate(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    request = make_reissue(marriage_no, 1, issued_on=date(2026, 9, 1))
    ack = central.reissue_certificate(request)
    assert ack.certificate_no == "BJ110101-2026-000001"
    assert (ack.reissue_uuid, ack.original_certificate_no) == (request.reissue_uuid, marriage_no)
    assert ack.issued_on == date(2026, 9, 1) and ack.duplicate is False
    assert ack.registered_at.tzinfo is not None

    # A resend on a later day is the same reissue; the same UUID with another content is not.
    again = central.reissue_certificate(dataclasses.replace(request, issued_on=date(2026, 9, 2)))
    assert again == dataclasses.replace(ack, duplicate=True)
    with pytest.raises(PayloadConflictError):
        central.reissue_certificate(make_reissue(marriage_no, 2, reissue_uuid=request.reissue_uuid))

    # The other spouse, at another office (any office since 2025), numbered there; the
    # next one at the first office counts on; a new year starts at 1.
    assert central.reissue_certificate(make_reissue(marriage_no, 2, office_code=OTHER_OFFICE)).certificate_no == (
        "BJ110102-2026-000001"
    )
    assert central.reissue_certificate(make_reissue(marriage_no, 2)).certificate_no == "BJ110101-2026-000002"
    assert central.reissue_certificate(make_reissue(marriage_no, 1, issued_on=date(2027, 1, 4))).certificate_no == (
        "BJ110101-2027-000001"
    )

    # The reissued number leads to the marriage, like the original.
    record = central.record_by_certificate(ack.certificate_no)
    assert record is not None and record == central.record_by_certificate(marriage_no)
    assert record.certificate_no == marriage_no and record.certificate_void_note == ""
    # The marriage itself is unchanged.
    assert central.active_marriage_of(person_key(1)) is not None


def test_reissue_of_a_divorce_certificate(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    marriage_no = _married(central, request_for)
    divorce = _divorced(central, marriage_no)
    ack = central.reissue_certificate(make_reissue(divorce.certificate_no, 2, office_code=OTHER_OFFICE))
    assert ack.certificate_no == "BL110102-2026-000001"
    assert ack.original_certificate_no == divorce.certificate_no
    record = central.record_by_certificate(ack.certificate_no)
    assert record is not None and record.divorce is not None
    assert (record.certificate_no, record.divorce.certificate_no) == (marriage_no, divorce.certificate_no)
    # A divorce certificate carries no void note; the registry holds the reissue's applicant.
    assert _void_notes(raw_engine, ack.certificate_no) == {ack.certificate_no: None}
    with raw_engine.connect() as conn:
        reissue = conn.execute(select(CertificateReissueRow)).one()
        kind = conn.execute(select(RegistrationRow.kind).where(RegistrationRow.reg_uuid == ack.reissue_uuid)).scalar()
    assert (reissue.person_key, reissue.issued_on, kind) == (person_key(2), date(2026, 9, 1), "reissue")


def test_divorce_voids_the_marriage_certificate_and_its_reissues(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    marriage_no = _married(central, request_for)
    other_marriage_no = _married(central, request_for, 3, 4)
    reissued = central.reissue_certificate(make_reissue(marriage_no, 1)).certificate_no
    other_reissued = central.reissue_certificate(make_reissue(other_marriage_no, 3)).certificate_no
    record = central.record_by_certificate(marriage_no)
    assert record is not None and record.certificate_void_note == ""

    divorce = _divorced(central, marriage_no)
    numbers = (marriage_no, reissued, divorce.certificate_no, other_marriage_no, other_reissued)
    assert _void_notes(raw_engine, *numbers) == {
        marriage_no: MARRIAGE_CERTIFICATE_VOID_NOTE,
        reissued: MARRIAGE_CERTIFICATE_VOID_NOTE,
        divorce.certificate_no: None,
        other_marriage_no: None,
        other_reissued: None,
    }
    record = central.record_by_certificate(reissued)
    assert record is not None and record.certificate_void_note == MARRIAGE_CERTIFICATE_VOID_NOTE
    [listed] = central.marriage_records_of(person_key(1))
    assert listed.certificate_void_note == MARRIAGE_CERTIFICATE_VOID_NOTE


def test_no_marriage_certificate_after_divorce(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    before = make_reissue(marriage_no, 1)
    first = central.reissue_certificate(before)
    divorce = _divorced(central, marriage_no)
    with pytest.raises(ReissueRefusedError) as raised:
        central.reissue_certificate(make_reissue(marriage_no, 1))
    assert raised.value.code == "CEN-006"
    assert raised.value.params["reason"] == (
        f"该婚姻已于 2026-07-15 办理离婚登记（离婚证字号 {divorce.certificate_no}），不能补领结婚证"
    )
    # A resend of the reissue made before the divorce is still answered as such.
    assert central.reissue_certificate(before) == dataclasses.replace(first, duplicate=True)


def test_no_divorce_certificate_after_remarriage(central: CentralStore, request_for: RequestFactory) -> None:
    divorce = _divorced(central, _married(central, request_for))
    central.register_marriage(request_for(1, 3))
    with pytest.raises(ReissueRefusedError) as raised:
        central.reissue_certificate(make_reissue(divorce.certificate_no, 1))
    assert raised.value.params["reason"] == "当事人已再婚，不能补领离婚证"
    # The former spouse did not remarry.
    assert central.reissue_certificate(make_reissue(divorce.certificate_no, 2)).certificate_no.startswith("BL110101-")


def test_reissue_needs_the_certificate_and_a_party_of_it(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    divorce = _divorced(central, _married(central, request_for, 3, 4))
    refusals = {
        "J110101-2026-999999": 1,  # unknown
        "L110101-2026-999999": 1,
        marriage_no: 3,  # not a party
        divorce.certificate_no: 1,
    }
    reasons = []
    for number, person in refusals.items():
        with pytest.raises(ReissueRefusedError) as raised:
            central.reissue_certificate(make_reissue(number, person))
        reasons.append(raised.value.params["reason"])
    assert reasons == [
        "中心库中没有字号为 J110101-2026-999999 的婚姻登记证",
        "中心库中没有字号为 L110101-2026-999999 的婚姻登记证",
        f"申请人不是结婚证字号 {marriage_no} 所载的当事人，不能补领",
        f"申请人不是离婚证字号 {divorce.certificate_no} 所载的当事人，不能补领",
    ]
    # Nothing was written: the first reissue still gets serial 1.
    assert central.reissue_certificate(make_reissue(marriage_no, 1)).certificate_no == "BJ110101-2026-000001"


def test_production_registry_refuses_simulated_reissues(central: CentralStore, request_for: RequestFactory) -> None:
    marriage_no = _married(central, request_for)
    central.set_mode(CentralMode.PRODUCTION)
    with pytest.raises(SimulatedDevicesRefusedError):
        central.reissue_certificate(make_reissue(marriage_no, 1, device_mode="simulated"))


def test_reissue_requests_are_validated() -> None:
    with pytest.raises(ValueError, match="original_certificate_no"):
        make_reissue("BJ110101-2026-000001", 1)  # a lost BJ is replaced from the J
    with pytest.raises(ValueError, match="original_certificate_no"):
        make_reissue("J110101-26-1", 1)
    with pytest.raises(ValueError, match="reissue_uuid"):
        make_reissue("J110101-2026-000001", 1, reissue_uuid=new_uuid().upper())
    with pytest.raises(ValueError, match="office_code"):
        make_reissue("J110101-2026-000001", 1, office_code="1101")
    with pytest.raises(ValueError, match="device_mode"):
        make_reissue("J110101-2026-000001", 1, device_mode="fake")
    request = make_reissue("L110101-2026-000001", 1)
    assert (request.original_kind, request.reissue_kind) == ("L", "BL")
    with pytest.raises(ValueError, match="person_key"):
        dataclasses.replace(request, person_key="")
    with pytest.raises(ValueError, match="payload_sha256"):
        dataclasses.replace(request, payload_sha256="x")
    # The date is not part of the payload: a resend on a later day is the same reissue.
    later = ReissueRequest.create(
        reissue_uuid=request.reissue_uuid,
        original_certificate_no=request.original_certificate_no,
        person_key=request.person_key,
        office_code=request.office_code,
        counter_id=request.counter_id,
        issued_on=date(2030, 1, 1),
        device_mode=request.device_mode,
    )
    assert later.payload_sha256 == request.payload_sha256


# -- a divorce and a reissue of one marriage at once (PostgreSQL) ----------------------


@contextmanager
def _paused_before(store: CentralStore, statement_start: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Holds `store`'s transaction just before it executes a statement starting with
    `statement_start`: yields (reached, release)."""
    reached, release = threading.Event(), threading.Event()

    def pause(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith(statement_start) and not release.is_set():
            reached.set()
            assert release.wait(10), "never released"

    engine = store._engine  # the store's own engine, not another one
    assert engine is not None
    event.listen(engine, "before_cursor_execute", pause)
    try:
        yield reached, release
    finally:
        release.set()
        event.remove(engine, "before_cursor_execute", pause)


def _wait_for_a_lock_wait(engine: Engine) -> None:
    """Until a session of this database waits for a row lock (the other transaction's)."""
    for _ in range(200):
        with engine.connect() as conn:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar()
        if waiting:
            return
        threading.Event().wait(0.025)
    raise AssertionError("the second transaction never waited for the first one's lock")


@pytest.mark.parametrize("first", ["reissue", "divorce"])
def test_divorce_and_reissue_of_one_marriage_are_ordered(
    postgres_url: str, request_for: RequestFactory, first: str
) -> None:
    """The reissue holds the marriage row FOR SHARE, the divorce updates it: whichever
    takes the row first is seen whole by the other. Reissue first: the divorce waits, then
    voids the J and the new BJ. Divorce first: the reissue waits, then is refused."""
    engine = make_engine(postgres_url)
    with CentralStore(postgres_url) as reissuer, CentralStore(postgres_url) as divorcer:
        marriage_no = _married(reissuer, request_for)
        app_uuid = new_uuid()
        divorcer.accept_divorce_application(app_uuid, marriage_no, OFFICE, ACCEPTED_ON, **COUNTER)

        def divorce() -> DivorceAck:
            return divorcer.complete_divorce(app_uuid, OFFICE, new_uuid(), DIVORCED_ON, **COUNTER)

        def reissue() -> ReissueAck | ReissueRefusedError:
            try:
                return reissuer.reissue_certificate(make_reissue(marriage_no, 1))
            except ReissueRefusedError as exc:
                return exc

        # Paused once the first holds the marriage row: the reissue after its FOR SHARE
        # (inserting its reissue row), the divorce after its UPDATE (voiding certificates).
        if first == "reissue":
            holder, paused_at = reissuer, "INSERT INTO certificate_reissue"
        else:
            holder, paused_at = divorcer, "UPDATE certificate SET void_note"
        with ThreadPoolExecutor(max_workers=2) as pool, _paused_before(holder, paused_at) as (reached, release):
            first_done: Future[Any] = pool.submit(reissue if first == "reissue" else divorce)
            assert reached.wait(10)
            second_done: Future[Any] = pool.submit(divorce if first == "reissue" else reissue)
            _wait_for_a_lock_wait(engine)
            assert not second_done.done()
            release.set()
            outcomes = {first: first_done.result(timeout=10), "other": second_done.result(timeout=10)}
    try:
        divorce_ack = outcomes[first] if first == "divorce" else outcomes["other"]
        reissue_outcome = outcomes[first] if first == "reissue" else outcomes["other"]
        assert isinstance(divorce_ack, DivorceAck)
        if first == "reissue":
            assert isinstance(reissue_outcome, ReissueAck)
            assert _void_notes(engine, marriage_no, reissue_outcome.certificate_no) == {
                marriage_no: MARRIAGE_CERTIFICATE_VOID_NOTE,
                reissue_outcome.certificate_no: MARRIAGE_CERTIFICATE_VOID_NOTE,
            }
        else:
            assert isinstance(reissue_outcome, ReissueRefusedError)
            assert divorce_ack.certificate_no in str(reissue_outcome.params["reason"])
            with engine.connect() as conn:
                assert conn.execute(select(CertificateReissueRow)).first() is None
    finally:
        engine.dispose()
