"""Sends the outbox to the central store until each item is acknowledged (Qt-free).

The workflow queues a registration in the transaction that saves the case, then asks
for one attempt at once (`register_now`) so the registrar gets the certificate
number immediately when the central store is up. Whatever is left (store down, reply
lost, counter killed) is resent by the `sync-worker` thread with exponential backoff
and full jitter. Every resend carries the same reg_uuid, so a commit whose reply was
lost is answered as a duplicate, never as "already married" (central-store.md §2.2,
§3.2: a cut before, at or after COMMIT all look the same to the client).

Outcomes:
- acknowledged: the case gets its certificate number (REGISTERED), in the transaction
  that marks the item acknowledged;
- PartyAlreadyMarriedError: final; the case is REFUSED with the reason;
- SimulatedDevicesRefusedError, PayloadConflictError: final; the item failed with the
  reason, the case CANCELLED (a resend cannot change the answer);
- CentralUnavailableError and anything unexpected: outcome unknown; the item waits
  for its next attempt, the case WAITING_CENTRAL with the reason.

Archive items upload the files of an issued case; each file whose hash the central
store confirms loses its local bytes in the transaction that records the confirmation.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial

from app.archive.package import ArchivePackage, package_prefix
from app.archive.signing import ArchiveSigner, missing_signature, register_signer
from app.audit.errors import AuditHeadRefusedError
from app.audit.trail import GENESIS, read_refusal, write_refusal
from app.central.errors import ArchiveRejectedError, CentralStateError
from app.central.types import MarriageRegistrationRequest, RegistrationAck
from app.domain.case import CaseStatus, MarriageCase, MarriageStep, Registration, RuleOutcome
from app.errors import (
    AppError,
    CentralUnavailableError,
    CorruptArchiveError,
    LocalStoreError,
    PartyAlreadyMarriedError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
    WorkflowError,
)
from app.store.local import LocalStore, Settlement
from app.sync.backoff import Backoff
from app.sync.types import (
    ArchiveCentral,
    ArchiveFileRecord,
    AuditHeadCentral,
    AuditHeadSource,
    OutboxEntry,
    OutboxItem,
    OutboxKind,
    OutboxState,
    RegistrationCentral,
    SyncReport,
    ack_result,
    registration_payload,
    registration_request,
)
from app.workflow.clock import Clock, SystemClock
from devices.events import Event

log = logging.getLogger(__name__)

WORKER_THREAD_NAME = "sync-worker"

# A registration that failed for good; the reason kept on the item names no person
# (the case keeps the full message, which the registrar sees with the card in hand).
_MARRIED_REASON = "[CEN-002] a party already has an active marriage"


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Final answers a registration can get, by code: rebuilt from the item's result when the
# worker (or another process) settled the item before register_now could send it.
_FINAL_ERRORS: dict[str, type[AppError]] = {
    error.code: error for error in (PartyAlreadyMarriedError, PayloadConflictError, SimulatedDevicesRefusedError)
}


def _failure_result(outcome: str, error: AppError) -> dict[str, object]:
    # The parameters may name a party (the case shows them anyway); `sync status`
    # prints last_error only, never the result.
    return {"outcome": outcome, "code": error.code, "params": {k: str(v) for k, v in error.params.items()}}


def _final_error(item: OutboxItem) -> AppError | None:
    if item.state is not OutboxState.FAILED or not item.result:
        return None
    error_class = _FINAL_ERRORS.get(str(item.result.get("code")))
    params = item.result.get("params")
    if error_class is None or not isinstance(params, dict):
        return None
    return error_class(**params)


@dataclass(frozen=True, slots=True)
class _Attempt:
    """What one attempt did; `error` is re-raised by register_now."""

    item: OutboxItem | None  # as stored afterwards; None when the outcome was stale
    error: AppError | None
    settled: OutboxState | None  # the state this attempt asked for


class SyncService:
    """Thread-safe. `item_did_change` (the item) and `case_did_change` (the case id) are
    emitted on the thread that did the change: the GUI re-emits them as queued signals."""

    def __init__(
        self,
        store: LocalStore,
        central: RegistrationCentral,
        *,
        clock: Clock | None = None,
        now: Callable[[], datetime] = _utc_now,
        backoff: Backoff | None = None,
        lease: timedelta = timedelta(minutes=2),
        idle_poll_s: float = 30.0,
        batch: int = 50,
        signer: ArchiveSigner | None = None,
        audit: AuditHeadSource | None = None,
    ) -> None:
        self.store = store
        self.central = central
        # Signs each archive package's manifest with the counter's key (app.archive.signing)
        # and registers its public key; the central store refuses unsigned packages.
        self.signer = signer
        # The audit chain whose head each pass ships to the central store (#10), so that
        # `audit verify` catches a log cut short; None: nothing shipped.
        self.audit = audit
        self.audit_head_shipped: tuple[int, str] | None = None  # the head the central store acknowledged
        self.audit_head_error = ""  # why the last shipping failed ("" when it did not)
        # The central store's refusal (AUD-003), kept until IT re-anchors the chain.
        self.audit_head_refused = ""
        self._unsaved_refusal = ""
        self._audit_lock = threading.Lock()
        self.clock: Clock = clock or SystemClock()  # stamps case changes, like the workflow
        self._now = now  # schedules attempts: real time, also when the workflow's clock is fixed
        self.backoff = backoff or Backoff()
        # A sender that died while `sending` leaves the item due again after this.
        self.lease = lease
        self.idle_poll_s = idle_poll_s
        self.batch = batch
        self.item_did_change: Event[OutboxItem] = Event("item_did_change")
        self.case_did_change: Event[str] = Event("case_did_change")
        # One send at a time in this process: register_now waits for the worker's
        # current send instead of racing it (a race would be harmless, only wasteful).
        self._send_lock = threading.Lock()
        self._urgent = 0  # register_now calls waiting for the send lock
        self._urgent_cv = threading.Condition()
        self._wake = threading.Event()
        self._force_next = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._life_lock = threading.Lock()

    # --- queueing (called by the workflow) ----------------------------------------

    def enqueue_registration(self, case: MarriageCase, request: MarriageRegistrationRequest) -> MarriageCase:
        """Saves `case` and its registration item in one transaction; returns the case."""
        if case.registration_uuid != request.reg_uuid:
            raise ValueError("the request is not the registration of this case")
        now = self._now()
        # register_now follows at once; should it never come (a crash), the worker sends
        # the item after the lease, or at its next start (recover()).
        entry = OutboxEntry(OutboxKind.REGISTRATION, case.case_id, request.reg_uuid, registration_payload(request),
                            not_before=now + self.lease)
        self.store.save_case(case, enqueue=(entry,), now=now)
        self._changed(case.case_id, self.store.outbox_item_for(OutboxKind.REGISTRATION, request.reg_uuid))
        return case

    def has_registration_item(self, reg_uuid: str) -> bool:
        return self.store.outbox_item_for(OutboxKind.REGISTRATION, reg_uuid) is not None

    def enqueue_archive(self, case: MarriageCase, package: ArchivePackage) -> MarriageCase:
        """Saves `case`, the package's files and its archive item in one transaction and
        wakes the worker. A case archived already keeps its first package; a supplement
        (package.prefix) is an item of its own, sent once the package is confirmed."""
        if package.case_id != case.case_id or package.reg_uuid != case.registration_uuid:
            raise ValueError("the archive package is not the package of this case")
        if self.signer is not None:
            package = self.signer.sign_package(package)
        files = tuple(ArchiveFileRecord(f.name, f.sha256, f.data) for f in package.files)
        payload = {"office_code": case.office_code, "files": [f.name for f in files],
                   "registration_uuid": package.reg_uuid}
        key = archive_item_key(package.reg_uuid, package.prefix)
        if package.prefix and self.store.outbox_item_for(OutboxKind.ARCHIVE, key) is not None:
            # New content under a number already queued would be dropped (the first item stands).
            raise WorkflowError(reason=f"补充档案 {package.prefix} 已排队：请重新打开本案件后再操作")
        entry = OutboxEntry(OutboxKind.ARCHIVE, case.case_id, key, payload, files)
        self.store.save_case(case, enqueue=(entry,), now=self._now())
        self._changed(case.case_id, self.store.outbox_item_for(OutboxKind.ARCHIVE, key))
        self.wake()
        return case

    # --- sending ----------------------------------------------------------------------

    def register_now(self, case: MarriageCase) -> MarriageCase:
        """One attempt at the case's queued registration, now (its backoff ignored).

        Returns the case as stored, REGISTERED; raises what the central store answered
        after saving the outcome (CentralUnavailableError: the case waits and the
        worker goes on by itself; PartyAlreadyMarriedError: REFUSED; ...)."""
        if case.registration_uuid is None:
            raise WorkflowError(reason="案件尚未提交登记")
        item = self.store.outbox_item_for(OutboxKind.REGISTRATION, case.registration_uuid)
        if item is None:
            raise WorkflowError(reason="登记未排队，请重新提交登记")
        attempt = None
        with self._urgent_cv:
            self._urgent += 1
        try:
            with self._send_lock:
                current = self.store.outbox_item(item.item_id)
                if current is not None and not current.is_final:
                    attempt = self._attempt(current, force=True)
        finally:
            with self._urgent_cv:
                self._urgent -= 1
                self._urgent_cv.notify_all()
        stored = self.store.load_case(case.case_id)
        if stored is None:
            raise WorkflowError(reason="案件不存在")
        if stored.registration is not None:
            return stored
        if attempt is not None and attempt.error is not None:
            raise attempt.error
        settled = self.store.outbox_item(item.item_id)
        final_error = None if settled is None else _final_error(settled)
        if final_error is not None:
            raise final_error  # settled by the worker (or another process) meanwhile
        if stored.status is CaseStatus.WAITING_CENTRAL or stored.status is CaseStatus.OPEN:
            # Claimed by another sender (another process) in the meantime: still unknown.
            raise CentralUnavailableError(detail=stored.central_error or "another sender has the registration")
        raise WorkflowError(reason=stored.central_error or f"案件状态为 {stored.status.value}")

    def run_once(self, *, force: bool = False) -> SyncReport:
        """Sends every due item once (every open item with `force`); returns what it did."""
        attempted = acknowledged = failed = retrying = 0
        for item in self.store.outbox_due(self._now(), limit=self.batch, force=force):
            if self._stop.is_set():
                break
            with self._urgent_cv:
                # A registrar waiting at the counter goes first: the queue yields to register_now.
                self._urgent_cv.wait_for(lambda: self._urgent == 0 or self._stop.is_set(), timeout=30)
            with self._send_lock:
                attempt = self._attempt(item, force=force)
            if attempt is None:
                continue  # another sender took it, or it became final meanwhile
            attempted += 1
            if attempt.settled is OutboxState.ACKNOWLEDGED:
                acknowledged += 1
            elif attempt.settled is OutboxState.FAILED:
                failed += 1
            else:
                retrying += 1
        self.ship_audit_head()
        counts = self.store.outbox_counts()
        return SyncReport(
            attempted=attempted,
            acknowledged=acknowledged,
            failed=failed,
            retrying=retrying,
            pending=counts[OutboxState.PENDING] + counts[OutboxState.SENDING],
            next_attempt_at=self.store.outbox_next_attempt_at(),
        )

    def ship_audit_head(self) -> bool:
        """Sends the audit chain's head to the central store when it moved since the
        store last acknowledged it: one small read and one write in a pass at most, none
        when nothing was recorded meanwhile. The head proves it continues the stored one
        (this log's own record at the stored seq); the central write is idempotent, so a
        lost reply is simply resent next pass. Never raises and never holds up a
        registration: a failure is logged and retried next pass. A refusal (AUD-003: the
        log was cut short or rewritten) is kept in `audit_head_error` and beside the log
        (app.audit.trail.write_refusal) until IT re-anchors the chain; meanwhile no head
        is shipped. Returns whether the central store holds the current head."""
        audit, central = self.audit, self.central
        if audit is None or not isinstance(central, AuditHeadCentral):
            return False
        with self._audit_lock:
            # The note beside the log is the state (IT removes it when it re-anchors; a
            # running counter then ships again); in memory only when it could not be saved.
            self.audit_head_refused = read_refusal(audit.path) or self._unsaved_refusal
            if self.audit_head_refused:
                self.audit_head_error = self.audit_head_refused
                return False
            try:
                seq, head_hash = audit.head()
                if (seq, head_hash) == self.audit_head_shipped:
                    return True
                try:
                    self._send_audit_head(audit, central, seq, head_hash)
                except AuditHeadRefusedError:
                    # Another process of this counter (`sync run`) may have moved the central
                    # head between these reads and this send: the log only grows, so fresh
                    # reads continue it. Refused again: the log was cut or rewritten.
                    seq, head_hash = audit.head()
                    self._send_audit_head(audit, central, seq, head_hash)
            except AuditHeadRefusedError as error:
                self._audit_head_refused(audit, error)
                return False
            except AppError as error:  # the central store unreachable, the log unreadable
                self._audit_head_failed(error, logging.WARNING)
                return False
            except Exception as error:
                log.exception("audit head: shipping failed")
                self.audit_head_error = type(error).__name__
                return False
            self.audit_head_shipped = (seq, head_hash)
            self.audit_head_error = ""
            log.debug("audit head seq %d shipped", seq)
            return True

    @staticmethod
    def _send_audit_head(audit: AuditHeadSource, central: AuditHeadCentral, seq: int, head_hash: str) -> None:
        """Ships (seq, head_hash) with this log's record at the central store's seq;
        AuditHeadRefusedError when this log has no such record (cut short)."""
        counter_id = audit.counter_id
        stored = central.audit_head_of(counter_id)
        if stored is None:
            previous: tuple[int, str | None] = (0, GENESIS)
        elif (stored.seq, stored.head_hash) == (seq, head_hash):
            return  # held already (shipped by another process, or the reply was lost)
        else:
            previous = (stored.seq, audit.hash_at(stored.seq) if stored.seq <= seq else None)
        previous_seq, previous_hash = previous
        if previous_hash is None:
            raise AuditHeadRefusedError(
                counter_id=counter_id, seq=seq, stored_seq=previous_seq,
                detail=f"its log has no record at seq {previous_seq} (it ends at seq {seq}), "
                f"the central store already has seq {previous_seq}",
            )
        if seq == 0:
            return  # nothing recorded, nothing held
        central.record_audit_head(counter_id, seq, head_hash, previous_seq=previous_seq, previous_hash=previous_hash)

    def _audit_head_refused(self, audit: AuditHeadSource, error: AuditHeadRefusedError) -> None:
        message = str(error)
        log.error("audit head refused; no head is shipped until IT re-anchors the chain: %s", message)
        self.audit_head_refused = self.audit_head_error = message
        try:
            write_refusal(audit.path, message)
        except OSError as write_error:
            self._unsaved_refusal = message
            log.error("audit head refusal could not be kept beside the log: %s", write_error)

    def _audit_head_failed(self, error: AppError, level: int) -> None:
        message = str(error)
        if message != self.audit_head_error:  # once per new reason, not every pass
            log.log(level, "audit head not shipped, retried next pass: %s", message)
        self.audit_head_error = message

    def recover(self) -> int:
        """Items a dead sender left `sending` become due now (at start-up)."""
        recovered = self.store.outbox_recover_sending(self._now())
        if recovered:
            log.info("%d outbox item(s) left sending by a previous run are due again", recovered)
        return recovered

    def items(self) -> list[OutboxItem]:
        return self.store.outbox_items()

    def counts(self) -> dict[OutboxState, int]:
        return self.store.outbox_counts()

    def _attempt(self, item: OutboxItem, *, force: bool) -> _Attempt | None:
        """Claims `item`, sends it, settles the outcome. Holds the send lock."""
        now = self._now()
        claimed = self.store.outbox_claim(item.item_id, now=now, lease_until=now + self.lease, force=force)
        if claimed is None:
            return None
        self.item_did_change.emit(claimed)
        if claimed.kind is OutboxKind.REGISTRATION:
            return self._send_registration(claimed)
        return self._send_archive(claimed)

    def _send_registration(self, item: OutboxItem) -> _Attempt:
        try:
            ack = self.central.register_marriage(registration_request(item.payload))
        except PartyAlreadyMarriedError as error:
            return self._settle(
                item, error, OutboxState.FAILED, _MARRIED_REASON, result=_failure_result("refused", error),
                case_change=partial(self._refused, error=error),
            )
        except (SimulatedDevicesRefusedError, PayloadConflictError) as error:
            # Nothing was registered and a resend cannot change that: a new case must be
            # captured (with real devices) or IT must look at it.
            return self._settle(
                item, error, OutboxState.FAILED, str(error), result=_failure_result("cancelled", error),
                case_change=partial(self._cancelled, error=error),
            )
        except Exception as exc:
            return self._retry(item, exc)
        return self._settle(
            item, None, OutboxState.ACKNOWLEDGED, "", result=ack_result(ack),
            case_change=partial(self._registered, ack=ack),
        )

    def _send_archive(self, item: OutboxItem) -> _Attempt:
        central = self.central
        if not isinstance(central, ArchiveCentral):
            return self._retry(item, CentralUnavailableError(detail="the central store does not accept archives"))
        # The item's own files: a case's supplements are items of their own (an item
        # listing no files is a package: the files outside supplement folders).
        listed = set(item.payload.get("files") or ())
        stored = [
            f for f in self.store.archive_files(item.case_id)
            if (f.name in listed if listed else package_prefix(f.name) == "")
        ]
        registration = str(item.payload.get("registration_uuid") or item.reg_uuid)
        if registration != item.reg_uuid:  # a supplement follows its registration's package
            package = self.store.outbox_item_for(OutboxKind.ARCHIVE, registration)
            if package is None or package.state is OutboxState.FAILED:
                # It would wait for ever: IT sees both and re-queues the package first.
                refused = CentralStateError(reason="本案件电子档案的主档案包上传失败或不存在，补充档案须在其确认后上传")
                return self._settle(item, refused, OutboxState.FAILED, str(refused),
                                    result=_failure_result("refused", refused))
            if package.state is not OutboxState.ACKNOWLEDGED:
                return self._retry(item, CentralUnavailableError(
                    detail="the supplement waits until the registration's archive package is confirmed"))
        wanted = {f.name: f.sha256 for f in stored}
        # Files confirmed by an earlier attempt (whose acknowledgement was then lost) are
        # not sent again.
        already = {f.name: f.sha256 for f in stored if f.confirmed}
        unsent = [(f.name, f.sha256, f.data) for f in stored if not f.confirmed and f.data is not None]
        held: dict[str, str] = {}
        if unsent:
            try:
                if self.signer is not None:
                    register_signer(central, self.signer)
                    unsent += missing_signature(self.signer, ((f.name, f.data) for f in stored))
                held = central.store_archive_files(registration, str(item.payload["office_code"]), unsent)
            except (PayloadConflictError, CentralStateError, ArchiveRejectedError) as error:
                # The central store holds another file under one of these names, has no
                # such registration of this office, or refused the package's signature: a
                # resend gets the same answer, so IT decides; the issued case itself stays
                # as it is, its files kept.
                return self._settle(
                    item, error, OutboxState.FAILED, str(error), result=_failure_result("refused", error)
                )
            except ValueError as error:
                # A local copy whose bytes no longer match its recorded hash (disk damage):
                # resending cannot heal it, so it waits for IT with the reason, files kept.
                damaged = CorruptArchiveError(detail=str(error))
                return self._settle(
                    item, damaged, OutboxState.FAILED, str(damaged), result=_failure_result("refused", damaged)
                )
            except Exception as exc:
                return self._retry(item, exc)
        confirmed = {name: digest for name, digest in held.items() if wanted.get(name) == digest}
        missing = sorted(name for name in wanted if name not in confirmed and name not in already)
        if missing:
            # Only files whose hash matched lose their local copy; the rest is resent.
            return self._retry(
                item, CentralUnavailableError(detail=f"{len(missing)} file(s) not confirmed"), confirmed=confirmed
            )
        return self._settle(
            item, None, OutboxState.ACKNOWLEDGED, "", result={"outcome": "archived", "files": len(wanted)},
            confirmed=confirmed,
        )

    def _retry(self, item: OutboxItem, exc: Exception, *, confirmed: dict[str, str] | None = None) -> _Attempt:
        if isinstance(exc, AppError):
            error = exc
        else:
            # A bug or an unforeseen failure must not stop the queue: the outcome is unknown,
            # so the same UUID is resent later. The traceback goes to the log only.
            log.exception("outbox item %s: unexpected failure", item.item_id)
            error = CentralUnavailableError(detail=type(exc).__name__)
        delay = self.backoff.delay(item.attempts)
        log.info("outbox item %s (%s): attempt %d failed, next in %.1f s: %s",
                 item.item_id, item.kind.value, item.attempts, delay, error)
        case_change = partial(self._waiting, error=error) if item.kind is OutboxKind.REGISTRATION else None
        return self._settle(
            item, error, OutboxState.PENDING, error.message, next_attempt_at=self._now() + timedelta(seconds=delay),
            case_change=case_change, confirmed=confirmed or {},
        )

    def _settle(
        self,
        item: OutboxItem,
        error: AppError | None,
        state: OutboxState,
        last_error: str,
        *,
        result: dict[str, object] | None = None,
        next_attempt_at: datetime | None = None,
        case_change: Callable[[MarriageCase], MarriageCase] | None = None,
        confirmed: dict[str, str] | None = None,
    ) -> _Attempt:
        settled, _case = self.store.outbox_settle(
            Settlement(
                item_id=item.item_id,
                attempt=item.attempts,
                state=state,
                now=self._now(),
                next_attempt_at=next_attempt_at,
                last_error=last_error,
                result=result,
                case_change=case_change,
                confirmed_files=confirmed or {},
            )
        )
        if settled is None:
            log.info("outbox item %s: outcome of attempt %d superseded", item.item_id, item.attempts)
        else:
            self._changed(item.case_id, settled)
        if settled is not None and settled.state is OutboxState.PENDING:
            self.wake()  # the worker recomputes when to wake up
        return _Attempt(settled, error, state)

    # --- case changes (applied to the case as stored, in the settling transaction) ---

    def _registered(self, case: MarriageCase, ack: RegistrationAck) -> MarriageCase:
        if case.registration is not None:
            return case
        registration = Registration(ack.certificate_no, ack.registered_at, ack.registered_on, ack.duplicate)
        log.info("case %s registered as %s%s", case.case_id, ack.certificate_no, " (resent)" if ack.duplicate else "")
        return replace(
            case, registration=registration, status=CaseStatus.REGISTERED, step=MarriageStep.ISSUE,
            central_error="", updated_at=self.clock.now(),
        )

    def _refused(self, case: MarriageCase, error: PartyAlreadyMarriedError) -> MarriageCase:
        if case.registration is not None:
            return case
        # The constraint, not the earlier live check, has the last word (a race lost at
        # commit): it replaces the live check's C-M-SPOUSE outcomes.
        outcome = RuleOutcome("C-M-SPOUSE", False, "中心库登记时发现：" + error.message)
        kept = tuple(o for o in case.rule_outcomes if o.rule_id != "C-M-SPOUSE")
        log.info("case %s refused at commit: a party is in an active marriage", case.case_id)
        return replace(
            case, status=CaseStatus.REFUSED, step=MarriageStep.DONE, rule_outcomes=(*kept, outcome),
            central_error=error.message, updated_at=self.clock.now(),
        )

    def _cancelled(self, case: MarriageCase, error: AppError) -> MarriageCase:
        if case.registration is not None:
            return case
        log.warning("case %s cancelled: %s", case.case_id, error)
        return replace(
            case, status=CaseStatus.CANCELLED, step=MarriageStep.DONE, central_error=error.message,
            updated_at=self.clock.now(),
        )

    def _waiting(self, case: MarriageCase, error: AppError) -> MarriageCase:
        if case.registration is not None or case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL):
            return case
        return replace(
            case, status=CaseStatus.WAITING_CENTRAL, central_error=error.message, updated_at=self.clock.now()
        )

    def _changed(self, case_id: str, item: OutboxItem | None) -> None:
        if item is not None:
            self.item_did_change.emit(item)
        self.case_did_change.emit(case_id)

    # --- the worker thread ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Starts the `sync-worker` thread (once; a second call does nothing)."""
        with self._life_lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self.recover()
            self._thread = threading.Thread(target=self._run, name=WORKER_THREAD_NAME, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stops the worker and waits for it: an attempt in flight finishes (bounded by
        the central store's network timeouts) and its outcome is saved."""
        with self._life_lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._stop.set()
            self._wake.set()
        with self._urgent_cv:
            self._urgent_cv.notify_all()
        thread.join()
        self._stop.clear()  # run_once stays usable without the worker (and start() again)

    def wake(self) -> None:
        """Asks the worker to look at the queue now (something was queued or rescheduled)."""
        self._wake.set()

    def push_now(self) -> None:
        """"Sync now" (the GUI's button): the worker's next pass sends every open item,
        whatever its backoff says."""
        self._force_next.set()
        self._wake.set()

    def _run(self) -> None:
        log.info("sync worker started")
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            force = self._force_next.is_set()
            self._force_next.clear()
            try:
                self.run_once(force=force)
                delay = self._seconds_to_next_attempt()
                failures = 0
            except LocalStoreError as error:
                failures += 1
                delay = self.backoff.delay(failures)
                log.error("sync worker: local store failed, next pass in %.1f s: %s", delay, error)
            except Exception:
                failures += 1
                delay = self.backoff.delay(failures)
                log.exception("sync worker: pass failed, next pass in %.1f s", delay)
            self._wake.wait(delay)
        log.info("sync worker stopped")

    def _seconds_to_next_attempt(self) -> float:
        due = self.store.outbox_next_attempt_at()
        if due is None:
            return self.idle_poll_s
        return min(self.idle_poll_s, max(0.0, (due - self._now()).total_seconds()))


def archive_item_key(reg_uuid: str, prefix: str) -> str:
    """The outbox key of an archive item: the registration's UUID for its package, a
    UUID derived from it and the supplement's folder for a supplement (one item each)."""
    return reg_uuid if not prefix else str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:uuid:{reg_uuid}/{prefix}"))

