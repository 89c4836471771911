"""The counter's main window: the queue of cases, the current case's pages, status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.bootstrap import CounterServices, default_output_dir
from app.domain.case import STEP_ORDER, CaseStatus, DeviceMode, MarriageCase, MarriageStep, Role, Voluntariness
from app.errors import OutputError, WorkflowError
from app.store.local import CaseSummary
from devices.base import Device
from devices.camera.base import DocumentCamera
from devices.camera.types import DocumentClass
from devices.id_reader.base import IdReader
from devices.signature_pad.base import SignaturePad
from devices.status import DeviceState, DeviceStatus
from ui.bridge import OpRunner
from ui.i18n import error_text
from ui.pages.base import CasePage
from ui.pages.declarations import DeclarationsPage
from ui.pages.documents import DocumentsPage
from ui.pages.done import DonePage
from ui.pages.identify import IdentifyPage
from ui.pages.issue import IssuePage
from ui.pages.register import RegisterPage
from ui.pages.review import ReviewPage
from ui.print.forms import OfficeInfo, marriage_certificate, marriage_declaration, marriage_review_form
from ui.print.layout import FormDocument
from ui.print.renderer import print_document, write_pdf
from ui.sync_panel import SyncPanel

log = logging.getLogger(__name__)
R = TypeVar("R")


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
        self.new_button = QPushButton(self.tr("New case (Ctrl+N)"))
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.queue = QListWidget()
        self.queue.setMaximumWidth(280)
        side.addWidget(QLabel(self.tr("Cases today (Ctrl+L)")))
        side.addWidget(self.queue, 1)
        side.addWidget(self.new_button)
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
        self.empty = QLabel(self.tr("Press Ctrl+N to start a case for the next couple."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
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

        self.device_labels: dict[str, QLabel] = {}
        self.status_relay = DeviceStatusRelay(self)
        self.status_relay.changed.connect(self._on_device_status)
        for kind in ("id_reader", "camera", "signature_pad"):
            label = QLabel()
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
        self._build_sync_panel()
        self.busy_label = QLabel()
        self.statusBar().addWidget(self.busy_label)
        self.ops.busy_changed.connect(lambda busy: self.busy_label.setText(self.tr("Working…") if busy else ""))

        self.new_button.clicked.connect(self.new_case)
        self.back_button.clicked.connect(lambda: self._move(-1))
        self.next_button.clicked.connect(lambda: self._move(+1))
        self.refuse_button.clicked.connect(self.refuse_case)
        self.cancel_button.clicked.connect(self.cancel_case)
        self.queue.itemActivated.connect(self._on_queue_activated)
        self.queue.itemClicked.connect(self._on_queue_activated)
        QShortcut(QKeySequence("Ctrl+L"), self, self.queue.setFocus)
        self._show_case(None)
        self.startup()

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

    def _show_failure(self, error: BaseException) -> None:
        """Shows the coded message, then reloads the case so the screen shows exactly what
        was saved (a failed step changed nothing, or saved why it waits)."""
        self.error_bar.show_message(error_text(error))
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

    def _step_failed(self, error: BaseException) -> None:
        self._step_running = False
        self._show_failure(error)

    def apply(self, fn: Callable[[MarriageCase], MarriageCase]) -> None:
        """Runs a workflow step on the current case and shows the case it returns."""
        case = self._case_step_allowed()
        if case is None:
            return
        self._step_running = True
        case_id = case.case_id
        self.ops.run(lambda: fn(self._latest(case_id)), self._succeeded(self._step_done), self._step_failed)

    def apply_with_device(
        self, start: Callable[[MarriageCase], Future[R]], then: Callable[[MarriageCase, R], MarriageCase]
    ) -> None:
        """Starts a device operation, then runs the workflow step with its result; no
        thread waits while the person reads a card or signs."""
        case = self._case_step_allowed()
        if case is None:
            return
        try:
            future = start(case)
        except Exception as error:
            self._show_failure(error)
            return
        self._step_running = True
        case_id = case.case_id
        self.ops.run_after(
            future, lambda result: then(self._latest(case_id), result), self._succeeded(self._step_done),
            self._step_failed,
        )

    def _after_reload(self, case: MarriageCase | None) -> None:
        if case is not None:
            self._show_case(case)
        self._refresh_queue()

    def startup(self) -> None:
        """Resumes the newest unfinished case, as it was when the counter stopped."""
        self.run(self.services.store.latest_open_case, self._resume)
        self.run(self.services.central.ping, lambda _ok: self._update_central())

    def _resume(self, case: MarriageCase | None) -> None:
        if case is not None:
            self.statusBar().showMessage(self.tr("Resumed the unfinished case {title}").format(title=case.title), 8000)
        self._show_case(case)

    def _show_case(self, case: MarriageCase | None) -> None:
        if case is None:
            self.case = None
            self.stack.setCurrentWidget(self.empty)
            for button in (self.back_button, self.next_button, self.refuse_button, self.cancel_button):
                button.setEnabled(False)
        else:
            page = self.pages[case.step]
            page.show_case(case)  # may raise: then the screen and self.case stay as they were
            self.case = case
            self.stack.setCurrentWidget(page)
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
        self.case_changed.emit(case)

    def _update_steps(self) -> None:
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
        for summary in summaries:
            text = f"{summary.title}\n{status_text.get(summary.status, summary.status)}"
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
                "signature_pad": self.tr("Signature pad")}

    def _show_device(self, status: DeviceStatus) -> None:
        names = self._device_names()
        states = {DeviceState.READY: (self.tr("ready"), "#1b7a1b"), DeviceState.BUSY: (self.tr("busy"), "#0b5cad"),
                  DeviceState.NOT_READY: (self.tr("not ready"), "#b26a00"),
                  DeviceState.UNAVAILABLE: (self.tr("unavailable"), "#b00020")}
        text, color = states[status.state]
        suffix = self.tr(" (simulated)") if status.simulated else ""
        label = self.device_labels[status.kind]
        label.setText(f"● {names.get(status.kind, status.kind)}: {text}{suffix}")
        label.setStyleSheet(f"color: {color}; padding: 0 6px;")
        label.setToolTip(status.reason or text)

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

    # Actions (each button's slot) -------------------------------------------------------

    def new_case(self) -> None:
        self.run(self.services.workflow.start_case, self._show_case)

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
        if isinstance(reader, IdReader):
            workflow = self.services.workflow
            self.apply_with_device(lambda _: reader.read_card(),
                                   lambda case, record: workflow.record_party(case, role, record))

    def recheck_central(self) -> None:
        self.apply(self.services.workflow.recheck_central)

    def capture_document(self, document_class: str) -> None:
        camera = self._device("camera")
        if isinstance(camera, DocumentCamera):
            workflow = self.services.workflow
            self.apply_with_device(lambda _: camera.capture(DocumentClass(document_class)),
                                   lambda case, image: workflow.add_document(case, image, document_class))

    def remove_document(self, document_id: str) -> None:
        self.apply(lambda case: self.services.workflow.remove_document(case, document_id))

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

    def refuse_case(self) -> None:
        self.apply(self.services.workflow.refuse)

    def cancel_case(self) -> None:
        self.apply(self.services.workflow.cancel)

    def register_case(self) -> None:
        self.apply(self.services.workflow.register)

    # Issue ----------------------------------------------------------------------------------

    def office(self) -> OfficeInfo:
        office = self.services.config.office
        return OfficeInfo(office.code, office.name, self.services.config.registrar.name)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        office = self.office()
        forms: list[tuple[str, FormDocument]] = []
        for role in (Role.A, Role.B):
            forms.append((f"certificate-{role.value}.pdf", marriage_certificate(case, role, office)))
        for role in (Role.A, Role.B):
            forms.append((f"declaration-{role.value}.pdf", marriage_declaration(case, role, office)))
        forms.append(("review-form.pdf", marriage_review_form(case, office)))
        return forms

    def output_dir(self, case: MarriageCase) -> Path:
        return default_output_dir(self.services.config) / case.case_id

    def issue_documents(self) -> None:
        """Writes every form as PDF (the archive copy), prints to the default printer if
        there is one, then closes the case as issued."""
        case = self.case
        if case is None or case.registration is None:
            return
        from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

        folder = self.output_dir(case)
        # Painting stays on the GUI thread (QPainter text on a paged device); five forms
        # take well under a second here. Failures get a code, never a traceback.
        try:
            folder.mkdir(parents=True, exist_ok=True)
            forms = self.forms_for(case)
            for file_name, document in forms:
                write_pdf(document, folder / file_name)
            printer_info = QPrinterInfo.defaultPrinter()
            if not printer_info.isNull():
                for _, document in forms:
                    print_document(document, QPrinter(printer_info, QPrinter.PrinterMode.HighResolution))
            files = {name: (folder / name).read_bytes() for name, _ in forms}  # the archive's copies
        except Exception as error:
            log.exception("forms of case %s not produced", case.case_id)
            self._show_failure(OutputError(detail=str(error)))
            return
        self.statusBar().showMessage(self.tr("Forms saved to {folder}").format(folder=folder), 10000)
        names = tuple(name for name, _ in forms)
        self.apply(lambda c: self.services.workflow.mark_issued(c, names, form_files=files))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ops.shutdown()
        super().closeEvent(event)
