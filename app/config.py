"""One typed configuration: machine-wide file (IT), user file, environment, command line.

Precedence, lowest first: defaults → machine file → user file → `--config FILE` →
environment (`MARRIAGE_COUNTER_<SECTION>__<KEY>`) → command-line switches such as
`--simulate`. A bad key or value fails with the file, the dotted key and the reason.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import ConfigError
from app.resources import resources_dir

APP_NAME = "marriage-counter"
ENV_PREFIX = "MARRIAGE_COUNTER_"
DEFAULT_SCENARIO = "sim:" + str(resources_dir() / "sim" / "default.yaml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OfficeConfig(_Section):
    code: str = Field("110101", description="GB/T 2260 code of the registering office")
    name: str = "北京市东城区民政局婚姻登记处"
    counter_id: str = "counter-01"
    designated_foreign_hmt: bool = False

    @field_validator("code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if not re.fullmatch(r"\d{6}", value):
            raise ValueError("must be the office's 6-digit GB/T 2260 region code")
        return value


class RegistrarConfig(_Section):
    name: str = "登记员"


class DevicesConfig(_Section):
    id_reader: str = DEFAULT_SCENARIO
    camera: str = DEFAULT_SCENARIO
    signature_pad: str = DEFAULT_SCENARIO
    # Reads the QR code of a divorce receipt from a camera image (a library, so "real"
    # even at a simulated counter).
    barcode: str = "zxing:"
    # Devices not every counter has; "" = none here (e.g. "sim:resources/sim/default.yaml").
    printer: str = ""
    fingerprint: str = ""
    # Devices recorded with "record:<folder>|<spec>" keep real people only when IT says
    # so here (default: replaced by invented people; resources/sim/README_RECORD.md).
    record_keeps_personal_data: bool = False
    serial_baud: int = 115200


class StoreConfig(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty = SQLite file in the data directory")


class CentralConfig(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty = embedded SQLite central store")


class RulesConfig(_Section):
    """domain.md §0.1: the points the law leaves open."""

    age_attained_on_birthday: bool = True  # item 6
    residence_permit_scope: Literal["prefecture", "county", "province"] = "prefecture"  # item 2
    weekends_are_rest_days: bool = True  # item 7
    intra_province_schemes: list[str] = Field(default_factory=list, description="province codes, item 4")
    # Provinces that require 人证合一 by face comparison for every party (C-ID-FACE).
    face_check_required: bool = False

    @field_validator("intra_province_schemes")
    @classmethod
    def _province_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"\d{2}", code):
                raise ValueError(f"{code!r} is not a 2-digit province code")
        return value


class UiConfig(_Section):
    language: str = "zh_CN"

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("zh_CN", "en"):
            raise ValueError("must be zh_CN or en")
        return value


class Config(_Section):
    office: OfficeConfig = OfficeConfig()
    registrar: RegistrarConfig = RegistrarConfig()
    devices: DevicesConfig = DevicesConfig()
    store: StoreConfig = StoreConfig()
    central: CentralConfig = CentralConfig()
    rules: RulesConfig = RulesConfig()
    ui: UiConfig = UiConfig()
    data_dir: Path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{self.data_dir / 'counter.sqlite3'}"

    @property
    def central_url(self) -> str:
        return self.central.url or f"sqlite:///{self.data_dir / 'central.sqlite3'}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def any_device_simulated(self) -> bool:
        specs = (self.devices.id_reader, self.devices.camera, self.devices.signature_pad)
        return any(spec.startswith("sim:") for spec in specs)


def machine_config_path() -> Path:
    """/etc/marriage-counter/config.toml on Linux, %ProgramData%\\marriage-counter on Windows."""
    if os.name == "nt":
        return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "config.toml"
    return Path("/etc") / APP_NAME / "config.toml"


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source=str(path), key="(file)", reason=str(error)) from error
    except OSError as error:
        raise ConfigError(source=str(path), key="(file)", reason=error.strerror or str(error)) from error


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """MARRIAGE_COUNTER_CENTRAL__URL=... → {"central": {"url": ...}}; DATA_DIR → data_dir."""
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "LOG_LEVEL":
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _validate(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(source=source, key=key, reason=first["msg"]) from error


def load_config(
    *,
    config_file: Path | None = None,
    simulate: Path | bool | None = False,
    environ: Mapping[str, str] | None = None,
    read_system_files: bool = True,
) -> Config:
    """Builds the configuration. `simulate=True` uses the default scenario for every
    device; a path uses that scenario."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, Any]]] = []
    files = [machine_config_path(), user_config_path()] if read_system_files else []
    files += [config_file] if config_file is not None else []
    for path in files:
        if path == config_file or path.is_file():
            layers.append((str(path), _read_toml(path)))
    env = _env_overrides(environ)
    if env:
        layers.append(("environment (MARRIAGE_COUNTER_*)", env))
    data: dict[str, Any] = {}
    for source, layer in layers:
        _validate(layer, source)  # every layer is complete on its own: name the culprit
        data = _merge(data, layer)
    if simulate:
        scenario = DEFAULT_SCENARIO if simulate is True else f"sim:{Path(str(simulate)).resolve()}"
        devices = dict(data.get("devices", {}))
        devices.update(id_reader=scenario, camera=scenario, signature_pad=scenario)
        data["devices"] = devices
    return _validate(data, " + ".join(source for source, _ in layers) or "defaults")
