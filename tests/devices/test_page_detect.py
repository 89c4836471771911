"""Page detection and auto-capture on a synthetic video played through OpenCvCamera.

The video (MJPG .avi, 10 fps, 1280x720) shows two documents in turn, each sliding
and turning in, lying still (first blurred, then sharp, with a glare blob), and
leaving. Auto-capture must fire once per document, and the detected corners must be
within 2% of the page size of the truth on every still, sharp frame.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from devices.camera.opencv_camera import Frame, OpenCvCamera, backends_for, parse_source
from devices.camera.page_detect import (
    AutoCapture,
    AutoState,
    corner_motion,
    find_page,
    order_corners,
    page_extent,
    page_size_px,
    sharpness,
    warp_page,
)
from devices.camera.types import DocumentClass
from devices.registry import open_device
from devices.status import DeviceState

W, H, FPS = 1280, 720, 10
MIN_SHARPNESS = 150.0  # measured on this video: sharp pages ~2200, blurred (15x15) ones < 30


@dataclass(frozen=True)
class Shot:
    corners: NDArray[np.float32] | None  # truth, ordered TL, TR, BR, BL
    page: int  # which document, 0 = none
    blurred: bool = False
    glare: bool = False


def _page_texture(seed: int, w: int, h: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    page = np.full((h, w, 3), 235, np.uint8)
    y = 40
    while y < h - 40:  # "text lines" of random words
        x = 40
        while x < w - 60:
            word = int(rng.integers(15, 60))
            cv2.rectangle(page, (x, y), (min(x + word, w - 40), y + 8), (40, 40, 40), -1)
            x += word + 12
        y += 24
    cv2.rectangle(page, (w - 140, h - 140), (w - 50, h - 50), (30, 30, 160), 4)  # a seal
    return page


def _quad(cx: float, cy: float, w: float, h: float, angle_deg: float) -> NDArray[np.float32]:
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]], np.float32) / 2
    return order_corners(half @ rot.T + np.array([cx, cy], np.float32))


def _timeline() -> list[Shot]:
    shots: list[Shot] = [Shot(None, 0)] * 6
    documents = (((420, 594), (640, 360), 8.0), ((380, 540), (600, 370), -5.0))  # size, rest position, angle
    for doc, ((w, h), (cx, cy), angle) in enumerate(documents, 1):
        for i in range(12):  # slides in from the right while turning
            t = 1 - i / 12
            shots.append(Shot(_quad(cx + 500 * t, cy + 40 * t, w, h, angle + 25 * t), doc))
        still = _quad(cx, cy, w, h, angle)
        shots += [Shot(still, doc, blurred=True)] * 6  # still but out of focus: no capture
        for i in range(14):  # still and sharp, a 1 px jitter; glare in the second half
            jitter = np.float32(i % 2)
            shots.append(Shot(still + jitter, doc, glare=i >= 7))
        for i in range(1, 9):  # leaves to the left
            shots.append(Shot(_quad(cx - 110 * i, cy, w, h, angle - 3 * i), doc))
        shots += [Shot(None, 0)] * 5
    return shots


def _render(shot: Shot, desk: NDArray[np.uint8], pages: dict[int, NDArray[np.uint8]]) -> NDArray[np.uint8]:
    frame = desk.copy()
    if shot.corners is not None:
        page = pages[shot.page]
        ph, pw = page.shape[:2]
        src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
        matrix = cv2.getPerspectiveTransform(src, shot.corners)
        warped = cv2.warpPerspective(page, matrix, (W, H))
        mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (W, H))
        frame[mask > 127] = warped[mask > 127]
        if shot.glare:
            centre = shot.corners.mean(axis=0).astype(int)
            glare = np.zeros_like(frame)
            cv2.ellipse(glare, (int(centre[0]) + 60, int(centre[1]) - 80), (90, 50), 30, 0, 360, (255, 255, 255), -1)
            glare = cv2.GaussianBlur(glare, (41, 41), 0)
            frame = cv2.add(frame, glare)
    if shot.blurred:
        frame = cv2.GaussianBlur(frame, (15, 15), 0)
    return frame


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Shot]]:
    rng = np.random.default_rng(3)
    noise = rng.integers(-12, 12, (H, W, 1), dtype=np.int16)
    gradient = np.linspace(70, 105, W, dtype=np.float32)[None, :, None]
    desk = np.clip(gradient + noise + np.array([0, 8, 20], np.int16), 0, 255).astype(np.uint8)  # brownish wood
    pages = {1: _page_texture(1, 420, 594), 2: _page_texture(2, 380, 540)}
    shots = _timeline()
    path = tmp_path_factory.mktemp("video") / "documents.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (W, H))
    assert writer.isOpened()
    for shot in shots:
        writer.write(_render(shot, desk, pages))
    writer.release()
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
    quad = _quad(600, 360, 400, 560, 3)
    auto = AutoCapture(stable_ms=300, motion_fraction=0.01, min_sharpness=100, absent_frames=2)
    assert not any(auto.feed(quad, 500, t) for t in (0, 100, 200))
    assert auto.feed(quad, 500, 300)
    assert auto.state is AutoState.CAPTURED
    assert not any(auto.feed(quad + 1, 500, t) for t in range(400, 2000, 100))  # still there: once only
    assert not auto.feed(None, 0, 2000)  # one lost frame (glare, a hand) does not re-arm
    assert auto.state is AutoState.CAPTURED
    moved = quad + 40
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
