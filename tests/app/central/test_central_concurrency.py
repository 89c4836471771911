"""Concurrent registrations against the embedded SQLite registry (notes §2.4 re-measured)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest, RegistrationAck
from app.errors import PartyAlreadyMarriedError

RequestFactory = Callable[..., MarriageRegistrationRequest]
KeyOf = Callable[[int], str]


def _race(central: CentralStore, requests: list[MarriageRegistrationRequest]) -> list[RegistrationAck | Exception]:
    """Sends all requests at once, one thread each; returns each outcome."""
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
def test_fifty_concurrent_marriages_of_one_person_have_one_winner(
    central: CentralStore, request_for: RequestFactory, key_of: KeyOf
) -> None:
    x = 1
    # X alternates between role A and role B, as in the probe.
    requests = [request_for(x, 100 + i) if i % 2 == 0 else request_for(100 + i, x) for i in range(50)]
    started = time.monotonic()
    outcomes = _race(central, requests)
    elapsed = time.monotonic() - started

    winners = [o for o in outcomes if isinstance(o, RegistrationAck)]
    kinds = Counter(type(o).__name__ for o in outcomes)
    assert len(winners) == 1, kinds
    assert kinds["PartyAlreadyMarriedError"] == 49, kinds
    assert winners[0].certificate_no == "J110101-2026-000001"  # losers used no serial
    for loser in outcomes:
        if isinstance(loser, PartyAlreadyMarriedError):
            assert "甲1" in loser.message or "乙1" in loser.message

    marriages = central.list_marriages()
    assert len(marriages) == 1
    active_rows = [p for m in marriages for p in m.parties if p.person_key == key_of(x) and p.active]
    assert len(active_rows) == 1
    active = central.active_marriage_of(key_of(x))
    assert active is not None and active.certificate_no == winners[0].certificate_no
    assert elapsed < 15, f"50 attempts took {elapsed:.1f} s"


@pytest.mark.slow
def test_concurrent_resends_of_one_registration_are_one_marriage(
    central: CentralStore, request_for: RequestFactory
) -> None:
    request = request_for(1, 2)
    outcomes = _race(central, [request] * 20)

    acks = [o for o in outcomes if isinstance(o, RegistrationAck)]
    assert len(acks) == 20, [o for o in outcomes if not isinstance(o, RegistrationAck)]
    assert sum(not ack.duplicate for ack in acks) == 1
    assert {(ack.certificate_no, ack.registered_at) for ack in acks} == {
        (acks[0].certificate_no, acks[0].registered_at)
    }
    assert len(central.list_marriages()) == 1


@pytest.mark.slow
def test_concurrent_marriages_of_different_couples_all_succeed_with_distinct_serials(
    central: CentralStore, request_for: RequestFactory
) -> None:
    outcomes = _race(central, [request_for(2 * i, 2 * i + 1) for i in range(30)])
    acks = [o for o in outcomes if isinstance(o, RegistrationAck)]
    assert len(acks) == 30, outcomes
    assert sorted(a.certificate_no for a in acks) == [f"J110101-2026-{n:06d}" for n in range(1, 31)]
