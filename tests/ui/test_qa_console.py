"""The QA console: its dock (simulated counters only) and its script API, each action
seen through the real GUI."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.bootstrap import CentralConnection, FaultInjectionNotAllowedError, build_services
from app.domain.case import CaseStatus, MarriageCase, MarriageStep, Role, Voluntariness
from app.errors import CentralUnavailableError
from app.workflow.clock import OffsetClock, SystemClock
from tests.counter_fixtures import simulated_config
from tests.ui.conftest import Counter
from ui.app import ensure_application
from ui.diagnostics import DiagnosticsPanel
from ui.main_window import MainWindow
from ui.qa_console import QaError, QaScript

NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
    qtbot.wait(120)  # a button's shortcut fires through animateClick(), 100 ms later
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)


def script(window: MainWindow) -> QaScript:
    assert window.qa is not None
    return window.qa


def new_marriage(qtbot: QtBot, window: MainWindow) -> MarriageCase:
    window.new_button.click()
    qtbot.waitUntil(lambda: not window.busy and window.case is not None)
    assert window.case is not None
    return window.case


# --- The dock ----------------------------------------------------------------------------


def test_the_dock_exists_on_a_simulated_counter_and_toggles_with_ctrl_shift_q(
    window: MainWindow, qtbot: QtBot
) -> None:
    dock = window.qa_dock
    assert dock is not None and not dock.isVisible()
    press(qtbot, window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dock.isVisible()
    assert set(dock.fault_pickers) >= {"id_reader", "camera", "signature_pad"}
    picker = dock.fault_pickers["id_reader"]
    assert [picker.itemData(i) for i in range(picker.count())] == script(window).faults_for("id_reader")
    assert "card_removed" in script(window).faults_for("id_reader")
    press(qtbot, window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not dock.isVisible()


def test_a_real_counter_has_no_qa_console_and_no_fake_outages(tmp_path: Path, qtbot: QtBot, qapp: object) -> None:
    ensure_application("zh_CN")
    config = simulated_config(tmp_path / "data")
    config = config.model_copy(update={"devices": config.devices.model_copy(update={
        "id_reader": "pcsc:ACS ACR39U", "camera": "opencv:0", "signature_pad": "none:", "face_matcher": "",
    })})
    services = build_services(config)
    window = MainWindow(services)
    try:
        window.show()
        qtbot.waitUntil(lambda: not window.busy)
        assert window.qa_dock is None and window.qa is None
        assert not window.banner.isVisible()
        assert isinstance(services.workflow.clock, SystemClock)
        with pytest.raises(FaultInjectionNotAllowedError):
            services.central.inject_fault(times=1)
        with pytest.raises(QaError):
            QaScript(services).central_unreachable()
    finally:
        window.close()
        services.close()


# --- Cards, documents, signatures -------------------------------------------------------------


def test_present_card_then_f2_reads_that_person(window: MainWindow, qtbot: QtBot) -> None:
    qa = script(window)
    people = {person.id: person.name for person in qa.people()}
    assert {"groom1", "bride1", "groom2"} <= set(people)
    new_marriage(qtbot, window)
    qa.present_card("groom2")
    assert qa.card_on_reader == "groom2"
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.error_bar.text == "", window.error_bar.text
    assert window.case is not None and window.case.parties[Role.A].identity.name == people["groom2"]
    qa.remove_card()
    assert qa.card_on_reader is None


def test_the_dock_presents_the_chosen_card(window: MainWindow, qtbot: QtBot) -> None:
    dock = window.qa_dock
    assert dock is not None
    dock.show()
    rows = [dock.people.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dock.people.count())]
    dock.people.setCurrentRow(rows.index("bride2"))
    dock.present_button.click()
    assert script(window).card_on_reader == "bride2" and "bride2" in dock.card_label.text()
    dock.remove_card_button.click()
    assert script(window).card_on_reader is None


def test_trigger_fault_makes_the_next_read_fail_then_reads_work(window: MainWindow, qtbot: QtBot) -> None:
    qa = script(window)
    new_marriage(qtbot, window)
    qa.present_card("groom1")
    qa.trigger_fault("id_reader", "no_card")
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.error_bar.text.startswith("[DEV-010]") and window.can_retry
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.error_bar.text == "" and window.case is not None and Role.A in window.case.parties
    with pytest.raises(ValueError, match="cannot happen"):
        qa.trigger_fault("id_reader", "low_quality")
    assert qa.history("id_reader")[-2:] == [("read_card", "DEV-010"), ("read_card", "groom1")]


def test_the_dock_triggers_the_chosen_fault_and_says_why_not(window: MainWindow, qtbot: QtBot) -> None:
    dock = window.qa_dock
    assert dock is not None
    new_marriage(qtbot, window)
    picker = dock.fault_pickers["id_reader"]
    picker.setCurrentIndex(picker.findData("garbage"))
    dock.trigger_buttons["id_reader"].click()
    script(window).present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.error_bar.text.startswith("[DEV-012]")
    script(window).clear_faults("id_reader")
    dock._do(lambda: script(window).present_card("nobody"))
    assert "nobody" in dock.message.text()


def test_show_document_is_what_f6_captures(counter: Counter) -> None:
    window, qtbot, qa = counter.window, counter.qtbot, script(counter.window)
    flow = counter.services.workflow
    case = flow.start_case()
    case = flow.record_party(case, Role.A, counter.identity("groom1"))
    case = flow.record_party(case, Role.B, counter.identity("bride1"))
    window._show_case(flow.go_to(case, MarriageStep.DOCUMENTS))
    document = next(d for d in qa.documents() if d.document_class != "joint_photo")
    qa.show_document(document.id)
    assert qa.document_under_camera == document.id
    press(qtbot, window, Qt.Key.Key_F6)
    assert window.error_bar.text == "", window.error_bar.text
    scenario = qa.scenario
    assert scenario is not None
    expected = hashlib.sha256(scenario.resolve(scenario.document(document.id).image).read_bytes()).hexdigest()
    assert window.case is not None and [d.sha256 for d in window.case.documents] == [expected]
    qa.remove_document()
    assert qa.document_under_camera is None


def test_a_party_signs_from_the_console(counter: Counter) -> None:
    window, qtbot, qa = counter.window, counter.qtbot, script(counter.window)
    flow = counter.services.workflow
    case = flow.start_case()
    case = flow.record_party(case, Role.A, counter.identity("groom1"))
    case = flow.record_party(case, Role.B, counter.identity("bride1"))
    case = flow.add_document(flow.go_to(case, MarriageStep.DOCUMENTS), counter.image(), "joint_photo")
    window._show_case(flow.go_to(case, MarriageStep.DECLARATIONS))
    dock = window.qa_dock
    assert dock is not None
    qa.sign("A")
    qtbot.waitUntil(lambda: not window.busy and window.case is not None and Role.A in window.case.signatures)
    dock.sign_buttons[Role.B].click()
    qtbot.waitUntil(lambda: not window.busy and window.case is not None and Role.B in window.case.signatures)
    assert window.error_bar.text == ""


# --- Hot-plug and the status bar ---------------------------------------------------------------


def test_unplug_and_replug_update_the_indicator_live(window: MainWindow, qtbot: QtBot) -> None:
    qa = script(window)
    dock = window.qa_dock
    assert dock is not None
    label = window.device_labels["camera"]
    dock.plug_buttons["camera"].click()  # the dock's toggle: unplug
    qtbot.waitUntil(lambda: "不可用" in label.text())
    assert "unplugged" in label.toolTip() and not qa.is_connected("camera")
    qtbot.waitUntil(lambda: dock.plug_buttons["camera"].isChecked())
    qa.replug("camera").result(timeout=5)
    qtbot.waitUntil(lambda: "就绪" in label.text())
    assert not dock.plug_buttons["camera"].isChecked()


def test_clicking_an_indicator_opens_the_diagnostics_on_that_device(window: MainWindow, qtbot: QtBot) -> None:
    label = window.device_labels["signature_pad"]
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    dock = window.diagnostics_dock
    assert dock is not None
    qtbot.waitUntil(dock.isVisible)
    panel = dock.widget()
    assert isinstance(panel, DiagnosticsPanel)
    qtbot.waitUntil(lambda: panel.current_kind() == "signature_pad", timeout=10_000)  # once the report is in
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


# --- Central store and clock --------------------------------------------------------------------


def test_central_unreachable_makes_f12_wait_with_cen_001_then_it_registers(counter: Counter) -> None:
    window, qtbot, qa = counter.window, counter.qtbot, script(counter.window)
    flow = counter.services.workflow
    case = flow.start_case()
    case = flow.record_party(case, Role.A, counter.identity("groom1"))
    case = flow.record_party(case, Role.B, counter.identity("bride1"))
    case = flow.add_document(flow.go_to(case, MarriageStep.DOCUMENTS), counter.image(), "joint_photo")
    case = flow.go_to(case, MarriageStep.DECLARATIONS)
    for role in (Role.A, Role.B):
        name = case.parties[role].identity.name
        case = flow.add_signature(case, role, counter.signature(name, flow.declaration_text(case, role)))
    case = flow.attest_voluntariness(case, Voluntariness.VOLUNTARY)
    window._show_case(flow.go_to(flow.go_to(case, MarriageStep.REVIEW), MarriageStep.REGISTER))

    qa.central_unreachable(1, operation="register")
    press(qtbot, window, Qt.Key.Key_F12)
    assert window.error_bar.text.startswith("[CEN-001]") and "simulated" in window.error_bar.text
    assert window.case is not None and window.case.status is CaseStatus.WAITING_CENTRAL
    assert "无法连接" in window.central_label.text()
    if window.case.status is CaseStatus.WAITING_CENTRAL:  # unless the sync worker resent it already
        press(qtbot, window, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: window.case is not None and window.case.status is CaseStatus.REGISTERED, timeout=10_000)
    assert window.case.registration is not None and qa.central_faults_pending == 0


def test_central_faults_count_calls_by_operation_and_come_from_the_scenario(tmp_path: Path) -> None:
    central = CentralConnection(f"sqlite:///{tmp_path}/central.sqlite3", fault_injection=True)
    try:
        scenario = SimpleNamespace(central=SimpleNamespace(faults=[
            SimpleNamespace(operation="lookup", error="unreachable", times=2, probability=None, delay_s=0.0),
        ]))
        assert central.load_scenario_faults(scenario) == 1
        assert central.load_scenario_faults(SimpleNamespace()) == 0  # a scenario without `central:`
        with pytest.raises(CentralUnavailableError):
            central.active_marriage_of("RID:110101199503120310")
        assert central.ping()  # a lookup fault is not "the network is down"
        with pytest.raises(CentralUnavailableError):
            central.marriage_records_of("RID:110101199503120310")
        assert central.active_marriage_of("RID:110101199503120310") is None and central.last_error == ""
        central.inject_fault(times=3, error="timeout", delay_s=0.01)
        assert not central.ping() and central.pending_faults == 1
        with pytest.raises(CentralUnavailableError, match="timed out"):
            central.active_marriage_of("RID:110101199503120310")
        central.clear_faults()
        assert central.ping()
    finally:
        central.close()


def test_advance_clock_moves_the_one_clock_of_every_business(window: MainWindow, qtbot: QtBot) -> None:
    services = window.services
    clock = services.workflow.clock
    assert isinstance(clock, OffsetClock)  # a simulated counter's default clock
    assert services.divorce.clock is clock and services.reissue.clock is clock and services.sync.clock is clock
    qa = script(window)
    before = clock.now()
    qa.advance_clock(days=31)
    assert timedelta(days=31) <= clock.now() - before < timedelta(days=31, minutes=1)
    dock = window.qa_dock
    assert dock is not None
    dock.clock_buttons[10].click()
    assert timedelta(days=41) <= services.divorce.clock.now() - before < timedelta(days=41, minutes=1)
    assert f"{clock.now():%Y-%m-%d}" in dock.clock_label.text()
    qa.set_day(before.date() + timedelta(days=2))
    assert services.workflow.clock.now().date() == before.date() + timedelta(days=2)
    dock.clock_reset_button.click()
    assert clock.now() - before < timedelta(minutes=1)


def test_a_fixed_clock_given_by_a_test_moves_too(counter: Counter) -> None:
    qa = script(counter.window)
    start = counter.clock.now()
    assert qa.advance_clock(days=1, hours=2) == start + timedelta(days=1, hours=2)
    assert counter.services.divorce.today() == (start + timedelta(days=1)).date()



# --- Simulated USB keys (second factor) ----------------------------------------------------


@pytest.fixture
def two_factor_window(tmp_path: Path, qapp: object, qtbot: QtBot) -> Iterator[MainWindow]:
    """A simulated counter with [auth] second_factor = "sim:": the default scenario's keys."""
    ensure_application("zh_CN")
    services = build_services(simulated_config(tmp_path / "data", AUTH__SECOND_FACTOR="sim:"))
    window = MainWindow(services)
    window.show()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    yield window
    window.close()
    services.close()


def test_qa_plugs_the_simulated_usb_key_for_two_factor_login(two_factor_window: MainWindow, qtbot: QtBot) -> None:
    from app.auth.errors import SecondFactorError
    from app.auth.service import BUILTIN_QA_ID, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS

    window = two_factor_window
    qa = script(window)
    assert qa.has_usb_keys
    assert [(k.serial, k.operator_id) for k in qa.usb_keys()] == [
        ("SIM-KEY-QA-0001", BUILTIN_QA_ID), ("SIM-KEY-SUP-0001", BUILTIN_SUPERVISOR_ID)]
    assert qa.usb_key_inserted == "SIM-KEY-QA-0001"  # as the scenario starts

    # In the dock
    dock = window.qa_dock
    assert dock is not None and dock.usb_keys is not None
    dock.usb_keys.remove_button.click()
    assert qa.usb_key_inserted is None and "SIM-KEY" not in dock.usb_keys.state_label.text()
    dock.usb_keys.keys.setCurrentIndex(dock.usb_keys.keys.findData("SIM-KEY-SUP-0001"))
    dock.usb_keys.insert_button.click()
    assert qa.usb_key_inserted == "SIM-KEY-SUP-0001" and "SIM-KEY-SUP-0001" in dock.usb_keys.state_label.text()
    with pytest.raises(ValueError):
        qa.insert_usb_key("SIM-KEY-NONE")

    # An approval needs the supervisor's own key in the port.
    auth = window.services.auth
    secret = SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID]
    supervisor, serial = auth.authenticate(BUILTIN_SUPERVISOR_ID, secret, "654321", purpose="approval")
    assert serial == "SIM-KEY-SUP-0001" and supervisor.operator_id == BUILTIN_SUPERVISOR_ID
    qa.remove_usb_key()
    with pytest.raises(SecondFactorError, match="no USB key"):
        auth.authenticate(BUILTIN_SUPERVISOR_ID, secret, "654321", purpose="approval")

    # At the lock, the dock is out of reach: the login dialog has the same control.
    window.idle_lock()
    dialog = window.login_dialog
    assert dialog is not None and dialog.isVisible() and dialog.pin.isVisible()
    control = dialog.usb_key_control
    assert control is not None and control.isVisible() and "SIM-KEY" not in control.state_label.text()
    dialog.operator_id.setText(BUILTIN_QA_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_QA_ID])
    dialog.pin.setText("123456")
    dialog.submit()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert window.locked and "AUTH-005" in dialog.hint.text()  # no key in the port
    control.keys.setCurrentIndex(control.keys.findData("SIM-KEY-QA-0001"))
    control.insert_button.click()
    assert qa.usb_key_inserted == "SIM-KEY-QA-0001"
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_QA_ID])
    dialog.pin.setText("123456")
    dialog.submit()
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    assert window.services.sessions.current is not None
    assert window.services.sessions.current.second_factor == "SIM-KEY-QA-0001"


def test_usb_key_actions_need_a_simulated_second_factor(window: MainWindow) -> None:
    qa = script(window)
    assert not qa.has_usb_keys and qa.usb_keys() == [] and qa.usb_key_inserted is None
    with pytest.raises(QaError, match="second_factor"):
        qa.insert_usb_key("SIM-KEY-QA-0001")
    assert window.qa_dock is not None and window.qa_dock.usb_keys is None
