"""Audit events and log surgery for the audit tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.audit import AuditAction, AuditEvent
from app.audit.trail import AuditTrail

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
COUNTER = "counter-01"
T0 = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def event(n: int, action: AuditAction = AuditAction.VIEW, *, case_id: str | None = None,
          detail: str = "review", counter_id: str = COUNTER) -> AuditEvent:
    return AuditEvent(action, f"op-{n % 3}", counter_id, T0 + timedelta(seconds=n), case_id or f"case-{n % 5}",
                      detail)


def write_log(path: Path, count: int, key: bytes = KEY) -> AuditTrail:
    """A closed trail of `count` records."""
    with AuditTrail(path, key, COUNTER) as trail:
        for n in range(1, count + 1):
            trail.record(event(n))
    return trail


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, records: list[bytes], *, tail: bytes = b"") -> None:
    path.write_bytes(b"".join(line + b"\n" for line in records) + tail)


def edit(line: bytes, **changes: object) -> bytes:
    record = json.loads(line)
    record.update(changes)
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
