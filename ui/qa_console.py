"""QA console: drives the simulated devices, the central store's network and the clock.

`QaScript` is the API (tests, the demo and QA's own scripts use it); `QaConsoleDock`
puts the same actions on widgets, in a dock the main window creates only when a device
is simulated (Ctrl+Shift+Q shows and hides it). Every action is instant or returns the
device's future: nothing here waits on a device, so the GUI thread never blocks.

The simulated signature pad has no manual mode (devices/signature_pad/sim.py signs by
itself, as the person the counter names, after its `sign_delay_s`): "have a party
sign" therefore starts the capture for that party on the open case, as F7/F8 do, and
the pad signs as that party. A party refusing to sign is the `cancelled` fault.

The operators' simulated USB keys (`[auth] second_factor = "sim:…"`, app.auth.second_factor)
are not a device kind, but QA plugs them like one: `insert_usb_key` / `remove_usb_key`,
and a box in the dock. The dock is behind the login dialog while the counter is locked
(window-modal, and hidden with the case), so the login dialog offers the same two
actions on such a counter (`UsbKeyControl`, ui.login).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.auth.second_factor import SimSecondFactor
from app.bootstrap import CounterServices
from app.domain.case import DeviceMode, Role
from app.workflow.clock import FixedClock, OffsetClock
from devices.camera.sim import SimDocumentCamera
from devices.camera.types import DocumentClass
from devices.id_reader.sim import SimIdReader
from devices.sim.common import SimDevice
from devices.sim.scenario import ALLOWED_FAULTS, FaultOperation, Scenario
from devices.status import DeviceStatus

log = logging.getLogger(__name__)

TOGGLE_KEY = "Ctrl+Shift+Q"
CLOCK_STEPS_DAYS = (1, 10, 31)
CLOCK_REFRESH_MS = 30_000


class QaError(RuntimeError):
    """A QA action that cannot be done here (no such simulated device, clock fixed...)."""


class QaGui(Protocol):
    """What the script asks of the counter's window (MainWindow implements it)."""

    def sign_party(self, role: Role) -> None: ...


@dataclass(frozen=True, slots=True)
class QaPerson:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class QaDocument:
    id: str
    document_class: str


@dataclass(frozen=True, slots=True)
class QaUsbKey:
    serial: str
    operator_id: str  # the operator it is issued to


class QaScript:
    """Every QA action, callable from any script; device controls are thread-safe."""

    def __init__(self, services: CounterServices, gui: QaGui | None = None) -> None:
        self.services = services
        self.gui = gui

    # What is simulated ------------------------------------------------------------------

    @property
    def simulated(self) -> bool:
        return self.services.device_mode is DeviceMode.SIMULATED

    def simulated_kinds(self) -> list[str]:
        """The kinds of device that are simulated, in the order they were opened."""
        return [kind for kind, device in self.services.devices.items() if isinstance(device, SimDevice)]

    def device(self, kind: str) -> SimDevice:
        device = self.services.devices.get(kind)
        if not isinstance(device, SimDevice):
            reason = self.services.device_errors.get(kind, "not configured" if device is None else "not simulated")
            raise QaError(f"the {kind} is not a simulated device: {reason}")
        return device

    @property
    def scenario(self) -> Scenario | None:
        for kind in self.simulated_kinds():
            return self.device(kind).scenario
        return None

    def people(self) -> list[QaPerson]:
        scenario = self.scenario
        return [QaPerson(p.id, p.name) for p in scenario.people] if scenario is not None else []

    def documents(self) -> list[QaDocument]:
        scenario = self.scenario
        if scenario is None:
            return []
        return [QaDocument(d.id, d.document_class.value) for d in scenario.camera.documents]

    # ID card reader ------------------------------------------------------------------------

    def _reader(self) -> SimIdReader:
        reader = self.device("id_reader")
        if not isinstance(reader, SimIdReader):
            raise QaError("the simulated ID reader has no card controls")
        return reader

    def present_card(self, person_id: str) -> None:
        """Lays this person's card on the reader; it stays until `remove_card`."""
        self._reader().present_card(person_id)

    def remove_card(self) -> None:
        """Takes the card off; a read in progress fails with "card removed"."""
        self._reader().remove_card()

    @property
    def card_on_reader(self) -> str | None:
        return self._reader().card_on_reader

    # Camera ---------------------------------------------------------------------------------

    def _camera(self) -> SimDocumentCamera:
        camera = self.device("camera")
        if not isinstance(camera, SimDocumentCamera):
            raise QaError("the simulated camera has no document controls")
        return camera

    def show_document(self, document_id: str) -> None:
        """Lays a scenario document under the camera until `remove_document`."""
        self._camera().present_document(document_id)

    def show_image(self, png: bytes, document_class: DocumentClass | str | None = None) -> None:
        """Lays any PNG (e.g. a receipt the counter printed) under the camera."""
        kind = DocumentClass(document_class) if document_class is not None else None
        self._camera().present_image(png, kind)

    def remove_document(self) -> None:
        self._camera().remove_document()

    @property
    def document_under_camera(self) -> str | None:
        return self._camera().document_under_camera

    # Signature pad --------------------------------------------------------------------------

    def sign(self, role: Role | str) -> None:
        """Party A or B signs the open case's current form (the pad signs as that party)."""
        self.device("signature_pad")
        if self.gui is None:
            raise QaError("signing needs the counter's window")
        self.gui.sign_party(Role(role))

    # Second factor: the operators' simulated USB keys ----------------------------------------

    def _usb_port(self) -> SimSecondFactor:
        factor = self.services.auth.second_factor
        if not isinstance(factor, SimSecondFactor):
            raise QaError('no simulated USB keys here: [auth] second_factor is not "sim:…"')
        return factor

    @property
    def has_usb_keys(self) -> bool:
        """Whether this counter's second factor is simulated (QA can plug keys)."""
        return isinstance(self.services.auth.second_factor, SimSecondFactor)

    def usb_keys(self) -> list[QaUsbKey]:
        """The scenario's simulated keys (none when the second factor is not simulated)."""
        if not self.has_usb_keys:
            return []
        return [QaUsbKey(token.serial, token.operator_id) for token in self._usb_port().tokens.values()]

    def insert_usb_key(self, serial: str) -> None:
        """This key is now in the port (another one there is pulled first)."""
        self._usb_port().insert(serial)

    def remove_usb_key(self) -> None:
        """The port is empty: a login, unlock or approval needing the key fails (AUTH-005)."""
        self._usb_port().insert(None)

    @property
    def usb_key_inserted(self) -> str | None:
        return self._usb_port().inserted if self.has_usb_keys else None

    # Faults and hot-plug --------------------------------------------------------------------

    def operation_of(self, kind: str) -> FaultOperation:
        return self.device(kind).sim_operation

    def faults_for(self, kind: str) -> list[str]:
        """The faults that can happen during this device's operation (the fault table)."""
        return sorted(ALLOWED_FAULTS.get(self.operation_of(kind), ()))

    def trigger_fault(
        self, kind: str, error: str, times: int = 1, delay_s: float = 0.0, *, probability: float | None = None
    ) -> None:
        """The next `times` operations of this device fail with `error`."""
        device = self.device(kind)
        device.inject_fault(device.sim_operation, error, times, delay_s, probability=probability)

    def clear_faults(self, kind: str | None = None) -> None:
        """Drops the pending faults of one device, or of every device and the central store."""
        if kind is not None:
            self.device(kind).clear_faults()
            return
        for each in self.simulated_kinds():
            self.device(each).clear_faults()
        self.central_back()

    def unplug(self, kind: str) -> Future[None]:
        """Pulls the device's cable: a call in progress fails, the indicator turns red."""
        return self.device(kind).set_connected(False)

    def replug(self, kind: str) -> Future[None]:
        return self.device(kind).set_connected(True)

    def is_connected(self, kind: str) -> bool:
        return self.device(kind).connected

    def history(self, kind: str) -> list[tuple[str, str]]:
        return self.device(kind).history

    # Central store -----------------------------------------------------------------------

    def central_unreachable(
        self, times: int = 1, *, operation: str = "any", delay_s: float = 0.0, error: str = "unreachable"
    ) -> None:
        """The next `times` central calls (of `operation`: any, register or lookup) fail
        as if the network were down: the case waits with CEN-001."""
        if not self.simulated:
            raise QaError("the central store can be cut off only on a simulated counter")
        self.services.central.inject_fault(times, delay_s, operation=operation, error=error)

    def central_back(self) -> None:
        self.services.central.clear_faults()

    @property
    def central_faults_pending(self) -> int:
        return self.services.central.pending_faults

    # Clock ------------------------------------------------------------------------------------

    @property
    def clock(self) -> Any:
        return self.services.workflow.clock

    def now(self) -> datetime:
        return self.services.workflow.clock.now()

    def advance_clock(self, days: int = 0, hours: int = 0, minutes: int = 0) -> datetime:
        """Moves the counter's one clock (every business shares it); returns the new time."""
        delta = timedelta(days=days, hours=hours, minutes=minutes)
        clock = self.clock
        if isinstance(clock, OffsetClock):
            return clock.advance(delta)
        if isinstance(clock, FixedClock):  # tests and the demo pass a fixed clock
            clock.moment += delta
            return clock.moment
        raise QaError(f"the counter's clock ({type(clock).__name__}) cannot be moved")

    def set_day(self, day: date) -> datetime:
        clock = self.clock
        if isinstance(clock, OffsetClock):
            return clock.set_day(day)
        if isinstance(clock, FixedClock):
            clock.moment = datetime.combine(day, clock.moment.timetz())
            return clock.moment
        raise QaError(f"the counter's clock ({type(clock).__name__}) cannot be moved")

    def reset_clock(self) -> datetime:
        clock = self.clock
        if not isinstance(clock, OffsetClock):
            raise QaError(f"the counter's clock ({type(clock).__name__}) has no real time to go back to")
        clock.reset()
        return clock.now()


class QaConsoleDock(QDockWidget):
    """The QA console: the script's actions on widgets. Errors (an unknown fault, a
    device that is not simulated) appear in the console's own message line."""

    def __init__(self, script: QaScript, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("QA console: simulated devices (Ctrl+Shift+Q)"), parent)
        self.setObjectName("qa_console")
        self.script = script
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        kinds = script.simulated_kinds()
        if "id_reader" in kinds:
            layout.addWidget(self._card_box())
        if "camera" in kinds:
            layout.addWidget(self._camera_box())
        if "signature_pad" in kinds:
            layout.addWidget(self._pad_box())
        self.usb_keys: UsbKeyControl | None = None
        if script.has_usb_keys:
            box = QGroupBox(self.tr("USB key (second factor)"))
            self.usb_keys = UsbKeyControl(script, box)
            self.usb_keys.changed.connect(self._usb_key_changed)
            QVBoxLayout(box).addWidget(self.usb_keys)
            layout.addWidget(box)
        layout.addWidget(self._faults_box(kinds))
        layout.addWidget(self._central_box())
        layout.addWidget(self._clock_box())
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(300)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(CLOCK_REFRESH_MS)
        self.clock_timer.timeout.connect(self.refresh_clock)
        self.clock_timer.start()
        self.refresh()

    # Building ------------------------------------------------------------------------------

    def _card_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("ID card reader"))
        column = QVBoxLayout(box)
        self.people = QListWidget()
        for person in self.script.people():
            item = QListWidgetItem(f"{person.name} ({person.id})")
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            self.people.addItem(item)
        self.people.setMaximumHeight(140)
        column.addWidget(self.people)
        row = QHBoxLayout()
        self.present_button = QPushButton(self.tr("Present card"))
        self.present_button.clicked.connect(self._present_card)
        self.people.itemActivated.connect(lambda _item: self._present_card())
        self.remove_card_button = QPushButton(self.tr("Remove card"))
        self.remove_card_button.clicked.connect(lambda: self._do(self.script.remove_card))
        row.addWidget(self.present_button)
        row.addWidget(self.remove_card_button)
        column.addLayout(row)
        self.card_label = QLabel()
        column.addWidget(self.card_label)
        return box

    def _camera_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Document camera"))
        column = QVBoxLayout(box)
        self.documents = QListWidget()
        for document in self.script.documents():
            item = QListWidgetItem(f"{document.id} [{document.document_class}]")
            item.setData(Qt.ItemDataRole.UserRole, document.id)
            self.documents.addItem(item)
        self.documents.setMaximumHeight(140)
        column.addWidget(self.documents)
        row = QHBoxLayout()
        self.show_document_button = QPushButton(self.tr("Show to the camera"))
        self.show_document_button.clicked.connect(self._show_document)
        self.documents.itemActivated.connect(lambda _item: self._show_document())
        self.remove_document_button = QPushButton(self.tr("Take it away"))
        self.remove_document_button.clicked.connect(lambda: self._do(self.script.remove_document))
        row.addWidget(self.show_document_button)
        row.addWidget(self.remove_document_button)
        column.addLayout(row)
        self.document_label = QLabel()
        column.addWidget(self.document_label)
        return box

    def _pad_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Signature pad"))
        row = QHBoxLayout(box)
        self.sign_buttons: dict[Role, QPushButton] = {}
        for role in (Role.A, Role.B):
            button = QPushButton(self.tr("Party {role} signs").format(role=role.value))
            button.clicked.connect(lambda _=False, r=role: self._do(lambda: self.script.sign(r)))
            button.setEnabled(self.script.gui is not None)
            self.sign_buttons[role] = button
            row.addWidget(button)
        return box

    def _faults_box(self, kinds: list[str]) -> QGroupBox:
        box = QGroupBox(self.tr("Faults and cables"))
        grid = QGridLayout(box)
        grid.addWidget(QLabel(self.tr("Times:")), 0, 0)
        self.fault_times = QSpinBox()
        self.fault_times.setRange(1, 99)
        grid.addWidget(self.fault_times, 0, 1)
        self.fault_pickers: dict[str, QComboBox] = {}
        self.trigger_buttons: dict[str, QPushButton] = {}
        self.plug_buttons: dict[str, QPushButton] = {}
        for row, kind in enumerate(kinds, start=1):
            grid.addWidget(QLabel(self.device_name(kind)), row, 0)
            picker = QComboBox()
            for fault in self.script.faults_for(kind):
                picker.addItem(fault, fault)
            self.fault_pickers[kind] = picker
            grid.addWidget(picker, row, 1)
            trigger = QPushButton(self.tr("Trigger"))
            trigger.clicked.connect(lambda _=False, k=kind: self._trigger(k))
            self.trigger_buttons[kind] = trigger
            grid.addWidget(trigger, row, 2)
            plug = QPushButton()
            plug.setCheckable(True)
            plug.clicked.connect(lambda checked, k=kind: self._set_plugged(k, not checked))
            self.plug_buttons[kind] = plug
            grid.addWidget(plug, row, 3)
        clear = QPushButton(self.tr("Clear all faults"))
        clear.clicked.connect(lambda: self._do(self.script.clear_faults))
        grid.addWidget(clear, len(kinds) + 1, 0, 1, 4)
        return box

    def _central_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Central registry (network)"))
        row = QHBoxLayout(box)
        self.central_times = QSpinBox()
        self.central_times.setRange(1, 99)
        row.addWidget(QLabel(self.tr("Calls:")))
        row.addWidget(self.central_times)
        self.central_down_button = QPushButton(self.tr("Unreachable"))
        self.central_down_button.clicked.connect(
            lambda: self._do(lambda: self.script.central_unreachable(self.central_times.value()))
        )
        self.central_back_button = QPushButton(self.tr("Network back"))
        self.central_back_button.clicked.connect(lambda: self._do(self.script.central_back))
        row.addWidget(self.central_down_button)
        row.addWidget(self.central_back_button)
        return box

    def _clock_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Counter clock"))
        column = QVBoxLayout(box)
        self.clock_label = QLabel()
        column.addWidget(self.clock_label)
        row = QHBoxLayout()
        self.clock_buttons: dict[int, QPushButton] = {}
        for days in CLOCK_STEPS_DAYS:
            button = QPushButton(self.tr("+{days} d").format(days=days))
            button.clicked.connect(lambda _=False, d=days: self._do(lambda: self.script.advance_clock(days=d)))
            self.clock_buttons[days] = button
            row.addWidget(button)
        self.clock_reset_button = QPushButton(self.tr("Today"))
        self.clock_reset_button.clicked.connect(lambda: self._do(self.script.reset_clock))
        self.clock_reset_button.setEnabled(isinstance(self.script.clock, OffsetClock))
        row.addWidget(self.clock_reset_button)
        column.addLayout(row)
        return box

    def device_name(self, kind: str) -> str:
        names = {"id_reader": self.tr("ID reader"), "camera": self.tr("Camera"),
                 "signature_pad": self.tr("Signature pad"), "barcode": self.tr("Barcode reader"),
                 "printer": self.tr("Printer"), "fingerprint": self.tr("Fingerprint scanner")}
        return names.get(kind, kind)

    # Actions -------------------------------------------------------------------------------

    def _do(self, action: Callable[[], object]) -> None:
        """Runs one (instant) QA action; a mistake is shown here, never raised into Qt."""
        try:
            action()
        except (QaError, ValueError, RuntimeError, KeyError) as error:
            log.warning("QA action failed: %s", error)
            self.message.setText(self.tr("Not done: {reason}").format(reason=error))
            self.message.setStyleSheet("color: #b00020;")
        else:
            self.message.setText("")
            self.message.setStyleSheet("")
        self.refresh()

    def _usb_key_changed(self, problem: str) -> None:
        self.message.setText(self.tr("Not done: {reason}").format(reason=problem) if problem else "")
        self.message.setStyleSheet("color: #b00020;" if problem else "")

    def _present_card(self) -> None:
        item = self.people.currentItem()
        if item is None:
            self.message.setText(self.tr("Choose a person first."))
            return
        person_id = str(item.data(Qt.ItemDataRole.UserRole))
        self._do(lambda: self.script.present_card(person_id))

    def _show_document(self) -> None:
        item = self.documents.currentItem()
        if item is None:
            self.message.setText(self.tr("Choose a document first."))
            return
        document_id = str(item.data(Qt.ItemDataRole.UserRole))
        self._do(lambda: self.script.show_document(document_id))

    def _trigger(self, kind: str) -> None:
        fault = self.fault_pickers[kind].currentData()
        times = self.fault_times.value()
        self._do(lambda: self.script.trigger_fault(kind, str(fault), times))

    def _set_plugged(self, kind: str, plugged: bool) -> None:
        # The future completes on the device thread; the indicator follows the status event.
        self._do(lambda: self.script.replug(kind) if plugged else self.script.unplug(kind))

    # Showing the state ----------------------------------------------------------------------

    def on_device_status(self, _status: DeviceStatus) -> None:
        self.refresh()

    def refresh(self) -> None:
        script = self.script
        kinds = script.simulated_kinds()
        if "id_reader" in kinds:
            card = script.card_on_reader
            self.card_label.setText(self.tr("On the reader: {card}").format(card=card or self.tr("nothing")))
        if "camera" in kinds:
            document = script.document_under_camera
            self.document_label.setText(
                self.tr("Under the camera: {document}").format(document=document or self.tr("nothing chosen")))
        if self.usb_keys is not None:
            self.usb_keys.refresh()
        for kind, button in self.plug_buttons.items():
            connected = script.is_connected(kind)
            button.setChecked(not connected)
            button.setText(self.tr("Plug back in") if not connected else self.tr("Unplug"))
        self.refresh_clock()

    def refresh_clock(self) -> None:
        now = self.script.now()
        self.clock_label.setText(self.tr("Simulated date: {date}").format(date=f"{now:%Y-%m-%d %H:%M}"))


class UsbKeyControl(QWidget):
    """Pick a simulated USB key, insert it into the port or pull it, and see which one
    is in: in the QA console and in the login dialog of a counter whose second factor is
    simulated. `changed` carries "" or the reason an action was not done."""

    changed = Signal(str)

    def __init__(self, script: QaScript, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.script = script
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.keys = QComboBox()
        for key in script.usb_keys():
            self.keys.addItem(self.tr("{serial} (issued to {operator})").format(
                serial=key.serial, operator=key.operator_id), key.serial)
        row.addWidget(self.keys, 1)
        self.insert_button = QPushButton(self.tr("Insert USB key"))
        self.insert_button.clicked.connect(self._insert)
        self.remove_button = QPushButton(self.tr("Pull USB key"))
        self.remove_button.clicked.connect(lambda: self._do(self.script.remove_usb_key))
        row.addWidget(self.insert_button)
        row.addWidget(self.remove_button)
        column.addLayout(row)
        self.state_label = QLabel()
        column.addWidget(self.state_label)
        self.refresh()

    def _insert(self) -> None:
        serial = self.keys.currentData()
        if serial is None:
            self.changed.emit(self.tr("the scenario has no simulated USB keys"))
            return
        self._do(lambda: self.script.insert_usb_key(str(serial)))

    def _do(self, action: Callable[[], object]) -> None:
        try:
            action()
        except (QaError, ValueError) as error:
            log.warning("QA action failed: %s", error)
            self.changed.emit(str(error))
        else:
            self.changed.emit("")
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # the key may have been changed from the other control (console / login)
        super().showEvent(event)

    def refresh(self) -> None:
        inserted = self.script.usb_key_inserted
        self.state_label.setText(self.tr("In the port: {key}").format(key=inserted or self.tr("no key")))
        index = self.keys.findData(inserted) if inserted else -1
        if index >= 0:
            self.keys.setCurrentIndex(index)


def toggle(dock: QDockWidget) -> None:
    dock.setVisible(not dock.isVisible())
    if dock.isVisible():
        dock.raise_()
