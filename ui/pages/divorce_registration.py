"""离婚登记 (second visit, domain.md §4.3 items 4-5): both spouses together, at the
accepting office, inside the issue window. The receipt finds the application; each
party is interviewed separately (询问笔录), the 离婚协议书 is examined, and each party
signs the interview record, the agreement and the 离婚登记声明书 (six signatures); F12
registers the divorce and the central store allocates the 离婚证 number.

Too early the rules say WAIT and the page says when to come back; too late, at another
office or after a withdrawal they give refusal grounds (the notice is printed on
Ctrl+Shift+R)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from app.domain.case import Business, MarriageCase, Role
from app.domain.declarations import AGREEMENT_TITLE, DIVORCE_DECLARATION_TITLE, INTERVIEW_TITLE
from app.domain.divorce import DivorceAgreement, DivorceDetails, Interview, SignedForm
from app.rules.counter_divorce import signed_current_text
from app.rules.model import DivorceDates, Verdict
from app.rules.results import RuleResult
from ui.pages.business import (
    BusinessPage,
    DatesBox,
    DocumentsBox,
    PartyBox,
    ReceiptBox,
    RecordBox,
    SignatureTile,
    progress_index,
)
from ui.print.divorce_forms import (
    NOT_REGISTERED_TITLE,
    divorce_agreement_form,
    divorce_certificate,
    divorce_declaration_form,
    divorce_review_form,
    interview_record,
)
from ui.print.layout import FormDocument

if TYPE_CHECKING:
    from ui.main_window import MainWindow

# The forms each party signs, in the order they are signed at the counter.
SIGNED_FORMS: tuple[tuple[SignedForm, str], ...] = (
    (SignedForm.INTERVIEW, INTERVIEW_TITLE),
    (SignedForm.AGREEMENT, AGREEMENT_TITLE),
    (SignedForm.DIVORCE_DECLARATION, DIVORCE_DECLARATION_TITLE),
)
# The 结婚证 first: it comes back to be stamped void and copied (C-DR-DOCS).
DOCUMENT_CLASSES = ("marriage_certificate", "loss_statement", "archive_copy", "agreement", "single_photo", "other")
STAGES = (
    ("C-D-ISSUE",),
    ("C-ID-1", "C-D-CERT", "C-DR-SPOUSES", "C-DR-DOCS"),
    ("C-DR-ASK",),
    ("C-DR-AGREE",),
    ("C-DR-SIGN-ASK", "C-DR-SIGN-AGREE", "C-DR-SIGN-DECL"),
)


class InterviewBox(QGroupBox):
    """询问笔录 of one party, asked separately: two answers and what else they said."""

    def __init__(self, title: str, shortcut: str) -> None:
        super().__init__(title)
        layout = QFormLayout(self)
        self.wishes = QCheckBox(self.tr("Wishes to divorce of their own free will"))
        self.agrees = QCheckBox(self.tr("Agrees with the divorce agreement and signs it voluntarily"))
        self.remarks = QLineEdit()
        self.remarks.setPlaceholderText(self.tr("Anything else the party said (optional)"))
        self.record_button = QPushButton(self.tr("Record this interview ({key})").format(key=shortcut))
        self.record_button.setShortcut(shortcut)
        self.state = QLabel()
        layout.addRow(self.wishes)
        layout.addRow(self.agrees)
        layout.addRow(self.tr("Remarks:"), self.remarks)
        layout.addRow(self.record_button, self.state)
        self._loaded: tuple[str, object] | None = None

    def show_interview(self, case_id: str, interview: Interview | None) -> None:
        """Loads the saved answers when they changed (a new case, a recorded interview),
        never over what the registrar is typing for this party."""
        key = (case_id, interview.recorded_at if interview else None)
        if key != self._loaded:
            self._loaded = key
            self.wishes.setChecked(bool(interview and interview.wishes_to_divorce))
            self.agrees.setChecked(bool(interview and interview.agrees_with_agreement))
            self.remarks.setText(interview.remarks if interview else "")
        if interview is None:
            self.state.setText(self.tr("not interviewed yet"))
        else:
            self.state.setText(self.tr("recorded {time}").format(time=f"{interview.recorded_at:%H:%M:%S}"))


class AgreementBox(QGroupBox):
    """The 离婚协议书 as examined: every heading filled, 无 said explicitly."""

    def __init__(self) -> None:
        super().__init__(self.tr("Divorce agreement (examined at the counter)"))
        layout = QFormLayout(self)
        self.fields: dict[str, QPlainTextEdit] = {}
        labels = (
            ("children", self.tr("Children (custody, support, visits):")),
            ("property", self.tr("Division of property:")),
            ("debts", self.tr("Debts:")),
            ("other", self.tr("Other (housing, economic help):")),
        )
        for key, label in labels:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(52)
            edit.setPlaceholderText(self.tr("Write 无 when there is nothing to arrange"))
            self.fields[key] = edit
            layout.addRow(label, edit)
        self.save_button = QPushButton(self.tr("Save the agreement (Alt+S)"))
        self.save_button.setShortcut("Alt+S")
        self.state = QLabel()
        layout.addRow(self.save_button, self.state)
        self._loaded: tuple[str, DivorceAgreement | None] | None = None

    def agreement(self) -> DivorceAgreement:
        text = {key: edit.toPlainText() for key, edit in self.fields.items()}
        return DivorceAgreement(text["children"], text["property"], text["debts"], text["other"])

    def set_agreement(self, agreement: DivorceAgreement | None) -> None:
        values = {
            "children": agreement.children if agreement else "",
            "property": agreement.property if agreement else "",
            "debts": agreement.debts if agreement else "",
            "other": agreement.other if agreement else "",
        }
        for key, edit in self.fields.items():
            edit.setPlainText(values[key])

    def show_agreement(self, case_id: str, agreement: DivorceAgreement | None) -> None:
        if (case_id, agreement) != self._loaded:
            self._loaded = (case_id, agreement)
            self.set_agreement(agreement)
        saved = agreement is not None and agreement == self.agreement()
        if agreement is None:
            self.state.setText(self.tr("not saved yet"))
        elif saved:
            self.state.setText(self.tr("saved"))
        else:
            self.state.setText(self.tr("changed: save again (both sign again)"))


class DivorceRegistrationPage(BusinessPage):
    business = Business.DIVORCE_REGISTRATION
    refusal_title = NOT_REGISTERED_TITLE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("Divorce registration (second visit): both spouses together"))
        self.receipt = ReceiptBox(main)
        self.left.addWidget(self.receipt)
        row = QHBoxLayout()
        self.parties = {Role.A: PartyBox(self.tr("Party A"), "F2", main, Role.A),
                        Role.B: PartyBox(self.tr("Party B"), "F3", main, Role.B)}
        for box in self.parties.values():
            row.addWidget(box)
        self.left.addLayout(row)

        interviews = QHBoxLayout()
        self.interviews = {
            Role.A: InterviewBox(self.tr("Interview of party A, asked separately"), "Alt+A"),
            Role.B: InterviewBox(self.tr("Interview of party B, asked separately"), "Alt+B"),
        }
        for role, interview_box in self.interviews.items():
            interviews.addWidget(interview_box)
            interview_box.record_button.clicked.connect(lambda _=False, r=role: self._record_interview(r))
        self.left.addLayout(interviews)

        self.agreement = AgreementBox()
        self.agreement.save_button.clicked.connect(lambda: self.main.set_agreement(self.agreement.agreement()))
        self.left.addWidget(self.agreement)

        signatures = QGroupBox(self.tr("Signatures in front of the registrar"))
        grid = QGridLayout(signatures)
        self.form_box = QComboBox()
        for index, (form, title) in enumerate(SIGNED_FORMS):
            key = f"Alt+{index + 1}"
            self.form_box.addItem(f"{title}（{key}）", form.value)
            QShortcut(QKeySequence(key), self, lambda i=index: self.form_box.setCurrentIndex(i))
        grid.addWidget(QLabel(self.tr("Form to sign:")), 0, 0)
        grid.addWidget(self.form_box, 0, 1, 1, 2)
        self.sign_buttons: dict[Role, QPushButton] = {}
        for column, (role, key) in enumerate(((Role.A, "F7"), (Role.B, "F8"))):
            button = QPushButton(
                self.tr("Party {role} signs the selected form ({key})").format(role=role.value, key=key)
            )
            button.setShortcut(key)
            button.clicked.connect(lambda _=False, r=role: self.main.sign_form(self.selected_form(), r))
            grid.addWidget(button, 1, column + 1)
            self.sign_buttons[role] = button
        self.tiles: dict[tuple[SignedForm, Role], SignatureTile] = {}
        for row_index, (form, title) in enumerate(SIGNED_FORMS):
            grid.addWidget(QLabel(title), row_index + 2, 0)
            for column, role in enumerate((Role.A, Role.B)):
                tile = SignatureTile(self.tr("Party {role}").format(role=role.value))
                self.tiles[(form, role)] = tile
                grid.addWidget(tile, row_index + 2, column + 1)
        self.left.addWidget(signatures)
        title = self.tr("Marriage certificate and other materials (camera)")
        self.documents = DocumentsBox(main, DOCUMENT_CLASSES, title)
        self.left.addWidget(self.documents)
        self.left.addStretch(1)

        self.record = RecordBox(self.tr("Application and marriage on record"))
        self.dates = DatesBox()
        self.certificate = QLabel()
        self.certificate.setWordWrap(True)
        self.certificate.setStyleSheet("font-size: 20px; font-weight: bold; color: #0b5cad;")
        self.right.addWidget(self.certificate)
        self.right.addWidget(self.record)
        self.right.addWidget(self.dates)
        self.right.addWidget(self.rules_box, 1)

    def selected_form(self) -> SignedForm:
        return SignedForm(self.form_box.currentData())

    def select_form(self, form: SignedForm) -> None:
        self.form_box.setCurrentIndex(self.form_box.findData(form.value))

    def _record_interview(self, role: Role) -> None:
        box = self.interviews[role]
        self.main.record_interview(role, box.wishes.isChecked(), box.agrees.isChecked(), box.remarks.text())

    # BusinessPage -------------------------------------------------------------------------

    def commit_label(self) -> str:
        return self.tr("Register the divorce (F12)")

    def print_label(self) -> str:
        return self.tr("Print the certificates and forms, finish (Ctrl+P)")

    def outcome_text(self, case: MarriageCase) -> str:
        assert case.registration is not None
        return self.tr("Divorce registered. Divorce certificate number {number}").format(
            number=case.registration.certificate_no
        )

    def progress(self, case: MarriageCase, results: Sequence[RuleResult]) -> tuple[list[str], int]:
        names = [self.tr("Receipt"), self.tr("Identify"), self.tr("Interviews"), self.tr("Agreement"),
                 self.tr("Signatures"), self.tr("Register"), self.tr("Certificates")]
        return names, progress_index(case, results, STAGES)

    def dates_of(self, case: MarriageCase, verdict: Verdict | None) -> DivorceDates | None:
        return self.main.services.divorce.dates(case)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        office = self.main.office()
        forms: list[tuple[str, FormDocument]] = []
        for role in (Role.A, Role.B):
            forms.append((f"divorce-certificate-{role.value}.pdf", divorce_certificate(case, role, office)))
        for copy_no in (1, 2, 3):
            forms.append((f"divorce-agreement-{copy_no}.pdf", divorce_agreement_form(case, office, copy_no)))
        for role in (Role.A, Role.B):
            forms.append((f"interview-{role.value}.pdf", interview_record(case, role, office)))
        for role in (Role.A, Role.B):
            forms.append((f"divorce-declaration-{role.value}.pdf", divorce_declaration_form(case, role, office)))
        forms.append(("divorce-review-form.pdf", divorce_review_form(case, office)))
        return forms

    def show_details(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        details = case.divorce or DivorceDetails()
        self.receipt.show_application(case.case_id, details.application)
        self.record.show_record(
            details.marriage, details.application, self.tr("Scan the receipt (F4) or type its number.")
        )
        application = details.application
        self.dates.show_dates(application.accepted_on if application else None, self.dates_of(case, verdict))
        for role, box in self.parties.items():
            box.show_party(case.parties.get(role), case.current_face_check(role))
        for role, interview_box in self.interviews.items():
            interview_box.show_interview(case.case_id, details.interview_of(role))
        self.agreement.show_agreement(case.case_id, details.agreement)
        for (form, role), tile in self.tiles.items():
            tile.show_signature(case, form, role)
        self.documents.show_documents(case)
        # Once both have signed the selected form, move on to the next one to sign, so
        # F7 / F8 alone go through the six signatures in the order of the counter.
        selected = self.selected_form()
        if all(signed_current_text(case, selected, r) for r in (Role.A, Role.B)):
            for form, _title in SIGNED_FORMS:
                if not all(signed_current_text(case, form, r) for r in (Role.A, Role.B)):
                    self.select_form(form)
                    break
        number = case.registration.certificate_no if case.registration else ""
        self.certificate.setText(
            self.tr("Divorce certificate number: {number}").format(number=number) if number else ""
        )
