"""Stores, a central store with faults, and sync services that stop after each test."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.central.store import CentralStore
from app.config import load_config
from app.domain.case import DeviceMode
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.sync.backoff import Backoff
from app.sync.service import SyncService
from app.workflow.clock import FixedClock
from app.workflow.marriage import MarriageWorkflow
from tests.app.sync.helpers import FaultyCentral

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)

# Fast enough for tests: a first retry within 50 ms, never more than 200 ms apart.
FAST = dict(base_s=0.05, cap_s=0.2, floor_s=0.01)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalStore]:
    with LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}") as store:
        yield store


@pytest.fixture
def real_central(tmp_path: Path) -> Iterator[CentralStore]:
    with CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}") as store:
        yield store


@pytest.fixture
def central(real_central: CentralStore) -> FaultyCentral:
    return FaultyCentral(real_central)


SyncFactory = Callable[..., SyncService]


@pytest.fixture
def make_sync(local: LocalStore, central: FaultyCentral) -> Iterator[SyncFactory]:
    made: list[SyncService] = []

    def make(**options: Any) -> SyncService:
        options.setdefault("backoff", Backoff(**FAST, rng=random.Random(7)))
        options.setdefault("clock", FixedClock(NOW))
        service = SyncService(options.pop("store", local), options.pop("central", central), **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


@pytest.fixture
def sync(make_sync: SyncFactory) -> SyncService:
    return make_sync()


@pytest.fixture
def flow(local: LocalStore, central: FaultyCentral, sync: SyncService) -> MarriageWorkflow:
    config = load_config(environ={}, read_system_files=False)
    return MarriageWorkflow(
        local, central, config, FixedClock(NOW), DeviceMode.SIMULATED, rules_context(config), sync=sync
    )
