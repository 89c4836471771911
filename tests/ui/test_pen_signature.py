"""Pen signatures in the app's own widget: synthetic tablet and mouse events in,
samples, a PNG and a Future out; a signature binds the exact declaration text."""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget
from pytestqt.qtbot import QtBot

from app.domain.case import Role
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.domain.identity import Sex
from app.rules.counter import check_declarations
from app.workflow.marriage import signature_on
from devices.errors import DeviceBusyError, SignatureCancelledError
from devices.signature_pad.types import SignatureCapture
from devices.status import DeviceState
from tests.factories import empty_case, identity, party
from ui.pen_signature import PenSignatureWidget, QtPenSignaturePad

MM_PER_PX = 0.25  # fixed mapping: 4 px per mm
GROOM = identity("李测", Sex.MALE, date(1995, 1, 1))
BRIDE = identity("王测", Sex.FEMALE, date(1996, 1, 1))
TEXT = marriage_declaration_text(GROOM, BRIDE)


@pytest.fixture(scope="module")
def stylus() -> QPointingDevice:
    return QPointingDevice(
        "test stylus", 4711, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure
        | QInputDevice.Capability.XTilt | QInputDevice.Capability.YTilt,
        1, 2,
    )


@pytest.fixture
def widget(qtbot: QtBot) -> PenSignatureWidget:
    w = PenSignatureWidget("李测", TEXT, mm_per_px=MM_PER_PX)
    qtbot.addWidget(w)
    w.resize(600, 400)
    w.show()
    qtbot.waitExposed(w)
    return w


def tablet(
    target: PenSignatureWidget, device: QPointingDevice, kind: QEvent.Type, x: float, y: float,
    pressure: float, t: int, tilt: tuple[float, float] = (0.0, 0.0),
) -> None:
    area = target.writing_area
    pos = QPointF(x, y)
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
    event = QTabletEvent(
        kind, device, pos, QPointF(area.mapToGlobal(pos)), pressure, tilt[0], tilt[1], 0.0, 0.0, 0.0,
        Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, held,
    )
    event.setTimestamp(t)
    QApplication.sendEvent(area, event)
    assert event.isAccepted()  # so Qt does not synthesize mouse events as well


def pen_stroke(
    target: PenSignatureWidget, device: QPointingDevice, x0: float, y0: float, n: int = 12, t0: int = 1000
) -> list[tuple[float, float, float, int]]:
    """Press, n-2 moves and release, 5 ms apart; returns what was sent (x, y, pressure, t)."""
    sent = []
    for i in range(n):
        kind = QEvent.Type.TabletPress if i == 0 else (
            QEvent.Type.TabletRelease if i == n - 1 else QEvent.Type.TabletMove)
        x, y, p, t = x0 + 8 * i, y0 + 3 * i, round(0.1 + 0.06 * i, 2), t0 + 5 * i
        tablet(target, device, kind, x, y, p, t, tilt=(10.0 + i, -20.0))
        sent.append((x, y, p, t))
    return sent


def test_tablet_events_are_recorded_with_pressure_tilt_time_and_mm(
    widget: PenSignatureWidget, stylus: QPointingDevice
) -> None:
    sent = pen_stroke(widget, stylus, 40, 60)
    samples = widget.samples()
    assert len(samples) == len(sent) == 12
    assert [s.pressure for s in samples] == pytest.approx([p for _, _, p, _ in sent])
    assert [s.x_mm for s in samples] == pytest.approx([x * MM_PER_PX for x, _, _, _ in sent])
    assert [s.y_mm for s in samples] == pytest.approx([y * MM_PER_PX for _, y, _, _ in sent])
    times = [s.t_ms for s in samples]
    assert times[0] == 0 and times == sorted(times) and len(set(times)) == len(times)
    assert times[-1] == 55
    assert samples[3].x_tilt == 13.0 and samples[3].y_tilt == -20.0
    assert {s.pointer for s in samples} == {"pen"}

    pen_stroke(widget, stylus, 200, 80, n=10, t0=1300)  # second stroke: time runs on
    strokes = widget.pen_strokes()
    assert [len(s) for s in strokes] == [12, 10]
    assert strokes[1][0].t_ms == 300 and strokes[1][0].x == pytest.approx(50.0)
    width_mm, height_mm = widget.size_mm()
    assert width_mm == pytest.approx(widget.writing_area.width() * MM_PER_PX)
    assert height_mm == pytest.approx(widget.writing_area.height() * MM_PER_PX)


def test_hover_without_press_records_nothing(widget: PenSignatureWidget, stylus: QPointingDevice) -> None:
    tablet(widget, stylus, QEvent.Type.TabletMove, 30, 30, 0.0, 10)
    assert widget.samples() == []


def test_mouse_is_the_fallback_with_half_pressure(widget: PenSignatureWidget, qtbot: QtBot) -> None:
    area = widget.writing_area
    qtbot.mousePress(area, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    for i in range(1, 6):
        qtbot.mouseMove(area, QPoint(20 + 10 * i, 20 + 2 * i))
    qtbot.mouseRelease(area, Qt.MouseButton.LeftButton, pos=QPoint(80, 32))
    samples = widget.samples()
    assert len(samples) >= 3  # offscreen may coalesce moves; press and release always count
    assert {s.pressure for s in samples} == {0.5} and {s.pointer for s in samples} == {"mouse"}
    assert (samples[0].x_mm, samples[0].y_mm) == pytest.approx((5.0, 5.0))
    assert (samples[-1].x_mm, samples[-1].y_mm) == pytest.approx((20.0, 8.0))
    assert len(widget.pen_strokes()) == 1


def test_clear_resets_and_too_short_is_refused(widget: PenSignatureWidget, stylus: QPointingDevice) -> None:
    pen_stroke(widget, stylus, 40, 60, n=4)
    submitted: list[bool] = []
    widget.submitted.connect(lambda: submitted.append(True))
    assert not widget.done() and widget.hint_label.text()  # 4 points: not a signature
    widget.clear()
    assert widget.samples() == [] and widget.pen_strokes() == () and not widget.hint_label.text()
    pen_stroke(widget, stylus, 40, 60, t0=5000)
    assert widget.samples()[0].t_ms == 0  # the clock restarts with the new signature
    assert widget.done() and submitted == [True]


@pytest.fixture
def dock_pad(qtbot: QtBot) -> Iterator[QtPenSignaturePad]:
    dock = QDockWidget("pen")
    qtbot.addWidget(dock)
    dock.resize(600, 400)
    pad = QtPenSignaturePad(dock, "test pen", mm_per_px=MM_PER_PX)
    yield pad
    pad.close()


def sign(pad: QtPenSignaturePad, stylus: QPointingDevice) -> None:
    pen_stroke(pad.widget, stylus, 40, 60)
    pen_stroke(pad.widget, stylus, 220, 70, t0=1400)


def test_pad_future_completes_with_a_capture_whose_png_decodes(
    dock_pad: QtPenSignaturePad, stylus: QPointingDevice
) -> None:
    future = dock_pad.capture_signature("李测", TEXT)
    assert not future.done() and dock_pad.host.isVisible()
    assert dock_pad.status.state is DeviceState.BUSY
    assert dock_pad.widget.document_label.text() == TEXT and "李测" in dock_pad.widget.signer_label.text()
    assert isinstance(dock_pad.capture_signature("王测", TEXT).exception(timeout=0), DeviceBusyError)

    dock_pad.widget.done()  # nothing written yet: refused, still pending
    assert not future.done()
    sign(dock_pad, stylus)
    dock_pad.widget.done_button.click()

    capture = future.result(timeout=0)
    assert isinstance(capture, SignatureCapture)
    assert capture.signer == "李测" and capture.device_name == "test pen"
    assert [len(s) for s in capture.strokes] == [12, 12]
    assert capture.strokes[0][5].pressure == pytest.approx(0.4)
    assert capture.width_mm == pytest.approx(dock_pad.widget.writing_area.width() * MM_PER_PX)
    image = Image.open(io.BytesIO(capture.image_png))
    assert image.format == "PNG" and image.mode == "RGB"  # flattened: no alpha
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.convert("L").getextrema()[0] < 128  # there is ink
    assert not dock_pad.host.isVisible() and dock_pad.status.state is DeviceState.READY


def test_cancel_fails_the_future(dock_pad: QtPenSignaturePad, stylus: QPointingDevice) -> None:
    future = dock_pad.capture_signature("李测", TEXT)
    pen_stroke(dock_pad.widget, stylus, 40, 60)
    dock_pad.widget.cancel_button.click()
    assert isinstance(future.exception(timeout=0), SignatureCancelledError)
    assert not dock_pad.pending and dock_pad.status.state is DeviceState.READY

    again = dock_pad.capture_signature("李测", TEXT)  # a new request starts empty
    assert dock_pad.widget.samples() == []
    dock_pad.host.close()  # closing the dock is a cancel too
    assert isinstance(again.exception(timeout=0), SignatureCancelledError)


def test_dialog_host_is_non_modal_and_reject_cancels(qtbot: QtBot, stylus: QPointingDevice) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    pad = QtPenSignaturePad(dialog, mm_per_px=MM_PER_PX)
    future = pad.capture_signature("王测", TEXT)
    assert dialog.isVisible() and not dialog.isModal()
    dialog.reject()
    assert isinstance(future.exception(timeout=0), SignatureCancelledError)
    pad.close()


def test_request_from_another_thread_is_served_on_the_gui_thread(
    dock_pad: QtPenSignaturePad, stylus: QPointingDevice, qtbot: QtBot
) -> None:
    import threading

    box: list[Future[SignatureCapture]] = []
    worker = threading.Thread(target=lambda: box.append(dock_pad.capture_signature("李测", TEXT)))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: dock_pad.pending, timeout=2000)
    sign(dock_pad, stylus)
    assert dock_pad.widget.done()
    assert box[0].result(timeout=0).signer == "李测"


def test_a_pen_signature_becomes_invalid_when_the_declaration_changes(
    dock_pad: QtPenSignaturePad, stylus: QPointingDevice
) -> None:
    case = empty_case()
    case = replace(case, parties={Role.A: party(Role.A, GROOM), Role.B: party(Role.B, BRIDE)})
    signatures = {}
    for role, partner in ((Role.A, Role.B), (Role.B, Role.A)):
        text = marriage_declaration_text(case.parties[role].identity, case.parties[partner].identity)
        future = dock_pad.capture_signature(case.parties[role].identity.name, text)
        sign(dock_pad, stylus)
        assert dock_pad.widget.done()
        signatures[role] = signature_on(text, role, future.result(timeout=0))
    signed = replace(case, signatures=signatures)
    assert check_declarations(signed).passed

    # The bride's card number is corrected after both signed: A's declaration names her
    # number, B's names her own, so both texts change and neither signature counts.
    corrected = replace(BRIDE, number=identity("王测", Sex.FEMALE, date(1996, 1, 1), sequence=22).number)
    changed = replace(signed, parties={**signed.parties, Role.B: party(Role.B, corrected)})
    new_text = marriage_declaration_text(GROOM, corrected)
    assert signatures[Role.A].declaration_sha256 == text_sha256(TEXT) != text_sha256(new_text)
    result = check_declarations(changed)
    assert not result.passed and "李测" in result.message and "王测" in result.message
