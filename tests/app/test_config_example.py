"""packaging/config.example.toml documents every configuration key with its default."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import Config, config_keys, explain_config, load_config
from tests.counter_fixtures import REPO_ROOT

EXAMPLE = REPO_ROOT / "packaging" / "config.example.toml"
# A setting line: "# key = value", exactly so (explanations never start like this).
_SETTING = re.compile(r"^# ([a-z_]+) = (.*)$")
_SECTION = re.compile(r"^\[([a-z_]+)\]\s*$")
# Defaults that depend on the machine: the example shows an equivalent spelling.
_MACHINE_DEPENDENT = {"data_dir", "security.key_dir"}


def _settings(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if match := _SECTION.match(line):
            section = match[1] + "."
        elif match := _SETTING.match(line):
            key = section + match[1]
            assert key not in found, f"{key} is documented twice"
            found[key] = match[2]
    return found


def test_example_validates_as_it_is() -> None:
    explained = explain_config(config_file=EXAMPLE, environ={}, read_system_files=False)
    assert explained.config == load_config(environ={}, read_system_files=False)


def test_example_documents_every_key_and_no_other() -> None:
    documented = _settings(EXAMPLE.read_text(encoding="utf-8"))
    missing = [key for key in config_keys() if key not in documented]
    assert missing == [], f"document these keys in {EXAMPLE.name}: {missing}"
    unknown = [key for key in documented if key not in config_keys()]
    assert unknown == [], f"{EXAMPLE.name} documents keys the configuration does not have: {unknown}"


def test_every_setting_shown_is_the_default(tmp_path: Path) -> None:
    """Uncommenting every setting line gives a valid file whose values are the defaults."""
    text = EXAMPLE.read_text(encoding="utf-8")
    uncommented = "\n".join(line[2:] if _SETTING.match(line) else line for line in text.splitlines())
    file = tmp_path / "config.toml"
    file.write_text(uncommented, encoding="utf-8")
    explained = explain_config(config_file=file, environ={}, read_system_files=False)
    defaults = Config().model_dump(mode="json")
    shown = explained.config.model_dump(mode="json")
    for key in config_keys():
        section, _, name = key.rpartition(".")
        default = defaults[section][name] if section else defaults[name]
        value = shown[section][name] if section else shown[name]
        if key in _MACHINE_DEPENDENT:
            continue
        assert value == default, f"{key}: the example shows {value!r}, the default is {default!r}"
    for kind in ("id_reader", "camera", "signature_pad"):  # never simulated unless configured
        assert getattr(explained.config.devices, kind) == "" == getattr(Config().devices, kind)
