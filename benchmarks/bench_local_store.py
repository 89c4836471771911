"""Saving a case after a small change vs saving it the first time (local store).

Every workflow step saves the whole case, so a step that changes one flag must not
rewrite the photos and scans (about 1-2 MB a case, domain.md §6). Prints the ratio
of the two, measured side by side in one run.

    .venv/bin/python benchmarks/bench_local_store.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from app.domain.case import CapturedDocument, Role, Voluntariness
from app.domain.identity import Sex
from app.store.local import LocalStore
from tests.factories import empty_case, identity, party

ROUNDS = 30


def heavy_case(index: int):  # type: ignore[no-untyped-def]
    scans = tuple(
        CapturedDocument(f"doc{index}-{n}", "other", os.urandom(300_000), "0" * 64,
                         datetime(2026, 11, 29, tzinfo=UTC), "cam")
        for n in range(4)
    )
    parties = {
        Role.A: party(Role.A, identity("甲", Sex.MALE, date(1990, 1, 1))),
        Role.B: party(Role.B, identity("乙", Sex.FEMALE, date(1991, 1, 1))),
    }
    return replace(empty_case(), case_id=f"case{index}", parties=parties, documents=scans)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, LocalStore(f"sqlite:///{Path(folder) / 'b.sqlite3'}") as store:
        first, again = [], []
        for index in range(ROUNDS):
            case = heavy_case(index)
            started = time.perf_counter()
            store.save_case(case)
            first.append(time.perf_counter() - started)
            changed = replace(case, voluntariness=Voluntariness.VOLUNTARY)
            started = time.perf_counter()
            store.save_case(changed)
            again.append(time.perf_counter() - started)
    full, step = statistics.median(first), statistics.median(again)
    print(f"first save (1.2 MB of scans): median {full * 1000:.1f} ms")
    print(f"save after a one-flag change: median {step * 1000:.1f} ms")
    print(f"ratio first/step: {full / step:.1f}x")


if __name__ == "__main__":
    main()
