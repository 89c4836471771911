"""`marriage-counter demo --out DIR`: drives the real GUI offscreen through scripted
cases from the default scenario, like a registrar at the keyboard, and keeps a
screenshot of every page, the PDFs and a summary.json.

The demo clicks the same buttons a registrar presses; the only thing it does that a
registrar cannot is choose which simulated card lies on the reader (the QA console's
job), through the simulator's own controls.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QAbstractButton

from app.bootstrap import build_services
from app.config import Config
from app.domain.case import CaseStatus, MarriageStep, Role
from app.logging_setup import configure_logging
from ui.app import ensure_application
from ui.main_window import MainWindow


@dataclass(frozen=True)
class ScriptedCase:
    label: str
    party_a: str  # scenario person ids
    party_b: str
    expected_status: CaseStatus
    expected_refusal: tuple[str, ...] = ()


SCRIPT: tuple[ScriptedCase, ...] = (
    ScriptedCase("couple-1", "groom1", "bride1", CaseStatus.ISSUED),
    ScriptedCase("couple-2", "groom2", "bride2", CaseStatus.ISSUED),
    ScriptedCase("under-age", "groom_underage", "bride3", CaseStatus.REFUSED, ("C-M-AGE",)),
    # groom1 married bride1 in the first case: the central store now says he is married.
    ScriptedCase("already-married", "groom1", "bride4", CaseStatus.REFUSED, ("C-M-SPOUSE",)),
)


class DemoFailure(Exception):
    pass


@dataclass
class GuiDriver:
    window: MainWindow
    screenshots: Path
    taken: list[str] = field(default_factory=list)

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        app = QCoreApplication.instance()
        assert app is not None
        while True:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if not self.window.busy:
                app.processEvents()
                if not self.window.busy:
                    return
            if time.monotonic() > deadline:
                raise DemoFailure(f"the counter stayed busy for more than {timeout_s} s")
            time.sleep(0.005)

    def click(self, button: QAbstractButton) -> None:
        if not button.isEnabled() or not button.isVisible():
            raise DemoFailure(f"button {button.text()!r} is not available: {self.window.error_bar.text}")
        button.click()
        self.wait_idle()
        if self.window.error_bar.text:
            raise DemoFailure(self.window.error_bar.text)

    def shot(self, name: str) -> None:
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        self.window.grab().save(str(path))
        self.taken.append(str(path))

    def expect_step(self, step: MarriageStep) -> None:
        case = self.window.case
        if case is None or case.step is not step:
            raise DemoFailure(f"expected page {step.value}, at {case.step.value if case else 'no case'}")


def _play(driver: GuiDriver, number: int, script: ScriptedCase, pdf_dir: Path) -> dict[str, Any]:
    window = driver.window
    reader: Any = window.services.devices["id_reader"]
    prefix = f"case{number}-{script.label}"
    driver.click(window.new_button)
    driver.expect_step(MarriageStep.IDENTIFY)
    identify = window.pages[MarriageStep.IDENTIFY]
    for role, person in ((Role.A, script.party_a), (Role.B, script.party_b)):
        reader.present_card(person)
        driver.click(identify.panels[role].read_button)  # type: ignore[attr-defined]
    driver.shot(f"{prefix}-1-identify")
    if script.expected_status is CaseStatus.REFUSED:
        driver.click(window.refuse_button)
        driver.shot(f"{prefix}-9-refused")
    else:
        driver.click(window.next_button)
        documents = window.pages[MarriageStep.DOCUMENTS]
        driver.click(documents.photo_button)  # type: ignore[attr-defined]
        driver.click(documents.document_button)  # type: ignore[attr-defined]
        driver.shot(f"{prefix}-2-documents")
        driver.click(window.next_button)
        declarations = window.pages[MarriageStep.DECLARATIONS]
        for role in (Role.A, Role.B):
            driver.click(declarations.panels[role].sign_button)  # type: ignore[attr-defined]
        driver.click(declarations.voluntary)  # type: ignore[attr-defined]
        driver.shot(f"{prefix}-3-declarations")
        driver.click(window.next_button)
        driver.shot(f"{prefix}-4-review")
        driver.click(window.next_button)
        driver.shot(f"{prefix}-5-register")
        driver.click(window.pages[MarriageStep.REGISTER].register_button)  # type: ignore[attr-defined]
        driver.expect_step(MarriageStep.ISSUE)
        driver.shot(f"{prefix}-6-issue")
        driver.click(window.pages[MarriageStep.ISSUE].print_button)  # type: ignore[attr-defined]
        driver.shot(f"{prefix}-7-done")
    case = window.case
    assert case is not None
    if case.registration is not None:
        target = pdf_dir / prefix
        shutil.copytree(window.output_dir(case), target, dirs_exist_ok=True)
    entry: dict[str, Any] = {
        "id": case.case_id,
        "label": script.label,
        "business": case.business.value,
        "status": case.status.value,
    }
    if case.registration is not None:
        entry["certificate_no"] = case.registration.certificate_no
    if case.refused_rules:
        entry["refused_rules"] = sorted(set(case.refused_rules))
    return entry


def run_demo(config: Config, out: Path) -> int:
    out = out.resolve()
    data_dir = out / "data"
    shutil.rmtree(data_dir, ignore_errors=True)  # every demo starts from empty stores
    for folder in ("screenshots", "pdf"):
        shutil.rmtree(out / folder, ignore_errors=True)
    config = config.model_copy(update={"data_dir": data_dir})
    configure_logging(config.log_dir)
    app = ensure_application(config.ui.language)
    services = build_services(config)
    cases: list[dict[str, Any]] = []
    all_as_scripted = True
    window: MainWindow | None = None
    try:
        window = MainWindow(services)
        window.resize(1280, 800)
        window.show()
        driver = GuiDriver(window, out / "screenshots")
        driver.wait_idle()
        for number, script in enumerate(SCRIPT, start=1):
            try:
                entry = _play(driver, number, script, out / "pdf")
            except DemoFailure as failure:
                case = window.case
                entry = {
                    "id": case.case_id if case else "",
                    "label": script.label,
                    "business": "marriage",
                    "status": case.status.value if case else "none",
                    "error": str(failure),
                }
                window.error_bar.hide()
            refused = tuple(entry.get("refused_rules", ()))
            entry["as_scripted"] = (
                "error" not in entry
                and entry["status"] == script.expected_status.value
                and all(rule in refused for rule in script.expected_refusal)
            )
            all_as_scripted &= entry["as_scripted"]
            cases.append(entry)
            print(
                f"{script.label}: {entry['status']} {entry.get('certificate_no', '')}"
                f"{' '.join(entry.get('refused_rules', []))}{'' if entry['as_scripted'] else '  (NOT as scripted)'}"
            )
    finally:
        if window is not None:
            window.close()
            app.processEvents()
        services.close()
    summary = {"cases": cases, "screenshots": driver.taken, "as_scripted": all_as_scripted}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"demo output in {out}")
    return 0 if all_as_scripted else 1
