"""The simulated fingerprint scanner: synthetic, deterministic images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from devices.fingerprint.sim import IMAGE_SIZE, SimFingerprintScanner, synthetic_fingerprint
from devices.fingerprint.types import Finger
from devices.sim.scenario import Scenario
from devices.status import DeviceState


def test_capture(scanner: SimFingerprintScanner) -> None:
    capture = scanner.capture_fingerprint().result(timeout=5)
    assert capture.finger is Finger.RIGHT_INDEX and capture.quality == 77
    assert capture.device_name == "scanner-under-test" and capture.captured_at.tzinfo is not None
    with Image.open(io.BytesIO(capture.image_png)) as image:
        assert image.format == "PNG" and image.mode == "L" and image.size == IMAGE_SIZE
        assert image.getextrema()[0] < 100  # there are ridges
    assert scanner.history == [("capture_fingerprint", "right_index q77")]
    assert scanner.status.state is DeviceState.READY
    assert scanner.info.kind == "fingerprint" and scanner.info.simulated


def test_images_repeat_per_scenario(scenario: Scenario) -> None:
    first, second = SimFingerprintScanner(scenario), SimFingerprintScanner(scenario)
    try:
        a = [first.capture_fingerprint(f).result(timeout=5).image_png for f in ("left_thumb", "left_thumb")]
        b = [second.capture_fingerprint(f).result(timeout=5).image_png for f in ("left_thumb", "left_thumb")]
    finally:
        first.close()
        second.close()
    assert a == b and a[0] != a[1]  # the same run each time; two captures differ like real ones
    assert synthetic_fingerprint("left_thumb", 0) == a[0]
    assert synthetic_fingerprint("right_thumb", 0) != a[0]


def test_unknown_finger(scanner: SimFingerprintScanner) -> None:
    with pytest.raises(ValueError):
        scanner.capture_fingerprint("right_toe")
