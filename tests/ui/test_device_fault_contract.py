"""Every fault of the simulator's fault table, against the real GUI: the step fails with
a coded message, the GUI is not left busy, the case keeps what was captured, and Retry
(Ctrl+Enter) runs the same device action again and succeeds. Also a device unplugged
before and during a step, and plugged back in.

The cases come from devices.sim.scenario.ALLOWED_FAULTS, so a fault added there is
tested here at once; an operation the GUI does not drive must say why (NOT_DRIVEN_BY_THE_GUI).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import build_services
from app.domain.case import Business, MarriageCase, MarriageStep, Role
from app.workflow.clock import FixedClock
from devices.camera.types import DocumentClass
from devices.errors import DeviceUnavailableError
from devices.sim.common import fault_error
from devices.sim.scenario import ALLOWED_FAULTS, FaultKind, FaultOperation
from tests.counter_fixtures import REPO_ROOT, simulated_config
from tests.ui.conftest import Counter
from ui.app import ensure_application
from ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
UNAVAILABLE_CODE = DeviceUnavailableError.code


def captured(case: MarriageCase) -> dict[str, Any]:
    """What the registrar has captured so far, as comparable values."""
    return {
        "parties": {role: party.identity.number for role, party in case.parties.items()},
        "documents": sorted(d.sha256 + d.document_class for d in case.documents),
        "signatures": {role: s.strokes_json for role, s in case.signatures.items()},
    }


@dataclass(frozen=True)
class GuiAction:
    """The GUI's use of one device operation on a marriage case."""

    kind: str
    key: Qt.Key
    prepare: Callable[[Counter], MarriageCase]  # a case with work captured, at the step of `key`
    done: Callable[[MarriageCase], bool]  # the action's result is in the case
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier


def with_party_a(counter: Counter) -> MarriageCase:
    flow = counter.services.workflow
    return flow.record_party(flow.start_case(), Role.A, counter.identity("groom1"))


def with_joint_photo(counter: Counter) -> MarriageCase:
    flow = counter.services.workflow
    case = flow.record_party(with_party_a(counter), Role.B, counter.identity("bride1"))
    return flow.add_document(flow.go_to(case, MarriageStep.DOCUMENTS), counter.image(), "joint_photo")


def with_signature_a(counter: Counter) -> MarriageCase:
    flow = counter.services.workflow
    case = flow.go_to(with_joint_photo(counter), MarriageStep.DECLARATIONS)
    name = case.parties[Role.A].identity.name
    return flow.add_signature(case, Role.A, counter.signature(name, flow.declaration_text(case, Role.A)))


GUI_ACTIONS: dict[FaultOperation, GuiAction] = {
    FaultOperation.READ_CARD: GuiAction("id_reader", Qt.Key.Key_F3, with_party_a, lambda c: Role.B in c.parties),
    FaultOperation.CAPTURE: GuiAction("camera", Qt.Key.Key_F6, with_joint_photo, lambda c: len(c.documents) == 2),
    FaultOperation.CAPTURE_SIGNATURE: GuiAction(
        "signature_pad", Qt.Key.Key_F8, with_signature_a, lambda c: Role.B in c.signatures
    ),
    # Shift+F2: the face check of party A (camera, then the face matcher).
    FaultOperation.COMPARE_FACES: GuiAction(
        "face_matcher", Qt.Key.Key_F2, with_party_a, lambda c: c.face_check_for(Role.A) is not None,
        Qt.KeyboardModifier.ShiftModifier,
    ),
}


# Operations in the fault table the counter's GUI does not drive, and why: their faults
# are run against the simulated backends in tests/devices/test_sim_fault_matrix.py.
NOT_DRIVEN_BY_THE_GUI = {
    FaultOperation.PRINT: "forms are printed through Qt's printer, not the printer device (yet)",
    FaultOperation.CAPTURE_FINGERPRINT: "no step takes fingerprints yet",
}
# Decoding is driven by the receipt scan (F4), on a counter whose decoder is simulated.
RECEIPT_SCAN = FaultOperation.DECODE


def fault_cases() -> list[Any]:
    return [
        pytest.param(operation, fault, id=f"{operation.value}-{fault.value}")
        for operation, faults in ALLOWED_FAULTS.items()
        if operation in GUI_ACTIONS
        for fault in sorted(faults)
    ]


def test_every_operation_of_the_fault_table_is_accounted_for() -> None:
    """A new operation must get a GUI action here or a reason above, never be forgotten."""
    assert set(ALLOWED_FAULTS) == set(GUI_ACTIONS) | set(NOT_DRIVEN_BY_THE_GUI) | {RECEIPT_SCAN}
    assert not set(GUI_ACTIONS) & set(NOT_DRIVEN_BY_THE_GUI)


def action_cases() -> list[Any]:
    return [pytest.param(operation, id=action.kind) for operation, action in GUI_ACTIONS.items()]


class Driver:
    """Keys pressed on the real window, waiting for an outcome rather than a fixed time."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.window: MainWindow = counter.window
        self.qtbot: QtBot = counter.qtbot

    def open(self, case: MarriageCase) -> MarriageCase:
        self.window._show_case(case)
        self.window.activateWindow()
        self.qtbot.waitActive(self.window)
        assert self.window.case is not None
        return self.window.case

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        focus = QApplication.focusWidget() or self.window
        self.qtbot.keyClick(focus, key, modifier)

    def wait_failed(self) -> str:
        self.qtbot.waitUntil(lambda: self.window.error_bar.text != "" and not self.window.busy, timeout=5_000)
        return self.window.error_bar.text

    def wait_done(self, done: Callable[[MarriageCase], bool]) -> MarriageCase:
        window = self.window
        self.qtbot.waitUntil(
            lambda: not window.busy and window.case is not None and done(window.case), timeout=5_000
        )
        assert window.error_bar.text == "", window.error_bar.text
        return window.case  # type: ignore[return-value]

    def assert_kept(self, before: dict[str, Any], case_id: str) -> None:
        window = self.window
        # the screen reloads the case from the store after a failure
        self.qtbot.waitUntil(lambda: not window.busy)
        assert window.case is not None and captured(window.case) == before
        saved = window.services.store.load_case(case_id)
        assert saved is not None and captured(saved) == before

    def indicator(self, kind: str) -> tuple[str, str]:
        label = self.window.device_labels[kind]
        return label.text(), label.toolTip()


@pytest.fixture
def driver(counter: Counter) -> Driver:
    return Driver(counter)


@pytest.mark.parametrize(("operation", "fault"), fault_cases())
def test_every_fault_is_reported_and_retry_recovers(
    driver: Driver, operation: FaultOperation, fault: FaultKind
) -> None:
    action = GUI_ACTIONS[operation]
    window = driver.window
    assert window.qa is not None
    case = driver.open(action.prepare(driver.counter))
    before = captured(case)
    window.qa.present_card("bride1")  # what F3 should read once the reader works again
    window.qa.trigger_fault(action.kind, fault.value, times=1)

    driver.press(action.key, action.modifier)
    message = driver.wait_failed()
    expected = fault_error(fault, "device", 0).code
    assert message.startswith(f"[{expected}]"), message
    assert "Traceback" not in message
    assert window.can_retry and window.error_bar.retry_button.isVisible()
    driver.assert_kept(before, case.case_id)

    driver.press(Qt.Key.Key_Return, CTRL)  # Retry (Ctrl+Enter)
    after = driver.wait_done(action.done)
    for key, values in before.items():  # everything captured before is still there
        now = captured(after)[key]
        if isinstance(values, dict):
            assert values.items() <= now.items()
        else:
            assert set(values) <= set(now)
    assert not window.can_retry
    text, _ = driver.indicator(action.kind)
    assert "就绪" in text


@pytest.mark.parametrize("operation", action_cases())
def test_unplugged_device_shows_why_and_works_again_after_replug(driver: Driver, operation: FaultOperation) -> None:
    action = GUI_ACTIONS[operation]
    window = driver.window
    assert window.qa is not None
    case = driver.open(action.prepare(driver.counter))
    before = captured(case)
    window.qa.present_card("bride1")

    window.qa.unplug(action.kind)  # the QA console's toggle: returns a future, never waits
    driver.qtbot.waitUntil(lambda: "不可用" in driver.indicator(action.kind)[0])
    text, tooltip = driver.indicator(action.kind)
    assert "模拟" in text and "unplugged" in tooltip

    driver.press(action.key, action.modifier)
    assert driver.wait_failed().startswith(f"[{UNAVAILABLE_CODE}]")
    assert window.can_retry
    driver.assert_kept(before, case.case_id)

    window.qa.replug(action.kind)
    driver.qtbot.waitUntil(lambda: "就绪" in driver.indicator(action.kind)[0])
    driver.press(Qt.Key.Key_Return, CTRL)
    driver.wait_done(action.done)


@pytest.mark.parametrize("operation", action_cases())
def test_device_lost_mid_step_never_freezes_the_gui(driver: Driver, operation: FaultOperation) -> None:
    action = GUI_ACTIONS[operation]
    window = driver.window
    assert window.qa is not None
    case = driver.open(action.prepare(driver.counter))
    before = captured(case)
    window.qa.present_card("bride1")
    # The device hangs (a timeout that would take 30 s); the cable is pulled meanwhile.
    window.qa.trigger_fault(action.kind, "timeout", times=1, delay_s=30.0)
    driver.press(action.key, action.modifier)
    driver.qtbot.waitUntil(lambda: window.busy and "忙" in driver.indicator(action.kind)[0], timeout=2_000)
    pulled = time.monotonic()
    window.qa.unplug(action.kind)
    assert driver.wait_failed().startswith(f"[{UNAVAILABLE_CODE}]")
    assert time.monotonic() - pulled < 2.0
    driver.assert_kept(before, case.case_id)

    window.qa.replug(action.kind)
    driver.qtbot.waitUntil(lambda: "就绪" in driver.indicator(action.kind)[0])
    driver.press(Qt.Key.Key_Return, CTRL)
    driver.wait_done(action.done)


def test_retry_is_offered_only_for_device_failures(driver: Driver) -> None:
    window = driver.window
    assert window.qa is not None
    driver.open(with_party_a(driver.counter))
    window.qa.present_card("bad_checksum")  # the reader works; the card is refused
    driver.press(Qt.Key.Key_F3)
    assert driver.wait_failed().startswith("[ID-001]")
    assert not window.can_retry and not window.error_bar.retry_button.isVisible()


@pytest.fixture
def scanning_counter(tmp_path: Path, qapp: object, clock: FixedClock, qtbot: QtBot) -> Iterator[Counter]:
    """A counter whose barcode decoder is simulated too (faults around the real zxing)."""
    ensure_application("zh_CN")
    scenario = REPO_ROOT / "resources" / "sim" / "default.yaml"
    services = build_services(simulated_config(tmp_path / "data", DEVICES__BARCODE=f"sim:{scenario}"), clock=clock)
    main = MainWindow(services)
    main.show()
    qtbot.waitUntil(lambda: not main.busy, timeout=10_000)
    try:
        yield Counter(main, qtbot, clock)
    finally:
        main.close()
        services.close()


@pytest.mark.parametrize("fault", sorted(ALLOWED_FAULTS[RECEIPT_SCAN]), ids=lambda f: f"decode-{f.value}")
def test_every_receipt_scan_fault_is_reported_and_retry_recovers(scanning_counter: Counter, fault: FaultKind) -> None:
    counter = scanning_counter
    driver = Driver(counter)
    window = driver.window
    assert window.qa is not None and window.services.devices["barcode"].simulated
    counter.marry("groom1", "bride1")
    receipt = counter.receipt_png(counter.apply_for_divorce("groom1", "bride1"))
    case = driver.open(window.services.divorce.start_case(Business.DIVORCE_WITHDRAWAL))
    window.qa.show_image(receipt, DocumentClass.RECEIPT)
    window.qa.trigger_fault("barcode", fault.value, times=1)

    driver.press(Qt.Key.Key_F4)
    message = driver.wait_failed()
    assert message.startswith(f"[{fault_error(fault, 'device', 0).code}]"), message
    assert window.can_retry
    stored = window.services.store.load_case(case.case_id)
    assert stored is not None and stored.divorce is not None and stored.divorce.application is None

    driver.press(Qt.Key.Key_Return, CTRL)  # Retry: the camera and the decoder again
    found = driver.wait_done(lambda c: c.divorce is not None and c.divorce.application is not None)
    assert found.divorce is not None and found.divorce.application is not None
    assert found.divorce.application.status == "pending"
