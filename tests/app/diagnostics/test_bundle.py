"""The support bundle: secrets removed, personal data masked, never a database.

The slow test runs the real demo once (as IT would find a counter after a day's work),
adds a log line that leaks every name and ID number of the scenario, and greps the
bundle for them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.cli import main
from app.config import DEFAULT_SCENARIO, Config
from app.diagnostics.bundle import _local_facts, write_support_bundle
from app.diagnostics.redact import PersonalDataMasker, redact_config, redact_text
from tests.counter_fixtures import REPO_ROOT

SCENARIO = REPO_ROOT / "resources" / "sim" / "default.yaml"
CENTRAL_URL = "postgresql+psycopg://mc_counter:Geheim-42@db.example:5432/central?sslmode=verify-full"


def _people() -> list[tuple[str, str]]:
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    return [(person["name"], str(person["id_number"])) for person in data["people"]]


def _leaky_log_line() -> str:
    """What a careless log call or a third-party library might write."""
    people = _people()
    return "".join(
        f"2026-07-02 10:00:00,000 WARNING dev-id_reader_0 vendor.sdk: card {number} name={name} "
        f"key resident_id:CHN:{number} ({name})\n"
        for name, number in people
    )


def _unzip(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _assert_nothing_personal(files: dict[str, str]) -> None:
    for name, text in files.items():
        for person, number in _people():
            assert person not in text, f"{person} in {name}"
            assert number not in text and number.lower() not in text, f"{number} in {name}"


def _assert_manifest_matches(files: dict[str, str]) -> None:
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(files[name].encode("utf-8")).hexdigest() == entry["sha256"], name


# --- unit -----------------------------------------------------------------------------------


def test_secrets_are_redacted_from_configuration_and_urls() -> None:
    config = {
        "central": {"url": CENTRAL_URL, "admin_password": "pw1"},
        "printer": {"token": "t0k", "api_key": "k", "name": "HP"},
        "nested": [{"client_secret": "s"}, "redis://:onlypass@cache:6379/0"],
        "store": {"url": ""},
    }
    redacted = redact_config(config)
    assert redacted["central"]["url"] == "postgresql+psycopg://mc_counter:***@db.example:5432/central?sslmode=verify-full"
    assert redacted["central"]["admin_password"] == "***"
    assert redacted["printer"] == {"token": "***", "api_key": "***", "name": "HP"}
    assert redacted["nested"] == [{"client_secret": "***"}, "redis://:***@cache:6379/0"]
    assert redacted["store"]["url"] == ""
    libpq = "host=db user=mc password=s3cr3t sslmode=require"
    assert redact_text(libpq) == "host=db user=mc password=*** sslmode=require"
    assert redact_text("https://example.org/a:b@c") == "https://example.org/a:b@c"  # a path, not a password


def test_masker_masks_identity_numbers_and_names_longest_first() -> None:
    mask = PersonalDataMasker(["李明轩", "欧阳明", "欧阳明轩", "王", "Anna Müller"])
    text = mask("李明轩 欧阳明轩 王先生 Anna Müller 11010519491231002X 110105491231002 J110101-2026-000001")
    assert text == "李** 欧*** 王先生 A********** 1101**********002X 1101*******1002 J110101-2026-000001"


# --- bundle without the demo ------------------------------------------------------------------


@pytest.fixture
def counter_config(config: Config) -> Iterator[Config]:
    config = config.model_copy(update={"central": config.central.model_copy(update={"url": CENTRAL_URL})})
    config.log_dir.mkdir(parents=True)
    (config.log_dir / "counter.log").write_text("2026-07-02 INFO started\n" + _leaky_log_line(), encoding="utf-8")
    (config.log_dir / "counter.log.1").write_text("old line\n" * 10, encoding="utf-8")
    yield config


def test_bundle_masks_logs_and_removes_secrets(counter_config: Config, tmp_path: Path) -> None:
    summary = write_support_bundle(counter_config, tmp_path / "out" / "ticket.zip")
    files = _unzip(summary.path)
    assert set(files) == {
        "config.json", "devices.json", "devices.txt", "versions.json", "sync.txt", "manifest.json",
        "logs/counter.log", "logs/counter.log.1",
    }
    _assert_nothing_personal(files)
    _assert_manifest_matches(files)
    assert "1101**********0310" in files["logs/counter.log"] and "李**" in files["logs/counter.log"]
    assert "Geheim-42" not in "".join(files.values())
    assert json.loads(files["config.json"])["central"]["url"].startswith("postgresql+psycopg://mc_counter:***@")
    assert json.loads(files["devices.json"])["ok"] is True
    assert "no local store yet" in files["sync.txt"]
    assert not (counter_config.data_dir / "counter.sqlite3").exists()  # not created by the bundle


def test_log_budget_keeps_the_newest_lines(counter_config: Config, tmp_path: Path) -> None:
    lines = "".join(f"line {i:05d}\n" for i in range(10_000))
    (counter_config.log_dir / "counter.log").write_text(lines, encoding="utf-8")
    summary = write_support_bundle(counter_config, tmp_path / "b.zip", log_bytes=1000)
    log = _unzip(summary.path)["logs/counter.log"]
    assert log.startswith("[older lines cut") and log.endswith("line 09999\n") and len(log) < 1100
    assert summary.logs == ["counter.log"]  # the budget is spent: the older file is left out


def test_unreadable_local_store_leaves_the_logs_out(counter_config: Config, tmp_path: Path) -> None:
    (counter_config.data_dir / "counter.sqlite3").write_bytes(b"not a database" * 400)
    summary = write_support_bundle(counter_config, tmp_path / "b.zip")
    files = _unzip(summary.path)
    assert "logs/counter.log" not in files and "LOC-001" in files["logs/LEFT-OUT.txt"]
    assert summary.warnings and "local store not readable" in files["sync.txt"]


def test_support_bundle_command(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ticket.zip"
    assert main(["support-bundle", "--out", str(out)]) == 0
    assert "support bundle written" in capsys.readouterr().out and zipfile.is_zipfile(out)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["support-bundle", "--out", str(blocker / "ticket.zip")]) == 3
    assert "[DIA-001]" in capsys.readouterr().err


# --- after the demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MARRIAGE_COUNTER_DATA_DIR": str(out / "unused"),
           "MARRIAGE_COUNTER_LOG_LEVEL": "INFO"}  # the counter's own level, not the tests' WARNING
    result = subprocess.run([sys.executable, "-m", "app", "demo", "--out", str(out)], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "data"  # the demo counter's data directory


@pytest.mark.slow
def test_bundle_after_the_demo_holds_no_name_or_id_number(demo_data: Path, tmp_path: Path) -> None:
    with (demo_data / "logs" / "counter.log").open("a", encoding="utf-8") as handle:
        handle.write(_leaky_log_line())
    env = {
        **os.environ, "MARRIAGE_COUNTER_DATA_DIR": str(demo_data), "MARRIAGE_COUNTER_CENTRAL__URL": CENTRAL_URL,
        # collected with the configuration of the counter that ran the demo: simulated
        "MARRIAGE_COUNTER_DEVICES__ID_READER": DEFAULT_SCENARIO,
    }
    out = tmp_path / "ticket.zip"
    result = subprocess.run([sys.executable, "-m", "app", "support-bundle", "--out", str(out)], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

    files = _unzip(out)
    _assert_nothing_personal(files)
    _assert_manifest_matches(files)
    assert not [name for name in files if name.endswith((".sqlite3", ".pdf", ".png"))]
    assert "Geheim-42" not in "".join(files.values())
    log = files["logs/counter.log"]
    assert "registered as J110101-2026-000001" in log and "1101**********0310" in log  # kept, masked
    sync = files["sync.txt"].splitlines()
    assert sync[-1].startswith("total\t") and "acknowledged=" in sync[-1] and len(sync) > 1


@pytest.mark.slow
def test_party_names_come_from_the_local_store(demo_data: Path, config: Config) -> None:
    facts = _local_facts(config.model_copy(update={"data_dir": demo_data}))
    assert {"李明轩", "王雨桐", "陈志强", "刘晓燕"} <= facts.names and "新案件" not in facts.names
    assert not facts.problem
