"""Small shared widgets: images from PNG bytes, rule result lists, the error bar."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QWidget

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
    """Rule results, failures first, each with its rule id and explanation."""

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
            self.addItem(item)

    def rule_ids(self, *, failed_only: bool = False) -> list[str]:
        ids = []
        for row in range(self.count()):
            item = self.item(row)
            if not failed_only or item.text().startswith(self.tr("FAIL")):
                ids.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return ids


class ErrorBar(QWidget):
    """An inline, non-modal error message with its code (no modal dialogs at the counter:
    they steal the keyboard and block scripted runs)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton(self.tr("Dismiss (Esc)"))
        close.setShortcut("Esc")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setStyleSheet("background: #fde7e9; color: #8a0012; font-weight: bold;")
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
