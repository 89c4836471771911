"""受理: each party signs the 申请结婚登记声明书 on the pad; the registrar attests intent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.domain.case import MarriageCase, MarriageStep, Role, Voluntariness
from app.domain.declarations import MARRIAGE_DECLARATION_TITLE
from ui.pages.base import CasePage
from ui.widgets import ImageLabel

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class DeclarationPanel(QGroupBox):
    def __init__(self, title: str, shortcut: str) -> None:
        super().__init__(title)
        layout = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setStyleSheet("font-size: 14px; padding: 6px; background: #fffdf3;")
        self.signature = ImageLabel(300, 150)
        self.sign_button = QPushButton(self.tr("Sign on the pad ({key})").format(key=shortcut))
        self.sign_button.setShortcut(shortcut)
        layout.addWidget(self.text)
        layout.addWidget(self.signature)
        layout.addWidget(self.sign_button)


class DeclarationsPage(CasePage):
    step = MarriageStep.DECLARATIONS

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("3. Declarations: each party reads and signs in front of the registrar"))
        grid = QGridLayout()
        self.panels = {
            Role.A: DeclarationPanel(self.tr("Party A"), "F7"),
            Role.B: DeclarationPanel(self.tr("Party B"), "F8"),
        }
        grid.addWidget(self.panels[Role.A], 0, 0)
        grid.addWidget(self.panels[Role.B], 0, 1)
        self.layout_.addLayout(grid, 1)
        self.voluntary = QCheckBox(
            self.tr("I asked each party separately: both wish to marry of their own free will (Alt+V)")
        )
        self.voluntary.setShortcut("Alt+V")
        self.not_voluntary = QPushButton(self.tr("A party does not wish to marry freely (Alt+U)"))
        self.not_voluntary.setShortcut("Alt+U")
        row = QHBoxLayout()
        row.addWidget(self.voluntary, 1)
        row.addWidget(self.not_voluntary)
        self.layout_.addLayout(row)
        for role, panel in self.panels.items():
            panel.sign_button.clicked.connect(lambda _=False, r=role: self.main.sign_declaration(r))
        self.voluntary.clicked.connect(
            lambda checked: self.main.attest_voluntariness(
                Voluntariness.VOLUNTARY if checked else Voluntariness.NOT_ASKED
            )
        )
        self.not_voluntary.clicked.connect(lambda: self.main.attest_voluntariness(Voluntariness.NOT_VOLUNTARY))

    def show_case(self, case: MarriageCase) -> None:
        workflow = self.main.services.workflow
        for role, panel in self.panels.items():
            party = case.parties.get(role)
            name = party.identity.name if party else "—"
            panel.setTitle(f"{MARRIAGE_DECLARATION_TITLE}（{name}）")
            panel.text.setText(workflow.declaration_text(case, role) if len(case.parties) == 2 else "")
            signature = case.signatures.get(role)
            panel.signature.set_png(signature.image_png if signature else None)
        self.voluntary.setChecked(case.voluntariness is Voluntariness.VOLUNTARY)
