"""Encryption at rest of the local store (#10): its cost, encrypted vs plain, one run.

Measures, each store side by side: the first save of a case with 1.2 MB of scans and
two photos, a save after a one-flag change (the workflow's usual step: only the case row
is sealed again), loading the case, and listing a queue of QUEUE cases (the titles,
central errors and certificate numbers are decrypted for every line).

    .venv/bin/python -m benchmarks.local_store_encryption
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from app.domain.case import CapturedDocument, MarriageCase, Role, Voluntariness
from app.domain.identity import Sex
from app.security.keys import MemoryKeyStore
from app.store.local import LocalStore
from app.store.protection import StoreProtection
from tests.factories import empty_case, identity, party

ROUNDS = 20
QUEUE = 500


def heavy_case(index: int) -> MarriageCase:
    scans = tuple(
        CapturedDocument(f"doc{index}-{n}", "other", os.urandom(300_000), "0" * 64,
                         datetime(2026, 11, 29, tzinfo=UTC), "cam")
        for n in range(4)
    )
    parties = {
        Role.A: replace(party(Role.A, identity("李明轩", Sex.MALE, date(1990, 1, 1))), photo_png=os.urandom(30_000)),
        Role.B: replace(party(Role.B, identity("王雨桐", Sex.FEMALE, date(1991, 1, 1))), photo_png=os.urandom(30_000)),
    }
    return replace(empty_case(), case_id=f"case{index:05d}", parties=parties, documents=scans)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(folder: Path, protection: StoreProtection) -> dict[str, float]:
    times: dict[str, list[float]] = {"first save": [], "step save": [], "load": [], "queue": []}
    with LocalStore(f"sqlite:///{folder / 'counter.sqlite3'}", protection=protection) as store:
        for index in range(ROUNDS):
            case = heavy_case(index)
            times["first save"].append(timed(lambda: store.save_case(case)))  # noqa: B023
            changed = replace(case, voluntariness=Voluntariness.VOLUNTARY)
            times["step save"].append(timed(lambda: store.save_case(changed)))  # noqa: B023
            times["load"].append(timed(lambda: store.load_case(case.case_id)))  # noqa: B023
        light = replace(heavy_case(0), documents=())
        for index in range(ROUNDS, QUEUE):
            store.save_case(replace(light, case_id=f"case{index:05d}"))
        for _ in range(ROUNDS):
            times["queue"].append(timed(store.list_cases))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as plain_dir, tempfile.TemporaryDirectory() as sealed_dir:
        plain = measure(Path(plain_dir), StoreProtection(None, encrypt=False))
        sealed = measure(Path(sealed_dir), StoreProtection(MemoryKeyStore()))
    print(f"{'median, ms':<34}{'plain':>9}{'encrypted':>11}{'ratio':>8}")
    labels = {
        "first save": "first save (1.2 MB scans, 2 photos)",
        "step save": "save after a one-flag change",
        "load": "load the case",
        "queue": f"list a queue of {QUEUE} cases",
    }
    for name, label in labels.items():
        print(f"{label:<34}{plain[name] * 1000:>9.2f}{sealed[name] * 1000:>11.2f}{sealed[name] / plain[name]:>8.2f}")


if __name__ == "__main__":
    main()
