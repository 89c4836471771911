"""An error that stops the GUI at start is shown in a message box, with its code."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.errors import ConfigError
from ui.app import has_screen, show_start_error


def test_a_start_error_is_shown_with_its_code(qtbot: QtBot) -> None:
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(20, read_and_close)
    show_start_error(ConfigError(source="/etc/marriage-counter/config.toml", key="ofice.code",
                                 reason="unknown key; did you mean office.code?"), interactive=True)
    assert seen and "[CFG-001]" in seen[0] and "ofice.code" in seen[0]


def test_no_message_box_without_a_screen(qtbot: QtBot) -> None:
    assert not has_screen()  # the tests run offscreen: nobody to click OK
    show_start_error(ConfigError(source="x", key="y", reason="z"))  # returns at once
