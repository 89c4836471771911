"""A counter with a PC/SC chip reader asks for the passport's MRZ: the field appears,
a bad MRZ is refused with its code at once, a good one arms the next read and leaves
the screen (it is personal data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.bootstrap import CounterServices, build_services
from devices.id_reader.pcsc.reader import PcscIdReader
from tests.counter_fixtures import simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow

SPECIMEN_MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14"


@pytest.fixture
def passport_counter(tmp_path: Path, qapp: object, qtbot: QtBot) -> Iterator[tuple[MainWindow, CounterServices]]:
    pytest.importorskip("smartcard", reason="pyscard is not installed (see docs/pcsc-reader.md)")
    ensure_application("zh_CN")
    config = simulated_config(tmp_path / "data").model_copy()
    config = config.model_copy(
        update={"devices": config.devices.model_copy(update={"id_reader": "pcsc:no such reader"})}
    )
    services = build_services(config)
    window = MainWindow(services)
    window.show()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    try:
        yield window, services
    finally:
        window.close()
        services.close()


def test_the_mrz_field_arms_the_next_passport_read(passport_counter: tuple[MainWindow, CounterServices],
                                                   qtbot: QtBot) -> None:
    window, services = passport_counter
    reader = services.devices["id_reader"]
    assert isinstance(reader, PcscIdReader) and window.mrz_edit.isVisible()

    window.mrz_edit.setText(SPECIMEN_MRZ.replace("L898902C<3", "L898902C<4"))  # a wrong check digit
    qtbot.keyClick(window.mrz_edit, Qt.Key.Key_Return)
    assert window.error_bar.text.startswith("[DEV-061]") and not reader.has_mrz

    window.mrz_edit.setText(SPECIMEN_MRZ)
    qtbot.keyClick(window.mrz_edit, Qt.Key.Key_Return)
    assert reader.has_mrz and window.error_bar.text == "" and window.mrz_edit.text() == ""


def test_no_mrz_field_without_a_chip_reader(tmp_path: Path, qapp: object, qtbot: QtBot) -> None:
    ensure_application("zh_CN")
    services = build_services(simulated_config(tmp_path / "data"))
    window = MainWindow(services)
    try:
        window.show()
        assert not window.mrz_edit.isVisible()
    finally:
        window.close()
        services.close()
