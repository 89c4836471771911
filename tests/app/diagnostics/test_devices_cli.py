"""`marriage-counter devices list|test`: exit codes, output lines, reasons on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.config import DEFAULT_SCENARIO
from tests.app.test_cli import cli

BAD_READER = "sam:/dev/ttyUSB9"


@pytest.fixture(autouse=True)
def simulated_counter(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The counter's three devices on the simulator, as IT configures a QA counter."""
    for kind in ("ID_READER", "CAMERA", "SIGNATURE_PAD"):
        monkeypatch.setenv(f"MARRIAGE_COUNTER_DEVICES__{kind}", DEFAULT_SCENARIO)


def test_devices_list_on_simulated_devices(  # every device simulated
data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "list"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines[:4]] == ["id_reader", "camera", "signature_pad", "barcode"]
    assert lines[0].endswith("\tready (simulated)") and lines[3] == "barcode\tzxing:\tready"
    for section in ("environment", "libraries", "services"):
        assert section in lines
    assert "  pyserial\t" in out and "  pcscd\t" in out and err == ""


def test_devices_list_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "list", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and len(report["devices"]) == 7  # printer, fingerprint, face_matcher: not configured
    assert report["environment"]["libraries"]["zxing-cpp"] != "not installed"


def test_devices_test_passes_on_simulated_devices(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "test"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["id_reader", "PASS"], ["camera", "PASS"], ["signature_pad", "PASS"], ["barcode", "PASS"],
        ["printer", "SKIP"], ["fingerprint", "SKIP"], ["face_matcher", "SKIP"],
    ]


def test_unavailable_backend_exits_3_with_the_reason(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARRIAGE_COUNTER_DEVICES__ID_READER", BAD_READER)
    for action in (["list"], ["test"], ["test", "id_reader"]):
        assert main(["devices", *action]) == 3, action
        out, err = capsys.readouterr()
        assert out.startswith((f"id_reader\t{BAD_READER}\tunavailable:", "id_reader\tFAIL\t")), out
        assert "marriage-counter: id_reader:" in err and "/dev/ttyUSB9" in err and "not connected" in err, err
    assert main(["devices", "test", "camera"]) == 0  # the others still work
    assert capsys.readouterr().out.startswith("camera\tPASS\t")


def test_an_unknown_backend_is_named_with_its_code(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARRIAGE_COUNTER_DEVICES__CAMERA", "usb:0")
    assert main(["devices", "test", "camera"]) == 3
    err = capsys.readouterr().err
    assert "[CFG-010]" in err and "unknown backend 'usb'" in err and "有误" in err, err


def test_devices_test_of_an_unknown_kind_is_a_usage_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["devices", "test", "toaster"]) == 2
    assert "DIA-002" in capsys.readouterr().err


def test_devices_test_as_a_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARRIAGE_COUNTER_DEVICES__ID_READER", BAD_READER)
    result = cli("devices", "test", "--json", data_dir=tmp_path)
    assert result.returncode == 3, result.stderr
    outcomes = {r["kind"]: r["outcome"] for r in json.loads(result.stdout)}
    assert outcomes == {"id_reader": "FAIL", "camera": "PASS", "signature_pad": "PASS", "barcode": "PASS",
                        "printer": "SKIP", "fingerprint": "SKIP", "face_matcher": "SKIP"}
    assert "marriage-counter: id_reader:" in result.stderr and "Traceback" not in result.stderr
