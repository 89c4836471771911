"""`marriage-counter config` and `config show [--json]`: values, their sources, secrets masked."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from app.cli import main
from app.config import config_keys, load_config
from app.config_show import is_secret_key, mask

SECRET = "s3cr3t-Pa55"


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    machine, user, extra = tmp_path / "machine.toml", tmp_path / "user.toml", tmp_path / "extra.toml"
    machine.write_text(
        f'[office]\ncode = "310104"\n[central]\nurl = "postgresql+psycopg://mc_counter:{SECRET}@db.example/central?sslmode=verify-full"\n',
        encoding="utf-8",
    )
    user.write_text('[ui]\nlanguage = "en"\n', encoding="utf-8")
    extra.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/c.sqlite3?password={SECRET}"\n', encoding="utf-8")
    monkeypatch.setattr("app.config.machine_config_path", lambda: machine)
    monkeypatch.setattr("app.config.user_config_path", lambda: user)
    for name in [n for n in os.environ if n.startswith("MARRIAGE_COUNTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MARRIAGE_COUNTER_OFFICE__NAME", "上海市徐汇区民政局婚姻登记处")
    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(tmp_path / "data"))
    return {"machine": machine, "user": user, "extra": extra, "scenario": tmp_path / "qa.yaml"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    return out


def test_show_json_names_the_source_of_every_key(layers: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    switches = ["--config", str(layers["extra"]), "--simulate", str(layers["scenario"])]
    out = _run(capsys, *switches, "config", "show", "--json")
    shown = json.loads(out)
    settings = shown["settings"]
    assert list(settings) == config_keys()

    def source(key: str) -> tuple[str, str]:
        return settings[key]["source"], settings[key]["where"]

    assert source("office.counter_id") == ("default", "")
    assert source("office.code") == ("machine file", str(layers["machine"]))
    assert source("central.url") == ("machine file", str(layers["machine"]))
    assert source("ui.language") == ("user file", str(layers["user"]))
    assert source("store.url") == ("--config", str(layers["extra"]))
    assert source("office.name") == ("environment", "MARRIAGE_COUNTER_OFFICE__NAME")
    assert source("data_dir") == ("environment", "MARRIAGE_COUNTER_DATA_DIR")
    assert source("devices.id_reader") == ("command line", f"--simulate {layers['scenario']}")
    assert settings["office.name"]["value"] == "上海市徐汇区民政局婚姻登记处"
    assert settings["central.url"]["value"] == "postgresql+psycopg://mc_counter:***@db.example/central?sslmode=verify-full"
    assert settings["store.url"]["value"].endswith("c.sqlite3?password=***")
    assert shown["derived"]["central_url"] == settings["central.url"]["value"]
    assert [layer["kind"] for layer in shown["layers"]] == [
        "default", "machine file", "user file", "--config", "environment", "command line"
    ]
    assert shown["precedence"] == ["default", "machine file", "user file", "--config", "environment", "command line"]


def test_show_text_is_toml_with_a_source_comment_per_key(
    layers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(capsys, "--config", str(layers["extra"]), "config", "show")
    lines = {line.split(" = ")[0]: line for line in out.splitlines() if " = " in line and not line.startswith("#")}
    assert lines["code"].endswith(f"# machine file {layers['machine']}")
    assert lines["language"].endswith(f"# user file {layers['user']}")
    office_name = next(line for line in out.splitlines() if line.startswith('name = "上海'))
    assert office_name.endswith("  # environment MARRIAGE_COUNTER_OFFICE__NAME")
    assert "  # --config " + str(layers["extra"]) in out
    assert "mc_counter:***@db.example" in out
    parsed = tomllib.loads(out)  # the comments aside, it is a configuration file
    assert parsed["office"]["code"] == "310104" and parsed["ui"]["language"] == "en"
    assert parsed["central"]["url"] == "postgresql+psycopg://mc_counter:***@db.example/central?sslmode=verify-full"
    assert f"user file     {layers['user']}  (read)" in out


def test_plain_config_is_the_effective_json_as_before_with_secrets_masked(
    layers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    shown = json.loads(_run(capsys, "config"))
    expected = load_config().model_dump(mode="json")
    assert shown.keys() == expected.keys() and shown["office"] == expected["office"]
    assert shown["central"]["url"] == "postgresql+psycopg://mc_counter:***@db.example/central?sslmode=verify-full"


def test_config_show_stops_on_a_bad_layer_with_exit_2(
    layers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    layers["user"].write_text('[ui]\nlanguag = "en"\n', encoding="utf-8")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert "CFG-001" in err and str(layers["user"]) in err and "ui.languag" in err and "did you mean ui.language" in err


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("central.url", f"postgresql://user:{SECRET}@host/db", "postgresql://user:***@host/db"),
        ("central.url", f"postgresql://host/db?user=u&password={SECRET}", "postgresql://host/db?user=u&password=***"),
        ("central.url", "postgresql://user@host/db", "postgresql://user@host/db"),
        ("central.url", "postgresql+psycopg://mc:pa/ss@host/db", "postgresql+psycopg://mc:***@host/db"),  # a "/"
        ("central.url", "host=h password='a b' user=u", "host=h password=*** user=u"),  # libpq, quoted
        ("central.url", "host=h password = x1", "host=h password = ***"),
        ("central.password", SECRET, "***"),
        ("central.db_passwd", SECRET, "***"),
        ("archive.signing_key", SECRET, "***"),
        ("archive.key", SECRET, "***"),
        ("sync.api_token", SECRET, "***"),
        ("sync.client_secret", SECRET, "***"),
        ("central.password", "", ""),
        ("devices.record_keeps_personal_data", True, True),
        ("office.name", "上海", "上海"),
    ],
)
def test_masking(key: str, value: object, shown: object) -> None:
    assert mask(key, value) == shown


def test_secret_key_names() -> None:
    assert all(map(is_secret_key, ["password", "x.passphrase", "token", "x.private_key", "x.key", "credentials"]))
    assert not any(map(is_secret_key, ["keys_dir", "monkey", "record_keeps_personal_data", "counter_id"]))
