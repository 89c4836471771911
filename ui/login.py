"""Who is at the counter (#10): the login and lock dialog, and the idle watch.

`LoginDialog` is window-modal through open() (no nested event loop): the main window
waits behind it with its case hidden, its keys blocked by the modality. It cannot be
dismissed (Esc, the close button): only an operator who authenticates closes it. The
credentials go to the main window (`submitted`), which checks them on the worker
through app.auth (a scrypt hash takes a tenth of a second) and answers with
`show_error` or by closing the dialog.

Windows outside the main window that show a case or take input for it (the pen
signature pad, a parentless window on the second screen) are not behind the main
window's lock: they register with `conceal_while_locked`, and the dialog hides them
while it is up (a login, the idle lock, after a logout) and shows them again after a
login. The main window hides its own docks and dialogs itself.

`IdleWatch` sees every key press, click, wheel turn and pen touch in the application
(an event filter) and says `idle` once no input came for the configured time; the
main window then locks the counter. The clock is injectable (tests).
"""

from __future__ import annotations

import enum
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.auth.model import Operator, OperatorRole

if TYPE_CHECKING:
    from ui.qa_console import UsbKeyControl

FAILED_COLOR = "#b00020"

# What counts as someone working at the counter (mouse moves alone do not: a nudged
# mouse must not keep a counter unlocked).
INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TabletPress,
    QEvent.Type.TouchBegin,
})


class LoginMode(enum.Enum):
    LOGIN = "login"  # nobody logged in: at start, after a logout
    UNLOCK = "unlock"  # locked while idle: the same operator, or another taking over


def role_text(role: OperatorRole) -> str:
    names = {
        OperatorRole.REGISTRAR: QCoreApplication.translate("Operator", "registrar"),
        OperatorRole.SUPERVISOR: QCoreApplication.translate("Operator", "supervisor"),
        OperatorRole.ADMIN: QCoreApplication.translate("Operator", "IT administrator"),
        OperatorRole.QA: QCoreApplication.translate("Operator", "QA"),
    }
    return names.get(role, role.value)


class Concealable(Protocol):
    def conceal(self) -> None:
        """Hide now (the counter locks); keep any work in progress."""

    def reveal(self) -> None:
        """Show again what `conceal` hid (an operator logged in)."""


# Weak: a device closed and dropped leaves the set by itself.
_CONCEALED_WHILE_LOCKED: weakref.WeakSet[Concealable] = weakref.WeakSet()


def conceal_while_locked(item: Concealable) -> None:
    """`item` is hidden whenever a login dialog is up (see the module text)."""
    _CONCEALED_WHILE_LOCKED.add(item)


class LoginDialog(QDialog):
    submitted = Signal(str, str, str)  # operator id, secret, second factor PIN ("" when none)
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, second_factor: bool = False, qa: object = None) -> None:
        """`qa`: the QA console's script (ui.qa_console.QaScript) of a simulated counter;
        None = the parent window's `qa` (MainWindow has it; None on a real counter)."""
        super().__init__(parent)
        self.mode = LoginMode.LOGIN
        self.setWindowTitle(self.tr("Log in to the counter"))
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        form = QFormLayout()
        self.operator_id = QLineEdit()
        self.operator_id.setMaxLength(64)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Operator ID:"), self.operator_id)
        form.addRow(self.tr("Secret:"), self.secret)
        self.pin_label = QLabel(self.tr("USB key PIN:"))
        form.addRow(self.pin_label, self.pin)
        self.pin.setVisible(second_factor)
        self.pin_label.setVisible(second_factor)
        self.second_factor = second_factor
        layout.addLayout(form)
        self.usb_key_control = self._usb_key_control(qa if qa is not None else getattr(parent, "qa", None))
        if self.usb_key_control is not None:
            layout.addWidget(self.usb_key_control)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.submit)
        # Closing the program is always possible (nothing is lost: the case is saved);
        # the dialog itself cannot be dismissed to reach the counter.
        self.quit_button = self.buttons.addButton(self.tr("Quit the program"), QDialogButtonBox.ButtonRole.ActionRole)
        self.quit_button.clicked.connect(self._quit)
        self._quitting = False
        layout.addWidget(self.buttons)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {FAILED_COLOR};")
        layout.addWidget(self.hint)
        for field in (self.operator_id, self.secret, self.pin):
            field.returnPressed.connect(self.submit)
        self._may_close = False

    def _usb_key_control(self, qa: object) -> UsbKeyControl | None:
        """On a counter whose USB keys are simulated, QA plugs them here: the QA console
        is behind this window-modal dialog (and hidden with the case) while it is up."""
        from ui.qa_console import QaScript, UsbKeyControl

        if not self.second_factor or not isinstance(qa, QaScript) or not qa.has_usb_keys:
            return None
        control = UsbKeyControl(qa, self)
        control.setToolTip(self.tr("QA: simulated USB keys (this counter's devices are simulated)"))
        control.changed.connect(lambda problem: self.hint.setText(problem) if problem else None)
        return control

    def showEvent(self, event: QShowEvent) -> None:
        # Before anything else: a signer at the pen pad must not go on behind the lock.
        for item in list(_CONCEALED_WHILE_LOCKED):
            item.conceal()
        super().showEvent(event)

    def _quit(self) -> None:
        self._quitting = True  # finish() then shows nothing again: the program closes
        self.quit_requested.emit()

    def set_mode(self, mode: LoginMode, operator: Operator | None = None) -> None:
        """LOGIN: any operator; UNLOCK: the locked `operator` is suggested, another may
        take over (the case on screen stays)."""
        self.mode = mode
        self.hint.clear()
        self.secret.clear()
        self.pin.clear()
        self.set_busy(False)
        if mode is LoginMode.UNLOCK and operator is not None:
            self.setWindowTitle(self.tr("Counter locked"))
            self.title.setText(self.tr(
                "The counter was locked after a time without input; the open case is kept. {name} ({role}) "
                "unlocks with their secret, or another operator logs in to take over."
            ).format(name=operator.name, role=role_text(operator.role)))
            self.operator_id.setText(operator.operator_id)
            self.secret.setFocus()
        else:
            self.setWindowTitle(self.tr("Log in to the counter"))
            self.title.setText(self.tr("Log in with your operator ID and secret."))
            self.operator_id.clear()
            self.operator_id.setFocus()

    def submit(self) -> None:
        if self.busy:
            return  # a check is running
        operator_id, secret, pin = self.operator_id.text().strip(), self.secret.text(), self.pin.text()
        if not operator_id or not secret or (self.second_factor and not pin):
            self.hint.setText(self.tr("Type the operator ID and the secret (and the USB key's PIN when asked)."))
            return
        self.set_busy(True)
        self.hint.setText(self.tr("Checking…"))
        self.submitted.emit(operator_id, secret, pin)

    def set_busy(self, busy: bool) -> None:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(not busy)

    @property
    def busy(self) -> bool:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        return button is not None and not button.isEnabled()

    def show_error(self, text: str) -> None:
        """A refused attempt: the reason, the secret and PIN cleared for the next one."""
        self.set_busy(False)
        self.hint.setText(text)
        self.secret.clear()
        self.pin.clear()
        self.secret.setFocus()

    def finish(self) -> None:
        """Closes the dialog once the main window accepted the credentials."""
        self.secret.clear()
        self.pin.clear()
        self._may_close = True
        self.accept()
        self._may_close = False
        if not self._quitting:
            for item in list(_CONCEALED_WHILE_LOCKED):
                item.reveal()
        self._quitting = False

    def reject(self) -> None:
        """Esc does not dismiss a login: the counter stays locked."""

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            super().closeEvent(event)
        else:
            event.ignore()


class IdleWatch(QObject):
    """Says `idle` once, after `idle_after_s` seconds without input; `reset` re-arms it."""

    idle = Signal()

    def __init__(
        self, idle_after_s: float, parent: QObject | None = None, *,
        now: Callable[[], float] = time.monotonic, check_ms: int = 1000,
    ) -> None:
        super().__init__(parent)
        self.idle_after_s = idle_after_s
        self.now = now
        self.last_input = now()
        self.armed = True
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.last_input = self.now()
        return False

    def start(self) -> None:
        self.reset()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def reset(self) -> None:
        self.last_input = self.now()
        self.armed = True

    def check(self) -> None:
        if self.armed and self.now() - self.last_input >= self.idle_after_s:
            self.armed = False
            self.idle.emit()
