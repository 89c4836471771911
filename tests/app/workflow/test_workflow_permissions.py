"""Every committing step checks the operator in app/ itself (#10), without any GUI: the
registrar whose training expired reviews but does not register, a supervisor's approval
is checked and recorded with their operator id and reason, a locked counter does
nothing, and the steps are audited without personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.audit import AuditAction
from app.auth.errors import (
    LockedOutError,
    NotLoggedInError,
    RoleNotAllowedError,
    TrainingExpiredError,
    WrongCredentialsError,
)
from app.auth.model import SupervisorCredentials
from app.domain.case import Business, CaseStatus, MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.identity import Sex
from app.workflow.marriage import MarriageWorkflow
from devices.camera.types import CapturedImage, DocumentClass
from devices.face.types import FaceComparison
from devices.signature_pad.types import PenPoint, SignatureCapture
from tests.app.auth.helpers import NOW, SECRETS
from tests.app.workflow.counters import GuardedCounter, guarded_counter
from tests.factories import identity, record_from

GROOM = identity("李测", Sex.MALE, date(1995, 1, 1))
BRIDE = identity("王测", Sex.FEMALE, date(1996, 1, 1))
DIFFERENT = FaceComparison(distance=0.82, threshold=0.6, model="dlib-resnet-v1")


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[GuardedCounter]:
    with guarded_counter(tmp_path) as built:
        yield built


def photo() -> CapturedImage:
    return CapturedImage(b"\x89PNG fake", 626, 413, DocumentClass.JOINT_PHOTO, NOW, "cam", 300.0)


def live() -> CapturedImage:
    return CapturedImage(b"\x89PNG live", 640, 480, DocumentClass.LIVE_FACE, NOW, "cam", 300.0)


def pen(name: str) -> SignatureCapture:
    stroke = tuple(PenPoint(float(i), float(i % 7), i * 10, 0.5) for i in range(30))
    return SignatureCapture(name, (stroke,), b"\x89PNG sig", 120, 60, NOW, "pad")


def reviewed(flow: MarriageWorkflow) -> MarriageCase:
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(GROOM))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    case = flow.add_document(case, photo(), "joint_photo")
    for role in (Role.A, Role.B):
        case = flow.add_signature(case, role, pen(case.parties[role].identity.name))
    case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
    return flow.go_to(case, MarriageStep.REGISTER)


def test_the_case_records_the_operator_as_its_registrar(counter: GuardedCounter) -> None:
    counter.login("wang")
    case = counter.marriage.start_case()
    assert case.registrar == "王登记员"
    assert counter.divorce.start_case(Business.DIVORCE_APPLICATION).registrar == "王登记员"


def test_expired_training_reviews_a_case_but_the_register_step_refuses(counter: GuardedCounter) -> None:
    counter.login("lapsed")  # training valid until yesterday
    case = reviewed(counter.marriage)  # opening, capturing and reviewing are allowed
    assert case.step is MarriageStep.REGISTER and counter.marriage.step_blockers(case, MarriageStep.REGISTER) == []
    with pytest.raises(TrainingExpiredError) as refused:
        counter.marriage.register(case)
    assert refused.value.code == "AUTH-003"
    stored = counter.store.load_case(case.case_id)
    assert stored is not None and stored.registration_uuid is None and stored.status is CaseStatus.OPEN
    with pytest.raises(TrainingExpiredError):
        counter.marriage.refuse(case)  # 不予登记 is a registrar's decision too
    assert (AuditAction.DENIED, "lapsed", "register register AUTH-003") in counter.audit.actions()
    # Another registrar takes over the same case and registers it.
    counter.sessions.logout()
    counter.login("wang")
    registered = counter.marriage.register(case)
    assert registered.registration is not None
    assert (AuditAction.COMMIT, "wang", "marriage ok") in counter.audit.actions()


def test_the_other_businesses_check_in_the_workflow_too(counter: GuardedCounter) -> None:
    counter.login("lapsed")
    application = counter.divorce.start_case(Business.DIVORCE_APPLICATION)
    with pytest.raises(TrainingExpiredError):
        counter.divorce.accept(application)
    reissue = counter.reissue.start_case(Business.REISSUE)
    with pytest.raises(TrainingExpiredError):
        counter.reissue.issue(reissue)
    withdrawal = counter.divorce.start_case(Business.DIVORCE_WITHDRAWAL)
    with pytest.raises(TrainingExpiredError):
        counter.divorce.withdraw(withdrawal)


def test_nothing_is_done_while_nobody_is_logged_in_or_the_counter_is_locked(counter: GuardedCounter) -> None:
    with pytest.raises(NotLoggedInError) as nobody:
        counter.marriage.start_case()
    assert nobody.value.code == "AUTH-006"
    counter.login("wang")
    case = counter.marriage.start_case()
    counter.sessions.lock()
    with pytest.raises(NotLoggedInError):
        counter.marriage.record_party(case, Role.A, record_from(GROOM))
    counter.sessions.unlock("wang", SECRETS["wang"])
    assert counter.marriage.record_party(case, Role.A, record_from(GROOM)).parties[Role.A]


def test_an_it_administrator_cannot_open_cases(counter: GuardedCounter) -> None:
    with pytest.raises(RoleNotAllowedError):
        counter.sessions.login("it", SECRETS["it"])  # the counter's login refuses the role
    assert counter.sessions.current is None


def test_a_supervisor_approval_is_checked_and_recorded_with_id_name_and_reason(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(GROOM))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    case = flow.check_face(case, Role.B, live(), DIFFERENT)
    reason = "证件照片为十年前拍摄，已核对户口簿，确认本人"
    before = counter.store.load_case(case.case_id)
    with pytest.raises(RoleNotAllowedError, match="只有主管"):  # a registrar cannot approve
        flow.override_face_check(case, Role.B, SupervisorCredentials("wang", SECRETS["wang"]), reason)
    with pytest.raises(WrongCredentialsError):
        flow.override_face_check(case, Role.B, SupervisorCredentials("zhou", "wrong"), reason)
    with pytest.raises(RoleNotAllowedError, match="账号和口令"):  # a typed name is not an approval
        flow.override_face_check(case, Role.B, "周主管", reason)
    assert counter.store.load_case(case.case_id) == before  # nothing saved by the refusals
    approved = flow.override_face_check(case, Role.B, SupervisorCredentials("zhou", SECRETS["zhou"]), reason)
    check = approved.face_check_for(Role.B)
    assert check is not None and check.overridden
    assert (check.override_by_id, check.override_by, check.override_reason) == ("zhou", "周主管", reason)
    assert check.override_at == NOW
    assert counter.store.load_case(case.case_id) == approved
    assert (AuditAction.APPROVAL, "zhou", "face_check role=B requested_by=wang") in counter.audit.actions()
    assert (AuditAction.DENIED, "wang", "approval face_check AUTH-004") in counter.audit.actions()
    assert counter.sessions.current is not None and counter.sessions.current.operator_id == "wang"  # unchanged


def test_a_supervisor_cannot_approve_their_own_case(counter: GuardedCounter) -> None:
    counter.login("zhou")  # a supervisor working the counter
    flow = counter.marriage
    case = flow.record_party(flow.start_case(), Role.B, record_from(BRIDE))
    case = flow.check_face(case, Role.B, live(), DIFFERENT)
    before = counter.store.load_case(case.case_id)
    with pytest.raises(RoleNotAllowedError, match="另一位主管") as raised:
        flow.override_face_check(case, Role.B, SupervisorCredentials("zhou", SECRETS["zhou"]), "照片陈旧")
    assert raised.value.code == "AUTH-004"
    assert counter.store.load_case(case.case_id) == before  # nothing saved
    assert (AuditAction.DENIED, "zhou", "approval face_check AUTH-004") in counter.audit.actions()
    assert not [e for e in counter.audit.events if e.action is AuditAction.APPROVAL]
    assert counter.sessions.current is not None and counter.sessions.current.operator_id == "zhou"


def test_a_supervisors_failed_approvals_count_towards_their_lockout(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    case = flow.record_party(flow.start_case(), Role.A, record_from(GROOM))
    for _ in range(4):
        with pytest.raises(WrongCredentialsError):
            flow.override_face_check(case, Role.A, SupervisorCredentials("zhou", "guess"), "照片陈旧")
    with pytest.raises(LockedOutError):
        flow.override_face_check(case, Role.A, SupervisorCredentials("zhou", "guess"), "照片陈旧")


def test_steps_are_audited_by_name_without_personal_data(counter: GuardedCounter) -> None:
    counter.login("wang")
    case = counter.marriage.register(reviewed(counter.marriage))
    events = counter.audit.events
    changes = [e.detail for e in events if e.action is AuditAction.CHANGE]
    assert changes[:3] == ["start_case", "record_party", "record_party"]
    assert {"add_document", "add_signature", "attest_voluntariness", "go_to"} <= set(changes)
    assert all(e.case_id == case.case_id for e in events if e.action is AuditAction.CHANGE)
    text = " ".join(e.detail for e in events)
    for personal in (GROOM.name, BRIDE.name, GROOM.number, BRIDE.number, SECRETS["wang"]):
        assert personal not in text
