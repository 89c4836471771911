"""Replay backends: a recording answered back, call by call, deterministically.

A `ReplayDevice` is a simulated backend (`simulated = True`, backend "replay") that
goes through the kind's base template like any backend (status, logging, errors on
the device thread). Each call takes the next recorded call, waits the recorded
duration divided by `speed` (0 = no waiting) and returns the recorded result or
raises the recorded error. A call that does not match the recording raises
`CorruptDataError` ("replay diverged: expected id_reader.read_card, got
camera.capture") without consuming the recorded call.

Devices opened from one `ReplaySession` share the recording's order across kinds
(the order is checked when a call is made, on the caller's thread, as it was
recorded); a device opened alone follows only its own kind's calls. Kinds of the
recording that are not opened in a session are skipped. Status changes the recorded
device reported between calls (unplugged, plugged back) are replayed before the
next call of that device; `finish()` replays the ones after the last call.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, overload

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.types import Barcode
from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import CorruptDataError, DeviceUnavailableError, ScenarioError
from devices.id_reader.base import IdReader
from devices.id_reader.types import IdentityRecord
from devices.record.codec import OPERATIONS, ArgValue, CallRecord, Recording, StatusRecord, load_recording
from devices.signature_pad.base import SignaturePad
from devices.signature_pad.types import SignatureCapture

log = logging.getLogger(__name__)
R = TypeVar("R")

DIVERGED = "replay diverged"


@dataclass(frozen=True, slots=True)
class _Claim:
    call: CallRecord | None
    divergence: str  # "" when the call matches
    status_before: tuple[StatusRecord, ...]


class ReplaySession:
    """A loaded recording and the replay devices answering from it."""

    def __init__(self, recording: Recording, *, speed: float = 1.0, strict_arguments: bool = False) -> None:
        if speed < 0:
            raise ValueError("speed must be 0 (no waiting) or positive")
        self.recording = recording
        self.speed = speed
        self.strict_arguments = strict_arguments
        self._lock = threading.Lock()
        self._devices: dict[str, ReplayDevice] = {}
        self._done: set[int] = set()  # indexes of replayed calls
        self._replayed: list[tuple[str, str]] = []
        self._status_applied: set[int] = set()  # indexes into recording.status

    @classmethod
    def load(cls, path: Path | str, *, speed: float = 1.0, strict_arguments: bool = False) -> ReplaySession:
        return cls(load_recording(path), speed=speed, strict_arguments=strict_arguments)

    @overload
    def device(self, kind: Literal["id_reader"]) -> ReplayIdReader: ...
    @overload
    def device(self, kind: Literal["camera"]) -> ReplayDocumentCamera: ...
    @overload
    def device(self, kind: Literal["signature_pad"]) -> ReplaySignaturePad: ...
    @overload
    def device(self, kind: Literal["barcode"]) -> ReplayBarcodeDecoder: ...
    @overload
    def device(self, kind: str) -> ReplayDevice: ...
    def device(self, kind: str) -> ReplayDevice:
        """The replay device of `kind` (one per kind; a closed one is replaced).

        Raises ValueError for a kind that cannot be replayed, ScenarioError when the
        recording holds no device of that kind.
        """
        with self._lock:
            existing = self._devices.get(kind)
            if existing is not None and not existing.closed:
                return existing
        if kind not in OPERATIONS:
            raise ValueError(f"a {kind} cannot be replayed (replayable: {', '.join(OPERATIONS)})")
        return self._open(kind, alone=False)

    def _open(self, kind: str, *, alone: bool) -> ReplayDevice:
        if kind not in self.recording.devices:
            held = ", ".join(self.recording.devices) or "none"
            source = str(self.recording.source or "<memory>")
            raise ScenarioError(source, "devices", f"the recording holds no {kind} (it holds: {held})")
        device: ReplayDevice
        match kind:
            case "id_reader":
                device = ReplayIdReader(self, alone=alone)
            case "camera":
                device = ReplayDocumentCamera(self, alone=alone)
            case "signature_pad":
                device = ReplaySignaturePad(self, alone=alone)
            case _:
                device = ReplayBarcodeDecoder(self, alone=alone)
        with self._lock:
            self._devices[kind] = device
        return device

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(kind, operation) of every call answered from the recording, in order."""
        with self._lock:
            return list(self._replayed)

    @property
    def remaining(self) -> list[tuple[str, str]]:
        """(kind, operation) of the recorded calls of the opened kinds not replayed yet."""
        with self._lock:
            kinds = set(self._devices)
            return [
                (call.kind, call.operation)
                for call in self.recording.calls
                if call.kind in kinds and call.index not in self._done
            ]

    # --- for the devices -----------------------------------------------------------------

    def _claim(self, kind: str, operation: str, arguments: Mapping[str, ArgValue], alone: bool) -> _Claim:
        """Matches a call being made against the next recorded one (caller's thread)."""
        with self._lock:
            kinds = {kind} if alone else set(self._devices)
            expected = next((c for c in self.recording.calls if c.kind in kinds and c.index not in self._done), None)
            got = f"{kind}.{operation}"
            if expected is None:
                return _Claim(None, f"{DIVERGED}: expected the end of the recording, got {got}", ())
            if (expected.kind, expected.operation) != (kind, operation):
                number = expected.index + 1
                return _Claim(
                    None, f"{DIVERGED} at call {number}: expected {expected.kind}.{expected.operation}, got {got}", ()
                )
            if self.strict_arguments:
                for name in sorted(set(expected.arguments) | set(arguments)):
                    if expected.arguments.get(name) != arguments.get(name):
                        return _Claim(
                            None,
                            f"{DIVERGED} at call {expected.index + 1} ({got}): "
                            f"argument {name!r} differs from the recording",
                            (),
                        )
            self._done.add(expected.index)
            self._replayed.append((kind, operation))
            before = []
            for index, change in enumerate(self.recording.status):
                if (
                    change.kind == kind
                    and index not in self._status_applied
                    and change.during_call is None
                    and change.at_ms <= expected.at_ms
                ):
                    self._status_applied.add(index)
                    before.append(change)
            return _Claim(expected, "", tuple(before))

    def _status_after_last_call(self, kind: str) -> tuple[StatusRecord, ...]:
        with self._lock:
            out = []
            for index, change in enumerate(self.recording.status):
                if change.kind == kind and index not in self._status_applied and change.during_call is None:
                    self._status_applied.add(index)
                    out.append(change)
            return tuple(out)


class ReplayDevice(Device):
    """Common part of the replay backends; mixed in before the kind's base."""

    backend: ClassVar[str] = "replay"
    simulated: ClassVar[bool] = True

    def __init__(self, session: ReplaySession, *, alone: bool = False) -> None:
        recorded = session.recording.devices.get(self.kind)
        super().__init__(recorded.name if recorded is not None else f"replay {self.kind}")
        self.session = session
        self._alone = alone
        # Re-entered: a public method with arguments -> `_with_arguments` -> `_run`.
        self._invoke_lock = threading.RLock()
        self._pending_arguments: Mapping[str, ArgValue] = {}
        self._claims: deque[_Claim] = deque()
        self._closed = threading.Event()
        self._calls: list[str] = []
        self._calls_lock = threading.Lock()

    @property
    def calls(self) -> list[str]:
        """The operations answered from the recording so far, in order."""
        with self._calls_lock:
            return list(self._calls)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def finish(self) -> Future[None]:
        """Replays the status changes recorded after this device's last call."""
        changes = self.session._status_after_last_call(self.kind)
        return self._thread.submit(self._apply_status, changes)

    def close(self) -> None:
        self._closed.set()
        super().close()

    def _run(self, operation: str, fn: Callable[[], R]) -> Future[R]:
        # Claimed here, on the caller's thread, in call order (as recorded); answered
        # by `_answer` on the device thread, which runs the submissions in that order.
        with self._invoke_lock:
            claim = self._claim(operation)
            self._claims.append(claim)
            if claim.status_before:
                self._thread.submit(self._apply_status, claim.status_before)
            return super()._run(operation, fn)

    def _claim(self, operation: str) -> _Claim:
        return self.session._claim(self.kind, operation, self._pending_arguments, self._alone)

    def _answer(self, operation: str) -> Any:
        claim = self._claims.popleft()
        if claim.call is None:
            raise CorruptDataError(self.name, detail=claim.divergence)
        call = claim.call
        with self._calls_lock:
            self._calls.append(operation)
        self._wait(call.duration_ms)
        if call.error is not None:
            raise call.error.to_error()
        return call.result

    def _wait(self, duration_ms: float) -> None:
        if self.session.speed > 0 and duration_ms > 0:
            self._closed.wait(duration_ms / 1000.0 / self.session.speed)
        if self._closed.is_set():
            raise DeviceUnavailableError(self.name, detail="the device was closed")

    def _apply_status(self, changes: tuple[StatusRecord, ...]) -> None:
        for change in changes:
            self._set_status(change.state, change.reason)

    def _with_arguments(self, arguments: Mapping[str, ArgValue], call: Callable[[], Future[R]]) -> Future[R]:
        """Makes the public call with its arguments visible to `_claim` (strict mode)."""
        with self._invoke_lock:
            self._pending_arguments = arguments
            try:
                return call()
            finally:
                self._pending_arguments = {}


class ReplayIdReader(ReplayDevice, IdReader):
    def _do_read_card(self) -> IdentityRecord:
        result = self._answer("read_card")
        assert isinstance(result, IdentityRecord)
        return result


class ReplayDocumentCamera(ReplayDevice, DocumentCamera):
    def capture(self, expected: DocumentClass | None = None) -> Future[CapturedImage]:
        arguments = {"expected": expected.value if expected is not None else None}
        return self._with_arguments(arguments, lambda: super(ReplayDocumentCamera, self).capture(expected))

    def _do_capture(self, expected: DocumentClass | None) -> CapturedImage:
        result = self._answer("capture")
        assert isinstance(result, CapturedImage)
        return result


class ReplaySignaturePad(ReplayDevice, SignaturePad):
    def capture_signature(self, signer: str, document_text: str) -> Future[SignatureCapture]:
        arguments: dict[str, ArgValue] = {"signer": signer, "document_text": document_text}
        return self._with_arguments(
            arguments, lambda: super(ReplaySignaturePad, self).capture_signature(signer, document_text)
        )

    def _do_capture_signature(self, signer: str, document_text: str) -> SignatureCapture:
        result = self._answer("capture_signature")
        assert isinstance(result, SignatureCapture)
        return result


class ReplayBarcodeDecoder(ReplayDevice, BarcodeDecoder):
    def decode(self, image_png: bytes) -> Future[tuple[Barcode, ...]]:
        return self._with_arguments({"image": image_png}, lambda: super(ReplayBarcodeDecoder, self).decode(image_png))

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:
        result = self._answer("decode")
        assert isinstance(result, tuple)
        return result

    def _do_decode_array(self, gray: Gray8) -> tuple[Barcode, ...]:
        return ()  # live frames are not recorded (RecordingBarcodeDecoder.decode_array)


@overload
def open_replay(
    kind: Literal["id_reader"], path: Path | str, *, speed: float = ..., strict_arguments: bool = ...,
    session_cache: dict[Path, ReplaySession] | None = ...,
) -> IdReader: ...  # fmt: skip
@overload
def open_replay(
    kind: Literal["camera"], path: Path | str, *, speed: float = ..., strict_arguments: bool = ...,
    session_cache: dict[Path, ReplaySession] | None = ...,
) -> DocumentCamera: ...  # fmt: skip
@overload
def open_replay(
    kind: Literal["signature_pad"], path: Path | str, *, speed: float = ..., strict_arguments: bool = ...,
    session_cache: dict[Path, ReplaySession] | None = ...,
) -> SignaturePad: ...  # fmt: skip
@overload
def open_replay(
    kind: Literal["barcode"], path: Path | str, *, speed: float = ..., strict_arguments: bool = ...,
    session_cache: dict[Path, ReplaySession] | None = ...,
) -> BarcodeDecoder: ...  # fmt: skip
@overload
def open_replay(
    kind: str, path: Path | str, *, speed: float = ..., strict_arguments: bool = ...,
    session_cache: dict[Path, ReplaySession] | None = ...,
) -> Device: ...  # fmt: skip
def open_replay(
    kind: str,
    path: Path | str,
    *,
    speed: float = 1.0,
    strict_arguments: bool = False,
    session_cache: dict[Path, ReplaySession] | None = None,
) -> Device:
    """A replay backend of `kind` answering from the recording at `path`.

    Alone (no `session_cache`) the device follows only its kind's calls. With a
    `session_cache` dict shared between the kinds opened (as the registry does with
    scenarios), devices of one file share one `ReplaySession`, so the order of calls
    across devices is checked too; the first opening's `speed` and
    `strict_arguments` apply to the session. Raises ScenarioError ([SIM-001]) for a
    bad file or one without that kind, ValueError for a kind that cannot be replayed.
    """
    if kind not in OPERATIONS:
        raise ValueError(f"a {kind} cannot be replayed (replayable: {', '.join(OPERATIONS)})")
    resolved = Path(path).resolve()
    if session_cache is None:
        session = ReplaySession.load(resolved, speed=speed, strict_arguments=strict_arguments)
        return session._open(kind, alone=True)
    if resolved not in session_cache:
        session_cache[resolved] = ReplaySession.load(resolved, speed=speed, strict_arguments=strict_arguments)
    return session_cache[resolved].device(kind)
