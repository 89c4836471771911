"""Synthetic document-camera videos for the camera tests: a textured desk, documents
(text lines, a seal, optionally a QR code) that slide and turn in, lie still (first
blurred, then sharp, with a glare blob), and leave. Written as MJPG .avi files that
OpenCvCamera plays like a camera. The truth (each frame's page corners) comes along.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import segno
from numpy.typing import NDArray

from devices.camera.page_detect import order_corners

Image = NDArray[np.uint8]


@dataclass(frozen=True)
class Shot:
    corners: NDArray[np.float32] | None  # truth, ordered TL, TR, BR, BL
    page: int  # which document, 0 = none
    blurred: bool = False
    glare: bool = False


@dataclass(frozen=True)
class Document:
    size: tuple[int, int]  # width, height in frame pixels
    rest: tuple[int, int]  # centre where it lies still
    angle: float  # degrees, when still


def page_texture(seed: int, w: int, h: int, *, qr_text: str | None = None, margin: int = 40) -> Image:
    """A page of "text lines" of random words and a seal; a QR code at the bottom left."""
    rng = np.random.default_rng(seed)
    page = np.full((h, w, 3), 235, np.uint8)
    line = max(6, margin * 24 // 40)
    bottom = h - margin
    if qr_text is not None:
        code = qr_image(qr_text, module_px=max(2, w // 90))
        y0 = h - code.shape[0] - margin // 4
        page[y0 : y0 + code.shape[0], margin // 2 : margin // 2 + code.shape[1]] = code[:, :, None]
        bottom = y0 - line
    y = margin
    while y < bottom:  # "text lines" of random words
        x = margin
        while x < w - margin - 20:
            word = int(rng.integers(max(4, margin * 15 // 40), max(8, margin * 60 // 40)))
            cv2.rectangle(page, (x, y), (min(x + word, w - margin), y + max(2, line // 3)), (40, 40, 40), -1)
            x += word + max(3, margin * 12 // 40)
        y += line
    seal, offset = margin * 90 // 40, margin * 50 // 40  # a red square seal at the bottom right
    cv2.rectangle(page, (w - offset - seal, h - offset - seal), (w - offset, h - offset), (30, 30, 160), 4)
    return page


def qr_image(text: str, *, module_px: int = 4, quiet: int = 4) -> NDArray[np.uint8]:
    matrix = np.array(segno.make_qr(text, error="m").matrix, dtype=np.uint8)
    code = np.where(np.kron(matrix, np.ones((module_px, module_px), np.uint8)) > 0, 0, 255).astype(np.uint8)
    border = quiet * module_px
    return np.asarray(cv2.copyMakeBorder(code, border, border, border, border, cv2.BORDER_CONSTANT, value=255))


def quad(cx: float, cy: float, w: float, h: float, angle_deg: float) -> NDArray[np.float32]:
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]], np.float32) / 2
    return order_corners(half @ rot.T + np.array([cx, cy], np.float32))


def desk(w: int, h: int, seed: int = 3) -> Image:
    """Brownish wood with noise and a lighting gradient."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(-12, 12, (h, w, 1), dtype=np.int16)
    gradient = np.linspace(70, 105, w, dtype=np.float32)[None, :, None]
    return np.clip(gradient + noise + np.array([0, 8, 20], np.int16), 0, 255).astype(np.uint8)


def timeline(
    documents: list[Document],
    *,
    lead_in: int = 6,
    slide: int = 12,
    blurred: int = 6,
    still: int = 14,
    glare_from: int = 7,
    leave: int = 8,
    gap: int = 5,
    slide_dx: float = 500,
    slide_dy: float = 40,
    leave_dx: float = 110,
) -> list[Shot]:
    """Each document slides in from the right while turning, lies still (blurred, then
    sharp with a 1 px jitter and glare from `glare_from`), and leaves to the left."""
    shots: list[Shot] = [Shot(None, 0)] * lead_in
    for number, document in enumerate(documents, 1):
        (w, h), (cx, cy), angle = document.size, document.rest, document.angle
        for i in range(slide):
            t = 1 - i / slide
            shots.append(Shot(quad(cx + slide_dx * t, cy + slide_dy * t, w, h, angle + 25 * t), number))
        rest = quad(cx, cy, w, h, angle)
        shots += [Shot(rest, number, blurred=True)] * blurred
        for i in range(still):
            shots.append(Shot(rest + np.float32(i % 2), number, glare=i >= glare_from))
        for i in range(1, leave + 1):
            shots.append(Shot(quad(cx - leave_dx * i, cy, w, h, angle - 3 * i), number))
        shots += [Shot(None, 0)] * gap
    return shots


def render(shot: Shot, background: Image, pages: dict[int, Image]) -> Image:
    height, width = background.shape[:2]
    frame = background.copy()
    if shot.corners is not None:
        page = pages[shot.page]
        ph, pw = page.shape[:2]
        src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
        matrix = cv2.getPerspectiveTransform(src, shot.corners)
        warped = cv2.warpPerspective(page, matrix, (width, height))
        mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (width, height))
        frame[mask > 127] = warped[mask > 127]
        if shot.glare:
            centre = shot.corners.mean(axis=0).astype(int)
            glare = np.zeros_like(frame)
            radius = max(10, width * 90 // 1280)
            cv2.ellipse(glare, (int(centre[0]) + radius * 2 // 3, int(centre[1]) - radius * 8 // 9),
                        (radius, radius * 5 // 9), 30, 0, 360, (255, 255, 255), -1)
            glare = cv2.GaussianBlur(glare, (41, 41), 0)
            frame = cv2.add(frame, glare)
    if shot.blurred:
        frame = cv2.GaussianBlur(frame, (15, 15), 0)
    return frame


def write_video(path: Path, shots: list[Shot], background: Image, pages: dict[int, Image], fps: float) -> Path:
    height, width = background.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for shot in shots:
        writer.write(render(shot, background, pages))
    writer.release()
    return path
