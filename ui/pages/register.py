"""登记: commit to the central registry; the certificate number comes back with the ack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from app.domain.case import CaseStatus, MarriageCase, MarriageStep
from ui.pages.base import CasePage

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class RegisterPage(CasePage):
    step = MarriageStep.REGISTER

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("5. Register: commit to the central marriage registry"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 15px;")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state.setStyleSheet("font-size: 20px; padding: 16px;")
        self.register_button = QPushButton(self.tr("Register now (F12)"))
        self.register_button.setShortcut("F12")
        self.register_button.setMinimumHeight(48)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.register_button)
        self.layout_.addWidget(self.state, 1)
        self.register_button.clicked.connect(self.main.register_case)

    def show_case(self, case: MarriageCase) -> None:
        names = "、".join(p.identity.name for p in case.parties.values())
        self.summary.setText(
            self.tr("Parties: {names}. Office: {office}. Registrar: {registrar}.").format(
                names=names, office=self.main.services.config.office.name, registrar=case.registrar
            )
        )
        if case.registration is not None:
            self.state.setText(self.tr("Registered. Certificate number {number}").format(
                number=case.registration.certificate_no))
        elif case.status is CaseStatus.WAITING_CENTRAL:
            self.state.setText(
                self.tr("Waiting for the central registry: {reason}\nThe case is saved; press F12 to try again.")
                .format(reason=case.central_error)
            )
        else:
            self.state.setText(self.tr("Not registered yet."))
        self.register_button.setEnabled(case.registration is None)
