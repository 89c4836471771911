"""Divorce in two visits and the withdrawal, against the real local and central stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.central.errors import DivorceApplicationNotOpenError, DivorceAtOtherOfficeError
from app.central.store import CentralStore
from app.domain.case import Business, CaseStatus, Role
from app.domain.divorce import SignedForm, parse_receipt_no
from app.domain.identity import Sex
from app.errors import AppError, CentralUnavailableError, WorkflowError
from app.rules.results import Consequence
from tests.app.workflow.counters import (
    AGREEMENT,
    Counter,
    FaultyCentral,
    application_ready,
    marry,
    open_counter,
    pen,
    registration_ready,
)
from tests.factories import identity, record_from

T0 = date(2026, 3, 2)  # a Monday; no holiday near either period end
MARRIED_ON = date(2025, 6, 2)
HUSBAND = identity("赵测", Sex.MALE, date(1990, 5, 1), sequence=31)
WIFE = identity("钱测", Sex.FEMALE, date(1991, 6, 1), sequence=32)
STRANGER = identity("孙测", Sex.MALE, date(1989, 7, 1), sequence=33)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralStore]:
    with CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}") as store:
        yield store


@pytest.fixture
def counter(tmp_path: Path, central: CentralStore) -> Iterator[Counter]:
    counter = open_counter(tmp_path, central, day=MARRIED_ON)
    marry(counter, HUSBAND, WIFE)
    counter.set_day(T0)
    yield counter
    counter.close()


def accepted(counter: Counter) -> str:
    case = counter.divorce.accept(application_ready(counter, HUSBAND, WIFE))
    assert case.registration is not None
    return case.registration.certificate_no


def test_application_finds_the_marriage_from_the_cards_and_prints_the_dates(counter: Counter) -> None:
    case = application_ready(counter, HUSBAND, WIFE)
    assert case.divorce is not None and case.divorce.marriage is not None
    assert case.divorce.marriage.certificate_no.startswith("J110101-")
    assert counter.divorce.blockers(case) == []

    case = counter.divorce.accept(case)

    assert case.status is CaseStatus.REGISTERED and case.registration is not None
    receipt = case.registration.certificate_no
    assert parse_receipt_no(receipt) == ("110101", T0, case.registration_uuid.replace("-", "")[:8])  # type: ignore[union-attr]
    dates = counter.divorce.dates(case)
    assert dates is not None
    assert (dates.cooling_off_end, dates.issue_window_start) == (date(2026, 4, 1), date(2026, 4, 2))
    # Everything the case holds survives the local store.
    assert counter.store.load_case(case.case_id) == case


def test_a_second_application_is_refused_while_one_is_open(counter: Counter) -> None:
    receipt = accepted(counter)
    case = application_ready(counter, HUSBAND, WIFE)
    failed = {r.rule_id: r for r in counter.divorce.blockers(case)}
    assert failed["C-D-OPEN"].consequence is Consequence.REFUSE
    assert receipt in failed["C-D-OPEN"].message
    refused = counter.divorce.refuse(case)
    assert refused.status is CaseStatus.REFUSED


def test_a_stranger_is_not_a_party_of_the_marriage(counter: Counter) -> None:
    receipt = accepted(counter)
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_WITHDRAWAL)
    case = flow.find_application(case, receipt.lower())
    case = flow.record_party(case, Role.A, record_from(STRANGER))
    failed = {r.rule_id: r.message for r in flow.blockers(case)}
    assert "孙测不是结婚证字号" in failed["C-W-PARTY"]


def test_withdrawal_on_the_last_day_of_the_cooling_off_period(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(date(2026, 4, 1))  # the cooling-off end, inclusive
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_WITHDRAWAL)
    case = flow.find_application(case, receipt)
    case = flow.record_party(case, Role.A, record_from(WIFE))
    case = flow.sign(case, SignedForm.WITHDRAWAL, Role.A, pen("钱测"))
    case = flow.withdraw(case)
    assert case.status is CaseStatus.REGISTERED
    assert case.divorce is not None and case.divorce.application is not None
    assert case.divorce.application.status == "withdrawn"
    # The marriage is free for a new application.
    assert flow.blockers(application_ready(counter, HUSBAND, WIFE)) == []


def test_withdrawal_the_day_after_the_cooling_off_period_is_refused(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(date(2026, 4, 2))
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_WITHDRAWAL)
    case = flow.record_party(flow.find_application(case, receipt), Role.A, record_from(WIFE))
    case = flow.sign(case, SignedForm.WITHDRAWAL, Role.A, pen("钱测"))
    failed = {r.rule_id: r for r in flow.blockers(case)}
    assert failed["C-D-WD"].consequence is Consequence.REFUSE
    with pytest.raises(WorkflowError):
        flow.withdraw(case)


def test_registration_before_the_window_says_when_to_come_back(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(T0 + timedelta(days=10))
    case = registration_ready(counter, receipt, HUSBAND, WIFE)
    (wait,) = [r for r in counter.divorce.blockers(case) if r.rule_id == "C-D-ISSUE"]
    assert wait.consequence is Consequence.WAIT
    assert "2026-04-02 至 2026-05-06" in wait.message  # May Day holidays move the end
    with pytest.raises(WorkflowError):
        counter.divorce.register(case)


def test_registration_31_days_later_dissolves_the_marriage(counter: Counter, central: CentralStore) -> None:
    receipt = accepted(counter)
    counter.set_day(T0 + timedelta(days=31))
    case = counter.divorce.register(registration_ready(counter, receipt, HUSBAND, WIFE))
    assert case.registration is not None and case.registration.certificate_no.startswith("L110101-2026-")
    assert case.divorce is not None and case.divorce.marriage_certificate_voided
    assert central.active_marriage_of(HUSBAND.person_key) is None
    assert central.marital_status_of(WIFE.person_key) == "divorced"
    assert counter.store.load_case(case.case_id) == case
    issued = counter.divorce.mark_issued(case, ("divorce-certificate-A.pdf",), form_files={"x.pdf": b"%PDF"})
    assert issued.status is CaseStatus.ISSUED


def test_a_changed_agreement_needs_new_signatures(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(T0 + timedelta(days=31))
    case = registration_ready(counter, receipt, HUSBAND, WIFE)
    case = counter.divorce.set_agreement(case, AGREEMENT.__class__(AGREEMENT.children, "房屋归女方", AGREEMENT.debts))
    failed = {r.rule_id for r in counter.divorce.blockers(case)}
    assert failed == {"C-DR-SIGN-AGREE"}


def test_after_the_window_the_application_is_deemed_withdrawn(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(date(2026, 5, 7))  # the window ended on 2026-05-06 (after the May Day holidays)
    case = registration_ready(counter, receipt, HUSBAND, WIFE)
    failed = {r.rule_id: r for r in counter.divorce.blockers(case)}
    assert "视为撤回" in failed["C-D-ISSUE"].message
    assert counter.divorce.expire_applications() != []
    assert counter.divorce.expire_applications() == []  # idempotent
    (listed,) = counter.divorce.office_applications()
    assert (listed.receipt_no, listed.status) == (receipt, "deemed_withdrawn")


def test_registration_at_another_office_points_to_the_accepting_one(
    counter: Counter, central: CentralStore, tmp_path: Path
) -> None:
    receipt = accepted(counter)
    other = open_counter(tmp_path, central, office_code="310101", day=T0 + timedelta(days=31))
    try:
        case = registration_ready(other, receipt, HUSBAND, WIFE)
        (redirect,) = [r for r in other.divorce.blockers(case) if r.rule_id == "C-D-ISSUE"]
        assert redirect.consequence is Consequence.REDIRECT
        assert "110101" in redirect.message
        with pytest.raises(WorkflowError):
            other.divorce.register(case)
    finally:
        other.close()


def test_a_lost_reply_is_settled_by_the_resend(counter: Counter, central: CentralStore) -> None:
    case = application_ready(counter, HUSBAND, WIFE)
    faulty = FaultyCentral(central)
    faulty.lose_reply.add("accept_divorce_application")
    counter.divorce.central = faulty  # type: ignore[assignment]
    with pytest.raises(CentralUnavailableError):
        counter.divorce.accept(case)
    waiting = counter.store.load_case(case.case_id)
    assert waiting is not None and waiting.status is CaseStatus.WAITING_CENTRAL
    with pytest.raises(WorkflowError):  # nothing may change while the outcome is unknown
        counter.divorce.cancel(waiting)
    done = counter.divorce.accept(waiting)
    assert done.registration is not None and done.registration.duplicate_ack
    assert done.registration_uuid == waiting.registration_uuid


def test_a_resend_days_later_keeps_the_day_of_the_first_attempt(counter: Counter, central: CentralStore) -> None:
    """A withdrawal whose reply was lost on the last cooling-off day is settled four days
    later as the withdrawal of that day, not as one inside the issue window."""
    receipt = accepted(counter)
    counter.set_day(date(2026, 4, 1))
    flow = counter.divorce
    case = flow.record_party(flow.find_application(flow.start_case(Business.DIVORCE_WITHDRAWAL), receipt), Role.A,
                             record_from(WIFE))
    case = flow.sign(case, SignedForm.WITHDRAWAL, Role.A, pen("钱测"))
    faulty = FaultyCentral(central)
    faulty.fail["withdraw_divorce_application"] = CentralUnavailableError(detail="connection refused")
    flow.central = faulty  # type: ignore[assignment]
    with pytest.raises(CentralUnavailableError):
        flow.withdraw(case)
    counter.set_day(date(2026, 4, 5))
    done = flow.withdraw(case)
    assert done.registration is not None and done.registration.registered_on == date(2026, 4, 1)
    assert done.divorce is not None and done.divorce.submitted_on == date(2026, 4, 1)
    assert counter.store.load_case(done.case_id) == done


def test_an_unforeseen_failure_leaves_the_case_resendable(counter: Counter, central: CentralStore) -> None:
    case = application_ready(counter, HUSBAND, WIFE)
    faulty = FaultyCentral(central)
    faulty.fail["accept_divorce_application"] = RuntimeError("driver bug")
    counter.divorce.central = faulty  # type: ignore[assignment]
    with pytest.raises(CentralUnavailableError):
        counter.divorce.accept(case)
    stored = counter.store.load_case(case.case_id)
    assert stored is not None and stored.status is CaseStatus.WAITING_CENTRAL
    done = counter.divorce.accept(stored)
    assert done.status is CaseStatus.REGISTERED and not done.registration.duplicate_ack  # type: ignore[union-attr]


def test_a_refusal_by_the_central_store_can_be_given_as_a_refusal(counter: Counter, tmp_path: Path) -> None:
    """Another counter accepted an application of the same marriage meanwhile: the store
    refuses, the case is read again and shows why, and 不予受理 is possible."""
    case = application_ready(counter, HUSBAND, WIFE)
    other_receipt = accepted(counter)  # the other counter, as far as the store can tell
    with pytest.raises(AppError) as refused:
        counter.divorce.accept(case)
    assert refused.value.code == "CEN-006"
    stored = counter.store.load_case(case.case_id)
    assert stored is not None and stored.registration_uuid is None
    failed = {r.rule_id: r.message for r in counter.divorce.blockers(stored)}
    assert other_receipt in failed["C-D-OPEN"]
    assert counter.divorce.refuse(stored).status is CaseStatus.REFUSED


def test_registration_needs_the_marriage_certificate_presented_again(counter: Counter) -> None:
    receipt = accepted(counter)
    counter.set_day(T0 + timedelta(days=31))
    case = registration_ready(counter, receipt, HUSBAND, WIFE)
    case = counter.divorce.remove_document(case, case.documents[0].document_id)
    assert {r.rule_id for r in counter.divorce.blockers(case)} == {"C-DR-DOCS"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_counters_completing_one_divorce_at_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Exactly one succeeds (the central store's conditional update); the other gets a
    clear, coded answer and its case stays open, nothing half-done."""
    url = (
        f"sqlite:///{tmp_path / 'central-race.sqlite3'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    with CentralStore(url) as central:
        central.set_mode("test")  # simulated devices welcome
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
        first = open_counter(tmp_path / "one", central, day=MARRIED_ON)
        second = open_counter(tmp_path / "two", central, day=T0 + timedelta(days=31))
        try:
            marry(first, HUSBAND, WIFE)
            first.set_day(T0)
            receipt = accepted(first)
            first.set_day(T0 + timedelta(days=31))
            cases = [registration_ready(c, receipt, HUSBAND, WIFE) for c in (first, second)]
            barrier = threading.Barrier(2)
            outcomes: list[object] = [None, None]

            def complete(index: int, counter: Counter) -> None:
                barrier.wait()
                try:
                    outcomes[index] = counter.divorce.register(cases[index])
                except AppError as error:
                    outcomes[index] = error

            threads = [threading.Thread(target=complete, args=(i, c)) for i, c in enumerate((first, second))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            errors = [o for o in outcomes if isinstance(o, AppError)]
            done = [o for o in outcomes if not isinstance(o, AppError)]
            assert len(errors) == 1 and len(done) == 1, outcomes
            assert isinstance(errors[0], DivorceApplicationNotOpenError)
            assert errors[0].code == "CEN-006" and "已登记离婚" in errors[0].message
            loser = (first, second)[outcomes.index(errors[0])]
            stored = loser.store.load_case(cases[outcomes.index(errors[0])].case_id)
            assert stored is not None and stored.status is CaseStatus.OPEN and stored.registration_uuid is None
        finally:
            first.close()
            second.close()


def test_the_accepting_office_is_enforced_by_the_central_store_too(counter: Counter, central: CentralStore) -> None:
    receipt = accepted(counter)
    detail = central.divorce_application_by_receipt(receipt)
    assert detail is not None
    with pytest.raises(DivorceAtOtherOfficeError, match="110101"):
        central.complete_divorce(
            detail.record.app_uuid, "310101", "6f1c1a52-8d0e-4b53-9d55-3d5a1f0e2b11", T0 + timedelta(days=31),
            counter_id="x", device_mode="simulated",
        )
