"""`marriage-counter config [show]`: the effective configuration for IT, secrets masked.

`config` prints the effective configuration as JSON (its shape since the first release);
`config show` prints every key with its value and the layer that set it, as TOML that
could be pasted into a configuration file, and `config show --json` the same as JSON.

Masked (replaced by "***"): the value of any key named like a secret (password, secret,
token, credential, …key) and the password inside any URL or connection string
(`postgresql://user:***@host/db`, `?password=***`). The user name stays: IT needs it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from app.config import SOURCE_KINDS, Config, ExplainedConfig, config_keys
from app.diagnostics.redact import REDACTED, redact_text

# The last part of a dotted key that names a secret: password, db_password, api_token,
# signing_key, private_key, … (not "keys_dir", not "record_keeps_personal_data").
_SECRET_KEY = re.compile(r"pass(word|wd|phrase)|secret|token|credential|(^|_)key$", re.IGNORECASE)


def is_secret_key(dotted_key: str) -> bool:
    return bool(_SECRET_KEY.search(dotted_key.rpartition(".")[2]))


def mask(dotted_key: str, value: Any) -> Any:
    """The value as it may be shown: secrets replaced by "***"."""
    if isinstance(value, list | tuple):
        return [mask(dotted_key, item) for item in value]
    if is_secret_key(dotted_key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    return value


def _value(config: Config, dotted_key: str) -> Any:
    node: Any = config.model_dump(mode="json")
    for part in dotted_key.split("."):
        node = node[part]
    return node


def effective_json(config: Config) -> dict[str, Any]:
    """The effective configuration as nested JSON (plain `marriage-counter config`), masked."""

    def walk(node: Any, prefix: str) -> Any:
        if isinstance(node, dict):
            return {key: walk(value, f"{prefix}{key}.") for key, value in node.items()}
        return mask(prefix.rstrip("."), node)

    result: dict[str, Any] = walk(config.model_dump(mode="json"), "")
    return result


def _derived(config: Config) -> dict[str, str]:
    return {
        "store_url": redact_text(config.store_url),
        # The embedded store is a SQLCipher file keyed from the key store (app.central.embedded).
        "central_url": redact_text(config.central_url) + ("" if config.central.url else " (embedded, SQLCipher)"),
        "log_dir": str(config.log_dir),
    }


def _layers(explained: ExplainedConfig) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [{"kind": "default"}]
    layers += [{"kind": file.kind, "path": str(file.path), "read": file.read} for file in explained.files]
    if explained.environment:
        layers.append({"kind": "environment", "variables": list(explained.environment)})
    if explained.command_line:
        layers.append({"kind": "command line", "switches": list(explained.command_line)})
    return layers


def show_json(explained: ExplainedConfig) -> dict[str, Any]:
    """`config show --json`: the layers looked at, lowest first, and per dotted key its
    (masked) value, the kind of layer that set it and where (file, variable, switch)."""
    config = explained.config
    settings = {
        key: {
            "value": mask(key, _value(config, key)),
            "source": explained.sources[key].kind,
            "where": explained.sources[key].where,
        }
        for key in config_keys()
    }
    return {
        "precedence": list(SOURCE_KINDS),
        "layers": _layers(explained),
        "settings": settings,
        "derived": _derived(config),
    }


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    # JSON string escapes are TOML basic-string escapes; CJK stays readable.
    return json.dumps("" if value is None else str(value), ensure_ascii=False)


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def show_text(explained: ExplainedConfig) -> str:
    """`config show`: TOML with the source of every value as a trailing comment."""
    config = explained.config
    lines = [
        "# Effective configuration of marriage-counter; secrets are shown as ***.",
        "# Layers, lowest first (a later layer wins):",
        "#   default",
    ]
    for file in explained.files:
        lines.append(f"#   {file.kind:<13} {file.path}  ({'read' if file.read else 'not present'})")
    if explained.environment:
        lines.append(f"#   {'environment':<13} {', '.join(explained.environment)}")
    if explained.command_line:
        lines.append(f"#   {'command line':<13} {' '.join(explained.command_line)}")

    keys = config_keys()
    # TOML: top-level keys before the first table.
    top = [key for key in keys if "." not in key]
    sections: dict[str, list[str]] = {}
    for key in keys:
        if "." in key:
            sections.setdefault(key.partition(".")[0], []).append(key)
    rendered = {key: f"{key.partition('.')[2] or key} = {_toml(mask(key, _value(config, key)))}" for key in keys}
    width = min(60, max(_width(text) for text in rendered.values()))

    def line(key: str) -> str:
        padding = " " * max(0, width - _width(rendered[key]))
        return f"{rendered[key]}{padding}  # {explained.sources[key]}"

    lines.append("")
    lines += [line(key) for key in top]
    for section, section_keys in sections.items():
        lines += ["", f"[{section}]"]
        lines += [line(key) for key in section_keys]
    derived = _derived(config)
    lines += [
        "",
        "# Derived:",
        f"#   local store    {derived['store_url']}",
        f"#   central store  {derived['central_url']}",
        f"#   logs           {derived['log_dir']}",
    ]
    return "\n".join(lines)
