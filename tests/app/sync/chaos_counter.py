"""One counter of the chaos test, as a child process that may be SIGKILLed at any moment.

`python -m tests.app.sync.chaos_counter DATA_DIR COUNTER CENTRAL_URL COUNT`

Registers COUNT cases through the real workflow, outbox and sync worker, with its own
local store in DATA_DIR, against the central store at CENTRAL_URL (the fault proxy).
Case k<COUNTER>-<i> marries two people of its own, except every CONTESTED_EVERY-th,
whose groom is the same person at every counter (exactly one may win). A restarted
counter skips the cases it queued already (the worker goes on with them by itself)
and registers the rest. Prints `ready`, `queued <i>`, `all-queued`, then `drained`
once its outbox holds nothing pending or sending, and exits 0.
"""

from __future__ import annotations

import contextlib
import sys
import time
from datetime import timedelta
from pathlib import Path

from app.bootstrap import CentralConnection
from app.config import load_config
from app.domain.case import DeviceMode
from app.domain.identity import IdentityDocument, Sex
from app.errors import CentralUnavailableError, PartyAlreadyMarriedError
from app.policy_data import rules_context
from app.store.local import LocalStore
from app.sync.backoff import Backoff
from app.sync.service import SyncService
from app.sync.types import OutboxState
from app.workflow.clock import SystemClock
from app.workflow.marriage import MarriageWorkflow
from tests.app.sync.helpers import person, ready_case

CONTESTED_EVERY = 10
_PER_COUNTER = 1000  # person numbers reserved per counter
_CONTESTED_BASE = 3500


def couple(counter: int, i: int) -> tuple[IdentityDocument, IdentityDocument]:
    own = 1 + counter * _PER_COUNTER + 2 * i
    groom = person(_CONTESTED_BASE + i // CONTESTED_EVERY if i % CONTESTED_EVERY == 0 else own, Sex.MALE)
    return groom, person(own + 1, Sex.FEMALE)


def contested_keys(count: int) -> list[str]:
    return [couple(0, i)[0].person_key for i in range(0, count, CONTESTED_EVERY)]


def main(argv: list[str]) -> int:
    data_dir, counter, central_url, count = Path(argv[0]), int(argv[1]), argv[2], int(argv[3])
    base = load_config(environ={}, read_system_files=False)
    config = base.model_copy(
        update={
            "data_dir": data_dir,
            "office": base.office.model_copy(update={"counter_id": f"counter-{counter}"}),
        }
    )
    local = LocalStore(config.store_url)
    local.open()
    central = CentralConnection(central_url)
    # Short backoff so the test drains quickly once the chaos stops; the lease only
    # matters for a sender killed mid-attempt, which start() recovers anyway.
    sync = SyncService(local, central, backoff=Backoff(base_s=0.05, cap_s=1.0, floor_s=0.01),
                       lease=timedelta(seconds=30))
    flow = MarriageWorkflow(local, central, config, SystemClock(), DeviceMode.REAL, rules_context(config), sync=sync)
    sync.start()
    print("ready", flush=True)
    for i in range(count):
        case_id = f"k{counter}-{i:04d}"
        stored = local.load_case(case_id)
        if stored is not None and stored.registration_uuid is not None:
            continue  # queued before a kill: the worker continues it, nobody resends by hand
        groom, bride = couple(counter, i)
        case = stored or ready_case(flow, case_id, groom, bride)
        # Waiting (the worker goes on) or refused: both are settled in the local store.
        with contextlib.suppress(CentralUnavailableError, PartyAlreadyMarriedError):
            flow.register(case)
        print(f"queued {i}", flush=True)
    print("all-queued", flush=True)
    while True:
        counts = local.outbox_counts()
        if counts[OutboxState.PENDING] + counts[OutboxState.SENDING] == 0:
            break
        time.sleep(0.05)
    sync.stop()
    central.close()
    local.close()
    print("drained", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
