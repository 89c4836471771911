"""Every sync pass ships the head of the counter's audit chain when it moved: cheap
(no write when nothing was recorded), idempotent, retried next pass when it fails, and
never in the way of a registration. The head proves it continues the central one; a
refusal (a log cut short or rewritten) is kept until IT re-anchors the chain."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from app.audit import AuditAction
from app.audit.trail import GENESIS, AuditTrail, open_audit_trail, read_head, read_refusal, refusal_path
from app.central.audit_heads import AuditHeadRecord
from app.central.embedded import central_store
from app.central.store import CentralStore
from app.config import Config, load_config
from app.domain.case import CaseStatus
from app.domain.identity import Sex
from app.errors import CentralUnavailableError
from app.security.keys import FileKeyStore
from app.sync.cli import sync_run, sync_status
from app.sync.service import SyncService
from app.workflow.marriage import MarriageWorkflow
from tests.app.audit.helpers import COUNTER, KEY, event
from tests.app.sync.conftest import SyncFactory
from tests.app.sync.helpers import FaultyCentral, person, ready_case, wait_until


class AuditCentral(FaultyCentral):
    """The faulty network in front of the real store, audit heads included; `heads_down`
    fails only the heads."""

    def __init__(self, real: CentralStore) -> None:
        super().__init__(real)
        self.head_calls = 0
        self.heads_down = False

    def audit_head_of(self, counter_id: str) -> AuditHeadRecord | None:
        self._network()
        if self.heads_down:
            raise CentralUnavailableError(detail="connection reset")
        return self.real.audit_head_of(counter_id)

    def record_audit_head(
        self, counter_id: str, seq: int, head_hash: str, *, previous_seq: int, previous_hash: str
    ) -> None:
        self.head_calls += 1
        self._network()
        if self.heads_down:
            raise CentralUnavailableError(detail="connection reset")
        self.real.record_audit_head(counter_id, seq, head_hash, previous_seq=previous_seq, previous_hash=previous_hash)


@pytest.fixture
def central(real_central: CentralStore) -> AuditCentral:
    return AuditCentral(real_central)


@pytest.fixture
def trail(tmp_path: Path) -> Iterator[AuditTrail]:
    with AuditTrail(tmp_path / "audit" / "audit.jsonl", KEY, COUNTER) as opened:
        yield opened


@pytest.fixture
def sync(make_sync: SyncFactory, trail: AuditTrail) -> SyncService:
    return make_sync(audit=trail)


def _central_seq(central: AuditCentral) -> int | None:
    head = central.real.audit_head_of(COUNTER)
    return None if head is None else head.seq


def test_each_pass_ships_the_head_when_it_moved(sync: SyncService, trail: AuditTrail, central: AuditCentral) -> None:
    sync.run_once()
    assert central.head_calls == 0  # nothing recorded yet
    for n in range(1, 4):
        trail.record(event(n))
    sync.run_once()
    head = central.real.audit_head_of(COUNTER)
    assert head is not None and (head.seq, head.head_hash) == tuple(trail.head())
    assert sync.audit_head_shipped == trail.head() and sync.audit_head_error == ""
    sync.run_once()
    sync.run_once()
    assert central.head_calls == 1  # unchanged: no call at all
    trail.record(event(4, AuditAction.PRINT))
    sync.run_once()
    assert central.head_calls == 2 and _central_seq(central) == 4


def test_a_failed_shipping_is_retried_next_pass_and_never_blocks_registering(
    flow: MarriageWorkflow, sync: SyncService, trail: AuditTrail, central: AuditCentral
) -> None:
    trail.record(event(1))
    central.heads_down = True
    case = ready_case(flow, "case-1", person(1, Sex.MALE), person(2, Sex.FEMALE))
    registered = flow.register(case)
    assert registered.status is CaseStatus.REGISTERED
    report = sync.run_once()  # does not raise
    assert report.pending == 0 and "CEN-001" in sync.audit_head_error and _central_seq(central) is None
    central.heads_down = False
    sync.run_once()
    assert _central_seq(central) == 1 and sync.audit_head_error == ""


def test_the_worker_ships_by_itself(sync: SyncService, trail: AuditTrail, central: AuditCentral) -> None:
    trail.record(event(1))
    sync.start()
    try:
        wait_until(lambda: _central_seq(central) == 1)
        trail.record(event(2))
        sync.push_now()
        wait_until(lambda: _central_seq(central) == 2)
    finally:
        sync.stop()


def _ship_five(path: Path, make_sync: SyncFactory, central: AuditCentral) -> None:
    with AuditTrail(path, KEY, COUNTER) as trail:
        for n in range(1, 6):
            trail.record(event(n))
        assert make_sync(audit=trail).ship_audit_head() is True
    assert _central_seq(central) == 5


def test_normal_growth_continues_the_central_head(
    sync: SyncService, trail: AuditTrail, central: AuditCentral
) -> None:
    trail.record(event(1))
    assert sync.ship_audit_head() is True
    first = trail.head()
    trail.record(event(2))
    trail.record(event(3))
    assert trail.hash_at(1) == first.hash and trail.hash_at(0) == GENESIS and trail.hash_at(9) is None
    assert sync.ship_audit_head() is True and _central_seq(central) == 3
    sync.audit_head_shipped = None  # a restarted counter: the central head is held already
    assert sync.ship_audit_head() is True and central.head_calls == 2


def test_a_cut_log_is_refused_said_once_and_kept(
    tmp_path: Path, make_sync: SyncFactory, central: AuditCentral, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cut" / "audit.jsonl"
    _ship_five(path, make_sync, central)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:3]))  # the last two cut off
    with AuditTrail(path, KEY, COUNTER) as cut, caplog.at_level(logging.ERROR, logger="app.sync.service"):
        sync = make_sync(audit=cut)
        assert sync.ship_audit_head() is False
        assert "AUD-003" in sync.audit_head_error and "already has seq 5" in sync.audit_head_error
        calls = central.head_calls
        for n in range(4, 10):  # the log grows past the stored seq 5: still refused, not even sent
            cut.record(event(n))
            sync.run_once()
        assert central.head_calls == calls and "AUD-003" in sync.audit_head_error
        # Another process of this counter (a restart) keeps refusing too.
        again = make_sync(audit=cut)
        assert again.ship_audit_head() is False and again.audit_head_error == sync.audit_head_error
    assert [r.getMessage().count("AUD-003") for r in caplog.records] == [1]  # once, not every pass
    assert _central_seq(central) == 5  # the central head stays for `audit verify`
    assert read_refusal(path) == sync.audit_head_refused


def test_a_cut_log_grown_past_the_stored_seq_is_refused_by_the_central_store(
    tmp_path: Path, make_sync: SyncFactory, central: AuditCentral
) -> None:
    path = tmp_path / "cut" / "audit.jsonl"
    _ship_five(path, make_sync, central)
    stored = central.real.audit_head_of(COUNTER)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:3]))
    with AuditTrail(path, KEY, COUNTER) as cut:  # cut while no sync ran, grown since
        for n in range(4, 9):
            cut.record(event(n, AuditAction.PRINT))
        sync = make_sync(audit=cut)
        assert sync.ship_audit_head() is False
        assert "AUD-003" in sync.audit_head_error and "another record" in sync.audit_head_error
    head = central.real.audit_head_of(COUNTER)
    assert head is not None and stored is not None and (head.seq, head.head_hash) == (stored.seq, stored.head_hash)


def test_a_rewritten_log_is_refused(tmp_path: Path, make_sync: SyncFactory, central: AuditCentral) -> None:
    path = tmp_path / "rewritten" / "audit.jsonl"
    _ship_five(path, make_sync, central)
    path.unlink()
    with AuditTrail(path, KEY, COUNTER) as rewritten:  # the same numbers, other records
        for n in range(1, 8):
            rewritten.record(event(n, AuditAction.PRINT))
        sync = make_sync(audit=rewritten)
        assert sync.ship_audit_head() is False and "AUD-003" in sync.audit_head_error
    assert _central_seq(central) == 5


def test_a_refusal_stays_through_network_failures_until_it_re_anchors(
    tmp_path: Path, make_sync: SyncFactory, central: AuditCentral
) -> None:
    path = tmp_path / "cut" / "audit.jsonl"
    _ship_five(path, make_sync, central)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:3]))
    with AuditTrail(path, KEY, COUNTER) as cut:
        sync = make_sync(audit=cut)
        assert sync.ship_audit_head() is False
        refused = sync.audit_head_error
        central.heads_down = True
        sync.run_once()
        assert sync.audit_head_error == refused  # not replaced by "connection reset"
        central.heads_down = False
        # IT re-anchors: the central head reset (admin's SQL) and the note removed.
        with closing(sqlite3.connect(tmp_path / "central.sqlite3")) as admin, admin:
            admin.execute("DELETE FROM audit_head WHERE counter_id = ?", (COUNTER,))
        assert sync.ship_audit_head() is False  # the note is still there: still refused
        refusal_path(path).unlink()
        assert sync.ship_audit_head() is True and sync.audit_head_error == "" and _central_seq(central) == 3
        assert sync.audit_head_refused == ""


class _Racing:
    """A head source that another process overtakes between read and send."""

    counter_id = COUNTER
    path = Path("/nonexistent/audit.jsonl")

    def __init__(self, *heads: tuple[int, str]) -> None:
        self.heads = list(heads)

    def head(self) -> tuple[int, str]:
        return self.heads.pop(0) if len(self.heads) > 1 else self.heads[0]

    def hash_at(self, seq: int) -> str | None:
        return {0: GENESIS, 5: "5" * 64, 6: "6" * 64, 7: "7" * 64}.get(seq)


class _Overtaking(AuditCentral):
    """Another process ships (6, …) between this process's read and its send."""

    def audit_head_of(self, counter_id: str) -> AuditHeadRecord | None:
        head = super().audit_head_of(counter_id)
        if head is not None and head.seq == 5:
            self.real.record_audit_head(counter_id, 6, "6" * 64, previous_seq=5, previous_hash="5" * 64)
        return head


def test_a_head_overtaken_by_another_process_is_read_again(
    make_sync: SyncFactory, real_central: CentralStore
) -> None:
    central = _Overtaking(real_central)
    real_central.record_audit_head(COUNTER, 5, "5" * 64, previous_seq=0, previous_hash=GENESIS)
    sync = make_sync(audit=_Racing((7, "7" * 64)), central=central)
    assert sync.ship_audit_head() is True and sync.audit_head_shipped == (7, "7" * 64)
    head = real_central.audit_head_of(COUNTER)
    assert head is not None and (head.seq, head.head_hash) == (7, "7" * 64)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": tmp_path / "data"})


def test_sync_run_ships_the_head_of_the_counters_log(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    with open_audit_trail(config, FileKeyStore(config.data_dir / "keys")) as trail:
        trail.record(event(1, counter_id=config.office.counter_id))
        trail.record(event(2, counter_id=config.office.counter_id))
    assert sync_run(config) == 0
    assert "audit head seq 2 held by the central store" in capsys.readouterr().out
    with central_store(config) as central:
        head = central.audit_head_of(config.office.counter_id)
    assert head is not None and (head.seq, head.head_hash) == tuple(read_head(trail.path))


def test_sync_status_and_run_show_a_refusal(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    with open_audit_trail(config, FileKeyStore(config.data_dir / "keys")) as trail:
        for n in range(1, 4):
            trail.record(event(n, counter_id=config.office.counter_id))
    assert sync_run(config) == 0
    lines = trail.path.read_bytes().splitlines(keepends=True)
    trail.path.write_bytes(b"".join(lines[:1]))
    capsys.readouterr()
    assert sync_run(config) == 0
    out = capsys.readouterr().out
    assert "audit head refused" in out and "AUD-003" in out and "already has seq 3" in out
    assert sync_status(config) == 0
    out = capsys.readouterr().out
    assert "audit head refused" in out and "AUD-003" in out and str(refusal_path(trail.path)) in out
