"""A counter with an issued case whose archive package is queued, signed with the
counter's own key (its key store in the data directory), and an embedded central store:
what the shipping and `archive` command tests start from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.archive.signing import ArchiveSigner, counter_signer
from app.central.embedded import central_store
from app.central.store import CentralStore
from app.config import Config, load_config
from app.domain.case import DeviceMode, MarriageCase
from app.domain.identity import Sex
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.sync.service import SyncService
from app.workflow.clock import FixedClock
from app.workflow.marriage import MarriageWorkflow
from tests.app.sync.helpers import person, ready_case

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
FORMS = {"certificate-A.pdf": b"%PDF-1.7 A", "certificate-B.pdf": b"%PDF-1.7 B"}


@dataclass
class Counter:
    config: Config
    local: LocalStore
    central: CentralStore
    signer: ArchiveSigner
    sync: SyncService
    flow: MarriageWorkflow

    def registered(self, n: int = 1) -> MarriageCase:
        groom, bride = person(2 * n, Sex.MALE), person(2 * n + 1, Sex.FEMALE)
        return self.flow.register(ready_case(self.flow, f"case-{n}", groom, bride))

    def issued(self, n: int = 1) -> MarriageCase:
        return self.flow.mark_issued(self.registered(n), tuple(FORMS), form_files=FORMS)


def counter_config(data_dir: Path) -> Config:
    return load_config(environ={"MARRIAGE_COUNTER_DATA_DIR": str(data_dir)}, read_system_files=False)


@contextmanager
def open_counter(data_dir: Path) -> Iterator[Counter]:
    config = counter_config(data_dir)
    clock = FixedClock(NOW)
    with LocalStore.from_config(config) as local, central_store(config) as central:
        signer = counter_signer(config)
        sync = SyncService(local, central, clock=clock, signer=signer)
        flow = MarriageWorkflow(
            local, central, config, clock, DeviceMode.SIMULATED, rules_context(config), sync=sync
        )
        try:
            yield Counter(config, local, central, signer, sync, flow)
        finally:
            sync.stop()
