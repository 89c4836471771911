"""USB keyboard-wedge barcode scanners: a scanner that types.

A wedge scanner is a USB keyboard to the operating system: it "types" the code it read
and presses Enter, far faster than a person (a few ms per key). Left alone, a scan
lands as typing in whichever field has focus. `WedgeScannerFilter`, installed as an
event filter on the application, holds printable key presses back for a moment: a burst
of at least `min_length` characters, each less than `max_gap_ms` after the previous
one and ended by Enter, is emitted as `scanned(text)` and never reaches the focused
widget; anything else (a person typing, ~100+ ms a key) is delivered unchanged, in
order, at most `max_gap_ms` late.

    scanner = WedgeScannerFilter(parent=main_window)
    QApplication.instance().installEventFilter(scanner)
    scanner.scanned.connect(...)

Caveat: if the GUI thread stalls for longer than the flush delay in the middle of a
burst, the keys already held back are delivered as typing and the rest is too short
to count as a scan: the scanned text lands in the field, where the registrar sees it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent

# Keys that only modify others: a scanner presses Shift for capitals, between its
# characters, so they are held with the burst instead of ending it.
_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr})
_TERMINATORS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
# Modifiers that make a key a shortcut rather than a character.
_SHORTCUT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


@dataclass
class _HeldKey:
    target: QObject
    event: QKeyEvent  # a copy: Qt deletes the original once the filter returns


class WedgeScannerFilter(QObject):
    """Turns a keyboard-wedge scanner's key burst into one `scanned(str)` signal."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        min_length: int = 6,
        max_gap_ms: float = 30.0,
        flush_delay_ms: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self.max_gap_ms = max_gap_ms
        self._clock = clock  # seconds; tests pass a fake one
        self._held: list[_HeldKey] = []
        self._chars: list[str] = []
        self._last_char_at: float | None = None
        self._replaying = False
        self._swallow_release: set[int] = set()  # keys of a scan whose release is still to come
        # Held keys are delivered when no further key comes within this delay: a little
        # longer than the gap, so that keys queued behind a short stall still count.
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(flush_delay_ms if flush_delay_ms is not None else int(2 * max_gap_ms))
        self._flush_timer.timeout.connect(self.flush)

    # -- the filter --------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or not isinstance(event, QKeyEvent):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            # Qt offers a key to the shortcuts before it becomes a KeyPress: a shortcut on
            # Enter (a dialog's default button, the pen pad's Done) would take the Enter
            # ending a scan. Claiming it for the focus widget makes it a KeyPress, seen below.
            if event.key() in _TERMINATORS and self._is_scan(self._clock()):
                event.accept()
                return True
            return False
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if event.type() == QEvent.Type.KeyRelease:
            return self._on_release(watched, event)
        return self._on_press(watched, event)

    def _on_press(self, watched: QObject, event: QKeyEvent) -> bool:
        now = self._clock()
        key = event.key()
        if key in _TERMINATORS and not event.isAutoRepeat():
            if self._is_scan(now):
                text = "".join(self._chars)
                self._swallow_release.update(self._keys_still_down())
                self._swallow_release.add(key)
                self._reset()
                self.scanned.emit(text)
                return True
            self.flush()
            return False
        if key in _MODIFIER_KEYS:
            if self._held:
                self._hold(watched, event)
                return True
            return False
        if self._is_printable(event):
            if self._held and self._last_char_at is not None and self._gap_ms(now) >= self.max_gap_ms:
                self.flush()  # too slow for a scanner: what is held was typed
            self._hold(watched, event)
            self._chars.append(event.text())
            self._last_char_at = now
            self._flush_timer.start()
            return True
        # A shortcut, an arrow, Backspace, an autorepeat...: whatever is held was typing.
        self.flush()
        return False

    def _on_release(self, watched: QObject, event: QKeyEvent) -> bool:
        key = event.key()
        if key in self._swallow_release and not event.isAutoRepeat():
            self._swallow_release.discard(key)
            return True
        if self._held:
            self._hold(watched, event)  # keep presses and releases in order
            return True
        return False

    # -- helpers -----------------------------------------------------------------------
    def flush(self) -> None:
        """Delivers the held keys to the widgets they were meant for, in order."""
        self._flush_timer.stop()
        held, self._held = self._held, []
        self._chars = []
        self._last_char_at = None
        self._replaying = True
        try:
            for item in held:
                if shiboken6.isValid(item.target):
                    QCoreApplication.sendEvent(item.target, item.event)
        finally:
            self._replaying = False

    def _is_scan(self, now: float) -> bool:
        return len(self._chars) >= self.min_length and self._gap_ms(now) < self.max_gap_ms

    def _gap_ms(self, now: float) -> float:
        return float("inf") if self._last_char_at is None else (now - self._last_char_at) * 1000

    @staticmethod
    def _is_printable(event: QKeyEvent) -> bool:
        text = event.text()
        return (
            len(text) == 1
            and text.isprintable()
            and not event.isAutoRepeat()
            and not event.modifiers() & _SHORTCUT_MODIFIERS
        )

    def _hold(self, watched: QObject, event: QKeyEvent) -> None:
        copy = event.clone()
        assert isinstance(copy, QKeyEvent)
        self._held.append(_HeldKey(watched, copy))

    def _keys_still_down(self) -> set[int]:
        """Keys of the burst pressed and not yet released: only their releases are to come
        (swallowing a release that already passed would eat a person's later one)."""
        down: set[int] = set()
        for held in self._held:
            if held.event.type() == QEvent.Type.KeyPress:
                down.add(held.event.key())
            else:
                down.discard(held.event.key())
        return down

    def _reset(self) -> None:
        self._flush_timer.stop()
        self._held = []
        self._chars = []
        self._last_char_at = None
