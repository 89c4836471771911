"""A real counter process is killed with SIGKILL in the middle of a case; the next
start shows the case where it stopped, with everything captured so far."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.bootstrap import build_services
from app.domain.case import MarriageStep
from tests.counter_fixtures import REPO_ROOT, simulated_config
from ui.main_window import MainWindow

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.counter_fixtures import simulated_config
    from app.bootstrap import build_services
    from app.domain.case import MarriageStep, Role, Voluntariness

    services = build_services(simulated_config(Path({data!r})))
    flow, devices = services.workflow, services.devices
    case = flow.start_case()
    print("started", case.case_id, flush=True)
    devices["id_reader"].present_card("groom2")
    case = flow.record_party(case, Role.A, devices["id_reader"].read_card().result(10))
    devices["id_reader"].present_card("bride2")
    case = flow.record_party(case, Role.B, devices["id_reader"].read_card().result(10))
    case = flow.go_to(case, MarriageStep.DOCUMENTS)
    case = flow.add_document(case, devices["camera"].capture().result(10), "joint_photo")
    print("photo", flush=True)
    case = flow.go_to(case, MarriageStep.DECLARATIONS)
    text = flow.declaration_text(case, Role.A)
    case = flow.add_signature(case, Role.A, devices["signature_pad"].capture_signature("x", text).result(10))
    print("signed", flush=True)
    while True:  # keep writing: the kill lands in the middle of a save
        finding = Voluntariness.NOT_ASKED if case.voluntariness is Voluntariness.VOLUNTARY else Voluntariness.VOLUNTARY
        case = flow.attest_voluntariness(case, finding)
    """
)


@pytest.mark.slow
def test_sigkill_mid_case_then_resume_in_gui(tmp_path: Path, qtbot: QtBot, qapp: object) -> None:
    data = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(REPO_ROOT), data=str(data))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdout is not None
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.split())
            if line.startswith("signed"):
                break
        # let it rewrite the case a few hundred times, then kill it mid-write
        import time

        time.sleep(0.3)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
        child.stdout.close()
        assert child.stderr is not None
        stderr = child.stderr.read()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, stderr
    case_id = lines[0][1]

    from ui.app import ensure_application

    ensure_application("zh_CN")
    services = build_services(simulated_config(data))
    window = MainWindow(services)
    try:
        window.show()
        qtbot.waitUntil(lambda: not window.busy and window.case is not None, timeout=10_000)
        case = window.case
        assert case is not None and case.case_id == case_id
        assert case.step is MarriageStep.DECLARATIONS
        assert window.stack.currentWidget() is window.pages[MarriageStep.DECLARATIONS]
        assert [p.identity.name for p in case.parties.values()] == [
            services.workflow.store.load_case(case_id).parties[r].identity.name for r in ("A", "B")  # type: ignore[union-attr]
        ]
        assert len(case.parties) == 2 and len(case.documents) == 1 and set(case.signatures) == {"A"}
        assert case.documents[0].document_class == "joint_photo" and case.documents[0].image_png
    finally:
        window.close()
        services.close()
