"""The end of a case: registered and issued, or refused with its reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QPushButton

from app.domain.case import CaseStatus, MarriageCase, MarriageStep
from ui.pages.base import CasePage
from ui.widgets import RuleList

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class DonePage(CasePage):
    step = MarriageStep.DONE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setStyleSheet("font-size: 20px; padding: 12px;")
        self.reasons = RuleList()
        self.new_button = QPushButton(self.tr("Next couple: new case (Ctrl+N)"))
        self.layout_.addWidget(self.state)
        self.layout_.addWidget(self.reasons, 1)
        self.layout_.addWidget(self.new_button)
        self.new_button.clicked.connect(self.main.new_case)

    def show_case(self, case: MarriageCase) -> None:
        if case.status is CaseStatus.CANCELLED:
            self.heading.setText(self.tr("Case closed unfinished"))
            self.state.setText(case.central_error or self.tr("Nothing was registered. The captured data is kept."))
            self.reasons.show_results(case.rule_outcomes)
        elif case.status is CaseStatus.REFUSED:
            self.heading.setText(self.tr("Registration refused"))
            self.state.setText(self.tr("The registration was refused for the reasons below. Tell the parties why."))
            self.reasons.show_results(tuple(o for o in case.rule_outcomes if not o.passed))
        else:
            self.heading.setText(self.tr("Registration complete"))
            number = case.registration.certificate_no if case.registration else "—"
            text = self.tr("Certificate number {number}. Hand one certificate to each party.").format(number=number)
            if case.status is CaseStatus.ISSUED:
                text += "\n" + self.tr("The printed forms are kept with the case: Ctrl+Shift+E exports them; "
                                       "Ctrl+Shift+V voids a misprinted certificate blank and prints it again.")
            self.state.setText(text)
            self.reasons.show_results(case.rule_outcomes)
