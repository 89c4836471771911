from __future__ import annotations

from pathlib import Path

import pytest

from app.config import load_config
from app.errors import ConfigError


def test_defaults_simulate_every_device_with_embedded_stores(tmp_path: Path) -> None:
    config = load_config(simulate=True, environ={"MARRIAGE_COUNTER_DATA_DIR": str(tmp_path)}, read_system_files=False)
    assert config.any_device_simulated
    assert config.central_url == f"sqlite:///{tmp_path / 'central.sqlite3'}"
    assert config.devices.id_reader.endswith("resources/sim/default.yaml")


def test_layers_file_then_environment(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[office]\ncode = "310104"\nname = "上海市徐汇区婚姻登记处"\n', encoding="utf-8")
    config = load_config(
        config_file=file, environ={"MARRIAGE_COUNTER_OFFICE__NAME": "覆盖"}, read_system_files=False
    )
    assert config.office.code == "310104" and config.office.name == "覆盖"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('[office]\ncoed = "110101"\n', "office.coed", "Extra inputs"),
        ('[office]\ncode = "1101"\n', "office.code", "6-digit"),
        ('[ui]\nlanguage = "fr"\n', "ui.language", "zh_CN or en"),
        ("[office\n", "(file)", ""),
    ],
)
def test_bad_file_names_file_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    file = tmp_path / "config.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file=file, environ={}, read_system_files=False)
    error = caught.value
    assert error.code == "CFG-001" and str(file) in str(error.params["source"])
    assert error.params["key"] == key and reason in str(error.params["reason"])
