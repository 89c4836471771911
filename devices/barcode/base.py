"""Barcode decoders: decode every barcode found in a still image.

A decoder is a device like the others, although today's backend is a library rather
than a scanner: it runs on its own thread so a large scan never stalls the GUI, and a
hardware scanner (a later backend) can take its place behind the same interface.
"""

from __future__ import annotations

import io
from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from devices.barcode.types import Barcode
from devices.base import Device
from devices.errors import CorruptDataError

Gray8 = NDArray[np.uint8]


class BarcodeDecoder(Device):
    kind: ClassVar[str] = "barcode"

    def decode(self, image_png: bytes) -> Future[tuple[Barcode, ...]]:
        """Decodes every barcode in `image_png` (any format Pillow reads, PNG expected).

        No barcode in the image is a normal answer: an empty tuple. Raises (through the
        future): CorruptDataError when the bytes are not a readable image,
        DeviceUnavailableError when the backend cannot run.
        """
        return self._run("decode", lambda: self._do_decode(image_png))

    def decode_array(self, gray: Gray8) -> Future[tuple[Barcode, ...]]:
        """Decodes every barcode in an 8-bit greyscale image (H x W), such as a camera
        frame: no PNG round trip. The caller must not write to `gray` afterwards.

        Raises (through the future) as `decode` does.
        """
        return self._run("decode", lambda: self._do_decode_array(gray))

    @abstractmethod
    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]: ...

    def _do_decode_array(self, gray: Gray8) -> tuple[Barcode, ...]:
        """Backends that read arrays override this; the default encodes a PNG (fast,
        compression level 1) and goes through `_do_decode`, so that a simulated
        decoder's faults apply to frames too."""
        out = io.BytesIO()
        Image.fromarray(self._checked(gray)).save(out, "PNG", compress_level=1)
        return self._do_decode(out.getvalue())

    def _checked(self, gray: Gray8) -> Gray8:
        """`gray` as a C-contiguous array; CorruptDataError unless it is 8-bit greyscale."""
        if gray.ndim != 2 or gray.dtype != np.uint8 or gray.size == 0:
            raise CorruptDataError(self.name, detail=f"not an 8-bit greyscale image (shape {gray.shape}, {gray.dtype})")
        return np.ascontiguousarray(gray)
