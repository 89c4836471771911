"""The heads of the counters' audit chains: they only move forward; a head going back,
or another hash under the same number, is refused (AUD-003) and the stored one stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.errors import AuditHeadRefusedError
from app.central.admin import init_central
from app.central.store import CentralStore
from tests.pg import PostgresServer

H1, H2, H3 = "1" * 64, "2" * 64, "3" * 64


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def test_head_moves_forward_and_is_idempotent(central: CentralStore) -> None:
    assert central.audit_head_of("counter-01") is None
    central.record_audit_head("counter-01", 3, H1)
    first = central.audit_head_of("counter-01")
    assert first is not None and (first.seq, first.head_hash) == (3, H1)
    central.record_audit_head("counter-01", 3, H1)  # a resend after a lost reply
    central.record_audit_head("counter-01", 7, H2)
    head = central.audit_head_of("counter-01")
    assert head is not None and (head.counter_id, head.seq, head.head_hash) == ("counter-01", 7, H2)
    assert head.shipped_at.tzinfo is not None
    central.record_audit_head("counter-02", 1, H3)  # counters are independent
    assert central.audit_head_of("counter-01") == head


@pytest.mark.parametrize(("seq", "head_hash", "said"), [(5, H3, "already has seq 7"), (7, H3, "another record")])
def test_going_back_or_rewriting_is_refused(central: CentralStore, seq: int, head_hash: str, said: str) -> None:
    central.record_audit_head("counter-01", 7, H2)
    with pytest.raises(AuditHeadRefusedError) as refused:
        central.record_audit_head("counter-01", seq, head_hash)
    assert refused.value.code == "AUD-003" and said in str(refused.value) and "counter-01" in str(refused.value)
    assert refused.value.params["stored_seq"] == 7
    head = central.audit_head_of("counter-01")
    assert head is not None and (head.seq, head.head_hash) == (7, H2)


def test_same_head_again_refreshes_when_it_was_shipped(sqlite_central_url: str) -> None:
    with CentralStore(sqlite_central_url, clock=_Clock()) as central:
        central.record_audit_head("counter-01", 2, H1)
        first = central.audit_head_of("counter-01")
        central.record_audit_head("counter-01", 2, H1)
        again = central.audit_head_of("counter-01")
        assert first is not None and again is not None and again.shipped_at > first.shipped_at


@pytest.mark.parametrize(
    ("counter_id", "seq", "head_hash"), [("", 1, H1), ("c" * 65, 1, H1), ("c", -1, H1), ("c", 1, "A" * 64)]
)
def test_bad_heads_are_refused_before_the_database(central: CentralStore, counter_id: str, seq: int,
                                                   head_hash: str) -> None:
    with pytest.raises(ValueError):
        central.record_audit_head(counter_id, seq, head_hash)


def test_counter_role_may_ship_heads(postgres_server: PostgresServer, postgres_url: str) -> None:
    role = "mc_counter_audit"
    init_central(postgres_url, counter_role=role)
    counter_url = postgres_server.url(postgres_url.rpartition("/")[2], user=role)
    with CentralStore(counter_url) as central:
        central.record_audit_head("counter-01", 1, H1)
        central.record_audit_head("counter-01", 2, H2)
        with pytest.raises(AuditHeadRefusedError):
            central.record_audit_head("counter-01", 1, H1)
        head = central.audit_head_of("counter-01")
        assert head is not None and head.seq == 2
