"""Barcode decoding with zxing-cpp (notes/devices.md §2: much faster and more robust
than pyzbar, and a self-contained wheel with no system library)."""

from __future__ import annotations

import io
from typing import ClassVar

from PIL import Image, UnidentifiedImageError

from devices.barcode.base import BarcodeDecoder
from devices.barcode.types import Barcode
from devices.errors import CorruptDataError, DeviceUnavailableError

try:
    import zxingcpp
except ImportError:  # a build without the wheel must still start and say why
    _zxingcpp_missing: str | None = "the zxing-cpp package is not installed (pip install zxing-cpp)"
else:
    _zxingcpp_missing = None

# Guards Pillow against decompression bombs: a counter never scans anything this large.
_MAX_PIXELS = 80_000_000


class ZxingBarcodeDecoder(BarcodeDecoder):
    backend: ClassVar[str] = "zxing"

    def __init__(self, name: str = "zxing-cpp") -> None:
        # Fail at open time rather than on the first decode, so the registry and the
        # status banner report a missing library before the registrar needs it.
        if _zxingcpp_missing is not None:
            raise DeviceUnavailableError(name, detail=_zxingcpp_missing)
        super().__init__(name)

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        image = _open_image(self.name, image_png)
        # Greyscale: zxing binarises luminance anyway, and "L" sidesteps alpha and
        # palette modes that it would otherwise have to convert itself.
        results = zxingcpp.read_barcodes(image.convert("L"))
        return tuple(
            Barcode(text=result.text, symbology=result.format.name) for result in results if result.valid
        )


def _open_image(device: str, data: bytes) -> Image.Image:
    if not data:
        raise CorruptDataError(device, detail="the image is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > _MAX_PIXELS:
            raise CorruptDataError(device, detail=f"the image is too large ({image.width} × {image.height} px)")
        image.load()  # decode now: Image.open only reads the header
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        # Pillow reports truncated or malformed files with several exception types.
        raise CorruptDataError(device, detail=f"not a readable image ({type(error).__name__})") from error
    return image
