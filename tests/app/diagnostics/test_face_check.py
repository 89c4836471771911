"""The face matcher in the configuration, the counter's devices and `devices test`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.bootstrap import counter_device_kinds, open_devices
from app.config import DEFAULT_SCENARIO, Config, load_config
from app.diagnostics.selftest import Outcome, run_self_tests
from devices.face.sim import SimFaceMatcher


def _with_face_matcher(config: Config, spec: str) -> Config:
    return config.model_copy(update={"devices": config.devices.model_copy(update={"face_matcher": spec})})


def test_only_a_simulated_counter_has_a_face_check_by_default(tmp_path: Path) -> None:
    plain = load_config(environ={}, read_system_files=False)
    assert plain.devices.face_matcher == "" and "face_matcher" not in counter_device_kinds(plain)
    simulated = load_config(simulate=True, environ={}, read_system_files=False)
    assert simulated.devices.face_matcher == DEFAULT_SCENARIO == simulated.devices.camera
    assert "face_matcher" in counter_device_kinds(simulated)
    scenario = tmp_path / "mine.yaml"
    own = load_config(simulate=scenario, environ={}, read_system_files=False)
    assert own.devices.face_matcher == f"sim:{scenario.resolve()}"
    real = load_config(environ={"MARRIAGE_COUNTER_DEVICES__FACE_MATCHER": "dlib:threshold=0.5"},
                       read_system_files=False)  # fmt: skip
    assert real.devices.face_matcher == "dlib:threshold=0.5"


def test_the_counter_opens_the_simulated_face_matcher_on_the_shared_scenario(config: Config) -> None:
    devices, errors = open_devices(config)
    try:
        assert errors == {}
        matcher = devices["face_matcher"]
        assert isinstance(matcher, SimFaceMatcher)
        assert matcher.scenario is devices["id_reader"].scenario  # type: ignore[attr-defined]
    finally:
        for device in devices.values():
            device.close()


def test_without_the_face_extra_the_counter_runs_and_says_so(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dlib", None)  # as if dlib-bin were not installed
    config = _with_face_matcher(config, "dlib:")
    devices, errors = open_devices(config)
    try:
        assert "face_matcher" not in devices and {"id_reader", "camera", "signature_pad"} <= set(devices)
        assert "[DEV-070]" in errors["face_matcher"] and "marriage-counter[face]" in errors["face_matcher"]
    finally:
        for device in devices.values():
            device.close()
    [result] = run_self_tests(config, ["face_matcher"])
    assert result.outcome is Outcome.FAIL and result.error_code == "DEV-070"
    assert "未安装人脸比对组件" in result.detail_zh


def test_self_test_of_the_real_face_matcher_loads_the_model(config: Config) -> None:
    pytest.importorskip("dlib", reason="the face check is not installed (the 'face' extra)")
    [result] = run_self_tests(_with_face_matcher(config, "dlib:threshold=0.55"), ["face_matcher"], timeout_s=60)
    assert result.outcome is Outcome.PASS, result
    assert result.detail.startswith("dlib 人脸比对 (dlib): threshold 0.55, model ready in ")
