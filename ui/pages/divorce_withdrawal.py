"""撤回离婚登记申请 (Civil Code 1077 ¶1; domain.md §1.3 item 3): either spouse alone,
at the accepting office, up to and including the last day of the cooling-off period.
The receipt finds the application; the withdrawing party's card, the signed
撤回离婚登记申请书, then F12 and the 确认单 with its 存根联 (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGroupBox, QPushButton, QVBoxLayout

from app.domain.case import Business, MarriageCase, Role
from app.domain.declarations import WITHDRAWAL_TITLE
from app.domain.divorce import DivorceDetails, SignedForm
from app.rules.model import DivorceDates, Verdict
from app.rules.results import RuleResult
from ui.pages.business import BusinessPage, DatesBox, PartyBox, ReceiptBox, RecordBox, SignatureTile, progress_index
from ui.print.divorce_forms import withdrawal_application_form, withdrawal_confirmation
from ui.print.layout import FormDocument

if TYPE_CHECKING:
    from ui.main_window import MainWindow

# Printed when the withdrawal is refused (late, wrong office, application closed).
WITHDRAWAL_REFUSAL_TITLE = "不予办理撤回离婚登记申请告知书"
STAGES = (("C-W-PARTY", "C-D-WD"), ("C-ID-1",), ("C-W-SIGN",))


class DivorceWithdrawalPage(BusinessPage):
    business = Business.DIVORCE_WITHDRAWAL
    refusal_title = WITHDRAWAL_REFUSAL_TITLE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("Withdrawal of a divorce application: the withdrawing spouse in person"))
        self.receipt = ReceiptBox(main)
        self.left.addWidget(self.receipt)
        self.record = RecordBox(self.tr("Application and marriage on record"))
        self.left.addWidget(self.record)
        self.party = PartyBox(self.tr("Withdrawing party (either spouse)"), "F2", main, Role.A)
        self.left.addWidget(self.party)
        signature_box = QGroupBox(self.tr("Signature on the withdrawal form"))
        column = QVBoxLayout(signature_box)
        self.tile = SignatureTile(WITHDRAWAL_TITLE)
        self.sign_button = QPushButton(self.tr("The withdrawing party signs on the pad (F7)"))
        self.sign_button.setShortcut("F7")
        self.sign_button.clicked.connect(lambda: self.main.sign_form(SignedForm.WITHDRAWAL, Role.A))
        column.addWidget(self.tile)
        column.addWidget(self.sign_button)
        self.left.addWidget(signature_box)
        self.left.addStretch(1)
        self.dates = DatesBox()
        self.right.addWidget(self.dates)
        self.right.addWidget(self.rules_box, 1)

    def commit_label(self) -> str:
        return self.tr("Withdraw the application (F12)")

    def print_label(self) -> str:
        return self.tr("Print the withdrawal form and the confirmation, finish (Ctrl+P)")

    def outcome_text(self, case: MarriageCase) -> str:
        assert case.registration is not None
        return self.tr("Application {number} withdrawn on {date}.").format(
            number=case.registration.certificate_no, date=f"{case.registration.registered_on:%Y-%m-%d}"
        )

    def progress(self, case: MarriageCase, results: Sequence[RuleResult]) -> tuple[list[str], int]:
        names = [self.tr("Receipt"), self.tr("Identify"), self.tr("Signature"), self.tr("Withdraw"),
                 self.tr("Confirmation")]
        return names, progress_index(case, results, STAGES)

    def dates_of(self, case: MarriageCase, verdict: Verdict | None) -> DivorceDates | None:
        return self.main.services.divorce.dates(case)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        office = self.main.office()
        return [
            ("withdrawal-application.pdf", withdrawal_application_form(case, office)),
            ("withdrawal-confirmation.pdf", withdrawal_confirmation(case, office)),
        ]

    def show_details(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        details = case.divorce or DivorceDetails()
        self.receipt.show_application(case.case_id, details.application)
        self.record.show_record(
            details.marriage, details.application, self.tr("Scan the receipt (F4) or type its number.")
        )
        self.party.show_party(case.parties.get(Role.A), case.current_face_check(Role.A))
        self.tile.show_signature(case, SignedForm.WITHDRAWAL, Role.A)
        application = details.application
        self.dates.show_dates(application.accepted_on if application else None, self.dates_of(case, verdict))
