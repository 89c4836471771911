"""The device report and the self-tests, in this process, on simulated devices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Config
from app.diagnostics.report import (
    NOT_INSTALLED,
    build_report,
    library_version,
    pcscd_status,
)
from app.diagnostics.selftest import Outcome, run_self_tests
from app.resources import resources_dir
from devices.base import Device
from devices.registry import open_device
from devices.sim.scenario import Scenario


@pytest.fixture
def held(config: Config) -> Iterator[dict[str, Device]]:
    """Devices a running counter holds."""
    scenarios: dict[Path, Scenario] = {}
    devices = {
        kind: open_device(kind, getattr(config.devices, kind), base_dir=resources_dir().parent,
                          scenario_cache=scenarios)
        for kind in ("id_reader", "camera", "signature_pad", "barcode")
    }
    yield devices
    for device in devices.values():
        device.close()


def _with_devices(config: Config, **specs: str) -> Config:
    return config.model_copy(update={"devices": config.devices.model_copy(update=specs)})


def test_simulated_counter_reports_every_device_ready(config: Config) -> None:
    report = build_report(config)
    assert report.ok
    kinds = ["id_reader", "camera", "signature_pad", "barcode", "printer", "fingerprint", "face_matcher"]
    assert [d.kind for d in report.devices] == kinds
    assert [d.configured for d in report.devices] == [True, True, True, True, False, False, True]
    assert [d.simulated for d in report.devices][:4] == [True, True, True, False]
    assert all(d.opened and d.state == "ready" for d in report.devices if d.configured)
    assert report.devices[0].driver == "devices.id_reader.sim.SimIdReader"
    text = report.render_text()
    assert text.splitlines()[0] == f"id_reader\t{config.devices.id_reader}\tready (simulated)"
    assert "barcode\tzxing:\tready" in text and "\nlibraries\n" in text and "  pcscd\t" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is True and data["environment"]["libraries"]["pydantic"] != NOT_INSTALLED
    assert data["environment"]["qt"]  # the PySide6 version without importing it: from metadata
    assert data["environment"]["libraries"]["PySide6 (Qt for Python)"] != NOT_INSTALLED


def test_an_unknown_backend_is_reported_with_code_and_chinese_reason(config: Config) -> None:
    report = build_report(_with_devices(config, camera="usb:0"))
    camera = report.devices[1]
    assert not report.ok and not camera.ok and not camera.opened
    assert camera.error_code == "CFG-010" and "unknown backend 'usb'" in camera.error
    assert "设备设置" in camera.error_zh and camera.state == "unavailable"
    assert camera.line().startswith("camera\tusb:0\tunavailable: [CFG-010]")
    assert all(d.ok for d in report.devices if d.kind != "camera")


def test_a_reader_on_a_missing_port_is_reported_unavailable_with_the_port(config: Config) -> None:
    report = build_report(_with_devices(config, id_reader="sam:/dev/ttyUSB9"))
    reader = report.devices[0]
    assert not report.ok and not reader.ok and reader.opened and reader.state == "unavailable"
    assert "/dev/ttyUSB9" in reader.reason


def test_secrets_in_a_device_spec_are_not_reported(config: Config) -> None:
    report = build_report(_with_devices(config, id_reader="sam:socket://it:hunter2@127.0.0.1:9"))
    assert "hunter2" not in json.dumps(report.to_dict()) and "it:***@127.0.0.1" in report.devices[0].spec


def test_held_devices_are_reported_as_they_are_and_left_open(config: Config, held: dict[str, Device]) -> None:
    camera = held["camera"]
    camera.set_connected(False).result(timeout=5)  # type: ignore[attr-defined]
    report = build_report(config, held=held)
    reported = report.devices[1]
    assert not reported.ok and reported.opened and reported.state == "unavailable"
    assert "unplugged" in reported.reason and reported.line().endswith("unplugged (simulated)")
    camera.set_connected(True).result(timeout=5)  # type: ignore[attr-defined]
    assert camera.capture().result(timeout=5).width > 0  # type: ignore[attr-defined]  # not closed by the report


def test_a_kind_without_a_setting_is_not_configured(config: Config) -> None:
    report = build_report(config)
    printer = next(d for d in report.devices if d.kind == "printer")
    assert (printer.configured, printer.ok) == (False, True)
    assert run_self_tests(config, ["printer"])[0].outcome is Outcome.SKIP
    simulated = _with_devices(config, printer=f"sim:{config.devices.id_reader.removeprefix('sim:')}")
    assert run_self_tests(simulated, ["printer"])[0].outcome is Outcome.PASS


def test_library_and_service_probes(tmp_path: Path) -> None:
    assert library_version(("no-such-distribution-xyz",)) == NOT_INSTALLED
    assert library_version(("no-such-distribution-xyz", "pyserial")) != NOT_INSTALLED
    ok, detail = pcscd_status(tmp_path / "pcscd.comm")
    assert not ok and "not running" in detail


def test_self_tests_pass_on_simulated_devices(config: Config) -> None:
    results = {r.kind: r for r in run_self_tests(config)}
    assert [r.outcome for r in results.values()] == [Outcome.PASS] * 4 + [Outcome.SKIP] * 2 + [Outcome.PASS]
    assert "9 people" in results["id_reader"].detail
    assert "626×413 px" in results["camera"].detail
    assert "120×60 mm" in results["signature_pad"].detail
    assert "QR" in results["barcode"].detail
    assert results["face_matcher"].detail == "模拟人脸比对 (sim): threshold 0.6"


def test_self_tests_report_unplugged_and_slow_devices(config: Config, held: dict[str, Device]) -> None:
    held["signature_pad"].set_connected(False).result(timeout=5)  # type: ignore[attr-defined]
    held["camera"].inject_fault("capture", "timeout", delay_s=3)  # type: ignore[attr-defined]
    results = {r.kind: r for r in run_self_tests(config, held=held, timeout_s=0.3, exercise_simulated=True)}
    assert results["id_reader"].passed and results["barcode"].passed
    pad, camera = results["signature_pad"], results["camera"]
    assert pad.outcome is Outcome.FAIL and "unavailable" in pad.detail
    assert camera.outcome is Outcome.FAIL and "no answer within 0.3 s" in camera.detail
    assert 0.25 < camera.duration_s < 2


def test_self_tests_leave_the_faults_qa_armed_on_the_counters_devices(config: Config, held: dict[str, Device]) -> None:
    held["camera"].inject_fault("capture", "timeout")  # type: ignore[attr-defined]
    results = {r.kind: r for r in run_self_tests(config, held=held, timeout_s=2)}
    assert results["camera"].passed and "ready" in results["camera"].detail
    with pytest.raises(Exception, match="DEV-002"):  # the armed fault is still there for QA
        held["camera"].capture().result(timeout=5)  # type: ignore[attr-defined]


def test_self_test_of_an_unknown_backend_fails_with_its_code(config: Config) -> None:
    [result] = run_self_tests(_with_devices(config, camera="usb:0"), ["camera"])
    assert result.outcome is Outcome.FAIL and result.error_code == "CFG-010"
    assert "usb" in result.detail and "有误" in result.detail_zh
