"""The fault contract: every fault of every operation, through the simulated backend.

Parametrized over devices.sim.scenario.ALLOWED_FAULTS, so a fault added there is tested
here at once. Each case: the fault fires on the next call with the DeviceError code a
real backend would raise, the status says what happened, and the device works again
afterwards (after loading paper, for a printer that ran out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from devices.barcode.sim import SimBarcodeDecoder
from devices.camera.sim import SimDocumentCamera
from devices.errors import DeviceError
from devices.face.sim import SimFaceMatcher
from devices.fingerprint.sim import SimFingerprintScanner
from devices.id_reader.sim import SimIdReader
from devices.printer.base import PAPER_JAM_REASON, PAPER_OUT_REASON
from devices.printer.sim import SimPrinter
from devices.signature_pad.sim import SimSignaturePad
from devices.sim.common import SimDevice
from devices.sim.scenario import (
    ALLOWED_FAULTS,
    DEVICE_OPERATIONS,
    FaultKind,
    FaultOperation,
    Scenario,
    SimDeviceKind,
    load_scenario,
)
from devices.status import DeviceState
from tests.devices.conftest import pdf_bytes, qr_png

EXPECTED_CODE = {
    FaultKind.TIMEOUT: "DEV-002",
    FaultKind.GARBAGE: "DEV-012",
    FaultKind.UNPLUGGED: "DEV-001",
    FaultKind.NO_CARD: "DEV-010",
    FaultKind.CARD_REMOVED: "DEV-011",
    FaultKind.LOW_QUALITY: "DEV-020",
    FaultKind.CANCELLED: "DEV-030",
    FaultKind.OUT_OF_PAPER: "DEV-040",
    FaultKind.PAPER_JAM: "DEV-041",
    FaultKind.NO_FACE: "DEV-071",
}
STATE_AFTER = {
    FaultKind.UNPLUGGED: (DeviceState.UNAVAILABLE, "unplugged"),
    FaultKind.OUT_OF_PAPER: (DeviceState.NOT_READY, PAPER_OUT_REASON),
    FaultKind.PAPER_JAM: (DeviceState.NOT_READY, PAPER_JAM_REASON),
}

DEVICES: dict[FaultOperation, Callable[[Scenario], SimDevice]] = {
    FaultOperation.READ_CARD: SimIdReader,
    FaultOperation.CAPTURE: SimDocumentCamera,
    FaultOperation.CAPTURE_SIGNATURE: SimSignaturePad,
    FaultOperation.PRINT: SimPrinter,
    FaultOperation.CAPTURE_FINGERPRINT: SimFingerprintScanner,
    FaultOperation.DECODE: SimBarcodeDecoder,
    FaultOperation.COMPARE_FACES: SimFaceMatcher,
}
RECEIPT = "LH110101-2026-000123"


def call(device: SimDevice) -> Future[Any]:
    """One call of the device's operation, with arguments that succeed."""
    match device:
        case SimIdReader():
            device.present_card("p1")
            return device.read_card()
        case SimDocumentCamera():
            return device.capture()
        case SimSignaturePad():
            return device.capture_signature("测试乙", "本人自愿结婚")
        case SimPrinter():
            return device.print_pdf(pdf_bytes(2), copies=2, title="申请书")
        case SimFingerprintScanner():
            return device.capture_fingerprint("left_thumb")
        case SimBarcodeDecoder():
            return device.decode(qr_png(RECEIPT))
        case SimFaceMatcher():
            photo = device.scenario.resolve(device.scenario.person("p1").photo or "").read_bytes()
            return device.compare(photo, photo)
    raise AssertionError(device)


def recover(device: SimDevice, fault: FaultKind) -> None:
    """What the registrar does before trying again."""
    if fault is FaultKind.OUT_OF_PAPER:
        assert isinstance(device, SimPrinter)
        device.load_paper().result(timeout=5)


CASES = [
    pytest.param(operation, fault, id=f"{operation.value}-{fault.value}")
    for operation, faults in ALLOWED_FAULTS.items()
    for fault in sorted(faults)
]


def test_every_operation_has_a_device() -> None:
    assert set(DEVICES) == set(FaultOperation) == set(DEVICE_OPERATIONS.values())
    assert set(DEVICE_OPERATIONS) == set(SimDeviceKind)
    assert set(EXPECTED_CODE) == set(FaultKind)


@pytest.fixture
def open_device(scenario: Scenario) -> Iterator[Callable[[FaultOperation], SimDevice]]:
    opened: list[SimDevice] = []

    def open_(operation: FaultOperation) -> SimDevice:
        device = DEVICES[operation](scenario)
        opened.append(device)
        return device

    yield open_
    for device in opened:
        device.close()


@pytest.mark.parametrize(("operation", "fault"), CASES)
def test_injected_fault_fires_then_the_device_works_again(
    open_device: Callable[[FaultOperation], SimDevice], operation: FaultOperation, fault: FaultKind
) -> None:
    device = open_device(operation)
    assert device.sim_operation is operation and device.kind == next(
        kind for kind, op in DEVICE_OPERATIONS.items() if op is operation
    )
    device.inject_fault(operation, fault)
    with pytest.raises(DeviceError) as caught:
        call(device).result(timeout=10)
    assert caught.value.code == EXPECTED_CODE[fault]
    assert caught.value.device == device.name
    state, reason = STATE_AFTER.get(fault, (DeviceState.READY, ""))
    assert device.status.state is state
    assert reason in device.status.reason

    recover(device, fault)
    assert call(device).result(timeout=10) is not None
    assert device.status.state is DeviceState.READY
    assert device.history[0][1] == EXPECTED_CODE[fault]
    assert [op for op, _ in device.history] == [operation.value] * 2


@pytest.mark.parametrize(("operation", "fault"), CASES)
def test_scenario_fault_fires_then_the_device_works_again(
    write_scenario: Callable[[dict[str, Any] | str], Any],
    scenario_data: dict[str, Any],
    operation: FaultOperation,
    fault: FaultKind,
) -> None:
    kind = next(kind for kind, op in DEVICE_OPERATIONS.items() if op is operation)
    scenario_data[kind.value]["faults"] = [{"operation": operation.value, "error": fault.value, "times": 1}]
    device = DEVICES[operation](load_scenario(write_scenario(scenario_data)))
    try:
        with pytest.raises(DeviceError) as caught:
            call(device).result(timeout=10)
        assert caught.value.code == EXPECTED_CODE[fault]
        recover(device, fault)
        call(device).result(timeout=10)
    finally:
        device.close()


@pytest.mark.parametrize("operation", list(FaultOperation))
def test_faults_of_another_operation_are_refused(
    open_device: Callable[[FaultOperation], SimDevice], operation: FaultOperation
) -> None:
    device = open_device(operation)
    other = next(op for op in FaultOperation if op is not operation)
    with pytest.raises(ValueError, match=f"performs {operation.value!r}"):
        device.inject_fault(other, "timeout")
    impossible = next(kind for kind in FaultKind if kind not in ALLOWED_FAULTS[operation])
    with pytest.raises(ValueError, match="cannot happen"):
        device.inject_fault(operation, impossible)
