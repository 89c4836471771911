"""The heads of the counters' audit chains in the central store (#10).

Each counter ships (seq, hash) of the last record of its audit log with its syncs
(app.sync.service); the central store keeps the latest per counter in `audit_head`.
A new head must prove that it continues the stored one: the counter sends, with it,
the hash of ITS OWN record at the stored sequence number (previous_seq, previous_hash;
(0, GENESIS) for a counter's first head). The stored head moves only when that pair is
the stored head: one conditional UPDATE (or, for a first head, an INSERT that does
nothing when a head exists), then the row is read back in the same transaction. The
very same head again is acknowledged (idempotent: a lost reply is resent). Anything
else is AuditHeadRefusedError (AUD-003): the counter's log was cut short or rewritten
(a log cut short that later grows past the stored number still carries another record
under it), and the stored head is left as it was for `audit verify` to compare with.

The counter role may insert the row and update these three columns
(app.central.admin.COUNTER_GRANTS). On PostgreSQL a trigger (migration 0005) refuses,
for every role but the admin, an update that moves a head back or changes the hash at
the same number, whatever SQL the counter sends. That a new head continues the old one
can only be checked with the counter's HMAC key: that check is this module's, i.e. the
client's, and raw SQL under the counter role could still move a head forward to a
record that does not exist (`audit verify` on the counter then reports it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from app.audit.errors import AuditHeadRefusedError
from app.audit.trail import GENESIS
from app.central.models import AuditHeadRow
from app.store.engine import dialect_insert

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_COUNTER_ID = 64


@dataclass(frozen=True, slots=True)
class AuditHeadRecord:
    counter_id: str
    seq: int
    head_hash: str
    shipped_at: datetime  # when this head was last received


def check_audit_head(
    counter_id: str, seq: int, head_hash: str, *, previous_seq: int = 0, previous_hash: str = GENESIS
) -> None:
    if not counter_id or len(counter_id) > MAX_COUNTER_ID:
        raise ValueError(f"a counter id has 1 to {MAX_COUNTER_ID} characters")
    for number in (seq, previous_seq):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValueError("an audit sequence number is a non-negative integer")
    for value in (head_hash, previous_hash):
        if not isinstance(value, str) or not _HEX64.match(value):
            raise ValueError("an audit head hash is 64 lower-case hex digits")
    if (previous_seq == 0) != (previous_hash == GENESIS):
        raise ValueError("the previous head is (0, GENESIS) exactly when there is none")
    if seq < previous_seq or (seq == previous_seq and head_hash != previous_hash):
        raise ValueError("an audit head continues its previous head: a higher seq, or the same head")


def store_audit_head(
    conn: Connection,
    counter_id: str,
    seq: int,
    head_hash: str,
    now: datetime,
    *,
    previous_seq: int,
    previous_hash: str,
) -> None:
    expected = None if previous_seq == 0 else (previous_seq, previous_hash)
    stored = _compare_and_set(conn, counter_id, seq, head_hash, now, expected)
    if stored is not None and stored.seq == seq and stored.head_hash == head_hash:
        return  # moved, or the very same head again
    if stored is None:
        detail = f"it continues seq {previous_seq}, the central store holds no head of it"
        stored_seq = 0
    elif stored.seq > seq:
        detail = f"it sent seq {seq}, the central store already has seq {stored.seq}"
        stored_seq = stored.seq
    elif stored.seq == seq:
        detail = f"it sent another record under seq {seq} than the one the central store received"
        stored_seq = stored.seq
    elif stored.seq != previous_seq:
        detail = f"it continues seq {previous_seq}, the central store holds seq {stored.seq}"
        stored_seq = stored.seq
    else:
        detail = f"its record at seq {stored.seq} is another record than the one the central store received"
        stored_seq = stored.seq
    raise AuditHeadRefusedError(counter_id=counter_id, detail=detail, seq=seq, stored_seq=stored_seq)


def replace_audit_head(
    conn: Connection,
    counter_id: str,
    seq: int,
    head_hash: str,
    now: datetime,
    *,
    replaced: tuple[int, str] | None,
) -> None:
    """Re-anchoring (`marriage-counter audit re-anchor`, IT after an AUD-003 incident):
    the stored head becomes (seq, head_hash) whether or not it continues the stored one,
    but only if the stored head is still `replaced` (None: there is none), the one IT
    looked at: a head shipped meanwhile fails it (AUD-003, run the command again)
    instead of being overwritten unseen."""
    check_audit_head(counter_id, seq, head_hash)
    stored = _compare_and_set(conn, counter_id, seq, head_hash, now, replaced)
    if stored is not None and (stored.seq, stored.head_hash) == (seq, head_hash):
        return
    raise AuditHeadRefusedError(
        counter_id=counter_id, seq=seq, stored_seq=stored.seq if stored is not None else 0,
        detail="the central head changed while it was being re-anchored; nothing was replaced, run the "
        "command again",
    )


def read_audit_head(conn: Connection, counter_id: str) -> AuditHeadRecord | None:
    row = conn.execute(
        select(AuditHeadRow.seq, AuditHeadRow.head_hash, AuditHeadRow.shipped_at).where(
            AuditHeadRow.counter_id == counter_id
        )
    ).one_or_none()
    if row is None:
        return None
    return AuditHeadRecord(counter_id, int(row.seq), str(row.head_hash), row.shipped_at)


def _compare_and_set(
    conn: Connection, counter_id: str, seq: int, head_hash: str, now: datetime, expected: tuple[int, str] | None
) -> Any:
    """The head becomes (seq, head_hash) if the stored one is `expected` (None: there is
    none: an INSERT that does nothing when one exists); returns the row read back in the
    same transaction ((seq, head_hash), or None)."""
    shipped_at = now.astimezone(UTC)
    if expected is None:
        conn.execute(
            dialect_insert(conn, AuditHeadRow)
            .values(counter_id=counter_id, seq=seq, head_hash=head_hash, shipped_at=shipped_at)
            .on_conflict_do_nothing(index_elements=[AuditHeadRow.counter_id])
        )
    else:
        conn.execute(
            update(AuditHeadRow)
            .where(
                AuditHeadRow.counter_id == counter_id,
                AuditHeadRow.seq == expected[0],
                AuditHeadRow.head_hash == expected[1],
            )
            .values(seq=seq, head_hash=head_hash, shipped_at=shipped_at)
        )
    return conn.execute(
        select(AuditHeadRow.seq, AuditHeadRow.head_hash).where(AuditHeadRow.counter_id == counter_id)
    ).one_or_none()

