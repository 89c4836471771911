"""人证合一 in the workflow: the matcher's result, the supervisor's override, the
province's requirement (C-ID-FACE), and what the local store keeps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.config import load_config
from app.domain.case import DeviceMode, MarriageCase, MarriageStep, Role
from app.domain.identity import Sex
from app.errors import WorkflowError
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.workflow.clock import FixedClock
from app.workflow.marriage import MarriageWorkflow
from devices.camera.types import CapturedImage, DocumentClass
from devices.face.types import FaceComparison
from tests.factories import identity, record_from

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
GROOM = identity("赵测", Sex.MALE, date(1994, 3, 1))
BRIDE = identity("钱测", Sex.FEMALE, date(1997, 5, 2))
OTHER_BRIDE = identity("孙测", Sex.FEMALE, date(1998, 6, 3))
SAME = FaceComparison(distance=0.31234, threshold=0.6, model="dlib-resnet-v1")
DIFFERENT = FaceComparison(distance=0.82, threshold=0.6, model="dlib-resnet-v1")


def live(tag: str) -> CapturedImage:
    return CapturedImage(b"\x89PNG live " + tag.encode(), 640, 480, DocumentClass.LIVE_FACE, NOW, "cam", 300.0)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralStore]:
    store = CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    store.open()
    yield store
    store.close()


@pytest.fixture
def store(tmp_path: Path, central: CentralStore) -> Iterator[LocalStore]:
    local = LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}")
    local.open()
    yield local
    local.close()


def workflow(store: LocalStore, central: CentralStore, *, required: bool) -> MarriageWorkflow:
    env = {"MARRIAGE_COUNTER_RULES__FACE_CHECK_REQUIRED": "true" if required else "false"}
    config = load_config(environ=env, read_system_files=False)
    return MarriageWorkflow(store, central, config, FixedClock(NOW), DeviceMode.SIMULATED, rules_context(config))


def identified(flow: MarriageWorkflow) -> MarriageCase:
    case = flow.start_case()
    case = flow.record_party(case, Role.A, record_from(GROOM))
    return flow.record_party(case, Role.B, record_from(BRIDE))


def face_results(flow: MarriageWorkflow, case: MarriageCase) -> list[tuple[Role | None, bool, str]]:
    return [(r.party, r.passed, r.message) for r in flow.evaluate(case) if r.rule_id == "C-ID-FACE"]


def test_a_match_passes_and_is_kept_with_its_live_image(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=True)
    case = flow.check_face(identified(flow), Role.A, live("a"), SAME)
    check = case.face_check_for(Role.A)
    assert check is not None and check.matched and check.distance == 0.31234
    assert [d.document_class for d in case.documents] == ["live_face"]
    assert check.live_document_id == case.documents[0].document_id
    results = face_results(flow, case)
    assert results[0][:2] == (Role.A, True) and "0.31 ≤ 阈值 0.60" in results[0][2]
    assert results[1][:2] == (Role.B, False) and "尚未对钱测进行人证核验" in results[1][2]
    assert store.load_case(case.case_id) == case  # the store keeps the check (details JSON)


def test_a_required_check_gates_the_documents_step(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=True)
    case = identified(flow)
    with pytest.raises(WorkflowError, match="人证核验"):
        flow.go_to(case, MarriageStep.DOCUMENTS)
    for role in (Role.A, Role.B):
        case = flow.check_face(case, role, live(role.value), SAME)
    assert flow.go_to(case, MarriageStep.DOCUMENTS).step is MarriageStep.DOCUMENTS


def test_without_the_requirement_no_check_is_needed_but_a_mismatch_still_blocks(
    store: LocalStore, central: CentralStore
) -> None:
    flow = workflow(store, central, required=False)
    case = identified(flow)
    assert face_results(flow, case) == []
    case = flow.check_face(case, Role.B, live("b"), DIFFERENT)
    [(role, passed, message)] = face_results(flow, case)
    assert (role, passed) == (Role.B, False) and "0.82 > 阈值 0.60" in message and "主管" in message
    with pytest.raises(WorkflowError, match="比对不一致"):
        flow.go_to(case, MarriageStep.DOCUMENTS)


def test_a_supervisor_override_needs_a_name_and_a_reason_and_is_recorded(
    store: LocalStore, central: CentralStore
) -> None:
    flow = workflow(store, central, required=False)
    case = flow.check_face(identified(flow), Role.B, live("b"), DIFFERENT)
    with pytest.raises(WorkflowError, match="主管和理由"):
        flow.override_face_check(case, Role.B, "周主管", "  ")
    case = flow.override_face_check(case, Role.B, "周主管", "证件照片为十年前拍摄，经核对户口簿确认本人")
    check = case.face_check_for(Role.B)
    assert check is not None and check.overridden and check.distance == 0.82  # the measurement stays
    assert check.override_at == NOW
    [(_, passed, message)] = face_results(flow, case)
    assert passed and "周主管" in message and "十年前" in message
    assert store.load_case(case.case_id) == case


def test_a_check_by_eye_when_no_comparison_could_run(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=True)
    case = flow.override_face_check(identified(flow), Role.A, "周主管", "人脸比对模块未安装，人工核对证件照片")
    check = case.face_check_for(Role.A)
    assert check is not None and check.distance is None and check.accepted
    assert "比对未能进行" in face_results(flow, case)[0][2]


def test_a_new_check_replaces_the_old_one_and_its_image(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=False)
    case = flow.check_face(identified(flow), Role.A, live("first"), DIFFERENT)
    case = flow.check_face(case, Role.A, live("second"), SAME)
    assert len(case.face_checks) == 1 and [d.image_png for d in case.documents] == [b"\x89PNG live second"]


def test_another_persons_card_takes_the_old_check_and_its_face_out_of_the_case(
    store: LocalStore, central: CentralStore
) -> None:
    flow = workflow(store, central, required=True)
    case = flow.check_face(identified(flow), Role.A, live("a"), SAME)
    case = flow.check_face(case, Role.B, live("b"), SAME)
    case = flow.record_party(case, Role.B, record_from(OTHER_BRIDE))
    [_, (role, passed, message)] = face_results(flow, case)
    assert (role, passed) == (Role.B, False) and "孙测" in message
    assert [c.role for c in case.face_checks] == [Role.A]  # the groom's check stays
    assert [d.image_png for d in case.documents] == [b"\x89PNG live a"]  # the other bride's face is gone
    assert store.load_case(case.case_id) == case


def test_a_distance_just_above_the_threshold_is_not_a_match(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=False)
    near = FaceComparison(distance=0.60004, threshold=0.6, model="dlib-resnet-v1")
    check = flow.check_face(identified(flow), Role.A, live("a"), near).face_check_for(Role.A)
    assert check is not None and not check.matched


def test_no_check_before_the_card_is_read(store: LocalStore, central: CentralStore) -> None:
    flow = workflow(store, central, required=False)
    with pytest.raises(WorkflowError, match="须先读取"):
        flow.check_face(flow.start_case(), Role.A, live("a"), SAME)
