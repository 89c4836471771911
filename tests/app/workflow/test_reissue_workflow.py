"""补领婚姻登记证 against the real local and central stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.domain.case import Business, CaseStatus, MarriageCase, Role
from app.domain.divorce import CertificateKind, SignedForm
from app.domain.identity import Sex
from app.errors import WorkflowError
from app.rules.counter_divorce import JOINT_PHOTO, SINGLE_PHOTO
from app.rules.results import Consequence
from devices.camera.types import DocumentClass
from tests.app.workflow.counters import Counter, accept_and_register, image, marry, open_counter, pen
from tests.factories import identity, record_from

MARRIED_ON = date(2025, 6, 2)
TODAY = date(2026, 11, 30)
HUSBAND = identity("周测", Sex.MALE, date(1990, 5, 1), sequence=41)
WIFE = identity("吴测", Sex.FEMALE, date(1991, 6, 1), sequence=42)


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[Counter]:
    with CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}") as central:
        counter = open_counter(tmp_path, central, day=MARRIED_ON)
        marry(counter, HUSBAND, WIFE)
        counter.set_day(TODAY)
        yield counter
        counter.close()


def reissue_ready(counter: Counter, kind: CertificateKind, person=WIFE) -> MarriageCase:  # type: ignore[no-untyped-def]
    flow = counter.reissue
    case = flow.start_case(Business.REISSUE)
    case = flow.record_party(case, record_from(person))
    case = flow.choose_certificate(case, kind, "遗失")
    photo = DocumentClass.JOINT_PHOTO if kind is CertificateKind.MARRIAGE else DocumentClass.SINGLE_PHOTO
    case = flow.add_document(case, image(photo), JOINT_PHOTO if kind is CertificateKind.MARRIAGE else SINGLE_PHOTO)
    return flow.sign(case, SignedForm.REISSUE_DECLARATION, Role.A, pen(person.name))


def test_a_married_person_gets_a_bj_certificate_with_the_original_data(counter: Counter) -> None:
    case = reissue_ready(counter, CertificateKind.MARRIAGE)
    assert case.reissue is not None and case.reissue.original_certificate_no.startswith("J110101-2025-")
    assert case.reissue.original_registered_on == MARRIED_ON
    case = counter.reissue.issue(case)
    assert case.status is CaseStatus.REGISTERED and case.registration is not None
    assert case.registration.certificate_no.startswith("BJ110101-2026-")
    assert counter.store.load_case(case.case_id) == case


def test_no_marriage_certificate_after_the_divorce(counter: Counter) -> None:
    accept_and_register(counter, HUSBAND, WIFE, accepted_on=date(2026, 3, 2))
    counter.set_day(TODAY)
    case = reissue_ready(counter, CertificateKind.MARRIAGE)
    (refused,) = [r for r in counter.reissue.blockers(case) if r.rule_id == "C-R-REISSUE"]
    assert refused.consequence is Consequence.REFUSE and "离婚" in refused.message
    with pytest.raises(WorkflowError):
        counter.reissue.issue(case)
    assert counter.reissue.refuse(case).status is CaseStatus.REFUSED
    # The divorce certificate, on the other hand, can be reissued.
    divorced = counter.reissue.issue(reissue_ready(counter, CertificateKind.DIVORCE))
    assert divorced.registration is not None and divorced.registration.certificate_no.startswith("BL110101-2026-")


def test_no_divorce_certificate_for_someone_never_divorced(counter: Counter) -> None:
    flow = counter.reissue
    case = flow.start_case(Business.REISSUE)
    case = flow.choose_certificate(flow.record_party(case, record_from(WIFE)), CertificateKind.DIVORCE)
    failed = {r.rule_id: r for r in flow.blockers(case)}
    assert failed["C-R-RECORD"].consequence is Consequence.REFUSE
    assert "吴测可补领离婚证" in failed["C-R-RECORD"].message
    with pytest.raises(WorkflowError, match="签名前"):
        flow.sign(case, SignedForm.REISSUE_DECLARATION, Role.A, pen(WIFE.name))


def test_any_office_may_reissue_since_2025(counter: Counter, tmp_path: Path) -> None:
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    central = counter.marriage.central
    assert isinstance(central, CentralStore)
    other = open_counter(other_dir, central, office_code="440106", day=TODAY)
    try:
        case = other.reissue.issue(reissue_ready(other, CertificateKind.MARRIAGE, HUSBAND))
        assert case.registration is not None and case.registration.certificate_no.startswith("BJ440106-2026-")
    finally:
        other.close()


def test_the_registry_checks_again_at_issue(counter: Counter) -> None:
    """Divorced between the capture and F12 (another counter): the central store refuses."""
    case = reissue_ready(counter, CertificateKind.MARRIAGE)
    accept_and_register(counter, HUSBAND, WIFE, accepted_on=TODAY)
    counter.set_day(TODAY + timedelta(days=70))
    from app.central.errors import CentralStateError

    with pytest.raises(CentralStateError):
        counter.reissue.issue(case)
    stored = counter.store.load_case(case.case_id)
    assert stored is not None and stored.status is CaseStatus.OPEN and stored.registration_uuid is None
