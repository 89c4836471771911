"""The command-line contract, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.counter_fixtures import REPO_ROOT


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MARRIAGE_COUNTER_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_demo_walks_every_business(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    result = cli("demo", "--out", str(out), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    cases = {c["label"]: c for c in summary["cases"]}
    assert summary["as_scripted"] and all(c["id"] and c["as_scripted"] for c in cases.values())
    marriages = [c for c in cases.values() if c["business"] == "marriage"]
    assert [c["status"] for c in marriages] == ["issued", "issued", "refused", "refused"]
    assert [c.get("refused_rules") for c in marriages[2:]] == [["C-M-AGE"], ["C-M-SPOUSE"]]
    assert marriages[0]["certificate_no"].endswith("-000001") and marriages[1]["certificate_no"].endswith("-000002")
    for case, folder in zip(marriages[:2], sorted((out / "pdf").glob("case[12]-*")), strict=True):
        text = _pdf_text(folder / "certificate-A.pdf")
        assert case["certificate_no"] in text
        assert "李明轩" in text or "陈志强" in text
        assert "王雨桐" in text or "刘晓燕" in text

    # Divorce: application and receipt on DEMO_DAY, withdrawal and an early visit 10 days
    # later, registration 31 days later; then the reissues.
    first, second = cases["divorce-application-1"], cases["divorce-application-2"]
    assert (first["status"], first["on"]) == ("issued", "2026-06-01")
    assert "".join(_pdf_text(out / "pdf" / "case5-divorce-application-1" / "divorce-receipt.pdf").split()).count(
        first["certificate_no"]
    )
    assert cases["withdrawal"]["certificate_no"] == second["certificate_no"]
    assert cases["withdrawal"]["on"] == "2026-06-11"
    early = cases["registration-too-early"]
    assert early["status"] == "cancelled" and "C-D-ISSUE" in early["refused_rules"]
    divorce = cases["divorce-registration"]
    assert (divorce["status"], divorce["on"]) == ("issued", "2026-07-02")
    assert divorce["certificate_no"] == "L110101-2026-000001"
    certificate = out / "pdf" / "case9-divorce-registration" / "divorce-certificate-A.pdf"
    assert divorce["certificate_no"] in _pdf_text(certificate)
    assert cases["reissue-after-divorce"]["status"] == "refused"
    assert cases["reissue-after-divorce"]["refused_rules"] == ["C-R-REISSUE"]
    assert cases["reissue"]["certificate_no"] == "BJ110101-2026-000001"

    screenshots = sorted((out / "screenshots").glob("*.png"))
    assert len(screenshots) == len(summary["screenshots"]) >= 2 * 7 + 2 * 2 + 7
    assert all(p.stat().st_size > 10_000 for p in screenshots)


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_broken_scenario_is_named_and_exits_3(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec: 1\npeople:\n  - id: x\n    nmae: 张三\n", encoding="utf-8")
    result = cli("--simulate", str(broken), "devices", "list", data_dir=tmp_path)
    assert result.returncode == 3
    assert "SIM-001" in result.stdout and str(broken) in result.stdout and "people[0]" in result.stdout


def test_bad_config_exits_2_with_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[devices]\nid_reader = "sim:x.yaml"\nbogus = 1\n', encoding="utf-8")
    result = cli("--config", str(config), "config", data_dir=tmp_path)
    assert result.returncode == 2
    assert "CFG-001" in result.stderr and "devices.bogus" in result.stderr and "Traceback" not in result.stderr


def test_rules_check_as_a_process_reads_stdin(tmp_path: Path) -> None:
    case = {"business": "reissue", "date": "2026-03-02", "office": {"region": "440106"},
            "parties": [{"document": {"type": "passport", "number": "E12345678", "name": "Anna Müller",
                                      "sex": "female", "birth_date": "1990-05-05", "valid_from": "2020-01-01",
                                      "valid_to": "2030-01-01", "nationality": "DEU"},
                         "marital_status": "married"}]}
    env = {**os.environ, "MARRIAGE_COUNTER_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app", "rules", "check", "-"], input=json.dumps(case),
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(result.stdout)
    # a foreigner's reissue belongs at a designated registry
    assert result.returncode == 1 and out["decision"] == "redirect" and out["failed"] == ["C-M-REG"]
    assert out["policy"] == "2025-nationwide" and out["documents_required"] == ["passport"]


def test_central_init_and_migrate_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    assert main(["central", "init", "--url", url]) == 0
    assert main(["central", "migrate", "--url", url]) == 0
    out = capsys.readouterr().out
    assert "role" in out.lower() and (tmp_path / "central.sqlite3").exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert main(["central", "migrate", "--url", f"sqlite:///{blocker}/central.sqlite3"]) == 3
    assert "CEN-" in capsys.readouterr().err


def test_central_expire_marks_applications_past_their_window_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from app.central.store import CentralStore
    from app.cli import main
    from app.domain.identity import Sex
    from tests.app.workflow.counters import application_ready, marry, open_counter
    from tests.factories import identity

    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    husband, wife = identity("郑测", Sex.MALE, sequence=51), identity("冯测", Sex.FEMALE, sequence=52)
    with CentralStore(url) as central:
        counter = open_counter(tmp_path, central, day=date(2025, 6, 2))
        try:
            marry(counter, husband, wife)
            counter.set_day(date(2026, 3, 2))
            accepted = counter.divorce.accept(application_ready(counter, husband, wife))
        finally:
            counter.close()
    monkeypatch.setenv("MARRIAGE_COUNTER_CENTRAL__URL", url)
    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(tmp_path / "data"))
    assert main(["central", "expire", "--on", "2026-05-06"]) == 0  # the window's last day
    assert capsys.readouterr().out.endswith("deemed withdrawn on 2026-05-06: 0\n")
    assert main(["central", "expire", "--on", "2026-05-07"]) == 0
    assert capsys.readouterr().out == f"{accepted.registration_uuid}\ndeemed withdrawn on 2026-05-07: 1\n"
    assert main(["central", "expire", "--on", "2026-05-07"]) == 0  # a second run changes nothing
    assert capsys.readouterr().out.endswith(": 0\n")
