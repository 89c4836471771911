"""初审: read both parties' ID cards; live checks against the rules and the central store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton

from app.domain.case import FaceCheck, MarriageCase, MarriageStep, Party, Role
from app.workflow.marriage import IDENTIFY_RULES
from ui.face_check import FaceCheckRow, connect_party_keys
from ui.pages.base import CasePage
from ui.rule_set_aside import SetAsideButton
from ui.widgets import ImageLabel, RuleList

if TYPE_CHECKING:
    from ui.main_window import MainWindow





class PartyPanel(QGroupBox):
    FIELDS = ("name", "sex", "ethnicity", "birth", "number", "address", "validity", "authority", "central")

    def __init__(self, title: str, shortcut: str, main: MainWindow, role: Role) -> None:
        super().__init__(title)
        layout = QHBoxLayout(self)
        self.photo = ImageLabel(102, 126)
        layout.addWidget(self.photo)
        form = QFormLayout()
        labels = {
            "name": self.tr("Name"), "sex": self.tr("Sex"), "ethnicity": self.tr("Ethnicity"),
            "birth": self.tr("Date of birth"), "number": self.tr("ID number"), "address": self.tr("Address"),
            "validity": self.tr("Valid"), "authority": self.tr("Issued by"), "central": self.tr("Central check"),
        }
        self.values: dict[str, QLabel] = {}
        for key in self.FIELDS:
            value = QLabel("—")
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(labels[key] + "：", value)
        layout.addLayout(form, 1)
        self.read_button = QPushButton(self.tr("Read ID card ({key})").format(key=shortcut))
        self.read_button.setShortcut(shortcut)
        self.face = FaceCheckRow(f"Shift+{shortcut}")
        form.addRow(self.face)
        form.addRow(self.read_button)
        connect_party_keys(self.read_button, self.face, main, role)

    def show_party(self, party: Party | None, face_check: FaceCheck | None = None) -> None:
        self.face.show_check(party, face_check)
        if party is None:
            self.photo.set_png(None)
            for value in self.values.values():
                value.setText("—")
            return
        doc = party.identity
        self.photo.set_png(party.photo_png)
        self.values["name"].setText(doc.name)
        self.values["sex"].setText(doc.sex.label_zh)
        self.values["ethnicity"].setText(doc.ethnicity_zh or "—")
        self.values["birth"].setText(f"{doc.birth_date:%Y-%m-%d}")
        self.values["number"].setText(doc.number)
        self.values["address"].setText(doc.address)
        self.values["validity"].setText(doc.validity_zh)
        self.values["authority"].setText(doc.issuing_authority)
        if party.central_active_marriage is None:
            central = self.tr("not checked yet (central registry unreachable)")
        elif party.central_active_marriage:
            central = self.tr("MARRIED ({certificate})").format(certificate=party.central_active_marriage)
        else:
            central = self.tr("no active marriage")
        self.values["central"].setText(central)


class IdentifyPage(CasePage):
    step = MarriageStep.IDENTIFY

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("1. Identify both parties: place each ID card on the reader"))
        grid = QGridLayout()
        self.panels = {
            Role.A: PartyPanel(self.tr("Party A"), "F2", main, Role.A),
            Role.B: PartyPanel(self.tr("Party B"), "F3", main, Role.B),
        }
        grid.addWidget(self.panels[Role.A], 0, 0)
        grid.addWidget(self.panels[Role.B], 0, 1)
        self.layout_.addLayout(grid)
        self.layout_.addWidget(QLabel(self.tr("Checks:")))
        self.rules = RuleList()
        self.layout_.addWidget(self.rules, 1)
        self.set_aside = SetAsideButton(self.rules, main)
        self.layout_.addWidget(self.set_aside)
        self.recheck_button = QPushButton(self.tr("Check central registry again (F4)"))
        self.recheck_button.setShortcut("F4")
        self.layout_.addWidget(self.recheck_button)
        self.recheck_button.clicked.connect(self.main.recheck_central)

    def show_case(self, case: MarriageCase) -> None:
        for role, panel in self.panels.items():
            panel.show_party(case.parties.get(role), case.current_face_check(role))
        # Only the rules this page decides; later steps' rules would be noise here.
        results = [r for r in self.main.services.workflow.evaluate(case) if r.rule_id in IDENTIFY_RULES]
        self.rules.show_results(results)
        self.set_aside.show_case(case)
        self.recheck_button.setVisible(any(p.central_active_marriage is None for p in case.parties.values()))
