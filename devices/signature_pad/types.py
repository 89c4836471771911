"""Pen signatures from an e-signature pad (电子签批屏), with the pen data kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PenPoint:
    x: float  # millimetres from the pad's top-left corner
    y: float
    t_ms: int  # milliseconds since the first point
    pressure: float  # 0..1


@dataclass(frozen=True, slots=True)
class SignatureCapture:
    signer: str  # the name the pad showed ("请 张三 签名")
    strokes: tuple[tuple[PenPoint, ...], ...]
    image_png: bytes  # rendered for forms and the archive
    width_mm: float
    height_mm: float
    captured_at: datetime
    device_name: str
