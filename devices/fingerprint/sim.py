"""Simulated fingerprint scanner: synthetic ridge images, a fixed quality.

The images are drawn at run time from a seed made of the finger and the capture's
number, so a scenario gives the same images every run; they are plainly artificial
(concentric ridges) and belong to nobody.
"""

from __future__ import annotations

import hashlib
import io
import random
from datetime import datetime
from typing import ClassVar

from PIL import Image, ImageDraw, ImageFilter

from devices.fingerprint.base import FingerprintScanner
from devices.fingerprint.types import Finger, FingerprintCapture
from devices.sim.common import SimDevice
from devices.sim.scenario import FaultOperation, Scenario

IMAGE_SIZE = (256, 320)  # width, height: a 500 dpi flat capture of a fingertip


class SimFingerprintScanner(SimDevice, FingerprintScanner):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.CAPTURE_FINGERPRINT

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.fingerprint
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self._capture_delay_s = spec.capture_delay_s
        self._quality = spec.quality
        self._captures = 0

    def _do_capture_fingerprint(self, finger: Finger) -> FingerprintCapture:
        return self._simulate(lambda: self._capture(finger))

    def _capture(self, finger: Finger) -> tuple[FingerprintCapture, str]:
        with self._lock:
            number = self._captures
            self._captures += 1
        self._pause(self._capture_delay_s)
        capture = FingerprintCapture(
            image_png=synthetic_fingerprint(finger, number),
            quality=self._quality,
            finger=finger,
            captured_at=datetime.now().astimezone(),
            device_name=self.name,
        )
        return capture, f"{finger.value} q{self._quality}"


def synthetic_fingerprint(finger: Finger | str, number: int = 0) -> bytes:
    """A greyscale PNG of loop-like ridges in a fingertip outline, the same for the same
    finger and number."""
    rng = random.Random(hashlib.sha256(f"{finger}:{number}".encode()).digest())
    width, height = IMAGE_SIZE
    ridges = Image.new("L", IMAGE_SIZE, 255)
    draw = ImageDraw.Draw(ridges)
    cx = width / 2 + rng.uniform(-20, 20)
    cy = height * 0.45 + rng.uniform(-25, 25)
    drift_x, drift_y = rng.uniform(-0.25, 0.25), rng.uniform(0.1, 0.4)  # rings open downwards
    stretch = rng.uniform(1.1, 1.4)
    spacing = rng.uniform(7.0, 9.0)
    radius = spacing
    while radius < height:
        x, y = cx + drift_x * radius, cy + drift_y * radius
        box = (x - radius, y - radius * stretch, x + radius, y + radius * stretch)
        draw.ellipse(box, outline=rng.randint(30, 70), width=3)
        radius += spacing
    for _ in range(60):  # ridge endings and pores break the perfect rings
        x, y, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(1.5, 3.5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    outline = Image.new("L", IMAGE_SIZE, 0)
    ImageDraw.Draw(outline).ellipse((18, 10, width - 18, height - 6), fill=255)
    image = Image.composite(ridges, Image.new("L", IMAGE_SIZE, 255), outline)
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
