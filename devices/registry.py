"""Creates devices from spec strings `"<backend>:<argument>"`, explicitly.

One `match` per kind, with the backend imported inside its arm: a backend's vendor
libraries load only when configured, and PyInstaller still sees every import. No
folder scanning and no registration by import side effect (model-codebases C4).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, overload

from devices.base import Device
from devices.errors import DeviceSpecError

if TYPE_CHECKING:
    from devices.barcode.base import BarcodeDecoder
    from devices.camera.base import DocumentCamera
    from devices.face.base import FaceMatcher
    from devices.fingerprint.base import FingerprintScanner
    from devices.id_reader.base import IdReader
    from devices.printer.base import Printer
    from devices.record import RecordingSession, ReplaySession
    from devices.signature_pad.base import SignaturePad
    from devices.sim.scenario import Scenario

# Kinds a simulated counter simulates: open_simulated_devices opens all of them.
KNOWN_KINDS: Final = ("id_reader", "camera", "signature_pad", "printer", "fingerprint", "face_matcher")
# Kinds that work on data the app already holds (a barcode decoder reads images), so
# they stay real even at a simulated counter and open_simulated_devices leaves them
# out. "sim:<scenario>" still opens a simulated one, for QA to inject its faults.
SCENARIO_FREE_KINDS: Final = ("barcode",)
ALL_KINDS: Final = (*KNOWN_KINDS, *SCENARIO_FREE_KINDS)
# Backends whose spec needs nothing after the colon, such as "zxing:".
_NO_ARGUMENT: Final = frozenset(
    {("barcode", "zxing"), ("barcode", "pyzbar"), ("id_reader", "pcsc"), ("face_matcher", "dlib"),
     ("signature_pad", "pen")}
)

# Backends each kind knows, built or not yet; used for error messages only.
KNOWN_BACKENDS: Final[dict[str, tuple[str, ...]]] = {
    "id_reader": ("sim", "sam", "pcsc", "replay", "record"),
    "camera": ("sim", "opencv", "replay", "record"),
    "signature_pad": ("sim", "pen", "replay", "record"),
    "printer": ("sim",),
    "fingerprint": ("sim",),
    "barcode": ("zxing", "pyzbar", "sim", "replay", "record"),
    "face_matcher": ("dlib", "sim"),
}


@dataclass
class OpenSessions:
    """What the devices of one counter, opened together, share."""

    scenarios: dict[Path, Scenario] = field(default_factory=dict)
    recordings: dict[Path, RecordingSession] = field(default_factory=dict)  # by folder
    replays: dict[Path, ReplaySession] = field(default_factory=dict)  # by recording file
    # IT's explicit choice to keep real people in recordings (devices.record).
    keep_personal_data: bool = False
    # False: a "record:" spec opens its inner device without recording (diagnostics).
    record: bool = True


# Kinds whose sessions devices.record can record and replay.
RECORDABLE_KINDS: Final = frozenset({"id_reader", "camera", "signature_pad", "barcode"})


def opened_by_gui(kind: str, spec: str) -> bool:
    """Backends that live in the GUI's window (the Qt pen signature pad, "pen:"); the
    GUI opens them itself, everything else opens here."""
    return kind == "signature_pad" and spec.strip().lower().startswith("pen:")


def parse_spec(kind: str, spec: str) -> tuple[str, str]:
    """Splits `"<backend>:<argument>"` at the first colon (Windows paths keep theirs)."""
    if kind not in ALL_KINDS:
        raise DeviceSpecError(kind, spec, f"unknown device kind (known: {', '.join(ALL_KINDS)})")
    backend, colon, argument = spec.strip().partition(":")
    backend = backend.strip().lower()
    if not colon or not backend:
        raise DeviceSpecError(kind, spec, "expected '<backend>:<argument>', for example 'sim:default.yaml'")
    if not argument.strip() and (kind, backend) not in _NO_ARGUMENT:
        raise DeviceSpecError(kind, spec, f"the {backend!r} backend needs an argument after the colon")
    return backend, argument.strip()


@overload
def open_device(
    kind: Literal["id_reader"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> IdReader: ...
@overload
def open_device(
    kind: Literal["camera"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> DocumentCamera: ...
@overload
def open_device(
    kind: Literal["signature_pad"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> SignaturePad: ...
@overload
def open_device(
    kind: Literal["printer"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> Printer: ...
@overload
def open_device(
    kind: Literal["fingerprint"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> FingerprintScanner: ...
@overload
def open_device(
    kind: Literal["barcode"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> BarcodeDecoder: ...
@overload
def open_device(
    kind: Literal["face_matcher"],
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> FaceMatcher: ...
@overload
def open_device(
    kind: str,
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = ...,
    sessions: OpenSessions | None = ...,
) -> Device: ...
def open_device(
    kind: str,
    spec: str,
    *,
    base_dir: Path,
    scenario_cache: dict[Path, Scenario] | None = None,
    sessions: OpenSessions | None = None,
) -> Device:
    """Opens the device `spec` configures for `kind`.

    `base_dir` anchors relative arguments (scenario paths). Pass the same
    `scenario_cache` dict when opening several devices so that one scenario file is
    loaded once and shared; pass the same `sessions` so that "record:" devices of one
    folder write one session file and "replay:" devices of one file check the order
    of calls across them. Raises DeviceSpecError for a bad spec or a backend not in
    this build, ScenarioError for a bad scenario.
    """
    backend, argument = parse_spec(kind, spec)
    if sessions is not None and scenario_cache is None:
        scenario_cache = sessions.scenarios
    match backend:
        case "sim":  # every kind has a simulated backend
            scenario = _scenario(base_dir, argument, scenario_cache)
            return _open_simulated(kind, scenario)
        case "sam" if kind == "id_reader":
            # GA/T 467 serial reader: "sam:<port>[?baud=<rate>][&wlt=<library>]", where
            # <port> is anything serial.serial_for_url opens (devices/id_reader/sam).
            from devices.id_reader.sam import open_sam_reader

            return open_sam_reader(argument, spec)
        case "pcsc" if kind == "id_reader":
            # "pcsc:<reader name substring>", "pcsc:" = the first reader. The MRZ for BAC
            # comes later from the GUI: PcscIdReader.set_mrz (devices/id_reader/pcsc).
            from devices.id_reader.pcsc.reader import PcscIdReader

            return PcscIdReader(argument)
        case "pen" if kind == "signature_pad":
            raise DeviceSpecError(kind, spec, "the 'pen:' pad is the counter window's own pen input: only the GUI "
                                  "opens it (ui.pen_signature)")
        case "opencv" if kind == "camera":
            # "opencv:<camera index>" or "opencv:<video file or URL>", then options such as
            # "?width=2592&height=1944&dpi=300&format=jpeg" (devices/camera/opencv_camera).
            from devices.camera.opencv_camera import camera_from_options, parse_source, split_options

            where, options = split_options(argument)
            source = parse_source(where)
            if isinstance(source, str) and "://" not in source:
                source = str(_resolve(base_dir, source))
            try:
                return camera_from_options(source, options)
            except ValueError as error:
                raise DeviceSpecError(kind, spec, str(error)) from None
        case "zxing" if kind == "barcode":
            from devices.barcode.zxing import ZxingBarcodeDecoder

            return ZxingBarcodeDecoder(argument or "zxing-cpp")
        case "pyzbar" if kind == "barcode":
            # The fallback decoder; needs the system zbar library (devices/barcode/pyzbar).
            from devices.barcode.pyzbar import PyzbarBarcodeDecoder

            return PyzbarBarcodeDecoder(argument or "pyzbar")
        case "dlib" if kind == "face_matcher":
            # "dlib:" or "dlib:threshold=0.55": dlib's ResNet descriptor, offline; the
            # optional 'face' extra (devices/face/dlib_matcher). Models load on first use.
            from devices.face.dlib_matcher import DlibFaceMatcher, parse_argument

            return DlibFaceMatcher(threshold=parse_argument(kind, spec, argument))
        case "replay" if kind in RECORDABLE_KINDS:
            # "replay:<recording.yaml>": a recorded session, answered call by call.
            from devices.record import open_replay

            replays = sessions.replays if sessions is not None else None
            return open_replay(kind, _resolve(base_dir, argument), session_cache=replays)
        case "record" if kind in RECORDABLE_KINDS:
            return _open_recording(kind, spec, argument, base_dir=base_dir, sessions=sessions or OpenSessions())
        case _:
            known = ", ".join(KNOWN_BACKENDS[kind])
            raise DeviceSpecError(kind, spec, f"unknown backend {backend!r} (known: {known})")


def open_simulated_devices(scenario_path: Path | str, kinds: Sequence[str] = KNOWN_KINDS) -> dict[str, Device]:
    """`kinds` (by default every simulated kind) from one scenario file, loaded once:
    {kind: device}. If one fails to open, those already open are closed."""
    from devices.sim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    devices: dict[str, Device] = {}
    try:
        for kind in kinds:
            if kind not in ALL_KINDS:
                raise DeviceSpecError(kind, f"sim:{scenario_path}", "unknown device kind")
            devices[kind] = _open_simulated(kind, scenario)
    except BaseException:
        for device in devices.values():
            device.close()
        raise
    return devices


def _resolve(base_dir: Path, argument: str) -> Path:
    path = Path(argument).expanduser()
    return (path if path.is_absolute() else base_dir / path).resolve()


def _open_recording(kind: str, spec: str, argument: str, *, base_dir: Path, sessions: OpenSessions) -> Device:
    """ "record:<folder>|<inner spec>": the inner device, recorded into the session of
    that folder (one file, <folder>/session-<date>-<time>-<id>.yaml, for every device
    recording there), written when the last of them closes. With `sessions.record`
    off (diagnostics) the inner device is opened alone and nothing is written."""
    folder, bar, inner_spec = argument.partition("|")
    if not bar or not folder.strip() or not inner_spec.strip():
        raise DeviceSpecError(kind, spec, "expected 'record:<folder>|<inner spec>', e.g. 'record:rec|sim:x.yaml'")
    if inner_spec.strip().lower().startswith("record:"):
        raise DeviceSpecError(kind, spec, "a recording cannot record another recording")
    inner = open_device(kind, inner_spec, base_dir=base_dir, sessions=sessions)
    if not sessions.record:
        return inner
    from devices.record import RecordingSession

    where = _resolve(base_dir, folder.strip())
    session = sessions.recordings.get(where)
    if session is None:
        name = f"session-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.yaml"
        session = RecordingSession(where / name, keep_personal_data=sessions.keep_personal_data)
        sessions.recordings[where] = session
    try:
        return session.wrap(inner)
    except BaseException:
        inner.close()
        raise


def _scenario(base_dir: Path, argument: str, cache: dict[Path, Scenario] | None) -> Scenario:
    from devices.sim.scenario import load_scenario

    path = _resolve(base_dir, argument)
    if cache is None:
        return load_scenario(path)
    if path not in cache:
        cache[path] = load_scenario(path)
    return cache[path]


def _open_simulated(kind: str, scenario: Scenario) -> Device:
    match kind:
        case "id_reader":
            from devices.id_reader.sim import SimIdReader

            return SimIdReader(scenario)
        case "camera":
            from devices.camera.sim import SimDocumentCamera

            return SimDocumentCamera(scenario)
        case "signature_pad":
            from devices.signature_pad.sim import SimSignaturePad

            return SimSignaturePad(scenario)
        case "printer":
            from devices.printer.sim import SimPrinter

            return SimPrinter(scenario)
        case "fingerprint":
            from devices.fingerprint.sim import SimFingerprintScanner

            return SimFingerprintScanner(scenario)
        case "barcode":
            from devices.barcode.sim import SimBarcodeDecoder

            return SimBarcodeDecoder(scenario)
        case "face_matcher":
            from devices.face.sim import SimFaceMatcher

            return SimFaceMatcher(scenario)
        case _:  # parse_spec has checked the kind; this keeps the match total
            raise DeviceSpecError(kind, f"sim:{scenario.source}", "unknown device kind")
