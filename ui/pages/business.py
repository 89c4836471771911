"""What the pages of the divorce and reissue businesses share.

A marriage moves through one page per step; the other businesses are short enough for
one page each (identify, record on file, documents, findings, signatures, commit and
print), with their own progress line in place of the marriage step bar. Every page
shows the parties (name and masked number only), the record the case acts on, the rule
results with the law in force and, for a divorce, the dates the law counts.

Device work and workflow steps go through MainWindow (apply / apply_with_device): a
page never blocks the GUI thread. The rules are pure functions of the case, so pages
evaluate them on the GUI thread when they refresh, as the marriage review page does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import Business, CaseStatus, FaceCheck, MarriageCase, Party, Role, RuleOutcome
from app.domain.divorce import ApplicationOnRecord, MarriageOnRecord, SignedForm
from app.rules.counter_divorce import signed_current_text
from app.rules.model import DivorceDates, Verdict
from app.rules.results import Consequence, RuleResult, refusal_grounds
from app.workflow.business import BusinessWorkflow
from app.workflow.forms import printed_certificates
from ui.face_check import FaceCheckRow, connect_party_keys
from ui.print.divorce_forms import MATERIAL_CLASS_ZH
from ui.print.layout import FormDocument
from ui.rule_set_aside import SetAsideButton
from ui.widgets import ImageLabel, RuleList, pixmap_from_png

if TYPE_CHECKING:
    from ui.main_window import MainWindow

BANNER_STYLES = {
    "refuse": "background: #fde7e9; color: #8a0012; border: 2px solid #b00020;",
    "wait": "background: #fff4e0; color: #7a4a00; border: 2px solid #e08a00;",
    "info": "background: #eef5ff; color: #0b3d7a; border: 1px solid #0b5cad;",
    "closed": "background: #f0f0f0; color: #333; border: 1px solid #999;",
}


def set_button_text(button: QAbstractButton, text: str, shortcut: str) -> None:
    """QAbstractButton.setText replaces the shortcut with the text's mnemonic (none here):
    set the key again after every change of text."""
    button.setText(text)
    button.setShortcut(shortcut)


def application_status_text(status: str) -> str:
    """The central status of a divorce application, in the registrar's words."""
    labels = {
        "pending": QCoreApplication.translate("BusinessPage", "pending"),
        "withdrawn": QCoreApplication.translate("BusinessPage", "withdrawn"),
        "registered": QCoreApplication.translate("BusinessPage", "registered"),
        "deemed_withdrawn": QCoreApplication.translate("BusinessPage", "deemed withdrawn"),
    }
    return labels.get(status, status)


def marriage_record_text(marriage: MarriageOnRecord) -> str:
    registered = QCoreApplication.translate(
        "BusinessPage", "Marriage certificate {number}, registered on {date} at office {office}"
    )
    spouses = QCoreApplication.translate("BusinessPage", "Spouses: {names}")
    lines = [
        registered.format(
            number=marriage.certificate_no, date=f"{marriage.registered_on:%Y-%m-%d}", office=marriage.office_code
        ),
        spouses.format(names="、".join(p.name for p in marriage.parties) or "—"),
    ]
    if marriage.status == "active":
        lines.append(QCoreApplication.translate("BusinessPage", "Status: in force"))
    else:
        dissolved = QCoreApplication.translate(
            "BusinessPage", "Status: dissolved (divorce certificate {number}, {date}, office {office})"
        )
        on = f"{marriage.divorce_registered_on:%Y-%m-%d}" if marriage.divorce_registered_on else "—"
        lines.append(
            dissolved.format(
                number=marriage.divorce_certificate_no or "—", date=on, office=marriage.divorce_office_code or "—"
            )
        )
    return "\n".join(lines)


def application_record_text(application: ApplicationOnRecord) -> str:
    return QCoreApplication.translate(
        "BusinessPage", "Receipt {number}: received on {date} by office {office}; status: {status}"
    ).format(
        number=application.receipt_no,
        date=f"{application.accepted_on:%Y-%m-%d}",
        office=application.office_code,
        status=application_status_text(application.status),
    )


class PartyBox(QGroupBox):
    """One party: photo, name, masked number, the central check, the face check; the
    read key (the face check's is the same with Shift)."""

    def __init__(self, title: str, shortcut: str, main: MainWindow, role: Role) -> None:
        super().__init__(title)
        layout = QHBoxLayout(self)
        self.photo = ImageLabel(62, 76)
        self.details = QLabel("—")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.read_button = QPushButton(self.tr("Read ID card ({key})").format(key=shortcut))
        self.read_button.setShortcut(shortcut)
        self.face = FaceCheckRow(f"Shift+{shortcut}")
        column = QVBoxLayout()
        column.addWidget(self.details, 1)
        column.addWidget(self.face)
        column.addWidget(self.read_button)
        layout.addWidget(self.photo)
        layout.addLayout(column, 1)
        connect_party_keys(self.read_button, self.face, main, role)

    def show_party(self, party: Party | None, face_check: FaceCheck | None = None) -> None:
        self.face.show_check(party, face_check)
        if party is None:
            self.photo.set_png(None)
            self.details.setText("—")
            return
        doc = party.identity
        if party.central_active_marriage is None:
            central = self.tr("central check pending (central registry unreachable)")
        elif party.central_active_marriage:
            central = self.tr("active marriage {certificate}").format(certificate=party.central_active_marriage)
        else:
            central = self.tr("no active marriage on record")
        self.photo.set_png(party.photo_png)
        # Masked: the screen is seen by the people queueing behind the counter.
        self.details.setText(f"{doc.name}　{doc.sex.label_zh}\n{doc.masked_number}\n{central}")

    @property
    def text(self) -> str:
        return self.details.text()


class RecordBox(QGroupBox):
    """The marriage (and divorce application) on record, as the central store holds it."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.content = QVBoxLayout(self)
        self.label = QLabel("—")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.content.addWidget(self.label)

    def show_record(
        self, marriage: MarriageOnRecord | None, application: ApplicationOnRecord | None, empty: str
    ) -> None:
        lines = []
        if application is not None:
            lines.append(application_record_text(application))
        if marriage is not None:
            lines.append(marriage_record_text(marriage))
        self.label.setText("\n".join(lines) if lines else empty)

    @property
    def text(self) -> str:
        return self.label.text()


class DatesBox(QGroupBox):
    """T0, the cooling-off end and the issue window (Civil Code 1077; domain.md §1.3)."""

    def __init__(self) -> None:
        super().__init__(self.tr("Dates (counted with the holiday calendar)"))
        layout = QVBoxLayout(self)
        self.label = QLabel("—")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("font-size: 14px;")
        layout.addWidget(self.label)

    def show_dates(self, accepted_on: date | None, dates: DivorceDates | None, *, projected: bool = False) -> None:
        if accepted_on is None or dates is None:
            self.label.setText("—")
            return
        lines = [self.tr("If the application is accepted today:")] if projected else []
        lines += [
            self.tr("Received (T0): {date}").format(date=f"{accepted_on:%Y-%m-%d}"),
            self.tr("Cooling-off period ends: {date} (either party may withdraw until then, inclusive)").format(
                date=f"{dates.cooling_off_end:%Y-%m-%d}"
            ),
            self.tr("Issue window: {start} to {end} (both parties together, at the accepting office)").format(
                start=f"{dates.issue_window_start:%Y-%m-%d}", end=f"{dates.issue_window_end:%Y-%m-%d}"
            ),
        ]
        self.label.setText("\n".join(lines))

    @property
    def text(self) -> str:
        return self.label.text()


class RulesBox(QGroupBox):
    """Every rule result with the law in force on the day of the visit."""

    def __init__(self) -> None:
        super().__init__(self.tr("Rule results (law in force on the day of the visit)"))
        layout = QVBoxLayout(self)
        self.law = QLabel()
        self.law.setWordWrap(True)
        self.law.setStyleSheet("color: #555;")
        self.rules = RuleList()
        self.rules.setMinimumHeight(160)
        layout.addWidget(self.law)
        layout.addWidget(self.rules, 1)

    def show_results(self, law: str, results: Sequence[RuleResult | RuleOutcome]) -> None:
        self.law.setText(law)
        self.rules.show_results(results)


class SignatureTile(QFrame):
    """One (form, party) signature: its image and whether it still matches the text."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.image = ImageLabel(150, 64)
        self.state = QLabel()
        layout.addWidget(self.title)
        layout.addWidget(self.image)
        layout.addWidget(self.state)

    def show_signature(self, case: MarriageCase, form: SignedForm, role: Role) -> None:
        signature = case.signature_for(form, role)
        self.image.set_png(signature.image_png if signature else None)
        if signature is None:
            self.state.setText(self.tr("not signed"))
            self.state.setStyleSheet("color: #777;")
        elif signed_current_text(case, form, role):
            self.state.setText(self.tr("signed {time}").format(time=f"{signature.signed_at:%H:%M:%S}"))
            self.state.setStyleSheet("color: #1b7a1b;")
        else:
            self.state.setText(self.tr("the text changed since: sign again"))
            self.state.setStyleSheet("color: #b00020;")


class DocumentsBox(QGroupBox):
    """Documents captured with the camera: a class to capture as, F5, Del."""

    def __init__(self, main: MainWindow, classes: Sequence[str], title: str) -> None:
        super().__init__(title)
        self.main = main
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.class_box = QComboBox()
        for document_class in classes:
            self.class_box.addItem(MATERIAL_CLASS_ZH.get(document_class, document_class), document_class)
        self.capture_button = QPushButton(self.tr("Capture with the camera (F5)"))
        self.capture_button.setShortcut("F5")
        self.remove_button = QPushButton(self.tr("Remove selected (Del)"))
        self.remove_button.setShortcut("Del")
        row.addWidget(QLabel(self.tr("Document type:")))
        row.addWidget(self.class_box, 1)
        row.addWidget(self.capture_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.documents = QListWidget()
        self.documents.setIconSize(self.documents.iconSize() * 3)
        self.documents.setMaximumHeight(84)
        layout.addWidget(self.documents)
        self.capture_button.clicked.connect(lambda: self.main.capture_document(self.current_class()))
        self.remove_button.clicked.connect(self._remove_selected)

    def current_class(self) -> str:
        return str(self.class_box.currentData())

    def select_class(self, document_class: str) -> None:
        index = self.class_box.findData(document_class)
        if index >= 0:
            self.class_box.setCurrentIndex(index)

    def _remove_selected(self) -> None:
        item = self.documents.currentItem()
        if item is not None:
            self.main.remove_document(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_documents(self, case: MarriageCase, classes: Sequence[str] | None = None) -> None:
        self.documents.clear()
        for document in case.documents:
            if classes is not None and document.document_class not in classes:
                continue
            label = MATERIAL_CLASS_ZH.get(document.document_class, document.document_class)
            item = QListWidgetItem(f"{label}  {document.captured_at:%H:%M:%S}  {document.device_name}")
            item.setIcon(pixmap_from_png(document.image_png, 48, 36))
            item.setData(Qt.ItemDataRole.UserRole, document.document_id)
            self.documents.addItem(item)


class ReceiptBox(QGroupBox):
    """The 受理回执单 the parties bring back: its QR code scanned (F4) or its number typed."""

    def __init__(self, main: MainWindow) -> None:
        super().__init__(self.tr("Acceptance receipt of the divorce application"))
        self.main = main
        layout = QHBoxLayout(self)
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("Receipt number, e.g. 110101-20260602-3F2A9C1B, then Enter"))
        self.find_button = QPushButton(self.tr("Look up (Enter)"))
        self.scan_button = QPushButton(self.tr("Scan the receipt's QR code (F4)"))
        self.scan_button.setShortcut("F4")
        layout.addWidget(self.number, 1)
        layout.addWidget(self.find_button)
        layout.addWidget(self.scan_button)
        self.number.returnPressed.connect(self._find)
        self.find_button.clicked.connect(self._find)
        self.scan_button.clicked.connect(self.main.scan_receipt)
        self._shown: tuple[str, str | None] | None = None

    def _find(self) -> None:
        self.main.find_application(self.number.text())

    def show_application(self, case_id: str, application: ApplicationOnRecord | None) -> None:
        """Shows the number of the application found (scanned, typed or picked from the
        list), once per case and application: never over what is being typed."""
        key = (case_id, application.receipt_no if application else None)
        if key == self._shown:
            return
        self._shown = key
        if application is not None:
            self.number.setText(application.receipt_no)
        elif not self.number.hasFocus():
            self.number.clear()


class BusinessPage(QWidget):
    """The page of one business (subclasses fill `left` and `right` and say what their
    commit, print and refusal mean)."""

    business: ClassVar[Business]
    # Title of the notice printed when the case is refused (a printed form, in Chinese).
    refusal_title: ClassVar[str]

    def __init__(self, main: MainWindow) -> None:
        super().__init__()
        self.main = main
        self.case: MarriageCase | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 18px; font-weight: bold; margin-bottom: 4px;")
        outer.addWidget(self.heading)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        outer.addWidget(self.banner)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        self.left = QVBoxLayout()
        self.right = QVBoxLayout()
        columns.addLayout(self.left, 3)
        columns.addLayout(self.right, 2)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.rules_box = RulesBox()
        self.set_aside = SetAsideButton(self.rules_box.rules, main)
        rules_layout = self.rules_box.layout()
        assert rules_layout is not None
        rules_layout.addWidget(self.set_aside)

        bottom = QHBoxLayout()
        self.commit_button = QPushButton()
        set_button_text(self.commit_button, self.commit_label(), "F12")
        self.commit_button.setMinimumHeight(40)
        self.print_button = QPushButton()
        set_button_text(self.print_button, self.print_label(), "Ctrl+P")
        self.print_button.setMinimumHeight(40)
        bottom.addWidget(self.commit_button, 1)
        bottom.addWidget(self.print_button, 1)
        outer.addLayout(bottom)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setStyleSheet("font-size: 18px; padding: 6px; color: #1b5e20;")
        outer.addWidget(self.outcome)
        self.commit_button.clicked.connect(self.main.commit_case)
        self.print_button.clicked.connect(self.main.issue_documents)

    # What each business says -------------------------------------------------------------

    def commit_label(self) -> str:
        raise NotImplementedError

    def print_label(self) -> str:
        raise NotImplementedError

    def outcome_text(self, case: MarriageCase) -> str:
        """The result of the commit, once the central store acknowledged it."""
        raise NotImplementedError

    def progress(self, case: MarriageCase, results: Sequence[RuleResult]) -> tuple[list[str], int]:
        """The business's steps and the index of the current one."""
        raise NotImplementedError

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        """The forms Ctrl+P writes and prints, by file name."""
        raise NotImplementedError

    def show_details(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        raise NotImplementedError

    def dates_of(self, case: MarriageCase, verdict: Verdict | None) -> DivorceDates | None:
        return None

    # Refresh -----------------------------------------------------------------------------

    @property
    def workflow(self) -> BusinessWorkflow:
        return self.main.business_workflow(self.business)

    def show_case(self, case: MarriageCase) -> None:
        verdict, results = self.workflow.judge(case)
        self.show_details(case, verdict, results)
        editable = case.status in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL)
        law = self.workflow.applicable_law()
        self.rules_box.show_results(law, results if editable else case.rule_outcomes)
        self.set_aside.show_case(case)
        self._show_banner(case, verdict, results)
        self._show_outcome(case)
        self.commit_button.setEnabled(editable and case.registration is None)
        self.print_button.setEnabled(case.status is CaseStatus.REGISTERED)
        self.case = case

    def current_progress(self) -> tuple[list[str], int]:
        if self.case is None:
            return [], -1
        return self.progress(self.case, self.workflow.evaluate(self.case))

    def _show_banner(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        kind, lines = "", []
        grounds = refusal_grounds(results)
        if case.status is CaseStatus.REFUSED:
            kind = "refuse"
            messages = [r.message for r in grounds] or [o.message for o in case.rule_outcomes if not o.passed]
            lines = [self.tr("Refused. The notice gives the parties these grounds:"), *messages]
        elif case.status is CaseStatus.CANCELLED:
            kind = "closed"
            lines = [self.tr("Case closed unfinished. Nothing was committed for it.")]
            if case.central_error:
                lines.append(case.central_error)
        elif case.status is CaseStatus.WAITING_CENTRAL:
            kind = "wait"
            lines = [
                self.tr("Waiting for the central registry: {reason}").format(reason=case.central_error),
                self.tr("The case is saved; press F12 to send it again."),
            ]
        elif case.status is CaseStatus.OPEN:
            waits = [r.message for r in results if not r.passed and r.consequence is Consequence.WAIT]
            if grounds:
                kind = "refuse"
                lines = [
                    self.tr("Grounds for refusal: explain them to the parties; Ctrl+Shift+R refuses and prints the "
                            "notice."),
                    *(r.message for r in grounds),
                ]
            if waits:
                kind = kind or "wait"
                lines += waits
                dates = self.dates_of(case, verdict)
                if dates is not None:
                    lines.append(
                        self.tr("Please come back between {start} and {end}.").format(
                            start=f"{dates.issue_window_start:%Y-%m-%d}", end=f"{dates.issue_window_end:%Y-%m-%d}"
                        )
                    )
        if not lines:
            self.banner.hide()
            self.banner.setText("")
            return
        self.banner.setText("\n".join(lines))
        self.banner.setStyleSheet(BANNER_STYLES[kind] + " font-size: 16px; font-weight: bold; padding: 8px;")
        self.banner.show()

    def _show_outcome(self, case: MarriageCase) -> None:
        if case.registration is None:
            self.outcome.setText("")
            self.outcome.hide()
            return
        text = self.outcome_text(case)
        if case.status is CaseStatus.ISSUED:
            text += "\n" + self.tr("Forms kept with the case (Ctrl+Shift+E exports them): {forms}").format(
                forms=", ".join(case.printed_forms)
            )
            if printed_certificates(case):
                text += "\n" + self.tr("Ctrl+Shift+V voids a misprinted certificate blank and prints it again.")
        elif case.status is CaseStatus.REGISTERED:
            text += "\n" + self.tr("Press Ctrl+P to print the forms and finish.")
        self.outcome.setText(text)
        self.outcome.show()

    @property
    def banner_text(self) -> str:
        return self.banner.text() if not self.banner.isHidden() else ""


def first_failing(results: Sequence[RuleResult], stages: Sequence[Sequence[str]]) -> int:
    """Index of the first stage with a failed rule (len(stages) when all pass)."""
    failed = {r.rule_id for r in results if not r.passed}
    for index, rule_ids in enumerate(stages):
        if failed.intersection(rule_ids):
            return index
    return len(stages)


def progress_index(case: MarriageCase, results: Sequence[RuleResult], stages: Sequence[Sequence[str]]) -> int:
    """Where a business case stands: the first unfinished stage, then commit, then print."""
    if case.status is CaseStatus.ISSUED:
        return len(stages) + 1
    if case.registration is not None:
        return len(stages) + 1
    return first_failing(results, stages)
