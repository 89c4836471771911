"""`marriage-counter audit re-anchor COUNTER_ID --reason TEXT`: after a log cut short or
rewritten was refused (AUD-003), IT re-anchors: the log verified, the re-anchor recorded
in it, its head made the central head, the refusal removed; syncs succeed again
(app.audit.reanchor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import AuditAction
from app.audit.cli import audit_show, audit_verify
from app.audit.errors import AuditChainBrokenError, AuditHeadRefusedError
from app.audit.reanchor import ReanchorRefusedError, audit_reanchor
from app.audit.trail import GENESIS, AuditHead, open_audit_trail, read_head, read_refusal, refusal_path
from app.central.embedded import central_store
from app.config import Config, load_config
from app.security.keys import FileKeyStore
from app.sync.cli import sync_run
from tests.app.audit.helpers import edit, event, lines, write_lines


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": tmp_path / "data"})


def _record(config: Config, numbers: range) -> Path:
    with open_audit_trail(config, FileKeyStore(config.data_dir / "keys")) as trail:
        for n in numbers:
            trail.record(event(n, AuditAction.VIEW, counter_id=config.office.counter_id))
    return trail.path


def _central_head(config: Config) -> AuditHead | None:
    with central_store(config) as central:
        head = central.audit_head_of(config.office.counter_id)
    return None if head is None else AuditHead(head.seq, head.head_hash)


def _refused(config: Config, capsys: pytest.CaptureFixture[str]) -> Path:
    """A log of 3 records shipped, then cut back to its first record: refused."""
    path = _record(config, range(1, 4))
    assert sync_run(config) == 0 and _central_head(config) == read_head(path)
    write_lines(path, lines(path)[:1])
    capsys.readouterr()
    assert sync_run(config) == 0
    assert "AUD-003" in capsys.readouterr().out and read_refusal(path)
    return path


def test_a_cut_log_is_re_anchored_and_syncs_again(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    path = _refused(config, capsys)
    old = _central_head(config)
    assert old is not None and old.seq == 3

    counter = config.office.counter_id
    assert audit_reanchor(config, counter, "incident SEC-2026-17 closed", operator="it-zhang") == 0
    out = capsys.readouterr().out
    assert "refusal removed" in out and f"seq 3 ({old.hash}) replaced by seq 2" in out
    assert not refusal_path(path).exists()
    assert _central_head(config) == read_head(path) == (2, read_head(path).hash)

    _record(config, range(10, 12))  # the counter goes on working
    assert sync_run(config) == 0
    assert "audit head seq 4 held by the central store" in capsys.readouterr().out
    assert audit_verify(config) == 0  # against the new central head

    assert audit_show(config) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if "\tre_anchor\t" in line]
    assert len(shown) == 1
    assert "\tit-zhang\t" in shown[0] and "incident SEC-2026-17 closed" in shown[0]
    assert f"central head seq 3 ({old.hash[:16]}) replaced" in shown[0] and "log verified to seq 1" in shown[0]


def test_a_rewritten_log_is_re_anchored(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    path = _record(config, range(1, 4))
    assert sync_run(config) == 0
    write_lines(path, lines(path)[:1])
    _record(config, range(20, 24))  # written on after the cut: seq 2..5, other records
    capsys.readouterr()
    assert sync_run(config) == 0
    assert "another record" in capsys.readouterr().out and read_refusal(path)

    assert audit_reanchor(config, config.office.counter_id, "restored from an old backup, ticket 42") == 0
    assert "replaced by seq 6" in capsys.readouterr().out
    _record(config, range(30, 31))
    assert sync_run(config) == 0 and "audit head seq 7 held" in capsys.readouterr().out
    records = [line for line in lines(path) if b'"re_anchor"' in line]
    assert len(records) == 1 and b'"operator":"os:' in records[0]


def test_another_counter_no_reason_or_a_broken_log_is_not_re_anchored(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _refused(config, capsys)
    before = _central_head(config)
    with pytest.raises(ReanchorRefusedError) as other:
        audit_reanchor(config, "counter-99", "closed")
    assert other.value.code == "AUD-005" and other.value.exit_code == 2
    with pytest.raises(ReanchorRefusedError, match="reason"):
        audit_reanchor(config, config.office.counter_id, "   ")

    _record(config, range(40, 42))
    records = lines(path)
    records[1] = edit(records[1], detail="edited")
    write_lines(path, records)
    with pytest.raises(AuditChainBrokenError) as broken:
        audit_reanchor(config, config.office.counter_id, "closed")
    assert broken.value.code == "AUD-004" and "line 2" in str(broken.value)
    assert _central_head(config) == before and read_refusal(path)  # nothing changed
    assert b"re_anchor" not in path.read_bytes()


def test_the_command_line_requires_the_counter_and_a_reason(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(config.data_dir))
    with pytest.raises(SystemExit) as usage:
        main(["audit", "re-anchor", config.office.counter_id])
    assert usage.value.code == 2 and "--reason" in capsys.readouterr().err
    _refused(config, capsys)
    assert main(["audit", "re-anchor", "counter-99", "--reason", "x"]) == 2
    assert "[AUD-005]" in capsys.readouterr().err
    assert main(["audit", "re-anchor", config.office.counter_id, "--reason", "incident 7 closed"]) == 0
    assert sync_run(config) == 0 and "held by the central store" in capsys.readouterr().out


def test_a_head_shipped_meanwhile_is_not_overwritten(config: Config) -> None:
    counter = config.office.counter_id
    with central_store(config) as central:
        central.record_audit_head(counter, 5, "5" * 64, previous_seq=0, previous_hash=GENESIS)
        with pytest.raises(AuditHeadRefusedError, match="changed while it was being re-anchored"):
            central.reanchor_audit_head(counter, 2, "2" * 64, replaced=(4, "4" * 64))
        with pytest.raises(AuditHeadRefusedError):
            central.reanchor_audit_head(counter, 2, "2" * 64, replaced=None)
        head = central.audit_head_of(counter)
        assert head is not None and (head.seq, head.head_hash) == (5, "5" * 64)
        central.reanchor_audit_head(counter, 2, "2" * 64, replaced=(5, "5" * 64))
        head = central.audit_head_of(counter)
        assert head is not None and (head.seq, head.head_hash) == (2, "2" * 64)


def test_a_server_registry_is_re_anchored_only_with_an_admin_url_given(tmp_path: Path) -> None:
    on_postgres = load_config(
        environ={"MARRIAGE_COUNTER_CENTRAL__URL": "postgresql+psycopg://mc_counter@127.0.0.1/registry"},
        read_system_files=False,
    ).model_copy(update={"data_dir": tmp_path / "data"})
    _record(on_postgres, range(1, 3))
    before = lines(on_postgres.data_dir / "audit" / "audit.jsonl")
    with pytest.raises(ReanchorRefusedError, match="admin URL"):  # the counter's own role cannot move it back
        audit_reanchor(on_postgres, on_postgres.office.counter_id, "INC-2026-0042")
    assert lines(on_postgres.data_dir / "audit" / "audit.jsonl") == before  # nothing recorded
