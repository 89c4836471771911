"""Who is at the counter, through the real GUI (#10): a real counter asks for a login
and shows the operator; the idle lock hides the case, keeps it and returns to it after
the same operator or another one unlocks; Ctrl+Shift+L logs out; the supervisor's
approval dialog is checked in app/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.audit import AuditAction
from app.audit.errors import AuditWriteError
from app.auth.errors import NotLoggedInError
from app.auth.service import BUILTIN_QA_ID, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS
from app.bootstrap import CounterServices, build_services
from app.central.embedded import central_store
from app.central.operators import CentralOperators
from app.config import load_config
from app.domain.case import MarriageStep, Role
from tests.app.auth.helpers import SECRETS, WANG, account
from ui.app import ensure_application
from ui.login import LoginMode
from ui.main_window import MainWindow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)  # also after a dialog closed
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
    qtbot.wait(150)
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)


def log_in(qtbot: QtBot, window: MainWindow, operator_id: str, secret: str) -> None:
    dialog = window.login_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.operator_id.setText(operator_id)
    dialog.secret.setText(secret)
    dialog.submit()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)


def audited(services: CounterServices) -> list[tuple[str, str]]:
    """(action, operator) of every record of the counter's audit trail so far."""
    path = services.config.data_dir / "audit" / "audit.jsonl"
    return [(r["action"], r["operator"]) for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


@pytest.fixture
def real_counter(tmp_path: Path, qapp: object) -> Iterator[CounterServices]:
    """A counter without simulated devices (none configured): it never logs in by itself."""
    ensure_application("zh_CN")
    config = load_config(environ={}, read_system_files=False).model_copy(update={"data_dir": tmp_path / "data"})
    config.data_dir.mkdir(parents=True)
    with central_store(config) as central:  # IT added the account (`operators add`)
        CentralOperators(central).add(account(WANG))
    services = build_services(config)
    yield services
    services.close()


def test_a_real_counter_asks_who_is_there_and_shows_the_operator(
    real_counter: CounterServices, qtbot: QtBot
) -> None:
    assert real_counter.sessions.current is None
    window = MainWindow(real_counter)
    window.show()
    try:
        qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
        dialog = window.login_dialog
        assert window.locked and dialog is not None and dialog.mode is LoginMode.LOGIN
        assert dialog.windowModality() is Qt.WindowModality.WindowModal  # open(), no nested exec()
        central = window.centralWidget()
        assert central is not None and not central.isVisible()
        dialog.reject()  # Esc does not dismiss it
        assert dialog.isVisible()

        log_in(qtbot, window, "wang", "not-the-secret")
        assert "AUTH-001" in dialog.hint.text() and window.locked and dialog.secret.text() == ""
        with pytest.raises(NotLoggedInError):
            real_counter.workflow.start_case()  # app/ refuses too, not only the hidden GUI

        log_in(qtbot, window, "wang", SECRETS["wang"])
        assert not window.locked and central.isVisible()
        assert "王登记员" in window.operator_label.text()
        assert window.office().registrar == "王登记员"  # what the forms print

        press(qtbot, window, Qt.Key.Key_L, CTRL_SHIFT)  # log out
        assert window.locked and real_counter.sessions.current is None
        assert window.login_dialog is not None and window.login_dialog.mode is LoginMode.LOGIN
        actions = audited(real_counter)
        assert ("login_failed", "wang") in actions and ("login", "wang") in actions and ("logout", "wang") in actions
        window.login_dialog.quit_button.click()  # the program can always be closed from the login
        assert not window.isVisible() and not window.login_dialog.isVisible()
    finally:
        window.close()


def test_the_idle_lock_keeps_the_open_case_and_returns_to_it(window: MainWindow, qtbot: QtBot) -> None:
    services = window.services
    session = services.sessions.current
    assert session is not None and session.operator_id == BUILTIN_QA_ID and session.automatic  # simulated
    reader: Any = services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    case = window.case
    assert case is not None and Role.A in case.parties

    # The idle watch on a clock the test moves, checked every 10 ms.
    moment = [1000.0]
    watch = window.idle_watch
    watch.now = lambda: moment[0]
    watch.reset()
    watch.timer.setInterval(10)
    moment[0] += watch.idle_after_s - 1
    qtbot.wait(50)
    assert not window.locked  # not yet
    moment[0] += 2
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    dialog = window.login_dialog
    assert dialog is not None and dialog.mode is LoginMode.UNLOCK
    assert dialog.operator_id.text() == BUILTIN_QA_ID  # the same operator is suggested
    central = window.centralWidget()
    assert central is not None and not central.isVisible()  # the case is hidden, not closed
    assert services.sessions.locked and window.case is not None and window.case.case_id == case.case_id
    with pytest.raises(NotLoggedInError):
        services.workflow.record_party(case, Role.B, reader.scenario.person("bride1"))

    log_in(qtbot, window, BUILTIN_QA_ID, "wrong")
    assert "AUTH-001" in dialog.hint.text() and window.locked
    log_in(qtbot, window, BUILTIN_QA_ID, SIMULATED_SECRETS[BUILTIN_QA_ID])
    assert not window.locked and central.isVisible()
    assert window.case is not None and window.case.case_id == case.case_id and Role.A in window.case.parties
    assert window.stack.currentWidget() is window.pages[MarriageStep.IDENTIFY]

    # Another operator takes over the locked counter: the case stays theirs to finish.
    window.idle_lock()
    assert window.locked
    log_in(qtbot, window, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    assert not window.locked and "主管" in window.operator_label.text()
    assert window.case is not None and window.case.case_id == case.case_id
    reader.present_card("bride1")
    press(qtbot, window, Qt.Key.Key_F3)
    assert window.error_bar.text == "" and set(window.case.parties) == {Role.A, Role.B}
    actions = audited(services)
    assert ("idle_lock", BUILTIN_QA_ID) in actions and ("unlock", BUILTIN_QA_ID) in actions
    assert ("unlock", BUILTIN_SUPERVISOR_ID) in actions and ("view", BUILTIN_SUPERVISOR_ID) in actions


def test_the_approval_dialog_accepts_only_a_supervisor(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    identify: Any = window.pages[MarriageStep.IDENTIFY]
    identify.panels[Role.A].face.override_button.click()  # no comparison ran: the supervisor checks by eye
    dialog = window.face_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.supervisor.setText(BUILTIN_QA_ID)  # the registrar's own account
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_QA_ID])
    dialog.reason.setPlainText("人脸比对模块未安装，人工核对证件照片")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not window.busy and "AUTH-004" in dialog.hint.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.secret.text() == ""
    assert window.case is not None and window.case.face_check_for(Role.A) is None
    dialog.supervisor.setText(BUILTIN_SUPERVISOR_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not window.busy and window.case is not None
                    and window.case.face_check_for(Role.A) is not None, timeout=10_000)
    check = window.case.face_check_for(Role.A)
    assert check is not None and check.overridden and check.override_by_id == BUILTIN_SUPERVISOR_ID
    assert ("approval", BUILTIN_SUPERVISOR_ID) in audited(window.services)


def test_the_lock_hides_the_pen_pad_and_keeps_the_signature_in_progress(window: MainWindow, qtbot: QtBot) -> None:
    """The pen pad's window lives outside the main window (on the second screen): the
    lock hides it too, and the signature going on in it survives the lock."""
    from PySide6.QtWidgets import QDialog

    from tests.ui.test_pen_signature import MM_PER_PX, TEXT, pen_stroke
    from ui.pen_signature import QtPenSignaturePad

    host = QDialog()  # as ui.app.open_gui_devices makes it: no parent
    qtbot.addWidget(host)
    pad = QtPenSignaturePad(host, "pen", mm_per_px=MM_PER_PX)
    try:
        future = pad.capture_signature("李测", TEXT)
        assert host.isVisible()
        stylus = _stylus()
        pen_stroke(pad.widget, stylus, 40, 60)  # half signed when the counter locks
        window.idle_lock()
        assert window.locked and not host.isVisible()
        assert not future.done() and pad.pending and len(pad.widget.samples()) == 12  # not cancelled

        log_in(qtbot, window, BUILTIN_QA_ID, "wrong")
        assert window.locked and not host.isVisible()  # a refused attempt shows nothing
        log_in(qtbot, window, BUILTIN_QA_ID, SIMULATED_SECRETS[BUILTIN_QA_ID])
        assert not window.locked and host.isVisible()
        pen_stroke(pad.widget, stylus, 220, 70, t0=1400)  # the signer goes on
        pad.widget.done()
        assert future.result(timeout=0).strokes and not host.isVisible()

        # A request made while locked waits hidden; nothing pending: nothing shown after.
        window.idle_lock()
        later = pad.capture_signature("王测", TEXT)
        assert pad.pending and not host.isVisible()
        log_in(qtbot, window, BUILTIN_QA_ID, SIMULATED_SECRETS[BUILTIN_QA_ID])
        assert host.isVisible() and pad.widget.signer == "王测"
        pad.widget.cancel()
        assert later.exception(timeout=0) is not None
        window.idle_lock()
        log_in(qtbot, window, BUILTIN_QA_ID, SIMULATED_SECRETS[BUILTIN_QA_ID])
        assert not host.isVisible()

        # Quitting from the lock does not show the pad again on the way out.
        pad.capture_signature("李测", TEXT)
        window.idle_lock()
        assert window.login_dialog is not None
        window.login_dialog.quit_button.click()
        assert not host.isVisible()
    finally:
        pad.close()


def _stylus() -> Any:
    from PySide6.QtGui import QInputDevice, QPointingDevice

    return QPointingDevice(
        "test stylus", 4712, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure
        | QInputDevice.Capability.XTilt | QInputDevice.Capability.YTilt,
        1, 2,
    )


def test_a_view_the_audit_trail_cannot_record_hides_the_case_until_retried(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader: Any = window.services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    case = window.case
    assert case is not None and window.stack.currentWidget() is window.pages[MarriageStep.IDENTIFY]

    guard = window.services.guard
    record = guard.record

    def disk_full(action: AuditAction, **kwargs: Any) -> None:
        if action is AuditAction.VIEW:
            raise AuditWriteError("No space left on device")
        record(action, **kwargs)

    monkeypatch.setattr(guard, "record", disk_full)
    window.idle_lock()  # another operator unlocks: their view of the open case is recorded first
    log_in(qtbot, window, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.view_refused, timeout=5_000)
    assert "AUD-001" in window.error_bar.text and window.case is not None  # hidden, not lost
    assert window.case.case_id == case.case_id

    monkeypatch.setattr(guard, "record", record)  # IT freed the disk
    window.error_bar.retry()
    qtbot.waitUntil(lambda: ("view", BUILTIN_SUPERVISOR_ID) in audited(window.services), timeout=5_000)
    assert window.stack.currentWidget() is window.pages[MarriageStep.IDENTIFY]
