"""Checks and crop of the couple's joint photo (结婚登记双方合影).

The rule (docs/domain.md §4.5): a joint, half-length photo of both parties on a red
background, 2-inch landscape = 53 mm x 35 mm, heads about 2/3 of the frame. The
standard file is 626 x 413 px at 300 dpi.

Pure functions on PNG (or any image) bytes: no device, no Qt, no app.

Faces: OpenCV's frontal-face Haar cascade (`cv2.data.haarcascades`) when the installed
OpenCV has it. OpenCV 5 dropped `cv2.CascadeClassifier` and the xml files from the
main wheels (docs/notes/devices.md §3.1), and the Haar cascade does not see the
simulator's drawn cartoon faces anyway, so when Haar is unavailable or finds no face
a skin-tone blob detector takes over: skin in YCrCb, a head-sized blob narrowing into
a neck, with at least two dark holes (eyes) in it. It is tuned on the simulator's
drawn joint photos; on real photos it is a fallback, not a face detector.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

Image8 = NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x, y, w, h in the input image's pixels
RGB = tuple[int, int, int]

# --- the standard ----------------------------------------------------------------------
STANDARD_SIZE: Final = (626, 413)  # 53 x 35 mm at 300 dpi
STANDARD_DPI: Final = 300
ASPECT: Final = 53 / 35
ASPECT_TOLERANCE: Final = 0.02  # relative: 626x413 is 1.5157, 53/35 is 1.5143
HEAD_FRACTION: Final = 2 / 3  # heads (crown to chin) over the photo's height
HEAD_TOP_MARGIN: Final = 0.10  # space above the crowns, as a fraction of the height
HEAD_PER_FACE: Final = 1.4  # crown-to-chin over a face box's height (Haar convention)
HEAD_WIDTH_PER_FACE: Final = 1.2  # hair beside the face box
SKIN_TO_FACE_BOX: Final = 0.85  # Haar-like box side over a skin blob's width (which includes the ears)

# --- thresholds (measured on the simulator's photos, see tests) -----------------------
ANALYSIS_WIDTH: Final = 626  # metrics are taken at the standard width, so they do not depend on the camera
MIN_SHARPNESS: Final = 60.0  # variance of the Laplacian at 626 px wide; the sim photos give 237-310
LUMA_BAND: Final = (60.0, 200.0)  # mean luminance (0-255); a red backdrop is dark, Y ~ 83
CLIP_DARK: Final = 5  # luminance at or below: crushed black
CLIP_BRIGHT: Final = 250  # luminance at or above: blown highlight
MAX_CLIPPED: Final = 0.08  # fraction of crushed or blown pixels
RED_HUE: Final = (10, 165)  # OpenCV hue 0-180: red is <= 10 or >= 165
RED_MIN_SATURATION: Final = 100
RED_MIN_VALUE: Final = 70
RED_MIN_FRACTION: Final = 0.6  # of the sampled border pixels
BORDER: Final = 0.07  # border strip sampled for the background, as a fraction of the size
BORDER_SIDE_HEIGHT: Final = 0.6  # side strips stop there: below are the shoulders

HAAR_FILE: Final = "haarcascade_frontalface_default.xml"


@dataclass(frozen=True, slots=True)
class JointPhotoCheck:
    faces: int
    red_background: bool
    background_rgb: RGB  # median colour of the sampled border
    aspect_ok: bool
    sharpness: float  # variance of the Laplacian at the standard width; higher is sharper
    exposure_ok: bool
    problems: tuple[str, ...]  # in Chinese, for the registrar
    passed: bool
    width: int = 0
    height: int = 0
    mean_luminance: float = 0.0
    clipped_fraction: float = 0.0
    face_boxes: tuple[Box, ...] = ()
    detector: str = ""  # "haar" or "skin"


# --- decoding and encoding -------------------------------------------------------------


def _decode(data: bytes) -> Image8:
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None:
        raise ValueError("无法读取照片：不是有效的图像文件")
    return np.asarray(image, dtype=np.uint8)


def encode_standard_png(bgr: Image8) -> bytes:
    """PNG with the 300 dpi pHYs chunk (Pillow writes it; cv2.imencode does not)."""
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG", dpi=(STANDARD_DPI, STANDARD_DPI), optimize=True)
    return out.getvalue()


def _analysis_scale(width: int) -> float:
    """Downscale factor to the analysis width (never upscale)."""
    return min(1.0, ANALYSIS_WIDTH / width)


def _resize(image: Image8, scale: float) -> Image8:
    if scale == 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


# --- faces -----------------------------------------------------------------------------


@functools.cache
def _haar_cascade() -> Any | None:
    """The frontal-face cascade, or None when this OpenCV does not ship it (OpenCV 5)."""
    classifier = getattr(cv2, "CascadeClassifier", None)
    data = getattr(cv2, "data", None)
    folder = getattr(data, "haarcascades", None)
    if classifier is None or not folder:
        return None
    path = Path(folder) / HAAR_FILE
    if not path.is_file():
        return None
    cascade = classifier(str(path))
    return None if cascade.empty() else cascade


def haar_available() -> bool:
    return _haar_cascade() is not None


def _detect_haar(small: Image8) -> list[Box] | None:
    cascade = _haar_cascade()
    if cascade is None:
        return None
    gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
    side = max(24, min(small.shape[:2]) // 8)  # a head in a joint photo is at least 1/8 of the height
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h in found]


def _detect_skin(small: Image8) -> list[Box]:
    """Face boxes (square, bottom at the chin, as Haar draws them) from skin blobs."""
    ycc = cv2.cvtColor(small, cv2.COLOR_BGR2YCrCb)
    mask = cv2.inRange(ycc, (60, 133, 77), (255, 173, 127))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    min_area = 0.004 * small.shape[0] * small.shape[1]
    boxes: list[Box] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if area < min_area:
            continue
        blob = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
        widths = blob.sum(axis=1)
        widest = int(np.argmax(widths))
        max_width = int(widths[widest])
        # The chin: the first row below the widest where the blob narrows into the neck.
        narrow = np.nonzero(widths[widest:] < 0.45 * max_width)[0]
        chin = widest + int(narrow[0]) if narrow.size else h
        face = blob[:chin]
        if chin < 0.3 * max_width or chin > 2.0 * max_width:
            continue  # not head-shaped
        if face.sum() < 0.5 * chin * max_width:
            continue  # too ragged to be a face
        # Eyes (and glasses, mouth): holes in the skin, i.e. dark regions enclosed by it.
        filled = face.copy()
        contours, _ = cv2.findContours(face, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
        holes = ((filled == 1) & (face == 0)).astype(np.uint8)
        n_holes, _, hole_stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
        if sum(1 for i in range(1, n_holes) if hole_stats[i][4] >= 3) < 2:
            continue
        columns = np.nonzero(face.any(axis=0))[0]
        left, right = x + int(columns[0]), x + int(columns[-1]) + 1
        side = round(SKIN_TO_FACE_BOX * (right - left))
        boxes.append(((left + right - side) // 2, y + chin - side, side, side))
    return boxes


def detect_faces(bgr: Image8) -> tuple[list[Box], str]:
    """Face boxes in `bgr`'s pixels, left to right, and the detector that found them."""
    scale = _analysis_scale(bgr.shape[1])
    small = _resize(bgr, scale)
    boxes = _detect_haar(small)
    detector = "haar"
    if not boxes:  # no Haar in this OpenCV, or drawn faces Haar cannot see
        boxes, detector = _detect_skin(small), "skin"
    full = [(round(x / scale), round(y / scale), round(w / scale), round(h / scale)) for x, y, w, h in boxes]
    return sorted(full), detector


# --- background and exposure -----------------------------------------------------------


def _border_pixels(bgr: Image8) -> Image8:
    """Top strip and the upper part of both side strips (the bottom is clothes)."""
    h, w = bgr.shape[:2]
    bh, bw = max(1, round(BORDER * h)), max(1, round(BORDER * w))
    side_h = max(bh, round(BORDER_SIDE_HEIGHT * h))
    parts = [bgr[:bh].reshape(-1, 3), bgr[bh:side_h, :bw].reshape(-1, 3), bgr[bh:side_h, w - bw :].reshape(-1, 3)]
    return np.concatenate(parts)


def background(bgr: Image8) -> tuple[bool, RGB]:
    pixels = _border_pixels(bgr)
    hsv = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    red = ((hue <= RED_HUE[0]) | (hue >= RED_HUE[1])) & (sat >= RED_MIN_SATURATION) & (val >= RED_MIN_VALUE)
    b, g, r = (int(v) for v in np.median(pixels, axis=0))
    return float(red.mean()) >= RED_MIN_FRACTION, (r, g, b)


def _sharpness(gray: Image8) -> float:
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


# --- the check -------------------------------------------------------------------------


def check_joint_photo(png: bytes) -> JointPhotoCheck:
    """Checks a joint photo as the counter needs it; `problems` says what is wrong, in Chinese.

    Run it on the cropped photo (`crop_joint_photo`): a raw camera frame fails the 53:35
    aspect by design. Raises ValueError when the bytes are not an image.
    """
    bgr = _decode(png)
    height, width = bgr.shape[:2]
    small = _resize(bgr, _analysis_scale(width))
    gray = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), dtype=np.uint8)

    boxes, detector = detect_faces(bgr)
    red, bg_rgb = background(bgr)
    aspect_ok = abs(width / height - ASPECT) / ASPECT <= ASPECT_TOLERANCE
    sharpness = _sharpness(gray)
    luma = float(gray.mean())
    clipped = float(((gray <= CLIP_DARK) | (gray >= CLIP_BRIGHT)).mean())
    exposure_ok = LUMA_BAND[0] <= luma <= LUMA_BAND[1] and clipped <= MAX_CLIPPED

    problems: list[str] = []
    if len(boxes) != 2:
        problems.append(f"检测到 {len(boxes)} 张人脸，合影须为双方 2 人")
    if not red:
        problems.append("背景不是红色（边缘颜色 RGB {},{},{}），合影须为红色背景".format(*bg_rgb))
    if not aspect_ok:
        problems.append(f"画面 {width}×{height} 不是 53:35（2 寸横版），须裁剪为标准尺寸")
    if sharpness < MIN_SHARPNESS:
        problems.append(f"照片模糊（清晰度 {sharpness:.0f}，须不低于 {MIN_SHARPNESS:.0f}），请重拍")
    if luma < LUMA_BAND[0]:
        problems.append(f"照片过暗（平均亮度 {luma:.0f}，须在 {LUMA_BAND[0]:.0f}–{LUMA_BAND[1]:.0f} 之间），请补光重拍")
    elif luma > LUMA_BAND[1]:
        problems.append(f"照片过亮（平均亮度 {luma:.0f}，须在 {LUMA_BAND[0]:.0f}–{LUMA_BAND[1]:.0f} 之间），请重拍")
    if clipped > MAX_CLIPPED:
        problems.append(f"过曝或死黑的像素占 {clipped:.0%}（须不超过 {MAX_CLIPPED:.0%}），请调整光线重拍")
    return JointPhotoCheck(
        faces=len(boxes),
        red_background=red,
        background_rgb=bg_rgb,
        aspect_ok=aspect_ok,
        sharpness=sharpness,
        exposure_ok=exposure_ok,
        problems=tuple(problems),
        passed=not problems,
        width=width,
        height=height,
        mean_luminance=luma,
        clipped_fraction=clipped,
        face_boxes=tuple(boxes),
        detector=detector,
    )


# --- the crop --------------------------------------------------------------------------


def crop_window(faces: list[Box]) -> tuple[float, float, float, float]:
    """The 53:35 window (x, y, w, h, in the image's pixels, possibly beyond its edges:
    the crop pads with the background) that puts the heads at HEAD_FRACTION of the
    height, centred between them."""
    heads = []
    for x, y, w, h in faces:
        head_h, head_w = HEAD_PER_FACE * h, HEAD_WIDTH_PER_FACE * w
        cx, chin = x + w / 2, y + h
        heads.append((cx - head_w / 2, chin - head_h, cx + head_w / 2, chin))
    left = min(head[0] for head in heads)
    top = min(head[1] for head in heads)
    right = max(head[2] for head in heads)
    bottom = max(head[3] for head in heads)
    out_w, out_h = STANDARD_SIZE
    win_h = (bottom - top) / HEAD_FRACTION
    win_w = win_h * out_w / out_h
    if (right - left) * 1.15 > win_w:  # heads side by side wider than the frame: zoom out
        win_w = (right - left) * 1.15
        win_h = win_w * out_h / out_w
    return (left + right) / 2 - win_w / 2, top - HEAD_TOP_MARGIN * win_h, win_w, win_h


def crop_joint_photo(png: bytes) -> bytes:
    """The standard 626 x 413 px PNG at 300 dpi, centred on the two faces with the heads
    about 2/3 of the height. Parts of the window beyond the photo are filled with the
    background colour. Raises ValueError (in Chinese) when the two faces are not found."""
    bgr = _decode(png)
    faces, _ = detect_faces(bgr)
    if len(faces) != 2:
        raise ValueError(f"无法裁剪合影：检测到 {len(faces)} 张人脸，须为双方 2 人，请重拍")
    height, width = bgr.shape[:2]
    wx, wy, ww, wh = crop_window(faces)
    x0, y0 = round(wx), round(wy)
    x1, y1 = round(wx + ww), round(wy + wh)
    pad = max(0, -x0, -y0, x1 - width, y1 - height)
    if pad:
        _, (r, g, b) = background(bgr)
        bgr = np.asarray(cv2.copyMakeBorder(bgr, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(b, g, r)))
    window = bgr[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
    shrink = window.shape[1] >= STANDARD_SIZE[0]
    out = cv2.resize(window, STANDARD_SIZE, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return encode_standard_png(np.asarray(out, dtype=np.uint8))


def standard_joint_photo(png: bytes) -> tuple[bytes, JointPhotoCheck]:
    """What the counter keeps of a captured joint photo: the standard crop when both
    faces are found (a photo already at the standard size stays as it is), else the
    capture itself; and the check of what is kept, whose problems the registrar sees.
    Nothing captured is thrown away here: the registrar decides whether to retake."""
    first = check_joint_photo(png)
    if first.faces != 2 or (first.width, first.height) == STANDARD_SIZE:
        return png, first
    cropped = crop_joint_photo(png)
    return cropped, check_joint_photo(cropped)
