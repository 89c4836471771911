"""Page detection and auto-capture on a synthetic video played through OpenCvCamera.

The video (MJPG .avi, 10 fps, 1280x720) shows two documents in turn, each sliding
and turning in, lying still (first blurred, then sharp, with a glare blob), and
leaving. Auto-capture must fire once per document, and the detected corners must be
within 2% of the page size of the truth on every still, sharp frame.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera.opencv_camera import Frame, OpenCvCamera, backends_for, parse_source, split_options
from devices.camera.page_detect import (
    AutoCapture,
    AutoState,
    corner_motion,
    find_page,
    page_extent,
    page_size_px,
    sharpness,
    warp_page,
)
from devices.camera.types import DocumentClass
from devices.errors import DeviceSpecError
from devices.registry import open_device
from devices.status import DeviceState
from tests.synthetic_video import Document, Shot, desk, page_texture, quad, timeline, write_video

W, H, FPS = 1280, 720, 10
MIN_SHARPNESS = 150.0  # measured on this video: sharp pages ~2200, blurred (15x15) ones < 30
DOCUMENTS = [Document((420, 594), (640, 360), 8.0), Document((380, 540), (600, 370), -5.0)]  # size, rest, angle


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Shot]]:
    pages = {1: page_texture(1, 420, 594), 2: page_texture(2, 380, 540)}
    shots = timeline(DOCUMENTS)
    path = tmp_path_factory.mktemp("video") / "documents.avi"
    write_video(path, shots, desk(W, H), pages, FPS)
    return path, shots


def _play(path: Path) -> list[Frame]:
    frames: list[Frame] = []
    camera = OpenCvCamera(path, width=W, height=H, fps=FPS, realtime=False)
    try:
        camera.frame_did_arrive.connect(frames.append)
        camera.start()
        assert camera.ended.wait(10)
        assert camera.latest_frame() is frames[-1]
    finally:
        camera.close()
    return frames


def test_auto_capture_fires_once_per_document_with_accurate_corners(video: tuple[Path, list[Shot]]) -> None:
    path, shots = video
    frames = _play(path)
    assert [f.index for f in frames] == list(range(len(shots)))
    auto = AutoCapture(stable_ms=500, motion_fraction=0.01, min_sharpness=MIN_SHARPNESS)
    fired: list[int] = []
    errors: list[float] = []
    for frame, shot in zip(frames, shots, strict=True):
        corners = find_page(frame.image)
        score = sharpness(frame.image, corners) if corners is not None else 0.0
        if shot.corners is not None and not shot.blurred and corners is not None:
            error = corner_motion(corners, shot.corners) / page_extent(shot.corners)
            if _is_still(shots, frame.index):
                errors.append(error)
        if shot.blurred:
            assert score < MIN_SHARPNESS
        if auto.feed(corners, score, frame.timestamp_ms):
            fired.append(frame.index)
            assert corners is not None and shot.corners is not None
            assert corner_motion(corners, shot.corners) / page_extent(shot.corners) < 0.02
            flat = warp_page(frame.image, corners, dpi=100)
            assert flat.shape[:2] == page_size_px(dpi=100)[::-1]
    assert [shots[i].page for i in fired] == [1, 2], fired
    assert all(not shots[i].blurred for i in fired)
    assert len(errors) >= 20
    assert max(errors) < 0.02, max(errors)
    print(f"fired at {fired}; corner error max {max(errors):.4f}, median {float(np.median(errors)):.4f} of page size")


def _is_still(shots: list[Shot], i: int) -> bool:
    a, b = shots[i].corners, shots[i - 1].corners
    return a is not None and b is not None and corner_motion(a, b) <= 1.5


def test_auto_capture_state_machine() -> None:
    page = quad(600, 360, 400, 560, 3)
    auto = AutoCapture(stable_ms=300, motion_fraction=0.01, min_sharpness=100, absent_frames=2)
    assert not any(auto.feed(page, 500, t) for t in (0, 100, 200))
    assert auto.feed(page, 500, 300)
    assert auto.state is AutoState.CAPTURED
    assert not any(auto.feed(page + 1, 500, t) for t in range(400, 2000, 100))  # still there: once only
    assert not auto.feed(None, 0, 2000)  # one lost frame (glare, a hand) does not re-arm
    assert auto.state is AutoState.CAPTURED
    moved = page + 40
    assert not auto.feed(moved, 500, 2100)  # moved: re-armed, settling again
    assert auto.state is AutoState.SETTLING
    assert not auto.feed(moved, 50, 2300)  # blurred: restarts
    assert not auto.feed(moved, 500, 2400)
    assert auto.feed(moved, 500, 2700)


def test_capture_returns_the_flattened_page(video: tuple[Path, list[Shot]], tmp_path: Path) -> None:
    path, shots = video
    still = next(i for i, s in enumerate(shots) if s.glare) - 1
    frame = _play(path)[still].image
    single = tmp_path / "still.avi"
    writer = cv2.VideoWriter(str(single), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (W, H))
    writer.write(frame)
    writer.release()
    camera = open_device("camera", "opencv:still.avi", base_dir=tmp_path)
    try:
        assert isinstance(camera, OpenCvCamera)
        image = camera.capture(DocumentClass.AGREEMENT).result(timeout=10)
    finally:
        camera.close()
    assert (image.width, image.height) == page_size_px(dpi=200)
    assert image.document_class is DocumentClass.AGREEMENT
    assert image.image_png.startswith(b"\x89PNG") and image.sharpness > 50  # the flat page is upscaled from ~420 px


def test_a_missing_camera_is_unavailable_and_retried() -> None:
    camera = OpenCvCamera(97, realtime=False)
    try:
        seen = threading.Event()
        camera.status_did_change.connect(lambda s: seen.set() if s.state is DeviceState.UNAVAILABLE else None)
        camera.start()
        assert seen.wait(5)
    finally:
        started = time.monotonic()
        camera.close()
        assert time.monotonic() - started < 2


def test_sources_and_backends() -> None:
    assert parse_source("0") == 0 and parse_source(" 2 ") == 2
    assert parse_source("C:\\videos\\a.avi") == "C:\\videos\\a.avi"
    assert backends_for(0, "win32") == (cv2.CAP_MSMF, cv2.CAP_DSHOW)
    assert backends_for(0, "linux")[0] == cv2.CAP_V4L2
    assert backends_for("a.avi", "win32") == (cv2.CAP_ANY,)


def test_no_page_on_an_empty_desk() -> None:
    desk = np.full((H, W, 3), 90, np.uint8)
    assert find_page(desk) is None


def test_camera_options_in_the_spec(tmp_path: Path) -> None:
    assert split_options("0?dpi=300&format=jpeg") == ("0", {"dpi": "300", "format": "jpeg"})
    assert split_options("rtsp://cam/live?token=abc") == ("rtsp://cam/live?token=abc", {})  # the URL's own
    assert split_options("C:\\videos\\a.avi") == ("C:\\videos\\a.avi", {})
    camera = open_device("camera", "opencv:0?width=2592&height=1944&fps=15&dpi=300&format=jpeg&quality=80",
                         base_dir=tmp_path)
    try:
        assert isinstance(camera, OpenCvCamera) and camera.source == 0
        assert (camera.width, camera.height, camera.fps) == (2592, 1944, 15.0)
        assert camera.output.dpi == 300 and camera.output.image_format.value == "jpeg"
        assert camera.output.jpeg_quality == 80
    finally:
        camera.close()
    for bad, reason in (("opencv:0?dpi=many", "dpi must be a number"), ("opencv:0?format=tiff", "png or jpeg"),
                        ("opencv:0?dpi=5", "dpi must lie between")):
        with pytest.raises(DeviceSpecError, match=reason):
            open_device("camera", bad, base_dir=tmp_path)
