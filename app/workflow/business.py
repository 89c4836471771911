"""What the divorce and reissue workflows share: the case lifecycle at the counter.

Like the marriage workflow, every public method takes the current case and returns the
next one, saved to the local store before it returns (a crash loses nothing; the case
resumes where it stopped). Methods block on the stores: callers run them on a worker
thread, never on the GUI thread.

The central write of these businesses (accept, withdraw, register a divorce, reissue)
is made while the parties wait at the window, because what is printed depends on its
answer. It keeps the marriage flow's exactly-once property without the outbox: the
client UUID is created and saved with the case *before* the first attempt, every
resend uses it, and the central store answers a resend with the original outcome. An
unreachable central store leaves the case WAITING_CENTRAL, resumable with F12. The
archive package goes through the outbox like a marriage's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Self

from app.archive.package import build_archive_package
from app.audit import AuditAction
from app.auth.guard import CounterGuard
from app.auth.model import Permission, SupervisorCredentials
from app.central.errors import CentralStateError
from app.config import Config
from app.domain.case import (
    Business,
    CaseStatus,
    DeviceMode,
    MarriageCase,
    MarriageStep,
    Party,
    Registration,
    Role,
)
from app.domain.divorce import MarriageOnRecord, RecordParty, SignedForm
from app.errors import (
    AppError,
    CentralUnavailableError,
    InvalidIdentityError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
    WorkflowError,
)
from app.rules.counter_divorce import business_case_results, form_text
from app.rules.engine import RulesContext
from app.rules.identity import document_defects
from app.rules.model import OfficeKind, Verdict
from app.rules.results import RuleResult, refusal_grounds
from app.workflow.access import guarded
from app.workflow.capture import (
    approve_face_override,
    captured_document,
    with_face_check,
    without_stale_face_checks,
)
from app.workflow.clock import Clock, today
from app.workflow.forms import as_issued, reprint_supplement, void_blank, with_refusal_notice, with_reprint
from app.workflow.marriage import MarriageWorkflow, RegistrationQueue, identity_from_record, signature_on
from app.workflow.ports import BusinessRegistry, CaseRepository
from app.workflow.set_aside import approve_set_aside
from devices.camera.types import CapturedImage
from devices.face.types import FaceComparison
from devices.id_reader.types import IdentityRecord
from devices.signature_pad.types import SignatureCapture

log = logging.getLogger(__name__)

Outcome = tuple[Registration, Mapping[str, object]]
# (case, client UUID, day of the first attempt) -> the call that sends the request.
Prepare = Callable[[MarriageCase, str, date], Callable[[], Outcome]]


def _submitted_on(case: MarriageCase) -> date | None:
    details = case.divorce or case.reissue
    return details.submitted_on if details is not None else None


def _submitted(case: MarriageCase, on: date) -> MarriageCase:
    if case.divorce is not None:
        return replace(case, divorce=replace(case.divorce, submitted_on=on))
    if case.reissue is not None:
        return replace(case, reissue=replace(case.reissue, submitted_on=on))
    raise ValueError(f"case {case.case_id} has no business details")


def marriage_on_record(record: object) -> MarriageOnRecord:
    """The domain value of an app.central.types.MarriageRecord (duck-typed: the workflow
    does not import the store's types beyond their fields)."""
    divorce = getattr(record, "divorce", None)
    return MarriageOnRecord(
        certificate_no=getattr(record, "certificate_no"),  # noqa: B009
        registered_on=getattr(record, "registered_on"),  # noqa: B009
        office_code=getattr(record, "office_code"),  # noqa: B009
        status=getattr(record, "status"),  # noqa: B009
        parties=tuple(RecordParty(Role(p.role), p.person_key, p.name) for p in getattr(record, "parties")),  # noqa: B009
        divorce_certificate_no=divorce.certificate_no if divorce else "",
        divorce_registered_on=divorce.registered_on if divorce else None,
        divorce_office_code=divorce.office_code if divorce else "",
    )


@dataclass
class BusinessWorkflow:
    store: CaseRepository
    central: BusinessRegistry
    config: Config
    clock: Clock
    device_mode: DeviceMode
    rules: RulesContext
    sync: RegistrationQueue  # the outbox the archive package goes through
    # Who may do each step, and the audit trail (app.auth.guard, #10); None: unchecked.
    guard: CounterGuard | None = None

    @classmethod
    def beside(cls, marriage: MarriageWorkflow, central: BusinessRegistry, sync: RegistrationQueue) -> Self:
        """A workflow sharing the marriage workflow's store, configuration, rules, clock
        (one clock: a test or a demo that moves it moves every business) and guard (one
        counter session)."""
        return cls(marriage.store, central, marriage.config, marriage.clock, marriage.device_mode, marriage.rules, sync,
                   marriage.guard)

    def _audit(self, action: AuditAction, case: MarriageCase, detail: str) -> None:
        if self.guard is not None:
            self.guard.record(action, case_id=case.case_id, detail=detail)

    @property
    def office_kind(self) -> OfficeKind:
        return OfficeKind.FOREIGN_HMT if self.config.office.designated_foreign_hmt else OfficeKind.MAINLAND

    def today(self) -> date:
        return today(self.clock)

    def _save(self, case: MarriageCase, **changes: object) -> MarriageCase:
        """Saves the case with its rules judged afresh while it is open; a closed or
        committed case keeps the outcomes it was decided on (after a withdrawal, "the
        application is withdrawn" is the result, not a failed rule)."""
        updated = without_stale_face_checks(replace(case, updated_at=self.clock.now(), **changes))  # type: ignore[arg-type]
        still_open = updated.status in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL) and updated.registration is None
        if still_open and "rule_outcomes" not in changes:
            updated = replace(updated, rule_outcomes=tuple(r.outcome() for r in self.evaluate(updated)))
        self.store.save_case(updated)
        if self.guard is not None:
            self.guard.changed(updated.case_id, updated.step.value)
        return updated

    def _require_open(self, case: MarriageCase) -> None:
        if case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL):
            raise WorkflowError(reason=f"案件状态为 {case.status.value}，不能再修改")
        if case.registration_uuid is not None and case.registration is None:
            raise WorkflowError(reason="中心库结果尚未确认，请先重新提交（F12）")

    @guarded(Permission.REVIEW)
    def start_case(self, business: Business) -> MarriageCase:
        if business is Business.MARRIAGE:
            raise ValueError("a marriage case is started by the marriage workflow")
        now = self.clock.now()
        case = MarriageCase(
            case_id=uuid.uuid4().hex,
            office_code=self.config.office.code,
            counter_id=self.config.office.counter_id,
            registrar=self.guard.operator_name() if self.guard is not None else self.config.registrar.name,
            created_at=now,
            device_mode=self.device_mode,
            business=business,
            updated_at=now,
        )
        case = self._initial(case)
        log.info("case %s (%s) started", case.case_id, business.value)
        return self._save(case)

    def _initial(self, case: MarriageCase) -> MarriageCase:
        return case

    # -- capture -------------------------------------------------------------------

    def _party_from(self, role: Role, record: IdentityRecord) -> Party:
        """A card just read; an unusable document raises InvalidIdentityError and leaves
        the case as it was."""
        identity = identity_from_record(record)
        defects = document_defects(identity, self.today(), self.rules.region_codes)
        if defects:
            log.warning("card %s refused: %s", identity.masked_number, "; ".join(defects))
            raise InvalidIdentityError(reason="；".join(defects))
        return Party(
            role=role,
            identity=identity,
            photo_png=record.photo_png,
            read_at=self.clock.now(),
            reader_name=record.reader_name,
            central_active_marriage=self._active_marriage(identity.person_key),
        )

    def _active_marriage(self, person_key: str) -> str | None:
        try:
            active = self.central.active_marriage_of(person_key)
        except CentralUnavailableError as error:
            log.warning("live check deferred: %s", error)
            return None
        return active.certificate_no if active else ""

    @guarded(Permission.REVIEW)
    def add_document(self, case: MarriageCase, image: CapturedImage, document_class: str) -> MarriageCase:
        self._require_open(case)
        document = captured_document(image, document_class)
        return self._save(case, documents=(*case.documents, document))

    @guarded(Permission.REVIEW)
    def remove_document(self, case: MarriageCase, document_id: str) -> MarriageCase:
        self._require_open(case)
        return self._save(case, documents=tuple(d for d in case.documents if d.document_id != document_id))

    @guarded(Permission.REVIEW)
    def check_face(self, case: MarriageCase, role: Role, live: CapturedImage, result: FaceComparison) -> MarriageCase:
        """人证合一 (app.workflow.capture)."""
        self._require_open(case)
        return self._save(with_face_check(case, role, live, result, self.clock.now()))

    @guarded(Permission.REVIEW)
    def override_face_check(
        self, case: MarriageCase, role: Role, supervisor: SupervisorCredentials | str, reason: str
    ) -> MarriageCase:
        """As MarriageWorkflow.override_face_check: the supervisor authenticates here."""
        self._require_open(case)
        return approve_face_override(self.guard, case, role, supervisor, reason, save=self._save, now=self.clock.now())

    @guarded(Permission.REVIEW)
    def set_rule_aside(
        self, case: MarriageCase, rule_id: str, role: Role | None, reason: str,
        supervisor: SupervisorCredentials | str, *, shown: str | None = None,
    ) -> MarriageCase:
        """As MarriageWorkflow.set_rule_aside (app.workflow.set_aside)."""
        self._require_open(case)
        return approve_set_aside(self.guard, case, rule_id, role, reason, supervisor, evaluate=self.evaluate,
                                 save=self._save, now=self.clock.now(), shown=shown)

    def form_text(self, case: MarriageCase, form: SignedForm, role: Role) -> str:
        """What the pad shows and the party signs."""
        text = form_text(case, form, role)
        if text is None:
            raise WorkflowError(reason="签名前须先读取证件并录入表格内容")
        return text

    @guarded(Permission.REVIEW)
    def sign(self, case: MarriageCase, form: SignedForm, role: Role, capture: SignatureCapture) -> MarriageCase:
        self._require_open(case)
        signature = signature_on(self.form_text(case, form, role), role, capture, form)
        kept = [s for s in case.form_signatures if (s.form, s.role) != (form, role)]
        # In the local store's order, so a case read back equals the one saved.
        ordered = sorted((*kept, signature), key=lambda s: (str(s.form), s.role.value))
        return self._save(case, form_signatures=tuple(ordered))

    # -- judgement -------------------------------------------------------------------

    def judge(self, case: MarriageCase) -> tuple[Verdict | None, list[RuleResult]]:
        return business_case_results(case, self.today(), self.office_kind, self.rules)

    def evaluate(self, case: MarriageCase) -> list[RuleResult]:
        return self.judge(case)[1]

    def blockers(self, case: MarriageCase) -> list[RuleResult]:
        return [r for r in self.evaluate(case) if not r.passed]

    def applicable_law(self) -> str:
        return self.rules.policy.era_on(self.today()).citation

    def refusal_grounds(self, case: MarriageCase) -> list[RuleResult]:
        return refusal_grounds(self.evaluate(case))

    @guarded(Permission.REGISTER)
    def refuse(self, case: MarriageCase) -> MarriageCase:
        """不予受理 / 不予办理 / 不予补领: closes the case with its legal grounds (the
        counter prints the notice on request)."""
        self._require_open(case)
        results = self.evaluate(case)
        grounds = refusal_grounds(results)
        if not grounds:
            raise WorkflowError(reason="没有不符合条件的情形，不能作不予办理处理")
        log.info("case %s refused: %s", case.case_id, ",".join(r.rule_id for r in grounds))
        # As for a marriage: the grounds are the reasons given, the passed rules the record
        # of what was checked; unfinished work (a missing signature) is neither.
        kept = tuple(r.outcome() for r in results if r.passed or r in grounds)
        return self._save(case, status=CaseStatus.REFUSED, step=MarriageStep.DONE, rule_outcomes=kept)

    @guarded(Permission.REVIEW)
    def cancel(self, case: MarriageCase) -> MarriageCase:
        self._require_open(case)
        log.info("case %s cancelled at %s", case.case_id, case.step.value)
        outcomes = tuple(r.outcome() for r in self.evaluate(case))  # why the visit ended, e.g. too early
        return self._save(case, status=CaseStatus.CANCELLED, step=MarriageStep.DONE, rule_outcomes=outcomes)

    # -- the central write -------------------------------------------------------------

    def _refreshed(self, case: MarriageCase) -> MarriageCase:
        """The case with its facts read again from the central store (after the store
        refused the write, so that the rules show why)."""
        return case

    def _commit(self, case: MarriageCase, prepare: Prepare) -> MarriageCase:
        """The central write, exactly once: the client UUID and the day are created once
        and saved before the first attempt; every resend sends both unchanged.

        `prepare(case, client_uuid, on)` builds and checks the request (raising before
        anything is saved when it cannot be built) and returns the call that sends it,
        which answers with the acknowledgement and the case fields it changes."""
        if case.registration is not None:
            return case
        stored = self.store.load_case(case.case_id)
        if stored is not None and stored.registration_uuid is not None:
            case = stored  # a resend: the stored case is the truth
            if case.registration is not None:
                return case
        if case.registration_uuid is None:
            self._require_open(case)
            problems = self.blockers(case)
            if problems:
                raise WorkflowError(reason="；".join(r.message for r in problems))
            client_uuid, on = str(uuid.uuid4()), self.today()  # `on`: see DivorceDetails.submitted_on
            try:
                send = prepare(case, client_uuid, on)
            except ValueError as error:
                raise WorkflowError(reason=f"提交内容不完整：{error}") from error
            case = self._save(
                _submitted(case, on), registration_uuid=client_uuid, step=MarriageStep.REGISTER, central_error=""
            )
        elif case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL):
            raise WorkflowError(reason=f"案件状态为 {case.status.value}，不能再提交")
        else:
            assert case.registration_uuid is not None
            send = prepare(case, case.registration_uuid, _submitted_on(case) or self.today())
        try:
            registration, changes = send()
        except (SimulatedDevicesRefusedError, PayloadConflictError) as error:
            self._audit_commit(case, error.code)
            self._save(case, status=CaseStatus.CANCELLED, step=MarriageStep.DONE, central_error=error.message)
            raise
        except CentralStateError as error:
            # A business answer: nothing was written centrally, so the UUID is dropped and
            # the case, with its facts read again, can be corrected or refused.
            self._audit_commit(case, error.code)
            log.info("case %s: the central store refused: %s", case.case_id, error.code)
            self._save(
                self._refreshed(case), registration_uuid=None, status=CaseStatus.OPEN, central_error=error.message
            )
            raise
        except AppError as unknown:
            # Unreachable (or a fault IT must see): the outcome is unknown, the UUID stays
            # and F12 resends it.
            self._audit_commit(case, unknown.code)
            self._save(case, status=CaseStatus.WAITING_CENTRAL, central_error=unknown.message)
            raise
        except Exception as exc:
            # An unforeseen failure is treated alike; its traceback goes to the log only.
            log.exception("case %s: unexpected failure of the central write", case.case_id)
            failure = CentralUnavailableError(detail=type(exc).__name__)
            self._audit_commit(case, failure.code)
            self._save(case, status=CaseStatus.WAITING_CENTRAL, central_error=failure.message)
            raise failure from exc
        self._audit_commit(case, "ok")
        log.info("case %s acknowledged as %s", case.case_id, registration.certificate_no)
        submitted_on = _submitted_on(case)
        done = replace(case, **changes)  # type: ignore[arg-type]
        return self._save(
            done if submitted_on is None else _submitted(done, submitted_on),
            registration=registration,
            status=CaseStatus.REGISTERED,
            step=MarriageStep.ISSUE,
            central_error="",
        )

    def _audit_commit(self, case: MarriageCase, outcome: str) -> None:
        """COMMIT: a central write was sent, with its outcome ("ok" or the code)."""
        self._audit(AuditAction.COMMIT, case, f"{case.business.value} {outcome}")

    # -- issue ---------------------------------------------------------------------------

    @guarded(Permission.REGISTER)
    def mark_issued(
        self, case: MarriageCase, forms: tuple[str, ...], *, form_files: Mapping[str, bytes] | None = None
    ) -> MarriageCase:
        """Closes the case as issued, keeping the forms' PDFs with it, and queues its
        archive package (app.sync)."""
        if case.registration is None:
            raise WorkflowError(reason="中心库尚未确认，不能出具文书")
        issued = as_issued(case, forms, form_files or {}, self.clock.now())
        queued = self.sync.enqueue_archive(issued, build_archive_package(issued, form_files or {}))
        self._audit(AuditAction.CHANGE, queued, "mark_issued")
        return queued

    @guarded(Permission.REGISTER)
    def attach_refusal_notice(self, case: MarriageCase, pdf: bytes) -> MarriageCase:
        """Keeps the refusal notice printed for a refused case (its PDF, sealed with the
        case); a notice kept already stays as it was."""
        kept = with_refusal_notice(case, pdf)
        return case if kept is case else self._save(kept)

    @guarded(Permission.REGISTER)
    def void_printed_blank(
        self, case: MarriageCase, form_name: str, print_no: str, reason: str, supervisor: SupervisorCredentials | str
    ) -> MarriageCase:
        """As MarriageWorkflow.void_printed_blank (离婚证, a reissued certificate)."""
        return void_blank(self.guard, self._save, self.clock.now, case, form_name, print_no, reason, supervisor)

    @guarded(Permission.REGISTER)
    def reprint_certificate(self, case: MarriageCase, form_name: str, pdf: bytes) -> MarriageCase:
        """As MarriageWorkflow.reprint_certificate."""
        reprinted = replace(with_reprint(case, form_name, pdf, self.clock.now()), updated_at=self.clock.now())
        queued = self.sync.enqueue_archive(reprinted, reprint_supplement(reprinted, form_name))
        self._audit(AuditAction.CHANGE, queued, "reprint_certificate")
        return queued
