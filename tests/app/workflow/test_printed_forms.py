"""Printed forms are kept with the case, sealed by the local store, and leave it only
through an audited export (#10); a printed certificate's blank is voided with a
supervisor's approval and the certificate printed again (规范 2015 Art. 58). Without
any GUI, against the real local and central stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.archive.package import build_archive_package
from app.audit import AuditAction
from app.auth.errors import NotLoggedInError, RoleNotAllowedError, WrongCredentialsError
from app.auth.model import SupervisorCredentials
from app.domain.case import Business, CaseStatus, MarriageCase, Role
from app.domain.divorce import CertificateKind, SignedForm
from app.errors import AppError, WorkflowError
from app.rules.counter_divorce import JOINT_PHOTO
from app.workflow.forms import REFUSAL_NOTICE, absorb_legacy_output, export_case_forms, printed_certificates
from devices.camera.types import DocumentClass
from tests.app.auth.helpers import NOW, SECRETS
from tests.app.workflow.counters import GuardedCounter, guarded_counter, image
from tests.app.workflow.test_workflow_permissions import BRIDE, pen, reviewed
from tests.factories import record_from

FORMS = {"certificate-A.pdf": b"%PDF-1.4 A", "certificate-B.pdf": b"%PDF-1.4 B", "review-form.pdf": b"%PDF-1.4 R"}
ZHOU = SupervisorCredentials("zhou", SECRETS["zhou"])
REASON = "打印时卡纸，照片位置污损"


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[GuardedCounter]:
    with guarded_counter(tmp_path) as built:
        yield built


def issued(counter: GuardedCounter) -> MarriageCase:
    counter.login("wang")
    flow = counter.marriage
    case = flow.register(reviewed(flow))
    return flow.mark_issued(case, tuple(FORMS), form_files=FORMS)


def test_issued_forms_are_kept_with_the_case_but_not_in_its_archive_record(counter: GuardedCounter) -> None:
    case = issued(counter)
    stored = counter.store.load_case(case.case_id)
    assert stored == case and {f.name: f.pdf for f in stored.form_files} == FORMS
    assert printed_certificates(stored) == ("certificate-A.pdf", "certificate-B.pdf")
    package = build_archive_package(stored, FORMS)
    files = {f.name: f.data for f in package.files}
    assert files["forms/certificate-A.pdf"] == FORMS["certificate-A.pdf"]
    record = json.loads(files["case.json"])
    assert record["details"] is None or "form_files" not in record["details"]  # the PDFs are files of their own


def test_export_writes_the_kept_pdfs_after_an_export_record(counter: GuardedCounter, tmp_path: Path) -> None:
    case = issued(counter)
    target = tmp_path / "exported" / case.case_id
    written = export_case_forms(counter.marriage.guard, case, target)
    assert sorted(p.name for p in written) == sorted(FORMS)
    assert {p.name: p.read_bytes() for p in written} == FORMS
    assert (AuditAction.EXPORT, "wang", "pdf certificate-A,certificate-B,review-form") in counter.audit.actions()
    data_dir = tmp_path / "data"
    with pytest.raises(WorkflowError, match="数据目录"):  # the data directory holds nothing in the clear
        export_case_forms(counter.marriage.guard, case, data_dir / "forms", data_dir=data_dir)
    assert not (data_dir / "forms").exists()
    counter.sessions.lock()
    with pytest.raises(NotLoggedInError):  # nobody at the counter: nothing leaves the store
        export_case_forms(counter.marriage.guard, case, tmp_path / "again")
    assert not (tmp_path / "again").exists()


def test_only_an_operator_who_may_register_here_exports(counter: GuardedCounter, tmp_path: Path) -> None:
    case = issued(counter)
    counter.sessions.logout()
    counter.login("lapsed")  # training lapsed: reviews, never takes personal data out
    with pytest.raises(AppError, match="AUTH-003"):
        export_case_forms(counter.marriage.guard, case, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_case_without_printed_forms_exports_nothing(counter: GuardedCounter, tmp_path: Path) -> None:
    counter.login("wang")
    case = counter.marriage.start_case()
    with pytest.raises(WorkflowError, match="没有保存的已打印文书"):
        export_case_forms(counter.marriage.guard, case, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_voiding_a_blank_is_approved_by_a_supervisor_and_allows_one_reprint(counter: GuardedCounter) -> None:
    case = issued(counter)
    flow = counter.marriage
    voided = flow.void_printed_blank(case, "certificate-B.pdf", " 11000123456 ", REASON, ZHOU)
    (blank,) = voided.voided_blanks
    assert (blank.form, blank.print_no, blank.reason) == ("certificate-B.pdf", "11000123456", REASON)
    assert (blank.supervisor_id, blank.supervisor, blank.voided_at, blank.reprinted_at) == ("zhou", "周主管", NOW, None)
    assert counter.store.load_case(case.case_id) == voided
    assert (AuditAction.APPROVAL, "zhou", "void_blank form=certificate-B.pdf requested_by=wang") \
        in counter.audit.actions()
    with pytest.raises(WorkflowError, match="请先重新打印"):  # one voided blank at a time per certificate
        flow.void_printed_blank(voided, "certificate-B.pdf", "", REASON, ZHOU)
    with pytest.raises(WorkflowError, match="没有作废的空白证书"):  # certificate A's blank was not voided
        flow.reprint_certificate(voided, "certificate-A.pdf", b"%PDF-1.4 A2")
    reprinted = flow.reprint_certificate(voided, "certificate-B.pdf", b"%PDF-1.4 B2")
    assert reprinted.form_file("certificate-B.pdf") == b"%PDF-1.4 B2"
    assert reprinted.form_file("certificate-A.pdf") == FORMS["certificate-A.pdf"]
    assert reprinted.voided_blanks[0].reprinted_at == NOW
    assert counter.store.load_case(case.case_id) == reprinted
    with pytest.raises(WorkflowError):  # printed again once per voided blank
        flow.reprint_certificate(reprinted, "certificate-B.pdf", b"%PDF-1.4 B3")
    text = " ".join(e.detail for e in counter.audit.events)
    assert "11000123456" not in text and REASON not in text and BRIDE.name not in text


def test_voiding_is_refused_before_anything_is_saved(counter: GuardedCounter) -> None:
    case = issued(counter)
    flow = counter.marriage
    with pytest.raises(WorkflowError, match="写明理由"):
        flow.void_printed_blank(case, "certificate-A.pdf", "", "  ", ZHOU)
    with pytest.raises(WorkflowError, match="没有打印过证书"):  # the review form is not on a numbered blank
        flow.void_printed_blank(case, "review-form.pdf", "", REASON, ZHOU)
    with pytest.raises(RoleNotAllowedError, match="只有主管"):  # a registrar cannot approve
        flow.void_printed_blank(case, "certificate-A.pdf", "", REASON, SupervisorCredentials("wang", SECRETS["wang"]))
    with pytest.raises(WrongCredentialsError):
        flow.void_printed_blank(case, "certificate-A.pdf", "", REASON, SupervisorCredentials("zhou", "wrong"))
    with pytest.raises(RoleNotAllowedError, match="账号和口令"):  # a typed name is not an approval
        flow.void_printed_blank(case, "certificate-A.pdf", "", REASON, "周主管")
    assert counter.store.load_case(case.case_id) == case
    assert not [e for e in counter.audit.events if e.action is AuditAction.APPROVAL]


def test_a_supervisor_cannot_approve_voiding_on_their_own_case(counter: GuardedCounter) -> None:
    counter.login("zhou")  # a supervisor working the counter
    flow = counter.marriage
    case = flow.mark_issued(flow.register(reviewed(flow)), tuple(FORMS), form_files=FORMS)
    with pytest.raises(RoleNotAllowedError, match="另一位主管") as raised:
        flow.void_printed_blank(case, "certificate-A.pdf", "", REASON, ZHOU)
    assert raised.value.code == "AUTH-004"
    assert counter.store.load_case(case.case_id) == case
    assert (AuditAction.DENIED, "zhou", "approval void_blank AUTH-004") in counter.audit.actions()


def test_no_blank_is_voided_before_the_certificates_are_issued(counter: GuardedCounter) -> None:
    counter.login("wang")
    flow = counter.marriage
    registered = flow.register(reviewed(flow))
    assert registered.status is CaseStatus.REGISTERED
    with pytest.raises(WorkflowError, match="已发证"):
        flow.void_printed_blank(registered, "certificate-A.pdf", "", REASON, ZHOU)


def _reissue(counter: GuardedCounter, kind: CertificateKind, *, signed: bool = True) -> MarriageCase:
    flow = counter.reissue
    case = flow.start_case(Business.REISSUE)
    case = flow.record_party(case, record_from(BRIDE))
    case = flow.choose_certificate(case, kind, "遗失")
    case = flow.add_document(case, image(DocumentClass.JOINT_PHOTO), JOINT_PHOTO)
    return flow.sign(case, SignedForm.REISSUE_DECLARATION, Role.A, pen(BRIDE.name)) if signed else case


def test_a_reissued_certificate_blank_is_voided_too(counter: GuardedCounter) -> None:
    counter.login("wang")
    counter.marriage.register(reviewed(counter.marriage))
    flow = counter.reissue
    case = flow.issue(_reissue(counter, CertificateKind.MARRIAGE))
    forms = {"reissued-certificate.pdf": b"%PDF-1.4 BJ", "reissue-review-form.pdf": b"%PDF-1.4 R"}
    case = flow.mark_issued(case, tuple(forms), form_files=forms)
    voided = flow.void_printed_blank(case, "reissued-certificate.pdf", "", REASON, ZHOU)
    assert voided.voided_blanks[0].supervisor_id == "zhou"
    reprinted = flow.reprint_certificate(voided, "reissued-certificate.pdf", b"%PDF-1.4 BJ2")
    assert counter.store.load_case(case.case_id) == reprinted
    assert reprinted.form_file("reissued-certificate.pdf") == b"%PDF-1.4 BJ2"


def test_the_refusal_notice_is_kept_with_the_refused_case_once(counter: GuardedCounter) -> None:
    counter.login("wang")
    counter.marriage.register(reviewed(counter.marriage))  # married, never divorced
    flow = counter.reissue
    case = _reissue(counter, CertificateKind.DIVORCE, signed=False)  # no divorce on record
    with pytest.raises(WorkflowError, match="不予办理的案件"):
        flow.attach_refusal_notice(case, b"%PDF-1.4 N")
    refused = flow.refuse(case)
    kept = flow.attach_refusal_notice(refused, b"%PDF-1.4 N")
    assert counter.store.load_case(case.case_id) == kept
    assert kept.form_file(REFUSAL_NOTICE) == b"%PDF-1.4 N"
    assert flow.attach_refusal_notice(kept, b"%PDF-1.4 other") is kept  # the one handed over stays
    counter.sessions.lock()
    with pytest.raises(NotLoggedInError):
        flow.attach_refusal_notice(refused, b"%PDF-1.4 N")


def test_printed_forms_left_in_the_clear_by_an_earlier_version_are_sealed_into_their_case(
    counter: GuardedCounter, tmp_path: Path
) -> None:
    case = issued(counter)
    output = tmp_path / "data-dir" / "output"
    (output / case.case_id).mkdir(parents=True)
    (output / case.case_id / "certificate-A.pdf").write_bytes(b"%PDF-1.4 old A")  # kept already: not replaced
    (output / case.case_id / "declaration-A.pdf").write_bytes(b"%PDF-1.4 old declaration")
    (output / "no-such-case").mkdir()
    (output / "no-such-case" / "review-form.pdf").write_bytes(b"%PDF-1.4 orphan")
    shredded: list[Path] = []

    def shred(path: Path) -> bool:
        shredded.append(path)
        path.unlink()
        return True

    assert absorb_legacy_output(counter.store, output, shred) == [case.case_id]
    kept = counter.store.load_case(case.case_id)
    assert kept is not None
    assert kept.form_file("declaration-A.pdf") == b"%PDF-1.4 old declaration"
    assert kept.form_file("certificate-A.pdf") == FORMS["certificate-A.pdf"]
    assert not (output / case.case_id).exists() and len(shredded) == 2
    # A folder of no case of this store is left for IT (logged), and so is the output folder.
    assert (output / "no-such-case" / "review-form.pdf").exists()
    assert absorb_legacy_output(counter.store, tmp_path / "nothing-here", shred) == []


def test_an_issued_case_is_not_issued_again_over_its_printed_certificates(counter: GuardedCounter) -> None:
    case = issued(counter)
    with pytest.raises(WorkflowError, match="作废"):  # only through a voided blank and its reprint
        counter.marriage.mark_issued(case, ("certificate-A.pdf",), form_files={"certificate-A.pdf": b"%PDF forged"})
    kept = counter.store.load_case(case.case_id)
    assert kept is not None and kept.form_file("certificate-A.pdf") == FORMS["certificate-A.pdf"]
