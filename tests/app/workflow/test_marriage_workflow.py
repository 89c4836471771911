"""The marriage state machine against the real local and central stores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.central.types import ActiveMarriage, MarriageRegistrationRequest, RegistrationAck
from app.config import load_config
from app.domain.case import CaseStatus, DeviceMode, MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.identity import Sex
from app.errors import CentralUnavailableError, InvalidIdentityError, PartyAlreadyMarriedError, WorkflowError
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.workflow.clock import FixedClock
from app.workflow.marriage import MarriageWorkflow
from devices.camera.types import CapturedImage, DocumentClass
from devices.signature_pad.types import PenPoint, SignatureCapture
from tests.factories import identity, record_from

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
GROOM = identity("李测", Sex.MALE, date(1995, 1, 1))
BRIDE = identity("王测", Sex.FEMALE, date(1996, 1, 1))


class FlakyCentral:
    """The real central store behind a network that fails the next `failures` calls, or
    loses the reply of a commit that did happen (`lose_reply`)."""

    def __init__(self, real: CentralStore) -> None:
        self.real = real
        self.failures = 0
        self.lose_reply = False

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise CentralUnavailableError(detail="connection refused")

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        self._maybe_fail()
        return self.real.active_marriage_of(person_key)

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        self._maybe_fail()
        ack = self.real.register_marriage(request)
        if self.lose_reply:
            self.lose_reply = False
            raise CentralUnavailableError(detail="server closed the connection unexpectedly")
        return ack


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[LocalStore, CentralStore]]:
    local = LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}")
    central = CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    local.open()
    central.open()
    yield local, central
    local.close()
    central.close()


@pytest.fixture
def central(stores: tuple[LocalStore, CentralStore]) -> FlakyCentral:
    return FlakyCentral(stores[1])


@pytest.fixture
def flow(stores: tuple[LocalStore, CentralStore], central: FlakyCentral) -> MarriageWorkflow:
    config = load_config(environ={}, read_system_files=False)
    return MarriageWorkflow(stores[0], central, config, FixedClock(NOW), DeviceMode.SIMULATED, rules_context(config))


def photo() -> CapturedImage:
    return CapturedImage(b"\x89PNG fake", 626, 413, DocumentClass.JOINT_PHOTO, NOW, "cam", 300.0)


def pen(name: str) -> SignatureCapture:
    stroke = tuple(PenPoint(float(i), float(i % 7), i * 10, 0.5) for i in range(30))
    return SignatureCapture(name, (stroke,), b"\x89PNG sig", 120, 60, NOW, "pad")


def ready_case(flow: MarriageWorkflow, groom=GROOM, bride=BRIDE) -> MarriageCase:  # type: ignore[no-untyped-def]
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(groom))
    case = flow.record_party(case, Role.B, record_from(bride))
    case = flow.go_to(case, MarriageStep.DOCUMENTS)
    case = flow.add_document(case, photo(), "joint_photo")
    case = flow.go_to(case, MarriageStep.DECLARATIONS)
    for role in (Role.A, Role.B):
        case = flow.add_signature(case, role, pen(case.parties[role].identity.name))
    case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
    case = flow.go_to(case, MarriageStep.REVIEW)
    return flow.go_to(case, MarriageStep.REGISTER)


def test_every_step_is_saved_before_it_returns(flow: MarriageWorkflow, stores: tuple[LocalStore, CentralStore]) -> None:
    case = flow.start_case()
    for step in (
        lambda c: flow.record_party(c, Role.A, record_from(GROOM)),
        lambda c: flow.record_party(c, Role.B, record_from(BRIDE)),
        lambda c: flow.go_to(c, MarriageStep.DOCUMENTS),
        lambda c: flow.add_document(c, photo(), "joint_photo"),
    ):
        case = step(case)
        assert stores[0].load_case(case.case_id) == case


def test_gates_say_what_is_missing(flow: MarriageWorkflow) -> None:
    case = flow.start_case()
    with pytest.raises(WorkflowError, match="须读取双方身份证件"):
        flow.go_to(case, MarriageStep.DOCUMENTS)
    case = flow.record_party(case, Role.A, record_from(GROOM))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    case = flow.go_to(case, MarriageStep.DOCUMENTS)
    with pytest.raises(WorkflowError, match="合影"):
        flow.go_to(case, MarriageStep.DECLARATIONS)
    with pytest.raises(WorkflowError, match="登记"):
        flow.go_to(case, MarriageStep.ISSUE)


def test_invalid_card_changes_nothing(flow: MarriageWorkflow, stores: tuple[LocalStore, CentralStore]) -> None:
    case = flow.record_party(flow.start_case(), Role.A, record_from(GROOM))
    bad = record_from(BRIDE, number=BRIDE.number[:17] + ("0" if BRIDE.number[17] != "0" else "1"))
    with pytest.raises(InvalidIdentityError, match="校验码"):
        flow.record_party(case, Role.B, bad)
    expired = record_from(replace(BRIDE, valid_to=date(2020, 6, 30)))
    with pytest.raises(InvalidIdentityError, match="过期"):
        flow.record_party(case, Role.B, expired)
    assert stores[0].load_case(case.case_id) == case


def test_registration_allocates_the_certificate_number(flow: MarriageWorkflow) -> None:
    case = flow.register(ready_case(flow))
    assert case.status is CaseStatus.REGISTERED and case.step is MarriageStep.ISSUE
    assert case.registration is not None and case.registration.certificate_no == "J110101-2026-000001"
    issued = flow.mark_issued(case, ("certificate-A.pdf",))
    assert issued.status is CaseStatus.ISSUED and issued.step is MarriageStep.DONE


def test_register_and_issue_go_through_the_outbox(
    flow: MarriageWorkflow, stores: tuple[LocalStore, CentralStore]
) -> None:
    """Without a queue given, the workflow builds one on its stores (no worker thread)."""
    from app.sync.types import OutboxKind, OutboxState

    case = flow.register(ready_case(flow))
    assert case.registration_uuid is not None
    item = stores[0].outbox_item_for(OutboxKind.REGISTRATION, case.registration_uuid)
    assert item is not None and item.state is OutboxState.ACKNOWLEDGED
    assert item.payload["registered_on"] == "2026-11-30"  # fixed when queued: every resend is the same
    flow.mark_issued(case, ("certificate-A.pdf",), form_files={"certificate-A.pdf": b"%PDF"})
    archive = stores[0].outbox_item_for(OutboxKind.ARCHIVE, case.registration_uuid)
    assert archive is not None and archive.state is OutboxState.PENDING
    assert stores[0].archive_files(case.case_id)[-1].name == "manifest.json"


def test_unreachable_central_store_leaves_the_case_waiting_then_resumes(
    flow: MarriageWorkflow, central: FlakyCentral, stores: tuple[LocalStore, CentralStore]
) -> None:
    case = ready_case(flow)
    central.failures = 1
    with pytest.raises(CentralUnavailableError):
        flow.register(case)
    waiting = stores[0].load_case(case.case_id)
    assert waiting is not None and waiting.status is CaseStatus.WAITING_CENTRAL
    assert "connection refused" in waiting.central_error and waiting.registration_uuid
    done = flow.register(waiting)
    assert done.registration is not None and done.registration_uuid == waiting.registration_uuid
    assert done.central_error == ""


def test_lost_reply_is_resolved_by_resending_the_same_uuid(flow: MarriageWorkflow, central: FlakyCentral) -> None:
    case = ready_case(flow)
    central.lose_reply = True
    with pytest.raises(CentralUnavailableError):
        flow.register(case)
    waiting = flow.store.load_case(case.case_id)
    assert waiting is not None
    done = flow.register(waiting)  # not "already married": the same registration
    assert done.registration is not None and done.registration.duplicate_ack
    assert done.registration.certificate_no == "J110101-2026-000001"
    assert len(central.real.list_marriages()) == 1


def test_offline_capture_then_race_lost_at_commit(flow: MarriageWorkflow, central: FlakyCentral) -> None:
    """Both couples were captured while the live check said 'free'; the central
    constraint decides at commit time and the loser is refused with the reason."""
    central.failures = 2  # live checks of the first couple deferred (offline capture)
    first = ready_case(flow)
    assert first.parties[Role.A].central_active_marriage is None
    rival = ready_case(flow, GROOM, identity("赵测", Sex.FEMALE, date(1997, 5, 5), sequence=22))
    flow.register(rival)
    with pytest.raises(PartyAlreadyMarriedError, match=r"1101\*+"):
        flow.register(first)
    refused = flow.store.load_case(first.case_id)
    assert refused is not None and refused.status is CaseStatus.REFUSED
    assert "C-M-SPOUSE" in refused.refused_rules


def test_refusal_records_only_legal_grounds(flow: MarriageWorkflow) -> None:
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(identity("少测", Sex.MALE, date(2008, 5, 1))))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    refused = flow.refuse(case)
    assert refused.status is CaseStatus.REFUSED and refused.refused_rules == ("C-M-AGE",)
    eligible = flow.record_party(flow.start_case(), Role.A, record_from(GROOM))
    eligible = flow.record_party(eligible, Role.B, record_from(BRIDE))
    with pytest.raises(WorkflowError, match="不能作不予登记处理"):
        flow.refuse(eligible)  # unfinished steps (photo, declarations) are no grounds


def test_unknown_central_outcome_freezes_the_case_until_resent(flow: MarriageWorkflow, central: FlakyCentral) -> None:
    case = ready_case(flow)
    central.lose_reply = True
    with pytest.raises(CentralUnavailableError):
        flow.register(case)
    waiting = flow.store.load_case(case.case_id)
    assert waiting is not None
    for change in (
        lambda c: flow.record_party(c, Role.B, record_from(identity("换测", Sex.FEMALE, date(1998, 1, 1)))),
        lambda c: flow.go_to(c, MarriageStep.REVIEW),
        flow.refuse,
        flow.cancel,
    ):
        with pytest.raises(WorkflowError, match="登记结果尚未确认"):
            change(waiting)
    assert flow.register(waiting).status is CaseStatus.REGISTERED


def test_replacing_a_party_voids_what_belonged_to_the_old_couple(flow: MarriageWorkflow) -> None:
    case = ready_case(flow)
    other = identity("换测", Sex.FEMALE, date(1998, 1, 1), sequence=24)
    changed = flow.record_party(replace(case, step=MarriageStep.IDENTIFY), Role.B, record_from(other))
    assert changed.signatures == {} and changed.voluntariness is Voluntariness.NOT_ASKED
    assert not any(d.document_class == "joint_photo" for d in changed.documents)
    same = flow.record_party(case, Role.B, record_from(BRIDE))  # re-reading the same card keeps all
    assert set(same.signatures) == {Role.A, Role.B} and same.voluntariness is Voluntariness.VOLUNTARY


def test_signature_on_another_text_does_not_count(flow: MarriageWorkflow) -> None:
    case = ready_case(flow)
    forged = replace(case.signatures[Role.A], declaration_sha256="0" * 64)
    tampered = replace(case, signatures={**case.signatures, Role.A: forged})
    declarations = [r for r in flow.evaluate(tampered) if r.rule_id == "C-M-DECL"]
    assert not declarations[0].passed and "李测" in declarations[0].message


def test_cancel_keeps_what_was_captured(flow: MarriageWorkflow) -> None:
    case = flow.record_party(flow.start_case(), Role.A, record_from(GROOM))
    closed = flow.cancel(case)
    assert closed.status is CaseStatus.CANCELLED and closed.parties == case.parties
    assert flow.store.load_case(case.case_id) == closed


def test_a_party_not_marrying_freely_is_a_refusal_ground(flow: MarriageWorkflow) -> None:
    case = flow.record_party(flow.start_case(), Role.A, record_from(GROOM))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    case = flow.attest_voluntariness(case, Voluntariness.NOT_VOLUNTARY)
    refused = flow.refuse(case)
    assert refused.refused_rules == ("C-M-VOL",)
    assert "第一千零四十六条" in next(o.message for o in refused.rule_outcomes if o.rule_id == "C-M-VOL")
