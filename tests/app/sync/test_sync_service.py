"""SyncService: one attempt at once, then the worker resends by itself until the central
store answers; business answers are final; archives drop local bytes only once confirmed."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from app.central.types import CentralMode
from app.domain.case import CaseStatus, MarriageCase, MarriageStep
from app.domain.identity import Sex
from app.errors import (
    CentralUnavailableError,
    PartyAlreadyMarriedError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
    WorkflowError,
)
from app.store.local import LocalStore
from app.sync.service import WORKER_THREAD_NAME, SyncService
from app.sync.types import OutboxItem, OutboxKind, OutboxState
from app.workflow.marriage import MarriageWorkflow
from tests.app.archive.helpers import make_signer
from tests.app.sync.conftest import SyncFactory
from tests.app.sync.helpers import FaultyCentral, person, ready_case, wait_until


def _case(flow: MarriageWorkflow, n: int) -> MarriageCase:
    return ready_case(flow, f"case-{n}", person(2 * n, Sex.MALE), person(2 * n + 1, Sex.FEMALE))


def _registration_item(local: LocalStore, case: MarriageCase) -> OutboxItem:
    stored = local.load_case(case.case_id)
    assert stored is not None and stored.registration_uuid is not None
    item = local.outbox_item_for(OutboxKind.REGISTRATION, stored.registration_uuid)
    assert item is not None
    return item


def test_store_up_registers_at_once_and_acknowledges_the_item(flow: MarriageWorkflow, local: LocalStore) -> None:
    case = flow.register(_case(flow, 1))
    assert case.status is CaseStatus.REGISTERED and case.step is MarriageStep.ISSUE
    assert case.registration is not None and case.registration.certificate_no.startswith("J110101-")
    item = _registration_item(local, case)
    assert item.state is OutboxState.ACKNOWLEDGED and item.attempts == 1 and item.last_error == ""
    assert item.result is not None and item.result["certificate_no"] == case.registration.certificate_no
    assert local.load_case(case.case_id) == case


def test_uuid_and_item_are_saved_before_the_first_attempt(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral
) -> None:
    seen: list[tuple[str | None, OutboxState | None]] = []
    real = central.register_marriage

    def spy(request):  # type: ignore[no-untyped-def]
        stored = local.load_case("case-1")
        item = local.outbox_item_for(OutboxKind.REGISTRATION, request.reg_uuid)
        seen.append((stored.registration_uuid if stored else None, item.state if item else None))
        return real(request)

    central.register_marriage = spy  # type: ignore[method-assign]
    case = flow.register(_case(flow, 1))
    assert seen == [(case.registration_uuid, OutboxState.SENDING)]


def test_store_down_then_back_continues_by_itself(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    changed: list[str] = []
    sync.case_did_change.connect(changed.append)
    central.down = True
    with pytest.raises(CentralUnavailableError, match="connection refused"):
        flow.register(_case(flow, 1))
    waiting = local.load_case("case-1")
    assert waiting is not None and waiting.status is CaseStatus.WAITING_CENTRAL
    assert "connection refused" in waiting.central_error
    item = _registration_item(local, waiting)
    assert item.state is OutboxState.PENDING and item.attempts == 1 and "connection refused" in item.last_error

    sync.start()
    wait_until(lambda: central.calls >= 3)  # the worker keeps trying with backoff
    assert local.load_case("case-1") == waiting  # unchanged while the store is down
    central.down = False  # the network is back: nobody presses anything
    wait_until(lambda: _registration_item(local, waiting).state is OutboxState.ACKNOWLEDGED)
    sync.stop()
    done = local.load_case("case-1")
    assert done is not None and done.status is CaseStatus.REGISTERED and done.central_error == ""
    assert done.registration is not None and done.registration_uuid == waiting.registration_uuid
    assert "case-1" in changed
    assert len(central.real.list_marriages()) == 1


def test_lost_reply_is_resolved_by_the_worker_as_a_duplicate(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    central.lose_replies = 1
    with pytest.raises(CentralUnavailableError):
        flow.register(_case(flow, 1))
    sync.start()
    wait_until(lambda: _registration_item(local, _case_of(local)).state is OutboxState.ACKNOWLEDGED)
    sync.stop()
    done = _case_of(local)
    assert done.registration is not None and done.registration.duplicate_ack
    assert [m.certificate_no for m in central.real.list_marriages()] == [done.registration.certificate_no]


def _case_of(local: LocalStore, case_id: str = "case-1") -> MarriageCase:
    case = local.load_case(case_id)
    assert case is not None
    return case


def test_a_stale_copy_gets_the_case_the_worker_registered(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    central.down = True
    with pytest.raises(CentralUnavailableError):
        flow.register(_case(flow, 1))
    stale = _case_of(local)
    central.down = False
    sync.run_once(force=True)
    again = flow.register(stale)  # the GUI still shows the waiting copy; F12
    assert again.status is CaseStatus.REGISTERED and again == _case_of(local)
    assert central.calls == 2  # no further call: the stored case answered


def test_already_married_is_final_and_refuses_the_case(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral
) -> None:
    groom = person(1, Sex.MALE)
    flow.register(ready_case(flow, "first", groom, person(2, Sex.FEMALE)))
    with pytest.raises(PartyAlreadyMarriedError, match=r"1101\*+"):
        flow.register(ready_case(flow, "second", groom, person(3, Sex.FEMALE)))
    refused = _case_of(local, "second")
    assert refused.status is CaseStatus.REFUSED and "C-M-SPOUSE" in refused.refused_rules
    item = _registration_item(local, refused)
    assert item.state is OutboxState.FAILED and item.last_error.startswith("[CEN-002]")
    assert groom.name not in item.last_error and groom.number not in item.last_error  # no personal data
    calls = central.calls
    with pytest.raises(WorkflowError):
        flow.register(refused)  # final: not sent again
    assert central.calls == calls


def test_an_answer_the_worker_got_first_is_raised_by_register_now(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    groom = person(1, Sex.MALE)
    central.down = True
    with pytest.raises(CentralUnavailableError):
        flow.register(ready_case(flow, "late", groom, person(2, Sex.FEMALE)))
    central.down = False
    flow.register(ready_case(flow, "rival", groom, person(3, Sex.FEMALE)))
    assert sync.run_once(force=True).failed == 1  # the worker hears "already married"
    with pytest.raises(PartyAlreadyMarriedError, match=r"1101\*+"):
        sync.register_now(_case_of(local, "late"))
    assert _case_of(local, "late").status is CaseStatus.REFUSED


def test_simulated_devices_refused_cancels_the_case(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral
) -> None:
    central.real.set_mode(CentralMode.PRODUCTION)
    with pytest.raises(SimulatedDevicesRefusedError):
        flow.register(_case(flow, 1))
    cancelled = _case_of(local)
    assert cancelled.status is CaseStatus.CANCELLED and cancelled.step is MarriageStep.DONE
    item = _registration_item(local, cancelled)
    assert item.state is OutboxState.FAILED and "CEN-004" in item.last_error


def test_payload_conflict_cancels_the_case(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral
) -> None:
    def conflict(request):  # type: ignore[no-untyped-def]
        raise PayloadConflictError(reg_uuid=request.reg_uuid)

    central.register_marriage = conflict  # type: ignore[method-assign]
    with pytest.raises(PayloadConflictError):
        flow.register(_case(flow, 1))
    cancelled = _case_of(local)
    assert cancelled.status is CaseStatus.CANCELLED
    assert _registration_item(local, cancelled).state is OutboxState.FAILED


def test_an_unexpected_failure_keeps_the_item_pending(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    real = central.register_marriage
    central.register_marriage = lambda request: (_ for _ in ()).throw(RuntimeError("bug"))  # type: ignore[method-assign]
    with pytest.raises(CentralUnavailableError, match="RuntimeError"):
        flow.register(_case(flow, 1))
    assert _registration_item(local, _case_of(local)).state is OutboxState.PENDING
    central.register_marriage = real  # type: ignore[method-assign]
    report = sync.run_once(force=True)
    assert (report.attempted, report.acknowledged, report.pending) == (1, 1, 0)
    assert _case_of(local).status is CaseStatus.REGISTERED


def test_run_once_reports_and_skips_items_not_due(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, make_sync: SyncFactory
) -> None:
    from app.sync.backoff import Backoff

    slow = make_sync(backoff=Backoff(base_s=60, cap_s=60, floor_s=30))
    flow.sync = slow
    central.down = True
    for n in (1, 2):
        with pytest.raises(CentralUnavailableError):
            flow.register(_case(flow, n))
    central.down = False
    assert slow.run_once().attempted == 0  # both wait at least 30 s
    report = slow.run_once(force=True)
    assert (report.attempted, report.acknowledged, report.retrying, report.pending) == (2, 2, 0, 0)
    assert slow.counts()[OutboxState.ACKNOWLEDGED] == 2


def test_push_now_sends_items_still_backing_off(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, make_sync: SyncFactory
) -> None:
    from app.sync.backoff import Backoff

    slow = make_sync(backoff=Backoff(base_s=600, cap_s=600, floor_s=300))
    flow.sync = slow
    central.down = True
    with pytest.raises(CentralUnavailableError):
        flow.register(_case(flow, 1))
    central.down = False
    slow.start()
    slow.push_now()  # the registrar's "sync now": no waiting for the 5-minute backoff
    wait_until(lambda: _case_of(local).status is CaseStatus.REGISTERED)
    slow.stop()


def test_worker_start_stop_leaves_no_thread(sync: SyncService) -> None:
    sync.start()
    sync.start()  # once only
    assert [t.name for t in threading.enumerate()].count(WORKER_THREAD_NAME) == 1
    assert sync.running
    sync.stop()
    sync.stop()
    assert not sync.running
    assert WORKER_THREAD_NAME not in [t.name for t in threading.enumerate()]
    sync.start()  # restartable
    sync.stop()


def test_stop_waits_for_the_attempt_in_flight(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    central.down = True
    with pytest.raises(CentralUnavailableError):
        flow.register(_case(flow, 1))
    central.down, central.hang_s = False, 0.3
    sync.start()
    wait_until(lambda: _registration_item(local, _case_of(local)).state is OutboxState.SENDING)
    sync.stop()  # joins: the attempt finishes and its outcome is saved
    assert _registration_item(local, _case_of(local)).state is OutboxState.ACKNOWLEDGED


def test_items_left_sending_by_a_dead_sender_are_recovered(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    central.down = True
    with pytest.raises(CentralUnavailableError):
        flow.register(_case(flow, 1))
    item = _registration_item(local, _case_of(local))
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    assert local.outbox_claim(item.item_id, now=now, lease_until=now + timedelta(hours=1), force=True) is not None
    central.down = False
    assert sync.run_once().attempted == 0  # leased to the "dead" sender
    assert sync.recover() == 1
    assert sync.run_once().acknowledged == 1


# --- archives ---------------------------------------------------------------------


def _issued(flow: MarriageWorkflow) -> MarriageCase:
    case = flow.register(_case(flow, 1))
    return flow.mark_issued(case, ("certificate-A.pdf",), form_files={"certificate-A.pdf": b"%PDF-1.7 A"})


def test_issuing_queues_the_archive_with_its_manifest(flow: MarriageWorkflow, local: LocalStore) -> None:
    issued = _issued(flow)
    assert issued.status is CaseStatus.ISSUED and _case_of(local) == issued
    item = local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
    assert item is not None and item.state is OutboxState.PENDING
    files = local.archive_files(issued.case_id)
    names = [f.name for f in files]
    assert names[-1] == "manifest.json" and "forms/certificate-A.pdf" in names and "case.json" in names
    assert all(f.data is not None and not f.confirmed for f in files)
    # Issuing again is refused (a reprint goes through a voided blank) and queues nothing.
    with pytest.raises(WorkflowError, match="作废"):
        flow.mark_issued(issued, ("certificate-B.pdf",), form_files={"certificate-B.pdf": b"%PDF-1.7 B"})
    assert len(local.outbox_items(states=[OutboxState.PENDING])) == 1
    assert [f.name for f in local.archive_files(issued.case_id)] == names


def test_local_archive_bytes_are_dropped_only_after_confirmation(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    issued = _issued(flow)
    central.down = True
    report = sync.run_once(force=True)
    assert report.retrying == 1
    assert all(f.data is not None for f in local.archive_files(issued.case_id))  # store down: all kept

    central.down = False
    central.wrong_hash_once = {"case.json"}
    report = sync.run_once(force=True)
    files = {f.name: f for f in local.archive_files(issued.case_id)}
    assert report.retrying == 1
    assert files["case.json"].data is not None and not files["case.json"].confirmed  # hash not confirmed
    assert all(f.data is None and f.confirmed for name, f in files.items() if name != "case.json")

    report = sync.run_once(force=True)
    assert report.acknowledged == 1
    assert central.archive_calls[-1] == ["case.json"]  # only what was not confirmed is resent
    assert all(f.data is None and f.confirmed for f in local.archive_files(issued.case_id))
    item = local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
    assert item is not None and item.state is OutboxState.ACKNOWLEDGED
    assert _case_of(local) == issued  # the case itself is untouched


def test_archive_lost_reply_keeps_bytes_then_confirms(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    issued = _issued(flow)
    central.lose_replies = 1
    assert sync.run_once(force=True).retrying == 1
    assert all(f.data is not None for f in local.archive_files(issued.case_id))
    assert sync.run_once(force=True).acknowledged == 1
    assert all(f.data is None for f in local.archive_files(issued.case_id))


def test_archive_conflict_fails_the_item_not_the_case(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService
) -> None:
    issued = _issued(flow)
    central.archive[(issued.registration_uuid or "", "case.json")] = "f" * 64
    assert sync.run_once(force=True).failed == 1
    item = local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
    assert item is not None and item.state is OutboxState.FAILED and "CEN-003" in item.last_error
    assert _case_of(local).status is CaseStatus.ISSUED
    assert any(f.data is not None for f in local.archive_files(issued.case_id))


class _RegistrationsOnly:
    def __init__(self, central: FaultyCentral) -> None:
        self.register_marriage = central.register_marriage


def test_a_central_store_without_archives_leaves_the_item_pending(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, make_sync: SyncFactory
) -> None:
    issued = _issued(flow)
    registrations_only = make_sync(central=_RegistrationsOnly(central))
    assert registrations_only.run_once(force=True).retrying == 1
    item = local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
    assert item is not None and item.state is OutboxState.PENDING and "archives" in item.last_error


def test_archives_reach_the_real_central_store(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, make_sync: SyncFactory
) -> None:
    issued = _issued(flow)
    # The central store takes signed packages only; this one was queued unsigned (no
    # signer in `flow`): the sender registers its key and signs the manifest (#10).
    real = make_sync(central=central.real, signer=make_signer())
    assert real.run_once(force=True).acknowledged == 1
    assert all(f.data is None and f.confirmed for f in local.archive_files(issued.case_id))


def test_events_tell_the_gui_what_changed(flow: MarriageWorkflow, sync: SyncService) -> None:
    items: list[OutboxItem] = []
    cases: list[str] = []
    sync.item_did_change.connect(items.append)
    sync.case_did_change.connect(cases.append)
    flow.register(_case(flow, 1))
    assert [i.state for i in items] == [OutboxState.PENDING, OutboxState.SENDING, OutboxState.ACKNOWLEDGED]
    assert set(cases) == {"case-1"}


def test_queuing_needs_the_case_uuid(sync: SyncService, flow: MarriageWorkflow) -> None:
    case = _case(flow, 1)
    with pytest.raises(WorkflowError):
        sync.register_now(case)
    request = flow.registration_request(replace(case, registration_uuid="5b0c1f2e-7d0e-4a8c-9b7a-1f3c2d4e5f60"))
    with pytest.raises(ValueError, match="not the registration"):
        sync.enqueue_registration(case, request)


def test_a_damaged_local_copy_fails_the_item_for_it_and_keeps_the_files(
    flow: MarriageWorkflow, local: LocalStore, central: FaultyCentral, sync: SyncService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = _issued(flow)

    def refuse_damaged(*_args: object) -> dict[str, str]:
        # what the real central store raises before sending when bytes and hash disagree
        raise ValueError("case.json: SHA-256 does not match its bytes")

    monkeypatch.setattr(central, "store_archive_files", refuse_damaged)
    assert sync.run_once(force=True).failed == 1  # final: a resend cannot heal the disk
    item = local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
    assert item is not None and item.state is OutboxState.FAILED and "SYN-001" in item.last_error
    assert all(f.data is not None for f in local.archive_files(issued.case_id))
