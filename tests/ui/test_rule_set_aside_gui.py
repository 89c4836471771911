"""Setting a rule result aside through the main window (#10) on a simulated counter whose
province requires the face check: "Set rule aside…" (Ctrl+Shift+O) under the rule
results is enabled only for a result the law leaves to the registry; the supervisor
authenticates in the dialog; the case records the approval and the rule passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.auth.service import BUILTIN_QA_ID, BUILTIN_SUPERVISOR_ID, SIMULATED_SECRETS
from app.bootstrap import CounterServices, build_services
from app.domain.case import MarriageStep, Role
from tests.counter_fixtures import simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow
from ui.rule_set_aside import RuleSetAsideDialog

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
REASON = "柜台摄像头故障，已核对证件芯片照片并完成联网核查"


@pytest.fixture
def services(tmp_path: Path, qapp: object) -> Iterator[CounterServices]:
    ensure_application("zh_CN")
    built = build_services(simulated_config(tmp_path / "data", RULES__FACE_CHECK_REQUIRED="true"))
    yield built
    built.close()


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
    qtbot.wait(150)  # a button's shortcut fires through animateClick(), 100 ms later
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)


def test_a_supervisor_sets_the_missing_face_check_aside(window: MainWindow, qtbot: QtBot) -> None:
    reader: Any = window.services.devices["id_reader"]
    identify: Any = window.pages[MarriageStep.IDENTIFY]
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not identify.set_aside.isEnabled()  # nothing read yet: nothing to set aside
    reader.present_card("groom1")
    press(qtbot, window, Qt.Key.Key_F2)
    assert window.case is not None and window.error_bar.text == ""
    assert "C-ID-FACE" in identify.rules.rule_ids(failed_only=True)
    assert identify.set_aside.isEnabled()
    press(qtbot, window, Qt.Key.Key_O, CTRL_SHIFT)
    dialog = identify.set_aside.dialog
    assert isinstance(dialog, RuleSetAsideDialog) and dialog.isVisible()
    assert dialog.windowModality() is Qt.WindowModality.WindowModal  # open(), never a nested exec()
    assert dialog.rule_result.rule_id == "C-ID-FACE" and dialog.rule_result.party is Role.A

    dialog.supervisor.setText(BUILTIN_SUPERVISOR_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    dialog.buttons.accepted.emit()  # no reason yet: refused here, the dialog stays
    assert dialog.isVisible() and dialog.hint.text()
    dialog.reason.setPlainText(REASON)
    dialog.supervisor.setText(BUILTIN_QA_ID)  # the registrar logged in: four eyes, refused in app/
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_QA_ID])
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not window.busy and "AUTH-004" in dialog.hint.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.secret.text() == ""
    assert window.case is not None and window.case.rule_set_asides == ()

    dialog.supervisor.setText(BUILTIN_SUPERVISOR_ID)
    dialog.secret.setText(SIMULATED_SECRETS[BUILTIN_SUPERVISOR_ID])
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not window.busy and window.case is not None and bool(window.case.rule_set_asides),
                    timeout=10_000)
    (aside,) = window.case.rule_set_asides
    assert (aside.rule_id, aside.role, aside.supervisor_id, aside.reason) == (
        "C-ID-FACE", Role.A, BUILTIN_SUPERVISOR_ID, REASON)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed once the approval was saved
    assert "C-ID-FACE" not in identify.rules.rule_ids(failed_only=True)
    assert not identify.set_aside.isEnabled()  # what still fails (the second card) is not the registry's to waive
