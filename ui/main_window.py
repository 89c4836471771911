"""The counter's main window: the queue of cases, the current case's pages, status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.audit import AuditAction
from app.auth.model import Permission, Session, SupervisorCredentials
from app.bootstrap import CounterServices
from app.central.types import CERTIFICATE_NO_PATTERN
from app.domain.case import (
    STEP_ORDER,
    Business,
    CaseStatus,
    DeviceMode,
    MarriageCase,
    MarriageStep,
    Role,
    Voluntariness,
)
from app.domain.divorce import (
    ApplicationOnRecord,
    CertificateCopies,
    CertificateKind,
    DivorceAgreement,
    Finding,
    SignedForm,
    parse_receipt_no,
)
from app.errors import AppError, OutputError, WorkflowError
from app.logging_setup import PersonalDataFilter
from app.rules.periods import DivorcePeriods
from app.store.local import CaseSummary
from app.workflow.business import BusinessWorkflow
from app.workflow.divorce import DIVORCE_BUSINESSES, DivorceWorkflow
from app.workflow.forms import REFUSAL_NOTICE, export_case_forms, pending_reprint, printed_certificates
from app.workflow.marriage import MarriageWorkflow
from app.workflow.reissue import ReissueWorkflow
from devices.barcode.base import BarcodeDecoder
from devices.barcode.types import Barcode
from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.camera.document_output import OutputSettings
from devices.camera.joint_photo import JointPhotoCheck, standard_joint_photo
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import DeviceError
from devices.face.base import FaceMatcher
from devices.face.types import FaceComparison
from devices.id_reader.base import IdReader
from devices.id_reader.pcsc.reader import PcscIdReader
from devices.signature_pad.base import SignaturePad
from devices.status import DeviceState, DeviceStatus
from ui.bridge import OpRunner
from ui.camera_capture import CaptureSettings, DocumentCaptureDialog, LiveCamera
from ui.diagnostics import DiagnosticsPanel
from ui.face_check import FaceOverrideDialog
from ui.i18n import error_text
from ui.login import IdleWatch, LoginDialog, LoginMode, role_text
from ui.pages.base import CasePage
from ui.pages.business import BusinessPage, ReceiptBox, application_status_text, set_button_text
from ui.pages.declarations import DeclarationsPage
from ui.pages.divorce_application import DivorceApplicationPage
from ui.pages.divorce_registration import DivorceRegistrationPage
from ui.pages.divorce_withdrawal import DivorceWithdrawalPage
from ui.pages.documents import DocumentsPage
from ui.pages.done import DonePage
from ui.pages.identify import IdentifyPage
from ui.pages.issue import IssuePage
from ui.pages.register import RegisterPage
from ui.pages.reissue import ReissuePage
from ui.pages.review import ReviewPage
from ui.print.divorce_forms import refusal_notice
from ui.print.forms import OfficeInfo, marriage_certificate, marriage_declaration, marriage_review_form
from ui.print.layout import FormDocument
from ui.print.renderer import pdf_bytes, print_document
from ui.qa_console import TOGGLE_KEY as QA_CONSOLE_KEY
from ui.qa_console import QaConsoleDock, QaScript
from ui.qa_console import toggle as toggle_dock
from ui.supervisor_approval import SupervisorApprovalDialog
from ui.sync_panel import SyncPanel
from ui.void_blank import VoidBlankDialog
from ui.wedge_scanner import WedgeScannerFilter
from ui.widgets import DeviceIndicator

log = logging.getLogger(__name__)
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")

# The key and the workflow of each business started from the main window (Ctrl+N stays
# the marriage, as it always was).
NEW_CASE_KEYS: dict[Business, str] = {
    Business.MARRIAGE: "Ctrl+N",
    Business.DIVORCE_APPLICATION: "Ctrl+D",
    Business.DIVORCE_WITHDRAWAL: "Ctrl+Shift+D",
    Business.DIVORCE_REGISTRATION: "Ctrl+R",
    Business.REISSUE: "Ctrl+B",
}
EXPORT_FORMS_KEY = "Ctrl+Shift+E"  # the case's printed forms to a folder the registrar picks
VOID_BLANK_KEY = "Ctrl+Shift+V"  # void a printed certificate blank (作废) and print it again
# Expiry of applications whose issue window has passed (deemed withdrawn) is a central
# write: run at start-up and then at most once an hour, when the list is refreshed.
EXPIRY_INTERVAL = timedelta(hours=1)
APPLICATIONS_REFRESH_MS = 10 * 60 * 1000


def both_results(first: Future[A], second: Callable[[A], Future[B]]) -> Future[tuple[A, B]]:
    """A future of two device operations in a row (e.g. the camera's image, then the
    barcode decoder's answer on it): the second starts from the first one's completion
    callback, so no thread waits in between."""
    outcome: Future[tuple[A, B]] = Future()

    def fail(done: Future[Any]) -> bool:
        if done.cancelled():
            outcome.set_exception(CancelledError())
            return True
        error = done.exception()
        if error is not None:
            outcome.set_exception(error)
            return True
        return False

    def first_done(done: Future[A]) -> None:
        if fail(done):
            return
        result = done.result()
        try:
            following = second(result)
        except Exception as error:
            outcome.set_exception(error)
            return

        def second_done(after: Future[B]) -> None:
            if not fail(after):
                outcome.set_result((result, after.result()))

        following.add_done_callback(second_done)

    first.add_done_callback(first_done)
    return outcome


def first_qr_text(codes: tuple[Barcode, ...]) -> str | None:
    """The receipt's QR code: the first QR code found, else None."""
    for code in codes:
        if code.symbology.replace(" ", "").lower().startswith("qr") and code.text.strip():
            return code.text.strip()
    return None


class DeviceStatusRelay(QObject):
    """Device events arrive on device threads; a signal delivers them on the GUI thread."""

    changed = Signal(object)


class SyncRelay(QObject):
    """Sync events arrive on the sync worker's thread."""

    item_changed = Signal(object)
    case_changed = Signal(str)


class MainWindow(QMainWindow):
    case_changed = Signal(object)

    def __init__(self, services: CounterServices) -> None:
        super().__init__()
        self.services = services
        self.case: MarriageCase | None = None
        self.ops = OpRunner(self)
        self._step_running = False
        self.face_dialog: FaceOverrideDialog | None = None  # the open supervisor approval, for tests and QA
        self.capture_dialog: DocumentCaptureDialog | None = None  # the live camera's, while open
        self._captures_waiting: list[tuple[str, CapturedImage]] = []  # confirmed there, saved in order
        # Keyboard-wedge barcode scanners type their codes: recognised app-wide, routed by on_scanned.
        self.wedge_scanner: WedgeScannerFilter | None = None
        application = QApplication.instance()
        if services.config.ui.wedge_scanner and application is not None:
            self.wedge_scanner = WedgeScannerFilter(self)
            self.wedge_scanner.scanned.connect(self.on_scanned)
            application.installEventFilter(self.wedge_scanner)  # removed when the filter is destroyed
        self.setWindowTitle(self.tr("Marriage Registration Counter"))
        self.resize(1280, 800)

        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(6, 6, 6, 6)
        self.banner = QLabel(self.tr("SIMULATED DEVICES: NOT FOR REAL REGISTRATIONS"))
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("background: #c62828; color: white; font-weight: bold; padding: 4px;")
        self.banner.setVisible(services.device_mode is DeviceMode.SIMULATED)
        outer.addWidget(self.banner)
        from ui.widgets import ErrorBar

        self.error_bar = ErrorBar()
        outer.addWidget(self.error_bar)

        body = QHBoxLayout()
        side = QVBoxLayout()
        self.queue = QListWidget()
        self.queue.setMaximumWidth(320)
        side.addWidget(QLabel(self.tr("Cases today (Ctrl+L)")))
        side.addWidget(self.queue, 1)
        labels = self.business_names(with_keys=True)
        self.business_buttons: dict[Business, QPushButton] = {}
        for business, key in NEW_CASE_KEYS.items():
            button = QPushButton(labels[business])
            button.setShortcut(QKeySequence(key))
            button.setMaximumWidth(320)
            button.clicked.connect(lambda _=False, b=business: self.new_business_case(b))
            self.business_buttons[business] = button
            side.addWidget(button)
        self.new_button = self.business_buttons[Business.MARRIAGE]
        # A passport chip is read with keys from its MRZ (ICAO 9303 BAC): shown only when
        # the ID reader is a PC/SC chip reader; scanned by a keyboard-wedge scanner or typed.
        self.mrz_edit = QLineEdit()
        self.mrz_edit.setMaximumWidth(320)
        self.mrz_edit.setPlaceholderText(self.tr("Passport MRZ: scan or type both lines, then Enter (Ctrl+M)"))
        self.mrz_edit.returnPressed.connect(self.set_passport_mrz)
        self.mrz_edit.setVisible(self._passport_reader() is not None)
        QShortcut(QKeySequence("Ctrl+M"), self, self.mrz_edit.setFocus)
        side.addWidget(self.mrz_edit)
        self.applications = QTreeWidget()
        self.applications.setMaximumWidth(320)
        self.applications.setRootIsDecorated(False)
        self.applications.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.applications.setHeaderLabels([
            self.tr("Receipt number"), self.tr("Received (T0)"), self.tr("Cooling-off ends"),
            self.tr("Issue window ends"), self.tr("Status"),
        ])
        side.addWidget(QLabel(self.tr("Divorce applications of this office (Ctrl+Shift+A)")))
        side.addWidget(self.applications, 1)
        body.addLayout(side)

        main = QVBoxLayout()
        self.steps_label = QLabel()
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        main.addWidget(self.steps_label)
        self.stack = QStackedWidget()
        self.pages: dict[MarriageStep, CasePage] = {}
        for page_class in (IdentifyPage, DocumentsPage, DeclarationsPage, ReviewPage, RegisterPage, IssuePage,
                           DonePage):
            page = page_class(self)
            self.pages[page.step] = page
            self.stack.addWidget(page)
        self.business_pages: dict[Business, BusinessPage] = {}
        for business_page_class in (DivorceApplicationPage, DivorceWithdrawalPage, DivorceRegistrationPage,
                                    ReissuePage):
            business_page = business_page_class(self)
            self.business_pages[business_page.business] = business_page
            self.stack.addWidget(business_page)
        self.empty = QLabel(self.tr(
            "Press Ctrl+N to start a marriage registration for the next couple.\n"
            "Ctrl+D: divorce application · Ctrl+Shift+D: withdrawal of a divorce application · "
            "Ctrl+R: divorce registration (second visit) · Ctrl+B: certificate reissue"
        ))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        self.view_refused = QLabel(self.tr(
            "The case is hidden: the audit trail could not record that it was viewed. Nothing was lost.\n"
            "Press Ctrl+Enter to try again; if it fails again, call IT support."
        ))
        self.view_refused.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view_refused.setWordWrap(True)
        self.stack.addWidget(self.view_refused)
        main.addWidget(self.stack, 1)
        nav = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Back (F9)"))
        self.back_button.setShortcut("F9")
        self.next_button = QPushButton(self.tr("Next (F10)"))
        self.next_button.setShortcut("F10")
        self.refuse_button = QPushButton(self.tr("Refuse registration (Ctrl+Shift+R)"))
        self.refuse_button.setShortcut("Ctrl+Shift+R")
        self.cancel_button = QPushButton(self.tr("Close case unfinished (Ctrl+Shift+W)"))
        self.cancel_button.setShortcut("Ctrl+Shift+W")
        nav.addWidget(self.refuse_button)
        nav.addWidget(self.cancel_button)
        nav.addStretch(1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        main.addLayout(nav)
        body.addLayout(main, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(root)

        self.device_labels: dict[str, DeviceIndicator] = {}
        self.status_relay = DeviceStatusRelay(self)
        self.status_relay.changed.connect(self._on_device_status)
        for kind in self._indicator_kinds():
            label = DeviceIndicator(kind)
            label.clicked.connect(self.show_device_diagnostics)
            self.device_labels[kind] = label
            self.statusBar().addPermanentWidget(label)
            device = services.devices.get(kind)
            if device is None:
                reason = services.device_errors.get(kind, "")
                self._show_device(DeviceStatus(kind, kind, DeviceState.UNAVAILABLE, False, reason))
            else:
                device.status_did_change.connect(self.status_relay.changed.emit)
                self._show_device(device.status)
        self.central_label = QLabel()
        self.statusBar().addPermanentWidget(self.central_label)
        self.diagnostics_dock: QDockWidget | None = None  # built on the first click on an indicator
        self._build_sync_panel()
        self._build_qa_console()
        self._build_operator_controls()
        self.busy_label = QLabel()
        self.statusBar().addWidget(self.busy_label)
        self.ops.busy_changed.connect(lambda busy: self.busy_label.setText(self.tr("Working…") if busy else ""))

        self.back_button.clicked.connect(lambda: self._move(-1))
        self.next_button.clicked.connect(lambda: self._move(+1))
        self.refuse_button.clicked.connect(self.refuse_case)
        self.cancel_button.clicked.connect(self.cancel_case)
        self.queue.itemActivated.connect(self._on_queue_activated)
        self.queue.itemClicked.connect(self._on_queue_activated)
        QShortcut(QKeySequence("Ctrl+L"), self, self.queue.setFocus)
        self._last_expiry: datetime | None = None
        self.applications.itemActivated.connect(self._on_application_activated)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self, self._focus_applications)
        # Where the exported forms go: a folder dialog (tests replace it).
        self.choose_export_folder: Callable[[], str] = self._ask_export_folder
        self.export_action = QAction(self.tr("Export forms…"), self)
        self.export_action.setShortcut(QKeySequence(EXPORT_FORMS_KEY))
        self.export_action.triggered.connect(self.export_forms)
        self.void_action = QAction(self.tr("Void printed certificate blank…"), self)
        self.void_action.setShortcut(QKeySequence(VOID_BLANK_KEY))
        self.void_action.triggered.connect(self.void_printed_blank)
        self.addActions([self.export_action, self.void_action])
        self.void_dialog: VoidBlankDialog | None = None
        self.applications_timer = QTimer(self)
        self.applications_timer.setInterval(APPLICATIONS_REFRESH_MS)
        self.applications_timer.timeout.connect(self.refresh_applications)
        self.applications_timer.start()
        self._show_case(None)
        self.startup()
        if not services.sessions.logged_in:
            self.show_login(LoginMode.LOGIN)  # a real counter: nobody works until someone logs in

    # Who is at the counter: login, idle lock, logout (#10) ---------------------------------

    def _build_operator_controls(self) -> None:
        """The operator's name and role in the status bar, Ctrl+Shift+L to log out, and
        the idle watch that locks the counter after [auth] idle_lock_minutes."""
        self.login_dialog: LoginDialog | None = None
        self._hidden_while_locked: list[QWidget] = []
        self._viewed_case_id: str | None = None  # the case whose VIEW was audited last
        self.operator_label = QLabel()
        self.statusBar().addPermanentWidget(self.operator_label)
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, self.logout)
        self.idle_watch = IdleWatch(self.services.config.auth.idle_lock_minutes * 60.0, self)
        self.idle_watch.idle.connect(self.idle_lock)
        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(self.idle_watch)  # every key and click resets it
        self.idle_watch.start()
        self._update_operator()

    def _update_operator(self) -> None:
        session = self.services.sessions.current
        if session is None:
            self.operator_label.setText("● " + self.tr("Nobody logged in"))
            self.operator_label.setStyleSheet("color: #b00020; padding: 0 6px;")
            self.operator_label.setToolTip("")
            return
        operator = session.operator
        text = f"● {operator.name} ({role_text(operator.role)})"
        if self.services.sessions.locked:
            text += " · " + self.tr("locked")
        self.operator_label.setText(text)
        self.operator_label.setStyleSheet("color: #0b5cad; padding: 0 6px;")
        self.operator_label.setToolTip(self.tr("Operator {id}. Ctrl+Shift+L: log out.").format(id=operator.operator_id))

    @property
    def locked(self) -> bool:
        """The login dialog is up: nobody logged in, or locked while idle."""
        return self.login_dialog is not None and self.login_dialog.isVisible()

    def show_login(self, mode: LoginMode) -> None:
        """Hides the case (and every window showing personal data) behind the login
        dialog; the case itself stays open and comes back after the login."""
        if not self.locked:
            self._hidden_while_locked = [
                widget for widget in self.findChildren(QWidget)
                if (widget.isWindow() or isinstance(widget, QDockWidget)) and widget is not self
                and widget is not self.login_dialog and widget.isVisible()
            ]
            for widget in self._hidden_while_locked:
                widget.hide()
            root = self.centralWidget()
            if root is not None:
                root.hide()
        self.idle_watch.stop()
        self._viewed_case_id = None  # the next operator's first look at the case is a VIEW
        if self.login_dialog is None:
            self.login_dialog = LoginDialog(self, second_factor=self.services.auth.second_factor_required)
            self.login_dialog.submitted.connect(self._submit_login)
            self.login_dialog.quit_requested.connect(self._quit_from_login)
        self.login_dialog.set_mode(mode, self.services.sessions.current.operator
                                   if mode is LoginMode.UNLOCK and self.services.sessions.current else None)
        self._update_operator()
        self.login_dialog.open()

    def _submit_login(self, operator_id: str, secret: str, pin: str) -> None:
        """Checks the credentials on the worker (scrypt; maybe a refresh of the cache
        from the central store); the dialog shows a refusal, or closes."""
        dialog = self.login_dialog
        if dialog is None:
            return
        sessions = self.services.sessions
        second_factor = pin or None
        if dialog.mode is LoginMode.UNLOCK and sessions.current is not None:
            def check() -> Session:
                return sessions.unlock(operator_id, secret, second_factor)
        else:
            def check() -> Session:
                return sessions.login(operator_id, secret, second_factor)
        self.ops.run(check, self._logged_in, lambda error: dialog.show_error(error_text(error)))

    def _logged_in(self, session: Session) -> None:
        if self.login_dialog is not None:
            self.login_dialog.finish()
        root = self.centralWidget()
        if root is not None:
            root.show()
        for widget in self._hidden_while_locked:
            widget.show()
        self._hidden_while_locked = []
        self.idle_watch.start()
        self._update_operator()
        self.statusBar().showMessage(self.tr("Logged in: {name}").format(name=session.operator.name), 5000)
        if self.case is not None:  # the case kept behind the lock, as last saved
            case_id = self.case.case_id
            self.run_quietly(lambda: self.services.store.load_case(case_id), self._after_reload)
        else:
            self.run(self.services.store.latest_open_case, self._resume)

    def _quit_from_login(self) -> None:
        if self.login_dialog is not None:
            self.login_dialog.finish()
        self.close()

    def idle_lock(self) -> None:
        """No input for [auth] idle_lock_minutes: the counter locks; the case stays."""
        if not self.services.sessions.logged_in or self.locked:
            return
        self.services.sessions.lock(idle=True)
        self.show_login(LoginMode.UNLOCK)

    def logout(self) -> None:
        """Ctrl+Shift+L: the operator leaves; the next one logs in (the open case stays
        saved and comes back after the login)."""
        if self.services.sessions.current is None:
            return
        self.services.sessions.logout()
        self.show_login(LoginMode.LOGIN)

    def _audit_view(self, case: MarriageCase | None) -> None:
        """VIEW: an operator sees a case's personal data (once per case and login)."""
        if case is None or not self.services.sessions.logged_in or case.case_id == self._viewed_case_id:
            return
        self._viewed_case_id = case.case_id
        guard, case_id = self.services.guard, case.case_id
        detail = f"{case.business.value} {case.step.value}"

        def not_recorded(error: BaseException) -> None:
            # Fail closed (AUD-001): a view the trail cannot record is not shown. The case
            # stays saved and open; Retry shows it again, recording the view first.
            if self._viewed_case_id == case_id:
                self._viewed_case_id = None
            if self.case is not None and self.case.case_id == case_id:
                self.stack.setCurrentWidget(self.view_refused)
            self.error_bar.show_message(error_text(error), retry=lambda: self._show_case(self.case))

        self.ops.run(lambda: guard.record(AuditAction.VIEW, case_id=case_id, detail=detail), lambda _: None,
                     not_recorded)

    # QA console and device diagnostics ---------------------------------------------------

    def _build_qa_console(self) -> None:
        """The QA console exists only on a counter with simulated devices (hidden until
        Ctrl+Shift+Q); `self.qa` is its script API, None on a real counter."""
        self.qa: QaScript | None = None
        self.qa_dock: QaConsoleDock | None = None
        if self.services.device_mode is not DeviceMode.SIMULATED:
            return
        self.qa = QaScript(self.services, gui=self)
        dock = QaConsoleDock(self.qa, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        self.status_relay.changed.connect(dock.on_device_status)
        self.qa_dock = dock
        QShortcut(QKeySequence(QA_CONSOLE_KEY), self, self.toggle_qa_console)
        self.qa_button = QPushButton(self.tr("QA console (Ctrl+Shift+Q)"))
        self.qa_button.setFlat(True)
        self.qa_button.clicked.connect(self.toggle_qa_console)
        self.statusBar().addPermanentWidget(self.qa_button)

    def _indicator_kinds(self) -> list[str]:
        """One indicator per device at the counter: the three of every counter, then any
        other kind opened or configured (printer, fingerprint scanner). The barcode
        decoder is a library reading the camera's images, not a device at the counter."""
        kinds = ["id_reader", "camera", "signature_pad"]
        for kind in (*self.services.devices, *self.services.device_errors):
            if kind not in kinds and kind != "barcode":
                kinds.append(kind)
        return kinds

    def toggle_qa_console(self) -> None:
        if self.qa_dock is not None:
            toggle_dock(self.qa_dock)
            self.qa_dock.refresh()

    def sign_party(self, role: Role) -> None:
        """A party signs the open case's current form on the pad, as F7 / F8 do (the
        QA console's "party signs")."""
        case = self.case
        if case is None or case.business is Business.MARRIAGE:
            self.sign_declaration(role)
            return
        page = self.business_pages[case.business]
        buttons = getattr(page, "sign_buttons", None)
        button = buttons.get(role) if isinstance(buttons, dict) else getattr(page, "sign_button", None)
        if isinstance(button, QPushButton) and button.isEnabled():
            button.click()
        else:
            self.error_bar.show_message(error_text(WorkflowError(
                reason=self.tr("party {role} has nothing to sign on this page").format(role=role.value))))

    def _passport_reader(self) -> PcscIdReader | None:
        reader = self.services.devices.get("id_reader")
        return reader if isinstance(reader, PcscIdReader) else None

    def set_passport_mrz(self) -> None:
        """Enter in the MRZ field: the keys for the next passport read (checked at once,
        check digits included; nothing is sent to the chip until F2/F3)."""
        reader = self._passport_reader()
        if reader is None:
            return
        text = self.mrz_edit.text().strip()
        try:
            reader.set_mrz(text or None)
        except DeviceError as error:
            self.error_bar.show_message(error_text(error))
            return
        self.error_bar.hide()
        self.mrz_edit.clear()  # the MRZ is personal data: not left on screen
        if text:
            self.statusBar().showMessage(self.tr("MRZ taken: read the passport now (F2/F3)."), 8000)

    def show_device_diagnostics(self, kind: str) -> None:
        """A click on a device's indicator: the diagnostics, on that device."""
        dock = self.diagnostics_dock
        if dock is None:
            dock = self.diagnostics_dock = self._build_diagnostics_dock()
        panel = dock.widget()
        if isinstance(panel, DiagnosticsPanel):
            panel.focus_device(kind)
        dock.show()
        dock.raise_()

    def _build_diagnostics_dock(self) -> QDockWidget:
        dock = QDockWidget(self.tr("Device diagnostics"), self)
        dock.setObjectName("device_diagnostics")
        panel = DiagnosticsPanel(self.services)
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        return dock

    def _status_of(self, kind: str) -> DeviceStatus:
        device = self.services.devices.get(kind)
        if device is None:
            return DeviceStatus(kind, kind, DeviceState.UNAVAILABLE, False, self.services.device_errors.get(kind, ""))
        return device.status

    # Sync -----------------------------------------------------------------------------

    def _build_sync_panel(self) -> None:
        self.sync_panel = SyncPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.sync_panel)
        self.sync_panel.hide()
        self.sync_button = QPushButton()
        self.sync_button.setFlat(True)
        self.sync_button.clicked.connect(self.toggle_sync_panel)
        self.statusBar().addPermanentWidget(self.sync_button)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, self.toggle_sync_panel)
        self.sync_relay = SyncRelay(self)
        self.sync_relay.item_changed.connect(lambda _item: self.refresh_sync())
        self.sync_relay.case_changed.connect(self._on_sync_case_changed)
        sync = self.services.sync
        sync.item_did_change.connect(self.sync_relay.item_changed.emit)
        sync.case_did_change.connect(self.sync_relay.case_changed.emit)
        self.sync_panel.sync_now_requested.connect(sync.push_now)  # sets an event: never blocks
        self.refresh_sync()

    def toggle_sync_panel(self) -> None:
        self.sync_panel.setVisible(not self.sync_panel.isVisible())
        if self.sync_panel.isVisible():
            self.sync_panel.table.setFocus()

    def refresh_sync(self) -> None:
        sync, store = self.services.sync, self.services.store

        def read() -> tuple[list[Any], dict[Any, int], dict[str, str]]:
            titles = {c.case_id: c.title for c in store.list_cases()}
            return sync.items(), sync.counts(), titles

        def show(snapshot: tuple[list[Any], dict[Any, int], dict[str, str]]) -> None:
            items, counts, titles = snapshot
            self.sync_panel.show_items(items, titles)
            self.sync_button.setText(self.sync_panel.summary(counts))

        self.run_quietly(read, show)

    def _on_sync_case_changed(self, case_id: str) -> None:
        """The worker settled a case (e.g. registered it once the store came back)."""
        self._refresh_queue()
        if self.case is not None and self.case.case_id == case_id and not self._step_running:
            self.run_quietly(lambda: self.services.store.load_case(case_id), self._settled_by_sync)

    def _settled_by_sync(self, case: MarriageCase | None) -> None:
        if case is None or self.case is None or self.case.case_id != case.case_id or self._step_running:
            return  # the registrar moved on meanwhile: never replace the case on screen
        if self.case.status is CaseStatus.WAITING_CENTRAL and case.status is not CaseStatus.WAITING_CENTRAL:
            self.error_bar.hide()  # the "central unreachable" message no longer applies
            self.statusBar().showMessage(self.tr("The central registry answered: the case was updated."), 8000)
        self._after_reload(case)

    # Plumbing ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.ops.busy

    def run(self, fn: Callable[[], Any], on_success: Callable[[Any], None] | None = None) -> None:
        """Runs `fn` on the worker; errors go to the error bar."""
        self.ops.run(fn, self._succeeded(on_success), self._show_failure)

    def _succeeded(self, then: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def succeeded(result: Any) -> None:
            self.error_bar.hide()
            self._update_central()
            if then is not None:
                then(result)

        return succeeded

    def _show_failure(self, error: BaseException, retry: Callable[[], None] | None = None) -> None:
        """Shows the coded message (with Retry when `retry` is given), then reloads the
        case so the screen shows exactly what was saved (a failed step changed nothing,
        or saved why it waits)."""
        self.error_bar.show_message(error_text(error), retry)
        self._update_central()
        if self.case is not None:
            case_id = self.case.case_id
            self.run_quietly(lambda: self.services.store.load_case(case_id), self._after_reload)

    def _case_step_allowed(self) -> MarriageCase | None:
        """The open case, unless a step on it is still running: a second key press must
        not act on a case that the first one is about to replace."""
        if self.case is None:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr("no case is open"))))
            return None
        if self._step_running:
            self.statusBar().showMessage(self.tr("Still working on the previous step…"), 3000)
            return None
        return self.case

    def _latest(self, case_id: str) -> MarriageCase:
        """Steps act on the case as last saved, never on a copy the screen held."""
        case = self.services.store.load_case(case_id)
        if case is None:
            raise WorkflowError(reason=f"案件 {case_id} 不存在")
        return case

    def _step_done(self, case: MarriageCase) -> None:
        self._step_running = False
        self._show_case(case)
        self._save_next_capture()

    def _step_done_then(self, then: Callable[[MarriageCase], None] | None) -> Callable[[MarriageCase], None]:
        if then is None:
            return self._step_done

        def done(case: MarriageCase) -> None:
            self._step_done(case)
            then(case)

        return done

    def _step_failed(self, error: BaseException) -> None:
        self._step_running = False
        self._show_failure(error)
        self._save_next_capture()

    def apply(
        self, fn: Callable[[MarriageCase], MarriageCase], then: Callable[[MarriageCase], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> bool:
        """Runs a workflow step on the current case and shows the case it returns; then
        `then(case)` on the GUI thread, if given (`failed(error)` after a failure).
        False when the step could not start (no case, a step still running)."""
        case = self._case_step_allowed()
        if case is None:
            return False
        self._step_running = True
        case_id = case.case_id

        def step_failed(error: BaseException) -> None:
            self._step_failed(error)
            if failed is not None:
                failed(error)

        self.ops.run(lambda: fn(self._latest(case_id)), self._succeeded(self._step_done_then(then)), step_failed)
        return True

    def apply_with_device(
        self,
        start: Callable[[MarriageCase], Future[R]],
        then: Callable[[MarriageCase, R], MarriageCase],
        after: Callable[[MarriageCase], None] | None = None,
    ) -> None:
        """Starts a device operation, then runs the workflow step with its result; no
        thread waits while the person reads a card or signs.

        When the device fails (a DeviceError: timeout, card removed, unplugged...) the
        error bar offers Retry (Ctrl+Enter), which runs this same action again on the
        same case. Nothing was saved by the failed step, so what the case already holds
        stays as it was."""
        case = self._case_step_allowed()
        if case is None:
            return
        case_id = case.case_id

        def retry() -> None:
            if self.case is None or self.case.case_id != case_id:
                self.statusBar().showMessage(self.tr("Not retried: another case is open now."), 5000)
                return
            self.apply_with_device(start, then, after)

        def failed(error: BaseException) -> None:
            self._step_running = False
            self._show_failure(error, retry if isinstance(error, DeviceError) else None)
            self._save_next_capture()

        try:
            future = start(case)
        except Exception as error:
            failed(error)
            return
        self._step_running = True
        self.ops.run_after(
            future, lambda result: then(self._latest(case_id), result),
            self._succeeded(self._step_done_then(after)), failed,
        )

    @property
    def can_retry(self) -> bool:
        """A failed device step can be run again (the error bar shows Retry)."""
        return self.error_bar.can_retry

    def retry(self) -> None:
        """Ctrl+Enter: the failed device step again."""
        self.error_bar.retry()

    def _after_reload(self, case: MarriageCase | None) -> None:
        if case is not None:
            self._show_case(case)
        self._refresh_queue()

    def startup(self) -> None:
        """Resumes the newest unfinished case, as it was when the counter stopped."""
        self.run(self.services.store.latest_open_case, self._resume)
        self.run(self.services.central.ping, lambda _ok: self._update_central())
        if self.services.device_mode is DeviceMode.REAL:
            # New accounts, reset secrets and deactivations reach the offline cache (a
            # simulated counter leaves its central calls to QA's fault scenarios).
            self.run_quietly(self.services.auth.refresh, lambda _count: None)
        self.refresh_applications()

    def _resume(self, case: MarriageCase | None) -> None:
        if case is not None:
            self.statusBar().showMessage(self.tr("Resumed the unfinished case {title}").format(title=case.title), 8000)
        self._show_case(case)

    def _show_case(self, case: MarriageCase | None) -> None:
        if case is not None:  # a case loaded from the store: its people are masked in the log
            PersonalDataFilter.add_names(*(p.identity.name for p in case.parties.values()),
                                         *(p.identity.address for p in case.parties.values()))
        if case is None:
            self.case = None
            self.stack.setCurrentWidget(self.empty)
            self._show_marriage_navigation(True)
            for button in (self.back_button, self.next_button, self.refuse_button, self.cancel_button):
                button.setEnabled(False)
        elif case.business is not Business.MARRIAGE:
            self._show_business_case(case)
        else:
            page = self.pages[case.step]
            page.show_case(case)  # may raise: then the screen and self.case stay as they were
            self.case = case
            self.stack.setCurrentWidget(page)
            self._show_marriage_navigation(True)
            editable = case.status in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL)
            index = STEP_ORDER.index(case.step)
            self.back_button.setEnabled(editable and 0 < index <= STEP_ORDER.index(MarriageStep.REGISTER))
            self.next_button.setEnabled(editable and index < STEP_ORDER.index(MarriageStep.REGISTER))
            grounds = self.services.workflow.refusal_grounds(case)
            settled = case.registration_uuid is None  # no central outcome pending
            self.refuse_button.setEnabled(editable and settled and bool(grounds))
            self.cancel_button.setEnabled(editable and settled)
        self._update_steps()
        self._refresh_queue()
        self._audit_view(case)
        self.case_changed.emit(case)

    def _show_business_case(self, case: MarriageCase) -> None:
        """A divorce or reissue case: its own page, no marriage step navigation."""
        page = self.business_pages[case.business]
        page.show_case(case)  # may raise: then the screen and self.case stay as they were
        self.case = case
        self.stack.setCurrentWidget(page)
        self._show_marriage_navigation(False)
        editable = case.status in (CaseStatus.OPEN, CaseStatus.WAITING_CENTRAL)
        grounds = page.workflow.refusal_grounds(case)
        settled = case.registration_uuid is None
        self.refuse_button.setEnabled(editable and settled and bool(grounds))
        self.cancel_button.setEnabled(editable and settled)

    def _show_marriage_navigation(self, marriage: bool) -> None:
        """Back / next walk the marriage steps; the other businesses have one page. The
        refusal of those prints the notice, and the button says so."""
        self.back_button.setVisible(marriage)
        self.next_button.setVisible(marriage)
        if marriage:
            self.back_button.setEnabled(False)
            self.next_button.setEnabled(False)
            label = self.tr("Refuse registration (Ctrl+Shift+R)")
        else:
            label = self.tr("Refuse and print the notice (Ctrl+Shift+R)")
        if self.refuse_button.text() != label:
            set_button_text(self.refuse_button, label, "Ctrl+Shift+R")

    def _update_steps(self) -> None:
        if self.case is not None and self.case.business is not Business.MARRIAGE:
            names, current = self.business_pages[self.case.business].current_progress()
            title = self.business_names()[self.case.business]
            parts = [f"<b>{title}</b>"]
            for index, name in enumerate(names):
                style = "color:#0b5cad;font-weight:bold;" if index == current else "color:#777;"
                parts.append(f"<span style='{style}'>{index + 1} {name}</span>")
            self.steps_label.setText(" › ".join(parts))
            return
        names = [self.tr("Identify"), self.tr("Documents"), self.tr("Declarations"), self.tr("Review"),
                 self.tr("Register"), self.tr("Issue")]
        current = STEP_ORDER.index(self.case.step) if self.case else -1
        parts = []
        for index, name in enumerate(names):
            style = "color:#0b5cad;font-weight:bold;" if index == current else "color:#777;"
            parts.append(f"<span style='{style}'>{index + 1} {name}</span>")
        self.steps_label.setText(" › ".join(parts))

    def _refresh_queue(self) -> None:
        self.run_quietly(self.services.store.list_cases, self._fill_queue)

    def run_quietly(self, fn: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        self.ops.run(fn, on_success, lambda error: log.warning("background refresh failed: %s", error))

    def _fill_queue(self, summaries: list[CaseSummary]) -> None:
        self.queue.clear()
        status_text = {
            CaseStatus.OPEN: self.tr("in progress"), CaseStatus.WAITING_CENTRAL: self.tr("waiting for central"),
            CaseStatus.REGISTERED: self.tr("registered"), CaseStatus.ISSUED: self.tr("issued"),
            CaseStatus.REFUSED: self.tr("refused"), CaseStatus.CANCELLED: self.tr("cancelled"),
        }
        business_names = self.business_names()
        for summary in summaries:
            title = summary.title
            status = status_text.get(summary.status, summary.status)
            if summary.business is not Business.MARRIAGE:
                title = f"[{business_names[summary.business]}] {title}"
                if summary.status is CaseStatus.REGISTERED:
                    status = self._committed_text(summary.business)
            text = f"{title}\n{status}"
            if summary.certificate_no:
                text += f"  {summary.certificate_no}"
            if summary.central_error:
                text += "\n" + summary.central_error
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, summary.case_id)
            self.queue.addItem(item)
            if self.case is not None and summary.case_id == self.case.case_id:
                self.queue.setCurrentItem(item)

    def _on_queue_activated(self, item: QListWidgetItem) -> None:
        case_id = str(item.data(Qt.ItemDataRole.UserRole))
        if self.case is None or case_id != self.case.case_id:
            self.run(lambda: self.services.store.load_case(case_id), self._after_reload)

    def _on_device_status(self, status: DeviceStatus) -> None:
        self._show_device(status)

    def _device_names(self) -> dict[str, str]:
        return {"id_reader": self.tr("ID reader"), "camera": self.tr("Camera"),
                "signature_pad": self.tr("Signature pad"), "barcode": self.tr("Barcode reader"),
                "printer": self.tr("Printer"), "fingerprint": self.tr("Fingerprint scanner"),
                "face_matcher": self.tr("Face matcher")}

    def _state_look(self, state: DeviceState) -> tuple[str, str]:
        states = {DeviceState.READY: (self.tr("ready"), "#1b7a1b"), DeviceState.BUSY: (self.tr("busy"), "#0b5cad"),
                  DeviceState.NOT_READY: (self.tr("not ready"), "#b26a00"),
                  DeviceState.UNAVAILABLE: (self.tr("unavailable"), "#b00020")}
        return states.get(state, (str(state), "#555555"))

    def _show_device(self, status: DeviceStatus) -> None:
        label = self.device_labels.get(status.kind)
        if label is None:  # a kind without an indicator (the barcode decoder)
            return
        names = self._device_names()
        text, color = self._state_look(status.state)
        suffix = self.tr(" (simulated)") if status.simulated else ""
        label.setText(f"● {names.get(status.kind, status.kind)}: {text}{suffix}")
        label.setStyleSheet(f"color: {color}; padding: 0 6px;")
        # Backends mark their fixed reasons for translation under "DeviceStatus".
        reason = QCoreApplication.translate("DeviceStatus", status.reason) if status.reason else text
        label.setToolTip(reason + "\n" + self.tr("Click for the device's diagnostics."))

    def _update_central(self) -> None:
        error = self.services.central.last_error
        if error:
            self.central_label.setText("● " + self.tr("Central registry: unreachable"))
            self.central_label.setStyleSheet("color: #b00020; padding: 0 6px;")
            self.central_label.setToolTip(error)
        else:
            self.central_label.setText("● " + self.tr("Central registry: connected"))
            self.central_label.setStyleSheet("color: #1b7a1b; padding: 0 6px;")
            self.central_label.setToolTip(self.services.config.central_url.split("@")[-1])

    # Businesses ----------------------------------------------------------------------------

    def business_names(self, *, with_keys: bool = False) -> dict[Business, str]:
        if with_keys:
            return {
                Business.MARRIAGE: self.tr("Marriage registration (Ctrl+N)"),
                Business.DIVORCE_APPLICATION: self.tr("Divorce application (Ctrl+D)"),
                Business.DIVORCE_WITHDRAWAL: self.tr("Withdraw a divorce application (Ctrl+Shift+D)"),
                Business.DIVORCE_REGISTRATION: self.tr("Divorce registration, second visit (Ctrl+R)"),
                Business.REISSUE: self.tr("Reissue a certificate (Ctrl+B)"),
            }
        return {
            Business.MARRIAGE: self.tr("Marriage registration"),
            Business.DIVORCE_APPLICATION: self.tr("Divorce application"),
            Business.DIVORCE_WITHDRAWAL: self.tr("Withdrawal of a divorce application"),
            Business.DIVORCE_REGISTRATION: self.tr("Divorce registration (second visit)"),
            Business.REISSUE: self.tr("Certificate reissue"),
        }

    def _committed_text(self, business: Business) -> str:
        """What REGISTERED means for each business, in the queue."""
        return {
            Business.DIVORCE_APPLICATION: self.tr("accepted"),
            Business.DIVORCE_WITHDRAWAL: self.tr("withdrawn"),
            Business.DIVORCE_REGISTRATION: self.tr("divorce registered"),
            Business.REISSUE: self.tr("certificate number allocated"),
        }.get(business, self.tr("registered"))

    def workflow_for(self, business: Business) -> MarriageWorkflow | DivorceWorkflow | ReissueWorkflow:
        """The workflow of a case, by its business (every step dispatches through here)."""
        if business is Business.MARRIAGE:
            return self.services.workflow
        if business in DIVORCE_BUSINESSES:
            return self.services.divorce
        if business is Business.REISSUE:
            return self.services.reissue
        raise ValueError(f"no workflow for {business}")

    def business_workflow(self, business: Business) -> BusinessWorkflow:
        workflow = self.workflow_for(business)
        if not isinstance(workflow, BusinessWorkflow):
            raise ValueError(f"{business} is the marriage workflow")
        return workflow

    def _current_business_workflow(self) -> BusinessWorkflow | None:
        """The open case's workflow when it is a divorce or reissue case; otherwise says
        why not in the error bar."""
        case = self.case
        if case is None or case.business is Business.MARRIAGE:
            self.error_bar.show_message(error_text(WorkflowError(
                reason=self.tr("open a divorce or reissue case first"))))
            return None
        return self.business_workflow(case.business)

    # Actions (each button's slot) -------------------------------------------------------

    def new_case(self) -> None:
        self.run(self.services.workflow.start_case, self._show_case)

    def new_business_case(self, business: Business) -> None:
        """Ctrl+N (marriage), Ctrl+D, Ctrl+Shift+D, Ctrl+R, Ctrl+B."""
        if business is Business.MARRIAGE:
            self.new_case()
            return
        workflow = self.business_workflow(business)
        self.run(lambda: workflow.start_case(business), self._show_new_business_case)

    def _show_new_business_case(self, case: MarriageCase) -> None:
        self._show_case(case)
        receipt = getattr(self.business_pages[case.business], "receipt", None)
        if isinstance(receipt, ReceiptBox):
            receipt.number.clear()
            receipt.number.setFocus()  # typing the number and Enter works at once; F4 scans

    def _device(self, kind: str) -> Device | None:
        device = self.services.devices.get(kind)
        if device is not None:
            return device
        reason = self.services.device_errors.get(kind, "")
        self.error_bar.show_message(self.tr("The {device} is not available. {reason}").format(
            device=self._device_names()[kind], reason=reason))
        return None

    def read_card(self, role: Role) -> None:
        reader = self._device("id_reader")
        if not isinstance(reader, IdReader):
            return
        business = self.case.business if self.case is not None else Business.MARRIAGE
        workflow = self.workflow_for(business)
        if isinstance(workflow, ReissueWorkflow):
            reissue = workflow
            self.apply_with_device(lambda _: reader.read_card(),
                                   lambda case, record: reissue.record_party(case, record))
        else:
            self.apply_with_device(lambda _: reader.read_card(),
                                   lambda case, record: workflow.record_party(case, role, record))

    def recheck_central(self) -> None:
        self.apply(self.services.workflow.recheck_central)

    def capture_document(self, document_class: str) -> None:
        """F5 / F6: the camera's image of the joint photo or a document. A live camera
        opens the capture dialog (preview with the page outlined, auto-capture, the
        registrar confirms the class); the simulated one captures at once."""
        camera = self._device("camera")
        if not isinstance(camera, DocumentCamera):
            return
        expected = DocumentClass(document_class)
        if isinstance(camera, LiveCamera):
            self._open_capture_dialog(camera, expected)
            return
        keep, after = self._keep_capture()
        # Kept as the class the registrar asked for, whatever the camera guessed.
        self.apply_with_device(lambda _: camera.capture(expected),
                               lambda case, image: keep(case, replace(image, document_class=expected)), after)

    def _open_capture_dialog(self, camera: LiveCamera, expected: DocumentClass) -> None:
        decoder = self.services.devices.get("barcode")
        output = getattr(camera, "output", None)  # the stills' format and DPI, as capture() makes them
        settings = CaptureSettings(output=output) if isinstance(output, OutputSettings) else None
        dialog = DocumentCaptureDialog(camera, decoder if isinstance(decoder, BarcodeDecoder) else None,
                                       expected=expected, settings=settings, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.document_captured.connect(self._captured)
        # A receipt's or e-certificate's code in view goes where a scanned one goes.
        dialog.code_seen.connect(lambda text, _symbology: self.on_scanned(text))
        self.capture_dialog = dialog
        dialog.open()

    def _captured(self, image: CapturedImage) -> None:
        """A document the registrar confirmed in the capture window: saved in turn, after
        any step still running (the window does not wait, so nothing may be dropped)."""
        if self.case is not None:
            self._captures_waiting.append((self.case.case_id, image))
        self._save_next_capture()

    def _save_next_capture(self) -> None:
        if not self._captures_waiting or self._step_running or self.case is None:
            return
        case_id, image = self._captures_waiting.pop(0)
        if case_id != self.case.case_id:  # the window is modal: only a case closed under it
            log.warning("a captured document of case %s was not saved: another case is open", case_id)
            self._save_next_capture()
            return
        keep, after = self._keep_capture()
        self.apply(lambda case: keep(case, image), after)

    def _keep_capture(self) -> tuple[Callable[[MarriageCase, CapturedImage], MarriageCase],
                                     Callable[[MarriageCase], None]]:
        """How a captured image joins the case, on the worker. The joint photo is
        checked (two faces, red background, 53:35, sharpness, exposure) and cropped to
        the standard 626 x 413 px; it is kept either way, and what the check found is
        shown so the registrar can retake it."""
        workflow = self.workflow_for(self.case.business if self.case else Business.MARRIAGE)
        found: list[JointPhotoCheck] = []

        def keep(case: MarriageCase, image: CapturedImage) -> MarriageCase:
            document_class = (image.document_class or DocumentClass.OTHER).value
            if image.document_class is DocumentClass.JOINT_PHOTO:
                png, check = standard_joint_photo(image.image_png)
                found.append(check)
                if png is not image.image_png:  # cropped to the standard: a new PNG
                    image = replace(image, image_png=png, width=check.width, height=check.height, mime="image/png")
            return workflow.add_document(case, image, document_class)

        def after(_case: MarriageCase) -> None:
            if found:
                self._show_photo_check(found[-1])

        return keep, after

    def _show_photo_check(self, check: JointPhotoCheck) -> None:
        if check.passed:
            self.statusBar().showMessage(self.tr("Joint photo checked: two faces, red background, 53:35, sharp, "
                                                 "well exposed."), 8000)
            return
        self.error_bar.show_message(self.tr("The joint photo was kept, but its check found: {problems}. Retake it "
                                            "(F5) unless you are satisfied with it.").format(
            problems="；".join(check.problems)))

    def check_face(self, role: Role) -> None:
        """人证合一 (Shift+F2 / Shift+F3): the camera's image of the person at the counter
        against the photo of the document just read, by the face matcher."""
        case = self.case
        party = case.parties.get(role) if case is not None else None
        if case is None or party is None:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr("read this party's ID card first"))))
            return
        photo = party.photo_png
        if not photo:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr(
                "the document gave no photo to compare with: the supervisor compares by eye (Supervisor approval…)"))))
            return
        if "face_matcher" not in self.services.devices and "face_matcher" not in self.services.device_errors:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr(
                "no face matcher is configured at this counter ([devices] face_matcher): the supervisor compares by "
                "eye (Supervisor approval…)"))))
            return
        camera, matcher = self._device("camera"), self._device("face_matcher")
        if not isinstance(camera, DocumentCamera) or not isinstance(matcher, FaceMatcher):
            return
        workflow = self.workflow_for(case.business)
        card_changed = self.tr("another card was read during the face check: check the face again")

        def then(case: MarriageCase, found: tuple[CapturedImage, FaceComparison]) -> MarriageCase:
            current = case.parties.get(role)
            if current is None or current.photo_png != photo:
                raise WorkflowError(reason=card_changed)
            return workflow.check_face(case, role, *found)

        self.apply_with_device(
            lambda _: both_results(camera.capture(DocumentClass.LIVE_FACE),
                                   lambda image: matcher.compare(image.image_png, photo)),
            then,
        )

    def approve_face(self, role: Role) -> None:
        """The supervisor sets the face check aside, or compares by eye when no
        comparison could run; both faces are shown side by side."""
        case = self.case
        party = case.parties.get(role) if case is not None else None
        if case is None or party is None:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr("read this party's ID card first"))))
            return
        check = case.current_face_check(role)
        live = next((d.image_png for d in case.documents if check and d.document_id == check.live_document_id), None)
        dialog = FaceOverrideDialog(party, check, live, self, second_factor=self.services.auth.second_factor_required)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        workflow = self.workflow_for(case.business)

        def approve(credentials: SupervisorCredentials, reason: str) -> None:
            self.apply_approval(dialog, lambda c: workflow.override_face_check(c, role, credentials, reason))

        dialog.approved.connect(approve)
        self.face_dialog = dialog
        dialog.open()

    def remove_document(self, document_id: str) -> None:
        workflow = self.workflow_for(self.case.business if self.case else Business.MARRIAGE)
        self.apply(lambda case: workflow.remove_document(case, document_id))

    def sign_declaration(self, role: Role) -> None:
        pad = self._device("signature_pad")
        if isinstance(pad, SignaturePad):
            workflow = self.services.workflow
            self.apply_with_device(
                lambda case: pad.capture_signature(case.parties[role].identity.name,
                                                   workflow.declaration_text(case, role)),
                lambda case, capture: workflow.add_signature(case, role, capture),
            )

    def attest_voluntariness(self, finding: Voluntariness) -> None:
        self.apply(lambda case: self.services.workflow.attest_voluntariness(case, finding))

    def _move(self, delta: int) -> None:
        if self.case is None:
            return
        target = STEP_ORDER[STEP_ORDER.index(self.case.step) + delta]
        self.apply(lambda case: self.services.workflow.go_to(case, target))

    def sign_form(self, form: SignedForm, role: Role) -> None:
        """A divorce or reissue form signed on the pad; the pad shows the exact text."""
        pad = self._device("signature_pad")
        workflow = self._current_business_workflow()
        if not isinstance(pad, SignaturePad) or workflow is None:
            return

        def start(case: MarriageCase) -> Future[Any]:
            text = workflow.form_text(case, form, role)  # WorkflowError while the form is incomplete
            return pad.capture_signature(case.parties[role].identity.name, text)

        self.apply_with_device(start, lambda case, capture: workflow.sign(case, form, role, capture))

    def find_marriage(self, certificate_no: str) -> None:
        """First visit: the 结婚证字号 typed when the cards did not lead to the marriage."""
        number = certificate_no.strip()
        if not number:
            self.error_bar.show_message(error_text(WorkflowError(
                reason=self.tr("type the marriage certificate number first"))))
            return
        divorce = self.services.divorce
        self.apply(lambda case: divorce.find_marriage(case, number))

    def find_application(self, receipt_no: str) -> None:
        """Withdrawal and second visit: the receipt number typed (Enter)."""
        number = receipt_no.strip()
        if not number:
            self.error_bar.show_message(error_text(WorkflowError(
                reason=self.tr("type the receipt number, or press F4 to scan the receipt"))))
            return
        divorce = self.services.divorce
        self.apply(lambda case: divorce.find_application(case, number))

    def on_scanned(self, text: str) -> None:
        """A keyboard-wedge scanner read a code (ui.wedge_scanner): a receipt number looks
        up the divorce application (withdrawal, second visit), a marriage certificate
        number the marriage (first visit). Anything else lands in the field with focus,
        with its Enter, exactly as the scanner typed it: nothing scanned is lost."""
        code = text.strip()
        business = self.case.business if self.case is not None else None
        if parse_receipt_no(code) is not None and business in (Business.DIVORCE_WITHDRAWAL,
                                                                Business.DIVORCE_REGISTRATION):
            self.find_application(code)
            return
        if CERTIFICATE_NO_PATTERN.match(code) and business is Business.DIVORCE_APPLICATION:
            self.find_marriage(code)
            return
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and not focus.isReadOnly():
            focus.insert(text)
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.postEvent(focus, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r"))
            return
        if isinstance(focus, QPlainTextEdit) and not focus.isReadOnly():
            focus.insertPlainText(text)  # no Enter: in a text box it would only start a new line
            return
        self.statusBar().showMessage(self.tr("Scanned code {code}: nothing on this page takes it.").format(
            code=code[:40]), 8000)

    def scan_receipt(self) -> None:
        """F4: the receipt under the camera, its QR code decoded by the barcode reader,
        the application looked up; the image is kept with the case's materials."""
        camera = self._device("camera")
        decoder = self._device("barcode")
        if not isinstance(camera, DocumentCamera) or not isinstance(decoder, BarcodeDecoder):
            return
        divorce = self.services.divorce
        no_code = self.tr(
            "no QR code was found on the captured image. Lay the receipt flat under the camera, QR code up, and "
            "press F4 again, or type the receipt number and press Enter"
        )
        not_receipt = self.tr("the QR code found is not a divorce receipt number: {text}")

        def start(_case: MarriageCase) -> Future[tuple[CapturedImage, tuple[Barcode, ...]]]:
            return both_results(camera.capture(DocumentClass.RECEIPT), lambda image: decoder.decode(image.image_png))

        def then(case: MarriageCase, scanned: tuple[CapturedImage, tuple[Barcode, ...]]) -> MarriageCase:
            image, codes = scanned
            text = first_qr_text(codes)
            if text is None:
                raise WorkflowError(reason=no_code)
            if parse_receipt_no(text) is None:
                raise WorkflowError(reason=not_receipt.format(text=text[:40]))
            found = divorce.find_application(case, text)
            return divorce.add_document(found, image, DocumentClass.RECEIPT.value)

        self.apply_with_device(start, then)

    def set_certificate_copies(self, copies: CertificateCopies) -> None:
        divorce = self.services.divorce
        self.apply(lambda case: divorce.set_certificate_copies(case, copies))

    def record_findings(self, intent: Finding, capacity: Finding) -> None:
        divorce = self.services.divorce
        self.apply(lambda case: divorce.record_findings(case, intent=intent, capacity=capacity))

    def record_interview(self, role: Role, wishes_to_divorce: bool, agrees_with_agreement: bool, remarks: str) -> None:
        divorce = self.services.divorce
        self.apply(lambda case: divorce.record_interview(
            case, role, wishes_to_divorce=wishes_to_divorce, agrees_with_agreement=agrees_with_agreement,
            remarks=remarks,
        ))

    def set_agreement(self, agreement: DivorceAgreement) -> None:
        divorce = self.services.divorce
        self.apply(lambda case: divorce.set_agreement(case, agreement))

    def choose_certificate(self, kind: CertificateKind, reason: str) -> None:
        reissue = self.services.reissue
        self.apply(lambda case: reissue.choose_certificate(case, kind, reason))

    def refuse_case(self) -> None:
        """Ctrl+Shift+R. A marriage is refused as it always was; the other businesses also
        print their notice (不予受理 / 不予办理 …) with the grounds' messages."""
        case = self.case
        if case is None or case.business is Business.MARRIAGE:
            self.apply(self.services.workflow.refuse)
            return
        workflow = self.business_workflow(case.business)
        grounds: list[str] = []

        def refuse(current: MarriageCase) -> MarriageCase:
            grounds[:] = [r.message for r in workflow.refusal_grounds(current)]
            return workflow.refuse(current)

        self.apply(refuse, then=lambda refused: self.write_refusal_notice(refused, grounds))

    def write_refusal_notice(self, case: MarriageCase, grounds: list[str]) -> None:
        if not case.parties:
            self.statusBar().showMessage(
                self.tr("No refusal notice was printed: no party's identity document was read."), 10000
            )
            return
        page = self.business_pages[case.business]
        on = self.business_workflow(case.business).today()
        try:
            notice = refusal_notice(case, self.office(), page.refusal_title, grounds, on)
        except Exception as error:
            log.exception("refusal notice of case %s not built", case.case_id)
            self._show_failure(OutputError(detail=str(error)))
            return
        written = self._write_forms(case, [(REFUSAL_NOTICE, notice)])
        if written is None:
            return
        files, printed = written
        pdf = files[REFUSAL_NOTICE]
        workflow = self.business_workflow(case.business)
        message = (
            self.tr("Refusal notice printed and kept with the case.") if printed
            else self.tr("No printer: the refusal notice is kept with the case; Ctrl+Shift+E exports it.")
        )
        self.apply(lambda c: workflow.attach_refusal_notice(c, pdf),
                   then=lambda _case: self.statusBar().showMessage(message, 10000))

    def cancel_case(self) -> None:
        workflow = self.workflow_for(self.case.business if self.case else Business.MARRIAGE)
        self.apply(workflow.cancel)

    def register_case(self) -> None:
        """F12 on the marriage register page."""
        self.commit_case()

    def commit_case(self) -> None:
        """F12: the central write of the open case's business (register a marriage,
        accept / withdraw / register a divorce, issue a reissued certificate)."""
        business = self.case.business if self.case else Business.MARRIAGE
        if business is Business.MARRIAGE:
            self.apply(self.services.workflow.register)
            return
        divorce, reissue = self.services.divorce, self.services.reissue
        commits: dict[Business, Callable[[MarriageCase], MarriageCase]] = {
            Business.DIVORCE_APPLICATION: divorce.accept,
            Business.DIVORCE_WITHDRAWAL: divorce.withdraw,
            Business.DIVORCE_REGISTRATION: divorce.register,
            Business.REISSUE: reissue.issue,
        }
        then = (lambda _case: self.refresh_applications()) if business in DIVORCE_BUSINESSES else None
        self.apply(commits[business], then=then)

    # Issue ----------------------------------------------------------------------------------

    def office(self) -> OfficeInfo:
        """The office, and the registrar printed on forms: the operator logged in."""
        office = self.services.config.office
        session = self.services.sessions.current
        registrar = session.operator.name if session is not None else self.services.config.registrar.name
        return OfficeInfo(office.code, office.name, registrar)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        if case.business is not Business.MARRIAGE:
            return self.business_pages[case.business].forms_for(case)
        office = self.office()
        forms: list[tuple[str, FormDocument]] = []
        for role in (Role.A, Role.B):
            forms.append((f"certificate-{role.value}.pdf", marriage_certificate(case, role, office)))
        for role in (Role.A, Role.B):
            forms.append((f"declaration-{role.value}.pdf", marriage_declaration(case, role, office)))
        forms.append(("review-form.pdf", marriage_review_form(case, office)))
        return forms

    def forms_kept_text(self, printed: bool) -> str:
        if printed:
            return self.tr("Forms printed and kept with the case.")
        return self.tr("No printer: the forms are kept with the case; Ctrl+Shift+E exports them.")

    def issue_documents(self) -> None:
        """Renders every form as PDF (kept with the case and its archive), prints to the
        default printer if there is one, then closes the case as issued."""
        case = self.case
        if case is None or case.registration is None:
            return
        try:  # issuing is a registrar's act (training valid): checked in app/ before anything is written
            self.services.guard.require(Permission.REGISTER, action="issue_documents", case_id=case.case_id)
        except AppError as error:
            self._show_failure(error)
            return
        try:
            forms = self.forms_for(case)
        except Exception as error:
            log.exception("forms of case %s not built", case.case_id)
            self._show_failure(OutputError(detail=str(error)))
            return
        written = self._write_forms(case, forms)
        if written is None:
            return
        files, printed = written
        self.statusBar().showMessage(self.forms_kept_text(printed), 10000)
        names = tuple(name for name, _ in forms)
        workflow = self.workflow_for(case.business)
        self.apply(lambda c: workflow.mark_issued(c, names, form_files=files))

    def _write_forms(
        self, case: MarriageCase, forms: list[tuple[str, FormDocument]]
    ) -> tuple[dict[str, bytes], bool] | None:
        """The forms as PDFs in memory, printed when there is a default printer: (the PDFs
        by name, whether they were printed), or None after showing why not. Nothing is
        written to the data directory (#10): the PDFs are kept with the case, sealed by
        the local store, and leave it only through an export (Ctrl+Shift+E)."""
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        # Painting stays on the GUI thread (QPainter text on a paged device); the ten forms
        # of a divorce take well under a second here. Failures get a code, never a traceback.
        guard = self.services.guard
        names = ",".join(name.removesuffix(".pdf") for name, _ in forms)  # form names, never their content
        try:
            files = {file_name: pdf_bytes(document) for file_name, document in forms}
            printer_info = QPrinterInfo.defaultPrinter()
            printed = not printer_info.isNull()
            if printed:
                guard.record(AuditAction.PRINT, case_id=case.case_id, detail=names)  # before: fail closed
                for _, document in forms:
                    print_document(document, QPrinter(printer_info, QPrinter.PrinterMode.HighResolution))
            return files, printed
        except AppError as error:  # the audit trail refused the record (AUD-001)
            self._show_failure(error)
            return None
        except Exception as error:
            log.exception("forms of case %s not produced", case.case_id)
            self._show_failure(OutputError(detail=str(error)))
            return None

    def _ask_export_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, self.tr("Export the case's forms to…"))

    def export_forms(self) -> None:
        """Ctrl+Shift+E: the open case's printed forms as PDF files in a folder the registrar
        picks (one sub-folder per case), for a registrar who needs them as files; checked
        and audited (EXPORT) in app/ before anything is written."""
        case = self.case
        if case is None:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr("no case is open"))))
            return
        if not case.form_files:  # said before asking for a folder (app/ checks again)
            reason = self.tr("no printed forms are kept with this case")
            self.error_bar.show_message(error_text(WorkflowError(reason=reason)))
            return
        chosen = self.choose_export_folder()
        if not chosen:
            return
        target = Path(chosen) / case.case_id
        guard, case_id = self.services.guard, case.case_id

        def exported(written: list[Path]) -> None:
            self.statusBar().showMessage(
                self.tr("{count} forms exported to {folder}").format(count=len(written), folder=target), 10000
            )

        data_dir = self.services.config.data_dir
        self.run(lambda: export_case_forms(guard, self._latest(case_id), target, data_dir=data_dir), exported)

    def void_printed_blank(self) -> None:
        """Ctrl+Shift+V: a certificate printed with an error or on a damaged blank is voided
        with a supervisor's approval (规范 2015 Art. 58) and printed again. When a voided
        certificate is still waiting for its reprint (the printer failed), it is printed."""
        case = self.case
        if case is None:
            self.error_bar.show_message(error_text(WorkflowError(reason=self.tr("no case is open"))))
            return
        certificates = printed_certificates(case)
        waiting = next((form for form in certificates if pending_reprint(case, form) is not None), None)
        if waiting is not None:
            self.reprint_certificate(case, waiting)
            return
        if not certificates:
            reason = self.tr("only the certificates printed for an issued case can be voided")
            self.error_bar.show_message(error_text(WorkflowError(reason=reason)))
            return
        dialog = VoidBlankDialog(certificates, self, second_factor=self.services.auth.second_factor_required)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        workflow = self.workflow_for(case.business)

        def approve(form: str, print_no: str, credentials: SupervisorCredentials, reason: str) -> None:
            self.apply_approval(dialog, lambda c: workflow.void_printed_blank(c, form, print_no, reason, credentials),
                                then=lambda current: self.reprint_certificate(current, form))

        dialog.approved.connect(approve)
        self.void_dialog = dialog
        dialog.open()

    def apply_approval(
        self, dialog: SupervisorApprovalDialog, step: Callable[[MarriageCase], MarriageCase],
        then: Callable[[MarriageCase], None] | None = None,
    ) -> None:
        """Runs a supervisor-approved step on the worker (the credentials are checked in
        the workflow, app.auth, never here); the dialog closes once it is saved, or says
        why not and stays open."""

        def saved(case: MarriageCase) -> None:
            dialog.finish()
            if then is not None:
                then(case)

        started = self.apply(step, then=saved, failed=lambda error: dialog.show_error(error_text(error)))
        if not started:
            dialog.show_error(self.tr("Still working on the previous step…"))

    def reprint_certificate(self, case: MarriageCase, form: str) -> None:
        """Prints the certificate `form` again (its blank was voided) and keeps the new PDF
        with the case."""
        try:
            document = dict(self.forms_for(case))[form]
        except Exception as error:
            log.exception("certificate %s of case %s not built", form, case.case_id)
            self._show_failure(OutputError(detail=str(error)))
            return
        written = self._write_forms(case, [(form, document)])
        if written is None:
            return
        files, printed = written
        workflow = self.workflow_for(case.business)
        message = (
            self.tr("Certificate printed again and kept with the case.") if printed
            else self.tr("No printer: the new certificate is kept with the case; Ctrl+Shift+E exports it.")
        )
        self.apply(lambda c: workflow.reprint_certificate(c, form, files[form]),
                   then=lambda _case: self.statusBar().showMessage(message, 10000))

    # This office's divorce applications --------------------------------------------------------

    def refresh_applications(self) -> None:
        """The list of this office's applications, read off the GUI thread. Expiry (a
        central write) runs first at start-up and then at most once an hour."""
        divorce = self.services.divorce
        now = divorce.clock.now()
        expire = self._last_expiry is None or not (timedelta(0) <= now - self._last_expiry < EXPIRY_INTERVAL)
        if expire:
            self._last_expiry = now

        def read() -> list[tuple[ApplicationOnRecord, DivorcePeriods]]:
            if expire:
                try:
                    expired = divorce.expire_applications()
                except AppError as error:
                    log.warning("expiry of divorce applications deferred: %s", error)
                else:
                    if expired:
                        log.info("%d divorce application(s) deemed withdrawn", len(expired))
            return [(a, divorce.periods(a)) for a in divorce.office_applications()]

        self.run_quietly(read, self._fill_applications)

    def _fill_applications(self, rows: list[tuple[ApplicationOnRecord, DivorcePeriods]]) -> None:
        current = self.applications.currentItem()
        selected = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self.applications.clear()
        for application, periods in reversed(rows):  # newest first
            item = QTreeWidgetItem([
                application.receipt_no,
                f"{application.accepted_on:%Y-%m-%d}",
                f"{periods.cooling_off_end:%Y-%m-%d}",
                f"{periods.issue_window_end:%Y-%m-%d}",
                application_status_text(application.status),
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, application.receipt_no)
            item.setData(1, Qt.ItemDataRole.UserRole, application.status)
            item.setToolTip(0, self.tr("Enter: start the divorce registration (second visit) with this receipt"))
            self.applications.addTopLevelItem(item)
            if application.receipt_no == selected:
                self.applications.setCurrentItem(item)
        first = self.applications.topLevelItem(0)
        if self.applications.hasFocus() and self.applications.currentItem() is None and first is not None:
            self.applications.setCurrentItem(first)
        for column in range(self.applications.columnCount()):
            self.applications.resizeColumnToContents(column)

    def _focus_applications(self) -> None:
        self.applications.setFocus()
        first = self.applications.topLevelItem(0)
        if self.applications.currentItem() is None and first is not None:
            self.applications.setCurrentItem(first)
        self.refresh_applications()

    def _on_application_activated(self, item: QTreeWidgetItem) -> None:
        """A pending application: a second-visit case, already holding its receipt."""
        receipt_no = str(item.data(0, Qt.ItemDataRole.UserRole))
        if str(item.data(1, Qt.ItemDataRole.UserRole)) != "pending":
            self.statusBar().showMessage(
                self.tr("Application {number} is closed: {status}").format(
                    number=receipt_no, status=application_status_text(str(item.data(1, Qt.ItemDataRole.UserRole)))
                ),
                8000,
            )
            return
        divorce = self.services.divorce
        self.run(lambda: divorce.start_case(Business.DIVORCE_REGISTRATION),
                 lambda case: self._prefill_receipt(case, receipt_no))

    def _prefill_receipt(self, case: MarriageCase, receipt_no: str) -> None:
        self._show_case(case)
        self.find_application(receipt_no)

    def closeEvent(self, event: QCloseEvent) -> None:
        application = QApplication.instance()
        self.idle_watch.stop()
        if application is not None:
            application.removeEventFilter(self.idle_watch)
        if self.wedge_scanner is not None and application is not None:
            # A closed window (tests open many) must stop taking the application's keys.
            application.removeEventFilter(self.wedge_scanner)
            self.wedge_scanner = None
        if self.diagnostics_dock is not None:
            shutdown = getattr(self.diagnostics_dock.widget(), "shutdown", None)
            if callable(shutdown):
                shutdown()  # waits for a report or self-test still running
        self.ops.shutdown()
        super().closeEvent(event)
