"""Decoding the 1024-byte WLT portrait: a port with a vendor-library backend.

WLT is proprietary; only the licensed vendor library decodes it (domain.md §5.6). Do
not reimplement it. IT configures the library's path; without one the photo is
simply unavailable and the record carries `photo_png=None`.

Assumed entry points (the vendor SDKs differ; the first one found is used):

* ``int unpack(char *wlt, char *bmp, int save_bmp)`` (Linux/Android
  ``libwlt2bmp.so``, C calling convention): `wlt` is the 1024-byte photo, `bmp` a
  caller-owned buffer of 38 862 bytes, `save_bmp` 0; returns 1 on success. The buffer
  then holds a complete 102x126 24-bit BMP file, or (older builds) 38 556 bytes of raw
  bottom-up BGR pixels; both are accepted.
* ``int GetBmp(char *wlt_file, int interface)`` (Windows ``WltRS.dll``, stdcall):
  decodes the file `wlt_file` (ending ``.wlt``) and writes the BMP beside it with the
  extension ``.bmp``; `interface` is 1 for serial, 2 for USB; returns 1 on success.
  The file lives in a private temporary folder removed at once.

Either way the result is re-encoded as PNG. A library that cannot be loaded, has
neither symbol or fails gives None and one logged reason (never the photo itself).
"""

from __future__ import annotations

import ctypes
import io
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from PIL import Image

log = logging.getLogger(__name__)

WLT_SIZE: Final = 1024
PHOTO_WIDTH: Final = 102
PHOTO_HEIGHT: Final = 126
BMP_SIZE: Final = 38862  # 54-byte header + 126 rows x 308 bytes
RAW_SIZE: Final = PHOTO_WIDTH * PHOTO_HEIGHT * 3


@runtime_checkable
class PhotoDecoder(Protocol):
    def decode(self, wlt: bytes) -> bytes | None:
        """PNG of the 102x126 portrait, or None when it cannot be decoded here."""
        ...


class UnavailablePhotoDecoder:
    """The default: no vendor library configured, so no photo."""

    reason = "no WLT decoder library configured"

    def decode(self, wlt: bytes) -> bytes | None:
        return None


class VendorLibraryPhotoDecoder:
    """Calls the vendor's WLT library through ctypes; loads it on first use."""

    def __init__(self, library_path: Path | str, *, interface: int = 2) -> None:
        self.library_path = Path(library_path)
        self.interface = interface
        self.reason = ""  # why the last decode gave None ("" after a success)
        self._lock = threading.Lock()
        self._loaded = False
        self._unpack: Callable[..., int] | None = None
        self._get_bmp: Callable[..., int] | None = None

    def decode(self, wlt: bytes) -> bytes | None:
        with self._lock:  # vendor libraries are rarely thread-safe
            if not self._load():
                return None
            try:
                pixels = self._call(wlt)
                png = _to_png(pixels)
            except Exception as error:  # the vendor code's failures must not leave here
                self._fail(f"decoding failed: {type(error).__name__}: {error}")
                return None
            self.reason = ""
            return png

    # --- internals -----------------------------------------------------------------------

    def _load(self) -> bool:
        if self._loaded:
            return self._unpack is not None or self._get_bmp is not None
        self._loaded = True
        try:
            if sys.platform == "win32":
                library: ctypes.CDLL = ctypes.WinDLL(str(self.library_path))
            else:
                library = ctypes.CDLL(str(self.library_path))
        except OSError as error:
            self._fail(f"cannot load {self.library_path}: {error}")
            return False
        unpack = getattr(library, "unpack", None)
        if unpack is not None:
            unpack.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
            unpack.restype = ctypes.c_int
            self._unpack = unpack
            return True
        get_bmp = getattr(library, "GetBmp", None)
        if get_bmp is not None:
            get_bmp.argtypes = (ctypes.c_char_p, ctypes.c_int)
            get_bmp.restype = ctypes.c_int
            self._get_bmp = get_bmp
            return True
        self._fail(f"{self.library_path} has neither 'unpack' nor 'GetBmp'")
        return False

    def _call(self, wlt: bytes) -> bytes:
        if len(wlt) != WLT_SIZE:
            raise ValueError(f"photo is {len(wlt)} bytes, not {WLT_SIZE}")
        if self._unpack is not None:
            source = ctypes.create_string_buffer(wlt, WLT_SIZE)
            target = ctypes.create_string_buffer(BMP_SIZE)
            result = self._unpack(source, target, 0)
            if result != 1:
                raise ValueError(f"unpack returned {result}")
            return bytes(target.raw)
        assert self._get_bmp is not None
        with tempfile.TemporaryDirectory(prefix="wlt-") as folder:
            wlt_file = Path(folder) / "photo.wlt"
            wlt_file.write_bytes(wlt)
            result = self._get_bmp(str(wlt_file).encode(sys.getfilesystemencoding()), self.interface)
            if result != 1:
                raise ValueError(f"GetBmp returned {result}")
            return wlt_file.with_suffix(".bmp").read_bytes()

    def _fail(self, reason: str) -> None:
        self.reason = reason
        log.warning("ID photo unavailable: %s", reason)


def _to_png(data: bytes) -> bytes:
    """A BMP file or raw bottom-up BGR pixels of 102x126 as PNG."""
    image: Image.Image
    if data[:2] == b"BM":
        image = Image.open(io.BytesIO(data))
        image.load()
    elif len(data) >= RAW_SIZE:
        image = Image.frombytes("RGB", (PHOTO_WIDTH, PHOTO_HEIGHT), data[:RAW_SIZE], "raw", "BGR", 0, -1)
    else:
        raise ValueError(f"decoder output of {len(data)} bytes is neither a BMP nor 102x126 BGR")
    if image.size != (PHOTO_WIDTH, PHOTO_HEIGHT):
        raise ValueError(f"decoded image is {image.size[0]}x{image.size[1]}, not {PHOTO_WIDTH}x{PHOTO_HEIGHT}")
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()
