"""The heads of the counters' audit chains in the central store (#10).

Each counter ships (seq, hash) of the last record of its audit log with its syncs
(app.sync.service); the central store keeps the latest per counter in `audit_head`.
The head only moves forward: one upsert whose update applies only to a higher
sequence number (or refreshes `shipped_at` for the very same head), then the row is
read back in the same transaction. Anything else (a lower number, or another hash
under the same number) is AuditHeadRefusedError (AUD-003): the counter's log was cut
short or rewritten, and the stored head is left as it was for `audit verify` to
compare with. Counters may insert and update these three columns, nothing else
(app.central.admin.COUNTER_GRANTS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, or_, select

from app.audit.errors import AuditHeadRefusedError
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


def check_audit_head(counter_id: str, seq: int, head_hash: str) -> None:
    if not counter_id or len(counter_id) > MAX_COUNTER_ID:
        raise ValueError(f"a counter id has 1 to {MAX_COUNTER_ID} characters")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError("an audit sequence number is a non-negative integer")
    if not _HEX64.match(head_hash):
        raise ValueError("an audit head hash is 64 lower-case hex digits")


def store_audit_head(conn: Connection, counter_id: str, seq: int, head_hash: str, now: datetime) -> None:
    insert = dialect_insert(conn, AuditHeadRow).values(
        counter_id=counter_id, seq=seq, head_hash=head_hash, shipped_at=now.astimezone(UTC)
    )
    forward = or_(
        AuditHeadRow.seq < insert.excluded.seq,
        (AuditHeadRow.seq == insert.excluded.seq) & (AuditHeadRow.head_hash == insert.excluded.head_hash),
    )
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[AuditHeadRow.counter_id],
            set_={"seq": insert.excluded.seq, "head_hash": insert.excluded.head_hash,
                  "shipped_at": insert.excluded.shipped_at},
            where=forward,
        )
    )
    stored = conn.execute(
        select(AuditHeadRow.seq, AuditHeadRow.head_hash).where(AuditHeadRow.counter_id == counter_id)
    ).one()
    if stored.seq == seq and stored.head_hash == head_hash:
        return
    if stored.seq > seq:
        detail = f"it sent seq {seq}, the central store already has seq {stored.seq}"
    else:
        detail = f"it sent another record under seq {seq} than the one the central store received"
    raise AuditHeadRefusedError(counter_id=counter_id, detail=detail, seq=seq, stored_seq=stored.seq)


def read_audit_head(conn: Connection, counter_id: str) -> AuditHeadRecord | None:
    row = conn.execute(
        select(AuditHeadRow.seq, AuditHeadRow.head_hash, AuditHeadRow.shipped_at).where(
            AuditHeadRow.counter_id == counter_id
        )
    ).one_or_none()
    if row is None:
        return None
    return AuditHeadRecord(counter_id, int(row.seq), str(row.head_hash), row.shipped_at)
