"""Page detection and auto-capture for the document camera (高拍仪), pure functions.

Pipeline (notes/devices.md §4, measured there at ~5 ms per 1080p frame at 640 px):
downscale, grey, blur, Canny, close, external contours, approxPolyDP, the largest
convex 4-gon above a minimum area; corners ordered and scaled back. `warp_page`
flattens the page to a set size and DPI; `sharpness` is the variance of the
Laplacian. `AutoCapture` is a small state machine fed (corners, sharpness, time) per
frame that fires once when the page lies still and sharp for a while.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

Image8 = NDArray[np.uint8]
Quad = NDArray[np.float32]  # 4x2, ordered top-left, top-right, bottom-right, bottom-left

WORK_WIDTH: Final = 640  # detection width; 480-960 all cost about 5 ms (notes §4)
MIN_AREA_FRACTION: Final = 0.15  # of the frame
A4_MM: Final = (210.0, 297.0)
MM_PER_INCH: Final = 25.4


def order_corners(points: NDArray[Any]) -> Quad:
    """Orders four points top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], dtype=np.float32)


def find_page(
    frame: Image8, *, work_width: int = WORK_WIDTH, min_area_fraction: float = MIN_AREA_FRACTION
) -> Quad | None:
    """The page's corners in `frame` pixels, or None when no page lies there."""
    height, width = frame.shape[:2]
    scale = min(1.0, work_width / width)
    small = frame
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        small = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(gray, 50, 150)
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_area = min_area_fraction * small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(contour) < min_area:
            break
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4 and cv2.isContourConvex(approx) and cv2.contourArea(approx) >= min_area:
            corners = order_corners(approx) / np.float32(scale)
            return _refine(frame, corners.astype(np.float32), scale)
    return None


def _refine(frame: Image8, corners: Quad, scale: float) -> Quad:
    """Sub-pixel refinement at full resolution: fit a line to the edge pixels of each
    side near the coarse side, and intersect neighbouring sides."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    band = max(4.0, 3.0 / scale)  # search half-width around the coarse side, in pixels
    lines: list[tuple[float, float, float]] = []  # a x + b y = c, (a, b) unit normal
    for i in range(4):
        p, q = corners[i], corners[(i + 1) % 4]
        length = float(np.hypot(*(q - p)))
        if length < 8:
            return corners
        t = (q - p) / length
        n = np.array([-t[1], t[0]], dtype=np.float32)
        samples = np.linspace(0.1, 0.9, 40)
        points: list[NDArray[np.float32]] = []
        offsets = np.arange(-band, band + 1, 1.0, dtype=np.float32)
        for s in samples:
            base = p + (q - p) * np.float32(s)
            xs = base[0] + offsets * n[0]
            ys = base[1] + offsets * n[1]
            xi, yi = np.round(xs).astype(int), np.round(ys).astype(int)
            ok = (xi >= 0) & (yi >= 0) & (xi < gray.shape[1]) & (yi < gray.shape[0])
            if ok.sum() < 3:
                continue
            profile = gray[yi[ok], xi[ok]].astype(np.float32)
            grad = np.abs(np.diff(profile))
            k = int(np.argmax(grad))
            offset = (offsets[ok][k] + offsets[ok][k + 1]) / 2
            points.append(base + n * np.float32(offset))
        if len(points) < 10:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(np.array(points, dtype=np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        a, b = -float(vy), float(vx)
        lines.append((a, b, a * float(x0) + b * float(y0)))
    refined = np.zeros((4, 2), dtype=np.float32)
    for i in range(4):  # corner i is where side i-1 meets side i
        a1, b1, c1 = lines[i - 1]
        a2, b2, c2 = lines[i]
        det = a1 * b2 - a2 * b1
        if abs(det) < 1e-6:
            return corners
        refined[i] = ((c1 * b2 - c2 * b1) / det, (a1 * c2 - a2 * c1) / det)
    if float(np.abs(refined - corners).max()) > 2 * band:  # the fit went astray: keep the coarse corners
        return corners
    return refined


def page_size_px(*, page_mm: tuple[float, float] = A4_MM, dpi: int = 200) -> tuple[int, int]:
    return round(page_mm[0] / MM_PER_INCH * dpi), round(page_mm[1] / MM_PER_INCH * dpi)


def warp_page(frame: Image8, corners: Quad, *, page_mm: tuple[float, float] = A4_MM, dpi: int = 200) -> Image8:
    """The page flattened to `page_mm` at `dpi` (portrait or landscape as the quad lies)."""
    w, h = page_size_px(page_mm=page_mm, dpi=dpi)
    top = float(np.hypot(*(corners[1] - corners[0])))
    side = float(np.hypot(*(corners[3] - corners[0])))
    if (top > side) != (w > h):
        w, h = h, w
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return np.asarray(cv2.warpPerspective(frame, matrix, (w, h), flags=cv2.INTER_LINEAR), dtype=np.uint8)


def sharpness(image: Image8, corners: Quad | None = None, *, work_width: int = 960) -> float:
    """Variance of the Laplacian (higher is sharper), on the page's bounding box when
    given, downscaled to `work_width` so that the number does not depend on the camera."""
    if corners is not None:
        x, y, w, h = cv2.boundingRect(corners.astype(np.int32))
        x, y = max(0, x), max(0, y)
        image = image[y : y + h, x : x + w]
    if image.size == 0:
        return 0.0
    scale = min(1.0, work_width / image.shape[1])
    if scale < 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def page_extent(corners: Quad) -> float:
    """The page's size in pixels: the mean length of its diagonals."""
    return float((np.hypot(*(corners[2] - corners[0])) + np.hypot(*(corners[3] - corners[1]))) / 2)


def corner_motion(a: Quad, b: Quad) -> float:
    """The largest corner displacement between two quads, in pixels."""
    return float(np.hypot(*(a - b).T).max())


class AutoState(enum.Enum):
    SEARCHING = "searching"  # no page, or a page that moves or is blurred
    SETTLING = "settling"  # a still, sharp page: waiting for stable_ms
    CAPTURED = "captured"  # fired; waits for the page to leave or move


@dataclass
class AutoCapture:
    """Fires once when a page stays still (every corner within `motion_fraction` of
    the page's size) and sharp for `stable_ms`; re-arms only after the page leaves
    for `absent_frames` frames or moves farther than `motion_fraction` from where it
    was captured. Feed it every frame; `feed` returns True on the frame that fires."""

    stable_ms: float = 500.0
    motion_fraction: float = 0.01
    min_sharpness: float = 100.0
    absent_frames: int = 3

    def __post_init__(self) -> None:
        self.state = AutoState.SEARCHING
        self._anchor: Quad | None = None  # corners where stillness started, or of the capture
        self._since = 0.0
        self._absent = 0

    def reset(self) -> None:
        self.__post_init__()

    def _moved(self, corners: Quad) -> bool:
        assert self._anchor is not None
        return corner_motion(corners, self._anchor) > self.motion_fraction * page_extent(self._anchor)

    def feed(self, corners: Quad | None, sharpness: float, timestamp_ms: float) -> bool:
        if corners is None:
            self._absent += 1
            if self.state is not AutoState.CAPTURED or self._absent >= self.absent_frames:
                self.state, self._anchor = AutoState.SEARCHING, None
            return False
        self._absent = 0
        if self.state is AutoState.CAPTURED:
            if self._moved(corners):
                self.state, self._anchor = AutoState.SEARCHING, None
            else:
                return False
        if sharpness < self.min_sharpness:
            self.state, self._anchor = AutoState.SEARCHING, None
            return False
        if self._anchor is None or self._moved(corners):
            self.state, self._anchor, self._since = AutoState.SETTLING, corners, timestamp_ms
            return False
        if timestamp_ms - self._since >= self.stable_ms:
            self.state, self._anchor = AutoState.CAPTURED, corners
            return True
        return False
