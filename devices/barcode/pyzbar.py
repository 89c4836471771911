"""Barcode decoding with pyzbar, the fallback backend (notes/devices.md §2).

zxing-cpp stays the default: it was ~5-17× faster and decoded more of the hard
images. pyzbar is kept as a second opinion and for sites where zxing-cpp's wheel
cannot be used. It needs the system zbar library: apt `libzbar0` on Debian
(scripts/install-system-deps.sh); on Windows the wheel bundles `libzbar-64.dll`,
which needs the MSVC 2013 runtime (vcredist 2013 x64).

Symbologies are reported with zxing-cpp's names ("QRCode", "Code128", ...), so the
rest of the app never sees which backend decoded a code.
"""

from __future__ import annotations

from typing import ClassVar, Final

from PIL import Image

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.image import open_image
from devices.barcode.types import Barcode
from devices.errors import DeviceUnavailableError

try:
    # Importing pyzbar.pyzbar loads libzbar: ImportError when it is not found on Linux,
    # FileNotFoundError (an OSError) when the DLL or its MSVC runtime is missing on Windows.
    from pyzbar import pyzbar as _pyzbar  # type: ignore[import-untyped]
except ImportError as error:
    _pyzbar_missing: str | None = (
        "the pyzbar package is not installed (pip install pyzbar)"
        if getattr(error, "name", None) == "pyzbar"
        else f"the zbar library could not be loaded ({error}); on Debian: apt-get install libzbar0"
    )
except OSError as error:
    _pyzbar_missing = f"the zbar library could not be loaded ({error}); on Windows install the MSVC 2013 runtime (x64)"
else:
    _pyzbar_missing = None

# zbar's symbol names (pyzbar.ZBarSymbol) -> zxing-cpp's BarcodeFormat names.
SYMBOLOGY_NAMES: Final[dict[str, str]] = {
    "QRCODE": "QRCode",
    "CODE128": "Code128",
    "CODE39": "Code39",
    "CODE93": "Code93",
    "CODABAR": "Codabar",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "EAN5": "EAN5",
    "EAN2": "EAN2",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "ISBN10": "ISBN",
    "ISBN13": "ISBN",
    "I25": "ITF",
    "PDF417": "PDF417",
    "DATABAR": "DataBar",
    "DATABAR_EXP": "DataBarExp",
}


def symbology_name(zbar_name: str) -> str:
    """zxing-cpp's name for a zbar symbology; symbols zxing-cpp has no name for
    (COMPOSITE, SQCODE) keep zbar's name."""
    return SYMBOLOGY_NAMES.get(zbar_name, zbar_name)


def _text(data: bytes, symbology: str) -> str:
    # zbar converts QR payloads to UTF-8 itself; 1D codes come as bytes in ISO 8859-1
    # (Code 128's extended range), which never fails to decode.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
    if symbology == "QRCODE" and not text.isascii():
        text = _undo_shift_jis_guess(text)
    return text


def _undo_shift_jis_guess(text: str) -> str:
    """Repairs zbar's encoding guess for a QR code without an ECI header.

    zbar decides between UTF-8 and Shift JIS by heuristics, and UTF-8 Chinese whose
    bytes also happen to be valid Shift JIS comes out as Japanese mojibake
    ("离婚登记" -> "遖ｻ蟀夂匳隶ｰ"; segno and most Chinese encoders write UTF-8 without
    ECI). If the text encodes back to Shift JIS bytes that are valid UTF-8, those bytes
    were UTF-8: genuine Shift JIS text is practically never also valid UTF-8.
    """
    try:
        return text.encode("cp932").decode("utf-8")
    except UnicodeError:
        return text


class PyzbarBarcodeDecoder(BarcodeDecoder):
    backend: ClassVar[str] = "pyzbar"

    def __init__(self, name: str = "pyzbar") -> None:
        # Fail at open time, as the zxing backend does, so that a missing libzbar is
        # reported by the registry and the status banner, not on the first scan.
        if _pyzbar_missing is not None:
            raise DeviceUnavailableError(name, detail=_pyzbar_missing)
        super().__init__(name)

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        image = open_image(self.name, image_png)
        # zbar reads 8-bit greyscale only; pyzbar would convert, but "L" also drops alpha.
        return self._decode_image(image.convert("L"))

    def _do_decode_array(self, gray: Gray8) -> tuple[Barcode, ...]:
        return self._decode_image(Image.fromarray(self._checked(gray)))

    def _decode_image(self, image: Image.Image) -> tuple[Barcode, ...]:
        results = _pyzbar.decode(image)
        barcodes: list[Barcode] = []
        for result in results:
            data: bytes = result.data
            kind: str = result.type
            barcodes.append(Barcode(text=_text(data, kind), symbology=symbology_name(kind)))
        return tuple(barcodes)
