"""Recording wrappers: any backend of a recordable kind, its calls written down.

A `RecordingDevice` *is* a device of the wrapped kind (`RecordingIdReader` is an
`IdReader`), so the application uses it unchanged. Each public operation is forwarded
to the wrapped device as is: the caller gets the wrapped device's own result and
error, with no extra thread. The session notes the operation, its arguments, its
outcome (result or DeviceError), when it started and how long it took, and every
status change of the wrapped device (hot-plug). Results and arguments are
pseudonymised on the way into the log, never on the way to the caller; the caller's
future completes right after the outcome is noted (on the wrapped device's thread),
so what it does next is pseudonymised with the people already seen. Nothing personal
is logged.

Several devices can record into one session file (`RecordingSession.wrap`), which
keeps the order of calls across devices; `record()` is the one-device shortcut.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, overload

from devices.barcode.base import BarcodeDecoder, Gray8
from devices.barcode.types import Barcode
from devices.base import Device, DeviceInfo
from devices.camera.base import DocumentCamera
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import DeviceError, DeviceUnavailableError
from devices.id_reader.base import IdReader
from devices.id_reader.types import IdentityRecord
from devices.record.codec import (
    RECORDABLE_KINDS,
    ArgValue,
    CallRecord,
    DeviceRecord,
    ErrorInfo,
    Recording,
    StatusRecord,
    write_recording,
)
from devices.record.pseudonym import Pseudonymiser
from devices.signature_pad.base import SignaturePad
from devices.signature_pad.types import SignatureCapture
from devices.status import DeviceStatus

log = logging.getLogger(__name__)

D = TypeVar("D", bound=Device)
R = TypeVar("R")


@dataclass(slots=True)
class _PendingCall:
    index: int
    kind: str
    operation: str
    arguments: Mapping[str, ArgValue]
    at_ms: float
    duration_ms: float | None = None
    result: object | None = None
    error: ErrorInfo | None = None


def _pseudonymise_result(kind: str, result: object, privacy: Pseudonymiser) -> object:
    """The per-kind adapters: what of each result is personal."""
    match kind, result:
        case "id_reader", IdentityRecord():
            return privacy.identity(result)
        case "camera", CapturedImage():
            return privacy.captured_image(result)
        case "signature_pad", SignatureCapture():
            return privacy.signature(result)
        case "barcode", tuple():
            return privacy.barcodes(tuple(b for b in result if isinstance(b, Barcode)))
    raise TypeError(f"unexpected {kind} result {type(result).__name__}")


def _pseudonymise_arguments(
    kind: str, arguments: Mapping[str, ArgValue], privacy: Pseudonymiser
) -> dict[str, ArgValue]:
    out: dict[str, ArgValue] = {}
    for name, value in arguments.items():
        if kind == "signature_pad" and name == "signer" and isinstance(value, str):
            out[name] = privacy.name(value)
        elif isinstance(value, bytes):
            out[name] = privacy.document_image(value)  # the only binary argument: an image to decode
        elif isinstance(value, str):
            out[name] = privacy.text(value)
        else:
            out[name] = value
    return out


class RecordingSession:
    """One recording file: the calls of one or more wrapped devices, in order.

    `keep_personal_data=False` (the default) pseudonymises everything stored (see
    `devices.record.pseudonym`). With `autosave` (the default when `path` is given)
    the file is written when the last wrapped device is closed.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        keep_personal_data: bool = False,
        description: str = "",
        autosave: bool = True,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.keep_personal_data = keep_personal_data
        self.description = description
        self.autosave = autosave and path is not None
        self.recorded_at = datetime.now().astimezone()
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._calls: list[_PendingCall] = []
        self._status: list[StatusRecord] = []
        self._devices: dict[str, RecordingDevice[Any]] = {}
        self._open: set[str] = set()
        self._privacy = None if keep_personal_data else Pseudonymiser()

    @overload
    def wrap(self, device: IdReader) -> RecordingIdReader: ...
    @overload
    def wrap(self, device: DocumentCamera) -> RecordingDocumentCamera: ...
    @overload
    def wrap(self, device: SignaturePad) -> RecordingSignaturePad: ...
    @overload
    def wrap(self, device: BarcodeDecoder) -> RecordingBarcodeDecoder: ...
    @overload
    def wrap(self, device: Device) -> RecordingDevice[Any]: ...
    def wrap(self, device: Device) -> RecordingDevice[Any]:
        """Starts recording `device`; use the returned wrapper instead of it.

        Raises ValueError for a kind that cannot be recorded or a second device of a
        kind already in this session.
        """
        wrapper: RecordingDevice[Any]
        if isinstance(device, IdReader):
            wrapper = RecordingIdReader(device, self)
        elif isinstance(device, DocumentCamera):
            wrapper = RecordingDocumentCamera(device, self)
        elif isinstance(device, SignaturePad):
            wrapper = RecordingSignaturePad(device, self)
        elif isinstance(device, BarcodeDecoder):
            wrapper = RecordingBarcodeDecoder(device, self)
        else:
            raise ValueError(f"a {device.kind} cannot be recorded (recordable: {', '.join(RECORDABLE_KINDS)})")
        return wrapper

    def _attach(self, wrapper: RecordingDevice[Any]) -> None:
        with self._lock:
            if wrapper.kind in self._devices:
                raise ValueError(f"this session already records a {wrapper.kind}")
            self._devices[wrapper.kind] = wrapper
            self._open.add(wrapper.kind)

    # --- what was recorded -------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """The finished calls as stored (pseudonymised unless personal data is kept)."""
        return list(self.recording().calls)

    @property
    def operations(self) -> list[tuple[str, str]]:
        """(kind, operation) of every call made so far, in order, finished or not."""
        with self._lock:
            return [(call.kind, call.operation) for call in self._calls]

    def recording(self) -> Recording:
        """A snapshot of the session; calls still running are left out."""
        with self._lock:
            pending = [call for call in self._calls if call.duration_ms is None]
            calls = tuple(
                CallRecord(
                    call.index,
                    call.kind,
                    call.operation,
                    call.arguments,
                    call.at_ms,
                    call.duration_ms,
                    call.result,
                    call.error,
                )
                for call in self._calls
                if call.duration_ms is not None
            )
            devices = {kind: wrapper.describe() for kind, wrapper in self._devices.items()}
            status = tuple(self._status)
        if pending:
            log.warning("recording: %d call(s) still running are not saved", len(pending))
        return Recording(
            recorded_at=self.recorded_at,
            contains_personal_data=self.keep_personal_data,
            devices=devices,
            calls=calls,
            status=status,
            description=self.description,
        )

    def save(self, path: Path | str | None = None) -> Path:
        """Writes the recording (YAML + `<stem>.files/`); returns the YAML path."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file to save the recording to: pass a path")
        recording = self.recording()
        written = write_recording(recording, target)
        log.info("recording of %d call(s) saved to %s", len(recording.calls), written)
        return written

    # --- for the wrappers ---------------------------------------------------------------

    def _now_ms(self) -> float:
        return (time.monotonic() - self._started) * 1000.0

    def _begin(self, kind: str, operation: str, arguments: Mapping[str, ArgValue]) -> _PendingCall:
        stored = dict(arguments) if self._privacy is None else _pseudonymise_arguments(kind, arguments, self._privacy)
        with self._lock:
            call = _PendingCall(len(self._calls), kind, operation, stored, self._now_ms())
            self._calls.append(call)
            return call

    def _end(self, call: _PendingCall, future: Future[Any]) -> None:
        """Runs as the wrapped future's done callback (on the wrapped device's thread)."""
        duration = self._now_ms() - call.at_ms
        result: object | None = None
        error: ErrorInfo | None = None
        scrub = self._privacy.text if self._privacy is not None else str
        try:
            if future.cancelled():
                error = ErrorInfo.from_error(DeviceUnavailableError("", detail="the call was cancelled"))
            elif (exception := future.exception()) is not None:
                if not isinstance(exception, DeviceError):
                    exception = DeviceError("", detail=type(exception).__name__)
                error = ErrorInfo.from_error(exception, scrub)
            else:
                result = future.result()
                if self._privacy is not None:
                    result = _pseudonymise_result(call.kind, result, self._privacy)
        except Exception as failure:  # never let recording break the device
            log.warning("recording: could not record %s.%s (%s)", call.kind, call.operation, type(failure).__name__)
            result = None
            error = ErrorInfo.from_error(DeviceError("", detail=f"not recorded: {type(failure).__name__}"))
        with self._lock:
            call.result, call.error, call.duration_ms = result, error, duration

    def _status_changed(self, kind: str, status: DeviceStatus) -> None:
        reason = self._privacy.text(status.reason) if self._privacy is not None else status.reason
        with self._lock:
            running = [c.index for c in self._calls if c.kind == kind and c.duration_ms is None]
            during = running[0] if running else None
            self._status.append(StatusRecord(kind, self._now_ms(), status.state, reason, during))

    def _closed(self, kind: str) -> None:
        with self._lock:
            self._open.discard(kind)
            last = not self._open
        if last and self.autosave:
            try:
                self.save()
            except OSError as error:
                log.error("recording could not be saved to %s: %s", self.path, error.strerror)


class RecordingDevice(Device, Generic[D]):
    """Common part of the recording wrappers; mixed in before the kind's base."""

    backend: ClassVar[str] = "record"

    def __init__(self, inner: D, session: RecordingSession) -> None:
        super().__init__(inner.name)
        self.inner = inner
        self.session = session
        # The wrapper is as simulated as what it wraps: a recorded real reader is real.
        object.__setattr__(self, "simulated", inner.simulated)
        self._status = inner.status
        self._closed_once = False
        session._attach(self)
        inner.status_did_change.connect(self._inner_status_changed)

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo(self.kind, f"record:{self.inner.backend}", self.name, self.inner.simulated)

    @property
    def calls(self) -> list[str]:
        """The operations called on this device so far, in order."""
        return [operation for kind, operation in self.session.operations if kind == self.kind]

    def describe(self) -> DeviceRecord:
        implementation = f"{type(self.inner).__module__}.{type(self.inner).__qualname__}"
        return DeviceRecord(self.kind, self.inner.backend, implementation, self.inner.name, self.inner.simulated)

    def save(self, path: Path | str | None = None) -> Path:
        """Saves the whole session this device records into."""
        return self.session.save(path)

    def close(self) -> None:
        """Closes the wrapped device, then (autosave) writes the file once all are closed.

        Safe to call twice."""
        if self._closed_once:
            return
        self._closed_once = True
        self.inner.close()
        self.inner.status_did_change.disconnect(self._inner_status_changed)
        super().close()
        self.session._closed(self.kind)

    def _inner_status_changed(self, status: DeviceStatus) -> None:
        self.session._status_changed(self.kind, status)
        self._status = status
        self.status_did_change.emit(status)

    def _forward(self, operation: str, arguments: Mapping[str, ArgValue], call: Callable[[], Future[R]]) -> Future[R]:
        """Calls the wrapped device; the caller's future completes once the outcome is
        recorded, so anything the caller does next (sign with the name just read) is
        pseudonymised with that person already known."""
        pending = self.session._begin(self.kind, operation, arguments)
        try:
            inner = call()
        except BaseException:
            failed: Future[R] = Future()
            failed.set_exception(DeviceUnavailableError(self.name, detail="the device is closed"))
            self.session._end(pending, failed)
            raise
        outer: Future[R] = Future()

        def inner_done(done: Future[R]) -> None:
            self.session._end(pending, done)
            try:
                if done.cancelled():
                    outer.cancel()
                elif (error := done.exception()) is not None:
                    outer.set_exception(error)
                else:
                    outer.set_result(done.result())
            except InvalidStateError:  # the caller cancelled `outer` meanwhile
                pass

        def outer_done(done: Future[R]) -> None:
            if done.cancelled():
                inner.cancel()  # only succeeds while the call is still queued

        outer.add_done_callback(outer_done)
        inner.add_done_callback(inner_done)
        return outer


class RecordingIdReader(RecordingDevice[IdReader], IdReader):
    def read_card(self) -> Future[IdentityRecord]:
        return self._forward("read_card", {}, self.inner.read_card)

    def _do_read_card(self) -> IdentityRecord:  # pragma: no cover - read_card forwards
        raise NotImplementedError


class RecordingDocumentCamera(RecordingDevice[DocumentCamera], DocumentCamera):
    def capture(self, expected: DocumentClass | None = None) -> Future[CapturedImage]:
        arguments: dict[str, ArgValue] = {"expected": expected.value if expected is not None else None}
        return self._forward("capture", arguments, lambda: self.inner.capture(expected))

    def _do_capture(self, expected: DocumentClass | None) -> CapturedImage:  # pragma: no cover
        raise NotImplementedError


class RecordingSignaturePad(RecordingDevice[SignaturePad], SignaturePad):
    def capture_signature(self, signer: str, document_text: str) -> Future[SignatureCapture]:
        arguments: dict[str, ArgValue] = {"signer": signer, "document_text": document_text}
        return self._forward(
            "capture_signature", arguments, lambda: self.inner.capture_signature(signer, document_text)
        )

    def _do_capture_signature(self, signer: str, document_text: str) -> SignatureCapture:  # pragma: no cover
        raise NotImplementedError


class RecordingBarcodeDecoder(RecordingDevice[BarcodeDecoder], BarcodeDecoder):
    def decode(self, image_png: bytes) -> Future[tuple[Barcode, ...]]:
        return self._forward("decode", {"image": image_png}, lambda: self.inner.decode(image_png))

    def decode_array(self, gray: Gray8) -> Future[tuple[Barcode, ...]]:
        # Live camera frames (several a second) are passed through unrecorded: a
        # recording holds the stills the counter worked with, not the preview.
        return self.inner.decode_array(gray)

    def _do_decode(self, image_png: bytes) -> tuple[Barcode, ...]:  # pragma: no cover
        raise NotImplementedError


@overload
def record(device: IdReader, out_path: Path | str, *, keep_personal_data: bool = ...) -> RecordingIdReader: ...
@overload
def record(
    device: DocumentCamera, out_path: Path | str, *, keep_personal_data: bool = ...
) -> RecordingDocumentCamera: ...
@overload
def record(device: SignaturePad, out_path: Path | str, *, keep_personal_data: bool = ...) -> RecordingSignaturePad: ...
@overload
def record(
    device: BarcodeDecoder, out_path: Path | str, *, keep_personal_data: bool = ...
) -> RecordingBarcodeDecoder: ...
@overload
def record(device: Device, out_path: Path | str, *, keep_personal_data: bool = ...) -> RecordingDevice[Any]: ...
def record(device: Device, out_path: Path | str, *, keep_personal_data: bool = False) -> RecordingDevice[Any]:
    """Wraps `device` in a one-device recording session saved to `out_path` on close
    (or earlier with `.save()`)."""
    return RecordingSession(out_path, keep_personal_data=keep_personal_data).wrap(device)
