"""Both barcode backends (zxing-cpp, pyzbar) over one generated set of QR and Code-128
images, plain and degraded as at a counter: rotated, blurred, small, low contrast.

QR codes come from segno (the app's own encoder); Code-128 is drawn here from the
standard Code 128 pattern table (code set B), so the set needs no extra package and
is not made by either decoder under test. Each backend's success rate per variant is
printed (also without -s) and held to a floor a little below what was measured.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageFilter

from devices.barcode import pyzbar as pyzbar_backend  # imports without libzbar too
from devices.barcode.base import BarcodeDecoder
from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.errors import CorruptDataError, DeviceUnavailableError
from devices.registry import open_device
from devices.status import DeviceState

PYZBAR_MISSING = pyzbar_backend._pyzbar_missing
needs_zbar = pytest.mark.skipif(PYZBAR_MISSING is not None, reason=f"pyzbar backend unavailable: {PYZBAR_MISSING}")

# --- Code 128, code set B ---------------------------------------------------------
# Bar/space widths (in modules) of symbol values 0..106; 103-105 are START A/B/C and
# 106 is STOP (with its final 2-module bar). Every symbol is 11 modules, STOP 13.
CODE128_PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
).split()
START_B, STOP = 104, 106


def code128b_modules(text: str) -> list[bool]:
    """The symbol as modules (True = bar), quiet zones excluded."""
    if not text or not all(" " <= ch <= "~" for ch in text):
        raise ValueError("code set B encodes printable ASCII only")
    values = [START_B] + [ord(ch) - 32 for ch in text]
    checksum = (START_B + sum(position * value for position, value in enumerate(values[1:], start=1))) % 103
    modules: list[bool] = []
    for value in [*values, checksum, STOP]:
        for index, width in enumerate(CODE128_PATTERNS[value]):
            modules += [index % 2 == 0] * int(width)  # patterns start with a bar
    return modules


def code128_image(text: str, module_px: int, quiet_modules: int = 10) -> Image.Image:
    modules = [False] * quiet_modules + code128b_modules(text) + [False] * quiet_modules
    row = bytes(0 if bar else 255 for bar in modules for _ in range(module_px))
    # A label's proportions, bars a third of the symbol's length. A 1D decoder reads
    # a tilted code only if one scan line crosses every bar: height >= length * tan(tilt),
    # so flat 80-px bars (the usual receipt print) are not read by either backend at 15°.
    height_px = len(row) // 3
    margin = 10
    image = Image.new("L", (len(row), height_px + 2 * margin), 255)
    image.paste(Image.frombytes("L", (len(row), height_px), row * height_px), (0, margin))
    return image


def qr_image(text: str, module_px: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=module_px, border=4)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


# --- the set -----------------------------------------------------------------------
QR_TEXTS = ("LH110101-2026-000123", "YY-20260314-0937", "离婚登记 电子证照 LH-1")
CODE128_TEXTS = ("LH110101-2026-000123", "YY20260314A937", "Rcpt 42/abc")


def _rotate(angle: float) -> Callable[[Image.Image], Image.Image]:
    return lambda image: image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _low_contrast(image: Image.Image) -> Image.Image:
    # Grey (120) on lighter grey (180): a faded thermal receipt under the document camera.
    return image.point(lambda value: 120 + value * 60 // 255)


VARIANTS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "plain": lambda image: image,
    "rotated 15°": _rotate(15),
    "rotated 90°": _rotate(90),
    "blurred r1.5": lambda image: image.filter(ImageFilter.GaussianBlur(1.5)),
    "small 2px": lambda image: image,  # drawn at 2 px per module (MODULE_PX)
    "low contrast": _low_contrast,
    # All at once, at 3 px per module: where the backends part (zxing 5/6, zbar 3/6).
    "combined": lambda image: _low_contrast(_rotate(15)(image.filter(ImageFilter.GaussianBlur(1.5)))),
}
MODULE_PX = {"small 2px": 2, "combined": 3}  # others: 4
# What zxing-cpp must decode, every one of them (the Done-when).
ZXING_MUST_DECODE = ("plain", "rotated 15°", "rotated 90°", "low contrast")
# Floors per backend and variant, a little under what was measured on Debian 12 with
# zxing-cpp 3.1.1 and zbar 0.23.92 (both 6/6 on each single degradation; combined:
# zxing 5/6, zbar 3/6), so that a regression fails and noise does not.
FLOORS: dict[str, dict[str, float]] = {
    "zxing": {**dict.fromkeys(VARIANTS, 5 / 6), "combined": 4 / 6},
    "pyzbar": {**dict.fromkeys(VARIANTS, 4 / 6), "combined": 2 / 6},
}


@dataclass(frozen=True)
class Sample:
    variant: str
    symbology: str  # zxing-cpp's name, the vocabulary both backends report
    text: str
    png: bytes


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build_set() -> list[Sample]:
    samples: list[Sample] = []
    for variant, transform in VARIANTS.items():
        module_px = MODULE_PX.get(variant, 4)
        for text in QR_TEXTS:
            samples.append(Sample(variant, "QRCode", text, _png(transform(qr_image(text, module_px)))))
        for text in CODE128_TEXTS:
            samples.append(Sample(variant, "Code128", text, _png(transform(code128_image(text, module_px)))))
    return samples


@pytest.fixture(scope="module")
def sample_set() -> list[Sample]:
    return build_set()


def _open(backend: str) -> BarcodeDecoder:
    if backend == "pyzbar":
        if PYZBAR_MISSING is not None:
            print(f"\nskipping pyzbar: {PYZBAR_MISSING}")
            pytest.skip(f"pyzbar backend unavailable: {PYZBAR_MISSING}")
        return pyzbar_backend.PyzbarBarcodeDecoder()
    return ZxingBarcodeDecoder()


@pytest.fixture(params=["zxing", "pyzbar"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str, BarcodeDecoder]]:
    device = _open(request.param)
    yield request.param, device
    device.close()


def _decoded(device: BarcodeDecoder, sample: Sample) -> bool:
    return Barcode(sample.text, sample.symbology) in device.decode(sample.png).result(timeout=10)


# --- tests -------------------------------------------------------------------------
def test_the_code128_encoder_matches_the_standard() -> None:
    assert len(CODE128_PATTERNS) == 107
    assert all(sum(map(int, pattern)) == 11 for pattern in CODE128_PATTERNS[:106])
    assert sum(map(int, CODE128_PATTERNS[STOP])) == 13
    assert len(set(CODE128_PATTERNS)) == 107
    # START B, 7 data symbols, the check symbol, STOP. That the symbols are right is
    # shown by both decoders reading the plain images (test_success_rates_per_variant).
    assert len(code128b_modules("PJJ123C")) == 11 * (1 + 7 + 1) + 13


def test_success_rates_per_variant(
    backend: tuple[str, BarcodeDecoder], sample_set: list[Sample], capsys: pytest.CaptureFixture[str]
) -> None:
    name, device = backend
    results: dict[str, list[bool]] = {variant: [] for variant in VARIANTS}
    failures: list[str] = []
    for sample in sample_set:
        ok = _decoded(device, sample)
        results[sample.variant].append(ok)
        if not ok:
            failures.append(f"{sample.variant}/{sample.symbology}/{sample.text}")
    rates = {variant: sum(oks) / len(oks) for variant, oks in results.items()}
    total = sum(sum(oks) for oks in results.values())
    with capsys.disabled():
        print(f"\n{name:>6} success per variant (QR + Code-128, {len(sample_set) // len(VARIANTS)} images each):")
        for variant, oks in results.items():
            print(f"    {variant:<13} {sum(oks)}/{len(oks)}  {rates[variant]:4.0%}")
        print(f"    {'total':<13} {total}/{len(sample_set)}" + (f"  failed: {', '.join(failures)}" if failures else ""))
    assert device.status.state is DeviceState.READY
    below = {variant: rate for variant, rate in rates.items() if rate < FLOORS[name][variant]}
    assert not below, f"{name} fell below its floor: {below}; failed: {failures}"


def test_zxing_decodes_plain_rotated_and_low_contrast(sample_set: list[Sample]) -> None:
    device = ZxingBarcodeDecoder()
    try:
        missed = [
            f"{sample.variant}/{sample.symbology}/{sample.text}"
            for sample in sample_set
            if sample.variant in ZXING_MUST_DECODE and not _decoded(device, sample)
        ]
    finally:
        device.close()
    assert not missed


@pytest.mark.parametrize("symbology", ["QRCode", "Code128"])
def test_both_backends_report_the_same_symbology_names(
    backend: tuple[str, BarcodeDecoder], sample_set: list[Sample], symbology: str
) -> None:
    _, device = backend
    sample = next(s for s in sample_set if s.variant == "plain" and s.symbology == symbology)
    assert device.decode(sample.png).result(timeout=10) == (Barcode(sample.text, symbology),)


def test_both_backends_find_nothing_in_a_blank_image(backend: tuple[str, BarcodeDecoder]) -> None:
    _, device = backend
    assert device.decode(_png(Image.new("L", (300, 200), 255))).result(timeout=10) == ()


@pytest.mark.parametrize("data", [b"", b"not an image", _png(qr_image("x", 4))[:60]])
def test_unreadable_bytes_raise_corrupt_data(backend: tuple[str, BarcodeDecoder], data: bytes) -> None:
    _, device = backend
    with pytest.raises(CorruptDataError):
        device.decode(data).result(timeout=10)
    assert device.status.state is DeviceState.READY


@needs_zbar
def test_pyzbar_repairs_utf8_chinese_that_zbar_reads_as_shift_jis() -> None:
    # zbar alone turns these UTF-8 bytes (no ECI, as segno writes them) into "遖ｻ蟀夂匳隶ｰ".
    device = pyzbar_backend.PyzbarBarcodeDecoder()
    try:
        (barcode,) = device.decode(_png(qr_image("离婚登记 LH-1", 4))).result(timeout=10)
    finally:
        device.close()
    assert barcode.text == "离婚登记 LH-1"


def test_pyzbar_symbology_names_are_zxing_names() -> None:
    import zxingcpp

    zxing_names = {name for name in dir(zxingcpp.BarcodeFormat) if not name.startswith("_")}
    assert set(pyzbar_backend.SYMBOLOGY_NAMES.values()) <= zxing_names
    assert pyzbar_backend.symbology_name("SQCODE") == "SQCODE"


def test_a_missing_zbar_library_is_reported_at_open(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "the zbar library could not be loaded (Unable to find zbar shared library); on Debian: ..."
    monkeypatch.setattr(pyzbar_backend, "_pyzbar_missing", reason)
    with pytest.raises(DeviceUnavailableError) as caught:
        pyzbar_backend.PyzbarBarcodeDecoder("counter-3 pyzbar")
    assert caught.value.device == "counter-3 pyzbar"
    assert "zbar library could not be loaded" in str(caught.value)


@needs_zbar
def test_registry_opens_the_pyzbar_backend(tmp_path: Path) -> None:
    device = open_device("barcode", "pyzbar:", base_dir=tmp_path)
    try:
        assert isinstance(device, pyzbar_backend.PyzbarBarcodeDecoder)
        assert (device.info.kind, device.info.backend, device.info.simulated) == ("barcode", "pyzbar", False)
        assert device.name == "pyzbar"
    finally:
        device.close()
