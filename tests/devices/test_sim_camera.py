"""The simulated document camera."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devices.camera.sim import SimDocumentCamera
from devices.camera.types import DocumentClass
from devices.errors import CaptureQualityError, DeviceUnavailableError
from devices.sim.scenario import load_scenario
from devices.status import DeviceState

WriteScenario = Callable[[dict[str, Any] | str], Path]


def test_returns_the_requested_class(camera: SimDocumentCamera) -> None:
    image = camera.capture(DocumentClass.JOINT_PHOTO).result(timeout=5)
    assert image.document_class is DocumentClass.JOINT_PHOTO
    assert (image.width, image.height) == (60, 40)
    assert image.sharpness == 200.0
    assert image.device_name == "camera-under-test"
    assert image.captured_at.tzinfo is not None
    with Image.open(io.BytesIO(image.image_png)) as decoded:
        assert decoded.size == (60, 40)
    hukou = camera.capture(DocumentClass.HUKOU_PAGE).result(timeout=5)
    assert (hukou.width, hukou.height, hukou.sharpness) == (70, 90, 90.5)
    assert camera.history == [("capture", "joint"), ("capture", "hukou")]


def test_otherwise_documents_in_order(camera: SimDocumentCamera) -> None:
    classes = [camera.capture().result(timeout=5).document_class for _ in range(4)]
    assert classes == ["id_card_front", "joint_photo", "hukou_page", "id_card_front"]
    # A class the scenario lacks also falls back to the order.
    assert camera.capture(DocumentClass.AGREEMENT).result(timeout=5).document_class == "joint_photo"


def test_presented_document_wins(camera: SimDocumentCamera) -> None:
    camera.present_document("hukou")
    assert camera.document_under_camera == "hukou"
    assert camera.capture(DocumentClass.JOINT_PHOTO).result(timeout=5).document_class == "hukou_page"
    camera.remove_document()
    assert camera.capture(DocumentClass.JOINT_PHOTO).result(timeout=5).document_class == "joint_photo"
    with pytest.raises(ValueError, match="unknown document id"):
        camera.present_document("passport")


def test_low_quality_fault(camera: SimDocumentCamera) -> None:
    camera.inject_fault("capture", "low_quality")
    with pytest.raises(CaptureQualityError):
        camera.capture().result(timeout=5)
    assert camera.status.state is DeviceState.READY
    assert camera.capture().result(timeout=5).document_class == "id_card_front"
    assert camera.history[0] == ("capture", "DEV-020")


def test_unplugged(camera: SimDocumentCamera) -> None:
    camera.set_connected(False).result(timeout=5)
    with pytest.raises(DeviceUnavailableError):
        camera.capture().result(timeout=5)
    assert camera.status.state is DeviceState.UNAVAILABLE
    camera.set_connected(True).result(timeout=5)
    assert camera.status.state is DeviceState.READY


def test_no_documents(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["camera"]["documents"] = []
    camera = SimDocumentCamera(load_scenario(write_scenario(scenario_data)), name="empty")
    try:
        assert camera.name == "empty"
        with pytest.raises(CaptureQualityError, match="nothing under the camera"):
            camera.capture().result(timeout=5)
    finally:
        camera.close()
