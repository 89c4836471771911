"""Live document capture at the counter (#8): camera preview with the page outline,
auto-capture when the page lies still and sharp, a manual capture key, and the
registrar's confirmation of the document's class.

Threads. The camera grabs on its own device thread (devices/camera/opencv_camera.py)
and only keeps its newest frame. A `FrameWorker` thread takes that frame whenever it is
idle ("latest frame wins": frames it could not keep up with are skipped, nothing
queues), runs page detection, sharpness and auto-capture (devices/camera/live.py),
builds the display image downscaled to the preview's size as a QImage that owns its
pixels (`.copy()`, never sharing numpy memory; packaging notes §7) and publishes it.
Only one "preview available" notification is ever queued to the GUI thread: the GUI
takes the newest image when it gets there, so slow painting never builds a queue.
Barcodes are read through a `BarcodeDecoder` on a downscaled grey image, throttled
(`BarcodeWatcher`). Captured documents are flattened and encoded
(devices/camera/document_output.py) on the worker too. The GUI thread only paints.

The worker is a Python thread, not a QThread: it waits on a `threading.Event` that the
camera's device thread sets for each new frame (no Qt event loop is needed on the
worker), it drives the camera's and the decoder's futures, and Qt queues every signal
it emits to the GUI thread by itself (the emitting thread is not the receiver's).

The camera belongs to the application: the dialog starts it when it is not grabbing
(and stops it again on close only then), and never closes it.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devices.barcode.base import BarcodeDecoder
from devices.camera.document_output import OutputSettings, guess_document_class, render_document
from devices.camera.live import (
    BARCODE_INTERVAL_MS,
    LIVE_MIN_AREA_FRACTION,
    BarcodeWatcher,
    FrameAnalysis,
    PageTracker,
)
from devices.camera.opencv_camera import Frame
from devices.camera.page_detect import AutoCapture, AutoState, Image8, Quad
from devices.camera.types import CapturedImage, DocumentClass
from devices.events import Event
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

DEFAULT_VIEW = (640, 480)  # until the preview widget reports its size
REVIEW_SIZE = (520, 520)  # the captured document as shown for confirmation
NO_PICTURE_AFTER_S = 2.0

# The classes offered at the counter, in this order (the archive's structure).
DEFAULT_CLASSES: tuple[DocumentClass, ...] = (
    DocumentClass.ID_CARD_FRONT,
    DocumentClass.ID_CARD_BACK,
    DocumentClass.MARRIAGE_CERTIFICATE,
    DocumentClass.HUKOU_PAGE,
    DocumentClass.RESIDENCE_PERMIT,
    DocumentClass.AGREEMENT,
    DocumentClass.OTHER,
)


@runtime_checkable
class LiveCamera(Protocol):
    """A camera with a live picture (OpenCvCamera); `capture()`-only backends do not have one."""

    name: str
    measured_fps: float
    frame_did_arrive: Event[Frame]
    status_did_change: Event[DeviceStatus]

    @property
    def status(self) -> DeviceStatus: ...

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def latest_frame(self) -> Frame | None: ...


@dataclass(frozen=True)
class CaptureSettings:
    auto_capture: bool = True
    stable_ms: float = 700.0  # the page lies still and sharp this long before auto-capture
    min_sharpness: float = 100.0  # variance of the Laplacian (page_detect.sharpness)
    motion_fraction: float = 0.01  # "still": every corner within 1 % of the page's size
    min_area_fraction: float = LIVE_MIN_AREA_FRACTION  # smallest page, of the frame (an ID card ~7 %)
    barcode_interval_ms: float = BARCODE_INTERVAL_MS
    output: OutputSettings = field(default_factory=OutputSettings)
    single: bool = False  # close (accept) after the first confirmed document
    stop_camera_on_close: bool = True  # only when the dialog started it


@dataclass(frozen=True)
class PreviewImage:
    image: QImage  # display-sized, owns its pixels
    corners: tuple[QPointF, ...] | None  # the page outline in `image` pixels
    state: AutoState
    sharpness: float
    frame_size: tuple[int, int]  # the camera frame's width, height
    camera_fps: float
    preview_fps: float
    index: int  # the camera's frame index


@dataclass(frozen=True)
class Shot:
    """A captured frame and the document made from it, waiting for confirmation."""

    frame: Frame
    corners: Quad | None
    document: CapturedImage  # made with document.document_class (the proposal)
    review: QImage  # the document downscaled for showing
    auto: bool  # auto-capture (False: the capture key)
    guess: DocumentClass | None  # from the page's shape


class CaptureFailure(enum.StrEnum):
    NO_FRAME = "no_frame"
    RENDER_FAILED = "render_failed"


def to_qimage(image: Image8) -> QImage:
    """A QImage that owns a copy of `image` (BGR or grey): safe to hand to another thread."""
    pixels = np.ascontiguousarray(image)
    height, width = pixels.shape[:2]
    fmt = QImage.Format.Format_BGR888 if pixels.ndim == 3 else QImage.Format.Format_Grayscale8
    return QImage(pixels.data, width, height, pixels.strides[0], fmt).copy()


def fit_image(image: Image8, box: tuple[int, int]) -> tuple[Image8, float]:
    """`image` downscaled to fit `box` (never upscaled: the painter does that), and the scale."""
    height, width = image.shape[:2]
    scale = min(1.0, box[0] / width, box[1] / height)
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8), scale


class FramePipeline:
    """One frame's work for the preview: analysis, barcode offer, display image. Used by
    the worker thread and by benchmarks/camera_pipeline.py."""

    def __init__(self, tracker: PageTracker, watcher: BarcodeWatcher | None = None) -> None:
        self.tracker = tracker
        self.watcher = watcher
        self.view = DEFAULT_VIEW
        self._times: list[float] = []
        self.fps = 0.0

    def step(self, frame: Frame, camera_fps: float = 0.0) -> tuple[FrameAnalysis, PreviewImage]:
        analysis = self.tracker.analyse(frame)
        if self.watcher is not None:
            self.watcher.offer(frame, analysis.corners)
        small, scale = fit_image(frame.image, self.view)
        corners = None
        if analysis.corners is not None:
            corners = tuple(QPointF(float(x) * scale, float(y) * scale) for x, y in analysis.corners)
        now = time.monotonic()
        self._times = [*self._times[-29:], now]
        if len(self._times) > 1 and self._times[-1] > self._times[0]:
            self.fps = (len(self._times) - 1) / (self._times[-1] - self._times[0])
        height, width = frame.image.shape[:2]
        preview = PreviewImage(
            to_qimage(small), corners, analysis.state, analysis.sharpness, (width, height), camera_fps, self.fps,
            frame.index,
        )
        return analysis, preview


class _Loop:
    """The worker thread's handle, free of Qt so that it can still be stopped after its
    QObject is gone (a parent widget destroyed the dialog)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.detach: Callable[[], None] = lambda: None

    def halt(self, *, wait: bool, timeout: float = 5.0) -> None:
        self.stop.set()
        self.wake.set()
        thread = self.thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("camera preview worker did not stop within %.0f s", timeout)


class FrameWorker(QObject):
    """The preview's processing thread (see the module's docstring). Methods are called
    on the GUI thread; signals arrive there, queued."""

    preview_available = Signal()  # take_preview() has a newer image
    shot_ready = Signal(object)  # Shot: a capture to confirm
    document_ready = Signal(object)  # CapturedImage: a shot made again for a corrected class
    capture_failed = Signal(str, str)  # CaptureFailure value, detail
    code_seen = Signal(str, str)  # text, symbology: each code once
    status_changed = Signal(object)  # DeviceStatus from the camera

    def __init__(
        self,
        camera: LiveCamera,
        decoder: BarcodeDecoder | None = None,
        *,
        settings: CaptureSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.settings = settings or CaptureSettings()
        s = self.settings
        auto = AutoCapture(stable_ms=s.stable_ms, motion_fraction=s.motion_fraction, min_sharpness=s.min_sharpness)
        self._loop = _Loop()
        watcher = None
        if decoder is not None:  # a finished decode wakes the worker to report the code
            watcher = BarcodeWatcher(decoder, interval_ms=s.barcode_interval_ms, wake=self._loop.wake.set)
        self.pipeline = FramePipeline(PageTracker(auto, min_area_fraction=s.min_area_fraction), watcher)
        self.auto_enabled = s.auto_capture
        self.preferred_class: DocumentClass | None = None  # else the guess from the page's shape
        self._reviewing = False
        self._missed_fire = False
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._preview: PreviewImage | None = None
        self._preview_pending = False
        self._last_frame: Frame | None = None
        self._last_analysis: FrameAnalysis | None = None
        self.last_preview_at: float | None = None  # monotonic, set on the worker
        self.processed = 0
        loop = self._loop

        def on_destroyed(*_: object) -> None:  # not a method: the QObject is gone by then
            loop.detach()
            loop.halt(wait=True)

        self.destroyed.connect(on_destroyed)

    # --- GUI thread -------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """Started and not asked to stop."""
        return self.thread_alive and not self._loop.stop.is_set()

    @property
    def thread_alive(self) -> bool:
        thread = self._loop.thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        if self.is_running:
            return
        loop = self._loop
        loop.halt(wait=True)  # a previous run that is still finishing its frame
        loop.stop.clear()
        loop.wake.clear()
        self._last_frame = None
        self.last_preview_at = None

        def on_frame(_frame: Frame) -> None:  # camera's device thread
            loop.wake.set()

        def on_status(status: DeviceStatus) -> None:  # camera's device thread
            with contextlib.suppress(RuntimeError):  # the worker's QObject is gone
                self.status_changed.emit(status)

        camera = self.camera
        camera.frame_did_arrive.connect(on_frame)
        camera.status_did_change.connect(on_status)

        def detach() -> None:
            camera.frame_did_arrive.disconnect(on_frame)
            camera.status_did_change.disconnect(on_status)
            loop.detach = lambda: None

        loop.detach = detach
        loop.thread = threading.Thread(target=self._run, args=(loop,), name="camera-preview", daemon=True)
        loop.thread.start()

    def stop(self, *, wait: bool = False) -> None:
        """Stops the thread after the frame in hand; `wait` joins it."""
        self._loop.detach()
        self._loop.halt(wait=wait)

    def take_preview(self) -> PreviewImage | None:
        """The newest preview image (GUI thread); re-arms the next notification."""
        with self._lock:
            self._preview_pending = False
            return self._preview

    def set_view_size(self, width: int, height: int) -> None:
        self.pipeline.view = (max(16, width), max(16, height))

    def set_auto_enabled(self, enabled: bool) -> None:
        self.auto_enabled = enabled
        if enabled:
            self._submit(self.pipeline.tracker.auto.reset)  # fire for the page already there

    def request_capture(self) -> None:
        """Captures the newest analysed frame (the capture key): the page when one is in
        view, else the whole frame. Answers with shot_ready or capture_failed."""
        self._submit(self._capture_now)

    def request_render(self, shot: Shot, document_class: DocumentClass) -> None:
        """Makes the shot's document again for another class (its size and metadata
        depend on it). Answers with document_ready or capture_failed."""
        self._submit(lambda: self._render_again(shot, document_class))

    def set_reviewing(self, reviewing: bool, *, rearm: bool = False) -> None:
        """While a shot is reviewed, auto-capture does not fire. `rearm` (a retake) lets
        it fire again for the page that is still there."""
        self._submit(lambda: self._set_reviewing(reviewing, rearm))

    def forget_codes(self) -> None:
        if self.pipeline.watcher is not None:
            self.pipeline.watcher.forget()

    def _submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)
        self._loop.wake.set()

    # --- worker thread -------------------------------------------------------------------

    def _run(self, loop: _Loop) -> None:
        last_error = ""
        try:
            while not loop.stop.is_set():
                loop.wake.wait(0.1)
                loop.wake.clear()
                try:
                    self._step(loop)
                except RuntimeError as error:
                    if "already deleted" in str(error):  # a signal of a deleted QObject: the dialog is gone
                        return
                    raise
                except Exception as error:  # one bad frame or job must not end the preview
                    if str(error) != last_error:  # not once per frame
                        log.exception("camera preview worker: a frame or request failed")
                    last_error = str(error)
        except Exception:
            log.exception("camera preview worker failed")
        finally:
            if self.pipeline.watcher is not None:
                self.pipeline.watcher.cancel()

    def _step(self, loop: _Loop) -> None:
        while not loop.stop.is_set():  # requests from the GUI first
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            job()
        if loop.stop.is_set():
            return
        self._report_codes()
        frame = self.camera.latest_frame()
        if frame is None or frame is self._last_frame:
            return
        self._last_frame = frame
        self._process(frame)

    def _report_codes(self) -> None:
        if self.pipeline.watcher is None:
            return
        for barcode in self.pipeline.watcher.take_new():
            self.code_seen.emit(barcode.text, barcode.symbology)

    def _process(self, frame: Frame) -> None:
        analysis, preview = self.pipeline.step(frame, self.camera.measured_fps)
        self._last_analysis = analysis
        self.processed += 1
        self.last_preview_at = time.monotonic()
        with self._lock:
            self._preview = preview
            notify = not self._preview_pending
            self._preview_pending = True
        if notify:
            self.preview_available.emit()
        if analysis.fired:
            if self._reviewing or not self.auto_enabled:
                self._missed_fire = self._reviewing
            else:
                self._shoot(analysis, auto=True)

    def _set_reviewing(self, reviewing: bool, rearm: bool) -> None:
        self._reviewing = reviewing
        if not reviewing and (rearm or self._missed_fire):
            self.pipeline.tracker.auto.reset()
        self._missed_fire = False

    def _capture_now(self) -> None:
        if self._reviewing:  # a shot is already on its way to the registrar
            return
        analysis = self._last_analysis
        if analysis is None:
            frame = self.camera.latest_frame()
            if frame is None:
                self.capture_failed.emit(CaptureFailure.NO_FRAME.value, "")
                return
            analysis = self.pipeline.tracker.analyse(frame)
        self._shoot(analysis, auto=False)

    def _shoot(self, analysis: FrameAnalysis, *, auto: bool) -> None:
        guess = guess_document_class(analysis.corners)
        document_class = self.preferred_class or guess or DocumentClass.OTHER
        try:
            document, flat = render_document(
                analysis.frame.image, analysis.corners, document_class=document_class,
                device_name=self.camera.name, settings=self.settings.output,
            )
        except (ValueError, cv2.error) as error:
            log.exception("making the captured document failed")
            self.capture_failed.emit(CaptureFailure.RENDER_FAILED.value, str(error))
            return
        review = to_qimage(fit_image(flat, REVIEW_SIZE)[0])
        self._reviewing = True  # until the dialog says otherwise: no second shot meanwhile
        self.shot_ready.emit(Shot(analysis.frame, analysis.corners, document, review, auto, guess))

    def _render_again(self, shot: Shot, document_class: DocumentClass) -> None:
        try:
            document, _ = render_document(
                shot.frame.image, shot.corners, document_class=document_class, device_name=shot.document.device_name,
                captured_at=shot.document.captured_at, settings=self.settings.output,
            )
        except (ValueError, cv2.error) as error:
            log.exception("making the captured document failed")
            self.capture_failed.emit(CaptureFailure.RENDER_FAILED.value, str(error))
            return
        self.document_ready.emit(document)


STATE_COLOURS: dict[AutoState, str] = {
    AutoState.SEARCHING: "#ff9800",  # a page, but moving or blurred
    AutoState.SETTLING: "#ffd600",  # still and sharp: about to capture
    AutoState.CAPTURED: "#00c853",
}
MANUAL_COLOUR = "#40a0ff"  # auto-capture off


class CameraPreview(QWidget):
    """Paints the newest preview image at the widget's size with the page outline
    (coloured by the auto-capture state) and the frame rates. Does no image work."""

    resized = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview: PreviewImage | None = None
        self.auto_enabled = True
        self.message = ""
        self.paints = 0
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(*DEFAULT_VIEW)

    def set_preview(self, preview: PreviewImage | None) -> None:
        self.preview = preview
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def outline_colour(self) -> QColor:
        if self.preview is None:
            return QColor(MANUAL_COLOUR)
        return QColor(STATE_COLOURS[self.preview.state] if self.auto_enabled else MANUAL_COLOUR)

    def image_rect(self) -> QRectF:
        """Where the image lies in the widget (aspect kept, centred)."""
        if self.preview is None or self.preview.image.isNull():
            return QRectF(self.rect())
        image = self.preview.image
        scale = min(self.width() / image.width(), self.height() / image.height())
        w, h = image.width() * scale, image.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit(event.size().width(), event.size().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        preview = self.preview
        if preview is not None:
            target = self.image_rect()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, preview.image)
            if preview.corners is not None:
                scale = target.width() / preview.image.width()
                polygon = QPolygonF([QPointF(target.x() + p.x() * scale, target.y() + p.y() * scale)
                                     for p in preview.corners])
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(self.outline_colour(), 3))
                painter.drawPolygon(polygon)
            painter.setPen(QColor("white"))
            painter.drawText(
                self.rect().adjusted(8, 6, -8, -6), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight,
                self.tr("camera {camera:.0f} fps · preview {preview:.0f} fps").format(
                    camera=preview.camera_fps, preview=preview.preview_fps
                ),
            )
        if self.message:
            painter.setPen(QColor("white"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        painter.end()


class CaptureMode(enum.Enum):
    LIVE = "live"  # preview; auto-capture armed
    REVIEW = "review"  # a shot shown for confirmation of its class
    SAVING = "saving"  # the shot is made again for the confirmed class


class DocumentCaptureDialog(QDialog):
    """Preview, capture and class confirmation for one or more documents.

    Keys: Space captures now; in review Enter keeps the image with the selected class
    and Esc discards it (retake); otherwise Esc closes. Use with `open()`/`show()` and
    the signals (no exec() needed).
    """

    document_captured = Signal(object)  # CapturedImage with the confirmed class
    code_seen = Signal(str, str)  # a barcode in view: text, symbology (each code once)

    def __init__(
        self,
        camera: LiveCamera,
        decoder: BarcodeDecoder | None = None,
        *,
        expected: DocumentClass | None = None,
        classes: Sequence[DocumentClass] = DEFAULT_CLASSES,
        settings: CaptureSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.camera = camera
        self.settings = settings or CaptureSettings()
        self.expected = expected
        self.setWindowTitle(self.tr("Document camera"))
        self.worker = FrameWorker(camera, decoder, settings=self.settings, parent=self)
        self.worker.preferred_class = expected
        self.mode = CaptureMode.LIVE
        self.shot: Shot | None = None
        self._started_camera = False
        self._opened_at = 0.0
        self._camera_problem = ""
        self._failure = ""

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("background: #fde7e9; color: #8a0012; font-weight: bold; padding: 4px;")
        self.status_label.hide()
        self.preview = CameraPreview()
        self.preview.auto_enabled = self.settings.auto_capture
        self.review_label = QLabel()
        self.review_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.review_label.setStyleSheet("background: #202020;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.preview)
        self.stack.addWidget(self.review_label)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)

        self.class_combo = QComboBox()
        offered = list(classes)
        if expected is not None and expected not in offered:
            offered.insert(0, expected)
        for document_class in offered:
            self.class_combo.addItem(self.class_label(document_class), document_class.value)
        self._select_class(expected or offered[0])
        self.class_combo.activated.connect(self._class_picked)
        self.auto_box = QCheckBox(self.tr("Auto-capture"))
        self.auto_box.setChecked(self.settings.auto_capture)
        self.auto_box.toggled.connect(self.set_auto_capture)
        self.capture_button = QPushButton(self.tr("Capture (Space)"))
        self.capture_button.clicked.connect(self.capture_now)
        self.retake_button = QPushButton(self.tr("Retake (Esc)"))
        self.retake_button.clicked.connect(self.retake)
        self.accept_button = QPushButton(self.tr("Use this image (Enter)"))
        self.accept_button.clicked.connect(self.accept_shot)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.capture_button, self.retake_button, self.accept_button, self.close_button, self.auto_box):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and Enter are the dialog's keys
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)

        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Document class:")))
        controls.addWidget(self.class_combo, 1)
        controls.addWidget(self.auto_box)
        controls.addWidget(self.capture_button)
        controls.addWidget(self.retake_button)
        controls.addWidget(self.accept_button)
        controls.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.hint_label)
        layout.addLayout(controls)

        for keys, slot in (
            (("Space",), self.capture_now),
            (("Return", "Enter"), self._on_enter),
            (("Esc",), self._on_escape),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self, slot)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)

        self.worker.preview_available.connect(self._show_preview)
        self.worker.shot_ready.connect(self._on_shot)
        self.worker.document_ready.connect(self._on_document)
        self.worker.capture_failed.connect(self._on_failure)
        self.worker.code_seen.connect(self.code_seen)
        self.worker.status_changed.connect(self._on_status)
        self.preview.resized.connect(self.worker.set_view_size)
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(500)
        self._watchdog.timeout.connect(self._check_picture)
        self.class_combo.setFocus()
        self.resize(900, 680)
        self._set_mode(CaptureMode.LIVE)

    # --- public --------------------------------------------------------------------------

    def class_label(self, document_class: DocumentClass) -> str:
        labels = {
            DocumentClass.ID_CARD_FRONT: self.tr("ID card, front"),
            DocumentClass.ID_CARD_BACK: self.tr("ID card, back"),
            DocumentClass.MARRIAGE_CERTIFICATE: self.tr("Marriage certificate"),
            DocumentClass.HUKOU_PAGE: self.tr("Household register (hukou) page"),
            DocumentClass.RESIDENCE_PERMIT: self.tr("Residence permit"),
            DocumentClass.AGREEMENT: self.tr("Agreement"),
            DocumentClass.JOINT_PHOTO: self.tr("Joint photo"),
            DocumentClass.SINGLE_PHOTO: self.tr("Single photo"),
            DocumentClass.LOSS_STATEMENT: self.tr("Statement of loss"),
            DocumentClass.ARCHIVE_COPY: self.tr("Certified archive copy"),
            DocumentClass.RECEIPT: self.tr("Receipt"),
            DocumentClass.LIVE_FACE: self.tr("Live face"),
            DocumentClass.OTHER: self.tr("Other"),
        }
        return labels.get(document_class, document_class.value)  # a class added later: its id until translated

    @property
    def selected_class(self) -> DocumentClass:
        value = self.class_combo.currentData()  # the enum's value: Qt keeps a str, not the enum
        return DocumentClass(value) if isinstance(value, str) and value else DocumentClass.OTHER

    @property
    def status_text(self) -> str:
        return self.status_label.text() if not self.status_label.isHidden() else ""

    def capture_now(self) -> None:
        """The capture key: the page in view (or the whole frame) now."""
        if self.mode is CaptureMode.LIVE:
            self._failure = ""
            self._refresh_status()
            self.worker.request_capture()

    def set_auto_capture(self, enabled: bool) -> None:
        self.worker.set_auto_enabled(enabled)
        self.preview.auto_enabled = enabled
        if self.auto_box.isChecked() != enabled:
            self.auto_box.setChecked(enabled)
        self._set_mode(self.mode)

    def retake(self) -> None:
        """Discards the shot under review; auto-capture may fire again."""
        if self.mode is CaptureMode.REVIEW:
            self.shot = None
            self.worker.set_reviewing(False, rearm=True)
            self._set_mode(CaptureMode.LIVE)

    def accept_shot(self) -> None:
        """Keeps the shot under review with the selected class."""
        if self.mode is not CaptureMode.REVIEW or self.shot is None:
            return
        chosen = self.selected_class
        if chosen == self.shot.document.document_class:
            self._deliver(self.shot.document)
        else:
            self._set_mode(CaptureMode.SAVING)
            self.worker.request_render(self.shot, chosen)

    # --- events --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.worker.is_running:
            if not self.camera.running:
                self.camera.start()
                self._started_camera = True
            self._opened_at = time.monotonic()
            self.worker.set_view_size(self.preview.width(), self.preview.height())
            self.worker.start()
            self._watchdog.start()
            self._on_status(self.camera.status)

    def hideEvent(self, event: QHideEvent) -> None:
        # close(), accept(), reject() and hide() all end here; a minimised parent
        # (spontaneous) does not stop the preview.
        super().hideEvent(event)
        if not event.spontaneous():
            self._shut_down()

    def _shut_down(self) -> None:
        self._watchdog.stop()
        # Joined, not detached: the dialog may be deleted right after (WA_DeleteOnClose), and a
        # worker still rendering would emit on a destroyed object. At most one frame's work.
        self.worker.stop(wait=True)
        if self._started_camera and self.settings.stop_camera_on_close:
            self.camera.stop()
        self._started_camera = False
        if self.mode is not CaptureMode.LIVE:
            self.shot = None
            self.worker.set_reviewing(False)
            self._set_mode(CaptureMode.LIVE)

    def _on_enter(self) -> None:
        if self.mode is CaptureMode.REVIEW:
            self.accept_shot()

    def _on_escape(self) -> None:
        if self.mode is CaptureMode.REVIEW:
            self.retake()
        elif self.mode is CaptureMode.LIVE:
            self.reject()

    def _class_picked(self, _index: int) -> None:
        if self.mode is CaptureMode.LIVE:  # the registrar says what comes next
            self.worker.preferred_class = self.selected_class

    def _select_class(self, document_class: DocumentClass) -> None:
        index = self.class_combo.findData(document_class.value)
        if index < 0:
            self.class_combo.addItem(self.class_label(document_class), document_class.value)
            index = self.class_combo.count() - 1
        self.class_combo.setCurrentIndex(index)

    def _show_preview(self) -> None:
        preview = self.worker.take_preview()
        if preview is not None and self.mode is CaptureMode.LIVE:
            self.preview.set_preview(preview)
            self.preview.set_message("")
            if self._camera_problem.startswith("no-picture"):
                self._camera_problem = ""
                self._refresh_status()
            self._update_hint(preview.state, preview.corners is not None)

    def _on_shot(self, shot: Shot) -> None:
        if not self.isVisible():  # closed meanwhile
            self.worker.set_reviewing(False)
            return
        if self.mode is not CaptureMode.LIVE:  # the worker sends one shot at a time; never mind
            return
        self.shot = shot
        self._failure = ""
        assert shot.document.document_class is not None
        self._select_class(shot.document.document_class)
        self.review_label.setPixmap(QPixmap.fromImage(shot.review))
        self._set_mode(CaptureMode.REVIEW)
        self.class_combo.setFocus()

    def _on_document(self, document: CapturedImage) -> None:
        if self.mode is CaptureMode.SAVING:
            self._deliver(document)

    def _deliver(self, document: CapturedImage) -> None:
        self.shot = None
        self.worker.set_reviewing(False)
        self._set_mode(CaptureMode.LIVE)
        self.document_captured.emit(document)
        if self.settings.single:
            self.accept()

    def _on_failure(self, kind: str, detail: str) -> None:
        if kind == CaptureFailure.NO_FRAME.value:
            self._failure = self.tr(
                "No picture from the camera yet: check that it is connected and switched on, then press Space again."
            )
        else:
            text = self.tr("The captured image could not be made ({detail}). Press Space to try again.")
            self._failure = text.format(detail=detail)
        if self.mode is CaptureMode.SAVING:
            self._set_mode(CaptureMode.REVIEW)
        self._refresh_status()

    def _on_status(self, status: DeviceStatus) -> None:
        if status.state is DeviceState.UNAVAILABLE:
            self._camera_problem = "unavailable:" + (status.reason or "")
        elif self._camera_problem.startswith("unavailable"):
            self._camera_problem = ""
        self._refresh_status()

    def _check_picture(self) -> None:
        if self._camera_problem.startswith("unavailable") or self.mode is not CaptureMode.LIVE:
            return
        last = self.worker.last_preview_at
        since = time.monotonic() - (last if last is not None else self._opened_at)
        if since >= NO_PICTURE_AFTER_S:
            self._camera_problem = f"no-picture:{since:.0f}"
            if last is None:
                self.preview.set_message(self.tr("Waiting for the camera…"))
            self._refresh_status()

    def _refresh_status(self) -> None:
        lines = []
        problem = self._camera_problem
        if problem.startswith("unavailable:"):
            reason = problem.partition(":")[2] or "-"
            line = self.tr("Camera unavailable: {reason}").format(reason=reason)
            if "reconnect" not in reason.lower():
                line += " " + self.tr("Reconnecting…")
            lines.append(line)
        elif problem.startswith("no-picture:"):
            seconds = problem.partition(":")[2]
            lines.append(self.tr("No picture from the camera for {seconds} s.").format(seconds=seconds))
        if self._failure:
            lines.append(self._failure)
        self.status_label.setText("\n".join(lines))
        self.status_label.setVisible(bool(lines))

    def _set_mode(self, mode: CaptureMode) -> None:
        self.mode = mode
        live = mode is CaptureMode.LIVE
        self.stack.setCurrentWidget(self.preview if live else self.review_label)
        self.capture_button.setVisible(live)
        self.auto_box.setEnabled(live)
        self.retake_button.setVisible(not live)
        self.accept_button.setVisible(not live)
        self.accept_button.setEnabled(mode is CaptureMode.REVIEW)
        self.retake_button.setEnabled(mode is CaptureMode.REVIEW)
        if mode is CaptureMode.REVIEW:
            self.hint_label.setText(
                self.tr("Check the image and its class. Enter keeps it, Esc discards it and captures again.")
            )
        elif mode is CaptureMode.SAVING:
            self.hint_label.setText(self.tr("Saving…"))
        else:
            self._update_hint(None, False)

    def _update_hint(self, state: AutoState | None, page: bool) -> None:
        if not self.auto_box.isChecked():
            text = self.tr("Place the document under the camera and press Space to capture.")
        elif state is AutoState.SETTLING:
            text = self.tr("Hold still…")
        elif state is AutoState.CAPTURED:
            text = self.tr("Captured. Place the next document, or press Space to capture again.")
        elif page:
            text = self.tr("Lay the document flat and hold it still.")
        else:
            text = self.tr("Place the document under the camera: it is captured when it lies still (Space: now).")
        if self.hint_label.text() != text:
            self.hint_label.setText(text)
