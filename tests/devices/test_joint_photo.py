"""The joint-photo checks and crop, on the simulator's drawn joint photos and edits of them."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from devices.camera import joint_photo
from devices.camera.joint_photo import (
    MIN_SHARPNESS,
    STANDARD_SIZE,
    check_joint_photo,
    crop_joint_photo,
    haar_available,
)

ASSETS = Path(__file__).resolve().parents[2] / "resources" / "sim" / "assets"
JOINT_PHOTOS = ["joint-couple1.png", "joint-couple2.png"]
SIM_RED = (206, 28, 40)  # the simulator's backdrop (scripts/make_sim_assets.py)

FACES_PROBLEM = "张人脸，合影须为双方 2 人"
BACKGROUND_PROBLEM = "背景不是红色"
BLUR_PROBLEM = "照片模糊"
DARK_PROBLEM = "照片过暗"
BRIGHT_PROBLEMS = ("照片过亮", "过曝或死黑")  # a red backdrop saturates before the mean gets high


def load(name: str) -> NDArray[np.uint8]:
    return np.asarray(cv2.imread(str(ASSETS / name), cv2.IMREAD_COLOR), dtype=np.uint8)


def png(bgr: NDArray[np.uint8]) -> bytes:
    ok, data = cv2.imencode(".png", bgr)
    assert ok
    return data.tobytes()


def backdrop_mask(bgr: NDArray[np.uint8]) -> NDArray[np.bool_]:
    red_bgr = np.array(SIM_RED[::-1], dtype=np.int16)
    return np.asarray(np.abs(bgr.astype(np.int16) - red_bgr).sum(axis=2) < 60)


@pytest.fixture(params=JOINT_PHOTOS)
def photo(request: pytest.FixtureRequest) -> NDArray[np.uint8]:
    return load(request.param)


def test_scenario_joint_photos_pass(photo: NDArray[np.uint8]) -> None:
    check = check_joint_photo(png(photo))
    assert check.problems == ()
    assert check.passed
    assert check.faces == 2
    assert check.red_background
    assert check.background_rgb == SIM_RED
    assert check.aspect_ok and check.exposure_ok
    assert check.sharpness > 3 * MIN_SHARPNESS
    # One face in each half: the man on the left, the woman on the right.
    left, right = check.face_boxes
    assert left[0] + left[2] / 2 < 313 < right[0] + right[2] / 2


def test_blue_background_fails_on_the_background(photo: NDArray[np.uint8]) -> None:
    blue = photo.copy()
    blue[backdrop_mask(photo)] = (200, 120, 60)  # BGR: a blue 蓝底 backdrop
    check = check_joint_photo(png(blue))
    assert not check.red_background
    assert check.background_rgb == (60, 120, 200)
    assert len(check.problems) == 1 and check.problems[0].startswith(BACKGROUND_PROBLEM)
    assert not check.passed
    assert check.faces == 2  # everything else still fine


def test_one_person_fails_on_the_faces(photo: NDArray[np.uint8]) -> None:
    single = np.empty_like(photo)
    single[:] = SIM_RED[::-1]
    single[:, :313] = photo[:, :313]  # the man alone (the woman's shoulder shows, not her face)
    check = check_joint_photo(png(single))
    assert check.faces == 1
    assert check.problems == ("检测到 1 张人脸，合影须为双方 2 人",)
    assert not check.passed


def test_no_face_at_all() -> None:
    empty = np.empty((413, 626, 3), dtype=np.uint8)
    empty[:] = SIM_RED[::-1]
    empty += np.random.default_rng(1).integers(0, 40, empty.shape, dtype=np.uint8)  # sensor noise, sharp enough
    check = check_joint_photo(png(empty))
    assert check.faces == 0
    assert [p for p in check.problems if FACES_PROBLEM in p] == ["检测到 0 张人脸，合影须为双方 2 人"]


def test_blurred_photo_fails_sharpness(photo: NDArray[np.uint8]) -> None:
    blurred = np.asarray(cv2.GaussianBlur(photo, (0, 0), 2.0), dtype=np.uint8)
    check = check_joint_photo(png(blurred))
    assert check.sharpness < MIN_SHARPNESS
    assert len(check.problems) == 1 and check.problems[0].startswith(BLUR_PROBLEM)
    assert not check.passed


@pytest.mark.parametrize(("gain", "problem"), [(0.4, (DARK_PROBLEM,)), (2.6, BRIGHT_PROBLEMS)])
def test_badly_exposed_photo_fails_exposure(photo: NDArray[np.uint8], gain: float, problem: tuple[str, ...]) -> None:
    exposed = np.clip(photo.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    check = check_joint_photo(png(exposed))
    assert not check.exposure_ok
    assert any(p.startswith(problem) for p in check.problems), check.problems
    assert not check.passed


def test_wrong_aspect_fails() -> None:
    portrait = load("joint-couple1.png")[:, 100:500]  # 400 x 413: both faces still in
    check = check_joint_photo(png(portrait))
    assert not check.aspect_ok
    assert any("53:35" in p for p in check.problems)


def test_not_an_image() -> None:
    with pytest.raises(ValueError, match="无法读取照片"):
        check_joint_photo(b"not a png")
    with pytest.raises(ValueError, match="无法读取照片"):
        crop_joint_photo(b"")


def test_crop_gives_the_standard_photo(photo: NDArray[np.uint8]) -> None:
    cropped = crop_joint_photo(png(photo))
    image = Image.open(io.BytesIO(cropped))
    assert image.format == "PNG"
    assert image.size == STANDARD_SIZE == (626, 413)
    # PNG stores pixels per metre: 300 dpi is 11811 px/m, read back as 299.9994.
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    check = check_joint_photo(cropped)
    assert check.passed, check.problems
    # The heads (crown about 1.4 face boxes above the chin) fill about 2/3 of the height.
    crowns = min(y + h - 1.4 * h for _, y, _, h in check.face_boxes)
    chins = max(y + h for _, y, _, h in check.face_boxes)
    assert 0.55 < (chins - crowns) / 413 < 0.8
    centre = sum(x + w / 2 for x, _, w, _ in check.face_boxes) / 2
    assert abs(centre - 313) < 40


def test_crop_of_a_camera_frame() -> None:
    """A 1080p frame with the couple off-centre and wider backdrop: cropped to the standard."""
    frame = np.empty((1080, 1920, 3), dtype=np.uint8)
    frame[:] = SIM_RED[::-1]
    couple = cv2.resize(load("joint-couple1.png"), (1252, 826), interpolation=cv2.INTER_CUBIC)
    frame[254:, 500:1752] = couple
    raw = check_joint_photo(png(frame))
    assert raw.faces == 2 and not raw.aspect_ok  # a raw frame is not 53:35: crop first
    cropped = crop_joint_photo(png(frame))
    assert Image.open(io.BytesIO(cropped)).size == (626, 413)
    assert check_joint_photo(cropped).passed


def test_crop_refuses_without_two_faces() -> None:
    single = load("joint-couple1.png")[:, :313]
    with pytest.raises(ValueError, match="检测到 1 张人脸"):
        crop_joint_photo(png(single))


def test_haar_faces_are_trusted_over_the_skin_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """When Haar finds faces, its boxes are used; when it finds none (or is missing), skin blobs."""
    photo = png(load("joint-couple1.png"))
    monkeypatch.setattr(joint_photo, "_detect_haar", lambda small: [(300, 100, 80, 80)])
    check = check_joint_photo(photo)
    assert (check.detector, check.face_boxes) == ("haar", ((300, 100, 80, 80),))
    monkeypatch.setattr(joint_photo, "_detect_haar", lambda small: [])
    assert check_joint_photo(photo).detector == "skin"
    monkeypatch.setattr(joint_photo, "_detect_haar", lambda small: None)
    assert check_joint_photo(photo).faces == 2


def test_the_detector_in_use_is_reported() -> None:
    """The pinned OpenCV (5.x) ships no Haar cascade: the skin-tone detector is what runs,
    and every check says so (the archive records it)."""
    check = check_joint_photo(png(load("joint-couple1.png")))
    assert check.detector == ("haar" if haar_available() else "skin")
