"""A self-test per device, through each kind's public API only, with a time limit.

- id_reader: the reader opened and is not unavailable; a simulated one has its scenario
  loaded; a PC/SC one also needs the pcscd service. No card is read (that needs a person).
- camera: one capture; the PNG must decode at the size the camera reported.
- signature_pad: opened, not unavailable, and its writing area (mm) when it reports one.
- barcode: decodes a QR code made here with segno and must return its text.
- face_matcher: loads the model (dlib: both model files, and one pass of the network on
  a blank face-sized image), no comparison: that needs a face, and the counter ships
  no photo of a real person.
- any other kind (printers, fingerprint scanners, ...): opened and not unavailable.
"""

from __future__ import annotations

import enum
import io
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from app.config import Config
from app.diagnostics.messages import error_text
from app.diagnostics.redact import redact_text
from app.diagnostics.report import backend_of, configured_kinds, opened_devices, pcscd_status, spec_of
from devices.barcode.base import BarcodeDecoder
from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.errors import DeviceError
from devices.face.base import FaceMatcher
from devices.id_reader.base import IdReader
from devices.signature_pad.base import SignaturePad
from devices.status import DeviceState

DEFAULT_TIMEOUT_S = 10.0
T = TypeVar("T")


class Outcome(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"  # not configured: nothing to test, not a fault


@dataclass(frozen=True, slots=True)
class SelfTestResult:
    kind: str
    spec: str
    outcome: Outcome
    detail: str  # what was checked and found (English)
    duration_s: float
    error_code: str = ""
    detail_zh: str = ""  # the error in Chinese when the test failed on one

    @property
    def passed(self) -> bool:
        return self.outcome is not Outcome.FAIL

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data

    def line(self) -> str:
        code = f"[{self.error_code}] " if self.error_code else ""
        return f"{self.kind}\t{self.outcome.value}\t{self.duration_s * 1000:.0f} ms\t{code}{self.detail}"


class SelfTestFailure(Exception):
    """A check that did not hold (the device answered, but wrongly)."""


def _wait(future: Future[T], timeout_s: float, what: str) -> T:
    try:
        return future.result(timeout=timeout_s)
    except FutureTimeout:
        future.cancel()
        raise SelfTestFailure(f"{what}: no answer within {timeout_s:g} s") from None


def _require_available(device: Device) -> None:
    status = device.status
    if status.state is DeviceState.UNAVAILABLE:
        raise SelfTestFailure(f"{device.name}: unavailable: {status.reason or 'no reason given'}")


def _test_id_reader(device: IdReader, spec: str, timeout_s: float) -> str:
    _require_available(device)
    found = [f"{device.name} ({device.backend}) {device.status.state.value}"]
    scenario = getattr(device, "scenario", None)
    if device.simulated and scenario is not None:
        found.append(f"scenario {scenario.source.name} loaded, {len(scenario.people)} people")
    if backend_of(spec) == "pcsc":
        ok, detail = pcscd_status()
        if not ok:
            raise SelfTestFailure(f"PC/SC service: {detail}")
        found.append(f"pcscd {detail}")
    return "; ".join(found)


def _test_camera(device: DocumentCamera, spec: str, timeout_s: float) -> str:
    from PIL import Image, UnidentifiedImageError

    _require_available(device)
    image = _wait(device.capture(), timeout_s, "capture")
    try:
        with Image.open(io.BytesIO(image.image_png)) as decoded:
            decoded.load()
            size = decoded.size
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise SelfTestFailure(f"the captured frame does not decode ({type(error).__name__})") from error
    if size != (image.width, image.height):
        raise SelfTestFailure(
            f"the frame is {size[0]}×{size[1]} px but the camera reported {image.width}×{image.height}"
        )
    return f"{device.name}: one frame {size[0]}×{size[1]} px, sharpness {image.sharpness:.0f}"


def _test_signature_pad(device: SignaturePad, spec: str, timeout_s: float) -> str:
    _require_available(device)
    width, height = getattr(device, "width_mm", None), getattr(device, "height_mm", None)
    if isinstance(width, int | float) and isinstance(height, int | float):
        if width <= 0 or height <= 0:
            raise SelfTestFailure(f"{device.name} reports an empty writing area ({width}×{height} mm)")
        return f"{device.name}: writing area {width:g}×{height:g} mm"
    return f"{device.name} {device.status.state.value} (this backend does not report its size)"


def _test_barcode(device: BarcodeDecoder, spec: str, timeout_s: float) -> str:
    import segno

    _require_available(device)
    text = f"MC-SELFTEST-{uuid.uuid4().hex[:12].upper()}"
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=6, border=4)
    barcodes = _wait(device.decode(buffer.getvalue()), timeout_s, "decode")
    if not any(barcode.text == text for barcode in barcodes):
        found = ", ".join(repr(b.text) for b in barcodes) or "nothing"
        raise SelfTestFailure(f"a test QR code with {text!r} was decoded as {found}")
    return f"{device.name}: decoded a test QR code ({barcodes[0].symbology})"


def _test_face_matcher(device: FaceMatcher, spec: str, timeout_s: float) -> str:
    _require_available(device)
    started = time.monotonic()
    _wait(device.warm_up(), timeout_s, "loading the face model")
    loaded = f", model ready in {(time.monotonic() - started) * 1000:.0f} ms" if not device.simulated else ""
    return f"{device.name} ({device.backend}): threshold {device.threshold:g}{loaded}"


def _test_generic(device: Device, spec: str, timeout_s: float) -> str:
    """Reachable is all that can be checked without a person or paper (a printer that
    is out of paper is reachable: its state and reason say what it waits for)."""
    _require_available(device)
    status = device.status
    reason = f" ({status.reason})" if status.reason else ""
    return f"{device.name} ({device.backend}) {status.state.value}{reason}"


def _check_for(device: Device) -> Callable[[Any, str, float], str]:
    if isinstance(device, IdReader):
        return _test_id_reader
    if isinstance(device, DocumentCamera):
        return _test_camera
    if isinstance(device, SignaturePad):
        return _test_signature_pad
    if isinstance(device, BarcodeDecoder):
        return _test_barcode
    if isinstance(device, FaceMatcher):
        return _test_face_matcher
    return _test_generic


def check_device(
    kind: str, spec: str, opened: Device | DeviceError | None, timeout_s: float, *, exercise: bool = True
) -> SelfTestResult:
    shown = redact_text(spec)
    if opened is None:
        return SelfTestResult(kind, "", Outcome.SKIP, "not configured", 0.0)
    if isinstance(opened, DeviceError):
        text = error_text(opened)
        return SelfTestResult(kind, shown, Outcome.FAIL, text.english, 0.0, text.code, text.chinese)
    started = time.monotonic()
    try:
        check = _check_for(opened) if exercise else _test_generic
        detail = check(opened, spec, timeout_s)
    except SelfTestFailure as failure:
        return SelfTestResult(kind, shown, Outcome.FAIL, str(failure), time.monotonic() - started)
    except Exception as error:  # a DeviceError through the future, or a backend bug
        text = error_text(error)
        return SelfTestResult(
            kind, shown, Outcome.FAIL, text.english, time.monotonic() - started, text.code, text.chinese
        )
    return SelfTestResult(kind, shown, Outcome.PASS, detail, time.monotonic() - started)


def run_self_tests(
    config: Config,
    kinds: list[str] | None = None,
    *,
    held: Mapping[str, Device] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    exercise_simulated: bool = False,
) -> list[SelfTestResult]:
    """Self-tests of `kinds` (default: every configured kind), one after the other.

    Devices in `held` (the running counter's) are tested as they are; the others are
    opened for the test and closed afterwards. A held simulated device (scenario or
    replay) is only checked for availability unless `exercise_simulated`: a capture
    would use up the faults QA armed, move its timeline, or make a replay diverge.
    Blocking: never on the GUI thread.
    """
    kinds = configured_kinds(config) if kinds is None else kinds
    held = held or {}
    with opened_devices(config, kinds, held) as opened:
        return [
            check_device(
                kind, spec_of(config, kind), opened[kind], timeout_s,
                exercise=exercise_simulated or not (kind in held and held[kind].simulated),
            )
            for kind in kinds
        ]
