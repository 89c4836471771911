"""Rule results a supervisor may set aside (#10): only what the list allows, never a
refusal ground; a set-aside passes exactly the failure it was given for, and a different
failure of the same rule, or the same one for other people, shows again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.config import load_config
from app.domain.case import Business, DeviceMode, MarriageCase, Role
from app.domain.divorce import CertificateCopies
from app.domain.identity import Sex
from app.errors import WorkflowError
from app.policy_data import rules_context
from app.rules.results import REFUSAL_GROUNDS, Consequence, RuleResult
from app.rules.set_aside import (
    SETTABLE_RULES,
    failure_fingerprint,
    rule_to_set_aside,
    settable_rule,
    with_set_asides,
)
from app.store.local import LocalStore
from app.workflow.clock import FixedClock
from app.workflow.marriage import MarriageWorkflow
from app.workflow.set_aside import with_rule_set_aside
from devices.camera.types import CapturedImage, DocumentClass
from devices.face.types import FaceComparison
from tests.app.workflow.counters import Counter, image, marry, open_counter
from tests.factories import identity, record_from

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
GROOM = identity("赵放", Sex.MALE, date(1994, 3, 1))
BRIDE = identity("钱放", Sex.FEMALE, date(1997, 5, 2))
OTHER_BRIDE = identity("孙放", Sex.FEMALE, date(1998, 6, 3))
DIFFERENT = FaceComparison(distance=0.82, threshold=0.6, model="dlib-resnet-v1")
REASON = "柜台摄像头故障，已核对身份证件芯片照片并完成联网核查"


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralStore]:
    store = CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    store.open()
    yield store
    store.close()


@pytest.fixture
def flow(tmp_path: Path, central: CentralStore) -> Iterator[MarriageWorkflow]:
    """A marriage workflow without a guard, where the province requires the face check."""
    local = LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}")
    local.open()
    config = load_config(environ={"MARRIAGE_COUNTER_RULES__FACE_CHECK_REQUIRED": "true"}, read_system_files=False)
    yield MarriageWorkflow(local, central, config, FixedClock(NOW), DeviceMode.SIMULATED, rules_context(config))
    local.close()


@pytest.fixture
def counter(tmp_path: Path, central: CentralStore) -> Iterator[Counter]:
    opened = open_counter(tmp_path, central, day=date(2026, 1, 5))
    yield opened
    opened.close()


def identified(flow: MarriageWorkflow) -> MarriageCase:
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(GROOM))
    return flow.record_party(case, Role.B, record_from(BRIDE))


def face(flow: MarriageWorkflow, case: MarriageCase, role: Role) -> RuleResult:
    return next(r for r in flow.evaluate(case) if r.rule_id == "C-ID-FACE" and r.party is role)


def live() -> CapturedImage:
    return CapturedImage(b"\x89PNG live", 640, 480, DocumentClass.LIVE_FACE, NOW, "cam", 300.0)


# The list and its enforcement -------------------------------------------------------------


def test_the_list_is_short_and_every_entry_states_its_basis() -> None:
    assert set(SETTABLE_RULES) == {"C-ID-FACE", "C-D-DOCS"}
    for rule in SETTABLE_RULES.values():
        assert rule.basis and any("\u4e00" <= ch <= "\u9fff" for ch in rule.basis)


@pytest.mark.parametrize("consequence", sorted(REFUSAL_GROUNDS))
@pytest.mark.parametrize("rule_id", sorted(SETTABLE_RULES))
def test_a_refusal_ground_is_never_settable_even_of_a_listed_rule(
    flow: MarriageWorkflow, rule_id: str, consequence: Consequence
) -> None:
    case = identified(flow)  # no face check made: C-ID-FACE's entry would apply to role B
    result = RuleResult(rule_id, False, "不予登记", Role.B, consequence)
    assert settable_rule(case, result) is None
    with pytest.raises(ValueError, match=r"不予登记的法定情形|不在可由主管放行"):
        rule_to_set_aside(case, [result], rule_id, Role.B)
    # Even a stored set-aside that names it exactly does not pass it.
    stored = replace(case, rule_set_asides=(with_rule_set_aside(case, result, "周主管", "zhou", REASON, NOW)
                                            .rule_set_asides))
    assert with_set_asides(stored, [result]) == [result]


@pytest.mark.parametrize("rule_id", ["C-M-AGE", "C-M-SPOUSE", "C-M-VOL", "C-M-PHOTO", "C-ID-1", "C-D-CAPACITY"])
def test_rules_not_on_the_list_are_never_settable(flow: MarriageWorkflow, rule_id: str) -> None:
    case = identified(flow)
    result = RuleResult(rule_id, False, "未完成", None, Consequence.CANNOT_ACCEPT)
    assert settable_rule(case, result) is None
    with pytest.raises(ValueError, match="未列入可由主管放行的范围"):
        rule_to_set_aside(case, [result], rule_id, None)
    stored = with_rule_set_aside(case, result, "周主管", "zhou", REASON, NOW)
    assert with_set_asides(stored, [result]) == [result]


def test_a_face_mismatch_is_for_the_face_check_override_not_a_set_aside(flow: MarriageWorkflow) -> None:
    case = flow.check_face(identified(flow), Role.A, live(), DIFFERENT)
    mismatch = face(flow, case, Role.A)
    assert not mismatch.passed and settable_rule(case, mismatch) is None
    missing = face(flow, case, Role.B)
    assert not missing.passed and settable_rule(case, missing) is SETTABLE_RULES["C-ID-FACE"]


# Evaluation ----------------------------------------------------------------------------------


def test_a_set_aside_passes_the_failure_it_was_given_for_and_is_stored(flow: MarriageWorkflow) -> None:
    case = identified(flow)
    missing = face(flow, case, Role.B)
    assert not missing.passed and missing.consequence is Consequence.CANNOT_ACCEPT
    case = flow.set_rule_aside(case, "C-ID-FACE", Role.B, REASON, "周主管")  # no guard: a name is recorded
    passed = face(flow, case, Role.B)
    assert passed.passed and passed.message.startswith(missing.message)
    assert f"经主管周主管批准，此项不作为办理障碍（{REASON}）" in passed.message
    assert not face(flow, case, Role.A).passed  # the other party's check is still missing
    (aside,) = case.rule_set_asides
    assert (aside.rule_id, aside.role, aside.message, aside.reason) == ("C-ID-FACE", Role.B, missing.message, REASON)
    assert (aside.supervisor, aside.supervisor_id, aside.approved_at) == ("周主管", "", NOW)
    assert aside.fingerprint == failure_fingerprint(case, missing)
    stored = flow.store.load_case(case.case_id)
    assert stored == case  # kept in the case details JSON: no migration
    outcome = next(o for o in case.rule_outcomes if o.rule_id == "C-ID-FACE" and o.party is Role.B)
    assert outcome.passed and REASON in outcome.message


def test_a_different_failure_of_the_same_rule_shows_again(flow: MarriageWorkflow) -> None:
    case = flow.set_rule_aside(identified(flow), "C-ID-FACE", Role.B, REASON, "周主管")
    assert face(flow, case, Role.B).passed
    # The matcher runs after all and finds another person: that failure is not set aside.
    compared = flow.check_face(case, Role.B, live(), DIFFERENT)
    failed = face(flow, compared, Role.B)
    assert not failed.passed and "比对不一致" in failed.message
    # Another person read for the role: the same kind of failure, but not theirs.
    other = flow.record_party(case, Role.B, record_from(OTHER_BRIDE))
    again = face(flow, other, Role.B)
    assert not again.passed and "孙放" in again.message


def test_the_request_is_checked_before_anything_is_saved(flow: MarriageWorkflow) -> None:
    case = identified(flow)
    before = flow.store.load_case(case.case_id)
    with pytest.raises(WorkflowError, match="须写明理由"):
        flow.set_rule_aside(case, "C-ID-FACE", Role.B, "  ", "周主管")
    with pytest.raises(WorkflowError, match="未列入可由主管放行的范围"):
        flow.set_rule_aside(case, "C-M-VOL", None, REASON, "周主管")
    with pytest.raises(WorkflowError, match="未列入可由主管放行的范围"):
        flow.set_rule_aside(case, "C-NO-SUCH", None, REASON, "周主管")
    with pytest.raises(WorkflowError, match="没有未通过的结果"):
        flow.set_rule_aside(case, "C-ID-FACE", None, REASON, "周主管")  # its results name a party
    set_aside = flow.set_rule_aside(case, "C-ID-FACE", Role.A, REASON, "周主管")
    with pytest.raises(WorkflowError, match="已经主管放行"):
        flow.set_rule_aside(set_aside, "C-ID-FACE", Role.A, REASON, "周主管")
    assert before is not None and flow.store.load_case(case.case_id) == set_aside


def test_the_certificate_count_of_a_divorce_application(counter: Counter) -> None:
    """C-D-DOCS: one image of the couple's two 结婚证 may be set aside; none, or a lost
    certificate's statement, may not."""
    marry(counter, GROOM, BRIDE)
    flow = counter.divorce
    case = flow.start_case(Business.DIVORCE_APPLICATION)
    case = flow.record_party(case, Role.A, record_from(GROOM))
    case = flow.record_party(case, Role.B, record_from(BRIDE))
    case = flow.set_certificate_copies(case, CertificateCopies.BOTH)
    with pytest.raises(WorkflowError, match="不在可由主管放行的情形之内"):  # no image at all
        flow.set_rule_aside(case, "C-D-DOCS", None, REASON, "周主管")
    case = flow.add_document(case, image(), "marriage_certificate")
    docs = next(r for r in flow.evaluate(case) if r.rule_id == "C-D-DOCS")
    assert not docs.passed and "已拍摄 1 本" in docs.message
    reason = "两本结婚证拍摄在同一张图像上"
    case = flow.set_rule_aside(case, "C-D-DOCS", None, reason, "周主管")
    docs = next(r for r in flow.evaluate(case) if r.rule_id == "C-D-DOCS")
    assert docs.passed and reason in docs.message
    assert counter.store.load_case(case.case_id) == case
    # One certificate lost after all: the written statement is never waived.
    lost = flow.set_certificate_copies(case, CertificateCopies.ONE_LOST)
    docs = next(r for r in flow.evaluate(lost) if r.rule_id == "C-D-DOCS")
    assert not docs.passed and "遗失的书面声明" in docs.message and settable_rule(lost, docs) is None
    # The image removed: a different failure (0 images), shown again and not settable.
    removed = flow.remove_document(case, case.documents[0].document_id)
    docs = next(r for r in flow.evaluate(removed) if r.rule_id == "C-D-DOCS")
    assert not docs.passed and "已拍摄 0 本" in docs.message
