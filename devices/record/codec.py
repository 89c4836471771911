"""The recording file: a YAML session log in scenario style, PNGs in a sibling folder.

    spec: 1
    kind: recording
    contains_personal_data: false
    recorded_at: '2026-05-04T09:30:00.123456+08:00'
    description: ''
    devices:
      id_reader: {backend: sim, implementation: devices.id_reader.sim.SimIdReader,
                  name: 模拟身份证阅读器, simulated: true}
    calls:                      # every device's calls, in the order they were made
    - device: id_reader
      operation: read_card
      at_ms: 12.5               # since the recording started
      duration_ms: 51.2
      arguments: {}
      result: {name: ..., photo: session.files/3f2a....png, ...}
    - device: id_reader
      operation: read_card
      at_ms: 80.1
      duration_ms: 0.4
      arguments: {}
      error: {type: CorruptDataError, code: DEV-012, device: ..., params: {detail: ...}, message: ...}
    status:                     # status changes the devices reported (hot-plug)
    - {device: id_reader, at_ms: 3.0, state: unavailable, reason: ..., during_call: null}

Binary payloads (portraits, images, signature renderings, images given to the barcode
decoder) are written once each, named by content, to `<stem>.files/` next to the
YAML file and referenced relative to it. The loader is as strict as the scenario
loader and fails with `ScenarioError` (`[SIM-001]`: file, dotted key, reason).

One kind = one small codec here (`encode_result` / `decode_result`); the recording
and replay machinery is otherwise generic.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devices.barcode.types import Barcode
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import DeviceError, ScenarioError
from devices.id_reader.types import CardType, IdentityRecord
from devices.signature_pad.types import PenPoint, SignatureCapture
from devices.sim.scenario import read_yaml_file
from devices.status import DeviceState

SPEC_VERSION: Final = 1
FILE_KIND: Final = "recording"
PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC: Final = b"\xff\xd8\xff"

# The operations each kind performs; the recording refuses any other.
OPERATIONS: Final[dict[str, tuple[str, ...]]] = {
    "id_reader": ("read_card",),
    "camera": ("capture",),
    "signature_pad": ("capture_signature",),
    "barcode": ("decode",),
}
RECORDABLE_KINDS: Final = tuple(OPERATIONS)

Scalar = str | int | float | bool | None
ArgValue = Scalar | bytes
M = TypeVar("M", bound=BaseModel)


# --- in-memory form (what the recorder builds and the replayer reads) --------------------


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A DeviceError as data: enough to raise an equal one again."""

    type: str
    code: str
    device: str
    params: Mapping[str, Scalar]

    @classmethod
    def from_error(cls, error: DeviceError, scrub: Callable[[str], str] = str) -> ErrorInfo:
        params = {
            key: scrub(value) if isinstance(value, str) else _scalar(value) for key, value in error.params.items()
        }
        return cls(type(error).__name__, error.code, error.device, params)

    def to_error(self) -> DeviceError:
        """A fresh error of the recorded class (found by name, else by code)."""
        error_class = _error_class(self.type, self.code)
        error = error_class.__new__(error_class)
        DeviceError.__init__(error, self.device, **self.params)
        try:
            _ = error.message
        except (KeyError, IndexError, ValueError):  # the class found needs other params
            error = DeviceError(self.device, detail=f"[{self.code}] {self.params.get('detail', '')}")
        return error

    @property
    def message(self) -> str:
        try:
            return self.to_error().message
        except Exception:  # a message is only informative in the file
            return ""


@dataclass(frozen=True, slots=True)
class CallRecord:
    index: int  # position in the whole session
    kind: str
    operation: str
    arguments: Mapping[str, ArgValue]
    at_ms: float  # since the recording started
    duration_ms: float
    result: object | None = None  # IdentityRecord, CapturedImage, ... (None with an error)
    error: ErrorInfo | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    kind: str
    at_ms: float
    state: DeviceState
    reason: str
    during_call: int | None  # index of the call then in progress on that device, if any


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    kind: str
    backend: str
    implementation: str  # module.Class of the recorded backend
    name: str
    simulated: bool


@dataclass(frozen=True)
class Recording:
    recorded_at: datetime
    contains_personal_data: bool
    devices: Mapping[str, DeviceRecord]
    calls: tuple[CallRecord, ...]
    status: tuple[StatusRecord, ...] = ()
    description: str = ""
    source: Path | None = field(default=None, compare=False)

    def calls_of(self, kind: str) -> tuple[CallRecord, ...]:
        return tuple(call for call in self.calls if call.kind == kind)

    def operations(self, kind: str | None = None) -> list[tuple[str, str]]:
        """(kind, operation) of each call, in order; only `kind`'s when given."""
        return [(call.kind, call.operation) for call in self.calls if kind is None or call.kind == kind]


# --- per-kind result codecs ------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _IdentityModel(_Model):
    card_type: CardType
    name: str
    sex_code: str
    ethnicity_code: str
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_to: date | None
    nationality: str = "CHN"
    photo: str | None = None
    reader_name: str = ""


class _ImageModel(_Model):
    image: str
    width: int = Field(ge=0)
    height: int = Field(ge=0)
    document_class: DocumentClass | None
    captured_at: datetime
    device_name: str
    sharpness: float
    dpi: int | None = Field(default=None, gt=0)
    mime: Literal["image/png", "image/jpeg"] = "image/png"


class _SignatureModel(_Model):
    signer: str
    strokes: list[list[tuple[float, float, int, float]]]
    image: str
    width_mm: float
    height_mm: float
    captured_at: datetime
    device_name: str


class _BarcodeModel(_Model):
    text: str
    symbology: str


class _BarcodesModel(_Model):
    barcodes: list[_BarcodeModel]


class BlobWriter:
    """Writes each distinct payload once, named by content, under `folder`."""

    def __init__(self, folder: Path, relative: str) -> None:
        self.folder = folder
        self.relative = relative

    def put(self, data: bytes) -> str:
        suffix = ".png" if data.startswith(PNG_MAGIC) else ".jpg" if data.startswith(JPEG_MAGIC) else ".bin"
        name = hashlib.sha256(data).hexdigest()[:24] + suffix
        path = self.folder / name
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return f"{self.relative}/{name}"


class BlobReader:
    """Reads payloads referenced relative to the recording, never outside its folder."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.base = file.parent.resolve()

    def get(self, relative: str, key: str) -> bytes:
        path = (self.base / relative).resolve()
        if not path.is_relative_to(self.base):
            raise ScenarioError(str(self.file), key, f"file {relative!r} lies outside the recording's folder")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ScenarioError(str(self.file), key, f"file not found: {relative}") from None
        except OSError as error:
            raise ScenarioError(str(self.file), key, f"cannot read file {relative}: {error.strerror}") from None


def encode_result(kind: str, result: object, blobs: BlobWriter) -> Any:
    match kind, result:
        case "id_reader", IdentityRecord():
            return {
                "card_type": result.card_type.value,
                "name": result.name,
                "sex_code": result.sex_code,
                "ethnicity_code": result.ethnicity_code,
                "birth_date": result.birth_date.isoformat(),
                "address": result.address,
                "id_number": result.id_number,
                "issuing_authority": result.issuing_authority,
                "valid_from": result.valid_from.isoformat(),
                "valid_to": result.valid_to.isoformat() if result.valid_to else None,
                "nationality": result.nationality,
                "photo": blobs.put(result.photo_png) if result.photo_png is not None else None,
                "reader_name": result.reader_name,
            }
        case "camera", CapturedImage():
            return {
                "image": blobs.put(result.image_png),
                "width": result.width,
                "height": result.height,
                "document_class": result.document_class.value if result.document_class else None,
                "captured_at": result.captured_at.isoformat(),
                "device_name": result.device_name,
                "sharpness": result.sharpness,
                "dpi": result.dpi,
                "mime": result.mime,
            }
        case "signature_pad", SignatureCapture():
            return {
                "signer": result.signer,
                "strokes": [_Flow([p.x, p.y, p.t_ms, p.pressure] for p in stroke) for stroke in result.strokes],
                "image": blobs.put(result.image_png),
                "width_mm": result.width_mm,
                "height_mm": result.height_mm,
                "captured_at": result.captured_at.isoformat(),
                "device_name": result.device_name,
            }
        case "barcode", tuple():
            return [{"text": barcode.text, "symbology": barcode.symbology} for barcode in result]
    raise TypeError(f"cannot record a {type(result).__name__} as a {kind} result")


def decode_result(kind: str, data: Any, blobs: BlobReader, key: str) -> object:
    file = str(blobs.file)
    match kind:
        case "id_reader":
            identity = _validate(_IdentityModel, data, file, key)
            return IdentityRecord(
                card_type=identity.card_type,
                name=identity.name,
                sex_code=identity.sex_code,
                ethnicity_code=identity.ethnicity_code,
                birth_date=identity.birth_date,
                address=identity.address,
                id_number=identity.id_number,
                issuing_authority=identity.issuing_authority,
                valid_from=identity.valid_from,
                valid_to=identity.valid_to,
                nationality=identity.nationality,
                photo_png=blobs.get(identity.photo, f"{key}.photo") if identity.photo is not None else None,
                reader_name=identity.reader_name,
            )
        case "camera":
            image = _validate(_ImageModel, data, file, key)
            return CapturedImage(
                image_png=blobs.get(image.image, f"{key}.image"),
                width=image.width,
                height=image.height,
                document_class=image.document_class,
                captured_at=image.captured_at,
                device_name=image.device_name,
                sharpness=image.sharpness,
                dpi=image.dpi,
                mime=image.mime,
            )
        case "signature_pad":
            signature = _validate(_SignatureModel, data, file, key)
            return SignatureCapture(
                signer=signature.signer,
                strokes=tuple(tuple(PenPoint(x, y, t, p) for x, y, t, p in stroke) for stroke in signature.strokes),
                image_png=blobs.get(signature.image, f"{key}.image"),
                width_mm=signature.width_mm,
                height_mm=signature.height_mm,
                captured_at=signature.captured_at,
                device_name=signature.device_name,
            )
        case "barcode":
            barcodes = _validate(_BarcodesModel, {"barcodes": data}, file, key, strip="barcodes")
            return tuple(Barcode(text=b.text, symbology=b.symbology) for b in barcodes.barcodes)
    raise ScenarioError(file, key, f"unknown device kind {kind!r}")


# --- arguments and errors -----------------------------------------------------------------


def encode_arguments(arguments: Mapping[str, ArgValue], blobs: BlobWriter) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for name, value in arguments.items():
        if isinstance(value, bytes):
            encoded[name] = {"file": blobs.put(value), "sha256": hashlib.sha256(value).hexdigest()}
        else:
            encoded[name] = value
    return encoded


def decode_arguments(data: Any, blobs: BlobReader, key: str) -> dict[str, ArgValue]:
    file = str(blobs.file)
    if not isinstance(data, dict):
        raise ScenarioError(file, key, "expected a mapping of argument names to values")
    decoded: dict[str, ArgValue] = {}
    for name, value in data.items():
        where = f"{key}.{name}"
        if isinstance(value, dict):
            if set(value) != {"file", "sha256"} or not isinstance(value["file"], str):
                raise ScenarioError(file, where, "expected {file: <path>, sha256: <hex>} for binary data")
            payload = blobs.get(value["file"], f"{where}.file")
            if hashlib.sha256(payload).hexdigest() != value["sha256"]:
                raise ScenarioError(file, f"{where}.sha256", f"does not match the content of {value['file']}")
            decoded[str(name)] = payload
        elif value is None or isinstance(value, str | int | float | bool):
            decoded[str(name)] = value
        else:
            raise ScenarioError(file, where, f"expected text, a number or binary data, got {value!r}")
    return decoded


def _scalar(value: object) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _all_error_classes(base: type[DeviceError] = DeviceError) -> Iterator[type[DeviceError]]:
    yield base
    for subclass in base.__subclasses__():
        yield from _all_error_classes(subclass)


def _error_class(name: str, code: str) -> type[DeviceError]:
    classes = list(_all_error_classes())
    for error_class in classes:
        if error_class.__name__ == name and error_class.code == code:
            return error_class
    for error_class in classes:
        if error_class.code == code:
            return error_class
    return DeviceError


# --- the file ---------------------------------------------------------------------------------


class _ErrorModel(_Model):
    type: str = Field(min_length=1)
    code: str = Field(min_length=1)
    device: str = ""
    params: dict[str, Scalar] = Field(default_factory=dict)
    message: str = ""  # informative only


class _CallModel(_Model):
    device: str
    operation: str
    at_ms: float = Field(ge=0)
    duration_ms: float = Field(ge=0)
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None
    error: _ErrorModel | None = None


class _StatusModel(_Model):
    device: str
    at_ms: float = Field(ge=0)
    state: DeviceState
    reason: str = ""
    during_call: int | None = Field(default=None, ge=0)


class _DeviceModel(_Model):
    backend: str
    implementation: str = ""
    name: str
    simulated: bool


class _RecordingModel(_Model):
    spec: int
    kind: Literal["recording"]
    contains_personal_data: bool = False
    recorded_at: datetime
    description: str = ""
    devices: dict[str, _DeviceModel]
    calls: list[_CallModel] = Field(default_factory=list)
    status: list[_StatusModel] = Field(default_factory=list)


class _Flow(list[Any]):
    """Written as one `[...]` flow sequence (a pen stroke per line, not a point per line)."""


class _FlowMap(dict[str, Any]):
    """Written as one `{...}` flow mapping (a status change per line)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowMap, lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)
)
_Dumper.add_representer(
    _Flow, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)
)


def files_folder(path: Path) -> Path:
    """Where the binary payloads of the recording at `path` go."""
    return path.with_name(f"{path.stem}.files")


def write_recording(recording: Recording, path: Path | str) -> Path:
    """Writes the YAML file and its payload folder; returns the YAML path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blobs = BlobWriter(files_folder(path), files_folder(path).name)
    calls = []
    for call in recording.calls:
        entry: dict[str, Any] = {
            "device": call.kind,
            "operation": call.operation,
            "at_ms": round(call.at_ms, 1),
            "duration_ms": round(call.duration_ms, 1),
            "arguments": encode_arguments(call.arguments, blobs),
        }
        if call.error is not None:
            entry["error"] = {
                "type": call.error.type,
                "code": call.error.code,
                "device": call.error.device,
                "params": dict(call.error.params),
                "message": call.error.message,
            }
        else:
            entry["result"] = encode_result(call.kind, call.result, blobs)
        calls.append(entry)
    document = {
        "spec": SPEC_VERSION,
        "kind": FILE_KIND,
        "contains_personal_data": recording.contains_personal_data,
        "recorded_at": recording.recorded_at.isoformat(),
        "description": recording.description,
        "devices": {
            kind: {
                "backend": device.backend,
                "implementation": device.implementation,
                "name": device.name,
                "simulated": device.simulated,
            }
            for kind, device in recording.devices.items()
        },
        "calls": calls,
        "status": [
            _FlowMap(
                {
                    "device": status.kind,
                    "at_ms": round(status.at_ms, 1),
                    "state": status.state.value,
                    "reason": status.reason,
                    "during_call": status.during_call,
                }
            )
            for status in recording.status
        ],
    }
    header = "# Recorded device session (devices/record). Replay: device spec 'replay:<this file>'.\n" + (
        "# CONTAINS REAL PERSONAL DATA: keep it as a registration record; do not share.\n"
        if recording.contains_personal_data
        else "# Personal data replaced by invented people.\n"
    )
    text = header + yaml.dump(
        document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False
    )
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def load_recording(path: Path | str) -> Recording:
    """Reads and checks a recording; raises ScenarioError(file, key, reason)."""
    path = Path(path)
    file = str(path)
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise ScenarioError(file, "(top level)", "expected a mapping with 'spec: 1' and 'kind: recording'")
    if data.get("spec") != SPEC_VERSION:
        raise ScenarioError(file, "spec", f"expected {SPEC_VERSION}, got {data.get('spec')!r}")
    if data.get("kind") != FILE_KIND:
        raise ScenarioError(
            file, "kind", f"expected 'recording', got {data.get('kind')!r} (a simulator scenario is opened with 'sim:')"
        )
    model = _validate(_RecordingModel, data, file, "")
    blobs = BlobReader(path)
    devices: dict[str, DeviceRecord] = {}
    for kind, device in model.devices.items():
        if kind not in OPERATIONS:
            raise ScenarioError(file, f"devices.{kind}", f"unknown device kind (known: {', '.join(OPERATIONS)})")
        devices[kind] = DeviceRecord(kind, device.backend, device.implementation, device.name, device.simulated)
    calls: list[CallRecord] = []
    for index, call in enumerate(model.calls):
        key = f"calls[{index}]"
        if call.device not in devices:
            raise ScenarioError(file, f"{key}.device", f"device {call.device!r} is not listed under 'devices'")
        if call.operation not in OPERATIONS[call.device]:
            known = ", ".join(OPERATIONS[call.device])
            raise ScenarioError(file, f"{key}.operation", f"a {call.device} performs {known}, not {call.operation!r}")
        arguments = decode_arguments(call.arguments, blobs, f"{key}.arguments")
        if call.error is not None:
            if "result" in data["calls"][index]:
                raise ScenarioError(file, key, "give either 'result' or 'error', not both")
            failure = call.error
            calls.append(
                CallRecord(
                    index,
                    call.device,
                    call.operation,
                    arguments,
                    call.at_ms,
                    call.duration_ms,
                    error=ErrorInfo(failure.type, failure.code, failure.device, dict(failure.params)),
                )
            )
        else:
            if "result" not in data["calls"][index]:
                raise ScenarioError(file, key, "required: 'result' or 'error'")
            result = decode_result(call.device, call.result, blobs, f"{key}.result")
            calls.append(
                CallRecord(index, call.device, call.operation, arguments, call.at_ms, call.duration_ms, result)
            )
    status: list[StatusRecord] = []
    for index, change in enumerate(model.status):
        if change.device not in devices:
            raise ScenarioError(
                file, f"status[{index}].device", f"device {change.device!r} is not listed under 'devices'"
            )
        status.append(StatusRecord(change.device, change.at_ms, change.state, change.reason, change.during_call))
    return Recording(
        recorded_at=model.recorded_at,
        contains_personal_data=model.contains_personal_data,
        devices=devices,
        calls=tuple(calls),
        status=tuple(status),
        description=model.description,
        source=path.resolve(),
    )


def _validate(model: type[M], data: Any, file: str, prefix: str, strip: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [part for part in first["loc"] if part != strip] if strip else list(first["loc"])
        key = prefix
        for part in loc:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        kind = first["type"]
        if kind == "missing":
            reason = "required key is missing"
        elif kind == "extra_forbidden":
            reason = "unknown key"
        else:
            reason = first["msg"].removeprefix("Value error, ")
        raise ScenarioError(file, key or "(top level)", reason) from error
