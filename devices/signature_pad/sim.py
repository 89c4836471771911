"""Simulated e-signature pad (电子签批屏).

A signer's strokes come from the scenario (`signature_pad.signatures`, keyed by the
person's name or id) or, failing that, are synthesised from the signer's name: the
same name always gives the same pen data, so archived signatures, hashes and
rendered forms are reproducible in tests and demos.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from datetime import datetime
from typing import ClassVar

from PIL import Image, ImageDraw

from devices.signature_pad.base import SignaturePad
from devices.signature_pad.types import PenPoint, SignatureCapture
from devices.sim.common import SimDevice
from devices.sim.scenario import FaultOperation, Scenario

Strokes = tuple[tuple[PenPoint, ...], ...]

IMAGE_WIDTH_PX = 600
INK_RGB = (20, 32, 96)  # dark blue, like a ballpoint pen on the pad's screen
_SUPERSAMPLE = 2  # draw at twice the size and shrink: cheap anti-aliasing


class SimSignaturePad(SimDevice, SignaturePad):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.CAPTURE_SIGNATURE

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.signature_pad
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self.width_mm = spec.width_mm
        self.height_mm = spec.height_mm
        self._sign_delay_s = spec.sign_delay_s

    def _do_capture_signature(self, signer: str, document_text: str) -> SignatureCapture:
        return self._simulate(lambda: self._sign(signer))

    def _sign(self, signer: str) -> tuple[SignatureCapture, str]:
        strokes = self._scenario_strokes(signer)
        if strokes is None:
            strokes = synthetic_strokes(signer, self.width_mm, self.height_mm)
        self._pause(self._sign_delay_s)
        capture = SignatureCapture(
            signer=signer,
            strokes=strokes,
            image_png=render_signature(strokes, self.width_mm, self.height_mm),
            width_mm=self.width_mm,
            height_mm=self.height_mm,
            captured_at=datetime.now().astimezone(),
            device_name=self.name,
        )
        return capture, signer

    def _scenario_strokes(self, signer: str) -> Strokes | None:
        signatures = self.scenario.signature_pad.signatures
        keys = [signer] + [person.id for person in self.scenario.people if person.name == signer]
        for key in keys:
            if key in signatures:
                return tuple(
                    tuple(PenPoint(x, y, t, pressure) for x, y, t, pressure in stroke)
                    for stroke in signatures[key]
                )
        return None


def synthetic_strokes(signer: str, width_mm: float = 120.0, height_mm: float = 60.0) -> Strokes:
    """Handwriting-like pen data, deterministic for a given signer name.

    One "glyph" per character (two to four of them), each written as two to four
    smooth strokes through a few random control points, slanted a little, sampled
    every 6-10 ms with a pressure that rises and falls along the stroke: enough
    to look signed and to exercise code that stores, hashes and renders pen data.
    """
    # sha256, not hash(): Python salts str hashes per process.
    rng = random.Random(hashlib.sha256(signer.encode("utf-8")).digest())
    glyphs = min(max(len(signer.strip()), 2), 4)
    cell = min(width_mm * 0.8 / glyphs, width_mm * 0.24)
    glyph_h = min(height_mm * 0.5, cell * 1.05)
    left = (width_mm - cell * glyphs) / 2 + rng.uniform(-0.04, 0.04) * width_mm
    baseline_y = height_mm * 0.55
    slant = rng.uniform(0.12, 0.3)  # cursive writers lean right

    stroke_counts = [rng.randint(2, 4) for _ in range(glyphs)]
    per_stroke = max(10, rng.randint(120, 260) // sum(stroke_counts))

    strokes: list[tuple[PenPoint, ...]] = []
    t = 0.0
    for g, count in enumerate(stroke_counts):
        cx = left + cell * (g + 0.5) + rng.uniform(-0.06, 0.06) * cell
        cy = baseline_y + rng.uniform(-0.08, 0.08) * glyph_h
        for _ in range(count):
            controls = _stroke_controls(rng, cx, cy, cell * 0.9, glyph_h)
            path = _catmull_rom(controls, per_stroke + rng.randint(-3, 3))
            base_pressure = rng.uniform(0.5, 0.8)
            points: list[PenPoint] = []
            for i, (x, y) in enumerate(path):
                u = i / max(len(path) - 1, 1)
                pressure = base_pressure * math.sin(math.pi * (0.08 + 0.84 * u)) ** 0.5
                pressure = min(max(pressure + rng.uniform(-0.04, 0.04), 0.05), 1.0)
                x = min(max(x + (cy - y) * slant, 0.0), width_mm)
                y = min(max(y, 0.0), height_mm)
                points.append(PenPoint(round(x, 2), round(y, 2), round(t), round(pressure, 3)))
                t += rng.uniform(6.0, 10.0)
            strokes.append(tuple(points))
            t += rng.uniform(120.0, 320.0)  # pen lifted between strokes
        t += rng.uniform(150.0, 300.0)  # and a little longer between characters
    return tuple(strokes)


def _stroke_controls(
    rng: random.Random, cx: float, cy: float, w: float, h: float
) -> list[tuple[float, float]]:
    """Control points of one stroke shaped like a hanzi stroke written fast."""
    half_w, half_h = w / 2, h / 2

    def jitter(x: float, y: float) -> tuple[float, float]:
        return x + rng.uniform(-0.12, 0.12) * w, y + rng.uniform(-0.12, 0.12) * h

    shape = rng.choice(("horizontal", "vertical", "sweep", "hook", "loop"))
    if shape == "horizontal":
        y = cy + rng.uniform(-0.6, 0.6) * half_h
        return [jitter(cx - half_w, y), jitter(cx, y - 0.1 * h), jitter(cx + half_w, y)]
    if shape == "vertical":
        x = cx + rng.uniform(-0.5, 0.5) * half_w
        return [jitter(x, cy - half_h), jitter(x, cy), jitter(x - 0.1 * w, cy + half_h)]
    if shape == "sweep":  # 撇/捺: a diagonal that curves out
        sign = rng.choice((-1.0, 1.0))
        return [
            jitter(cx, cy - half_h),
            jitter(cx + sign * 0.2 * w, cy),
            jitter(cx + sign * half_w, cy + half_h),
        ]
    if shape == "hook":  # across, down, and a flick back
        return [
            jitter(cx - half_w, cy - half_h * 0.6),
            jitter(cx + half_w * 0.6, cy - half_h * 0.7),
            jitter(cx + half_w * 0.5, cy + half_h),
            jitter(cx + half_w * 0.1, cy + half_h * 0.7),
        ]
    # loop: the joined-up flourish that makes a signature look like one
    return [
        jitter(cx - half_w, cy + half_h * 0.3),
        jitter(cx, cy - half_h),
        jitter(cx + half_w * 0.4, cy + half_h * 0.2),
        jitter(cx - half_w * 0.3, cy + half_h * 0.4),
        jitter(cx + half_w, cy - half_h * 0.2),
    ]


def _catmull_rom(controls: list[tuple[float, float]], samples: int) -> list[tuple[float, float]]:
    """`samples` points on a Catmull-Rom spline through the control points."""
    padded = [controls[0], *controls, controls[-1]]
    segments = len(controls) - 1
    points: list[tuple[float, float]] = []
    for i in range(samples):
        s = i / max(samples - 1, 1) * segments
        k = min(int(s), segments - 1)
        u = s - k
        p0, p1, p2, p3 = padded[k], padded[k + 1], padded[k + 2], padded[k + 3]
        points.append(
            (
                _cr(p0[0], p1[0], p2[0], p3[0], u),
                _cr(p0[1], p1[1], p2[1], p3[1], u),
            )
        )
    return points


def _cr(a: float, b: float, c: float, d: float, u: float) -> float:
    return 0.5 * (2 * b + (c - a) * u + (2 * a - 5 * b + 4 * c - d) * u * u + (3 * b - a - 3 * c + d) * u**3)


def render_signature(
    strokes: Strokes, width_mm: float, height_mm: float, width_px: int = IMAGE_WIDTH_PX
) -> bytes:
    """PNG of the strokes on white, line width following pen pressure."""
    height_px = max(1, round(width_px * height_mm / width_mm))
    scale = width_px / width_mm * _SUPERSAMPLE
    image = Image.new("RGB", (width_px * _SUPERSAMPLE, height_px * _SUPERSAMPLE), "white")
    draw = ImageDraw.Draw(image)
    pen_mm = 0.5  # nib width at half pressure
    for stroke in strokes:
        previous: PenPoint | None = None
        for point in stroke:
            radius = max(pen_mm * (0.5 + point.pressure) * scale / 2, 0.5)
            x, y = point.x * scale, point.y * scale
            if previous is not None:
                draw.line(
                    (previous.x * scale, previous.y * scale, x, y), fill=INK_RGB, width=round(radius * 2)
                )
            # Round caps at every sample hide the joints between line segments.
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK_RGB)
            previous = point
    image = image.resize((width_px, height_px), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
