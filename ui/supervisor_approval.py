"""The supervisor's part of every approval dialog (#10): operator ID, secret, the USB
key's PIN when the counter has one, the reason, and a line that says what is missing or
why the approval was refused.

The credentials are checked in app/ by the workflow (app.auth), never here: the form only
collects them. `SupervisorApprovalDialog` is the dialog around it, shared by the
face-check override (ui.face_check), setting a rule result aside (ui.rule_set_aside)
and voiding a printed certificate blank (ui.void_blank).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.auth.model import SupervisorCredentials

log = logging.getLogger(__name__)

FAILED_COLOR = "#b00020"


class SupervisorApproval(QWidget):
    def __init__(self, reason_hint: str, parent: QWidget | None = None, *, second_factor: bool = False) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.supervisor = QLineEdit()
        self.supervisor.setMaxLength(64)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.second_factor = second_factor
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(reason_hint)
        form.addRow(self.tr("Supervisor's operator ID:"), self.supervisor)
        form.addRow(self.tr("Supervisor's secret:"), self.secret)
        pin_label = QLabel(self.tr("USB key PIN:"))
        form.addRow(pin_label, self.pin)
        pin_label.setVisible(second_factor)
        self.pin.setVisible(second_factor)
        form.addRow(self.tr("Reason:"), self.reason)
        layout.addLayout(form)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {FAILED_COLOR};")

    def request(self) -> tuple[SupervisorCredentials, str] | None:
        """The credentials and the reason, or None (the hint says what is missing)."""
        supervisor, secret = self.supervisor.text().strip(), self.secret.text()
        reason = self.reason.toPlainText().strip()
        if not supervisor or not secret or not reason or (self.second_factor and not self.pin.text()):
            self.hint.setText(self.tr("The supervisor types their operator ID and secret; give the reason."))
            return None
        self.hint.setText(self.tr("Checking…"))
        return SupervisorCredentials(supervisor, secret, self.pin.text() if self.second_factor else None), reason

    def show_error(self, text: str) -> None:
        """The approval was refused (wrong secret, not a supervisor, locked out …)."""
        self.hint.setText(text)
        self.clear_secrets()
        self.secret.setFocus()

    def clear_secrets(self) -> None:
        """The secret and the PIN leave the screen."""
        self.secret.clear()
        self.pin.clear()


class SupervisorApprovalDialog(QDialog):
    """What is to be approved (the subclass adds it to `header`), the supervisor's part,
    OK / Cancel and the hint line. Window-modal through open(); OK emits `approved` and
    the dialog stays open until the main window says the approval was saved (`finish`)
    or why not (`show_error`)."""

    approved = Signal(object, str)  # SupervisorCredentials, reason

    def __init__(self, title: str, reason_hint: str, parent: QWidget | None = None, *,
                 second_factor: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.header = QVBoxLayout()
        layout.addLayout(self.header)
        self.approval = SupervisorApproval(reason_hint, second_factor=second_factor)
        # The fields by their names (the main window's tests and QA scripts fill them).
        self.supervisor, self.secret, self.pin = self.approval.supervisor, self.approval.secret, self.approval.pin
        self.reason, self.hint, self.second_factor = self.approval.reason, self.approval.hint, second_factor
        layout.addWidget(self.approval)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._approve)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        layout.addWidget(self.hint)

    def _approve(self) -> None:
        request = self.approval.request()
        if request is None or not self.complete():
            return
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.emit_approved(*request)

    def complete(self) -> bool:
        """Whether the subclass's own fields are filled in (else its hint says what is missing)."""
        return True

    def emit_approved(self, credentials: SupervisorCredentials, reason: str) -> None:
        self.approved.emit(credentials, reason)

    def show_error(self, text: str) -> None:
        """The approval was refused (wrong secret, not a supervisor, the same person …).
        The answer comes from the worker: the dialog may have been closed meanwhile."""
        try:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
            self.approval.show_error(text)
        except RuntimeError:  # closed (deleted) before the answer
            log.info("an approval dialog closed before its answer")

    def finish(self) -> None:
        """The approval is saved: the secret leaves the screen with the dialog."""
        try:
            self.approval.clear_secrets()
            self.accept()
        except RuntimeError:
            log.info("an approval dialog closed before its answer")
