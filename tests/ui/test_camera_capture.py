"""Live document capture (ui/camera_capture.py) on OpenCvCamera playing synthetic videos
in real time (640×360, 20 fps): auto-capture once per document, the capture key with
no page in view, confirm and retake, a QR code reported once, the worker thread's
life, and a GUI thread that stays free while frames are processed."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import devices.camera.live as live
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.camera.document_output import OutputSettings, read_metadata
from devices.camera.opencv_camera import OpenCvCamera
from devices.camera.page_detect import page_size_px
from devices.camera.types import CapturedImage, DocumentClass
from tests.synthetic_video import Document, Shot, desk, page_texture, timeline, write_video
from ui.camera_capture import CaptureMode, CaptureSettings, DocumentCaptureDialog, LiveCamera

W, H, FPS = 640, 360, 20
DPI = 100
RECEIPT = "LH110101-2026-000123"
# An A4-shaped page carrying the receipt's QR code, then an ID-1 card (aspect 1.59).
DOCUMENTS = [Document((200, 283), (320, 180), 6.0), Document((200, 126), (300, 190), -4.0)]
CARD_PX = (337, 213)  # 85.6 × 54 mm at 100 dpi


@dataclass(frozen=True)
class Videos:
    documents: Path
    still_page: Path
    empty_desk: Path


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Videos:
    folder = tmp_path_factory.mktemp("camera")
    background = desk(W, H)
    pages = {1: page_texture(1, 200, 283, qr_text=RECEIPT, margin=14), 2: page_texture(2, 200, 126, margin=10)}
    # 4 s: each document slides in (0.3 s), lies still (1 s), leaves (0.25 s)
    shots = timeline(DOCUMENTS, lead_in=4, slide=6, blurred=0, still=20, glare_from=99, leave=5, gap=4,
                     slide_dx=250, slide_dy=20, leave_dx=60)
    still = [s for s in shots if s.page == 1 and s.corners is not None][-6]
    return Videos(
        write_video(folder / "documents.avi", shots, background, pages, FPS),
        write_video(folder / "still.avi", [Shot(still.corners, 1)] * 30, background, pages, FPS),
        write_video(folder / "empty.avi", [Shot(None, 0)] * 10, background, pages, FPS),
    )


@pytest.fixture
def open_camera() -> Iterator[Callable[..., OpenCvCamera]]:
    cameras: list[OpenCvCamera] = []

    def make(source: Path | int, *, loop: bool = False) -> OpenCvCamera:
        camera = OpenCvCamera(source, width=W, height=H, fps=FPS, realtime=True, loop=loop, name="test camera")
        cameras.append(camera)
        return camera

    yield make
    for camera in cameras:
        camera.close()


@pytest.fixture
def decoder() -> Iterator[ZxingBarcodeDecoder]:
    zxing = ZxingBarcodeDecoder()
    yield zxing
    zxing.close()


def _dialog(qtbot: QtBot, camera: OpenCvCamera, decoder: ZxingBarcodeDecoder | None = None,
            **kwargs: object) -> DocumentCaptureDialog:
    settings = kwargs.pop("settings", CaptureSettings(stable_ms=300, output=OutputSettings(dpi=DPI)))
    assert isinstance(settings, CaptureSettings)
    dialog = DocumentCaptureDialog(camera, decoder, settings=settings, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


def _press(qtbot: QtBot, dialog: QWidget, key: Qt.Key) -> None:
    """A key as the registrar presses it: the dialog's shortcuts need an active window."""
    if not dialog.isActiveWindow():
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    qtbot.keyClick(dialog.focusWidget() or dialog, key)


def _collect(dialog: DocumentCaptureDialog) -> tuple[list[CapturedImage], list[tuple[str, str]], list[object]]:
    documents: list[CapturedImage] = []
    codes: list[tuple[str, str]] = []
    shots: list[object] = []
    dialog.document_captured.connect(documents.append)
    dialog.code_seen.connect(lambda text, symbology: codes.append((text, symbology)))
    dialog.worker.shot_ready.connect(shots.append)
    return documents, codes, shots


def _check_metadata(document: CapturedImage, document_class: DocumentClass, dpi: int | None) -> None:
    metadata = read_metadata(document.image_png)
    assert metadata.document_class is document_class is document.document_class
    assert metadata.device_name == "test camera" == document.device_name
    assert metadata.dpi == dpi == document.dpi
    assert metadata.captured_at is not None
    assert abs(datetime.now().astimezone() - metadata.captured_at) < timedelta(seconds=30)


def test_auto_capture_once_per_document_and_the_qr_code_once(
    qtbot: QtBot, videos: Videos, open_camera: Callable[..., OpenCvCamera], decoder: ZxingBarcodeDecoder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detecting_threads: set[str] = set()
    find_page = live.find_page

    def spy(*args: object, **kwargs: object) -> object:
        detecting_threads.add(threading.current_thread().name)
        return find_page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(live, "find_page", spy)
    camera = open_camera(videos.documents)
    assert isinstance(camera, LiveCamera)
    dialog = _dialog(qtbot, camera, decoder)
    documents, codes, shots = _collect(dialog)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    dialog.open()
    started = time.monotonic()

    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=6000)
    assert dialog.shot is not None and dialog.shot.auto and dialog.shot.guess is DocumentClass.AGREEMENT
    assert dialog.selected_class is DocumentClass.AGREEMENT  # the guess is preselected
    _press(qtbot, dialog, Qt.Key.Key_Return)
    assert len(documents) == 1 and dialog.mode is CaptureMode.LIVE

    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=6000)
    assert dialog.shot is not None and dialog.shot.guess is DocumentClass.ID_CARD_FRONT
    assert dialog.selected_class is DocumentClass.ID_CARD_FRONT
    _press(qtbot, dialog, Qt.Key.Key_Enter)  # the keypad's Enter too
    assert len(documents) == 2

    qtbot.waitUntil(camera.ended.is_set, timeout=8000)
    qtbot.wait(300)  # the last frames and a decode in flight
    elapsed = time.monotonic() - started
    timer.stop()
    assert len(shots) == 2  # once per document: not again while it lay still or left
    page, card = documents
    assert (page.width, page.height) == page_size_px(dpi=DPI) and page.document_class is DocumentClass.AGREEMENT
    assert (card.width, card.height) == CARD_PX
    _check_metadata(page, DocumentClass.AGREEMENT, DPI)
    _check_metadata(card, DocumentClass.ID_CARD_FRONT, DPI)
    assert codes == [(RECEIPT, "QRCode")]

    # the preview ran at about the camera's rate, painted, and did no image work on the GUI thread
    assert dialog.worker.processed >= 0.6 * FPS * 3.5, dialog.worker.processed
    assert dialog.preview.paints >= 20
    preview = dialog.preview.preview
    assert preview is not None and preview.image.width() <= max(dialog.preview.width(), W)
    assert detecting_threads == {"camera-preview"}
    # the GUI thread kept ticking: no long stalls while frames were processed
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 0.3 * elapsed / 0.02, (len(ticks), elapsed)
    assert max(gaps) < 0.5, max(gaps)

    dialog.close()
    qtbot.waitUntil(lambda: not dialog.worker.thread_alive, timeout=3000)
    assert not camera.running  # the dialog started it, so it stopped it


def test_the_capture_key_takes_the_whole_frame_without_a_page(
    qtbot: QtBot, videos: Videos, open_camera: Callable[..., OpenCvCamera]
) -> None:
    camera = open_camera(videos.empty_desk, loop=True)
    dialog = _dialog(qtbot, camera, expected=DocumentClass.HUKOU_PAGE)
    documents, _codes, shots = _collect(dialog)
    assert dialog.selected_class is DocumentClass.HUKOU_PAGE  # the expected class, preselected
    dialog.open()
    qtbot.waitUntil(lambda: dialog.worker.processed >= 5, timeout=5000)
    assert dialog.mode is CaptureMode.LIVE and shots == []  # nothing to auto-capture on an empty desk
    _press(qtbot, dialog, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=5000)
    assert dialog.shot is not None and dialog.shot.corners is None and not dialog.shot.auto
    _press(qtbot, dialog, Qt.Key.Key_Return)
    (document,) = documents
    assert (document.width, document.height) == (W, H)  # the whole frame, no DPI claimed
    _check_metadata(document, DocumentClass.HUKOU_PAGE, None)
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.worker.thread_alive, timeout=3000)
    assert not camera.running
    dialog.open()  # opened again: the camera and the worker start again
    processed = dialog.worker.processed
    qtbot.waitUntil(lambda: dialog.worker.processed >= processed + 3, timeout=5000)
    assert camera.running and dialog.mode is CaptureMode.LIVE
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.worker.thread_alive, timeout=3000)


def test_retake_then_confirm_another_class(
    qtbot: QtBot, videos: Videos, open_camera: Callable[..., OpenCvCamera]
) -> None:
    camera = open_camera(videos.still_page, loop=True)
    dialog = _dialog(qtbot, camera)
    documents, _codes, shots = _collect(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=5000)
    _press(qtbot, dialog, Qt.Key.Key_Escape)  # retake: discarded, auto-capture re-armed
    assert dialog.mode is CaptureMode.LIVE and dialog.isVisible() and documents == []
    qtbot.waitUntil(lambda: dialog.mode is CaptureMode.REVIEW, timeout=5000)
    assert len(shots) == 2 and dialog.selected_class is DocumentClass.AGREEMENT
    # keyboard only: the class list has the focus; Home, Down = "ID card, back"
    assert dialog.focusWidget() is dialog.class_combo
    _press(qtbot, dialog, Qt.Key.Key_Home)
    _press(qtbot, dialog, Qt.Key.Key_Down)
    assert dialog.selected_class is DocumentClass.ID_CARD_BACK
    _press(qtbot, dialog, Qt.Key.Key_Return)  # made again at the card's size
    qtbot.waitUntil(lambda: len(documents) == 1, timeout=5000)
    (document,) = documents
    assert (document.height, document.width) == CARD_PX  # portrait, as the page lies
    _check_metadata(document, DocumentClass.ID_CARD_BACK, DPI)
    assert dialog.mode is CaptureMode.LIVE
    _press(qtbot, dialog, Qt.Key.Key_Escape)  # Esc outside review closes
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.worker.thread_alive, timeout=3000)
    assert len(documents) == 1


def test_destroying_the_parent_stops_the_worker_but_not_the_apps_camera(
    qtbot: QtBot, videos: Videos, open_camera: Callable[..., OpenCvCamera]
) -> None:
    camera = open_camera(videos.empty_desk, loop=True)
    camera.start()  # the application's camera, already running
    parent = QWidget()
    dialog = DocumentCaptureDialog(camera, settings=CaptureSettings(), parent=parent)
    worker = dialog.worker
    dialog.open()
    qtbot.waitUntil(lambda: worker.processed >= 3, timeout=5000)
    thread = worker._loop.thread
    assert thread is not None and thread.is_alive()
    shiboken6.delete(parent)
    assert not thread.is_alive()  # joined when the dialog was destroyed
    assert camera.running
    frames = camera.latest_frame()
    qtbot.wait(200)
    assert camera.latest_frame() is not frames  # still grabbing for the application


def test_an_unavailable_camera_and_a_capture_without_a_frame_are_status_lines(
    qtbot: QtBot, open_camera: Callable[..., OpenCvCamera]
) -> None:
    camera = open_camera(97)  # no such camera: it keeps trying to reconnect
    dialog = _dialog(qtbot, camera)
    dialog.open()
    qtbot.waitUntil(lambda: "Camera unavailable" in dialog.status_text, timeout=5000)
    assert "reconnecting" in dialog.status_text.lower()
    _press(qtbot, dialog, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "No picture from the camera yet" in dialog.status_text, timeout=5000)
    assert dialog.mode is CaptureMode.LIVE and dialog.isVisible()
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.worker.thread_alive, timeout=3000)
