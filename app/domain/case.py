"""The marriage case as it moves through the counter.

A case is an immutable value; each workflow step returns a new one, which the local
store persists before the step returns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.domain.identity import IdentityDocument

if TYPE_CHECKING:  # app.domain.divorce imports Role from here
    from app.domain.divorce import DivorceDetails, ReissueDetails, SignedForm
    from app.domain.set_aside import RuleSetAside


class Business(enum.StrEnum):
    MARRIAGE = "marriage"
    DIVORCE_APPLICATION = "divorce_application"
    DIVORCE_WITHDRAWAL = "divorce_withdrawal"
    DIVORCE_REGISTRATION = "divorce_registration"
    REISSUE = "reissue"


class Role(enum.StrEnum):
    """The two parties, in the order the registrar identified them."""

    A = "A"
    B = "B"


class MarriageStep(enum.StrEnum):
    """Pages of the marriage workflow, in order (规范: 初审 → 受理 → 审查 → 登记(发证))."""

    IDENTIFY = "identify"
    DOCUMENTS = "documents"
    DECLARATIONS = "declarations"
    REVIEW = "review"
    REGISTER = "register"
    ISSUE = "issue"
    DONE = "done"


STEP_ORDER: tuple[MarriageStep, ...] = tuple(MarriageStep)


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # being captured
    WAITING_CENTRAL = "waiting_central"  # register attempted, central unreachable: resumable
    REGISTERED = "registered"  # central acknowledged, certificate number allocated
    ISSUED = "issued"  # certificates and forms printed
    REFUSED = "refused"  # a rule refused registration (reasons kept)
    CANCELLED = "cancelled"


class Voluntariness(enum.StrEnum):
    """The registrar's finding after asking each party about their wish to marry
    (询问结婚意愿; Civil Code 1046, Reg. 2025 Art. 9(2))."""

    NOT_ASKED = "not_asked"
    VOLUNTARY = "voluntary"
    NOT_VOLUNTARY = "not_voluntary"


class DeviceMode(enum.StrEnum):
    REAL = "real"
    SIMULATED = "simulated"


class MaritalStatus(enum.StrEnum):
    """Declared status, GB/T 2261.2 codes."""

    UNMARRIED = "10"  # 未婚
    DIVORCED = "40"  # 离婚
    WIDOWED = "30"  # 丧偶

    @property
    def label_zh(self) -> str:
        return {"10": "未婚", "40": "离婚", "30": "丧偶"}[self.value]


@dataclass(frozen=True, slots=True)
class Party:
    role: Role
    identity: IdentityDocument
    photo_png: bytes | None
    read_at: datetime
    reader_name: str
    declared_status: MaritalStatus = MaritalStatus.UNMARRIED
    occupation: str = ""
    # Live check against the central store when the card was read: None = not yet known
    # (central unreachable), else the certificate number of an active marriage or "".
    central_active_marriage: str | None = None


@dataclass(frozen=True, slots=True)
class CapturedDocument:
    document_id: str
    document_class: str  # devices.camera.types.DocumentClass value, confirmed by the registrar
    image_png: bytes
    sha256: str
    captured_at: datetime
    device_name: str


@dataclass(frozen=True, slots=True)
class Signature:
    role: Role
    strokes_json: str  # pen data kept with the signature (x, y, t, pressure per point)
    image_png: bytes
    declaration_sha256: str  # hash of the exact declaration text that was signed
    signed_at: datetime
    device_name: str
    # None: the marriage declaration (MarriageCase.signatures); else one of the forms
    # of the other businesses (MarriageCase.form_signatures).
    form: SignedForm | None = None


@dataclass(frozen=True, slots=True)
class FaceCheck:
    """人证合一: the face of the person at the counter against the photo of the document
    just read (the card's chip photo, a passport's DG2), by the configured matcher.

    `distance`/`threshold` are the matcher's (None: no comparison could run, e.g. no
    photo on the document, and the registrar compared by eye). A result the registrar
    sets aside carries the supervisor who approved it and why."""

    role: Role
    person_key: str  # whose document photo: a check of a card read before does not count
    checked_at: datetime
    model: str  # backend and model, "" when no comparison ran
    distance: float | None
    threshold: float | None
    live_document_id: str | None = None  # the live_face CapturedDocument, kept as evidence
    override_by: str = ""  # the approving supervisor's name
    override_reason: str = ""
    override_at: datetime | None = None  # when the supervisor approved
    # The supervisor's operator id, checked at the counter (#10); "" for approvals recorded
    # before operators logged in.
    override_by_id: str = ""

    @property
    def matched(self) -> bool:
        return self.distance is not None and self.threshold is not None and self.distance <= self.threshold

    @property
    def overridden(self) -> bool:
        return bool(self.override_by.strip() and self.override_reason.strip())

    @property
    def accepted(self) -> bool:
        return self.matched or self.overridden


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """A rule decision as stored with the case (see app.rules.results.RuleResult)."""

    rule_id: str
    passed: bool
    message: str
    party: Role | None = None


@dataclass(frozen=True, slots=True)
class Registration:
    """What the central store acknowledged. `certificate_no` is the certificate it
    allocated (J/L/BJ/BL); for a divorce application or a withdrawal, which allocate
    none, it is the application's receipt number."""

    certificate_no: str
    registered_at: datetime
    registered_on: date
    duplicate_ack: bool = False  # the central store had it already (a resend after a lost reply)


@dataclass(frozen=True, slots=True)
class FormFile:
    """A printed form as the PDF that was printed (kept with the case, sealed by the
    local store; never written in the clear to the data directory)."""

    name: str  # the form's file name, e.g. "certificate-A.pdf"
    pdf: bytes


@dataclass(frozen=True, slots=True)
class VoidedBlank:
    """A printed certificate blank the registrar voided (作废) because the print has an
    error or the blank is damaged (婚姻登记工作规范 2015 Art. 58), approved by a supervisor;
    the certificate is then printed again on a new blank."""

    form: str  # the certificate's form name, e.g. "certificate-A.pdf"
    print_no: str  # the blank's 印制号 as typed ("" when the blank has none readable)
    reason: str
    supervisor: str  # the approving supervisor's name
    supervisor_id: str  # their operator id, checked at the counter ("" without a guard)
    voided_at: datetime
    reprinted_at: datetime | None = None  # when the certificate was printed again


@dataclass(frozen=True, slots=True)
class MarriageCase:
    case_id: str
    office_code: str
    counter_id: str
    registrar: str
    created_at: datetime
    device_mode: DeviceMode
    business: Business = Business.MARRIAGE
    step: MarriageStep = MarriageStep.IDENTIFY
    status: CaseStatus = CaseStatus.OPEN
    parties: dict[Role, Party] = field(default_factory=dict)
    documents: tuple[CapturedDocument, ...] = ()
    signatures: dict[Role, Signature] = field(default_factory=dict)
    voluntariness: Voluntariness = Voluntariness.NOT_ASKED  # C-M-VOL
    rule_outcomes: tuple[RuleOutcome, ...] = ()
    registration_uuid: str | None = None  # created once at the register step, never regenerated
    registration: Registration | None = None
    central_error: str = ""  # why the case waits (shown in the queue)
    printed_forms: tuple[str, ...] = ()
    updated_at: datetime | None = None
    # Divorce and reissue businesses (app.domain.divorce); None for a marriage.
    divorce: DivorceDetails | None = None
    reissue: ReissueDetails | None = None
    form_signatures: tuple[Signature, ...] = ()  # at most one per (form, role)
    face_checks: tuple[FaceCheck, ...] = ()  # the latest per role counts
    # Rule results a supervisor set aside where the law allows (app.rules.set_aside, #10).
    rule_set_asides: tuple[RuleSetAside, ...] = ()
    # The PDFs of the forms printed for the case (issued forms, a refusal notice), the
    # newest per name; exported on request only (app.workflow.forms).
    form_files: tuple[FormFile, ...] = ()
    voided_blanks: tuple[VoidedBlank, ...] = ()  # certificate blanks voided after issue

    def form_file(self, name: str) -> bytes | None:
        return next((f.pdf for f in self.form_files if f.name == name), None)

    def face_check_for(self, role: Role) -> FaceCheck | None:
        return next((c for c in reversed(self.face_checks) if c.role is role), None)

    def current_face_check(self, role: Role) -> FaceCheck | None:
        """The role's check if it was made for the party now in the role."""
        check, party = self.face_check_for(role), self.parties.get(role)
        if check is None or party is None or check.person_key != party.identity.person_key:
            return None
        return check

    def signature_for(self, form: SignedForm, role: Role) -> Signature | None:
        return next((s for s in self.form_signatures if s.form == form and s.role is role), None)

    @property
    def refused_rules(self) -> tuple[str, ...]:
        return tuple(o.rule_id for o in self.rule_outcomes if not o.passed)

    def party(self, role: Role) -> Party | None:
        return self.parties.get(role)

    @property
    def title(self) -> str:
        names = [p.identity.name for p in (self.parties.get(Role.A), self.parties.get(Role.B)) if p]
        return " · ".join(names) if names else "新案件"
