"""After the demo (every business, logging at DEBUG): the counter's log holds no name,
identity number, address or image of any simulated person, and the audit chain the
demo wrote verifies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.resources import resources_dir
from devices.sim.scenario import load_scenario
from tests.counter_fixtures import REPO_ROOT


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen", "MARRIAGE_COUNTER_DATA_DIR": str(data_dir),
        "MARRIAGE_COUNTER_LOG_LEVEL": "DEBUG",
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_no_personal_data_in_the_log_after_the_demo_and_its_audit_chain_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    demo = _run("demo", "--out", str(out), data_dir=tmp_path / "unused")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    data_dir = out / "data"  # the demo keeps its stores and logs beside its output
    log_text = "".join(p.read_text(encoding="utf-8") for p in sorted((data_dir / "logs").glob("counter.log*")))
    assert log_text.count("\n") > 50  # DEBUG: a real log, not an empty file

    people = load_scenario(resources_dir() / "sim" / "default.yaml").people
    assert people
    for person in people:
        for value in (person.name, person.id_number, person.address):
            assert value not in log_text, "personal data in the log"
    assert not re.search(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", log_text)
    assert "PNG" not in log_text and "JFIF" not in log_text

    verified = _run("audit", "verify", data_dir=data_dir)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "; intact" in verified.stdout
