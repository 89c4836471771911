"""The WLT photo port: "photo unavailable", and the ctypes vendor backend with a stand-in library."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from devices.id_reader.sam.photo import (
    PhotoDecoder,
    UnavailablePhotoDecoder,
    VendorLibraryPhotoDecoder,
    _to_png,
)

# A stand-in for libwlt2bmp.so with the assumed signature; it "decodes" to raw bottom-up
# BGR pixels whose blue channel is the first WLT byte, so the test sees the data pass.
FAKE_UNPACK = r"""
int unpack(char *wlt, char *bmp, int save_bmp) {
    if (wlt[0] == 'X') return -1;
    for (int i = 0; i < 102 * 126 * 3; i += 3) { bmp[i] = wlt[0]; bmp[i + 1] = 'C'; bmp[i + 2] = (char)(i / 918); }
    return 1;
}
"""
FAKE_OTHER = "int something_else(void) { return 0; }\n"


def compile_library(tmp_path: Path, source: str, name: str) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the stand-in vendor library")
    c_file = tmp_path / f"{name}.c"
    c_file.write_text(source)
    library = tmp_path / f"{name}.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(c_file)], check=True, timeout=30)
    return library


def test_unavailable_decoder() -> None:
    decoder = UnavailablePhotoDecoder()
    assert isinstance(decoder, PhotoDecoder) and decoder.decode(bytes(1024)) is None


def test_vendor_library_through_ctypes(tmp_path: Path) -> None:
    decoder = VendorLibraryPhotoDecoder(compile_library(tmp_path, FAKE_UNPACK, "libwlt2bmp"))
    png = decoder.decode(b"A" + bytes(1023))
    assert png is not None and png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == (102, 126) and image.getpixel((0, 125)) == (0, ord("C"), ord("A"))
    assert decoder.reason == ""
    assert decoder.decode(b"X" + bytes(1023)) is None and "unpack returned -1" in decoder.reason
    assert decoder.decode(bytes(10)) is None and "not 1024" in decoder.reason


def test_missing_or_wrong_library_means_no_photo(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        missing = VendorLibraryPhotoDecoder(tmp_path / "absent.so")
        assert missing.decode(bytes(1024)) is None and "cannot load" in missing.reason
    assert "ID photo unavailable" in caplog.text
    wrong = VendorLibraryPhotoDecoder(compile_library(tmp_path, FAKE_OTHER, "libother"))
    assert wrong.decode(bytes(1024)) is None and "neither 'unpack' nor 'GetBmp'" in wrong.reason


def test_bmp_output_is_accepted_and_checked() -> None:
    out = io.BytesIO()
    Image.new("RGB", (102, 126), (1, 2, 3)).save(out, "BMP")
    assert len(out.getvalue()) == 38862
    assert Image.open(io.BytesIO(_to_png(out.getvalue()))).getpixel((5, 5)) == (1, 2, 3)
    small = io.BytesIO()
    Image.new("RGB", (10, 10)).save(small, "BMP")
    with pytest.raises(ValueError, match="not 102x126"):
        _to_png(small.getvalue())
