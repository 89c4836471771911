"""补领婚姻登记证 (Reg. 2025 Art. 21; domain.md §4.6): the applicant's card, which
certificate (结婚证 / 离婚证) and why (遗失 / 损毁), the archive record the central store
holds, the photo (joint for a 结婚证, single for a 离婚证), the signed 声明书; F12 issues
the BJ… / BL… number. A changed status (divorced, remarried) is a refusal ground."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout

from app.domain.case import Business, MarriageCase, Role
from app.domain.declarations import REISSUE_DECLARATION_TITLE
from app.domain.divorce import CertificateKind, ReissueDetails, SignedForm
from app.rules.counter_divorce import JOINT_PHOTO, SINGLE_PHOTO
from app.rules.model import Verdict
from app.rules.results import RuleResult
from app.workflow.reissue import REISSUE_REASONS
from ui.pages.business import BusinessPage, PartyBox, RecordBox, SignatureTile, progress_index, set_button_text
from ui.print.layout import FormDocument
from ui.print.reissue_forms import reissue_declaration_form, reissue_review_form, reissued_certificate
from ui.widgets import ImageLabel

if TYPE_CHECKING:
    from ui.main_window import MainWindow

REISSUE_REFUSAL_TITLE = "不予补发婚姻登记证告知书"
STAGES = (("C-ID-1",), ("C-R-RECORD", "C-R-REISSUE", "C-M-REG"), ("C-R-PHOTO",), ("C-R-SIGN",))


def photo_class(kind: CertificateKind) -> str:
    """§4.6: a joint photo for a 结婚证, a single photo for a 离婚证."""
    return JOINT_PHOTO if kind is CertificateKind.MARRIAGE else SINGLE_PHOTO


class ReissuePage(BusinessPage):
    business = Business.REISSUE
    refusal_title = REISSUE_REFUSAL_TITLE

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("Reissue of a marriage or divorce certificate"))
        self.party = PartyBox(self.tr("Applicant"), "F2", main, Role.A)
        self.left.addWidget(self.party)

        choice = QGroupBox(self.tr("Certificate to reissue"))
        form = QFormLayout(choice)
        self.kind_box = QComboBox()
        for kind in CertificateKind:
            self.kind_box.addItem(kind.label_zh, kind.value)
        self.reason_box = QComboBox()
        for reason in REISSUE_REASONS:
            self.reason_box.addItem(reason, reason)
        form.addRow(self.tr("Certificate (Alt+K):"), self.kind_box)
        form.addRow(self.tr("Reason (Alt+E):"), self.reason_box)
        QShortcut(QKeySequence("Alt+K"), self, self.kind_box.setFocus)
        QShortcut(QKeySequence("Alt+E"), self, self.reason_box.setFocus)
        self.kind_box.activated.connect(self._choose)
        self.reason_box.activated.connect(self._choose)
        self.left.addWidget(choice)

        self.record = RecordBox(self.tr("Registration on record (archive check)"))
        self.left.addWidget(self.record)

        materials = QHBoxLayout()
        photo_box = QGroupBox(self.tr("Photo"))
        photo_column = QVBoxLayout(photo_box)
        self.photo = ImageLabel(200, 132)
        self.photo_button = QPushButton()
        set_button_text(self.photo_button, self.tr("Capture the joint photo (F5)"), "F5")
        self.photo_button.clicked.connect(self._capture_photo)
        photo_column.addWidget(self.photo)
        photo_column.addWidget(self.photo_button)
        materials.addWidget(photo_box)
        signature_box = QGroupBox(self.tr("Declaration"))
        signature_column = QVBoxLayout(signature_box)
        self.tile = SignatureTile(REISSUE_DECLARATION_TITLE)
        self.sign_button = QPushButton(self.tr("The applicant signs on the pad (F7)"))
        self.sign_button.setShortcut("F7")
        self.sign_button.clicked.connect(lambda: self.main.sign_form(SignedForm.REISSUE_DECLARATION, Role.A))
        signature_column.addWidget(self.tile)
        signature_column.addWidget(self.sign_button)
        materials.addWidget(signature_box)
        self.left.addLayout(materials)
        self.left.addStretch(1)
        self.right.addWidget(self.rules_box, 1)

    def selected_kind(self) -> CertificateKind:
        return CertificateKind(self.kind_box.currentData())

    def choose(self, kind: CertificateKind, reason: str) -> None:
        """As if chosen in the two boxes (the keyboard's arrows, or a test)."""
        self.kind_box.setCurrentIndex(self.kind_box.findData(kind.value))
        self.reason_box.setCurrentIndex(self.reason_box.findData(reason))
        self._choose()

    def _choose(self) -> None:
        self.main.choose_certificate(self.selected_kind(), str(self.reason_box.currentData()))

    def _capture_photo(self) -> None:
        kind = self.case.reissue.certificate_kind if self.case and self.case.reissue else self.selected_kind()
        self.main.capture_document(photo_class(kind))

    # BusinessPage -------------------------------------------------------------------------

    def commit_label(self) -> str:
        return self.tr("Issue the certificate (F12)")

    def print_label(self) -> str:
        return self.tr("Print the certificate, declaration and review form, finish (Ctrl+P)")

    def outcome_text(self, case: MarriageCase) -> str:
        assert case.registration is not None
        return self.tr("Certificate reissued. Number {number}").format(number=case.registration.certificate_no)

    def progress(self, case: MarriageCase, results: Sequence[RuleResult]) -> tuple[list[str], int]:
        names = [self.tr("Identify"), self.tr("Archive check"), self.tr("Photo"), self.tr("Declaration"),
                 self.tr("Issue"), self.tr("Certificate")]
        return names, progress_index(case, results, STAGES)

    def forms_for(self, case: MarriageCase) -> list[tuple[str, FormDocument]]:
        office = self.main.office()
        return [
            ("reissued-certificate.pdf", reissued_certificate(case, office)),
            ("reissue-declaration.pdf", reissue_declaration_form(case, office)),
            ("reissue-review-form.pdf", reissue_review_form(case, office)),
        ]

    def show_details(self, case: MarriageCase, verdict: Verdict | None, results: list[RuleResult]) -> None:
        details = case.reissue or ReissueDetails(CertificateKind.MARRIAGE)
        self.party.show_party(case.parties.get(Role.A), case.current_face_check(Role.A))
        self.kind_box.setCurrentIndex(self.kind_box.findData(details.certificate_kind.value))
        self.reason_box.setCurrentIndex(self.reason_box.findData(details.reason))
        empty = (
            self.tr("Read the applicant's card: the archive is checked at once.")
            if Role.A not in case.parties
            else self.tr("No registration of this person was found in the central registry.")
        )
        self.record.show_record(details.record, None, empty)
        wanted = photo_class(details.certificate_kind)
        photos = [d for d in case.documents if d.document_class == wanted]
        self.photo.set_png(photos[-1].image_png if photos else None)
        label = (
            self.tr("Capture the joint photo (F5)")
            if details.certificate_kind is CertificateKind.MARRIAGE
            else self.tr("Capture the single photo (F5)")
        )
        if self.photo_button.text() != label:
            set_button_text(self.photo_button, label, "F5")
        self.tile.show_signature(case, SignedForm.REISSUE_DECLARATION, Role.A)
