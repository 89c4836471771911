from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config, Source, config_keys, explain_config, load_config, suggest_key
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
        ('[office]\ncoed = "110101"\n', "office.coed", "unknown key; did you mean office.code?"),
        ('[devcies]\ncamera = "opencv:0"\n', "devcies", "did you mean devices.camera?"),
        ('[office]\nlanguage = "en"\n', "office.language", "did you mean ui.language?"),
        ('[devices]\nbogus = 1\n', "devices.bogus", "[devices] knows id_reader, camera"),
        ('[office]\ncode = "1101"\n', "office.code", "6-digit"),
        ('[ui]\nlanguage = "fr"\n', "ui.language", "zh_CN or en"),
        (f'[office]\ncounter_id = "{"c" * 41}"\n', "office.counter_id", "1-40 characters"),
        ('[office]\ncounter_id = "窗口 1"\n', "office.counter_id", "letters A-Z a-z, digits"),
        ('[office]\ncounter_id = "counter-01!revoked-x"\n', "office.counter_id", "1-40 characters"),
        ('[office]\ncounter_id = ""\n', "office.counter_id", "starting with a letter or a digit"),
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


# --- layers and their sources -----------------------------------------------------------


@pytest.fixture
def layer_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A machine file, a user file and a --config file, each setting office.name (and
    one key of its own); the machine and user paths are redirected to tmp_path."""
    files = {kind: tmp_path / f"{kind}.toml" for kind in ("machine", "user", "extra")}
    files["machine"].write_text('[office]\nname = "machine"\ncounter_id = "m-01"\n', encoding="utf-8")
    files["user"].write_text('[office]\nname = "user"\n[ui]\nlanguage = "en"\n', encoding="utf-8")
    files["extra"].write_text('[office]\nname = "extra"\n[rules]\nweekends_are_rest_days = false\n', encoding="utf-8")
    monkeypatch.setattr("app.config.machine_config_path", lambda: files["machine"])
    monkeypatch.setattr("app.config.user_config_path", lambda: files["user"])
    return files


def test_precedence_machine_user_config_environment_command_line(layer_files: dict[str, Path]) -> None:
    env = {"MARRIAGE_COUNTER_OFFICE__NAME": "env"}
    assert load_config(environ={}).office.name == "user"
    assert load_config(environ={}, config_file=layer_files["extra"]).office.name == "extra"
    assert load_config(environ=env, config_file=layer_files["extra"]).office.name == "env"
    layer_files["user"].unlink()
    assert load_config(environ={}).office.name == "machine"
    layer_files["machine"].unlink()
    assert load_config(environ={}).office.name == "北京市东城区民政局婚姻登记处"
    # The command line beats the environment.
    simulated = load_config(environ={"MARRIAGE_COUNTER_DEVICES__CAMERA": "opencv:0"}, simulate=True)
    assert simulated.devices.camera.startswith("sim:")


def test_every_key_names_the_layer_that_set_it(layer_files: dict[str, Path], tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    env = {
        "MARRIAGE_COUNTER_OFFICE__NAME": "env",
        "MARRIAGE_COUNTER_DATA_DIR": str(tmp_path / "data"),
        "MARRIAGE_COUNTER_LOG_LEVEL": "DEBUG",  # not a configuration key
    }
    explained = explain_config(environ=env, config_file=layer_files["extra"], simulate=scenario)
    sources = explained.sources
    assert set(sources) == set(config_keys())
    assert sources["office.code"] == Source("default")
    assert sources["office.counter_id"] == Source("machine file", str(layer_files["machine"]))
    assert sources["ui.language"] == Source("user file", str(layer_files["user"]))
    assert sources["rules.weekends_are_rest_days"] == Source("--config", str(layer_files["extra"]))
    assert sources["office.name"] == Source("environment", "MARRIAGE_COUNTER_OFFICE__NAME")
    assert sources["data_dir"] == Source("environment", "MARRIAGE_COUNTER_DATA_DIR")
    assert sources["devices.camera"] == Source("command line", f"--simulate {scenario}")
    assert sources["devices.barcode"] == Source("default")
    assert [(f.kind, f.read) for f in explained.files] == [
        ("machine file", True), ("user file", True), ("--config", True)
    ]
    assert explained.environment == ("MARRIAGE_COUNTER_DATA_DIR", "MARRIAGE_COUNTER_OFFICE__NAME")
    assert explained.command_line == (f"--simulate {scenario}",)
    assert explained.config.office.name == "env" and explained.config.data_dir == tmp_path / "data"


def test_absent_system_files_are_listed_but_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.config.machine_config_path", lambda: tmp_path / "none" / "machine.toml")
    monkeypatch.setattr("app.config.user_config_path", lambda: tmp_path / "none" / "user.toml")
    explained = explain_config(environ={})
    assert [f.read for f in explained.files] == [False, False]
    assert set(explained.sources.values()) == {Source("default")}
    with pytest.raises(ConfigError) as caught:  # a --config file must exist
        explain_config(environ={}, config_file=tmp_path / "missing.toml")
    assert caught.value.params["key"] == "(file)" and "missing.toml" in str(caught.value.params["source"])


def test_bad_machine_file_is_named_even_when_a_later_layer_sets_the_key(layer_files: dict[str, Path]) -> None:
    layer_files["machine"].write_text('[office]\ncode = "1101"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"MARRIAGE_COUNTER_OFFICE__CODE": "110105"})
    assert caught.value.params["source"] == str(layer_files["machine"])
    assert caught.value.params["key"] == "office.code"


@pytest.mark.parametrize(
    ("environ", "variable", "key", "reason"),
    [
        ({"MARRIAGE_COUNTER_OFFICE__COED": "110101"}, "MARRIAGE_COUNTER_OFFICE__COED", "office.coed",
         "did you mean MARRIAGE_COUNTER_OFFICE__CODE?"),
        ({"MARRIAGE_COUNTER_DEVCIES__CAMERA": "opencv:0"}, "MARRIAGE_COUNTER_DEVCIES__CAMERA", "devcies",
         "did you mean MARRIAGE_COUNTER_DEVICES__CAMERA?"),
        ({"MARRIAGE_COUNTER_DEVICES__SERIAL_BAUD": "fast"}, "MARRIAGE_COUNTER_DEVICES__SERIAL_BAUD",
         "devices.serial_baud", "integer"),
        ({"MARRIAGE_COUNTER_RULES__INTRA_PROVINCE_SCHEMES": "33,4"}, "MARRIAGE_COUNTER_RULES__INTRA_PROVINCE_SCHEMES",
         "rules.intra_province_schemes", "'4' is not a 2-digit province code"),
    ],
)
def test_bad_environment_variable_is_named(environ: dict[str, str], variable: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ=environ, read_system_files=False)
    assert caught.value.params["source"] == f"environment variable {variable}"
    assert caught.value.params["key"] == key and reason in str(caught.value.params["reason"])


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("office.coed", "office.code"), ("office.nmae", "office.name"), ("ui.lang", "ui.language"),
     ("devices.idreader", "devices.id_reader"), ("devices.printr", "devices.printer"), ("store.uri", "store.url"),
     ("office.language", "ui.language"), ("code", "office.code"), ("devcies.camera", "devices.camera"),
     ("dta_dir", "data_dir"), ("central.URL", "central.url"), ("devices.bogus", None)],
)
def test_unknown_keys_suggest_the_closest_known_key(typo: str, meant: str | None) -> None:
    assert suggest_key(typo) == meant


@pytest.mark.parametrize(("value", "parsed"), [("33,44", ["33", "44"]), ('["33", "44"]', ["33", "44"]), ("", [])])
def test_environment_lists(value: str, parsed: list[str]) -> None:
    environ = {
        "MARRIAGE_COUNTER_RULES__INTRA_PROVINCE_SCHEMES": value,
        "MARRIAGE_COUNTER_RULES__WEEKENDS_ARE_REST_DAYS": "false",
    }
    rules = load_config(environ=environ, read_system_files=False).rules
    assert rules.intra_province_schemes == parsed and rules.weekends_are_rest_days is False


def test_data_dir_expands_home_and_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MC_TEST_ROOT", str(tmp_path))
    file = tmp_path / "config.toml"
    file.write_text('data_dir = "$MC_TEST_ROOT/data"\n', encoding="utf-8")
    assert load_config(config_file=file, environ={}, read_system_files=False).data_dir == tmp_path / "data"
    file.write_text('data_dir = "~/counter-data"\n', encoding="utf-8")
    assert load_config(config_file=file, environ={}, read_system_files=False).data_dir == Path.home() / "counter-data"


@pytest.mark.parametrize("counter_id", ["counter-01", "c", "C_2.a", "c" * 40])
def test_counter_ids_the_central_store_takes_are_accepted(counter_id: str) -> None:
    config = load_config(environ={"MARRIAGE_COUNTER_OFFICE__COUNTER_ID": counter_id}, read_system_files=False)
    assert config.office.counter_id == counter_id


def test_the_counter_id_limit_is_the_central_stores() -> None:
    from app.central.keys import MAX_COUNTER_ID, check_counter_id
    from app.config import MAX_COUNTER_ID_LENGTH

    assert MAX_COUNTER_ID_LENGTH == MAX_COUNTER_ID
    check_counter_id("c" * MAX_COUNTER_ID_LENGTH)  # the longest the configuration takes is registrable


def test_a_central_store_on_another_machine_needs_verified_tls(tmp_path: Path) -> None:
    def central(url: str) -> Config:
        return load_config(environ={"MARRIAGE_COUNTER_CENTRAL__URL": url}, read_system_files=False)

    with pytest.raises(ConfigError, match="sslmode=verify-full"):
        central("postgresql+psycopg://mc_counter@central.example/marriage")
    with pytest.raises(ConfigError, match="needs TLS"):
        central("postgresql+psycopg://mc_counter@central.example/marriage?sslmode=require")  # encrypted, unchecked
    ok = "postgresql+psycopg://mc_counter@central.example/marriage?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    assert central(ok).central.url == ok
    assert central("postgresql+psycopg://mc@127.0.0.1:5433/marriage").central.url  # this machine
    assert central("postgresql+psycopg://mc@/marriage?host=/run/postgresql").central.url  # a local socket
    assert central("sqlite:////var/lib/central.sqlite3").central.url
