"""发证: certificates and forms rendered once, previewed and printed from the same renderer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QScrollArea

from app.domain.case import MarriageCase, MarriageStep
from ui.pages.base import CasePage
from ui.print.layout import FormDocument
from ui.print.renderer import render_page_image

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class IssuePage(CasePage):
    step = MarriageStep.ISSUE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("6. Issue: print the certificates and forms"))
        self.documents: list[tuple[str, FormDocument]] = []
        body = QHBoxLayout()
        self.form_list = QListWidget()
        self.form_list.setMaximumWidth(260)
        self.preview = QLabel()
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        body.addWidget(self.form_list)
        body.addWidget(scroll, 1)
        self.layout_.addLayout(body, 1)
        self.print_button = QPushButton(self.tr("Print all and finish (Ctrl+P)"))
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.setMinimumHeight(40)
        self.output = QLabel()
        self.output.setWordWrap(True)
        self.layout_.addWidget(self.print_button)
        self.layout_.addWidget(self.output)
        self.form_list.currentRowChanged.connect(self._show_preview)
        self.print_button.clicked.connect(self.main.issue_documents)

    def show_case(self, case: MarriageCase) -> None:
        self.documents = self.main.forms_for(case) if case.registration else []
        self.form_list.clear()
        for file_name, document in self.documents:
            self.form_list.addItem(f"{document.title}（{Path(file_name).stem}）")
        if self.documents:
            self.form_list.setCurrentRow(0)
        printed = ", ".join(case.printed_forms)
        self.output.setText(self.tr("Printed: {forms}").format(forms=printed) if printed else "")

    def _show_preview(self, row: int) -> None:
        if 0 <= row < len(self.documents):
            image = render_page_image(self.documents[row][1], 0, dpi=110)
            self.preview.setPixmap(QPixmap.fromImage(image))
