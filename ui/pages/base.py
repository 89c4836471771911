from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.domain.case import MarriageCase, MarriageStep

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class CasePage(QWidget):
    step: MarriageStep

    def __init__(self, main: MainWindow) -> None:
        super().__init__()
        self.main = main
        self.layout_ = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 18px; font-weight: bold; margin-bottom: 6px;")
        self.layout_.addWidget(self.heading)

    def show_case(self, case: MarriageCase) -> None:
        """Refreshes the page from the case (called on the GUI thread after every change)."""
        raise NotImplementedError
