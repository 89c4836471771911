"""Request builders and race workers shared by the central tests.

A module of its own (not conftest) so that worker processes can import it: the
50-way races run the same worker in threads and in processes.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from app.central.store import CentralStore, schema_head
from app.central.types import MarriageRegistrationRequest, RegistrationParty, ReissueRequest
from app.domain.case import DeviceMode, Role
from app.errors import PartyAlreadyMarriedError

# Parsed once here, so that race workers forked from a fork server that imported this
# module inherit it instead of each parsing the migrations again.
schema_head()


def person_key(n: int) -> str:
    return f"resident_id:CHN:1101011990{n:07d}X"


def make_request(
    a: int = 1,
    b: int = 2,
    *,
    reg_uuid: str | None = None,
    office_code: str = "110101",
    registered_on: date = date(2026, 5, 20),
    device_mode: str = DeviceMode.REAL,
    counter_id: str = "counter-01",
) -> MarriageRegistrationRequest:
    return MarriageRegistrationRequest.create(
        reg_uuid=reg_uuid or str(uuid.uuid4()),
        office_code=office_code,
        counter_id=counter_id,
        registered_on=registered_on,
        device_mode=device_mode,
        parties=(
            RegistrationParty(Role.A, person_key(a), f"甲{a}"),
            RegistrationParty(Role.B, person_key(b), f"乙{b}"),
        ),
    )


def make_reissue(
    original_certificate_no: str,
    person: int,
    *,
    reissue_uuid: str | None = None,
    office_code: str = "110101",
    issued_on: date = date(2026, 9, 1),
    device_mode: str = DeviceMode.REAL,
    counter_id: str = "counter-01",
) -> ReissueRequest:
    """A reissue (补领) of `original_certificate_no` applied for by test person `person`."""
    return ReissueRequest.create(
        reissue_uuid=reissue_uuid or str(uuid.uuid4()),
        original_certificate_no=original_certificate_no,
        person_key=person_key(person),
        office_code=office_code,
        counter_id=counter_id,
        issued_on=issued_on,
        device_mode=device_mode,
    )


def new_uuid() -> str:
    return str(uuid.uuid4())


def archive_file(name: str, data: bytes) -> tuple[str, str, bytes]:
    return name, hashlib.sha256(data).hexdigest(), data


class BarrierLike(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...

    def abort(self) -> None: ...


RACE_PERSON = 1_000_000  # person X of round r is RACE_PERSON + r
RACE_PARTNER = 2_000_000  # worker w's partner in round r is RACE_PARTNER + 100 * r + w
RACE_OFFICES = 10  # worker w registers at office 110101 + w % RACE_OFFICES
RACE_TIMEOUT_S = 60.0
RACE_JITTER_S = float(os.environ.get("RACE_JITTER_S", "0"))


def race_office(worker: int) -> str:
    return f"{110101 + worker % RACE_OFFICES}"


def race_worker(url: str, worker: int, rounds: int, barrier: BarrierLike, report: Callable[[Any], None]) -> None:
    """Counter `worker` of a race: in round r it tries to marry person X_r (alternating
    roles A and B) to its own partner, all workers released together by the barrier.
    Workers are spread over several offices: those of one office also contend for its
    certificate serial row, the others meet only at the one-active-marriage index.
    Reports (round, worker, outcome) with outcome 'won', 'already_married' or the error.
    """
    store = CentralStore(url)
    try:
        store.open()
        for r in range(rounds):
            x, partner = RACE_PERSON + r, RACE_PARTNER + 100 * r + worker
            office = race_office(worker)
            request = (
                make_request(x, partner, office_code=office)
                if worker % 2 == 0
                else make_request(partner, x, office_code=office)
            )
            barrier.wait(RACE_TIMEOUT_S)
            if RACE_JITTER_S:
                time.sleep(random.uniform(0, RACE_JITTER_S))
            try:
                store.register_marriage(request)
                outcome = "won"
            except PartyAlreadyMarriedError:
                outcome = "already_married"
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            report((r, worker, outcome))
    except BaseException as exc:
        barrier.abort()  # the others fail fast instead of waiting for the timeout
        report((-1, worker, f"worker failed: {type(exc).__name__}: {exc}"))
    finally:
        store.close()


def thread_race(url: str, workers: int, rounds: int) -> list[tuple[int, int, str]]:
    """`workers` threads, one CentralStore each (each a counter), `rounds` rounds."""
    barrier = threading.Barrier(workers)
    results: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def report(item: Any) -> None:
        with lock:
            results.append(item)

    threads = [
        threading.Thread(target=race_worker, args=(url, w, rounds, barrier, report), name=f"race-{w}")
        for w in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
