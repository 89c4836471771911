"""kill -9 of a process that is saving cases loses nothing it reported as saved."""

from __future__ import annotations

import hashlib
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

from app.domain.case import STEP_ORDER, MarriageStep
from app.store.local import LocalStore

# Saves cases forever; prints "<case_id> <step>" only after save_case returned.
WRITER = textwrap.dedent(
    """
    import dataclasses, hashlib, itertools, sys
    from datetime import UTC, datetime
    from app.domain.case import CapturedDocument, DeviceMode, MarriageCase, MarriageStep
    from app.store.local import LocalStore

    with LocalStore(sys.argv[1]) as store:
        print("ready", flush=True)
        for n in itertools.count():
            now = datetime.now(UTC)
            case = MarriageCase(case_id=f"{sys.argv[2]}-{n:05d}", office_code="110105", counter_id="c1",
                                registrar="r", created_at=now, device_mode=DeviceMode.SIMULATED)
            store.save_case(case)
            print(case.case_id, case.step.value, flush=True)
            image = hashlib.sha256(str(n).encode()).digest() * 4096
            doc = CapturedDocument(f"d{n}", "hukou_book", image, hashlib.sha256(image).hexdigest(),
                                   now, "sim")
            case = dataclasses.replace(case, step=MarriageStep.DOCUMENTS, documents=(doc,),
                                       updated_at=datetime.now(UTC))
            store.save_case(case)
            print(case.case_id, case.step.value, flush=True)
    """
)


@pytest.mark.slow
def test_kill_9_loses_no_saved_case(tmp_path: Path) -> None:
    db = tmp_path / "counter.sqlite"
    url = f"sqlite:///{db}"
    rng = random.Random(20260302)
    acked: dict[str, MarriageStep] = {}
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
            time.sleep(rng.uniform(0.1, 0.5))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            remaining = writer.stdout.read()
            writer.stdout.close()
        for line in remaining.splitlines():
            case_id, step = line.split()
            acked[case_id] = MarriageStep(step)

    assert len({c.split("-")[0] for c in acked}) == 4, "a writer saved nothing before it was killed"
    check = sqlite3.connect(db)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        check.close()
    with LocalStore(url) as store:
        for case_id, step in acked.items():
            case = store.load_case(case_id)
            assert case is not None, case_id
            assert STEP_ORDER.index(case.step) >= STEP_ORDER.index(step)
            for doc in case.documents:
                assert hashlib.sha256(doc.image_png).hexdigest() == doc.sha256
