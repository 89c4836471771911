"""Concurrent registrations on SQLite and PostgreSQL (notes §2.4 re-measured).

The done-when of the central store: 50 counters try at once to marry the same person
into 50 different marriages, 20 rounds, in threads and in processes, on both backends:
exactly one wins each round. Each worker does all 20 rounds behind a barrier, so the 50
processes start once per test (from a preloaded fork server) instead of once per round.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from queue import Empty
from typing import Any

import pytest

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest, RegistrationAck
from tests.app.central.helpers import RACE_PERSON, RACE_TIMEOUT_S, person_key, race_worker, thread_race

RequestFactory = Callable[..., MarriageRegistrationRequest]

WORKERS = 50
ROUNDS = 20


def _process_race(url: str, workers: int, rounds: int) -> list[tuple[int, int, str]]:
    # forkserver: workers fork from a clean process that imported the store once,
    # not from pytest (threads, open connections), and start in milliseconds.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "tests.app.central.helpers"])
    barrier = context.Barrier(workers)
    queue = context.Queue()
    processes = [
        context.Process(target=race_worker, args=(url, w, rounds, barrier, queue.put), name=f"race-{w}")
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    results: list[tuple[int, int, str]] = []
    try:
        deadline = time.monotonic() + RACE_TIMEOUT_S * 2
        while len(results) < workers * rounds and time.monotonic() < deadline:
            try:
                item: Any = queue.get(timeout=1)
            except Empty:
                if not any(process.is_alive() for process in processes):
                    break  # all gone: a crash, reported by the missing rounds
                continue
            results.append(item)
            if item[0] == -1:
                break
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        queue.close()
        queue.join_thread()
    return results


def _assert_one_winner_per_round(central: CentralStore, results: list[tuple[int, int, str]], rounds: int) -> None:
    failures = [outcome for r, _w, outcome in results if r == -1]
    assert not failures, failures
    by_round: dict[int, Counter[str]] = defaultdict(Counter)
    for r, _worker, outcome in results:
        by_round[r][outcome] += 1
    assert sorted(by_round) == list(range(rounds))
    for r, outcomes in sorted(by_round.items()):
        assert outcomes == Counter({"won": 1, "already_married": WORKERS - 1}), (r, outcomes)
    # The database agrees: one active marriage per contested person, no other marriage.
    marriages = central.list_marriages()
    assert len(marriages) == rounds
    for r in range(rounds):
        assert central.active_marriage_of(person_key(RACE_PERSON + r)) is not None
    # Losers used no certificate serial: each office's numbers run 1..n without a gap.
    serials: dict[str, list[int]] = defaultdict(list)
    for marriage in marriages:
        serials[marriage.office_code].append(int(marriage.certificate_no.rpartition("-")[2]))
    for office, numbers in serials.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (office, numbers)


@pytest.mark.slow
def test_fifty_threads_marry_one_person_one_winner_per_round(central: CentralStore, central_url: str) -> None:
    started = time.monotonic()
    results = thread_race(central_url, WORKERS, ROUNDS)
    elapsed = time.monotonic() - started
    _assert_one_winner_per_round(central, results, ROUNDS)
    assert elapsed < 30, f"{ROUNDS} rounds of {WORKERS} threads took {elapsed:.1f} s"


@pytest.mark.slow
def test_fifty_processes_marry_one_person_one_winner_per_round(central: CentralStore, central_url: str) -> None:
    started = time.monotonic()
    results = _process_race(central_url, WORKERS, ROUNDS)
    elapsed = time.monotonic() - started
    _assert_one_winner_per_round(central, results, ROUNDS)
    assert elapsed < 30, f"{ROUNDS} rounds of {WORKERS} processes took {elapsed:.1f} s"


def _race(central: CentralStore, requests: list[MarriageRegistrationRequest]) -> list[RegistrationAck | Exception]:
    """Sends all requests at once through one store, one thread each; returns each outcome."""
    start = threading.Barrier(len(requests))

    def attempt(request: MarriageRegistrationRequest) -> RegistrationAck | Exception:
        start.wait(timeout=10)
        try:
            return central.register_marriage(request)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(requests), thread_name_prefix="race") as pool:
        return list(pool.map(attempt, requests))


@pytest.mark.slow
def test_concurrent_resends_of_one_registration_are_one_marriage(
    central: CentralStore, request_for: RequestFactory
) -> None:
    """20 sends of one request at once (a counter retrying while a reply is late), 5 times.

    At READ COMMITTED a send may find its parties married by a concurrent send of the
    same UUID that committed a moment earlier: it must answer "duplicate", never
    "already married" (notes §2.2).
    """
    for couple in range(5):
        request = request_for(2 * couple, 2 * couple + 1)
        outcomes = _race(central, [request] * 20)

        acks = [o for o in outcomes if isinstance(o, RegistrationAck)]
        assert len(acks) == 20, [o for o in outcomes if not isinstance(o, RegistrationAck)]
        assert sum(not ack.duplicate for ack in acks) == 1
        assert {(ack.certificate_no, ack.registered_at) for ack in acks} == {
            (acks[0].certificate_no, acks[0].registered_at)
        }
        # A send that lost the race returned its serial: the numbers have no gap.
        assert acks[0].certificate_no == f"J110101-2026-{couple + 1:06d}"
    assert len(central.list_marriages()) == 5


@pytest.mark.slow
def test_concurrent_marriages_of_different_couples_all_succeed_with_distinct_serials(
    central: CentralStore, request_for: RequestFactory
) -> None:
    outcomes = _race(central, [request_for(2 * i, 2 * i + 1) for i in range(30)])
    acks = [o for o in outcomes if isinstance(o, RegistrationAck)]
    assert len(acks) == 30, outcomes
    assert sorted(a.certificate_no for a in acks) == [f"J110101-2026-{n:06d}" for n in range(1, 31)]
