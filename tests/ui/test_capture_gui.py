"""Capture at the counter through the main window: the face check (人证合一) with the
supervisor's approval, the joint photo's checks, keyboard-wedge scans, the live
camera's capture dialog and the Qt pen signature pad ("pen:")."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputDevice, QKeyEvent, QKeySequence, QPointingDevice, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.auth.service import BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS
from app.bootstrap import CounterServices, build_services
from app.domain.case import MarriageStep, Role
from devices.camera.opencv_camera import OpenCvCamera
from devices.camera.types import CapturedImage, DocumentClass
from tests.counter_fixtures import simulated_config
from tests.synthetic_video import Shot, desk, page_texture, quad, write_video
from tests.ui.test_pen_signature import pen_stroke
from ui.app import ensure_application, open_gui_devices
from ui.camera_capture import CaptureMode
from ui.main_window import MainWindow
from ui.pen_signature import QtPenSignaturePad

NO_MODIFIER = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER,
          *, expect_error: bool = False) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)  # also after a dialog closed
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
    qtbot.wait(150)  # a button's shortcut fires through animateClick(), 100 ms later
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    if not expect_error:
        assert window.error_bar.text == "", window.error_bar.text


def identified(qtbot: QtBot, window: MainWindow, bride: str = "bride1") -> Any:
    reader: Any = window.services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    reader.present_card(bride)
    press(qtbot, window, Qt.Key.Key_F3)
    return window.pages[MarriageStep.IDENTIFY]


def test_face_check_mismatch_then_supervisor_approval(window: MainWindow, qtbot: QtBot) -> None:
    # Each party's face right after their card, as at the counter (the simulated camera
    # shows the person whose card was read last).
    reader: Any = window.services.devices["id_reader"]
    camera: Any = window.services.devices["camera"]
    identify: Any = window.pages[MarriageStep.IDENTIFY]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    press(qtbot, window, Qt.Key.Key_F2, SHIFT)  # the groom at the counter is the groom on the card
    assert window.case is not None
    groom_check = window.case.face_check_for(Role.A)
    assert groom_check is not None and groom_check.matched and groom_check.distance == 0.35
    assert "0.35" in identify.panels[Role.A].face.text

    reader.present_card("bride1")
    press(qtbot, window, Qt.Key.Key_F3)
    camera.present_document("live_face_stranger")  # someone else stands in for the bride
    press(qtbot, window, Qt.Key.Key_F3, SHIFT)
    check = window.case.face_check_for(Role.B)
    assert check is not None and not check.matched and check.distance == 0.85
    assert "C-ID-FACE" in identify.rules.rule_ids(failed_only=True)
    assert "0.85" in identify.panels[Role.B].face.text
    assert [d.document_class for d in window.case.documents] == ["live_face", "live_face"]  # kept as evidence
    press(qtbot, window, Qt.Key.Key_F10, expect_error=True)
    assert window.case.step is MarriageStep.IDENTIFY and "C-ID-FACE" not in window.error_bar.text

    identify.panels[Role.B].face.override_button.click()
    dialog = window.face_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowModality() is Qt.WindowModality.WindowModal  # open(), never a nested exec()
    dialog.supervisor.setText(BUILTIN_SUPERVISOR_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    dialog.buttons.accepted.emit()  # no reason yet: refused, the dialog stays
    assert dialog.isVisible() and dialog.hint.text()
    dialog.reason.setPlainText("证件照片为多年前拍摄，已核对户口簿，确认本人")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not window.busy and window.case is not None
                    and window.case.face_check_for(Role.B) is not None
                    and window.case.face_check_for(Role.B).overridden, timeout=10_000)  # type: ignore[union-attr]
    approved = window.case.face_check_for(Role.B)
    assert approved is not None and approved.override_by_id == BUILTIN_SUPERVISOR_ID
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed once the approval was saved
    assert identify.rules.rule_ids(failed_only=True) == []
    press(qtbot, window, Qt.Key.Key_F10)
    assert window.case.step is MarriageStep.DOCUMENTS


def test_a_failed_face_matcher_offers_retry_and_keeps_the_case(window: MainWindow, qtbot: QtBot) -> None:
    identified(qtbot, window)
    matcher: Any = window.services.devices["face_matcher"]
    matcher.inject_fault("compare_faces", "no_face", times=1)
    press(qtbot, window, Qt.Key.Key_F2, SHIFT, expect_error=True)
    assert "DEV-071" in window.error_bar.text and window.can_retry
    assert window.case is not None and window.case.face_checks == () and len(window.case.parties) == 2
    window.retry()
    qtbot.waitUntil(lambda: window.case is not None and bool(window.case.face_checks), timeout=10_000)


def blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (128, 128, 128)).save(out, format="PNG")
    return out.getvalue()


def test_joint_photo_is_cropped_checked_and_kept(window: MainWindow, qtbot: QtBot) -> None:
    identified(qtbot, window)
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F5)  # the scenario's joint photo passes its checks
    assert "53:35" in window.statusBar().currentMessage() or window.statusBar().currentMessage()
    camera: Any = window.services.devices["camera"]
    camera.present_image(blank_png(), DocumentClass.JOINT_PHOTO)  # a grey sheet: no faces, no red
    press(qtbot, window, Qt.Key.Key_F5, expect_error=True)
    assert "0 张人脸" in window.error_bar.text and "背景不是红色" in window.error_bar.text
    assert window.case is not None
    [joint] = [d for d in window.case.documents if d.document_class == "joint_photo"]
    assert joint.image_png == blank_png()  # kept: the registrar decides to retake


def scan(target: Any, text: str) -> None:
    """A wedge scanner's burst: the keys as fast as the event loop takes them, then Enter."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, Qt.Key.Key_A, NO_MODIFIER, char))
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(target, QKeyEvent(kind, Qt.Key.Key_Return, NO_MODIFIER, "\r"))


def test_a_scanned_code_nothing_routes_lands_in_the_focused_field_with_its_enter(
    window: MainWindow, qtbot: QtBot
) -> None:
    identified(qtbot, window)  # a marriage case: no receipt or certificate to look up
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    field.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=5_000)
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    assert window.wedge_scanner is not None
    scanned: list[str] = []
    window.wedge_scanner.scanned.connect(scanned.append)
    scan(field, "E12345678CHN")
    qtbot.waitUntil(lambda: bool(entered), timeout=5_000)
    assert scanned == ["E12345678CHN"] and entered == ["E12345678CHN"]


@pytest.fixture
def live_counter(tmp_path: Path, qapp: object, qtbot: QtBot) -> Iterator[MainWindow]:
    """A counter whose camera is an OpenCV camera playing a page lying still (looped)."""
    ensure_application("zh_CN")
    width, height = 640, 360
    page = page_texture(7, 200, 283, margin=14)
    still = Shot(quad(320, 180, 200, 283, 5.0), 1)
    video = write_video(tmp_path / "still.avi", [still] * 20, desk(width, height), {1: page}, 20)
    services = build_services(simulated_config(tmp_path / "data"))
    services.devices.pop("camera").close()
    services.devices["camera"] = OpenCvCamera(video, width=width, height=height, fps=20, loop=True, name="test camera")
    window = MainWindow(services)
    window.show()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    yield window
    window.close()
    services.close()


def test_a_live_camera_captures_through_the_dialog_and_the_registrar_confirms(
    live_counter: MainWindow, qtbot: QtBot
) -> None:
    window = live_counter
    identified(qtbot, window)
    press(qtbot, window, Qt.Key.Key_F10)
    documents: Any = window.pages[MarriageStep.DOCUMENTS]
    documents.class_box.setCurrentIndex(documents.class_box.findData(DocumentClass.HUKOU_PAGE.value))
    documents.document_button.click()
    dialog = window.capture_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=15_000)  # auto-capture fired
    dialog.accept_shot()
    qtbot.waitUntil(lambda: window.case is not None and len(window.case.documents) == 1 and not window.busy,
                    timeout=10_000)
    [document] = window.case.documents  # type: ignore[union-attr]
    assert document.document_class == DocumentClass.HUKOU_PAGE.value
    with Image.open(io.BytesIO(document.image_png)) as image:
        assert image.height > image.width  # flattened A4 page, portrait as it lay
    dialog.close()


@pytest.fixture
def pen_services(tmp_path: Path, qapp: object) -> Iterator[CounterServices]:
    ensure_application("zh_CN")
    config = simulated_config(tmp_path / "data")
    config = config.model_copy(update={"devices": config.devices.model_copy(update={"signature_pad": "pen:"})})
    services = build_services(config)
    open_gui_devices(services)
    yield services
    services.close()


def test_the_pen_pad_is_opened_by_the_gui_and_signs_the_declaration(
    pen_services: CounterServices, qtbot: QtBot
) -> None:
    pad = pen_services.devices["signature_pad"]
    assert isinstance(pad, QtPenSignaturePad) and "signature_pad" not in pen_services.device_errors
    window = MainWindow(pen_services)
    window.show()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    try:
        identified(qtbot, window)
        press(qtbot, window, Qt.Key.Key_F10)
        press(qtbot, window, Qt.Key.Key_F5)
        press(qtbot, window, Qt.Key.Key_F10)
        window.sign_declaration(Role.A)
        qtbot.waitUntil(pad.host.isVisible, timeout=5_000)
        assert pad.widget.signer == window.case.parties[Role.A].identity.name  # type: ignore[union-attr]
        stylus = QPointingDevice(
            "counter pen", 4712, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
            QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 2,
        )
        pen_stroke(pad.widget, stylus, 20, 20)
        assert pad.widget.done()
        qtbot.waitUntil(lambda: window.case is not None and Role.A in window.case.signatures and not window.busy,
                        timeout=10_000)
        signature = window.case.signatures[Role.A]  # type: ignore[union-attr]
        assert signature.device_name == pad.name and len(signature.strokes_json) > 50
        assert not pad.host.isVisible()
    finally:
        window.close()


def test_a_scan_ending_on_a_field_with_an_enter_shortcut_is_still_a_scan(window: MainWindow, qtbot: QtBot) -> None:
    form = QWidget()
    qtbot.addWidget(form)
    field = QLineEdit(form)
    fired: list[bool] = []
    QShortcut(QKeySequence(Qt.Key.Key_Return), form, lambda: fired.append(True))  # a default button's Enter
    form.show()
    form.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=5_000)
    assert window.wedge_scanner is not None
    scanned: list[str] = []
    window.wedge_scanner.scanned.connect(scanned.append)
    qtbot.keyClicks(field, "LH110101")  # QTest offers each key to the shortcuts first, as Qt does
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(scanned), timeout=5_000)
    assert scanned == ["LH110101"] and fired == []


def test_documents_confirmed_while_a_step_runs_are_all_saved_in_order(window: MainWindow, qtbot: QtBot) -> None:
    identified(qtbot, window)
    press(qtbot, window, Qt.Key.Key_F10)
    shots = [CapturedImage(blank_png() + bytes([n]), 900, 600, DocumentClass.HUKOU_PAGE, datetime.now().astimezone(),
                           "test camera", 300.0) for n in range(3)]
    for shot in shots:  # faster than any save: the second and third wait for the first
        window._captured(shot)
    qtbot.waitUntil(lambda: window.case is not None and len(window.case.documents) == 3 and not window.busy,
                    timeout=10_000)
    assert [d.image_png for d in window.case.documents] == [s.image_png for s in shots]  # type: ignore[union-attr]
