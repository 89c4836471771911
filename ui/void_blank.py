"""Voiding a printed certificate blank (作废, 婚姻登记工作规范 2015 Art. 58).

A certificate printed with an error, or on a blank damaged in the printer, is voided
and printed again on a new blank. The registrar names the certificate, types the
voided blank's 印制号 (print number) and the reason; a supervisor authenticates as for
every approval (ui.supervisor_approval).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.auth.model import SupervisorCredentials
from ui.supervisor_approval import SupervisorApprovalDialog


class VoidBlankDialog(SupervisorApprovalDialog):
    approved = Signal(str, str, object, str)  # form name, 印制号, SupervisorCredentials, reason

    def __init__(self, certificates: Sequence[str], parent: QWidget | None = None, *,
                 second_factor: bool = False) -> None:
        super().__init__(
            self.tr("Void a printed certificate blank: supervisor approval"),
            self.tr("What is wrong with the printed certificate (e.g. the paper jammed and the photo is smeared)"),
            parent, second_factor=second_factor,
        )
        explanation = QLabel(self.tr(
            "The voided blank is kept for the office's records; the certificate is printed again on a new blank."
        ))
        explanation.setWordWrap(True)
        self.header.addWidget(explanation)
        form = QFormLayout()
        self.certificate = QComboBox()
        for name in certificates:
            self.certificate.addItem(name, name)
        self.print_no = QLineEdit()
        self.print_no.setMaxLength(32)
        self.print_no.setPlaceholderText(self.tr("As printed on the blank; leave empty if it has none"))
        form.addRow(self.tr("Certificate:"), self.certificate)
        form.addRow(self.tr("Print number (印制号) of the voided blank:"), self.print_no)
        self.header.addLayout(form)

    def complete(self) -> bool:
        if self.certificate.currentData():
            return True
        self.hint.setText(self.tr("Choose the certificate to void."))
        return False

    def emit_approved(self, credentials: SupervisorCredentials, reason: str) -> None:
        self.approved.emit(str(self.certificate.currentData()), self.print_no.text().strip(), credentials, reason)
