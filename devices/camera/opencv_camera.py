"""A real document camera (高拍仪) or a video file, through cv2.VideoCapture.

Everything that touches the VideoCapture runs on the device thread. Grabbing is a
chain of small tasks on that thread, each reading one frame and queueing the next, so
that `capture()` slips in between two frames; the newest frame replaces the previous
one ("latest frame wins": nothing queues up, a slow consumer only skips frames). Each
frame is also emitted on `frame_did_arrive` (on the device thread) for a detector
that must see every frame.

Backends (notes/devices.md §4): MSMF then DSHOW on Windows (MSMF can take seconds to
open; size, fps and MJPG are passed as open parameters, not set() one by one), V4L2
on Linux, CAP_ANY elsewhere and for files. A camera that stops delivering frames is
released and reopened with a growing delay; a file ends (or loops, when asked).
`stop()` pauses grabbing and keeps the capture open: reopening costs seconds on MSMF.

A still (`capture()`) is the page found in the newest frame, flattened and encoded
with its metadata by devices/camera/document_output.py.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Final

import numpy as np

from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.camera.document_output import ImageFormat, OutputSettings, make_document
from devices.camera.page_detect import Image8, find_page
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import DeviceUnavailableError
from devices.events import Event
from devices.status import DeviceState

# Must be set before cv2 is imported; it shortens MSMF's open on many cameras (notes §4).
os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
import cv2

log = logging.getLogger(__name__)

RECONNECT_DELAYS_S: Final = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class Frame:
    image: Image8  # BGR; never written to after it is published
    index: int  # counts frames read since open
    timestamp_ms: float  # a file's own position, or monotonic time for a camera


def backends_for(source: int | str, platform: str = sys.platform) -> tuple[int, ...]:
    """The VideoCapture API preferences to try, in order."""
    if isinstance(source, str):
        return (cv2.CAP_ANY,)
    if platform.startswith("win"):
        return (cv2.CAP_MSMF, cv2.CAP_DSHOW)
    if platform.startswith("linux"):
        return (cv2.CAP_V4L2, cv2.CAP_ANY)
    return (cv2.CAP_ANY,)


class OpenCvCamera(DocumentCamera):
    backend: ClassVar[str] = "opencv"

    def __init__(
        self,
        source: int | str | Path,
        *,
        width: int = 1920,
        height: int = 1080,
        fps: float = 30.0,
        realtime: bool = True,
        loop: bool = False,
        crop_page: bool = True,
        dpi: int = 200,
        output: OutputSettings | None = None,
        name: str | None = None,
    ) -> None:
        self.source: int | str = str(source) if isinstance(source, Path) else source
        super().__init__(name or f"opencv:{self.source}")
        self.width, self.height, self.fps = width, height, fps
        self.realtime = realtime  # files: pace frames at the file's rate (False: as fast as decoded)
        self.loop = loop
        self.crop_page = crop_page
        self.output = output or OutputSettings(dpi=dpi)  # format, quality, DPI of captured stills
        self.frame_did_arrive: Event[Frame] = Event("camera.frame_did_arrive")
        self.measured_fps = 0.0
        self.ended = threading.Event()  # a file source reached its end
        self._cap: cv2.VideoCapture | None = None
        self._latest: Frame | None = None
        self._lock = threading.Lock()
        self._running = False
        self._generation = 0  # of the grab chain: a stop() and start() leave only one chain
        self._stopping = False
        self._index = 0
        self._failures = 0
        self._started_at = 0.0
        self._fps_window: list[float] = []

    @property
    def is_file(self) -> bool:
        return isinstance(self.source, str)

    # --- public ---------------------------------------------------------------------

    @property
    def dpi(self) -> int:
        return self.output.dpi

    @property
    def running(self) -> bool:
        """Grabbing (started, not stopped, and a file not at its end)."""
        return self._running

    def start(self) -> None:
        """Starts grabbing on the device thread (opens the camera there first)."""
        if not self._running and not self._stopping:
            self._running = True
            self.ended.clear()
            self._generation += 1
            self._thread.submit(self._grab_step, self._generation)

    def stop(self) -> None:
        """Pauses grabbing after the current frame; the camera stays open. `start()` resumes.
        The last frame is forgotten: a capture after this must not return an old picture."""
        self._running = False
        with self._lock:
            self._latest = None

    def latest_frame(self) -> Frame | None:
        """The newest frame (any thread); None before the first."""
        with self._lock:
            return self._latest

    def close(self) -> None:
        if not self._stopping:
            self._stopping = True
            with contextlib.suppress(RuntimeError):  # already shut down
                self._thread.submit(self._release).result(timeout=10)
        Device.close(self)

    # --- device thread ----------------------------------------------------------------

    def _open(self) -> cv2.VideoCapture:
        params = [cv2.CAP_PROP_FRAME_WIDTH, self.width, cv2.CAP_PROP_FRAME_HEIGHT, self.height]
        params += [cv2.CAP_PROP_FPS, round(self.fps)]
        if not self.is_file:
            params = [cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"), *params]
        for api in backends_for(self.source):
            cap = cv2.VideoCapture(self.source, api) if self.is_file else cv2.VideoCapture(self.source, api, params)
            if cap.isOpened():
                if not self.is_file:
                    cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # stale frames lag (notes §4)
                log.info(
                    "opened %s with %s: %dx%d",
                    self.source,
                    cap.getBackendName(),
                    int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                    int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                )
                self._started_at = time.monotonic()
                return cap
            cap.release()
        raise DeviceUnavailableError(self.name, detail=f"cannot open video source {self.source!r}")

    def _ensure_open(self) -> cv2.VideoCapture:
        if self._cap is None:
            self._cap = self._open()
        return self._cap

    def _read(self) -> Frame | None:
        cap = self._ensure_open()
        ok, image = cap.read()
        if not ok or image is None:
            if self.is_file and self.loop and self._index > 0:
                cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = cap.read()
            if not ok or image is None:
                return None
        now = time.monotonic()
        stamp = float(cap.get(cv2.CAP_PROP_POS_MSEC)) if self.is_file else now * 1000
        if self.is_file and self.realtime:
            due = self._started_at + self._index / (self.fps or 30.0)
            if due > now:
                time.sleep(due - now)
        self._fps_window = [*self._fps_window[-29:], now]
        if len(self._fps_window) > 1:
            span = self._fps_window[-1] - self._fps_window[0]
            self.measured_fps = (len(self._fps_window) - 1) / span if span > 0 else 0.0
        frame = Frame(np.asarray(image, dtype=np.uint8), self._index, stamp)
        self._index += 1
        with self._lock:
            self._latest = frame
        return frame

    def _grab_step(self, generation: int) -> None:
        if self._stopping or not self._running or generation != self._generation:
            return
        try:
            frame = self._read()
        except DeviceUnavailableError as error:
            frame = None
            self._set_status(DeviceState.UNAVAILABLE, error.message)
        if frame is not None:
            if self._failures:
                self._set_status(DeviceState.READY)
            self._failures = 0
            self.frame_did_arrive.emit(frame)
        elif self.is_file:
            self.ended.set()
            self._running = False
            return
        else:  # unplugged or stalled: release, wait, reopen
            delay = RECONNECT_DELAYS_S[min(self._failures, len(RECONNECT_DELAYS_S) - 1)]
            self._failures += 1
            self._release()
            self._set_status(DeviceState.UNAVAILABLE, "camera stopped delivering frames; reconnecting")
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not self._stopping:
                time.sleep(0.05)
        if not self._stopping:
            with contextlib.suppress(RuntimeError):  # the executor shut down meanwhile
                self._thread.submit(self._grab_step, generation)

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _do_capture(self, expected: DocumentClass | None) -> CapturedImage:
        frame = self.latest_frame() if self._running else None
        if frame is None:  # not grabbing: read a frame now
            frame = self._read()
        if frame is None:
            raise DeviceUnavailableError(self.name, detail="no frame from the camera")
        corners = find_page(frame.image) if self.crop_page and expected is not DocumentClass.LIVE_FACE else None
        return make_document(
            frame.image, corners, document_class=expected, device_name=self.name, settings=self.output
        )


def parse_source(argument: str) -> int | str:
    """ "0" -> camera index 0; anything else is a file path (or URL)."""
    text = argument.strip()
    return int(text) if text.isdigit() else text


# "opencv:<source>?<key>=<value>&...": what each key sets, and its parser.
_OPTIONS: Final = ("width", "height", "fps", "dpi", "format", "quality", "field_mm", "loop")


def split_options(argument: str) -> tuple[str, dict[str, str]]:
    """ "0?dpi=300&format=jpeg" -> ("0", {"dpi": "300", "format": "jpeg"}). A query whose
    keys are not all options belongs to the source (a stream URL's own query); a
    misspelt option then shows in the "cannot open" message, which names the source."""
    source, mark, query = argument.rpartition("?")
    pairs = [pair.partition("=") for pair in query.split("&")] if mark else []
    if not pairs or any(not equals or key.strip() not in _OPTIONS for key, equals, _ in pairs):
        return argument, {}
    return source, {key.strip(): value.strip() for key, _, value in pairs}


def camera_from_options(source: int | str, options: dict[str, str], name: str | None = None) -> OpenCvCamera:
    """The camera a spec's options describe; ValueError names the option at fault."""
    def number(key: str, default: float) -> float:
        try:
            return float(options[key]) if key in options else default
        except ValueError:
            raise ValueError(f"{key} must be a number, not {options[key]!r}") from None

    try:
        image_format = ImageFormat(options.get("format", "png").lower())
    except ValueError:
        raise ValueError(f"format must be png or jpeg, not {options['format']!r}") from None
    field = number("field_mm", 0.0)
    output = OutputSettings(dpi=round(number("dpi", 200)), image_format=image_format,
                            jpeg_quality=round(number("quality", 90)), field_width_mm=field or None)
    return OpenCvCamera(source, width=round(number("width", 1920)), height=round(number("height", 1080)),
                        fps=number("fps", 30.0), loop=options.get("loop", "") in ("1", "true", "yes"),
                        output=output, name=name)
