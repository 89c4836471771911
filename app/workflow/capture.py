"""What the camera and the face matcher bring into a case, shared by every business.

The face check (人证合一) compares the person at the counter with the photo of the
document just read. Its live image is kept as a `live_face` document (evidence for the
archive); a new check of the same party replaces the old one and its image. A result
the registrar sets aside, or a comparison that could not run (no photo on the
document, no matcher at this counter), is recorded with the approving supervisor and
the reason. Checks are bound to the person: reading another card for the role leaves
the old check without effect (C-ID-FACE looks at the current party's person key).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from app.auth.guard import CounterGuard
from app.auth.model import ApprovalKind, SupervisorCredentials
from app.domain.case import CapturedDocument, FaceCheck, MarriageCase, Role
from app.errors import WorkflowError
from app.workflow.access import approving_supervisor
from devices.camera.types import CapturedImage, DocumentClass
from devices.face.types import FaceComparison

LIVE_FACE = DocumentClass.LIVE_FACE.value


def captured_document(image: CapturedImage, document_class: str) -> CapturedDocument:
    return CapturedDocument(
        document_id=uuid.uuid4().hex,
        document_class=document_class,
        image_png=image.image_png,
        sha256=hashlib.sha256(image.image_png).hexdigest(),
        captured_at=image.captured_at,
        device_name=image.device_name,
    )


def _party_key(case: MarriageCase, role: Role) -> str:
    party = case.parties.get(role)
    if party is None:
        raise WorkflowError(reason="须先读取该当事人的身份证件，再进行人证核验")
    return party.identity.person_key


def _replacing_check(case: MarriageCase, check: FaceCheck, live: CapturedDocument | None) -> MarriageCase:
    old = case.face_check_for(check.role)
    stale = old.live_document_id if old is not None and old.live_document_id != check.live_document_id else None
    documents = tuple(d for d in case.documents if d.document_id != stale)
    if live is not None:
        documents = (*documents, live)
    checks = (*(c for c in case.face_checks if c.role is not check.role), check)
    return replace(case, documents=documents, face_checks=checks)


def with_face_check(
    case: MarriageCase, role: Role, live: CapturedImage, comparison: FaceComparison, now: datetime
) -> MarriageCase:
    """The case with the matcher's result for `role` and the live image it compared."""
    document = captured_document(live, LIVE_FACE)
    check = FaceCheck(
        role=role,
        person_key=_party_key(case, role),
        checked_at=now,
        model=comparison.model,
        distance=comparison.distance,  # unrounded: rounding could turn 0.60004 into a match
        threshold=comparison.threshold,
        live_document_id=document.document_id,
    )
    return _replacing_check(case, check, document)


def check_face_override_request(case: MarriageCase, role: Role, reason: str) -> None:
    """What an override needs before a supervisor is asked to authenticate: the party's
    document read, and a reason."""
    _party_key(case, role)
    if not reason.strip():
        raise WorkflowError(reason="人证核验放行须写明批准的主管和理由")


def with_face_override(
    case: MarriageCase, role: Role, supervisor: str, reason: str, now: datetime, *, supervisor_id: str = ""
) -> MarriageCase:
    """The registrar sets the matcher's result aside (or records a check by eye when no
    comparison could run), with the supervisor who approved it (name and, when they
    authenticated at the counter, operator id) and why."""
    supervisor, reason = supervisor.strip(), reason.strip()
    if not supervisor or not reason:
        raise WorkflowError(reason="人证核验放行须写明批准的主管和理由")
    person_key = _party_key(case, role)
    old = case.face_check_for(role)
    if old is not None and old.person_key == person_key:
        check = replace(old, override_by=supervisor, override_reason=reason, override_at=now,
                        override_by_id=supervisor_id)
    else:
        check = FaceCheck(role=role, person_key=person_key, checked_at=now, model="", distance=None, threshold=None,
                          override_by=supervisor, override_reason=reason, override_at=now,
                          override_by_id=supervisor_id)
    return _replacing_check(case, check, None)


def without_stale_face_checks(case: MarriageCase) -> MarriageCase:
    """The case without face checks (and their live images) of anyone who is no longer
    the party of their role."""
    stale = [c for c in case.face_checks
             if (party := case.parties.get(c.role)) is None or party.identity.person_key != c.person_key]
    if not stale:
        return case
    images = {c.live_document_id for c in stale}
    return replace(
        case,
        face_checks=tuple(c for c in case.face_checks if c not in stale),
        documents=tuple(d for d in case.documents if d.document_id not in images),
    )


def approve_face_override(
    guard: CounterGuard | None, case: MarriageCase, role: Role, supervisor: SupervisorCredentials | str, reason: str,
    *, save: Callable[[MarriageCase], MarriageCase], now: datetime,
) -> MarriageCase:
    """override_face_check of every business: the request is checked before the
    supervisor authenticates (approving_supervisor), the override saved, then audited as
    the supervisor's APPROVAL (the role, never personal data)."""
    check_face_override_request(case, role, reason)
    name, supervisor_id, operator = approving_supervisor(guard, supervisor, ApprovalKind.FACE_CHECK,
                                                         case_id=case.case_id)
    saved = save(with_face_override(case, role, name, reason, now, supervisor_id=supervisor_id))
    if operator is not None and guard is not None:
        guard.approved(operator, ApprovalKind.FACE_CHECK, case_id=case.case_id, detail=f"role={role.value}")
    return saved

