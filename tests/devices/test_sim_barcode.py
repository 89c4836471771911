"""The simulated barcode decoder: real zxing-cpp decoding behind the scenario's faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.barcode.sim import SimBarcodeDecoder
from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.errors import CorruptDataError, DeviceTimeoutError
from devices.registry import open_device
from devices.status import DeviceState
from tests.devices.conftest import qr_png

RECEIPT_NO = "LH110101-2026-000123"


def test_decodes_a_real_qr_code(barcode_sim: SimBarcodeDecoder) -> None:
    assert barcode_sim.decode(qr_png(RECEIPT_NO)).result(timeout=10) == (Barcode(RECEIPT_NO, "QRCode"),)
    assert barcode_sim.history == [("decode", RECEIPT_NO)]
    info = barcode_sim.info
    assert (info.kind, info.backend, info.simulated, info.name) == ("barcode", "sim", True, "barcode-under-test")


def test_faults_then_real_decoding(barcode_sim: SimBarcodeDecoder) -> None:
    barcode_sim.inject_fault("decode", "garbage")
    barcode_sim.inject_fault("decode", "timeout", delay_s=0.01)
    with pytest.raises(CorruptDataError):
        barcode_sim.decode(qr_png(RECEIPT_NO)).result(timeout=10)
    with pytest.raises(DeviceTimeoutError):
        barcode_sim.decode(qr_png(RECEIPT_NO)).result(timeout=10)
    assert barcode_sim.decode(qr_png("again")).result(timeout=10)[0].text == "again"
    assert [outcome for _, outcome in barcode_sim.history] == ["DEV-012", "DEV-002", "again"]


def test_bad_images_as_the_real_decoder(barcode_sim: SimBarcodeDecoder) -> None:
    with pytest.raises(CorruptDataError) as caught:
        barcode_sim.decode(b"not an image").result(timeout=10)
    assert caught.value.device == "barcode-under-test"
    assert barcode_sim.status.state is DeviceState.READY
    assert barcode_sim.decode(qr_png("x")).result(timeout=10)[0].text == "x"


def test_registry_sim_and_zxing(repo_root: Path) -> None:
    sim_dir = repo_root / "resources" / "sim"
    simulated = open_device("barcode", "sim:default.yaml", base_dir=sim_dir)
    real = open_device("barcode", "zxing:", base_dir=sim_dir)
    try:
        assert isinstance(simulated, SimBarcodeDecoder) and simulated.info.simulated
        assert isinstance(real, ZxingBarcodeDecoder) and not real.info.simulated
    finally:
        simulated.close()
        real.close()
