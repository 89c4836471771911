from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import CounterServices, build_services
from app.domain.case import Business, MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.divorce import DivorceAgreement, Finding, SignedForm
from app.rules.counter_divorce import MARRIAGE_CERTIFICATE
from app.workflow.clock import FixedClock
from devices.camera.types import CapturedImage
from devices.id_reader.types import IdentityRecord
from devices.signature_pad.sim import render_signature, synthetic_strokes
from devices.signature_pad.types import SignatureCapture
from tests.counter_fixtures import simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow
from ui.print.receipt import divorce_receipt_for, divorce_receipt_form
from ui.print.renderer import render_page_image


@pytest.fixture
def services(tmp_path: Path, qapp: object) -> Iterator[CounterServices]:
    ensure_application("zh_CN")
    built = build_services(simulated_config(tmp_path / "data"))
    yield built
    built.close()


@pytest.fixture
def window(services: CounterServices, qtbot: QtBot) -> Iterator[MainWindow]:
    main = MainWindow(services)
    main.show()
    qtbot.waitUntil(lambda: not main.busy, timeout=10_000)
    yield main
    main.close()


@pytest.fixture(autouse=True, scope="session")
def compiled_translations() -> None:
    """`make` compiles the .qm; compile it here too when running pytest directly."""
    import subprocess
    import sys

    from scripts.update_translations import TS_FILES

    for ts in TS_FILES:
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            tool = Path(sys.executable).parent / "pyside6-lrelease"
            subprocess.run([str(tool), "-silent", str(ts), "-qm", str(qm)], check=True)


# --- Divorce and reissue counters: one movable clock, simulated devices, real stores -----------

# A Tuesday with no holiday near: T0 2026-06-02 → cooling-off ends 2026-07-02 (Thu), issue
# window 2026-07-03 … 2026-08-01 (Sat) → rolled to 2026-08-03 (Mon).
FIRST_VISIT = date(2026, 6, 2)
CHINA = timezone(timedelta(hours=8))
AGREEMENT = DivorceAgreement(children="无子女", property="各自名下财产归各自所有", debts="无共同债务")


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=CHINA)


@pytest.fixture
def clock() -> FixedClock:
    """The clock of the marriage, divorce and reissue workflows (one object: moving it
    moves every business)."""
    return FixedClock(at(FIRST_VISIT))


@pytest.fixture
def counter_services(tmp_path: Path, qapp: object, clock: FixedClock) -> Iterator[CounterServices]:
    ensure_application("zh_CN")
    # One registry file the other office's counter shares (an explicit URL: not the
    # office's own embedded store, which is keyed to its data directory).
    registry = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    built = build_services(simulated_config(tmp_path / "office-110101", CENTRAL__URL=registry), clock=clock)
    yield built
    built.close()


@pytest.fixture
def counter(counter_services: CounterServices, clock: FixedClock, qtbot: QtBot) -> Iterator[Counter]:
    main = MainWindow(counter_services)
    main.show()
    qtbot.waitUntil(lambda: not main.busy, timeout=10_000)
    yield Counter(main, qtbot, clock)
    main.close()


@pytest.fixture
def other_office(
    tmp_path: Path, counter_services: CounterServices, clock: FixedClock, qtbot: QtBot
) -> Iterator[Counter]:
    """A second counter at another office (110102) on the same central store and clock."""
    config = simulated_config(
        tmp_path / "office-110102", OFFICE__CODE="110102", OFFICE__NAME="北京市西城区民政局婚姻登记处",
        CENTRAL__URL=counter_services.config.central_url,
    )
    services = build_services(config, clock=clock)
    main = MainWindow(services)
    main.show()
    qtbot.waitUntil(lambda: not main.busy, timeout=10_000)
    try:
        yield Counter(main, qtbot, clock)
    finally:
        main.close()
        services.close()


@dataclass
class Counter:
    """One counter's window, driven from the keyboard like the marriage tests, plus the
    QA controls of the simulated devices and the services for setting up what happened
    on earlier days (through the workflows, as another counter would have done it)."""

    window: MainWindow
    qtbot: QtBot
    clock: FixedClock

    @property
    def services(self) -> CounterServices:
        return self.window.services

    @property
    def reader(self) -> Any:
        return self.services.devices["id_reader"]

    @property
    def camera(self) -> Any:
        return self.services.devices["camera"]

    def set_day(self, day: date) -> None:
        self.clock.moment = at(day)

    def page(self, business: Business) -> Any:
        return self.window.business_pages[business]

    @property
    def case(self) -> MarriageCase:
        assert self.window.case is not None
        return self.window.case

    @property
    def error(self) -> str:
        return self.window.error_bar.text

    def wait_idle(self) -> None:
        self.qtbot.waitUntil(lambda: not self.window.busy, timeout=10_000)

    def press(
        self,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        *,
        expect_error: bool = False,
    ) -> None:
        window = self.window
        window.activateWindow()
        self.qtbot.waitActive(window)
        focus = QApplication.focusWidget() or window
        self.qtbot.keyClick(focus, key, modifier)
        self.qtbot.wait(150)  # a button's shortcut fires through animateClick(), 100 ms later
        self.wait_idle()
        if not expect_error:
            assert self.error == "", self.error

    def type_into_focus(self, text: str) -> None:
        focus = QApplication.focusWidget()
        assert focus is not None
        self.qtbot.keyClicks(focus, text)

    def read_card(self, person: str, key: Qt.Key) -> None:
        self.reader.present_card(person)
        self.press(key)

    # Earlier visits, through the workflows, with what the simulated devices would have
    # returned, made without their deliberate delays (the GUI is not involved) ------------

    def identity(self, person_id: str) -> IdentityRecord:
        person = self.reader.scenario.person(person_id)
        return IdentityRecord(
            card_type=person.card_type, name=person.name, sex_code=person.sex, ethnicity_code=person.ethnicity,
            birth_date=person.birth_date, address=person.address, id_number=person.id_number,
            issuing_authority=person.issuing_authority, valid_from=person.valid_from, valid_to=person.valid_to,
            nationality=person.nationality, reader_name="earlier visit",
            photo_png=self.reader.scenario.resolve(person.photo).read_bytes() if person.photo else None,
        )

    def signature(self, name: str, text: str) -> SignatureCapture:
        strokes = synthetic_strokes(name)
        return SignatureCapture(name, strokes, render_signature(strokes, 120.0, 60.0), 120.0, 60.0,
                                self.clock.now(), "earlier visit")

    def image(self, document_id: str = "joint_photo_couple1") -> CapturedImage:
        scenario = self.camera.scenario
        png = scenario.resolve(scenario.document(document_id).image).read_bytes()
        return CapturedImage(png, 626, 413, None, self.clock.now(), "earlier visit", 300.0)

    def marry(self, groom: str, bride: str) -> MarriageCase:
        flow = self.services.workflow
        case = flow.start_case()
        case = flow.record_party(case, Role.A, self.identity(groom))
        case = flow.record_party(case, Role.B, self.identity(bride))
        case = flow.add_document(case, self.image(), "joint_photo")
        for role in (Role.A, Role.B):
            name = case.parties[role].identity.name
            case = flow.add_signature(case, role, self.signature(name, flow.declaration_text(case, role)))
        case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
        case = flow.go_to(case, MarriageStep.REGISTER)
        case = flow.register(case)
        assert case.registration is not None, case.central_error
        return flow.mark_issued(case, ())

    def sign(self, case: MarriageCase, form: SignedForm, role: Role) -> MarriageCase:
        flow = self.services.divorce if case.business is not Business.REISSUE else self.services.reissue
        name = case.parties[role].identity.name
        return flow.sign(case, form, role, self.signature(name, flow.form_text(case, form, role)))

    def apply_for_divorce(self, party_a: str, party_b: str) -> MarriageCase:
        """The first visit, accepted: the case holds the receipt number."""
        flow = self.services.divorce
        case = flow.start_case(Business.DIVORCE_APPLICATION)
        case = flow.record_party(case, Role.A, self.identity(party_a))
        case = flow.record_party(case, Role.B, self.identity(party_b))
        for _ in range(2):
            case = flow.add_document(case, self.image("id_card_front_sample"), MARRIAGE_CERTIFICATE)
        case = flow.record_findings(case, intent=Finding.CONFIRMED, capacity=Finding.CONFIRMED)
        for role in (Role.A, Role.B):
            case = self.sign(case, SignedForm.DIVORCE_APPLICATION, role)
        case = flow.accept(case)
        assert case.divorce is not None and case.divorce.application is not None, case.central_error
        return case

    def register_divorce(self, application: MarriageCase, party_a: str, party_b: str) -> MarriageCase:
        """The second visit (the clock must be inside the issue window)."""
        flow = self.services.divorce
        case = flow.start_case(Business.DIVORCE_REGISTRATION)
        case = flow.find_application(case, receipt_no(application))
        case = flow.record_party(case, Role.A, self.identity(party_a))
        case = flow.record_party(case, Role.B, self.identity(party_b))
        case = flow.add_document(case, self.image("id_card_front_sample"), MARRIAGE_CERTIFICATE)
        for role in (Role.A, Role.B):
            case = flow.record_interview(case, role, wishes_to_divorce=True, agrees_with_agreement=True)
        case = flow.set_agreement(case, AGREEMENT)
        for form in (SignedForm.INTERVIEW, SignedForm.AGREEMENT, SignedForm.DIVORCE_DECLARATION):
            for role in (Role.A, Role.B):
                case = self.sign(case, form, role)
        case = flow.register(case)
        assert case.registration is not None, case.central_error
        return case

    def receipt_png(self, application: MarriageCase, dpi: int = 200) -> bytes:
        """The receipt the couple took home, as the camera would see it."""
        dates = self.services.divorce.dates(application)
        assert dates is not None
        receipt = divorce_receipt_for(
            application, self.window.office(), dates.cooling_off_end, dates.issue_window_start, dates.issue_window_end
        )
        return png_bytes(render_page_image(divorce_receipt_form(receipt), 0, dpi=dpi))


def receipt_no(case: MarriageCase) -> str:
    assert case.divorce is not None and case.divorce.application is not None
    return case.divorce.application.receipt_no


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide takes str
    return bytes(buffer.data().data())


def pdf_text(pdf: Path | bytes) -> str:
    """The text of a PDF file, or of a PDF's bytes (the forms kept with a case)."""
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    return "".join(page.extract_text() for page in PdfReader(source).pages)


def kept_pdf(case: MarriageCase, name: str) -> bytes:
    """The PDF of the form `name` printed for `case`, as kept with the case."""
    pdf = case.form_file(name)
    assert pdf is not None, f"{name} is not kept with case {case.case_id}: {[f.name for f in case.form_files]}"
    return pdf


def pdf_page_png(path: Path | bytes, dpi: int = 200) -> bytes:
    """Page 1 rasterised by PDFium, a renderer independent of Qt's PDF writer."""
    pdf = pypdfium2.PdfDocument(path if isinstance(path, bytes) else str(path))
    try:
        page = pdf[0]
        try:
            bitmap = page.render(scale=dpi / 72)
            try:
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG")
                return buffer.getvalue()
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()
