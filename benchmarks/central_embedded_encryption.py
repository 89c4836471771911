"""The embedded central store encrypted with SQLCipher (#10): its cost against the same
store in plain SQLite, side by side in one run.

Measures, for each file: opening the store (engine, key, schema check), one marriage
registration (the commit the registrar waits for, synchronous=FULL) and the lookup "is
this person married?" that runs for each card read. A benchmark, not a test: it never
fails on a number.

    .venv/bin/python -m benchmarks.central_embedded_encryption [--rounds 200]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest, RegistrationParty
from app.domain.case import Role

REGISTERED_ON = date(2026, 5, 20)


def _request() -> MarriageRegistrationRequest:
    a, b = (f"resident_id:CHN:{uuid.uuid4()}" for _ in range(2))
    return MarriageRegistrationRequest.create(
        reg_uuid=str(uuid.uuid4()), office_code="110101", counter_id="bench", registered_on=REGISTERED_ON,
        device_mode="real", parties=(RegistrationParty(Role.A, a, "甲"), RegistrationParty(Role.B, b, "乙")),
    )  # fmt: skip


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(path: Path, key: bytes | None, rounds: int) -> dict[str, float]:
    url = f"sqlite:///{path}"
    with CentralStore(url, cipher_key=key):  # creates the schema: not measured
        pass
    times: dict[str, list[float]] = {"open": [], "register": [], "lookup": []}
    for _ in range(max(3, rounds // 20)):
        store = CentralStore(url, cipher_key=key)
        times["open"].append(_timed(store.open))
        store.close()
    with CentralStore(url, cipher_key=key) as central:
        for _ in range(rounds):
            request = _request()
            times["register"].append(_timed(lambda: central.register_marriage(request)))  # noqa: B023
            person = request.parties[0].person_key
            times["lookup"].append(_timed(lambda: central.active_marriage_of(person)))  # noqa: B023
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory() as folder:
        # Twice each, interleaved, the second pass counted: the first pays the disk's warm-up.
        for attempt in range(2):
            plain = measure(Path(folder) / f"plain{attempt}.sqlite3", None, args.rounds)
            encrypted = measure(Path(folder) / f"encrypted{attempt}.sqlite3", key, args.rounds)
    print(f"{'median, ms':<16}{'plain':>10}{'SQLCipher':>12}{'ratio':>8}")
    for name in plain:
        print(f"{name:<16}{plain[name]:>10.2f}{encrypted[name]:>12.2f}{encrypted[name] / plain[name]:>8.2f}")


if __name__ == "__main__":
    main()
