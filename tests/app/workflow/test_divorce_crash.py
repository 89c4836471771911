"""A counter process dies (SIGKILL) right after the central store committed a divorce,
before the counter saved the answer. The next start resends the same registration and
gets the same 离婚证 number: one divorce, whatever the crash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.domain.case import Business, CaseStatus
from tests.app.workflow.counters import open_counter
from tests.counter_fixtures import REPO_ROOT

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date, timedelta
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from app.central.store import CentralStore
    from app.domain.identity import Sex
    from tests.app.workflow.counters import application_ready, marry, open_counter, registration_ready
    from tests.factories import identity

    husband, wife = identity("韩测", Sex.MALE, sequence=61), identity("杨测", Sex.FEMALE, sequence=62)
    tmp = Path({tmp!r})
    central = CentralStore("sqlite:///" + str(tmp / "central.sqlite3"))
    central.open()
    counter = open_counter(tmp, central, day=date(2025, 6, 2))
    marry(counter, husband, wife)
    counter.set_day(date(2026, 3, 2))
    accepted = counter.divorce.accept(application_ready(counter, husband, wife))
    counter.set_day(date(2026, 4, 2))
    case = registration_ready(counter, accepted.registration.certificate_no, husband, wife)
    real = central.complete_divorce

    def commit_then_die(*args, **kwargs):
        ack = real(*args, **kwargs)
        print("committed", ack.certificate_no, case.case_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    central.complete_divorce = commit_then_die
    counter.divorce.register(case)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_after_the_central_commit_then_resend(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(REPO_ROOT), tmp=str(tmp_path))],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, env={**os.environ},
    )
    assert child.returncode == -9, child.stderr
    _, certificate_no, case_id = child.stdout.split()
    with CentralStore(f"sqlite:///{tmp_path / 'central.sqlite3'}") as central:
        counter = open_counter(tmp_path, central, day=date(2026, 4, 2))
        try:
            stranded = counter.store.load_case(case_id)
            assert stranded is not None and stranded.business is Business.DIVORCE_REGISTRATION
            assert stranded.registration is None and stranded.registration_uuid is not None
            done = counter.divorce.register(stranded)
            assert done.status is CaseStatus.REGISTERED and done.registration is not None
            assert done.registration.certificate_no == certificate_no and done.registration.duplicate_ack
            dissolved = [m for m in central.list_marriages() if m.status == "dissolved"]
            assert [m.divorce.certificate_no for m in dissolved if m.divorce] == [certificate_no]
        finally:
            counter.close()
