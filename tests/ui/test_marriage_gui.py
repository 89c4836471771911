"""A registrar completes a marriage through the real GUI, on simulated devices, using
only the keyboard."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.case import CaseStatus, MarriageStep, Voluntariness
from ui.main_window import MainWindow

NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    focus = QApplication.focusWidget() or window
    qtbot.keyClick(focus, key, modifier)
    qtbot.wait(150)  # a button's shortcut fires through animateClick(), 100 ms later
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert window.error_bar.text == "", window.error_bar.text


def test_complete_marriage_with_keyboard_only(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.case is not None and window.case.step is MarriageStep.IDENTIFY

    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    reader.present_card("bride1")
    press(qtbot, window, Qt.Key.Key_F3)
    identify: Any = window.pages[MarriageStep.IDENTIFY]
    assert identify.panels["A"].values["name"].text() != "—"
    assert "C-M-AGE" in identify.rules.rule_ids()
    assert identify.rules.rule_ids(failed_only=True) == []

    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F5)  # joint photo
    press(qtbot, window, Qt.Key.Key_F6)  # a document
    assert window.case.step is MarriageStep.DOCUMENTS and len(window.case.documents) == 2

    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F7)
    press(qtbot, window, Qt.Key.Key_F8)
    press(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    assert set(window.case.signatures) == {"A", "B"} and window.case.voluntariness is Voluntariness.VOLUNTARY

    press(qtbot, window, Qt.Key.Key_F10)
    review: Any = window.pages[MarriageStep.REVIEW]
    assert review.rules.rule_ids(failed_only=True) == []
    assert review.law.text().startswith("《婚姻登记条例》（国务院令第804号）")
    press(qtbot, window, Qt.Key.Key_F10)
    press(qtbot, window, Qt.Key.Key_F12)
    case = window.case
    assert case.status is CaseStatus.REGISTERED and case.step is MarriageStep.ISSUE
    assert case.registration is not None
    number = case.registration.certificate_no
    assert number == "J110101-" + f"{case.registration.registered_on.year}-000001"

    press(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert window.case.status is CaseStatus.ISSUED and window.case.step is MarriageStep.DONE
    pdf = window.case.form_file("certificate-A.pdf")
    assert pdf is not None  # kept with the case, not written to the data directory
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    names = [p.identity.name for p in window.case.parties.values()]
    assert number in text and all(name in text for name in names)
    # the stores agree: persisted locally, registered centrally
    assert window.services.store.load_case(case.case_id) == window.case
    assert window.services.central.active_marriage_of(case.parties["A"].identity.person_key) is not None


def test_bad_card_shows_coded_chinese_error_and_keeps_the_other_party(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    window.new_button.click()
    qtbot.waitUntil(lambda: not window.busy)
    reader.present_card("groom1")
    window.pages[MarriageStep.IDENTIFY].panels["A"].read_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not window.busy)
    for person, words in (("bad_checksum", "校验码"), ("expired_card", "过期")):
        reader.present_card(person)
        window.pages[MarriageStep.IDENTIFY].panels["B"].read_button.click()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: not window.busy)
        message = window.error_bar.text
        assert message.startswith("[ID-001]") and words in message and "Traceback" not in message
        assert window.case is not None and set(window.case.parties) == {"A"}
    saved = window.services.store.load_case(window.case.case_id)
    assert saved is not None and set(saved.parties) == {"A"}


def test_device_fault_is_reported_and_retry_works(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    window.new_button.click()
    qtbot.waitUntil(lambda: not window.busy)
    reader.inject_fault("read_card", "card_removed", times=1)
    reader.present_card("groom2")
    button = window.pages[MarriageStep.IDENTIFY].panels["A"].read_button  # type: ignore[attr-defined]
    button.click()
    qtbot.waitUntil(lambda: not window.busy)
    assert window.error_bar.text.startswith("[DEV-011]")
    assert "读取" in window.error_bar.text or "卡" in window.error_bar.text  # translated
    reader.present_card("groom2")
    button.click()
    qtbot.waitUntil(lambda: not window.busy)
    assert window.error_bar.text == "" and window.case is not None and "A" in window.case.parties


def test_simulated_banner_and_device_indicators(window: MainWindow) -> None:
    assert window.banner.isVisible() and "模拟" in window.banner.text()
    for label in window.device_labels.values():
        assert "模拟" in label.text()


def test_a_second_key_press_while_a_step_runs_is_ignored(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    window.new_button.click()
    qtbot.waitUntil(lambda: not window.busy)
    reader.present_card("groom1")
    identify: Any = window.pages[MarriageStep.IDENTIFY]
    identify.panels["A"].read_button.click()
    identify.panels["B"].read_button.click()  # pressed before the first read finished
    assert "上一步仍在处理中" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.busy)
    assert window.case is not None and set(window.case.parties) == {"A"}


def test_an_uncaught_bug_in_a_slot_reaches_the_error_bar_not_a_traceback(window: MainWindow) -> None:
    import sys

    from ui.app import install_exception_hook

    previous = sys.excepthook
    try:
        install_exception_hook(window)
        error = KeyError("unexpected")
        sys.excepthook(type(error), error, None)
    finally:
        sys.excepthook = previous
    assert window.error_bar.text.startswith("[APP-000]") and "KeyError" in window.error_bar.text

