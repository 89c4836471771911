"""`marriage-counter audit verify|show`: exit 0 intact, 1 broken (first broken link
printed), 3 cannot check; the central head catches a cut-off tail."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.audit import AuditAction
from app.audit.cli import audit_show, audit_verify
from app.audit.errors import AuditUnavailableError
from app.audit.trail import GENESIS, KEY_NAME, AuditTrail, audit_log_path, open_audit_trail, read_head
from app.central.embedded import central_store
from app.config import Config, load_config
from app.security.keys import FileKeyStore, KeyringKeyStore, KeyStore, MemoryKeyStore
from tests.app.audit.helpers import edit, event, lines, write_lines
from tests.app.security.test_keys import MemoryKeyring
from tests.app.test_cli import cli


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": tmp_path / "data"})


def _write(config: Config, count: int) -> AuditTrail:
    with open_audit_trail(config, FileKeyStore(config.data_dir / "keys")) as trail:
        for n in range(1, count + 1):
            action = AuditAction.PRINT if n % 2 else AuditAction.VIEW
            trail.record(event(n, action, counter_id=config.office.counter_id))
    return trail


def test_intact_log_exits_0(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    _write(config, 4)
    assert audit_verify(config) == 0
    out = capsys.readouterr().out
    assert "4 record(s) intact up to seq 4; intact" in out and "no central store here" in out


def test_edited_record_exits_1_naming_its_line(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    trail = _write(config, 4)
    records = lines(trail.path)
    records[1] = edit(records[1], action="change")
    write_lines(trail.path, records)
    assert audit_verify(config) == 1
    out = capsys.readouterr().out
    assert "[AUD-004]" in out and "broken at line 2 (seq 2)" in out and "edited" in out


def test_cut_tail_exits_1_against_the_central_head(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    trail = _write(config, 5)
    with central_store(config) as central:
        seq, head_hash = read_head(trail.path)
        central.record_audit_head(config.office.counter_id, seq, head_hash, previous_seq=0, previous_hash=GENESIS)
    write_lines(trail.path, lines(trail.path)[:3])
    assert audit_verify(config, central=False) == 0  # alone, a shorter chain looks fine
    capsys.readouterr()
    assert audit_verify(config) == 1
    out = capsys.readouterr().out
    assert "[AUD-003]" in out and "ends at seq 3" in out and "seq 5" in out

    assert audit_verify(config, as_json=True) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is False and report["first_broken"] is None
    assert report["central_head"]["seq"] == 5 and report["central_problem"]["flaw"] == "truncated"

    trail.path.unlink()  # the whole log gone: still a finding, not "cannot check"
    assert audit_verify(config) == 1
    assert "log file is missing" in capsys.readouterr().out


def test_json_report_of_an_intact_log(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    trail = _write(config, 2)
    assert audit_verify(config, trail.path, as_json=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is True and report["records_intact"] == 2 and report["head"]["seq"] == 2


def test_no_log_or_no_key_cannot_be_checked(config: Config) -> None:
    with pytest.raises(AuditUnavailableError, match="no audit log"):
        audit_verify(config)
    _write(config, 1)
    (config.data_dir / "keys" / f"{KEY_NAME}.key").unlink()
    with pytest.raises(AuditUnavailableError, match="no audit key") as raised:
        audit_verify(config)
    assert raised.value.exit_code == 3
    assert not (config.data_dir / "keys" / f"{KEY_NAME}.key").exists()  # a check never creates a key


@pytest.mark.parametrize("kind", ["memory", "keyring"])
def test_a_key_store_without_the_key_cannot_check_and_gets_no_key(
    config: Config, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    _write(config, 2)
    keyring = MemoryKeyring()
    store: KeyStore = MemoryKeyStore() if kind == "memory" else KeyringKeyStore("marriage-counter-test", keyring)
    monkeypatch.setattr("app.audit.cli.key_store_for", lambda _config: store)
    with pytest.raises(AuditUnavailableError, match="no audit key") as raised:
        audit_verify(config, central=False)
    assert raised.value.exit_code == 3
    if isinstance(store, MemoryKeyStore):
        assert store.exists(KEY_NAME) is False
    else:
        assert keyring.passwords == {} and store.exists(KEY_NAME) is False


def test_the_counter_id_is_the_configured_one_unless_a_file_is_given(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = _write(config, 4)
    seq, head_hash = read_head(trail.path)
    with central_store(config) as central:
        central.record_audit_head(config.office.counter_id, seq, head_hash, previous_seq=0, previous_hash=GENESIS)
        central.record_audit_head("counter-99", 2, "9" * 64, previous_seq=0, previous_hash=GENESIS)
    records = lines(trail.path)
    write_lines(trail.path, [edit(records[0], counter="counter-99"), *records[1:]])  # a forged first record
    assert audit_verify(config, as_json=True) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["central_head"] == {"seq": 4, "hash": head_hash}  # this counter's head, not counter-99's
    assert report["first_broken"]["line"] == 1
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(trail.path.read_bytes())
    audit_verify(config, copy, as_json=True)  # another counter's copy: its own head
    assert json.loads(capsys.readouterr().out)["central_head"] == {"seq": 2, "hash": "9" * 64}


def test_show_filters_by_case_and_day(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    _write(config, 6)
    assert audit_show(config, case_id="case-2") == 0
    captured = capsys.readouterr()
    rows = [line.split("\t") for line in captured.out.splitlines()]
    assert [(r[0], r[4], r[5]) for r in rows] == [("2", "view", "case-2")]
    assert "1 record(s)" in captured.err
    assert audit_show(config, since=date(2026, 12, 1)) == 0
    assert capsys.readouterr().out == ""
    assert audit_show(config, since=date(2026, 11, 30), as_json=True) == 0
    shown = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seq"] for r in shown] == [1, 2, 3, 4, 5, 6] and "mac" not in shown[0]


def test_exit_codes_of_the_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": data_dir})
    missing = cli("audit", "verify", "--no-central", data_dir=data_dir)
    assert missing.returncode == 3 and "[AUD-002]" in missing.stderr
    trail = _write(config, 3)
    result = cli("audit", "verify", data_dir=data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    records = lines(trail.path)
    write_lines(trail.path, [records[0], records[2]])
    result = cli("audit", "verify", data_dir=data_dir)
    assert result.returncode == 1 and "[AUD-004]" in result.stdout and "line 2 (seq 3)" in result.stdout
    shown = cli("audit", "show", "--case", "case-1", data_dir=data_dir)
    assert shown.returncode == 0 and shown.stdout.startswith("1\t")
    assert audit_log_path(config) == trail.path
