"""离婚登记申请 (first visit, domain.md §4.3 items 1-2): both spouses' cards, the
marriage on record, the 结婚证 they brought (or the loss statement / archive copy), the
registrar's two findings, both signatures on the 离婚登记申请书, then 受理 (F12) and the
受理回执单 with its QR code (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from app.domain.case import Business, MarriageCase, Role
from app.domain.declarations import DIVORCE_APPLICATION_TITLE
from app.domain.divorce import CertificateCopies, DivorceDetails, Finding, SignedForm
from app.rules.counter_divorce import ARCHIVE_COPY, LOSS_STATEMENT, MARRIAGE_CERTIFICATE
from app.rules.model import DivorceDates, Verdict
from app.rules.results import RuleResult
from ui.pages.business import (
    BusinessPage,
    DatesBox,
    DocumentsBox,
    PartyBox,
    RecordBox,
    SignatureTile,
    progress_index,
)
from ui.print.divorce_forms import NOT_ACCEPTED_TITLE, divorce_application_form
from ui.print.layout import FormDocument
from ui.print.receipt import divorce_receipt_for, divorce_receipt_form

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DOCUMENT_CLASSES = (MARRIAGE_CERTIFICATE, LOSS_STATEMENT, ARCHIVE_COPY, "other")
# Progress stages, each the rules it waits for.
STAGES = (
    ("C-ID-1", "C-D-SPOUSES"),
    ("C-D-CERT", "C-D-OPEN", "C-M-REG"),
    ("C-D-DOCS",),
    ("C-D-INTENT", "C-D-CAPACITY"),
    ("C-D-SIGN",),
)


def next_document_class(case: MarriageCase, details: DivorceDetails) -> str | None:
    """The material still missing for the copies the couple brought (§4.3 item 1)."""
    classes = [d.document_class for d in case.documents]
    certificates = classes.count(MARRIAGE_CERTIFICATE)
    match details.certificate_copies:
        case CertificateCopies.BOTH:
            return MARRIAGE_CERTIFICATE if certificates < 2 else None
        case CertificateCopies.ONE_LOST:
            if certificates < 1:
                return MARRIAGE_CERTIFICATE
            return LOSS_STATEMENT if LOSS_STATEMENT not in classes else None
        case CertificateCopies.BOTH_LOST:
            if LOSS_STATEMENT not in classes:
                return LOSS_STATEMENT
            return ARCHIVE_COPY if ARCHIVE_COPY not in classes else None
    return None


class DivorceApplicationPage(BusinessPage):
    business = Business.DIVORCE_APPLICATION
    refusal_title = NOT_ACCEPTED_TITLE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("Divorce application (first visit): both spouses in person"))
        parties = QHBoxLayout()
        self.parties = {Role.A: PartyBox(self.tr("Party A"), "F2", main, Role.A),
                        Role.B: PartyBox(self.tr("Party B"), "F3", main, Role.B)}
        for box in self.parties.values():
            parties.addWidget(box)
        self.left.addLayout(parties)

        self.marriage = RecordBox(self.tr("Marriage on record (found from the cards)"))
        lookup = QHBoxLayout()
        self.certificate_no = QLineEdit()
        self.certificate_no.setPlaceholderText(
            self.tr("Not found? Type the marriage certificate number (e.g. J110101-2026-000001), then Enter")
        )
        self.find_button = QPushButton(self.tr("Find marriage (Enter)"))
        lookup.addWidget(self.certificate_no, 1)
        lookup.addWidget(self.find_button)
        self.marriage.content.addLayout(lookup)
        self.left.addWidget(self.marriage)
        self.certificate_no.returnPressed.connect(self._find_marriage)
        self.find_button.clicked.connect(self._find_marriage)

        copies_box = QGroupBox(self.tr("Marriage certificates brought"))
        copies_row = QHBoxLayout(copies_box)
        self.copies_group = QButtonGroup(self)
        self.copies: dict[CertificateCopies, QRadioButton] = {}
        labels = (
            (CertificateCopies.BOTH, self.tr("Both certificates (Alt+1)"), "Alt+1"),
            (CertificateCopies.ONE_LOST, self.tr("One lost: loss statement (Alt+2)"), "Alt+2"),
            (CertificateCopies.BOTH_LOST, self.tr("Both lost: statement and archive copy (Alt+3)"), "Alt+3"),
        )
        for copies, label, key in labels:
            radio = QRadioButton(label)
            radio.setShortcut(key)
            self.copies_group.addButton(radio)
            self.copies[copies] = radio
            copies_row.addWidget(radio)
            radio.clicked.connect(lambda _=False, c=copies: self.main.set_certificate_copies(c))
        self.left.addWidget(copies_box)

        self.documents = DocumentsBox(main, DOCUMENT_CLASSES, self.tr("Certificates and statements (camera)"))
        self.left.addWidget(self.documents)

        findings_box = QGroupBox(self.tr("Registrar's findings on asking both parties"))
        findings = QFormLayout(findings_box)
        self.intent = self._finding_box()
        self.capacity = self._finding_box()
        findings.addRow(self.tr("Both wish to divorce of their own free will (Alt+I):"), self.intent)
        findings.addRow(self.tr("Both have full civil capacity (Alt+C):"), self.capacity)
        QShortcut(QKeySequence("Alt+I"), self, self.intent.setFocus)
        QShortcut(QKeySequence("Alt+C"), self, self.capacity.setFocus)
        self.intent.activated.connect(self._record_findings)
        self.capacity.activated.connect(self._record_findings)
        self.left.addWidget(findings_box)

        signatures_box = QGroupBox(self.tr("Signatures on the application form (read on the pad, signed in front "
                                           "of the registrar)"))
        grid = QGridLayout(signatures_box)
        self.tiles: dict[Role, SignatureTile] = {}
        self.sign_buttons: dict[Role, QPushButton] = {}
        for column, (role, key) in enumerate(((Role.A, "F7"), (Role.B, "F8"))):
            tile = SignatureTile(DIVORCE_APPLICATION_TITLE)
            button = QPushButton(self.tr("Party {role} signs on the pad ({key})").format(role=role.value, key=key))
            button.setShortcut(key)
            button.clicked.connect(lambda _=False, r=role: self.main.sign_form(SignedForm.DIVORCE_APPLICATION, r))
            grid.addWidget(tile, 0, column)
            grid.addWidget(button, 1, column)
            self.tiles[role] = tile
            self.sign_buttons[role] = button
        self.left.addWidget(signatures_box)
        self.left.addStretch(1)

        self.dates = DatesBox()
        self.receipt = QLabel()
        self.receipt.setWordWrap(True)
        self.receipt.setStyleSheet("font-size: 20px; font-weight: bold; color: #0b5cad;")
        right = QVBoxLayout()
        right.addWidget(self.receipt)
        right.addWidget(self.dates)
        right.addWidget(self.rules_box, 1)
        self.right.addLayout(right)

    def _finding_box(self) -> QComboBox:
        box = QComboBox()
        box.addItem(self.tr("not recorded yet"), Finding.NOT_RECORDED.value)
        box.addItem(self.tr("confirmed"), Finding.CONFIRMED.value)
        box.addItem(self.tr("denied"), Finding.DENIED.value)
        return box

    def _find_marriage(self) -> None:
        self.main.find_marriage(self.certificate_no.text())

    def _record_findings(self) -> None:
        self.main.record_findings(Finding(self.intent.currentData()), Finding(self.capacity.currentData()))

    def set_findings(self, intent: Finding, capacity: Finding) -> None:
        """As if chosen in the two boxes (the keyboard's arrows, or a test)."""
        self.intent.setCurrentIndex(self.intent.findData(intent.value))
        self.capacity.setCurrentIndex(self.capacity.findData(capacity.value))
        self._record_findings()

    # BusinessPage -------------------------------------------------------------------------

    def commit_label(self) -> str:
        return self.tr("Accept the application (F12)")

    def print_label(self) -> str:
        return self.tr("Print the application form and the receipt, finish (Ctrl+P)")

    def outcome_text(self, case: MarriageCase) -> str:
        assert case.registration is not None
        return self.tr("Application accepted. Receipt number {number}").format(
            number=case.registration.certificate_no
        )

    def progress(self, case: MarriageCase, results: Sequence[RuleResult]) -> tuple[list[str], int]:
        names = [self.tr("Identify"), self.tr("Marriage on record"), self.tr("Certificates"), self.tr("Findings"),
                 self.tr("Signatures"), self.tr("Accept"), self.tr("Receipt")]
        return names, progress_index(case, results, STAGES)

    def dates_of(self, case: MarriageCase, verdict: Verdict | None) -> DivorceDates | None:
        return self.main.services.divorce.dates(case) or (verdict.dates if verdict else None)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        office = self.main.office()
        forms = [("divorce-application.pdf", divorce_application_form(case, office))]
        dates = self.main.services.divorce.dates(case)
        if dates is not None:
            receipt = divorce_receipt_for(
                case, office, dates.cooling_off_end, dates.issue_window_start, dates.issue_window_end
            )
            forms.append(("divorce-receipt.pdf", divorce_receipt_form(receipt)))
        return forms

    def show_details(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        details = case.divorce or DivorceDetails()
        for role, box in self.parties.items():
            box.show_party(case.parties.get(role), case.current_face_check(role))
        blocking = details.blocking_application
        self.marriage.show_record(
            details.marriage, blocking, self.tr("Not found yet: read both cards, or type the certificate number.")
        )
        if details.marriage is not None and not self.certificate_no.hasFocus():
            self.certificate_no.setText(details.marriage.certificate_no)
        self.copies[details.certificate_copies].setChecked(True)
        missing = next_document_class(case, details)
        if missing is not None:
            self.documents.select_class(missing)
        self.documents.show_documents(case)
        self.intent.setCurrentIndex(self.intent.findData(details.intent_finding.value))
        self.capacity.setCurrentIndex(self.capacity.findData(details.capacity_finding.value))
        for role, tile in self.tiles.items():
            tile.show_signature(case, SignedForm.DIVORCE_APPLICATION, role)
        application = details.application
        if application is not None:
            self.receipt.setText(self.tr("Receipt number: {number}").format(number=application.receipt_no))
            self.dates.show_dates(application.accepted_on, self.main.services.divorce.dates(case))
        else:
            self.receipt.setText("")
            self.dates.show_dates(self.workflow.today(), verdict.dates if verdict else None, projected=True)
