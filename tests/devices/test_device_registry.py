"""Opening devices from spec strings."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.barcode.sim import SimBarcodeDecoder
from devices.base import Device
from devices.camera.sim import SimDocumentCamera
from devices.errors import DeviceSpecError, ScenarioError
from devices.face.sim import SimFaceMatcher
from devices.fingerprint.sim import SimFingerprintScanner
from devices.id_reader.sim import SimIdReader
from devices.printer.sim import SimPrinter
from devices.registry import KNOWN_KINDS, open_device, open_simulated_devices, parse_spec
from devices.signature_pad.sim import SimSignaturePad
from devices.sim.scenario import Scenario
from devices.status import DeviceState


@pytest.fixture
def sim_dir(repo_root: Path) -> Path:
    return repo_root / "resources" / "sim"


def test_known_kinds() -> None:
    assert KNOWN_KINDS == ("id_reader", "camera", "signature_pad", "printer", "fingerprint", "face_matcher")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("sim:default.yaml", ("sim", "default.yaml")),
        (" SIM : default.yaml ", ("sim", "default.yaml")),
        ("sim:C:\\counter\\sim.yaml", ("sim", "C:\\counter\\sim.yaml")),
        ("sam:socket://127.0.0.1:7000", ("sam", "socket://127.0.0.1:7000")),
    ],
)
def test_parse_spec(spec: str, expected: tuple[str, str]) -> None:
    assert parse_spec("id_reader", spec) == expected


@pytest.mark.parametrize(
    ("kind", "spec", "reason"),
    [
        ("id_reader", "sim", "expected '<backend>:<argument>'"),
        ("id_reader", "", "expected '<backend>:<argument>'"),
        ("id_reader", ":default.yaml", "expected '<backend>:<argument>'"),
        ("id_reader", "sim:", "needs an argument"),
        ("scanner", "sim:default.yaml", "unknown device kind"),
        ("id_reader", "usb:0", "unknown backend 'usb' (known: sim, sam, pcsc, replay, record)"),
        ("camera", "sam:COM4", "unknown backend 'sam' (known: sim, opencv, replay, record)"),
        ("signature_pad", "opencv:0", "unknown backend 'opencv'"),
        ("printer", "cups:HP", "unknown backend 'cups' (known: sim)"),
        ("fingerprint", "zxing:x", "unknown backend 'zxing' (known: sim)"),
        ("barcode", "sim:", "needs an argument"),
        ("face_matcher", "opencv:0", "unknown backend 'opencv' (known: dlib, sim)"),
    ],
)
def test_bad_specs_are_refused(kind: str, spec: str, reason: str, sim_dir: Path) -> None:
    with pytest.raises(DeviceSpecError) as caught:
        open_device(kind, spec, base_dir=sim_dir)
    assert caught.value.params["kind"] == kind and caught.value.params["spec"] == spec
    assert reason in str(caught.value.params["reason"])
    assert caught.value.code == "CFG-010"


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("id_reader", SimIdReader),
        ("camera", SimDocumentCamera),
        ("signature_pad", SimSignaturePad),
        ("printer", SimPrinter),
        ("fingerprint", SimFingerprintScanner),
        ("barcode", SimBarcodeDecoder),
        ("face_matcher", SimFaceMatcher),
    ],
)
def test_open_sim_relative_to_base_dir(kind: str, cls: type[Device], sim_dir: Path) -> None:
    device = open_device(kind, "sim:default.yaml", base_dir=sim_dir)
    try:
        assert isinstance(device, cls)
        assert device.info.kind == kind and device.info.backend == "sim" and device.info.simulated
        assert device.status.simulated
    finally:
        device.close()


def test_absolute_path_and_shared_scenario(sim_dir: Path, tmp_path: Path) -> None:
    cache: dict[Path, Scenario] = {}
    spec = f"sim:{sim_dir / 'default.yaml'}"
    reader = open_device("id_reader", spec, base_dir=tmp_path, scenario_cache=cache)
    camera = open_device("camera", "sim:default.yaml", base_dir=sim_dir, scenario_cache=cache)
    try:
        assert isinstance(reader, SimIdReader) and isinstance(camera, SimDocumentCamera)
        assert reader.scenario is camera.scenario
        assert list(cache) == [(sim_dir / "default.yaml").resolve()]
    finally:
        reader.close()
        camera.close()


def test_bad_scenario_through_the_registry(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        open_device("id_reader", "sim:missing.yaml", base_dir=tmp_path)
    assert caught.value.params["file"] == str(tmp_path / "missing.yaml")


def test_open_simulated_devices(sim_dir: Path) -> None:
    devices = open_simulated_devices(sim_dir / "default.yaml")
    try:
        assert set(devices) == set(KNOWN_KINDS)
        assert "barcode" not in devices  # real even at a simulated counter, unless asked for
        assert isinstance(devices["id_reader"], SimIdReader)
        assert isinstance(devices["camera"], SimDocumentCamera)
        assert isinstance(devices["signature_pad"], SimSignaturePad)
        assert isinstance(devices["printer"], SimPrinter)
        assert isinstance(devices["fingerprint"], SimFingerprintScanner)
        assert isinstance(devices["face_matcher"], SimFaceMatcher)
        scenarios = {id(device.scenario) for device in devices.values()}  # type: ignore[attr-defined]
        assert len(scenarios) == 1
    finally:
        for device in devices.values():
            device.close()


def test_open_simulated_devices_with_kinds(sim_dir: Path) -> None:
    devices = open_simulated_devices(sim_dir / "default.yaml", kinds=("printer", "barcode"))
    try:
        assert isinstance(devices["printer"], SimPrinter)
        assert isinstance(devices["barcode"], SimBarcodeDecoder)
    finally:
        for device in devices.values():
            device.close()
    with pytest.raises(DeviceSpecError, match="unknown device kind"):
        open_simulated_devices(sim_dir / "default.yaml", kinds=("printer", "scanner"))


def test_every_future_completes_on_the_device_thread(sim_dir: Path) -> None:
    """The caller never does device work: the work and the completion run on `dev-` threads."""
    devices = open_simulated_devices(sim_dir / "default.yaml")
    worked_in: list[str] = []
    completed_in: list[str] = []

    def spy(fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object) -> object:
            worked_in.append(threading.current_thread().name)
            return fn(*args)

        return wrapper

    try:
        reader, camera, pad = devices["id_reader"], devices["camera"], devices["signature_pad"]
        for device, method in (
            (reader, "_do_read_card"),
            (camera, "_do_capture"),
            (pad, "_do_capture_signature"),
        ):
            setattr(device, method, spy(getattr(device, method)))
        # Hold each device thread so that the done-callbacks are attached before completion.
        release = threading.Event()
        for device in devices.values():
            device._thread.submit(release.wait, 5)
        futures = [
            reader.read_card(),  # type: ignore[attr-defined]
            camera.capture(),  # type: ignore[attr-defined]
            pad.capture_signature("李明轩", "声明"),  # type: ignore[attr-defined]
        ]
        for future in futures:
            future.add_done_callback(lambda _f: completed_in.append(threading.current_thread().name))
        release.set()
        for future in futures:
            future.result(timeout=5)
        assert len(worked_in) == 3 and len(completed_in) == 3
        assert all(name.startswith("dev-") for name in worked_in + completed_in), worked_in + completed_in
        # Each device on its own thread (they run concurrently, so in any order).
        assert sorted(name.split("_")[0] for name in worked_in) == ["dev-camera", "dev-id", "dev-signature"]
        assert threading.current_thread().name not in worked_in + completed_in
    finally:
        for device in devices.values():
            device.close()


def test_devices_import_neither_qt_nor_app() -> None:
    code = (
        "import sys, devices.registry, devices.id_reader.sim, devices.camera.sim, devices.signature_pad.sim,"
        " devices.printer.sim, devices.fingerprint.sim, devices.barcode.sim;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'app', 'ui')];"
        "sys.exit(repr(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_a_serial_reader_on_a_missing_port_opens_unavailable_with_the_reason(sim_dir: Path) -> None:
    """A reader unplugged when the counter starts is a device to show as unavailable (and
    to retry when it comes back), not a configuration error."""
    reader = open_device("id_reader", "sam:/dev/ttyUSB-missing-9", base_dir=sim_dir)
    try:
        assert reader.status.state is DeviceState.UNAVAILABLE
        assert "ttyUSB-missing-9" in reader.status.reason
    finally:
        reader.close()
