"""The local store's outbox: due items, claims with a lease, settling in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.case import CaseStatus, MarriageCase
from app.store.local import LocalStore, Settlement
from app.sync.types import ArchiveFileRecord, OutboxEntry, OutboxItem, OutboxKind, OutboxState
from tests.factories import empty_case

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
UUIDS = ["5b0c1f2e-7d0e-4a8c-9b7a-1f3c2d4e5f6" + str(n) for n in range(10)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    with LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite3'}") as opened:
        yield opened


def _queue(store: LocalStore, n: int, kind: OutboxKind = OutboxKind.REGISTRATION, at: datetime = T0) -> OutboxItem:
    case = dataclasses.replace(empty_case(), case_id=f"case-{n}", registration_uuid=UUIDS[n])
    files = (ArchiveFileRecord.of("a.png", b"a"), ArchiveFileRecord.of("manifest.json", b"{}"))
    entry = OutboxEntry(kind, case.case_id, UUIDS[n], {"n": n}, files if kind is OutboxKind.ARCHIVE else ())
    store.save_case(case, enqueue=(entry,), now=at)
    item = store.outbox_item(entry.item_id)
    assert item is not None
    return item


def test_due_items_registrations_first(store: LocalStore) -> None:
    archive = _queue(store, 1, OutboxKind.ARCHIVE, T0)
    registration = _queue(store, 2, OutboxKind.REGISTRATION, T0 + timedelta(seconds=5))
    assert store.outbox_due(T0) == [archive]
    assert [i.item_id for i in store.outbox_due(T0 + timedelta(seconds=5))] == [registration.item_id, archive.item_id]
    assert store.outbox_next_attempt_at() == T0
    assert store.outbox_counts() == {s: (2 if s is OutboxState.PENDING else 0) for s in OutboxState}


def test_claim_takes_a_due_item_once_with_a_lease(store: LocalStore) -> None:
    item = _queue(store, 1)
    lease = T0 + timedelta(minutes=2)
    assert store.outbox_claim(item.item_id, now=T0 - timedelta(seconds=1), lease_until=lease) is None  # not due
    claimed = store.outbox_claim(item.item_id, now=T0, lease_until=lease)
    assert claimed is not None and claimed.state is OutboxState.SENDING and claimed.attempts == 1
    assert store.outbox_claim(item.item_id, now=T0, lease_until=lease) is None  # leased to the first sender
    assert store.outbox_due(lease) == [claimed]  # the sender died: due again after the lease
    forced = store.outbox_claim(item.item_id, now=T0, lease_until=lease, force=True)
    assert forced is not None and forced.attempts == 2


def test_stale_outcomes_are_ignored_but_an_ack_always_wins(store: LocalStore) -> None:
    item = _queue(store, 1)
    first = store.outbox_claim(item.item_id, now=T0, lease_until=T0, force=True)
    second = store.outbox_claim(item.item_id, now=T0, lease_until=T0, force=True)
    assert first is not None and second is not None
    retry = Settlement(item.item_id, first.attempts, OutboxState.PENDING, T0, next_attempt_at=T0, last_error="x")
    assert store.outbox_settle(retry) == (None, None)  # superseded by the second claim

    def registered(case: MarriageCase) -> MarriageCase:
        return dataclasses.replace(case, status=CaseStatus.REGISTERED)

    ack = Settlement(item.item_id, first.attempts, OutboxState.ACKNOWLEDGED, T0, result={"certificate_no": "J1"},
                     case_change=registered)
    settled, case = store.outbox_settle(ack)  # the first attempt's ack: the central store's answer
    assert settled is not None and settled.state is OutboxState.ACKNOWLEDGED
    assert settled.result == {"certificate_no": "J1"}
    assert case is not None and case == store.load_case("case-1") and case.status is CaseStatus.REGISTERED
    late = Settlement(item.item_id, second.attempts, OutboxState.PENDING, T0, next_attempt_at=T0, last_error="cut")
    assert store.outbox_settle(late) == (None, None)  # final stays final
    assert store.outbox_due(T0 + timedelta(days=1), force=True) == []


def test_recover_makes_sending_items_due(store: LocalStore) -> None:
    item = _queue(store, 1)
    store.outbox_claim(item.item_id, now=T0, lease_until=T0 + timedelta(hours=1))
    assert store.outbox_recover_sending(T0) == 1
    [again] = store.outbox_due(T0)
    assert again.state is OutboxState.PENDING and again.attempts == 1


def test_confirmed_files_lose_their_bytes_only_when_the_hash_matches(store: LocalStore) -> None:
    item = _queue(store, 1, OutboxKind.ARCHIVE)
    claimed = store.outbox_claim(item.item_id, now=T0, lease_until=T0)
    assert claimed is not None
    good = ArchiveFileRecord.of("a.png", b"a").sha256
    store.outbox_settle(Settlement(item.item_id, claimed.attempts, OutboxState.PENDING, T0, next_attempt_at=T0,
                                   confirmed_files={"a.png": good, "manifest.json": "0" * 64}))
    files = {f.name: f for f in store.archive_files("case-1")}
    assert files["a.png"].data is None and files["a.png"].confirmed
    assert files["manifest.json"].data == b"{}" and not files["manifest.json"].confirmed


def test_items_by_case_and_state(store: LocalStore) -> None:
    one, two = _queue(store, 1), _queue(store, 2, at=T0 + timedelta(seconds=1))
    assert store.outbox_items() == [one, two]
    assert store.outbox_items(case_id="case-2") == [two]
    assert store.outbox_items(states=[OutboxState.FAILED]) == []
    assert store.outbox_item_for(OutboxKind.REGISTRATION, UUIDS[2]) == two
    assert store.outbox_item_for(OutboxKind.ARCHIVE, UUIDS[2]) is None
