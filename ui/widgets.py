"""Small shared widgets: images from PNG bytes, rule result lists, the error bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QMouseEvent, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.domain.case import RuleOutcome
from app.rules.results import RuleResult


def pixmap_from_png(png: bytes | None, width: int, height: int) -> QPixmap:
    image = QImage.fromData(png) if png else QImage()
    if image.isNull():
        blank = QPixmap(width, height)
        blank.fill(QColor("#eeeeee"))
        return blank
    return QPixmap.fromImage(image).scaled(
        width, height, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class ImageLabel(QLabel):
    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = (width, height)
        self.setFixedSize(width, height)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("border: 1px solid #bbb; background: #f7f7f7;")
        self.set_png(None)

    def set_png(self, png: bytes | None) -> None:
        self.setPixmap(pixmap_from_png(png, *self._size))


class RuleList(QListWidget):
    """Rule results, failures first, each with its rule id and explanation (the result
    itself under RESULT_ROLE)."""

    RESULT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def show_results(self, results: Sequence[RuleResult | RuleOutcome]) -> None:
        self.clear()
        ordered = sorted(results, key=lambda r: r.passed)
        for result in ordered:
            verdict = self.tr("PASS") if result.passed else self.tr("FAIL")
            item = QListWidgetItem(f"{verdict}  {result.rule_id}  {result.message}")
            item.setForeground(QColor("#1b7a1b") if result.passed else QColor("#b00020"))
            item.setData(Qt.ItemDataRole.UserRole, result.rule_id)
            item.setData(self.RESULT_ROLE, result)
            self.addItem(item)

    def rule_ids(self, *, failed_only: bool = False) -> list[str]:
        ids = []
        for row in range(self.count()):
            item = self.item(row)
            if not failed_only or item.text().startswith(self.tr("FAIL")):
                ids.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return ids


# Retry of a failed device step. Not an F key: F2-F8 and F12 are the pages' device and
# commit keys, F9/F10 the navigation; Ctrl+Enter is free on every page.
RETRY_KEY = "Ctrl+Return"
RETRY_KEYPAD_KEY = "Ctrl+Enter"


class ErrorBar(QWidget):
    """An inline, non-modal error message with its code (no modal dialogs at the counter:
    they steal the keyboard and block scripted runs). A failed device step also offers
    Retry (Ctrl+Enter), which runs the same device action again."""

    retried = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton(self.tr("Retry (Ctrl+Enter)"))
        self.retry_button.setShortcut(RETRY_KEY)
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        # The keypad's Enter is another key; a shortcut of a hidden bar never fires.
        keypad = QShortcut(QKeySequence(RETRY_KEYPAD_KEY), self, self._retry_from_keypad)
        keypad.setContext(Qt.ShortcutContext.WindowShortcut)
        close = QPushButton(self.tr("Dismiss (Esc)"))
        close.setShortcut("Esc")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(close)
        self.setStyleSheet("background: #fde7e9; color: #8a0012; font-weight: bold;")
        self._retry: Callable[[], None] | None = None
        self.hide()

    def show_message(self, text: str, retry: Callable[[], None] | None = None) -> None:
        """Shows `text`; with `retry`, also the Retry button that calls it (once)."""
        self.label.setText(text)
        self._retry = retry
        self.retry_button.setVisible(retry is not None)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    @property
    def can_retry(self) -> bool:
        return self.isVisible() and self._retry is not None

    def retry(self) -> None:
        """Hides the bar and runs the failed action again (it shows a new message if it
        fails again)."""
        action, self._retry = self._retry, None
        if action is None or not self.isVisible():
            return
        self.hide()
        self.retried.emit()
        action()

    def _retry_from_keypad(self) -> None:
        if self.can_retry:
            self.retry()


class DeviceIndicator(QLabel):
    """A device's status in the status bar; a click opens its diagnostics."""

    clicked = Signal(str)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.kind)
            event.accept()
            return
        super().mouseReleaseEvent(event)
