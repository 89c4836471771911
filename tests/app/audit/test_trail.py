"""The audit trail: an append-only HMAC chain whose every edit, forgery, insertion,
deletion and torn line `verify` names at its line, and whose cut-off tail only the
central head reveals."""

from __future__ import annotations

import errno
import itertools
import json
import os
import stat
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from app.audit import AuditAction, AuditEvent
from app.audit.errors import AuditWriteError
from app.audit.trail import (
    GENESIS,
    TORN_TAIL_ACTION,
    AuditHead,
    AuditTrail,
    canonical,
    read_head,
    record_mac,
)
from app.audit.verify import Flaw, verify
from tests.app.audit.helpers import COUNTER, KEY, OTHER_KEY, T0, edit, event, lines, write_lines, write_log


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "audit.jsonl"


def test_records_form_a_chain_that_verifies(log_path: Path) -> None:
    trail = write_log(log_path, 10)
    records = [json.loads(line) for line in lines(log_path)]
    assert [r["seq"] for r in records] == list(range(1, 11))
    assert records[0]["prev"] == GENESIS
    assert all(b["prev"] == a["mac"] for a, b in itertools.pairwise(records))
    assert all(record_mac(KEY, r) == r["mac"] for r in records)
    assert lines(log_path)[0] == canonical(records[0])  # the line is the canonical JSON
    assert records[2] == {
        "seq": 3, "at": "2026-11-30T09:30:03+00:00", "counter": COUNTER, "operator": "op-0", "action": "view",
        "case": "case-3", "detail": "review", "prev": records[1]["mac"], "mac": records[2]["mac"],
    }
    report = verify(log_path, KEY)
    assert report.ok and report.intact == report.lines == 10 and report.counter_id == COUNTER
    assert report.head == AuditHead(10, records[-1]["mac"]) == read_head(log_path)
    assert trail.path == log_path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_log_is_readable_by_the_counter_account_only(log_path: Path) -> None:
    write_log(log_path, 1)
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_path.parent.stat().st_mode) == 0o700


def test_a_reopened_trail_continues_the_chain(log_path: Path) -> None:
    write_log(log_path, 3)
    with AuditTrail(log_path, KEY, COUNTER) as trail:
        assert trail.head().seq == 3
        trail.record(event(4, AuditAction.PRINT))
        assert trail.head() == read_head(log_path)
    report = verify(log_path, KEY)
    assert report.ok and report.head.seq == 4


def test_empty_log(log_path: Path) -> None:
    with AuditTrail(log_path, KEY, COUNTER) as trail:
        assert trail.head() == AuditHead(0, GENESIS)
    report = verify(log_path, KEY)
    assert report.ok and report.exists and report.lines == 0 and report.head == (0, GENESIS)


def test_edited_record_is_reported_at_its_line(log_path: Path) -> None:
    write_log(log_path, 8)
    records = lines(log_path)
    records[3] = edit(records[3], operator="op-9")  # someone covers another operator's tracks
    write_lines(log_path, records)
    report = verify(log_path, KEY)
    assert not report.ok and report.broken is not None
    assert (report.broken.flaw, report.broken.line, report.broken.seq) == (Flaw.MAC_MISMATCH, 4, 4)
    assert report.intact == 3 and report.head.seq == 3
    assert "edited" in report.broken.message


def test_forged_record_inserted_is_reported(log_path: Path) -> None:
    write_log(log_path, 6)
    records = lines(log_path)
    previous = json.loads(records[2])
    # A forger without the key: right seq and prev, a MAC of his own key.
    forged = {**previous, "seq": 4, "prev": previous["mac"], "action": "view", "case": "case-x"}
    forged["mac"] = record_mac(OTHER_KEY, forged)
    write_lines(log_path, [*records[:3], canonical(forged), *records[3:]])
    report = verify(log_path, KEY)
    assert report.broken is not None and (report.broken.flaw, report.broken.line) == (Flaw.MAC_MISMATCH, 4)


def test_deleted_record_is_reported_where_the_gap_is(log_path: Path) -> None:
    write_log(log_path, 8)
    records = lines(log_path)
    write_lines(log_path, records[:3] + records[4:])  # seq 4 gone
    report = verify(log_path, KEY)
    assert report.broken is not None
    assert (report.broken.flaw, report.broken.line, report.broken.seq) == (Flaw.SEQ_GAP, 4, 5)
    assert "4 are missing" in report.broken.message and report.intact == 3


def test_copied_genuine_record_is_reported(log_path: Path) -> None:
    write_log(log_path, 5)
    records = lines(log_path)
    write_lines(log_path, [*records, records[1]])  # replayed
    report = verify(log_path, KEY)
    assert report.broken is not None
    assert (report.broken.flaw, report.broken.line, report.broken.seq) == (Flaw.SEQ_REPEAT, 6, 2)
    assert report.intact == 5


def test_record_from_another_log_is_reported_as_a_broken_link(tmp_path: Path, log_path: Path) -> None:
    write_log(log_path, 5)
    other = tmp_path / "other.jsonl"
    with AuditTrail(other, KEY, COUNTER) as trail:  # same key, other events
        for n in range(1, 6):
            trail.record(event(n, detail="forms"))
    records, others = lines(log_path), lines(other)
    write_lines(log_path, [*records[:2], others[2], *records[3:]])
    report = verify(log_path, KEY)
    assert report.broken is not None
    assert (report.broken.flaw, report.broken.line, report.broken.seq) == (Flaw.LINK_MISMATCH, 3, 3)


def test_garbage_line_is_reported(log_path: Path) -> None:
    write_log(log_path, 3)
    records = lines(log_path)
    write_lines(log_path, [records[0], b"not json", *records[1:]])
    report = verify(log_path, KEY)
    assert report.broken is not None and (report.broken.flaw, report.broken.line) == (Flaw.MALFORMED, 2)


def test_cut_off_tail_is_detected_only_against_the_central_head(log_path: Path) -> None:
    write_log(log_path, 10)
    central_head = read_head(log_path)
    records = lines(log_path)
    write_lines(log_path, records[:7])
    alone = verify(log_path, KEY)
    assert alone.ok and alone.head.seq == 7  # a shorter chain is still a chain
    report = verify(log_path, KEY, central_head)
    assert not report.ok and report.broken is None and report.central is not None
    assert (report.central.flaw, report.central.seq) == (Flaw.TRUNCATED, 10)
    assert "ends at seq 7" in report.central.message
    # The central store holding an older head than the log's end is the normal case.
    older = AuditHead(7, json.loads(records[6])["mac"])
    assert verify(log_path, KEY, older).ok


def test_rewritten_log_diverges_from_the_central_head(log_path: Path) -> None:
    write_log(log_path, 5)
    central_head = read_head(log_path)
    log_path.unlink()
    with AuditTrail(log_path, KEY, COUNTER) as trail:  # rewritten from scratch, one record longer
        for n in range(1, 7):
            trail.record(event(n, detail="forms"))
    report = verify(log_path, KEY, central_head)
    assert report.broken is None and report.central is not None
    assert (report.central.flaw, report.central.line, report.central.seq) == (Flaw.DIVERGED, 5, 5)


def test_missing_log_is_only_a_finding_with_a_central_head(log_path: Path) -> None:
    report = verify(log_path, KEY)
    assert report.ok and not report.exists
    report = verify(log_path, KEY, (3, "a" * 64))
    assert report.central is not None and report.central.flaw is Flaw.TRUNCATED and "missing" in report.central.message


def test_wrong_key_is_reported_as_such(log_path: Path) -> None:
    write_log(log_path, 5)
    report = verify(log_path, OTHER_KEY)
    assert report.broken is not None and (report.broken.flaw, report.broken.line) == (Flaw.WRONG_KEY, 1)
    assert report.intact == 0
    # A wrong key says nothing about truncation either way.
    assert verify(log_path, OTHER_KEY, (9, "a" * 64)).central is None


def test_torn_last_line_is_reported_then_moved_aside_at_the_next_start(log_path: Path) -> None:
    write_log(log_path, 5)
    records = lines(log_path)
    half = edit(records[4], seq=6, detail="cut")[:40]  # a power cut in the middle of a write
    write_lines(log_path, records, tail=half)
    report = verify(log_path, KEY)
    assert report.broken is not None
    assert (report.broken.flaw, report.broken.line) == (Flaw.TORN_TAIL, 6)
    assert report.intact == 5 and report.head.seq == 5
    assert read_head(log_path).seq == 5

    with AuditTrail(log_path, KEY, COUNTER) as trail:
        assert len(trail.torn_tails) == 1
        aside = log_path.with_name(trail.torn_tails[0])
        assert aside.read_bytes() == half
        assert trail.head().seq == 6
        trail.record(event(7))
    after = lines(log_path)
    assert after[:5] == records  # nothing complete dropped
    note = json.loads(after[5])
    assert (note["action"], note["operator"], note["seq"]) == (TORN_TAIL_ACTION, "system", 6)
    assert aside.name in note["detail"] and "40 bytes" in note["detail"]
    report = verify(log_path, KEY)
    assert report.ok and report.head.seq == 7
    assert [(n.line, n.seq) for n in report.torn_tails] == [(6, 6)]


def test_complete_last_record_missing_only_its_end_of_line_is_kept(log_path: Path) -> None:
    write_log(log_path, 4)
    log_path.write_bytes(log_path.read_bytes()[:-1])
    with AuditTrail(log_path, KEY, COUNTER) as trail:
        assert trail.head().seq == 4 and trail.torn_tails == []
    assert log_path.read_bytes().endswith(b"\n")
    assert list(log_path.parent.glob("*.torn-*")) == []
    assert verify(log_path, KEY).ok


def test_concurrent_appends_keep_the_chain(log_path: Path) -> None:
    # Two trails on one file stand for two processes (each has its own lock descriptor).
    trails = [AuditTrail(log_path, KEY, COUNTER), AuditTrail(log_path, KEY, COUNTER)]
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        start.wait()
        for n in range(40):
            trails[worker % 2].record(event(worker * 100 + n, case_id=f"case-{worker}"))

    threads = [threading.Thread(target=work, args=(w,), name=f"audit-{w}") for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    heads = {trail.head() for trail in trails}
    for trail in trails:
        trail.close()
    report = verify(log_path, KEY)
    assert report.ok and report.intact == 320 and report.head.seq == 320
    assert heads == {report.head}


def test_failed_write_is_cut_off_and_reported(log_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trail = AuditTrail(log_path, KEY, COUNTER)
    trail.record(event(1))
    before = log_path.read_bytes()
    real_write = os.write

    def disk_full(fd: int, data: bytes | memoryview) -> int:
        real_write(fd, bytes(data[:25]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("app.audit.trail.os.write", disk_full)
    with pytest.raises(AuditWriteError) as raised:
        trail.record(event(2))
    assert raised.value.code == "AUD-001" and "No space left" in str(raised.value)
    assert log_path.read_bytes() == before
    monkeypatch.undo()
    trail.record(event(3))
    trail.close()
    report = verify(log_path, KEY)
    assert report.ok and report.head.seq == 2


def test_events_of_another_counter_or_without_a_timezone_are_refused(log_path: Path) -> None:
    with AuditTrail(log_path, KEY, COUNTER) as trail:
        with pytest.raises(ValueError, match="counter"):
            trail.record(event(1, counter_id="counter-02"))
        with pytest.raises(ValueError, match="timezone"):
            trail.record(AuditEvent(AuditAction.VIEW, "op-1", COUNTER, datetime(2026, 11, 30, 9, 30)))
        assert trail.head().seq == 0


def test_details_are_masked_like_the_log(log_path: Path) -> None:
    with AuditTrail(log_path, KEY, COUNTER) as trail:
        trail.record(event(1, detail="lookup of 110101199003070310"))
    text = log_path.read_text(encoding="utf-8")
    assert "110101199003070310" not in text and "1101**********0310" in text


def test_closed_trail_refuses_records(log_path: Path) -> None:
    trail = AuditTrail(log_path, KEY, COUNTER)
    trail.close()
    with pytest.raises(AuditWriteError):
        trail.record(AuditEvent(AuditAction.LOGOUT, "op-1", COUNTER, T0))


def test_short_key_is_refused(log_path: Path) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        AuditTrail(log_path, b"short", COUNTER)
