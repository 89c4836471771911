"""The zxing-cpp barcode decoder, on QR codes made with segno (the encoder the app prints with)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from PIL import Image

from devices.barcode.base import BarcodeDecoder
from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.errors import CorruptDataError, DeviceSpecError
from devices.registry import open_device
from devices.status import DeviceState

RECEIPT_NO = "LH110101-2026-000123"


def qr_png(text: str, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (255, 255, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def decoder() -> Iterator[ZxingBarcodeDecoder]:
    device = ZxingBarcodeDecoder()
    yield device
    device.close()


def test_decodes_a_qr_code(decoder: ZxingBarcodeDecoder) -> None:
    assert decoder.decode(qr_png(RECEIPT_NO)).result(timeout=10) == (Barcode(RECEIPT_NO, "QRCode"),)
    assert decoder.status.state is DeviceState.READY


def test_decodes_chinese_text(decoder: ZxingBarcodeDecoder) -> None:
    (barcode,) = decoder.decode(qr_png("离婚登记 LH-1")).result(timeout=10)
    assert barcode.text == "离婚登记 LH-1"


def test_image_without_a_code_gives_an_empty_tuple(decoder: ZxingBarcodeDecoder) -> None:
    assert decoder.decode(blank_png()).result(timeout=10) == ()


@pytest.mark.parametrize("data", [b"", b"not an image at all", qr_png(RECEIPT_NO)[:60]])
def test_undecodable_bytes_raise_corrupt_data(decoder: ZxingBarcodeDecoder, data: bytes) -> None:
    with pytest.raises(CorruptDataError) as caught:
        decoder.decode(data).result(timeout=10)
    assert caught.value.device == decoder.name
    # A bad image is the caller's input, not a broken device: it stays usable.
    assert decoder.status.state is DeviceState.READY
    assert decoder.decode(qr_png("again")).result(timeout=10)[0].text == "again"


class RecordingDecoder(ZxingBarcodeDecoder):
    """Notes which thread the backend's decode ran on."""

    def __init__(self) -> None:
        super().__init__("recording")
        self.threads: list[str] = []

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        self.threads.append(threading.current_thread().name)
        return super()._do_decode(image_png)


def test_decode_runs_on_the_device_thread() -> None:
    device = RecordingDecoder()
    try:
        assert device.decode(qr_png(RECEIPT_NO)).result(timeout=10)[0].text == RECEIPT_NO
        (name,) = device.threads
        assert name.startswith("dev-barcode")
        assert name != threading.current_thread().name
    finally:
        device.close()


def test_registry_opens_the_zxing_backend(tmp_path: Path) -> None:
    device = open_device("barcode", "zxing:", base_dir=tmp_path)
    try:
        assert isinstance(device, BarcodeDecoder)
        assert device.info.kind == "barcode"
        assert device.info.backend == "zxing"
        assert not device.info.simulated
    finally:
        device.close()


@pytest.mark.parametrize(
    ("spec", "reason"),
    [("usb:0", "unknown backend 'usb' (known: zxing, pyzbar, sim, replay, record)"), ("opencv:0", "unknown backend")],
)
def test_registry_refuses_other_barcode_backends(tmp_path: Path, spec: str, reason: str) -> None:
    with pytest.raises(DeviceSpecError, match=re.escape(reason)):
        open_device("barcode", spec, base_dir=tmp_path)
