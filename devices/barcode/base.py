"""Barcode decoders: decode every barcode found in a still image.

A decoder is a device like the others, although today's backend is a library rather
than a scanner: it runs on its own thread so a large scan never stalls the GUI, and a
hardware scanner (a later backend) can take its place behind the same interface.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.barcode.types import Barcode
from devices.base import Device


class BarcodeDecoder(Device):
    kind: ClassVar[str] = "barcode"

    def decode(self, image_png: bytes) -> Future[tuple[Barcode, ...]]:
        """Decodes every barcode in `image_png` (any format Pillow reads, PNG expected).

        No barcode in the image is a normal answer: an empty tuple. Raises (through the
        future): CorruptDataError when the bytes are not a readable image,
        DeviceUnavailableError when the backend cannot run.
        """
        return self._run("decode", lambda: self._do_decode(image_png))

    @abstractmethod
    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]: ...
