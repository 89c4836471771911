"""`sync status` lists every item; `sync run` pushes now and says whether anything is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.central.embedded import central_store
from app.config import Config, load_config
from app.domain.case import DeviceMode
from app.domain.identity import Sex
from app.errors import CentralUnavailableError
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.sync.cli import sync_run, sync_status
from app.sync.service import SyncService
from app.workflow.clock import SystemClock
from app.workflow.marriage import MarriageWorkflow
from tests.app.sync.helpers import FaultyCentral, person, ready_case


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": tmp_path / "data"})


def _queue_waiting_registrations(config: Config, count: int) -> None:
    """Registers `count` cases while the central store is down: they wait in the outbox."""
    with LocalStore(config.store_url) as local, central_store(config) as real:
        central = FaultyCentral(real)
        central.down = True
        flow = MarriageWorkflow(local, central, config, SystemClock(), DeviceMode.SIMULATED, rules_context(config),
                                sync=SyncService(local, central))
        for n in range(count):
            with pytest.raises(CentralUnavailableError):
                flow.register(ready_case(flow, f"case-{n}", person(2 * n, Sex.MALE), person(2 * n + 1, Sex.FEMALE)))


def test_status_prints_one_line_per_item(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    _queue_waiting_registrations(config, 2)
    assert sync_status(config) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for n, line in enumerate(lines[:2]):
        kind, case_id, state, attempts, next_attempt, error = line.split("\t")
        assert (kind, case_id, state, attempts) == ("registration", f"case-{n}", "pending", "1")
        assert next_attempt[:4].isdigit() and "connection refused" in error
    assert lines[2].startswith("total\tpending=2\tsending=0\tacknowledged=0\tfailed=0")
    assert "测试" not in "".join(lines)  # no names


def test_run_pushes_everything_now(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    _queue_waiting_registrations(config, 2)
    assert sync_run(config) == 0
    out = capsys.readouterr().out
    assert "acknowledged 2" in out and "pending=0" in out
    with central_store(config) as central:
        assert len(central.list_marriages()) == 2
    assert sync_run(config) == 0  # nothing left: still fine


def test_run_with_the_central_store_unreachable_exits_1(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    _queue_waiting_registrations(config, 1)
    broken = config.model_copy(
        update={"central": config.central.model_copy(update={"url": f"sqlite:///{config.data_dir}"})}
    )  # a directory, not a database
    assert sync_run(broken) == 1
    out = capsys.readouterr().out
    assert "CEN-001" in out and "pending=1" in out


def test_status_of_an_empty_outbox(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync_status(config) == 0
    assert capsys.readouterr().out.splitlines() == ["total\tpending=0\tsending=0\tacknowledged=0\tfailed=0"]
