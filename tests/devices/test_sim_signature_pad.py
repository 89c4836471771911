"""The simulated signature pad and its synthetic handwriting."""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.errors import SignatureCancelledError
from devices.signature_pad.sim import SimSignaturePad, synthetic_strokes
from devices.signature_pad.types import SignatureCapture


def sign(pad: SimSignaturePad, signer: str) -> SignatureCapture:
    return pad.capture_signature(signer, "本人自愿结婚").result(timeout=5)


def test_synthetic_strokes_are_deterministic(pad: SimSignaturePad) -> None:
    first, again, other = sign(pad, "李明轩"), sign(pad, "李明轩"), sign(pad, "王雨桐")
    assert first.strokes == again.strokes
    assert first.image_png == again.image_png
    assert first.strokes != other.strokes
    assert first.strokes == synthetic_strokes("李明轩", 120, 60)
    assert first.signer == "李明轩" and first.device_name == "pad-under-test"
    assert (first.width_mm, first.height_mm) == (120, 60)
    assert pad.history == [("capture_signature", "李明轩")] * 2 + [("capture_signature", "王雨桐")]


def test_synthetic_strokes_look_handwritten() -> None:
    strokes = synthetic_strokes("李明轩")
    points = [point for stroke in strokes for point in stroke]
    assert 4 <= len(strokes) <= 12
    assert 100 <= len(points) <= 300
    times = [point.t_ms for point in points]
    assert times == sorted(times) and times[0] == 0
    gaps = [b[0].t_ms - a[-1].t_ms for a, b in itertools.pairwise(strokes)]
    assert min(gaps) >= 100  # the pen is lifted between strokes
    assert len({round(point.pressure, 1) for point in points}) > 3  # pressure varies


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12), st.sampled_from([(120.0, 60.0), (200.0, 80.0), (50.0, 30.0)]))
def test_synthetic_strokes_stay_on_the_pad(signer: str, size: tuple[float, float]) -> None:
    width, height = size
    strokes = synthetic_strokes(signer, width, height)
    points = [point for stroke in strokes for point in stroke]
    assert 50 <= len(points) <= 400
    assert all(0 <= p.x <= width and 0 <= p.y <= height and 0 < p.pressure <= 1 for p in points)


def test_image_decodes(pad: SimSignaturePad) -> None:
    capture = sign(pad, "测试丙")
    with Image.open(io.BytesIO(capture.image_png)) as image:
        assert image.format == "PNG" and image.size == (600, 300)
        gray = image.convert("L")
        assert gray.getpixel((0, 0)) == 255  # white background
        assert gray.getextrema()[0] < 100  # and dark ink


def test_scenario_strokes_by_person_id_or_name(pad: SimSignaturePad) -> None:
    # The scenario records strokes under the id "p2"; the pad shows the name.
    capture = sign(pad, "测试乙")
    assert len(capture.strokes) == 1
    assert [(p.x, p.y, p.t_ms, p.pressure) for p in capture.strokes[0]] == [
        (10, 10, 0, 0.5),
        (20, 12, 10, 0.6),
        (30, 15, 20, 0.4),
    ]


def test_cancelled(pad: SimSignaturePad) -> None:
    pad.inject_fault("capture_signature", "cancelled", times=1)
    with pytest.raises(SignatureCancelledError):
        sign(pad, "测试甲")
    assert sign(pad, "测试甲").strokes
