"""Barcode reading from camera frames: the decoder's array entry point, the downscaled
grey image it gets, and the throttle that reports each code once."""

from __future__ import annotations

import threading
from typing import ClassVar

import numpy as np
import pytest

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.camera.live import BarcodeWatcher, PageTracker, barcode_image
from devices.camera.opencv_camera import Frame
from devices.camera.page_detect import AutoCapture, AutoState
from devices.errors import CorruptDataError
from tests.synthetic_video import Shot, desk, page_texture, qr_image, quad, render

RECEIPT = "LH110101-2026-000123"


def _page_frame() -> tuple[np.ndarray, np.ndarray]:
    corners = quad(640, 360, 420, 594, 5)
    page = page_texture(4, 420, 594, qr_text=RECEIPT)
    return render(Shot(corners, 1), desk(1280, 720), {1: page}), corners


class PngOnlyDecoder(BarcodeDecoder):
    """A backend without an array path: the base class encodes a PNG for it."""

    backend: ClassVar[str] = "png-only"

    def __init__(self) -> None:
        super().__init__("png-only")
        self.inner = ZxingBarcodeDecoder()
        self.pngs = 0

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        self.pngs += 1
        return self.inner._do_decode(image_png)

    def close(self) -> None:
        super().close()
        self.inner.close()


def _backends() -> list[str]:
    names = ["zxing", "png-only"]
    try:
        from devices.barcode.pyzbar import PyzbarBarcodeDecoder

        PyzbarBarcodeDecoder().close()
        names.append("pyzbar")
    except Exception:  # libzbar missing: the pyzbar backend reports it elsewhere
        pass
    return names


def _open(name: str) -> BarcodeDecoder:
    if name == "zxing":
        return ZxingBarcodeDecoder()
    if name == "pyzbar":
        from devices.barcode.pyzbar import PyzbarBarcodeDecoder

        return PyzbarBarcodeDecoder()
    return PngOnlyDecoder()


@pytest.mark.parametrize("backend", _backends())
def test_decode_array_reads_a_grey_frame(backend: str) -> None:
    frame, corners = _page_frame()
    decoder = _open(backend)
    try:
        codes = decoder.decode_array(barcode_image(frame, corners)).result(timeout=10)
        assert [(c.text, c.symbology) for c in codes] == [(RECEIPT, "QRCode")]
        assert decoder.decode_array(np.full((50, 80), 255, np.uint8)).result(timeout=10) == ()
        with pytest.raises(CorruptDataError):
            decoder.decode_array(frame).result(timeout=10)  # colour: not greyscale
        if isinstance(decoder, PngOnlyDecoder):
            assert decoder.pngs == 2
    finally:
        decoder.close()


def test_barcode_image_is_a_downscaled_grey_copy_of_the_page() -> None:
    frame, corners = _page_frame()
    whole = barcode_image(frame, None, max_width=960)
    assert whole.shape == (540, 960) and whole.dtype == np.uint8
    page = barcode_image(frame, corners, max_width=960)
    assert 420 <= page.shape[1] <= 480 and 594 <= page.shape[0] <= 640  # the page's bounding box, full size
    assert not np.shares_memory(page, frame)
    assert barcode_image(frame, corners, max_width=200).shape[1] == 200
    assert qr_image("x").ndim == 2


class CountingDecoder(BarcodeDecoder):
    backend: ClassVar[str] = "counting"

    def __init__(self) -> None:
        super().__init__("counting")
        self.calls = 0
        self.release = threading.Event()

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        raise AssertionError("frames go through decode_array")

    def _do_decode_array(self, gray: Gray8) -> tuple[Barcode, ...]:
        self.calls += 1
        self.release.wait(5)
        return (Barcode(RECEIPT, "QRCode"), Barcode("second", "Code128")) if self.calls > 1 else (
            Barcode(RECEIPT, "QRCode"),
        )


def test_the_watcher_throttles_keeps_one_decode_in_flight_and_reports_each_code_once() -> None:
    decoder = CountingDecoder()
    woken = threading.Event()
    watcher = BarcodeWatcher(decoder, interval_ms=300, wake=woken.set)
    image = desk(320, 180)
    try:
        assert watcher.offer(Frame(image, 0, 0.0))
        assert not watcher.offer(Frame(image, 1, 400.0))  # due, but one decode is in flight
        assert watcher.take_new() == []
        decoder.release.set()
        assert woken.wait(5)
        assert watcher.take_new() == [Barcode(RECEIPT, "QRCode")]
        assert not watcher.offer(Frame(image, 2, 200.0))  # 200 ms after the last offer: not due
        assert watcher.offer(Frame(image, 3, 300.0))
        woken.clear()
        assert woken.wait(5)
        assert watcher.take_new() == [Barcode("second", "Code128")]  # the receipt was reported already
        assert watcher.offer(Frame(image, 4, 50.0))  # the clock went back (a looping file): due
        woken.clear()
        assert woken.wait(5)
        assert watcher.take_new() == []
        watcher.forget()
        assert watcher.offer(Frame(image, 5, 400.0))
        woken.clear()
        assert woken.wait(5)
        assert len(watcher.take_new()) == 2
        assert (decoder.calls, watcher.decodes, watcher.failures) == (4, 4, 0)
    finally:
        decoder.close()


def test_the_page_tracker_feeds_auto_capture_with_the_frames_time() -> None:
    frame, _corners = _page_frame()
    tracker = PageTracker(AutoCapture(stable_ms=200, min_sharpness=50))
    states = [tracker.analyse(Frame(frame, i, i * 100.0)) for i in range(4)]
    assert [s.state for s in states] == [AutoState.SETTLING] * 2 + [AutoState.CAPTURED] * 2
    assert [s.fired for s in states] == [False, False, True, False]
    assert states[0].corners is not None and states[0].sharpness > 50
    empty = tracker.analyse(Frame(desk(1280, 720), 5, 600.0))
    assert empty.corners is None and empty.sharpness == 0.0


def test_stream_time_keeps_going_forward_when_a_file_loops() -> None:
    tracker = PageTracker()
    times = [tracker.stream_time(t) for t in (0.0, 50.0, 100.0, 0.0, 50.0, 100.0)]
    assert times == [0.0, 50.0, 100.0, 150.0, 200.0, 250.0]
