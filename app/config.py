"""One typed configuration: machine-wide file (IT), user file, environment, command line.

Precedence, lowest first: defaults → machine file → user file → `--config FILE` →
environment (`MARRIAGE_COUNTER_<SECTION>__<KEY>`) → command-line switches such as
`--simulate`. `--config FILE` is one more file, read after the machine and user files
(it does not replace them) and, like every file, below the environment: a variable set
for one run (a service unit, a test) wins over every file.

Every layer is validated on its own before they are merged, so a bad key or value fails
with the file (or environment variable), the dotted key and the reason; an unknown key
says which known key it probably meant. `explain_config` also tells where each effective
value came from (`marriage-counter config show`). Every key, its meaning and its default:
packaging/config.example.toml (a test keeps it complete).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_origin
from urllib.parse import parse_qs, urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import ConfigError
from app.resources import resources_dir

APP_NAME = "marriage-counter"
ENV_PREFIX = "MARRIAGE_COUNTER_"
# MARRIAGE_COUNTER_* variables that are not configuration keys (read where they are used).
NON_CONFIG_ENV = frozenset({"LOG_LEVEL", "ADMIN_URL"})  # ADMIN_URL: app.cli_url
# [office] counter_id: what the central store's counter_key table takes (app.central.keys).
MAX_COUNTER_ID_LENGTH = 40
COUNTER_ID_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_COUNTER_ID_LENGTH - 1}}}"
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

    @field_validator("counter_id")
    @classmethod
    def _safe_counter_id(cls, value: str) -> str:
        # The central store keeps counter ids of at most 40 characters (app.central.keys:
        # MAX_COUNTER_ID); they also name the counter in audit trails and signatures.
        if not re.fullmatch(COUNTER_ID_PATTERN, value):
            raise ValueError(
                f"must be 1-{MAX_COUNTER_ID_LENGTH} characters: letters A-Z a-z, digits, '.', '_' and '-', "
                "starting with a letter or a digit (e.g. counter-01)"
            )
        return value


class RegistrarConfig(_Section):
    name: str = "登记员"


class DevicesConfig(_Section):
    # The counter's own devices; "" = not configured. Never simulated unless configured
    # ("sim:<scenario>") or started with --simulate: a counter installed and not yet set up
    # must not register anybody on simulated devices.
    id_reader: str = ""
    camera: str = ""
    signature_pad: str = ""
    # Reads the QR code of a divorce receipt from a camera image (a library, so "real"
    # even at a simulated counter).
    barcode: str = "zxing:"
    # Devices not every counter has; "" = none here (e.g. "sim:resources/sim/default.yaml").
    printer: str = ""
    fingerprint: str = ""
    # The face check (人证合一): "" = no face check at this counter; "dlib:" real (optional
    # 'face' extra), "dlib:threshold=0.55" with another threshold; "sim:<scenario>".
    face_matcher: str = ""
    # Devices recorded with "record:<folder>|<spec>" keep real people only when IT says
    # so here (default: replaced by invented people; resources/sim/README_RECORD.md).
    record_keeps_personal_data: bool = False
    serial_baud: int = 115200


class StoreConfig(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty = SQLite file in the data directory")


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


class CentralConfig(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty = embedded SQLite central store")

    @field_validator("url")
    @classmethod
    def _verified_tls_off_this_machine(cls, value: str) -> str:
        """A central store on another machine is reached over TLS with its certificate
        checked: libpq's default (`prefer`) checks nothing, and a machine in the middle
        could feed the counter false marriages and operator accounts."""
        if not value.strip().lower().startswith("postgresql"):
            return value
        parts = urlsplit(value.strip())  # not SQLAlchemy's parser: config stays free of it (lint-imports)
        host = (parts.hostname or "").lower()
        sslmode = parse_qs(parts.query).get("sslmode", [""])[-1]
        if host not in LOCAL_HOSTS and sslmode not in ("verify-full", "verify-ca"):
            raise ValueError(
                f"a central store on another machine ({host}) needs TLS with its certificate checked: add "
                "?sslmode=verify-full&sslrootcert=<the CA's certificate file> to the URL (app/central/README.md)"
            )
        return value


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
    # Recognise USB keyboard-wedge barcode scanners (a burst of keys ended by Enter) and
    # route their codes (receipt and certificate numbers); false: scans arrive as typing.
    wedge_scanner: bool = True

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("zh_CN", "en"):
            raise ValueError("must be zh_CN or en")
        return value


class AuthConfig(_Section):
    """Registrars' login (#10): accounts come from the central store, cached here."""

    idle_lock_minutes: int = Field(10, ge=1, le=240)  # the screen locks, the case stays
    max_failures: int = Field(5, ge=1, le=20)  # wrong secrets in a row before the lockout
    lockout_minutes: int = Field(15, ge=1, le=1440)
    # The second factor (USB key / certificate): "" none; "sim:<scenario>" simulated.
    second_factor: str = ""


class SecurityConfig(_Section):
    """Keys and encryption at rest on the counter (#10)."""

    # Where the counter's keys live: "file" = files readable only by the account running
    # the counter (key_dir); "keyring" = the platform key store (Windows Credential
    # Manager / DPAPI, the Secret Service on Linux) through `keyring`.
    key_store: Literal["file", "keyring"] = "file"
    key_dir: Path | None = None  # "file": None = <data_dir>/keys
    encrypt_local_store: bool = True  # personal columns and every image, AEAD bound to case and field


class Config(_Section):
    office: OfficeConfig = OfficeConfig()
    registrar: RegistrarConfig = RegistrarConfig()
    devices: DevicesConfig = DevicesConfig()
    store: StoreConfig = StoreConfig()
    central: CentralConfig = CentralConfig()
    rules: RulesConfig = RulesConfig()
    ui: UiConfig = UiConfig()
    auth: AuthConfig = AuthConfig()
    security: SecurityConfig = SecurityConfig()
    data_dir: Path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))

    @field_validator("data_dir")
    @classmethod
    def _expanded(cls, value: Path) -> Path:
        # IT writes "~/…" or "%ProgramData%/…" (Windows) / "$HOME/…" in the machine file.
        return Path(os.path.expandvars(str(value))).expanduser()

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


def _is_list_field(path: list[str]) -> bool:
    """Whether the dotted key names a list-valued field (environment values are text)."""
    model: type[BaseModel] = Config
    for part in path[:-1]:
        info = model.model_fields.get(part)
        annotation = info.annotation if info is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return False
        model = annotation
    info = model.model_fields.get(path[-1])
    return info is not None and get_origin(info.annotation) is list


def _env_value(path: list[str], value: str) -> Any:
    """A list from `["33", "44"]` (TOML/JSON) or `33,44`; every other value stays text
    and pydantic converts it ("true", "115200")."""
    if not _is_list_field(path):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            return value  # reported by validation, naming the variable
    return [item.strip() for item in text.split(",") if item.strip()]


def env_variable(dotted_key: str) -> str:
    """office.code → MARRIAGE_COUNTER_OFFICE__CODE."""
    return ENV_PREFIX + "__".join(dotted_key.split(".")).upper()


def _env_overrides(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """MARRIAGE_COUNTER_CENTRAL__URL=... → {"central": {"url": ...}}; DATA_DIR → data_dir.
    Also returns, per dotted key, the variable that set it."""
    overrides: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in NON_CONFIG_ENV:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # MARRIAGE_COUNTER_OFFICE and MARRIAGE_COUNTER_OFFICE__CODE
                raise ConfigError(source=f"environment variable {name}", key=".".join(path), reason=(
                    f"{ENV_PREFIX}{part.upper()} sets the whole section; set its keys one by one"
                ))
            node = child
        node[path[-1]] = _env_value(path, value)
        names[".".join(path)] = name
    return overrides, names


@dataclass(frozen=True)
class Source:
    """Where an effective value came from: `kind` is one of SOURCE_KINDS, `where` the file,
    the environment variable or the command-line switch ("" for defaults)."""

    kind: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.where}".strip()


# Lowest first; a later layer wins.
SOURCE_KINDS = ("default", "machine file", "user file", "--config", "environment", "command line")
DEFAULT_SOURCE = Source("default")


@dataclass(frozen=True)
class _Layer:
    kind: str
    path: Path | None  # the file of a file layer
    data: dict[str, Any]
    env_names: dict[str, str] = field(default_factory=dict)  # dotted key → variable

    def source_of(self, dotted_key: str) -> Source:
        if self.kind == "environment":
            return Source(self.kind, self.env_names.get(dotted_key, ENV_PREFIX + "*"))
        return Source(self.kind, str(self.path))

    def error_source(self, dotted_key: str) -> str:
        if self.kind == "environment":
            names = [name for key, name in self.env_names.items() if f"{key}.".startswith(f"{dotted_key}.")]
            return f"environment variable {', '.join(names) or ENV_PREFIX + '*'}"
        return str(self.path)


@dataclass(frozen=True)
class ConsideredFile:
    """A configuration file the loader looked for, whether or not it exists."""

    kind: str  # "machine file" | "user file" | "--config"
    path: Path
    read: bool


@dataclass(frozen=True)
class ExplainedConfig:
    """The effective configuration, where each key's value came from, and the files
    looked at (`marriage-counter config show`)."""

    config: Config
    sources: dict[str, Source]  # every dotted key of `config`
    files: tuple[ConsideredFile, ...]
    environment: tuple[str, ...]  # the MARRIAGE_COUNTER_* variables applied
    command_line: tuple[str, ...]  # the switches applied


def config_keys(model: type[BaseModel] = Config, prefix: str = "") -> list[str]:
    """Every dotted key of the configuration, in declaration order: data_dir, office.code, …"""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += config_keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def _dotted(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            keys += _dotted(value, f"{prefix}{key}.")
        else:
            keys.append(prefix + key)
    return keys


def _sections() -> dict[str, type[BaseModel]]:
    return {
        name: info.annotation
        for name, info in Config.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }


def suggest_key(dotted_key: str) -> str | None:
    """The known key an unknown one was probably meant to be: a near spelling in the same
    section ("office.coed" → "office.code"), the same name in another section
    ("office.language" → "ui.language"), a near section ("devcies.camera" → "devices.camera")."""
    known = config_keys()
    parts = dotted_key.split(".")
    sections = _sections()
    if len(parts) == 2 and parts[0] not in sections and parts[0] not in known:
        close = difflib.get_close_matches(parts[0], list(sections), n=1, cutoff=0.6)
        if close:
            candidate = f"{close[0]}.{parts[1]}"
            return candidate if candidate in known else close[0]
    parent, _, name = dotted_key.rpartition(".")
    name = name.lower()
    siblings = {key.rpartition(".")[2]: key for key in known if key.rpartition(".")[0] == parent}
    if name in siblings:  # a different case
        return siblings[name]
    # "lang" for "language", "counter" for "counter_id"
    longer = [key for sibling, key in siblings.items() if len(name) >= 3 and sibling.startswith(name)]
    if len(longer) == 1:
        return longer[0]
    close = difflib.get_close_matches(name, list(siblings), n=1, cutoff=0.6)
    if close:
        return siblings[close[0]]
    same_name = [key for key in known if key.rpartition(".")[2] == name]
    return same_name[0] if same_name else None


def _unknown_key_reason(dotted_key: str, layer: _Layer | None) -> str:
    value = _get(layer.data, dotted_key) if layer is not None else None
    if isinstance(value, Mapping) and value:  # an unknown section: judge by its first key
        dotted_key = _dotted(value, dotted_key + ".")[0]
    suggestion = suggest_key(dotted_key)
    if suggestion is None:
        parent = dotted_key.rpartition(".")[0]
        names = [key.rpartition(".")[2] for key in config_keys() if key.rpartition(".")[0] == parent]
        if parent in _sections() and names:
            return f"unknown key; [{parent}] knows {', '.join(names)}"
        return "unknown key"
    if layer is not None and layer.kind == "environment":
        return f"unknown key; did you mean {env_variable(suggestion)}?"
    return f"unknown key; did you mean {suggestion}?"


def _validate(data: dict[str, Any], source: str, layer: _Layer | None = None) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        reason = _unknown_key_reason(key, layer) if first["type"] == "extra_forbidden" else first["msg"]
        more = error.error_count() - 1
        if more:
            reason += f" (and {more} more problem{'s' if more > 1 else ''} in this layer)"
        if layer is not None:
            source = layer.error_source(key)
        raise ConfigError(source=source, key=key, reason=reason) from error


def load_config(
    *,
    config_file: Path | None = None,
    simulate: Path | bool | None = False,
    environ: Mapping[str, str] | None = None,
    read_system_files: bool = True,
) -> Config:
    """Builds the configuration. `simulate=True` uses the default scenario for every
    device; a path uses that scenario."""
    return explain_config(
        config_file=config_file, simulate=simulate, environ=environ, read_system_files=read_system_files
    ).config


def explain_config(
    *,
    config_file: Path | None = None,
    simulate: Path | bool | None = False,
    environ: Mapping[str, str] | None = None,
    read_system_files: bool = True,
) -> ExplainedConfig:
    """load_config, keeping track of the layer that set each key (see the module docstring
    for the order). Raises ConfigError naming the file or environment variable and the key."""
    environ = os.environ if environ is None else environ
    layers: list[_Layer] = []
    considered: list[ConsideredFile] = []
    files: list[tuple[str, Path]] = []
    if read_system_files:
        files += [("machine file", machine_config_path()), ("user file", user_config_path())]
    if config_file is not None:
        files.append(("--config", config_file))
    for kind, path in files:
        present = kind == "--config" or path.is_file()  # a missing --config file is an error
        considered.append(ConsideredFile(kind, path, present))
        if present:
            layers.append(_Layer(kind, path, _read_toml(path)))
    env, env_names = _env_overrides(environ)
    if env:
        layers.append(_Layer("environment", None, env, env_names))
    data: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for layer in layers:
        _validate(layer.data, "", layer)  # every layer is complete on its own: name the culprit
        data = _merge(data, layer.data)
        sources.update((key, layer.source_of(key)) for key in _dotted(layer.data))
    before = copy.deepcopy(data)
    if simulate:
        scenario = DEFAULT_SCENARIO if simulate is True else f"sim:{Path(str(simulate)).resolve()}"
        devices = dict(data.get("devices", {}))
        devices.update(id_reader=scenario, camera=scenario, signature_pad=scenario, face_matcher=scenario)
        data["devices"] = devices
    switches: list[str] = []
    earlier = set(_dotted(before))
    changed = [key for key in _dotted(data) if key not in earlier or _get(before, key) != _get(data, key)]
    if changed:
        switch = "--simulate" if simulate is True else f"--simulate {simulate}"
        switches.append(switch)
        sources.update((key, Source("command line", switch)) for key in changed)
    config = _validate(data, " + ".join(str(layer.source_of("")) for layer in layers) or "defaults")
    return ExplainedConfig(
        config=config,
        sources={key: sources.get(key, DEFAULT_SOURCE) for key in config_keys()},
        files=tuple(considered),
        environment=tuple(sorted(set(env_names.values()))),
        command_line=tuple(switches),
    )


def _get(data: Mapping[str, Any], dotted_key: str) -> Any:
    node: Any = data
    for part in dotted_key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node
