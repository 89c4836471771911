"""`devices list` names the cameras the computer has (devices/camera/listing.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from devices.camera.listing import CameraInfo


def test_devices_list_names_the_cameras(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    found = [CameraInfo(0, "Integrated Camera", "opencv:0", "/dev/video0"),
             CameraInfo(2, "良田高拍仪 S1800", "opencv:2", "/dev/video2")]
    monkeypatch.setattr("app.diagnostics.report.list_cameras", lambda: found)
    monkeypatch.setattr("app.diagnostics.report.listing_limit", lambda: "")
    assert main(["devices", "list"]) == 0
    out = capsys.readouterr().out
    assert "  camera\topencv:0\tIntegrated Camera\t/dev/video0\n" in out
    assert "  camera\topencv:2\t良田高拍仪 S1800\t/dev/video2\n" in out
    assert main(["devices", "list", "--json"]) == 0
    services = json.loads(capsys.readouterr().out)["services"]
    assert services["cameras"][1] == {"spec": "opencv:2", "name": "良田高拍仪 S1800", "path": "/dev/video2"}


def test_devices_list_says_why_no_camera_is_named(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.diagnostics.report.list_cameras", lambda: [])
    monkeypatch.setattr("app.diagnostics.report.listing_limit", lambda: "")
    assert main(["devices", "list"]) == 0
    assert "  camera\tno video capture devices found\n" in capsys.readouterr().out
    monkeypatch.setattr("app.diagnostics.report.listing_limit", lambda: "names need QtMultimedia")
    assert main(["devices", "list"]) == 0
    assert "  camera\tnames need QtMultimedia\n" in capsys.readouterr().out
