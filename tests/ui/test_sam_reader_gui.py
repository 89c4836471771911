"""The counter's identify step on a real SamSerialIdReader (spec "sam:socket://…"),
talking GA/T 467 frames to the simulated SAM over TCP: F2 and F3 read both parties'
cards into the case; a card left on the reader is refused with its code, and the read
works once it is replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from app.bootstrap import build_services
from app.domain.case import Role
from devices.id_reader.sam.reader import SamSerialIdReader
from devices.id_reader.sam.simulator import SamSocketServer, SimulatedSam
from devices.sim.scenario import load_scenario
from tests.counter_fixtures import REPO_ROOT, simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow


@pytest.fixture
def sam_window(tmp_path: Path, qapp: object, qtbot: QtBot) -> Iterator[tuple[MainWindow, SimulatedSam]]:
    ensure_application("zh_CN")
    sam = SimulatedSam(load_scenario(REPO_ROOT / "resources" / "sim" / "default.yaml"))
    with SamSocketServer(sam) as server:
        config = simulated_config(tmp_path / "data")
        config = config.model_copy(
            update={"devices": config.devices.model_copy(update={"id_reader": f"sam:{server.url}"})}
        )
        services = build_services(config)
        window = MainWindow(services)
        window.show()
        qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
        try:
            yield window, sam
        finally:
            window.close()
            services.close()


def press(window: MainWindow, qtbot: QtBot, key: Qt.Key) -> None:
    window.activateWindow()
    qtbot.keyClick(window, key)
    qtbot.wait(150)  # a button's shortcut fires through animateClick()
    qtbot.waitUntil(lambda: not window.busy, timeout=15_000)


def test_both_parties_are_read_from_the_serial_reader(
    sam_window: tuple[MainWindow, SimulatedSam], qtbot: QtBot
) -> None:
    window, sam = sam_window
    assert isinstance(window.services.devices["id_reader"], SamSerialIdReader)
    window.new_case()
    qtbot.waitUntil(lambda: window.case is not None and not window.busy, timeout=10_000)

    sam.present_card("groom1")
    press(window, qtbot, Qt.Key.Key_F2)
    assert window.error_bar.text == ""
    # The same card still lies on the reader: the card-removal rule refuses a second read.
    press(window, qtbot, Qt.Key.Key_F3)
    assert window.error_bar.text.startswith("[DEV-053]"), window.error_bar.text
    # Taken off; the next card is laid down while the reader polls (as at the counter).
    sam.remove_card()
    QTimer.singleShot(400, lambda: sam.present_card("bride1"))
    press(window, qtbot, Qt.Key.Key_F3)
    assert window.error_bar.text == ""

    case = window.case
    assert case is not None
    assert case.parties[Role.A].identity.name == "李明轩" and case.parties[Role.B].identity.name == "王雨桐"
    assert case.parties[Role.A].reader_name.startswith("身份证阅读器 socket://")
