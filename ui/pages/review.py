"""审查: everything on one page, with every rule result explained."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout

from app.domain.case import MarriageCase, MarriageStep, Role
from ui.pages.base import CasePage
from ui.print.forms import DOCUMENT_CLASS_ZH
from ui.rule_set_aside import SetAsideButton
from ui.widgets import ImageLabel, RuleList

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class ReviewPage(CasePage):
    step = MarriageStep.REVIEW

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("4. Review: check everything before registering"))
        top = QHBoxLayout()
        self.party_boxes: dict[Role, tuple[ImageLabel, QLabel, ImageLabel]] = {}
        for role, title in ((Role.A, self.tr("Party A")), (Role.B, self.tr("Party B"))):
            box = QGroupBox(title)
            grid = QGridLayout(box)
            photo, details, signature = ImageLabel(82, 101), QLabel(), ImageLabel(160, 80)
            details.setWordWrap(True)
            grid.addWidget(photo, 0, 0, 2, 1)
            grid.addWidget(details, 0, 1)
            grid.addWidget(signature, 1, 1)
            top.addWidget(box, 1)
            self.party_boxes[role] = (photo, details, signature)
        side = QVBoxLayout()
        self.joint_photo = ImageLabel(200, 132)
        self.materials = QLabel()
        self.materials.setWordWrap(True)
        side.addWidget(self.joint_photo)
        side.addWidget(self.materials)
        top.addLayout(side)
        self.layout_.addLayout(top)
        self.layout_.addWidget(QLabel(self.tr("Rule results (law in force on the day of the visit):")))
        self.law = QLabel()
        self.law.setWordWrap(True)
        self.law.setStyleSheet("color: #555;")
        self.layout_.addWidget(self.law)
        self.rules = RuleList()
        self.layout_.addWidget(self.rules, 1)
        self.set_aside = SetAsideButton(self.rules, main)
        self.layout_.addWidget(self.set_aside)

    def show_case(self, case: MarriageCase) -> None:
        for role, (photo, details, signature) in self.party_boxes.items():
            party = case.parties.get(role)
            if party is None:
                details.setText("—")
                continue
            doc = party.identity
            photo.set_png(party.photo_png)
            details.setText(
                f"{doc.name}　{doc.sex.label_zh}　{doc.ethnicity_zh}族\n{doc.birth_date:%Y-%m-%d}　{doc.number}\n"
                f"{doc.address}\n{party.declared_status.label_zh}"
            )
            sig = case.signatures.get(role)
            signature.set_png(sig.image_png if sig else None)
        joint = [d for d in case.documents if d.document_class == "joint_photo"]
        self.joint_photo.set_png(joint[-1].image_png if joint else None)
        labels = [DOCUMENT_CLASS_ZH.get(d.document_class, d.document_class) for d in case.documents]
        self.materials.setText(self.tr("Materials: {list}").format(list="、".join(labels) or "—"))
        self.law.setText(self.main.services.workflow.applicable_law())
        self.rules.show_results(self.main.services.workflow.evaluate(case))
        self.set_aside.show_case(case)
