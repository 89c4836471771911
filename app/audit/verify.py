"""`verify`: recomputes every MAC and link of an audit log and names the first broken one.

What each break means (the record's own MAC is checked first, then its place):

- malformed: the line is not a record (unreadable JSON, a field missing or added);
- mac_mismatch: the record was edited after it was written, or forged without the key;
- wrong_key: no record verifies at all: the key is not the one the log was written with;
- seq_gap: a genuine record follows a gap in the sequence: records were deleted;
- seq_repeat: a genuine record whose number was already passed: copied, re-inserted or
  reordered;
- link_mismatch: the number fits but `prev` is not the previous record's MAC: a record
  was replaced by a genuine one from elsewhere (another log of the same key);
- torn_tail: the last line is unfinished (a power cut while writing, or bytes added
  without an end of line); the counter moves it aside at its next start.

A local log whose tail was cut off is still a valid chain. Only the head the central
store received (`expected_head`) shows it:

- truncated: the log ends before the central head's sequence number;
- diverged: the record at that number is not the one the central store received: the
  log was rewritten (or restored from an old backup and written on).
"""

from __future__ import annotations

import enum
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from app.audit.trail import (
    EMPTY_HEAD,
    GENESIS,
    O_BINARY,
    TORN_TAIL_ACTION,
    AuditHead,
    parse_record,
    record_mac,
    writers_excluded,
)

_CHUNK = 1 << 20


class Flaw(enum.StrEnum):
    MALFORMED = "malformed"
    MAC_MISMATCH = "mac_mismatch"
    WRONG_KEY = "wrong_key"
    SEQ_GAP = "seq_gap"
    SEQ_REPEAT = "seq_repeat"
    LINK_MISMATCH = "link_mismatch"
    TORN_TAIL = "torn_tail"
    TRUNCATED = "truncated"
    DIVERGED = "diverged"


@dataclass(frozen=True, slots=True)
class BrokenLink:
    flaw: Flaw
    line: int | None  # 1-based line of the file; None: beyond its end
    seq: int | None  # the record's sequence number (truncated: the central head's)
    message: str  # English, for IT; never personal data

    def as_json(self) -> dict[str, object]:
        return {"flaw": self.flaw.value, "line": self.line, "seq": self.seq, "message": self.message}


@dataclass(frozen=True, slots=True)
class TornTailNote:
    """A record by which the trail noted an unfinished line it moved aside."""

    line: int
    seq: int
    at: str
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    path: Path
    exists: bool
    lines: int  # lines read (an unfinished last line included)
    intact: int  # records before the first broken link
    head: AuditHead  # the last record of the intact part
    last_seq: int  # the highest sequence number of any record whose MAC verifies
    counter_id: str | None  # the counter named by the first record
    broken: BrokenLink | None  # the first broken link of the file
    expected_head: AuditHead | None  # the central store's head, when given
    central: BrokenLink | None  # the file disagrees with the central head
    torn_tails: tuple[TornTailNote, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None and self.central is None


def _lines(path: Path, size: int) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line, complete) of the first `size` bytes of the file."""
    with open(path, "rb", buffering=0) as handle:
        remaining = size
        pending = b""
        number = 0
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                number += 1
                yield number, line, True
        if pending:
            yield number + 1, pending, False


def _snapshot_size(path: Path) -> int:
    """The size of the log while no writer is appending: every line within it is complete
    and durable, unless a power cut tore it."""
    with writers_excluded(path):
        fd = os.open(path, os.O_RDONLY | O_BINARY)
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)


def _link_problem(
    record: dict[str, object], line: int, seq: int, expected_seq: int, expected_prev: str
) -> BrokenLink | None:
    if seq > expected_seq:
        missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq} to {seq - 1}"
        return BrokenLink(Flaw.SEQ_GAP, line, seq, f"records {missing} are missing before this one (deleted)")
    if seq < expected_seq:
        return BrokenLink(
            Flaw.SEQ_REPEAT, line, seq,
            f"sequence number {seq} comes after {expected_seq - 1}: a copied, re-inserted or reordered record",
        )
    if record["prev"] != expected_prev:
        return BrokenLink(
            Flaw.LINK_MISMATCH, line, seq,
            "the record does not link to the one before it (its prev is not that record's MAC): "
            "a record was replaced or lines of another log were put in",
        )
    return None


def verify(path: Path, key: bytes, expected_head: AuditHead | tuple[int, str] | None = None) -> VerifyReport:
    """Checks the log at `path` with `key` and, given the central store's head of this
    counter's chain, that the log still reaches it. A missing file is reported with
    `exists` False (an empty chain: only a central head can say something was there).
    OSError when the file exists but cannot be read."""
    expected = AuditHead(*expected_head) if expected_head is not None else None
    try:
        size = _snapshot_size(path)
    except FileNotFoundError:
        return _with_central(
            VerifyReport(path, False, 0, 0, EMPTY_HEAD, 0, None, None, expected, None), None, None, wrong_key=False
        )
    expected_seq, expected_prev = 1, GENESIS
    broken: BrokenLink | None = None
    intact = parsed = verified = last_seq = lines = 0
    head = EMPTY_HEAD
    counter_id: str | None = None
    central_record: tuple[int, str] | None = None  # (line, mac) of the record at the central head's seq
    torn_tails: list[TornTailNote] = []
    first_record_line: int | None = None
    for number, raw, complete in _lines(path, size):
        lines = number
        if not complete:
            if broken is None:
                broken = BrokenLink(
                    Flaw.TORN_TAIL, number, None,
                    f"the last line is unfinished ({len(raw)} bytes without an end of line): a power cut while "
                    "writing, or bytes added by hand; the counter moves it aside at its next start",
                )
            break
        record = parse_record(raw)
        if record is None:
            if broken is None:
                broken = BrokenLink(
                    Flaw.MALFORMED, number, None, "not an audit record (unreadable, or a field missing or added)"
                )
            continue
        parsed += 1
        seq = int(record["seq"])
        if first_record_line is None:
            first_record_line, counter_id = number, str(record["counter"])
        mac_ok = hmac.compare_digest(record_mac(key, record), str(record["mac"]))
        if mac_ok:
            verified += 1
            last_seq = max(last_seq, seq)
            if expected is not None and seq == expected.seq and central_record is None:
                central_record = (number, str(record["mac"]))
            if record["action"] == TORN_TAIL_ACTION:
                torn_tails.append(TornTailNote(number, seq, str(record["at"]), str(record["detail"])))
        if broken is not None:
            continue  # only counting MACs now (wrong key or not)
        if not mac_ok:
            broken = BrokenLink(
                Flaw.MAC_MISMATCH, number, seq,
                "the record's MAC does not match: it was edited after it was written, or forged without the key",
            )
            continue
        broken = _link_problem(record, number, seq, expected_seq, expected_prev)
        if broken is None:
            intact += 1
            head = AuditHead(seq, str(record["mac"]))
            expected_seq, expected_prev = seq + 1, head.hash
    wrong_key = (
        parsed >= 2 and verified == 0 and broken is not None
        and broken.flaw is Flaw.MAC_MISMATCH and broken.line == first_record_line
    )
    if wrong_key and broken is not None:
        broken = BrokenLink(
            Flaw.WRONG_KEY, broken.line, broken.seq,
            "no record verifies with this key: it is not the key the log was written with (another counter's, "
            "or a lost key created anew), or every record was forged",
        )
    report = VerifyReport(
        path, True, lines, intact, head, last_seq, counter_id, broken, expected, None, tuple(torn_tails)
    )
    return _with_central(report, central_record, last_seq, wrong_key=wrong_key)


def _with_central(
    report: VerifyReport, central_record: tuple[int, str] | None, last_seq: int | None, *, wrong_key: bool
) -> VerifyReport:
    expected = report.expected_head
    if expected is None or expected.seq <= 0 or wrong_key:
        return report
    problem: BrokenLink | None = None
    if not report.exists:
        problem = BrokenLink(
            Flaw.TRUNCATED, None, expected.seq,
            f"the log file is missing, but the central store received its records up to seq {expected.seq}",
        )
    elif central_record is not None:
        line, mac = central_record
        if not hmac.compare_digest(mac, expected.hash):
            problem = BrokenLink(
                Flaw.DIVERGED, line, expected.seq,
                f"record {expected.seq} is not the one the central store received: the log was rewritten "
                "(or restored from an old copy and written on)",
            )
    elif (last_seq or 0) < expected.seq:
        problem = BrokenLink(
            Flaw.TRUNCATED, None, expected.seq,
            f"the log ends at seq {last_seq or 0}, but the central store received records up to seq "
            f"{expected.seq}: records were cut off the end",
        )
    else:
        problem = BrokenLink(
            Flaw.DIVERGED, None, expected.seq,
            f"no intact record {expected.seq} although the central store received it and later records exist",
        )
    return report if problem is None else replace(report, central=problem)
