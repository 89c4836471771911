"""The device report: what is configured, whether it opened and why not, the state of
each device, the versions of Python, Qt and the libraries behind the backends, and the
system services the backends need (pcscd, serial ports). JSON-able and as text.

Devices are opened with `devices.registry.open_device`, like the counter opens them;
a device the running counter already holds is reported as it is, never opened twice.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.bootstrap import DEVICE_KINDS
from app.config import Config
from app.diagnostics.messages import error_text
from app.diagnostics.redact import redact_text
from app.resources import resources_dir
from devices import registry
from devices.base import Device
from devices.camera.listing import list_cameras, listing_limit
from devices.errors import DeviceError
from devices.status import DeviceState

NOT_INSTALLED = "not installed"
NOT_CONFIGURED = "not configured"
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")

# Distribution names to ask importlib.metadata, first found wins (one library can ship
# under several names: the OpenCV wheels, PySide6 and its Essentials subset).
LIBRARIES: dict[str, tuple[str, ...]] = {
    "PySide6 (Qt for Python)": ("PySide6-Essentials", "PySide6"),
    "pyserial": ("pyserial",),
    "pyscard": ("pyscard",),
    "opencv": ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless"),
    "zxing-cpp": ("zxing-cpp",),
    "dlib (face check)": ("dlib-bin", "dlib"),
    "face-recognition-models": ("face-recognition-models",),
    "segno": ("segno",),
    "Pillow": ("Pillow",),
    "SQLAlchemy": ("SQLAlchemy",),
    "alembic": ("alembic",),
    "psycopg": ("psycopg",),
    "pydantic": ("pydantic",),
    "PyYAML": ("PyYAML",),
    "cryptography": ("cryptography",),
    "platformdirs": ("platformdirs",),
}


def configured_kinds(config: Config) -> list[str]:
    """The counter's device kinds (bootstrap.DEVICE_KINDS), then any other kind the
    device registry knows and the configuration sets, in the configuration's order."""
    kinds = list(DEVICE_KINDS)
    known = set(getattr(registry, "ALL_KINDS", ()))
    for name in type(config.devices).model_fields:
        if name not in kinds and name in known and isinstance(getattr(config.devices, name, None), str):
            kinds.append(name)
    return kinds


def spec_of(config: Config, kind: str) -> str:
    value = getattr(config.devices, kind, "")
    return value.strip() if isinstance(value, str) else ""


def backend_of(spec: str) -> str:
    backend, colon, _ = spec.partition(":")
    return backend.strip().lower() if colon else ""


@contextmanager
def opened_devices(
    config: Config, kinds: list[str], held: Mapping[str, Device] | None = None
) -> Iterator[dict[str, Device | DeviceError | None]]:
    """{kind: device, the error that kept it closed, or None when not configured}.

    Devices in `held` (the running counter's) are used as they are; the others are
    opened here, sharing one scenario cache like bootstrap.open_devices, and closed on
    exit.
    """
    held = held or {}
    # Diagnostics look at the devices; they must not write "record:" sessions of their own.
    sessions = registry.OpenSessions(record=False)
    opened: list[Device] = []
    result: dict[str, Device | DeviceError | None] = {}
    try:
        for kind in kinds:
            if kind in held:
                result[kind] = held[kind]
                continue
            spec = spec_of(config, kind)
            if not spec:
                result[kind] = None
                continue
            try:
                device = registry.open_device(kind, spec, base_dir=resources_dir().parent, sessions=sessions)
            except DeviceError as error:
                result[kind] = error
                continue
            opened.append(device)
            result[kind] = device
        yield result
    finally:
        for device in opened:
            device.close()


@dataclass(frozen=True, slots=True)
class DeviceReport:
    kind: str
    spec: str
    backend: str
    configured: bool
    opened: bool
    simulated: bool
    name: str = ""
    driver: str = ""  # the backend class: which code talks to the device
    state: str = ""  # a DeviceState value, "unavailable" when it did not open
    reason: str = ""  # the device's status reason, or the error that kept it closed
    error_code: str = ""
    error: str = ""  # English
    error_zh: str = ""

    @property
    def ok(self) -> bool:
        """Usable: opened and not unavailable (an unconfigured device is not a fault)."""
        return not self.configured or (self.opened and self.state != DeviceState.UNAVAILABLE.value)

    def line(self) -> str:
        """`kind<TAB>spec<TAB>state`, the format `devices list` always printed."""
        if not self.configured:
            return f"{self.kind}\t-\t{NOT_CONFIGURED}"
        if not self.opened:
            return f"{self.kind}\t{self.spec}\tunavailable: [{self.error_code}] {self.error}"
        reason = f": {self.reason}" if self.reason and self.state == DeviceState.UNAVAILABLE.value else ""
        return f"{self.kind}\t{self.spec}\t{self.state}{reason}{' (simulated)' if self.simulated else ''}"


def device_report(kind: str, spec: str, opened: Device | DeviceError | None) -> DeviceReport:
    spec = redact_text(spec)  # a socket:// or URL argument may carry a password
    backend = backend_of(spec)
    if opened is None:
        return DeviceReport(kind, spec, backend, configured=False, opened=False, simulated=False)
    if isinstance(opened, DeviceError):
        text = error_text(opened)
        return DeviceReport(
            kind, spec, backend, configured=True, opened=False, simulated=backend == "sim",
            state=DeviceState.UNAVAILABLE.value, reason=text.english, error_code=text.code,
            error=text.english, error_zh=text.chinese,
        )
    status = opened.status
    return DeviceReport(
        kind, spec, opened.backend or backend, configured=True, opened=True, simulated=opened.simulated,
        name=opened.name, driver=f"{type(opened).__module__}.{type(opened).__qualname__}",
        state=status.state.value, reason=redact_text(status.reason),
    )


@dataclass(frozen=True, slots=True)
class EnvironmentReport:
    app_version: str
    python: str
    python_executable: str
    platform: str
    machine: str
    qt: str  # the Qt runtime when this process has loaded it (the GUI), else "not loaded"
    frozen: bool  # a PyInstaller build
    libraries: dict[str, str]


@dataclass(frozen=True, slots=True)
class SerialPort:
    device: str
    description: str
    hwid: str


@dataclass(frozen=True, slots=True)
class Camera:
    spec: str  # what to configure: "opencv:0"
    name: str
    path: str  # /dev/video0 on Linux


@dataclass(frozen=True, slots=True)
class ServicesReport:
    pcscd: str  # "running (socket …)", "not running (…)", "n/a on Windows"
    pcscd_ok: bool
    serial_ports: list[SerialPort]
    serial_detail: str  # why the list may be empty or missing
    cameras: list[Camera] = field(default_factory=list)
    camera_detail: str = ""  # why the list may be empty or without names


@dataclass(frozen=True, slots=True)
class DiagnosticsReport:
    created_at: str
    office: str
    counter_id: str
    devices: list[DeviceReport]
    environment: EnvironmentReport
    services: ServicesReport
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(device.ok for device in self.devices)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        for device, report in zip(data["devices"], self.devices, strict=True):
            device["ok"] = report.ok
        return data

    def render_text(self) -> str:
        lines = [device.line() for device in self.devices]
        lines += ["", "environment"]
        env = self.environment
        lines += [
            f"  marriage-counter\t{env.app_version}{' (frozen build)' if env.frozen else ''}",
            f"  python\t{env.python}\t{env.python_executable}",
            f"  platform\t{env.platform} ({env.machine})",
            f"  qt\t{env.qt}",
        ]
        lines += ["", "libraries"]
        lines += [f"  {name}\t{version}" for name, version in env.libraries.items()]
        lines += ["", "services", f"  pcscd\t{self.services.pcscd}"]
        if self.services.serial_ports:
            lines += [f"  serial\t{p.device}\t{p.description}\t{p.hwid}" for p in self.services.serial_ports]
        else:
            lines.append(f"  serial\t{self.services.serial_detail}")
        lines += ["\t".join(("  camera", c.spec, c.name, c.path)).rstrip("\t") for c in self.services.cameras]
        if self.services.camera_detail:
            lines.append(f"  camera\t{self.services.camera_detail}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def library_version(distributions: tuple[str, ...]) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return NOT_INSTALLED


def qt_runtime() -> str:
    """Qt's own version if this process already loaded it; never imports Qt (the core
    must run headless, and the CLI should not pay for loading Qt)."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is None:
        return "not loaded by this process"
    version = getattr(qtcore, "qVersion", None)
    return f"Qt {version()}" if callable(version) else "loaded"


def environment_report() -> EnvironmentReport:
    return EnvironmentReport(
        app_version=library_version(("marriage-counter",)),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        python_executable=sys.executable,
        platform=platform.platform(),
        machine=platform.machine(),
        qt=qt_runtime(),
        frozen=bool(getattr(sys, "frozen", False)),
        libraries={name: library_version(dists) for name, dists in LIBRARIES.items()},
    )


def pcscd_status(socket_path: Path | None = None) -> tuple[bool, str]:
    """pcsc-lite's daemon listens on a unix socket (PCSCLITE_CSOCK_NAME overrides the
    path); its presence says the service is up. Windows has its own Smart Card service."""
    if os.name == "nt":
        return True, "n/a on Windows (the Smart Card service, SCardSvr)"
    path = socket_path or Path(os.environ.get("PCSCLITE_CSOCK_NAME", str(PCSCD_SOCKET)))
    try:
        if path.is_socket():
            return True, f"running (socket {path})"
        if path.exists():
            return False, f"{path} exists but is not a socket"
    except OSError as error:
        return False, f"{path}: {error.strerror or error}"
    return False, f"not running ({path} missing; start pcscd, e.g. systemctl start pcscd.socket)"


def serial_ports() -> tuple[list[SerialPort], str]:
    try:
        from serial.tools import list_ports
    except ImportError:
        return [], "pyserial not installed: serial ports cannot be listed"
    try:
        ports = [SerialPort(p.device, p.description or "", p.hwid or "") for p in list_ports.comports()]
    except OSError as error:
        return [], f"serial ports cannot be listed: {error}"
    return ports, "" if ports else "no serial ports found"


def cameras() -> tuple[list[Camera], str]:
    """Cameras by name where the platform tells them without opening a device (Linux);
    elsewhere none, with the reason (devices/camera/listing.py). Never probes: that
    would open a camera the running counter may hold."""
    try:
        found = [Camera(c.spec, c.name, c.path) for c in list_cameras()]
    except OSError as error:
        return [], f"cameras cannot be listed: {error}"
    detail = listing_limit()
    return found, detail or ("" if found else "no video capture devices found")


def services_report() -> ServicesReport:
    pcscd_ok, pcscd = pcscd_status()
    ports, detail = serial_ports()
    found, camera_detail = cameras()
    return ServicesReport(
        pcscd=pcscd, pcscd_ok=pcscd_ok, serial_ports=ports, serial_detail=detail,
        cameras=found, camera_detail=camera_detail,
    )


def build_report(config: Config, held: Mapping[str, Device] | None = None) -> DiagnosticsReport:
    """Opens each configured device not in `held` (and closes it again) to report it.

    Blocking (device opening, library metadata): never on the GUI thread.
    """
    kinds = configured_kinds(config)
    with opened_devices(config, kinds, held) as opened:
        devices = [device_report(kind, spec_of(config, kind), opened[kind]) for kind in kinds]
    notes = []
    if any(device.simulated for device in devices):
        notes.append("simulated devices are configured: registrations are marked device_mode=simulated")
    return DiagnosticsReport(
        created_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        office=config.office.code,
        counter_id=config.office.counter_id,
        devices=devices,
        environment=environment_report(),
        services=services_report(),
        notes=notes,
    )
