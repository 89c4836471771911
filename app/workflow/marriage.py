"""Marriage registration at the counter (规范: 初审 → 受理 → 审查 → 登记(发证)).

Each public method takes the current case and returns the next one, saved to the
local store before it returns, so a crash or power cut loses nothing and the case
resumes where it stopped. Methods block (store, central store): callers run them on
a worker thread, never on the GUI thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from app.archive.package import ArchivePackage, build_archive_package
from app.audit import AuditAction
from app.auth.guard import CounterGuard
from app.auth.model import Permission, SupervisorCredentials
from app.central.types import MarriageRegistrationRequest
from app.config import Config
from app.domain.case import (
    STEP_ORDER,
    CaseStatus,
    DeviceMode,
    MarriageCase,
    MarriageStep,
    Party,
    Role,
    Signature,
    Voluntariness,
)
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.domain.divorce import SignedForm
from app.domain.identity import DocumentType, IdentityDocument, Sex
from app.errors import (
    AppError,
    CentralUnavailableError,
    InvalidIdentityError,
    WorkflowError,
)
from app.logging_setup import PersonalDataFilter
from app.rules.counter import JOINT_PHOTO, marriage_case_results
from app.rules.engine import RulesContext
from app.rules.identity import document_defects
from app.rules.model import OfficeKind
from app.rules.results import Consequence, RuleResult, refusal_grounds
from app.workflow.access import guarded
from app.workflow.capture import (
    approve_face_override,
    captured_document,
    with_face_check,
    without_stale_face_checks,
)
from app.workflow.clock import Clock, today
from app.workflow.forms import as_issued, reprint_supplement, void_blank, with_reprint
from app.workflow.ports import CaseRepository, CentralRegistry
from app.workflow.set_aside import approve_set_aside
from devices.camera.types import CapturedImage
from devices.face.types import FaceComparison
from devices.id_reader.types import CardType, IdentityRecord
from devices.signature_pad.types import SignatureCapture

log = logging.getLogger(__name__)

_DOC_TYPES = {
    CardType.RESIDENT_ID: DocumentType.RESIDENT_ID,
    CardType.HMT_RESIDENCE_PERMIT: DocumentType.HMT_RESIDENCE_PERMIT,
    CardType.FOREIGN_PERMANENT_RESIDENT: DocumentType.FOREIGN_PERMANENT_RESIDENT,
    CardType.PASSPORT: DocumentType.PASSPORT,
}

# Rules decided at the identify page (C-M-PARTIES is the counter check of M-006: both
# parties present in person, two different cards).
IDENTIFY_RULES = frozenset({"C-ID-1", "C-ID-FACE", "C-M-PARTIES", "C-M-SEX", "C-M-AGE", "C-M-SPOUSE", "C-M-REG"})

# Which rules must pass before the case may enter each step.
STEP_GATES: dict[MarriageStep, frozenset[str]] = {
    MarriageStep.DOCUMENTS: IDENTIFY_RULES,
    MarriageStep.DECLARATIONS: IDENTIFY_RULES | {"C-M-PHOTO"},
    MarriageStep.REVIEW: IDENTIFY_RULES | {"C-M-PHOTO", "C-M-DECL", "C-M-VOL"},
    MarriageStep.REGISTER: IDENTIFY_RULES | {"C-M-PHOTO", "C-M-DECL", "C-M-VOL"},
}


def identity_from_record(record: IdentityRecord) -> IdentityDocument:
    # From now on the log masks this person's name and address wherever they appear.
    PersonalDataFilter.add_names(record.name, record.address)
    try:
        sex = Sex(record.sex_code)
    except ValueError:
        raise InvalidIdentityError(reason=f"性别代码 {record.sex_code!r} 无效") from None
    return IdentityDocument(
        doc_type=_DOC_TYPES[record.card_type],
        number=record.id_number.strip().upper(),
        name=record.name.strip(),
        sex=sex,
        birth_date=record.birth_date,
        ethnicity_code=record.ethnicity_code,
        address=record.address.strip(),
        issuing_authority=record.issuing_authority.strip(),
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        nationality=record.nationality,
    )


def signature_on(text: str, role: Role, capture: SignatureCapture, form: SignedForm | None = None) -> Signature:
    """A signature bound to the exact text shown on the pad (its SHA-256), with the pen
    data kept; a scribble too short to be a signature is refused."""
    strokes = [[[p.x, p.y, p.t_ms, p.pressure] for p in stroke] for stroke in capture.strokes]
    if not strokes or sum(len(s) for s in strokes) < 5:
        raise WorkflowError(reason="签名笔迹过短，请当事人重新签名")
    return Signature(
        role=role,
        strokes_json=json.dumps(strokes, separators=(",", ":")),
        image_png=capture.image_png,
        declaration_sha256=text_sha256(text),
        signed_at=capture.captured_at,
        device_name=capture.device_name,
        form=form,
    )


class RegistrationQueue(Protocol):
    """What the workflow needs from app.sync.service.SyncService."""

    def enqueue_registration(self, case: MarriageCase, request: MarriageRegistrationRequest) -> MarriageCase: ...
    def has_registration_item(self, reg_uuid: str) -> bool: ...
    def register_now(self, case: MarriageCase) -> MarriageCase: ...
    def enqueue_archive(self, case: MarriageCase, package: ArchivePackage) -> MarriageCase: ...


@dataclass
class MarriageWorkflow:
    store: CaseRepository
    central: CentralRegistry
    config: Config
    clock: Clock
    device_mode: DeviceMode
    rules: RulesContext
    # The outbox the register and issue steps go through (app.sync.service.SyncService).
    sync: RegistrationQueue | None = None
    # Who may do each step, and the audit trail (app.auth.guard, #10); None: unchecked.
    guard: CounterGuard | None = None

    @property
    def office_kind(self) -> OfficeKind:
        return OfficeKind.FOREIGN_HMT if self.config.office.designated_foreign_hmt else OfficeKind.MAINLAND

    def _registrar(self) -> str:
        """The name a new case records: the operator logged in (the configured name only
        for a workflow without a guard)."""
        return self.guard.operator_name() if self.guard is not None else self.config.registrar.name

    def _audit(self, action: AuditAction, case: MarriageCase, detail: str) -> None:
        if self.guard is not None:
            self.guard.record(action, case_id=case.case_id, detail=detail)

    def _save(self, case: MarriageCase, **changes: object) -> MarriageCase:
        updated = without_stale_face_checks(replace(case, updated_at=self.clock.now(), **changes))  # type: ignore[arg-type]
        self.store.save_case(updated)
        if self.guard is not None:
            self.guard.changed(updated.case_id, updated.step.value)
        return updated

    def _require_open(self, case: MarriageCase) -> None:
        if case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL):
            raise WorkflowError(reason=f"案件状态为 {case.status.value}，不能再修改")
        if case.registration_uuid is not None and case.registration is None:
            # The central store may already hold this registration (a lost reply): until a
            # resend settles it, changing the case would turn the resend into a conflict.
            raise WorkflowError(reason="登记结果尚未确认，请先重新提交登记（F12）")

    @guarded(Permission.REVIEW)
    def start_case(self) -> MarriageCase:
        now = self.clock.now()
        case = MarriageCase(
            case_id=uuid.uuid4().hex,
            office_code=self.config.office.code,
            counter_id=self.config.office.counter_id,
            registrar=self._registrar(),
            created_at=now,
            device_mode=self.device_mode,
            updated_at=now,
        )
        self.store.save_case(case)
        self._audit(AuditAction.CHANGE, case, "start_case")
        log.info("case %s started", case.case_id)
        return case

    # 初审: identify both parties ------------------------------------------------

    @guarded(Permission.REVIEW)
    def record_party(self, case: MarriageCase, role: Role, record: IdentityRecord) -> MarriageCase:
        """Takes a card just read. An unusable document raises InvalidIdentityError and
        leaves the case exactly as it was (nothing captured so far is lost)."""
        self._require_open(case)
        identity = identity_from_record(record)
        defects = document_defects(identity, today(self.clock), self.rules.region_codes)
        if defects:
            log.warning("card %s refused: %s", identity.masked_number, "; ".join(defects))
            raise InvalidIdentityError(reason="；".join(defects))
        party = Party(
            role=role,
            identity=identity,
            photo_png=record.photo_png,
            read_at=self.clock.now(),
            reader_name=record.reader_name,
            central_active_marriage=self._live_check(identity),
        )
        updated = replace(case, parties={**case.parties, role: party})
        previous = case.parties.get(role)
        if previous is not None and previous.identity.person_key != identity.person_key:
            # Another person: the joint photo, the attestation of intent and both signed
            # declarations (which name both parties) belonged to the old couple.
            updated = replace(
                updated,
                signatures={},
                voluntariness=Voluntariness.NOT_ASKED,
                documents=tuple(d for d in case.documents if d.document_class != JOINT_PHOTO),
            )
        return self._evaluate_and_save(updated)

    def _live_check(self, identity: IdentityDocument) -> str | None:
        """C-M-SPOUSE live check; None when the central store cannot be reached (capture
        goes on offline; the register step needs it online)."""
        try:
            active = self.central.active_marriage_of(identity.person_key)
        except CentralUnavailableError as error:
            log.warning("live check for %s deferred: %s", identity.masked_number, error)
            return None
        return active.certificate_no if active else ""

    @guarded(Permission.REVIEW)
    def recheck_central(self, case: MarriageCase) -> MarriageCase:
        self._require_open(case)
        parties = {
            role: replace(p, central_active_marriage=self._live_check(p.identity))
            for role, p in case.parties.items()
        }
        return self._evaluate_and_save(replace(case, parties=parties))

    # Documents and declarations ---------------------------------------------------

    @guarded(Permission.REVIEW)
    def add_document(self, case: MarriageCase, image: CapturedImage, document_class: str) -> MarriageCase:
        self._require_open(case)
        document = captured_document(image, document_class)
        if document_class == JOINT_PHOTO:  # one joint photo per case: the newest wins
            kept = tuple(d for d in case.documents if d.document_class != JOINT_PHOTO)
        else:
            kept = case.documents
        return self._evaluate_and_save(replace(case, documents=(*kept, document)))

    @guarded(Permission.REVIEW)
    def remove_document(self, case: MarriageCase, document_id: str) -> MarriageCase:
        self._require_open(case)
        kept = tuple(d for d in case.documents if d.document_id != document_id)
        return self._evaluate_and_save(replace(case, documents=kept))

    @guarded(Permission.REVIEW)
    def check_face(self, case: MarriageCase, role: Role, live: CapturedImage, result: FaceComparison) -> MarriageCase:
        """人证合一: records the matcher's comparison of the live face with the card photo."""
        self._require_open(case)
        return self._evaluate_and_save(with_face_check(case, role, live, result, self.clock.now()))

    @guarded(Permission.REVIEW)
    def override_face_check(
        self, case: MarriageCase, role: Role, supervisor: SupervisorCredentials | str, reason: str
    ) -> MarriageCase:
        """A supervisor sets the face check aside: at a counter they authenticate here
        (SupervisorCredentials; AUTH-001/002/004/005 refuse), and the check records their
        operator id, name and the reason."""
        self._require_open(case)
        return approve_face_override(self.guard, case, role, supervisor, reason, save=self._evaluate_and_save,
                                     now=self.clock.now())

    @guarded(Permission.REVIEW)
    def set_rule_aside(
        self, case: MarriageCase, rule_id: str, role: Role | None, reason: str,
        supervisor: SupervisorCredentials | str, *, shown: str | None = None,
    ) -> MarriageCase:
        """A supervisor sets a failed rule result aside where the law allows
        (app.rules.set_aside; app.workflow.set_aside): checked, saved, audited."""
        self._require_open(case)
        return approve_set_aside(self.guard, case, rule_id, role, reason, supervisor, evaluate=self.evaluate,
                                 save=self._evaluate_and_save, now=self.clock.now(), shown=shown)

    def declaration_text(self, case: MarriageCase, role: Role) -> str:
        other = Role.B if role is Role.A else Role.A
        declarant, partner = case.parties.get(role), case.parties.get(other)
        if declarant is None or partner is None:
            raise WorkflowError(reason="须先读取双方身份证件")
        return marriage_declaration_text(declarant.identity, partner.identity)

    @guarded(Permission.REVIEW)
    def add_signature(self, case: MarriageCase, role: Role, capture: SignatureCapture) -> MarriageCase:
        self._require_open(case)
        signature = signature_on(self.declaration_text(case, role), role, capture)
        return self._evaluate_and_save(replace(case, signatures={**case.signatures, role: signature}))

    @guarded(Permission.REVIEW)
    def attest_voluntariness(self, case: MarriageCase, finding: Voluntariness) -> MarriageCase:
        """Records what the registrar found on asking each party separately."""
        self._require_open(case)
        return self._evaluate_and_save(replace(case, voluntariness=finding))

    # 审查 -------------------------------------------------------------------------

    def evaluate(self, case: MarriageCase) -> list[RuleResult]:
        """Every rule, by the law in force today (the same engine as `rules check`)."""
        return marriage_case_results(case, today(self.clock), self.office_kind, self.rules)

    def _evaluate_and_save(self, case: MarriageCase, **changes: object) -> MarriageCase:
        outcomes = tuple(r.outcome() for r in self.evaluate(case))
        return self._save(case, rule_outcomes=outcomes, **changes)

    def applicable_law(self) -> str:
        """The citation of the law in force today, shown with the rule results."""
        return self.rules.policy.era_on(today(self.clock)).citation

    def step_blockers(self, case: MarriageCase, target: MarriageStep) -> list[RuleResult]:
        """Failed rules that keep the case from entering `target`. A deferred live check
        does not hold up capture; the register step decides it."""
        gate = STEP_GATES.get(target, frozenset())
        return [
            r for r in self.evaluate(case)
            if not r.passed and r.rule_id in gate and r.consequence is not Consequence.PENDING
        ]

    @guarded(Permission.REVIEW)
    def go_to(self, case: MarriageCase, target: MarriageStep) -> MarriageCase:
        self._require_open(case)
        if STEP_ORDER.index(target) > STEP_ORDER.index(case.step):
            if target in (MarriageStep.ISSUE, MarriageStep.DONE):
                raise WorkflowError(reason="须先完成登记（中心库确认）")
            blockers = self.step_blockers(case, target)
            if blockers:
                raise WorkflowError(reason="；".join(r.message for r in blockers))
        return self._save(case, step=target)

    def refusal_grounds(self, case: MarriageCase) -> list[RuleResult]:
        return refusal_grounds(self.evaluate(case))

    @guarded(Permission.REGISTER)
    def refuse(self, case: MarriageCase) -> MarriageCase:
        """不予登记 (Reg. 2025 Art. 10): closes the case; its failed rules are the reasons
        given to the parties, its passed rules stay as the record of what was checked."""
        self._require_open(case)
        results = self.evaluate(case)
        grounds = refusal_grounds(results)
        if not grounds:
            raise WorkflowError(reason="没有不符合登记条件的情形，不能作不予登记处理")
        kept = [r for r in results if r.passed or r in grounds]
        log.info("case %s refused: %s", case.case_id, ",".join(r.rule_id for r in grounds))
        return self._save(
            case, status=CaseStatus.REFUSED, step=MarriageStep.DONE, rule_outcomes=tuple(r.outcome() for r in kept)
        )

    @guarded(Permission.REVIEW)
    def cancel(self, case: MarriageCase) -> MarriageCase:
        """Closes a case the couple did not finish (they left, came with the wrong card);
        what was captured stays in the store. Not while a central outcome is unknown."""
        self._require_open(case)
        log.info("case %s cancelled at %s", case.case_id, case.step.value)
        return self._save(case, status=CaseStatus.CANCELLED, step=MarriageStep.DONE)

    # 登记: the one step that needs the central store ----------------------------

    def registration_request(self, case: MarriageCase) -> MarriageRegistrationRequest:
        assert case.registration_uuid is not None
        parties = tuple(
            (role.value, case.parties[role].identity.person_key, case.parties[role].identity.name)
            for role in (Role.A, Role.B)
        )
        # The hash covers what identifies the registration, not the day it is sent:
        # a resend on a later day is the same registration.
        canonical = json.dumps(
            [case.registration_uuid, case.office_code, case.counter_id, case.device_mode.value, parties],
            ensure_ascii=False,
        )
        return MarriageRegistrationRequest(
            reg_uuid=case.registration_uuid,
            office_code=case.office_code,
            counter_id=case.counter_id,
            registered_on=today(self.clock),
            device_mode=case.device_mode.value,
            parties=parties,
            payload_sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        )

    @guarded(Permission.REGISTER)
    def register(self, case: MarriageCase) -> MarriageCase:
        """Commits to the central store through the outbox (app.sync); see `_register`.
        The attempt is audited as COMMIT with its outcome ("ok", "waiting" or the code)."""
        if case.registration is not None:
            return case
        try:
            registered = self._register(case)
        except WorkflowError:
            raise  # refused before anything was sent
        except AppError as error:
            self._audit(AuditAction.COMMIT, case, f"{case.business.value} {error.code}")
            raise
        outcome = "ok" if registered.registration is not None else "waiting"
        self._audit(AuditAction.COMMIT, registered, f"{case.business.value} {outcome}")
        return registered

    def _register(self, case: MarriageCase) -> MarriageCase:
        """Commits to the central store through the outbox (app.sync).

        The UUID is created once and saved, with the queued registration, in one
        transaction before the first attempt, so a resend after a lost reply is
        recognised as the same registration (central-store.md §2.2, §2.3). Then one
        attempt is made at once: the registrar gets the certificate number now when the
        central store is up. When it is not, CentralUnavailableError is raised with the
        case saved as WAITING_CENTRAL, and the sync worker resends by itself; pressing
        F12 again (this method) resends at once."""
        if case.registration is not None:
            return case
        stored = self.store.load_case(case.case_id)
        if stored is not None and stored.registration_uuid is not None:
            # The sync worker may have settled it meanwhile: the stored case is the truth.
            case = stored
            if case.registration is not None:
                return case
        sync = self._sync()
        if case.registration_uuid is None:  # first attempt; a resend skips straight to the call
            self._require_open(case)
            blockers = self.step_blockers(case, MarriageStep.REGISTER)
            if blockers:
                raise WorkflowError(reason="；".join(r.message for r in blockers))
            case = replace(
                case, registration_uuid=str(uuid.uuid4()), step=MarriageStep.REGISTER, updated_at=self.clock.now()
            )
            case = sync.enqueue_registration(case, self.registration_request(case))
        elif case.status not in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL):
            raise WorkflowError(reason=f"案件状态为 {case.status.value}，不能再提交登记")
        elif not sync.has_registration_item(case.registration_uuid):
            # Left waiting by a version without the outbox: queue it now, same UUID.
            case = sync.enqueue_registration(case, self.registration_request(case))
        return sync.register_now(case)

    # 发证 -------------------------------------------------------------------------

    @guarded(Permission.REGISTER)
    def mark_issued(
        self, case: MarriageCase, forms: tuple[str, ...], *, form_files: Mapping[str, bytes] | None = None
    ) -> MarriageCase:
        """Closes the case as issued and, in the same transaction, queues its archive
        package (every file with a manifest of SHA-256 hashes; `form_files` are the
        rendered forms by file name, also kept with the case) for upload to the central
        store."""
        if case.registration is None:
            raise WorkflowError(reason="尚未登记，不能发证")
        issued = as_issued(case, forms, form_files or {}, self.clock.now())
        queued = self._sync().enqueue_archive(issued, build_archive_package(issued, form_files or {}))
        self._audit(AuditAction.CHANGE, queued, "mark_issued")
        return queued

    @guarded(Permission.REGISTER)
    def void_printed_blank(
        self, case: MarriageCase, form_name: str, print_no: str, reason: str, supervisor: SupervisorCredentials | str
    ) -> MarriageCase:
        """作废: the blank a certificate of this issued case was printed on is voided (an
        error in the print, a damaged blank; 规范 2015 Art. 58), approved by a supervisor
        as a face check override is; the certificate may then be printed again
        (`reprint_certificate`)."""
        return void_blank(self.guard, self._save, self.clock.now, case, form_name, print_no, reason, supervisor)

    @guarded(Permission.REGISTER)
    def reprint_certificate(self, case: MarriageCase, form_name: str, pdf: bytes) -> MarriageCase:
        """Keeps the certificate printed again on a new blank after its old blank was
        voided (the counter records PRINT before printing it) and, in the same
        transaction, queues the archive supplement with the voided blank's record."""
        reprinted = replace(with_reprint(case, form_name, pdf, self.clock.now()), updated_at=self.clock.now())
        queued = self._sync().enqueue_archive(reprinted, reprint_supplement(reprinted, form_name))
        self._audit(AuditAction.CHANGE, queued, "reprint_certificate")
        return queued

    def _sync(self) -> RegistrationQueue:
        if self.sync is None:
            # No queue given (a composition root that predates app.sync): one on the same
            # stores, without a worker, so waiting cases go on when F12 is pressed.
            from app.store.local import LocalStore
            from app.sync.service import SyncService

            if not isinstance(self.store, LocalStore):
                raise TypeError("MarriageWorkflow needs a sync queue (app.sync.service.SyncService)")
            self.sync = SyncService(self.store, self.central, clock=self.clock)
        return self.sync

