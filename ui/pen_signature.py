"""Pen signatures captured in the app's own window (电子签名, Qt pen input).

`PenSignatureWidget` shows the exact declaration text being signed and the signer's
name above a writing area that records the pen: `QTabletEvent`s from a pen display or
a signature tablet working as a system pen (Windows Ink / Wintab, Linux XInput), with
the mouse (or a touch screen synthesizing mouse events) as the fallback.

Each sample keeps position, pressure, tilt and time:

* position in millimetres from the writing area's top-left corner. By default the
  millimetre size of a pixel comes from the screen's physical DPI
  (`QWidget.physicalDpiX/Y`, i.e. the monitor's reported size; event positions and
  that DPI are both in device-independent pixels, so high-DPI scaling cancels out).
  Pass `mm_per_px` for a fixed mapping when a monitor reports a wrong size, and in
  tests. A DPI outside 20–2000 falls back to 96 dpi (0.2646 mm/px).
* pressure 0..1 (`QTabletEvent.pressure()`); the mouse gives a constant 0.5.
* xTilt / yTilt in degrees (-60..60); 0 for the mouse. `PenPoint` has no tilt, so
  tilt stays in the widget's `samples()` and is not part of `SignatureCapture`.
* time in ms since the signature's first point, from the events' own timestamps;
  synthetic events without timestamps (0) use a monotonic clock started at the
  first point instead. Time never runs backwards.

`QtPenSignaturePad` is a `SignaturePad` backend on top of the widget: the widget sits
in a dock or dialog the caller gives, non-modal, and `capture_signature` returns a
Future completed on the GUI thread when the signer presses Done, or failed with
`SignatureCancelledError` when they cancel or the host is closed.

The counter's lock (ui.login) hides the host while the login dialog is up and shows it
again after a login (`conceal` / `reveal`): a signature in progress is kept, ink and
all, not cancelled (hiding is not closing, so the host's close watcher stays quiet), so
the signer goes on where they stopped once the registrar is back. A request that
arrives while locked waits hidden until then.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QPointF, Qt, QThread, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QShortcut,
    QTabletEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from devices.errors import DeviceBusyError, SignatureCancelledError
from devices.signature_pad.base import SignaturePad
from devices.signature_pad.sim import render_signature
from devices.signature_pad.types import PenPoint, SignatureCapture
from devices.status import DeviceState
from ui.login import conceal_while_locked

MIN_POINTS = 10  # fewer samples than this is a dot or a slip, not a signature
FALLBACK_DPI = 96.0
MOUSE_PRESSURE = 0.5
INK = QColor(20, 32, 96)  # the same ballpoint blue as the rendered PNG
NIB_MM = 0.5  # line width at half pressure, as in render_signature

Strokes = tuple[tuple[PenPoint, ...], ...]


@dataclass(frozen=True, slots=True)
class PenSample:
    """One recorded pen sample (ISO/IEC 19794-7 style channels X, Y, T, F, tilt)."""

    x_mm: float
    y_mm: float
    t_ms: int  # since the signature's first point
    pressure: float  # 0..1
    x_tilt: float  # degrees, 0 for the mouse
    y_tilt: float
    pointer: str  # "pen", "eraser" or "mouse"


class WritingArea(QWidget):
    """The box the signer writes in: records samples and draws the ink live."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, mm_per_px: float | None = None) -> None:
        super().__init__(parent)
        self._fixed_mm_per_px = mm_per_px
        self._strokes: list[list[PenSample]] = []
        self._ink: list[list[tuple[QPointF, float]]] = []  # widget pixels, pressure: for painting
        self._in_stroke: str | None = None  # the pointer drawing the current stroke
        self._t0: int | None = None
        self._last_t = 0
        self._event_clock = True
        self._clock = QElapsedTimer()
        self.setMinimumSize(360, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # --- geometry ---------------------------------------------------------------------

    def mm_per_px(self) -> tuple[float, float]:
        if self._fixed_mm_per_px is not None:
            return self._fixed_mm_per_px, self._fixed_mm_per_px

        def per_px(dpi: float) -> float:
            return 25.4 / (dpi if 20.0 <= dpi <= 2000.0 else FALLBACK_DPI)

        return per_px(self.physicalDpiX()), per_px(self.physicalDpiY())

    def size_mm(self) -> tuple[float, float]:
        sx, sy = self.mm_per_px()
        return round(self.width() * sx, 2), round(self.height() * sy, 2)

    # --- recorded data -----------------------------------------------------------------

    def samples(self) -> list[PenSample]:
        return [s for stroke in self._strokes for s in stroke]

    def strokes(self) -> tuple[tuple[PenSample, ...], ...]:
        return tuple(tuple(stroke) for stroke in self._strokes if stroke)

    def clear(self) -> None:
        self._strokes.clear()
        self._ink.clear()
        self._in_stroke = None
        self._t0 = None
        self._last_t = 0
        self.update()
        self.changed.emit()

    # --- input -------------------------------------------------------------------------

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepted, so that Qt does not synthesize mouse events from the pen as well.
        event.accept()
        device = event.pointingDevice()
        eraser = device is not None and device.pointerType() == QPointingDevice.PointerType.Eraser
        pointer = "eraser" if eraser else "pen"
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(pointer)
        if self._in_stroke != pointer or kind not in (
            QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease
        ):
            return  # hovering (tablet tracking) or another pointer's stroke
        self._add(event.position(), event.timestamp(), event.pressure(), event.xTilt(), event.yTilt())
        if kind == QEvent.Type.TabletRelease:
            self._end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._in_stroke is None:
            self._begin("mouse")
            self._add_mouse(event)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._in_stroke == "mouse":
            self._add_mouse(event)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._in_stroke == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            self._add_mouse(event)
            self._end()
        event.accept()

    def _add_mouse(self, event: QMouseEvent) -> None:
        self._add(event.position(), event.timestamp(), MOUSE_PRESSURE, 0.0, 0.0)

    def _begin(self, pointer: str) -> None:
        self._in_stroke = pointer
        self._strokes.append([])
        self._ink.append([])

    def _end(self) -> None:
        self._in_stroke = None
        if self._strokes and not self._strokes[-1]:
            self._strokes.pop()
            self._ink.pop()
        self.changed.emit()

    def _time_ms(self, timestamp: int) -> int:
        if self._t0 is None:
            self._event_clock = timestamp != 0
            self._t0 = timestamp
            self._clock.start()
        t = timestamp - self._t0 if self._event_clock else self._clock.elapsed()
        self._last_t = max(int(t), self._last_t)
        return self._last_t

    def _add(self, pos: QPointF, timestamp: int, pressure: float, x_tilt: float, y_tilt: float) -> None:
        sx, sy = self.mm_per_px()
        width_mm, height_mm = self.width() * sx, self.height() * sy
        x_mm = min(max(pos.x() * sx, 0.0), width_mm)  # a stroke may leave the box: clamp
        y_mm = min(max(pos.y() * sy, 0.0), height_mm)
        pressure = min(max(pressure, 0.0), 1.0)
        sample = PenSample(x_mm, y_mm, self._time_ms(timestamp), pressure, x_tilt, y_tilt, self._in_stroke or "")
        self._strokes[-1].append(sample)
        self._ink[-1].append((QPointF(pos), pressure))
        self.update()

    # --- drawing -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        painter.setPen(QPen(QColor(200, 200, 200), 1, Qt.PenStyle.DashLine))
        baseline = round(self.height() * 0.75)
        painter.drawLine(12, baseline, self.width() - 12, baseline)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        nib_px = NIB_MM / self.mm_per_px()[0]
        for stroke in self._ink:
            for i, (point, pressure) in enumerate(stroke):
                pen = QPen(INK, max(nib_px * (0.5 + pressure), 1.0))
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                previous = stroke[i - 1][0] if i else point
                painter.drawLine(previous, point)
        painter.end()


class PenSignatureWidget(QWidget):
    """Declaration text, signer's name, writing area and Clear (Esc) / Cancel / Done (Enter)."""

    submitted = Signal()  # Done pressed with enough pen data
    cancelled = Signal()

    def __init__(
        self,
        signer: str = "",
        document_text: str = "",
        parent: QWidget | None = None,
        *,
        mm_per_px: float | None = None,
        min_points: int = MIN_POINTS,
    ) -> None:
        super().__init__(parent)
        self.min_points = min_points
        self.document_label = QLabel()
        self.document_label.setWordWrap(True)
        self.document_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signer_label = QLabel()
        self.signer_label.setStyleSheet("font-weight: bold;")
        self.writing_area = WritingArea(self, mm_per_px=mm_per_px)
        self.hint_label = QLabel()
        self.hint_label.setStyleSheet("color: #b00020;")
        self.hint_label.setWordWrap(True)
        self.clear_button = QPushButton(self.tr("Clear (Esc)"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.done_button = QPushButton(self.tr("Done (Enter)"))
        self.clear_button.clicked.connect(self.clear)
        self.cancel_button.clicked.connect(self.cancel)
        self.done_button.clicked.connect(self.done)
        self.writing_area.changed.connect(self._on_changed)

        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.document_label)
        layout.addWidget(self.signer_label)
        layout.addWidget(self.writing_area, 1)
        layout.addWidget(self.hint_label)
        layout.addLayout(buttons)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear, context=context)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self.done, context=context)
        self.set_request(signer, document_text)

    def set_request(self, signer: str, document_text: str) -> None:
        """Shows a new text to sign and starts an empty signature."""
        self.signer = signer
        self.document_text = document_text
        self.document_label.setText(document_text)
        self.signer_label.setText(self.tr("Signer: {name}. Please sign in the box below.").format(name=signer))
        self.clear()

    def samples(self) -> list[PenSample]:
        return self.writing_area.samples()

    def pen_strokes(self) -> Strokes:
        """The strokes as `PenPoint`s (mm, ms, pressure), rounded like the simulator's."""
        return tuple(
            tuple(PenPoint(round(s.x_mm, 2), round(s.y_mm, 2), s.t_ms, round(s.pressure, 3)) for s in stroke)
            for stroke in self.writing_area.strokes()
        )

    def size_mm(self) -> tuple[float, float]:
        return self.writing_area.size_mm()

    def clear(self) -> None:
        self.writing_area.clear()
        self.hint_label.clear()

    def done(self) -> bool:
        """Submits the signature; refuses (with a hint) when it is too short."""
        if len(self.samples()) < self.min_points:
            self.hint_label.setText(self.tr("Too short to be a signature: please sign your full name in the box."))
            return False
        self.hint_label.clear()
        self.submitted.emit()
        return True

    def cancel(self) -> None:
        self.cancelled.emit()

    def _on_changed(self) -> None:
        if self.samples():
            self.hint_label.clear()


class _GuiCall(QObject):
    """Runs a callable on the thread this object lives in (the GUI thread)."""

    call = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class QtPenSignaturePad(SignaturePad):
    """A `SignaturePad` that captures in a `PenSignatureWidget` shown in `host`.

    `host` is a QDockWidget (the widget becomes its widget) or a QDialog (the widget is
    added to its layout); it is shown non-modal for each signature and hidden after.
    Closing the host, or the widget's Cancel, fails the pending Future with
    `SignatureCancelledError`; a second request while one is pending fails with
    `DeviceBusyError`. Create it on the GUI thread; `capture_signature` may be called
    from any thread.
    """

    backend: ClassVar[str] = "qt_pen"

    def __init__(
        self,
        host: QDockWidget | QDialog,
        name: str = "Qt pen",
        *,
        mm_per_px: float | None = None,
        min_points: int = MIN_POINTS,
    ) -> None:
        super().__init__(name)
        self.host = host
        self.widget = PenSignatureWidget(mm_per_px=mm_per_px, min_points=min_points)
        if isinstance(host, QDockWidget):
            host.setWidget(self.widget)
        else:
            layout = host.layout() or QVBoxLayout(host)
            layout.addWidget(self.widget)
            host.setModal(False)
            host.rejected.connect(self._on_cancel)
        self._gui = _GuiCall(self.widget)
        self._close_watcher = _CloseWatcher(self.widget, self._on_cancel)
        host.installEventFilter(self._close_watcher)
        self.widget.submitted.connect(self._on_done)
        self.widget.cancelled.connect(self._on_cancel)
        self._pending: Future[SignatureCapture] | None = None
        self.concealed = False  # hidden by the counter's lock
        conceal_while_locked(self)

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def conceal(self) -> None:
        """The counter locks: the host is hidden; a pending signature stays pending."""
        if not isValid(self.host):  # the window is gone (the device was closed)
            return
        self.concealed = True
        self.host.hide()

    def reveal(self) -> None:
        """An operator logged in: the host comes back if a signature is pending."""
        if not self.concealed or not isValid(self.host):
            return
        self.concealed = False
        if self._pending is not None:
            self._show_host()

    def _show_host(self) -> None:
        self.host.show()
        self.host.raise_()
        self.host.activateWindow()
        self.widget.writing_area.setFocus()

    def capture_signature(self, signer: str, document_text: str) -> Future[SignatureCapture]:
        future: Future[SignatureCapture] = Future()
        future.set_running_or_notify_cancel()  # the signer is on it: no cancel() from outside
        if QThread.currentThread() is self.widget.thread():
            self._start(signer, document_text, future)
        else:
            self._gui.call.emit(lambda: self._start(signer, document_text, future))
        return future

    def _do_capture_signature(self, signer: str, document_text: str) -> SignatureCapture:
        raise NotImplementedError("QtPenSignaturePad captures on the GUI thread (capture_signature)")

    def _start(self, signer: str, document_text: str, future: Future[SignatureCapture]) -> None:
        if self._pending is not None:
            future.set_exception(DeviceBusyError(self.name))
            return
        self._pending = future
        self._set_status(DeviceState.BUSY, "capture_signature")
        self.widget.set_request(signer, document_text)
        if not self.concealed:  # else shown once an operator logged in
            self._show_host()

    def _finish(self) -> Future[SignatureCapture] | None:
        future, self._pending = self._pending, None
        if future is not None:
            self._set_status(DeviceState.READY)
            self.host.hide()
        return future

    def _on_done(self) -> None:
        if self._pending is None:
            return
        strokes = self.widget.pen_strokes()
        width_mm, height_mm = self.widget.size_mm()
        capture = SignatureCapture(
            signer=self.widget.signer,
            strokes=strokes,
            image_png=render_signature(strokes, width_mm, height_mm),  # RGB on white: no alpha
            width_mm=width_mm,
            height_mm=height_mm,
            captured_at=datetime.now().astimezone(),
            device_name=self.name,
        )
        future = self._finish()
        if future is not None:
            future.set_result(capture)

    def _on_cancel(self) -> None:
        future = self._finish()
        if future is not None:
            future.set_exception(SignatureCancelledError(self.name, detail="the signer cancelled"))

    def close(self) -> None:
        self._on_cancel()
        super().close()


class _CloseWatcher(QObject):
    """Event filter on the host: closing it cancels the pending signature."""

    def __init__(self, parent: QObject, on_close: Callable[[], None]) -> None:
        super().__init__(parent)
        self._on_close = on_close

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self._on_close()
        return False
