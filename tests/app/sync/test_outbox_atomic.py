"""The outbox item and the step that produced it are one transaction: a failure or a
kill -9 at any moment leaves both or neither."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.errors import LocalStoreError
from app.store.local import LocalStore
from app.sync.types import ArchiveFileRecord, OutboxEntry, OutboxKind, OutboxState
from tests.factories import empty_case

UUID = "5b0c1f2e-7d0e-4a8c-9b7a-1f3c2d4e5f60"


def test_case_and_item_are_saved_together(local: LocalStore) -> None:
    case = dataclasses.replace(empty_case(), registration_uuid=UUID)
    entry = OutboxEntry(OutboxKind.REGISTRATION, case.case_id, UUID, {"reg_uuid": UUID})
    local.save_case(case, enqueue=(entry,))
    assert local.load_case(case.case_id) == case
    [item] = local.outbox_items()
    assert (item.item_id, item.state, item.attempts, item.payload) == (entry.item_id, OutboxState.PENDING, 0,
                                                                         {"reg_uuid": UUID})
    # Queuing the same registration again (a resend) keeps the first item.
    local.save_case(case, enqueue=(OutboxEntry(OutboxKind.REGISTRATION, case.case_id, UUID, {"other": 1}),))
    assert [i.item_id for i in local.outbox_items()] == [entry.item_id]


def test_a_failing_outbox_insert_rolls_the_case_back(local: LocalStore) -> None:
    before = empty_case()
    local.save_case(before, enqueue=(OutboxEntry(OutboxKind.REGISTRATION, before.case_id, UUID, {}, item_id="x"),))
    after = dataclasses.replace(before, registrar="changed", registration_uuid="7d0e4a8c-5b0c-4a8c-9b7a-1f3c2d4e5f60")
    clash = OutboxEntry(OutboxKind.REGISTRATION, after.case_id, after.registration_uuid or "", {}, item_id="x")
    with pytest.raises(LocalStoreError):
        local.save_case(after, enqueue=(clash,))  # same item_id: the insert fails inside the transaction
    assert local.load_case(before.case_id) == before
    assert len(local.outbox_items()) == 1


def test_archive_files_are_checked_before_anything_is_written(local: LocalStore) -> None:
    case = empty_case()
    bad = ArchiveFileRecord("case.json", "0" * 64, b"{}")
    with pytest.raises(ValueError, match="SHA-256"):
        local.save_case(case, enqueue=(OutboxEntry(OutboxKind.ARCHIVE, case.case_id, UUID, {}, (bad,)),))
    assert local.load_case(case.case_id) is None and local.outbox_items() == []
    with pytest.raises(ValueError, match="saved with case"):
        local.save_case(case, enqueue=(OutboxEntry(OutboxKind.REGISTRATION, "other", UUID, {}),))


# Saves a case without, then with, its registration and outbox item; prints the case id
# once the second save returned.
WRITER = textwrap.dedent(
    """
    import dataclasses, sys, uuid
    from datetime import UTC, datetime
    from app.domain.case import DeviceMode, MarriageCase
    from app.store.local import LocalStore
    from app.sync.types import ArchiveFileRecord, OutboxEntry, OutboxKind

    with LocalStore(sys.argv[1]) as store:
        print("ready", flush=True)
        n = 0
        while True:
            n += 1
            now = datetime.now(UTC)
            case = MarriageCase(case_id=f"{sys.argv[2]}-{n:05d}", office_code="110105", counter_id="c1",
                                registrar="r", created_at=now, device_mode=DeviceMode.SIMULATED)
            store.save_case(case)
            reg = str(uuid.uuid4())
            case = dataclasses.replace(case, registration_uuid=reg, updated_at=datetime.now(UTC))
            files = tuple(ArchiveFileRecord.of(f"f{i}", bytes([n % 256, i]) * 40000) for i in range(3))
            store.save_case(case, enqueue=(
                OutboxEntry(OutboxKind.REGISTRATION, case.case_id, reg, {"blob": "x" * 20000}),
                OutboxEntry(OutboxKind.ARCHIVE, case.case_id, reg, {}, files),
            ))
            print(case.case_id, flush=True)
    """
)


@pytest.mark.slow
def test_kill_9_never_separates_a_case_from_its_outbox_items(tmp_path: Path) -> None:
    db = tmp_path / "counter.sqlite3"
    url = f"sqlite:///{db}"
    rng = random.Random(20261201)
    acked: set[str] = set()
    for round_no in range(4):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"r{round_no}"],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        assert writer.stdout is not None
        try:
            assert writer.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.2, 0.6))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            acked.update(writer.stdout.read().split())
            writer.stdout.close()

    check = sqlite3.connect(db)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        check.close()
    with LocalStore(url) as store:
        items = store.outbox_items()
        cases = {s.case_id for s in store.list_cases()}
        by_case: dict[str, set[OutboxKind]] = {}
        for item in items:
            by_case.setdefault(item.case_id, set()).add(item.kind)
        assert acked <= set(by_case), "a save reported done lost its outbox items"
        for case_id in cases:
            case = store.load_case(case_id)
            assert case is not None
            if case.registration_uuid is None:
                assert case_id not in by_case and store.archive_files(case_id) == []
            else:
                assert by_case[case_id] == {OutboxKind.REGISTRATION, OutboxKind.ARCHIVE}
                assert len(store.archive_files(case_id)) == 3
        assert len(acked) >= 4, "the writers saved too little before being killed"
