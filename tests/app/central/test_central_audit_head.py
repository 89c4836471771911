"""The heads of the counters' audit chains: a new head must continue the stored one
(the counter's own record at the stored seq); a head going back, a log cut short (even
once it grew past the stored seq) or rewritten is refused (AUD-003), the stored one stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.errors import AuditHeadRefusedError
from app.audit.trail import GENESIS
from app.central.admin import init_central
from app.central.store import CentralStore
from tests.pg import PostgresServer

H1, H2, H3 = "1" * 64, "2" * 64, "3" * 64
H4 = "4" * 64


def _ship(central: CentralStore, counter_id: str, seq: int, head_hash: str,
          previous: tuple[int, str] = (0, GENESIS)) -> None:
    central.record_audit_head(counter_id, seq, head_hash, previous_seq=previous[0], previous_hash=previous[1])


def _head(central: CentralStore, counter_id: str = "counter-01") -> tuple[int, str] | None:
    head = central.audit_head_of(counter_id)
    return None if head is None else (head.seq, head.head_hash)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def test_head_moves_forward_and_is_idempotent(central: CentralStore) -> None:
    assert central.audit_head_of("counter-01") is None
    _ship(central, "counter-01", 3, H1)  # the first head continues GENESIS
    first = central.audit_head_of("counter-01")
    assert first is not None and (first.seq, first.head_hash) == (3, H1)
    _ship(central, "counter-01", 3, H1)  # a resend after a lost reply (as first sent)
    _ship(central, "counter-01", 3, H1, (3, H1))  # the same head, continuing itself
    _ship(central, "counter-01", 7, H2, (3, H1))  # normal growth: its record at seq 3 is H1
    head = central.audit_head_of("counter-01")
    assert head is not None and (head.counter_id, head.seq, head.head_hash) == ("counter-01", 7, H2)
    assert head.shipped_at.tzinfo is not None
    _ship(central, "counter-01", 7, H2, (3, H1))  # that growth resent after a lost reply
    _ship(central, "counter-02", 1, H3)  # counters are independent
    assert central.audit_head_of("counter-01") == head


@pytest.mark.parametrize(
    ("seq", "head_hash", "previous", "said"),
    [
        (5, H3, (3, H1), "already has seq 7"),  # going back
        (7, H3, (0, GENESIS), "another record"),  # another record under seq 7
        (9, H3, (0, GENESIS), "holds seq 7"),  # starts again from GENESIS (log replaced)
        (9, H3, (3, H1), "holds seq 7"),  # continues an older head
        (9, H3, (7, H4), "its record at seq 7 is another record"),  # rewritten, then grown
    ],
)
def test_a_head_not_continuing_the_stored_one_is_refused(
    central: CentralStore, seq: int, head_hash: str, previous: tuple[int, str], said: str
) -> None:
    _ship(central, "counter-01", 3, H1)
    _ship(central, "counter-01", 7, H2, (3, H1))
    with pytest.raises(AuditHeadRefusedError) as refused:
        _ship(central, "counter-01", seq, head_hash, previous)
    assert refused.value.code == "AUD-003" and said in str(refused.value) and "counter-01" in str(refused.value)
    assert refused.value.params["stored_seq"] == 7
    assert _head(central) == (7, H2)


def test_a_cut_log_that_grew_past_the_stored_seq_is_still_refused(
    central: CentralStore, caplog: pytest.LogCaptureFixture
) -> None:
    _ship(central, "counter-01", 5, H1)
    # Cut back to seq 3 and grown to 8: its record at seq 5 is a new one (H3), not H1.
    with pytest.raises(AuditHeadRefusedError), caplog.at_level("WARNING", logger="app.central.store"):
        _ship(central, "counter-01", 8, H2, (5, H3))
    assert _head(central) == (5, H1)
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == [
        "audit head of counter counter-01 refused (seq 8 after seq 5; stored seq 5): "
        "its record at seq 5 is another record than the one the central store received"
    ]


def test_a_first_head_needs_none_stored_and_continues_genesis(central: CentralStore) -> None:
    with pytest.raises(AuditHeadRefusedError) as refused:
        _ship(central, "counter-01", 4, H2, (2, H1))  # claims a head the store never had
    assert "holds no head" in str(refused.value) and _head(central) is None
    _ship(central, "counter-01", 2, H1)
    assert _head(central) == (2, H1)


def test_same_head_again_refreshes_when_it_was_shipped(sqlite_central_url: str) -> None:
    with CentralStore(sqlite_central_url, clock=_Clock()) as central:
        _ship(central, "counter-01", 2, H1)
        first = central.audit_head_of("counter-01")
        _ship(central, "counter-01", 2, H1, (2, H1))
        again = central.audit_head_of("counter-01")
        assert first is not None and again is not None and again.shipped_at > first.shipped_at


@pytest.mark.parametrize(
    ("counter_id", "seq", "head_hash", "previous"),
    [
        ("", 1, H1, (0, GENESIS)),
        ("c" * 65, 1, H1, (0, GENESIS)),
        ("c", -1, H1, (0, GENESIS)),
        ("c", 1, "A" * 64, (0, GENESIS)),
        ("c", 3, H1, (0, H2)),  # no previous head, but not GENESIS
        ("c", 3, H1, (1, GENESIS)),  # a previous head with GENESIS
        ("c", 3, H1, (-1, H2)),
        ("c", 3, H1, (1, "x" * 64)),
        ("c", 3, H1, (4, H2)),  # going back from its own previous
        ("c", 3, H1, (3, H2)),  # the same seq, another hash
    ],
)
def test_bad_heads_are_refused_before_the_database(
    central: CentralStore, counter_id: str, seq: int, head_hash: str, previous: tuple[int, str]
) -> None:
    with pytest.raises(ValueError):
        _ship(central, counter_id, seq, head_hash, previous)
    assert central.audit_head_of(counter_id or "c") is None


def test_counter_role_may_ship_heads(postgres_server: PostgresServer, postgres_url: str) -> None:
    role = "mc_counter_audit"
    init_central(postgres_url, counter_role=role)
    counter_url = postgres_server.url(postgres_url.rpartition("/")[2], user=role)
    with CentralStore(counter_url) as central:
        _ship(central, "counter-01", 1, H1)
        _ship(central, "counter-01", 2, H2, (1, H1))
        _ship(central, "counter-01", 2, H2, (1, H1))  # idempotent under the counter role too
        with pytest.raises(AuditHeadRefusedError):
            _ship(central, "counter-01", 3, H3, (1, H1))
        with pytest.raises(AuditHeadRefusedError):
            _ship(central, "counter-01", 1, H1)
        head = central.audit_head_of("counter-01")
        assert head is not None and head.seq == 2


def test_the_server_refuses_a_counter_role_moving_its_head_back_with_raw_sql(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    """Migration 0005's trigger: the forward-only rule holds without the client's code."""
    import psycopg

    role = "mc_counter_raw"
    init_central(postgres_url, counter_role=role)
    database = postgres_url.rpartition("/")[2]
    with CentralStore(postgres_server.url(database, user=role)) as central:
        _ship(central, "counter-01", 1, H1)
        _ship(central, "counter-01", 2, H2, (1, H1))
    raw_url = postgres_server.url(database, user=role).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw_url, autocommit=True) as counter:
        for statement in ("UPDATE audit_head SET seq = 1, head_hash = %s WHERE counter_id = 'counter-01'",
                          "UPDATE audit_head SET head_hash = %s WHERE counter_id = 'counter-01'"):
            with pytest.raises(psycopg.errors.CheckViolation, match="may only move forward"):
                counter.execute(statement, (H3,))
        counter.execute("UPDATE audit_head SET seq = 3, head_hash = %s WHERE counter_id = 'counter-01'", (H3,))
    with CentralStore(postgres_url) as admin:  # the owner (IT re-anchoring) is not held back
        admin.reanchor_audit_head("counter-01", 1, H1, replaced=(3, H3))
        assert _head(admin) == (1, H1)


def test_re_anchoring_replaces_only_the_head_it_was_given(central: CentralStore) -> None:
    """`audit re-anchor` (app.audit.reanchor): a head that does not continue the stored
    one replaces it, but only while the stored one is the one IT replaced."""
    _ship(central, "counter-01", 5, H1)
    with pytest.raises(AuditHeadRefusedError, match="changed while it was being re-anchored"):
        central.reanchor_audit_head("counter-01", 2, H2, replaced=(4, H1))
    with pytest.raises(AuditHeadRefusedError):
        central.reanchor_audit_head("counter-01", 2, H2, replaced=None)  # there is one
    assert _head(central) == (5, H1)
    central.reanchor_audit_head("counter-01", 2, H2, replaced=(5, H1))
    assert _head(central) == (2, H2)
    _ship(central, "counter-01", 3, H3, (2, H2))  # shipping continues the new head
    central.reanchor_audit_head("counter-02", 1, H4, replaced=None)  # a counter without a head
    assert _head(central, "counter-02") == (1, H4)
