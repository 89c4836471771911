"""Barcode decoding with zxing-cpp (notes/devices.md §2: much faster and more robust
than pyzbar, and a self-contained wheel with no system library)."""

from __future__ import annotations

from typing import ClassVar

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.image import open_image
from devices.barcode.types import Barcode
from devices.errors import DeviceUnavailableError

try:
    import zxingcpp
except ImportError:  # a build without the wheel must still start and say why
    _zxingcpp_missing: str | None = "the zxing-cpp package is not installed (pip install zxing-cpp)"
else:
    _zxingcpp_missing = None


class ZxingBarcodeDecoder(BarcodeDecoder):
    backend: ClassVar[str] = "zxing"

    def __init__(self, name: str = "zxing-cpp") -> None:
        # Fail at open time rather than on the first decode, so the registry and the
        # status banner report a missing library before the registrar needs it.
        if _zxingcpp_missing is not None:
            raise DeviceUnavailableError(name, detail=_zxingcpp_missing)
        super().__init__(name)

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        image = open_image(self.name, image_png)
        # Greyscale: zxing binarises luminance anyway, and "L" sidesteps alpha and
        # palette modes that it would otherwise have to convert itself.
        results = zxingcpp.read_barcodes(image.convert("L"))
        return tuple(
            Barcode(text=result.text, symbology=result.format.name) for result in results if result.valid
        )

    def _do_decode_array(self, gray: Gray8) -> tuple[Barcode, ...]:
        results = zxingcpp.read_barcodes(self._checked(gray))
        return tuple(
            Barcode(text=result.text, symbology=result.format.name) for result in results if result.valid
        )
