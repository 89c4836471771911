"""What the live preview does with each camera frame it takes, Qt-free.

The preview's worker (ui/camera_capture.py) takes the camera's newest frame whenever
it is idle and runs `PageTracker.analyse` on it: page detection, sharpness of the
page and the auto-capture state machine (devices/camera/page_detect.py). A
`BarcodeWatcher` hands a downscaled grey image (the page's bounding box when a page
is in view, else the whole frame) to a `BarcodeDecoder` at most every
`interval_ms` of video time with at most one decode in flight, never every frame at
full size (notes/devices.md §2: zxing-cpp needs ~25-50 ms for a full 1080p frame),
and reports each code once. benchmarks/camera_pipeline.py measures these same classes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.types import Barcode
from devices.camera.opencv_camera import Frame
from devices.camera.page_detect import WORK_WIDTH, AutoCapture, AutoState, Image8, Quad, find_page, sharpness

log = logging.getLogger(__name__)

BARCODE_INTERVAL_MS: Final = 300.0
BARCODE_WIDTH: Final = 960  # zxing-cpp decodes a receipt's QR code at this width in ~5 ms


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    frame: Frame
    corners: Quad | None  # the page, in frame pixels
    sharpness: float  # of the page (0 without a page)
    state: AutoState
    fired: bool  # auto-capture fired on this frame


# An ID-1 card under a document camera whose field covers A4 landscape fills ~7 % of the
# frame, below find_page's default of 15 %; the largest convex 4-gon still wins.
LIVE_MIN_AREA_FRACTION: Final = 0.05


class PageTracker:
    """Page detection and auto-capture over a stream of frames. Owned by one thread."""

    def __init__(
        self,
        auto: AutoCapture | None = None,
        *,
        work_width: int = WORK_WIDTH,
        min_area_fraction: float = LIVE_MIN_AREA_FRACTION,
    ) -> None:
        self.auto = auto or AutoCapture()
        self.work_width = work_width
        self.min_area_fraction = min_area_fraction
        self._offset_ms = 0.0  # keeps time going forward when a looping file restarts
        self._last_ms: float | None = None
        self._step_ms = 33.0

    def stream_time(self, timestamp_ms: float) -> float:
        """The frame's time, made monotonic: a looping file or a reopened camera restarts
        its clock, and auto-capture must not wait for the old time to come back."""
        t = timestamp_ms + self._offset_ms
        if self._last_ms is not None:
            if t <= self._last_ms:
                self._offset_ms += self._last_ms + self._step_ms - t
                t = self._last_ms + self._step_ms
            else:
                self._step_ms = min(t - self._last_ms, 1000.0)
        self._last_ms = t
        return t

    def analyse(self, frame: Frame) -> FrameAnalysis:
        corners = find_page(frame.image, work_width=self.work_width, min_area_fraction=self.min_area_fraction)
        score = sharpness(frame.image, corners) if corners is not None else 0.0
        fired = self.auto.feed(corners, score, self.stream_time(frame.timestamp_ms))
        return FrameAnalysis(frame, corners, score, self.auto.state, fired)


def barcode_image(image: Image8, corners: Quad | None = None, *, max_width: int = BARCODE_WIDTH) -> Gray8:
    """A grey copy of the page's bounding box (or the whole frame), at most `max_width`
    wide: what the decoder gets instead of the full colour frame."""
    if corners is not None:
        x, y, w, h = cv2.boundingRect(np.asarray(corners, dtype=np.float32))
        x, y = max(0, x), max(0, y)
        region = image[y : y + h, x : x + w]
        if region.size:
            image = region
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    scale = min(1.0, max_width / gray.shape[1])
    if scale < 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(gray, dtype=np.uint8)  # a new array: the frame is not shared


class BarcodeWatcher:
    """Throttled barcode reading from frames; every code is reported once.

    `offer` is called with each analysed frame (cheap when not due); `take_new` returns
    the codes decoded since the last call that were never reported before. `wake` is
    called on the decoder's thread when a decode finishes, so a waiting worker can pick
    the result up at once.
    """

    def __init__(
        self,
        decoder: BarcodeDecoder,
        *,
        interval_ms: float = BARCODE_INTERVAL_MS,
        max_width: int = BARCODE_WIDTH,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.decoder = decoder
        self.interval_ms = interval_ms
        self.max_width = max_width
        self.decodes = 0
        self.failures = 0
        self._wake = wake
        self._last_ms: float | None = None
        self._pending: Future[tuple[Barcode, ...]] | None = None
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self._pending is not None and not self._pending.done()

    def due(self, timestamp_ms: float) -> bool:
        if self.busy:
            return False
        # A looping file or a reconnected camera restarts its clock: due at once.
        return self._last_ms is None or timestamp_ms < self._last_ms or timestamp_ms - self._last_ms >= self.interval_ms

    def offer(self, frame: Frame, corners: Quad | None = None) -> bool:
        """Submits the frame to the decoder when due; True when it did."""
        if not self.due(frame.timestamp_ms) or self._pending is not None:
            return False
        self._last_ms = frame.timestamp_ms
        try:
            future = self.decoder.decode_array(barcode_image(frame.image, corners, max_width=self.max_width))
        except RuntimeError:  # the decoder was closed
            return False
        self.decodes += 1
        self._pending = future
        if self._wake is not None:
            wake = self._wake
            future.add_done_callback(lambda _: wake())
        return True

    def take_new(self) -> list[Barcode]:
        """Codes from a finished decode that were not reported before (in order)."""
        future = self._pending
        if future is None or not future.done():
            return []
        self._pending = None
        if future.cancelled():
            return []
        error = future.exception()
        if error is not None:
            self.failures += 1
            log.warning("barcode decode of a camera frame failed: %s", error)
            return []
        new: list[Barcode] = []
        with self._lock:
            for barcode in future.result():
                key = (barcode.text, barcode.symbology)
                if key not in self._seen:
                    self._seen.add(key)
                    new.append(barcode)
        return new

    def forget(self) -> None:
        """Report every code again when next seen."""
        with self._lock:
            self._seen.clear()

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
