"""A rule result set aside by a supervisor, at a counter with operators (#10): the
supervisor authenticates in app/, the approval is saved with their id, name and reason
and audited without personal data; the registrar cannot approve, nor the supervisor
their own case; a request without a reason or for a rule the law does not leave open
is refused before anyone authenticates. Both the marriage and the other businesses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.archive.package import build_archive_package
from app.audit import AuditAction
from app.auth.errors import RoleNotAllowedError, WrongCredentialsError
from app.auth.model import SupervisorCredentials
from app.domain.case import Business, MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.divorce import CertificateCopies
from app.domain.identity import Sex
from app.errors import WorkflowError
from app.workflow.marriage import MarriageWorkflow
from devices.camera.types import CapturedImage, DocumentClass
from devices.signature_pad.types import PenPoint, SignatureCapture
from tests.app.auth.helpers import NOW, SECRETS
from tests.app.workflow.counters import GuardedCounter, guarded_counter
from tests.factories import identity, record_from
from ui.print.forms import OfficeInfo, marriage_review_form

GROOM = identity("李放行", Sex.MALE, date(1995, 1, 1))
BRIDE = identity("王放行", Sex.FEMALE, date(1996, 1, 1))
REASON = "柜台摄像头故障，已核对证件芯片照片并完成联网核查"
ZHOU = SupervisorCredentials("zhou", SECRETS["zhou"])


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[GuardedCounter]:
    """Operators log in; the province requires the face check (C-ID-FACE)."""
    with guarded_counter(tmp_path, RULES__FACE_CHECK_REQUIRED="true") as built:
        yield built


def identified(flow: MarriageWorkflow) -> MarriageCase:
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(GROOM))
    return flow.record_party(case, Role.B, record_from(BRIDE))


def face_passed(flow: MarriageWorkflow, case: MarriageCase, role: Role) -> bool:
    return next(r.passed for r in flow.evaluate(case) if r.rule_id == "C-ID-FACE" and r.party is role)


def approvals(counter: GuardedCounter) -> list[tuple[AuditAction, str, str]]:
    return [a for a in counter.audit.actions() if a[0] in (AuditAction.APPROVAL, AuditAction.DENIED)]


def test_the_supervisor_approves_and_the_case_records_id_name_and_reason(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    case = identified(flow)
    before = counter.store.load_case(case.case_id)
    with pytest.raises(RoleNotAllowedError, match="只有主管"):  # a registrar cannot approve
        flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, SupervisorCredentials("wang", SECRETS["wang"]))
    with pytest.raises(WrongCredentialsError):
        flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, SupervisorCredentials("zhou", "wrong"))
    with pytest.raises(RoleNotAllowedError, match="账号和口令"):  # a typed name is not an approval
        flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, "周主管")
    with pytest.raises(WorkflowError, match="已发生变化"):  # not the failure the supervisor was shown
        flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, ZHOU, shown="another failure")
    assert counter.store.load_case(case.case_id) == before  # nothing saved by the refusals
    shown = next(r.message for r in flow.evaluate(case) if r.rule_id == "C-ID-FACE" and r.party is Role.B)
    approved = flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, ZHOU, shown=shown)
    (aside,) = approved.rule_set_asides
    assert (aside.supervisor_id, aside.supervisor, aside.reason, aside.approved_at) == ("zhou", "周主管", REASON, NOW)
    assert face_passed(flow, approved, Role.B) and not face_passed(flow, approved, Role.A)
    assert counter.store.load_case(case.case_id) == approved
    actions = counter.audit.actions()
    assert (AuditAction.APPROVAL, "zhou", "rule_set_aside rule=C-ID-FACE role=B requested_by=wang") in actions
    assert (AuditAction.DENIED, "wang", "approval rule_set_aside AUTH-004") in actions
    text = " ".join(e.detail for e in counter.audit.events)
    for personal in (GROOM.name, BRIDE.name, GROOM.number, BRIDE.number, REASON):
        assert personal not in text
    assert counter.sessions.current is not None and counter.sessions.current.operator_id == "wang"  # unchanged


def test_a_supervisor_cannot_approve_their_own_case(counter: GuardedCounter) -> None:
    counter.login("zhou")  # a supervisor working the counter
    flow = counter.marriage
    case = identified(flow)
    before = counter.store.load_case(case.case_id)
    with pytest.raises(RoleNotAllowedError, match="另一位主管") as raised:
        flow.set_rule_aside(case, "C-ID-FACE", Role.A, REASON, ZHOU)
    assert raised.value.code == "AUTH-004"
    assert counter.store.load_case(case.case_id) == before
    assert (AuditAction.DENIED, "zhou", "approval rule_set_aside AUTH-004") in counter.audit.actions()
    assert not [e for e in counter.audit.events if e.action is AuditAction.APPROVAL]


def test_no_reason_or_a_rule_the_law_decides_is_refused_before_anyone_authenticates(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    case = identified(flow)
    refused = [
        ("C-ID-FACE", Role.B, "", "须写明理由"),
        ("C-M-VOL", None, REASON, "未列入可由主管放行的范围"),  # Reg. 2025 Art. 9(2): the registrar asks
        ("C-M-AGE", Role.A, REASON, "未列入可由主管放行的范围"),
        ("C-XYZ", None, REASON, "未列入可由主管放行的范围"),
        ("C-ID-FACE", None, REASON, "没有未通过的结果"),
    ]
    for rule_id, role, reason, message in refused:
        with pytest.raises(WorkflowError, match=message) as raised:
            flow.set_rule_aside(case, rule_id, role, reason, ZHOU)
        assert raised.value.code == "WF-001"
    assert approvals(counter) == []  # the supervisor was never asked
    assert counter.store.load_case(case.case_id) == case


def photo() -> CapturedImage:
    return CapturedImage(b"\x89PNG fake", 626, 413, DocumentClass.JOINT_PHOTO, NOW, "cam", 300.0)


def certificate() -> CapturedImage:
    return CapturedImage(b"\x89PNG cert", 800, 600, DocumentClass.MARRIAGE_CERTIFICATE, NOW, "cam", 300.0)


def pen(name: str) -> SignatureCapture:
    stroke = tuple(PenPoint(float(i), float(i % 7), i * 10, 0.5) for i in range(30))
    return SignatureCapture(name, (stroke,), b"\x89PNG sig", 120, 60, NOW, "pad")


def test_the_divorce_workflow_sets_a_rule_aside_the_same_way(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    case = identified(flow)
    for role in (Role.A, Role.B):  # the province's face check, set aside for this couple
        case = flow.set_rule_aside(case, "C-ID-FACE", role, REASON, ZHOU)
    case = flow.add_document(case, photo(), "joint_photo")
    for role in (Role.A, Role.B):
        case = flow.add_signature(case, role, pen(case.parties[role].identity.name))
    case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
    registered = flow.register(flow.go_to(case, MarriageStep.REGISTER))
    assert registered.registration is not None and len(registered.rule_set_asides) == 2
    # The examination opinion of the 审查处理表 and the archive say who set what aside and why.
    form = marriage_review_form(registered, OfficeInfo("110101", "东城区民政局", "王登记员"))
    opinion = " ".join(text for page in form.pages for text in page.texts())
    assert opinion.count(f"经主管周主管批准，此项不作为办理障碍（{REASON}）") == 2
    package = build_archive_package(registered, {})
    record = json.loads(next(f.data for f in package.files if f.name == "case.json"))
    kept = record["details"]["rule_set_asides"]
    assert [(k["rule_id"], k["role"], k["supervisor_id"], k["reason"]) for k in kept] == [
        ("C-ID-FACE", "A", "zhou", REASON), ("C-ID-FACE", "B", "zhou", REASON)]

    divorce = counter.divorce
    application = divorce.start_case(Business.DIVORCE_APPLICATION)
    application = divorce.record_party(application, Role.A, record_from(GROOM))
    application = divorce.record_party(application, Role.B, record_from(BRIDE))
    application = divorce.set_certificate_copies(application, CertificateCopies.BOTH)
    application = divorce.add_document(application, certificate(), "marriage_certificate")
    reason = "两本结婚证拍摄在同一张图像上"
    approved = divorce.set_rule_aside(application, "C-D-DOCS", None, reason, ZHOU)
    (aside,) = approved.rule_set_asides
    assert (aside.rule_id, aside.role, aside.supervisor_id, aside.reason) == ("C-D-DOCS", None, "zhou", reason)
    docs = next(r for r in divorce.evaluate(approved) if r.rule_id == "C-D-DOCS")
    assert docs.passed and reason in docs.message
    assert counter.store.load_case(approved.case_id) == approved
    assert (AuditAction.APPROVAL, "zhou", "rule_set_aside rule=C-D-DOCS role=- requested_by=wang") \
        in counter.audit.actions()
    with pytest.raises(WorkflowError, match="未列入可由主管放行的范围"):
        divorce.set_rule_aside(approved, "C-D-CAPACITY", None, reason, ZHOU)  # Reg. 2025 Art. 14(2)
