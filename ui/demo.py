"""`marriage-counter demo --out DIR`: drives the real GUI offscreen through scripted
cases from the default scenario, like a registrar at the keyboard, and keeps a
screenshot of every page, the PDFs and a summary.json.

The demo clicks the same buttons a registrar presses (or calls the slot a shortcut
fires); what it does that a registrar cannot is choose which simulated card lies on the
reader and which paper under the camera (the QA console's job), through the simulators'
own controls, and move the counter's clock: the marriages and the divorce applications
happen on DEMO_DAY, the withdrawal and an early attempt ten days later, the divorce
registration and the reissues 31 days later.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QAbstractButton

from app.bootstrap import build_services
from app.config import Config
from app.domain.case import Business, CaseStatus, MarriageCase, MarriageStep, Role
from app.domain.divorce import CertificateCopies, CertificateKind, DivorceAgreement, Finding, SignedForm
from app.logging_setup import configure_logging
from app.rules.counter_divorce import JOINT_PHOTO, MARRIAGE_CERTIFICATE
from app.workflow.clock import FixedClock
from app.workflow.forms import export_case_forms
from devices.camera.types import DocumentClass
from ui.app import ensure_application
from ui.main_window import MainWindow
from ui.print.receipt import divorce_receipt_for, divorce_receipt_form
from ui.print.renderer import render_page_image
from ui.qa_console import QaScript

# A Monday with no holiday near either divorce period's end (cooling-off to 2026-07-01,
# issue window 2026-07-02 … 2026-07-31), so the script's dates read simply.
DEMO_DAY = date(2026, 6, 1)
CHINA = timezone(timedelta(hours=8))


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


@dataclass(frozen=True)
class ScriptedBusiness:
    """A divorce or reissue case, played by `play` on day DEMO_DAY + `day`."""

    label: str
    business: Business
    day: int
    play: Callable[[GuiDriver, str], None]
    expected_status: CaseStatus
    expected_rules: tuple[str, ...] = ()  # failed rules the case must show


class DemoFailure(Exception):
    pass


def _qa(window: MainWindow) -> QaScript:
    """The QA console's script API: the demo lays cards and papers like QA does."""
    if window.qa is None:
        raise DemoFailure("the demo needs simulated devices (the QA console is off)")
    return window.qa


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

    def act(self, action: Callable[[], None]) -> None:
        """A slot a shortcut fires (F-keys on the business pages), then the same checks as a click."""
        action()
        self.wait_idle()
        if self.window.error_bar.text:
            raise DemoFailure(self.window.error_bar.text)

    @property
    def case(self) -> MarriageCase:
        if self.window.case is None:
            raise DemoFailure("no case is open")
        return self.window.case

    def expect_step(self, step: MarriageStep) -> None:
        case = self.window.case
        if case is None or case.step is not step:
            raise DemoFailure(f"expected page {step.value}, at {case.step.value if case else 'no case'}")


def _play(driver: GuiDriver, number: int, script: ScriptedCase, pdf_dir: Path) -> dict[str, Any]:
    window = driver.window
    qa = _qa(window)
    prefix = f"case{number}-{script.label}"
    driver.click(window.new_button)
    driver.expect_step(MarriageStep.IDENTIFY)
    identify = window.pages[MarriageStep.IDENTIFY]
    for role, person in ((Role.A, script.party_a), (Role.B, script.party_b)):
        qa.present_card(person)
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
    _export_forms(window, case, pdf_dir / prefix)
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


# --- divorce and reissue ------------------------------------------------------------------

RECEIPTS: dict[str, bytes] = {}  # the receipt each couple took home, as the camera sees it


def _read(driver: GuiDriver, *people: str) -> None:
    qa = _qa(driver.window)
    for role, person in zip((Role.A, Role.B), people, strict=False):
        qa.present_card(person)
        driver.act(partial(driver.window.read_card, role))


def _receipt_image(driver: GuiDriver) -> bytes:
    window, case = driver.window, driver.case
    dates = window.services.divorce.dates(case)
    if dates is None:
        raise DemoFailure("the accepted application has no dates")
    receipt = divorce_receipt_for(
        case, window.office(), dates.cooling_off_end, dates.issue_window_start, dates.issue_window_end
    )
    image = render_page_image(divorce_receipt_form(receipt), 0, dpi=200)
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def _scan_receipt(driver: GuiDriver, couple: str) -> None:
    """The couple hands over the receipt; it goes under the camera and F4 reads its QR code."""
    qa = _qa(driver.window)
    qa.show_image(RECEIPTS[couple], DocumentClass.RECEIPT)
    try:
        driver.act(driver.window.scan_receipt)
    finally:
        qa.remove_document()


def apply_for_divorce(party_a: str, party_b: str) -> Callable[[GuiDriver, str], None]:
    def play(driver: GuiDriver, prefix: str) -> None:
        window = driver.window
        _read(driver, party_a, party_b)
        driver.act(lambda: window.set_certificate_copies(CertificateCopies.BOTH))
        for _ in range(2):
            driver.act(lambda: window.capture_document(MARRIAGE_CERTIFICATE))
        driver.act(lambda: window.record_findings(Finding.CONFIRMED, Finding.CONFIRMED))
        for role in (Role.A, Role.B):
            driver.act(partial(window.sign_form, SignedForm.DIVORCE_APPLICATION, role))
        driver.shot(f"{prefix}-1-captured")
        driver.act(window.commit_case)
        RECEIPTS[party_a] = _receipt_image(driver)
        driver.act(window.issue_documents)
        driver.shot(f"{prefix}-2-receipt")

    return play


def withdraw(couple: str, party: str) -> Callable[[GuiDriver, str], None]:
    def play(driver: GuiDriver, prefix: str) -> None:
        window = driver.window
        _scan_receipt(driver, couple)
        _read(driver, party)
        driver.act(lambda: window.sign_form(SignedForm.WITHDRAWAL, Role.A))
        driver.act(window.commit_case)
        driver.act(window.issue_documents)
        driver.shot(f"{prefix}-1-withdrawn")

    return play


def register_divorce(party_a: str, party_b: str, *, too_early: bool = False) -> Callable[[GuiDriver, str], None]:
    def play(driver: GuiDriver, prefix: str) -> None:
        window = driver.window
        _scan_receipt(driver, party_a)
        _read(driver, party_a, party_b)
        if too_early:
            # The counter says when to come back; the registrar closes the visit.
            driver.shot(f"{prefix}-1-come-back-later")
            driver.act(window.cancel_case)
            return
        driver.act(lambda: window.capture_document(MARRIAGE_CERTIFICATE))  # to be stamped void
        for role in (Role.A, Role.B):
            driver.act(partial(window.record_interview, role, True, True, "双方感情确已破裂"))
        agreement = DivorceAgreement(children="无子女", property="各自名下财产归各自所有", debts="无共同债务")
        driver.act(lambda: window.set_agreement(agreement))
        for form in (SignedForm.INTERVIEW, SignedForm.AGREEMENT, SignedForm.DIVORCE_DECLARATION):
            for role in (Role.A, Role.B):
                driver.act(partial(window.sign_form, form, role))
        driver.shot(f"{prefix}-1-examined")
        driver.act(window.commit_case)
        driver.act(window.issue_documents)
        driver.shot(f"{prefix}-2-issued")

    return play


def reissue(person: str, kind: CertificateKind) -> Callable[[GuiDriver, str], None]:
    def play(driver: GuiDriver, prefix: str) -> None:
        window = driver.window
        _read(driver, person)
        driver.act(lambda: window.choose_certificate(kind, "遗失"))
        refused = window.services.reissue.refusal_grounds(driver.case)
        driver.shot(f"{prefix}-1-checked")
        if refused:
            driver.act(window.refuse_case)  # prints the 告知书 with the grounds
            return
        driver.act(lambda: window.capture_document(JOINT_PHOTO))
        driver.act(lambda: window.sign_form(SignedForm.REISSUE_DECLARATION, Role.A))
        driver.act(window.commit_case)
        driver.act(window.issue_documents)
        driver.shot(f"{prefix}-2-issued")

    return play


BUSINESS_SCRIPT: tuple[ScriptedBusiness, ...] = (
    # Couple 1 (groom1, bride1) divorce; couple 2 (groom2, bride2) apply, then bride2 withdraws.
    ScriptedBusiness("divorce-application-1", Business.DIVORCE_APPLICATION, 0, apply_for_divorce("groom1", "bride1"),
                     CaseStatus.ISSUED),
    ScriptedBusiness("divorce-application-2", Business.DIVORCE_APPLICATION, 0, apply_for_divorce("groom2", "bride2"),
                     CaseStatus.ISSUED),
    ScriptedBusiness("withdrawal", Business.DIVORCE_WITHDRAWAL, 10, withdraw("groom2", "bride2"), CaseStatus.ISSUED),
    ScriptedBusiness("registration-too-early", Business.DIVORCE_REGISTRATION, 10,
                     register_divorce("groom1", "bride1", too_early=True), CaseStatus.CANCELLED, ("C-D-ISSUE",)),
    ScriptedBusiness("divorce-registration", Business.DIVORCE_REGISTRATION, 31, register_divorce("groom1", "bride1"),
                     CaseStatus.ISSUED),
    # bride1 is divorced now: no 结婚证 for her; groom2 is still married to bride2.
    ScriptedBusiness("reissue-after-divorce", Business.REISSUE, 31, reissue("bride1", CertificateKind.MARRIAGE),
                     CaseStatus.REFUSED, ("C-R-REISSUE",)),
    ScriptedBusiness("reissue", Business.REISSUE, 31, reissue("groom2", CertificateKind.MARRIAGE), CaseStatus.ISSUED),
)


def _play_business(
    driver: GuiDriver, clock: FixedClock, number: int, script: ScriptedBusiness, pdf_dir: Path
) -> dict[str, Any]:
    window = driver.window
    clock.moment = datetime.combine(DEMO_DAY + timedelta(days=script.day), clock_time(9, 30), tzinfo=CHINA)
    prefix = f"case{number}-{script.label}"
    driver.act(lambda: window.new_business_case(script.business))
    try:
        script.play(driver, prefix)
    except DemoFailure as failure:
        driver.shot(f"{prefix}-9-failed")
        return _entry(driver.case, script.label, clock) | {"error": str(failure)}
    case = driver.case
    _export_forms(window, case, pdf_dir / prefix)
    return _entry(case, script.label, clock)


def _export_forms(window: MainWindow, case: MarriageCase, target: Path) -> None:
    """The case's printed forms into the demo's --out folder, outside the data directory:
    an explicit export through the registrar's own (Ctrl+Shift+E, audited). The data
    directory never holds a printed form in the clear (#10)."""
    stored = window.services.store.load_case(case.case_id) or case
    if stored.form_files:
        export_case_forms(window.services.guard, stored, target, data_dir=window.services.config.data_dir)


def _entry(case: MarriageCase, label: str, clock: FixedClock) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": case.case_id,
        "label": label,
        "business": case.business.value,
        "on": clock.moment.date().isoformat(),
        "status": case.status.value,
    }
    if case.registration is not None:
        entry["certificate_no"] = case.registration.certificate_no
    if case.refused_rules:
        entry["refused_rules"] = sorted(set(case.refused_rules))
    return entry


def _report(
    entry: dict[str, Any], expected_status: CaseStatus, expected_rules: tuple[str, ...], cases: list[dict[str, Any]]
) -> bool:
    refused = tuple(entry.get("refused_rules", ()))
    entry["as_scripted"] = (
        "error" not in entry
        and entry["status"] == expected_status.value
        and all(rule in refused for rule in expected_rules)
    )
    cases.append(entry)
    words = [f"{entry['label']}:", entry["status"], entry.get("certificate_no", ""), *refused]
    if not entry["as_scripted"]:
        words.append(f"(NOT as scripted) {entry.get('error', '')}")
    print(" ".join(word for word in words if word))
    return bool(entry["as_scripted"])


def run_demo(config: Config, out: Path) -> int:
    out = out.resolve()
    data_dir = out / "data"
    shutil.rmtree(data_dir, ignore_errors=True)  # every demo starts from empty stores
    for folder in ("screenshots", "pdf"):
        shutil.rmtree(out / folder, ignore_errors=True)
    # Fresh embedded stores in the output folder, whatever the machine's configuration
    # names: the demo moves its clock, and must never write to a real central store.
    config = config.model_copy(
        update={
            "data_dir": data_dir,
            "store": config.store.model_copy(update={"url": ""}),
            "central": config.central.model_copy(update={"url": ""}),
        }
    )
    configure_logging(config.log_dir)
    app = ensure_application(config.ui.language)
    clock = FixedClock(datetime.combine(DEMO_DAY, clock_time(9, 30), tzinfo=CHINA))
    services = build_services(config, clock=clock)
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
            all_as_scripted &= _report(entry, script.expected_status, script.expected_refusal, cases)
        for number, business in enumerate(BUSINESS_SCRIPT, start=len(SCRIPT) + 1):
            entry = _play_business(driver, clock, number, business, out / "pdf")
            window.error_bar.hide()
            all_as_scripted &= _report(entry, business.expected_status, business.expected_rules, cases)
    finally:
        if window is not None:
            window.close()
            app.processEvents()
        services.close()
    summary = {"cases": cases, "screenshots": driver.taken, "as_scripted": all_as_scripted}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"demo output in {out}")
    return 0 if all_as_scripted else 1
