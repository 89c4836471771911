"""What a fingerprint scanner returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Finger(enum.StrEnum):
    RIGHT_THUMB = "right_thumb"
    RIGHT_INDEX = "right_index"
    RIGHT_MIDDLE = "right_middle"
    RIGHT_RING = "right_ring"
    RIGHT_LITTLE = "right_little"
    LEFT_THUMB = "left_thumb"
    LEFT_INDEX = "left_index"
    LEFT_MIDDLE = "left_middle"
    LEFT_RING = "left_ring"
    LEFT_LITTLE = "left_little"


@dataclass(frozen=True, slots=True)
class FingerprintCapture:
    image_png: bytes  # greyscale, dark ridges on white
    quality: int  # 0-100, higher is better (NFIQ-like, as the scanner reports it)
    finger: Finger
    captured_at: datetime  # aware, local time
    device_name: str
