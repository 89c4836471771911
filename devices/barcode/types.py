"""What a barcode decoder returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Barcode:
    text: str  # the decoded content, as text (receipt numbers are plain ASCII)
    symbology: str  # the decoder's format name, for example "QRCode"
