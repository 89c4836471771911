"""The keyboard-wedge scanner filter: a scanner's key burst becomes one `scanned` signal,
a person's typing reaches the focused field unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.wedge_scanner import WedgeScannerFilter

RECEIPT_NO = "LH110101-2026-000123"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def form(qtbot: QtBot) -> tuple[QWidget, QLineEdit, QLineEdit]:
    window = QWidget()
    layout = QVBoxLayout(window)
    first, second = QLineEdit(), QLineEdit()
    layout.addWidget(first)
    layout.addWidget(second)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    first.setFocus()
    return window, first, second


@pytest.fixture
def scanner(qapp: QApplication, clock: FakeClock) -> Iterator[WedgeScannerFilter]:
    # flush_delay_ms is generous so that a slow CI machine never flushes a burst early:
    # the fake clock, not wall time, decides what is fast.
    wedge = WedgeScannerFilter(clock=clock, flush_delay_ms=100)
    qapp.installEventFilter(wedge)
    yield wedge
    qapp.removeEventFilter(wedge)
    wedge.deleteLater()


def type_text(widget: QWidget, text: str, clock: FakeClock, gap_ms: float, qtbot: QtBot | None = None) -> None:
    for char in text:
        QTest.keyClick(widget, char)
        clock.advance_ms(gap_ms)
        if qtbot is not None:
            qtbot.wait(int(gap_ms))


def press_enter(widget: QWidget) -> None:
    QTest.keyClick(widget, Qt.Key.Key_Return)


def test_a_fast_burst_ended_by_enter_is_one_scan(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    _, field, _ = form
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
        type_text(field, RECEIPT_NO, clock, gap_ms=4)
        press_enter(field)
    assert blocker.args == [RECEIPT_NO]
    qtbot.wait(150)  # past the flush delay: nothing held back comes out later
    assert field.text() == ""
    assert entered == []  # nor did the field see the scanner's Enter


def test_capitals_typed_with_shift_are_one_scan(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    _, field, _ = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    for char in "AB12cd":
        if char.isupper():
            QTest.keyPress(field, Qt.Key.Key_Shift)
        QTest.keyClick(field, char, Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier(0))
        if char.isupper():
            QTest.keyRelease(field, Qt.Key.Key_Shift)
        clock.advance_ms(5)
    press_enter(field)
    assert scans == ["AB12cd"]
    qtbot.wait(150)
    assert field.text() == ""


def test_slow_typing_passes_through(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    _, field, _ = form
    scans: list[str] = []
    entered: list[str] = []
    scanner.scanned.connect(scans.append)
    field.returnPressed.connect(lambda: entered.append(field.text()))
    type_text(field, "LH1101", clock, gap_ms=120)
    press_enter(field)
    assert field.text() == "LH1101"
    assert entered == ["LH1101"]  # Enter still reaches the field, after the text
    assert scans == []


def test_a_short_fast_burst_is_typing(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    # Fewer than min_length characters: two keys rolled over quickly by a person.
    _, field, _ = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_text(field, "ok", clock, gap_ms=3)
    press_enter(field)
    assert field.text() == "ok" and scans == []


def test_typing_without_enter_is_delivered_after_the_flush_delay(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    # Even a fast burst is typing when no Enter follows (a paste-like burst, a fast typist).
    _, field, _ = form
    type_text(field, "abcdefgh", clock, gap_ms=3)
    assert field.text() == ""  # still held
    qtbot.waitUntil(lambda: field.text() == "abcdefgh", timeout=1000)


def test_a_pause_in_the_middle_splits_typing_from_a_scan(
    qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit], scanner: WedgeScannerFilter, clock: FakeClock
) -> None:
    _, field, _ = form
    scans: list[str] = []
    scanner.scanned.connect(scans.append)
    type_text(field, "xy", clock, gap_ms=200)  # a person starts typing...
    type_text(field, RECEIPT_NO, clock, gap_ms=5)  # ...then scans into the same field
    press_enter(field)
    assert scans == [RECEIPT_NO]
    assert field.text() == "xy"


def test_real_time_typing_with_the_default_clock(qtbot: QtBot, form: tuple[QWidget, QLineEdit, QLineEdit]) -> None:
    # The default monotonic clock: keys 50 ms apart are typing, back-to-back keys a scan.
    _, field, second = form
    wedge = WedgeScannerFilter()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(wedge)
    try:
        scans: list[str] = []
        wedge.scanned.connect(scans.append)
        for char in "abc123":
            QTest.keyClick(field, char)
            qtbot.wait(50)
        qtbot.waitUntil(lambda: field.text() == "abc123", timeout=1000)
        second.setFocus()
        QTest.keyClicks(second, RECEIPT_NO)
        press_enter(second)
        assert scans == [RECEIPT_NO]
        assert second.text() == ""
    finally:
        app.removeEventFilter(wedge)
        wedge.deleteLater()
