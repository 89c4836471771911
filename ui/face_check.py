"""人证合一 at the counter: the face check's result under each party, and the
supervisor's override.

`FaceCheckRow` sits in a party's box: the result in words (distance against the
threshold, coloured), "Face check" (Shift+F2 / Shift+F3, the party's read key with
Shift) and "Supervisor approval…". `FaceOverrideDialog` shows the card photo beside
the live image so the supervisor compares by eye, authenticates and gives the reason;
it is window-modal through open() (no nested event loop), then `approved`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import FaceCheck, Party, Role
from ui.supervisor_approval import SupervisorApprovalDialog
from ui.widgets import ImageLabel

if TYPE_CHECKING:
    from ui.main_window import MainWindow

PASSED_COLOR, FAILED_COLOR, NEUTRAL_COLOR = "#1b7a1b", "#b00020", "#555555"


class FaceCheckRow(QWidget):
    check_requested = Signal()
    override_requested = Signal()

    def __init__(self, shortcut: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.result = QLabel("—")
        self.result.setWordWrap(True)
        self.check_button = QPushButton(self.tr("Face check ({key})").format(key=shortcut))
        self.check_button.setShortcut(shortcut)
        self.override_button = QPushButton(self.tr("Supervisor approval…"))
        layout.addWidget(self.result, 1)
        layout.addWidget(self.check_button)
        layout.addWidget(self.override_button)
        self.check_button.clicked.connect(self.check_requested)
        self.override_button.clicked.connect(self.override_requested)

    def show_check(self, party: Party | None, check: FaceCheck | None) -> None:
        """`check`: the party's current one (MarriageCase.current_face_check)."""
        self.check_button.setEnabled(party is not None)
        self.override_button.setEnabled(party is not None)
        if party is None or check is None:
            self._show(self.tr("Face check: not done"), NEUTRAL_COLOR)
            return
        text, color = face_check_text(check)
        self._show(text, color)

    def _show(self, text: str, color: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {color};")

    @property
    def text(self) -> str:
        return self.result.text()


def connect_party_keys(read: QAbstractButton, face: FaceCheckRow, main: MainWindow, role: Role) -> None:
    """A party box's buttons: read the card, check the face, the supervisor's approval."""
    read.clicked.connect(lambda: main.read_card(role))
    face.check_requested.connect(lambda: main.check_face(role))
    face.override_requested.connect(lambda: main.approve_face(role))


def face_check_text(check: FaceCheck) -> tuple[str, str]:
    """The result in words and its colour."""
    if check.distance is not None and check.threshold is not None:
        measured = QCoreApplication.translate("FaceCheck", "distance {distance:.2f}, threshold {threshold:.2f}").format(
            distance=check.distance, threshold=check.threshold)
    else:
        measured = QCoreApplication.translate("FaceCheck", "no comparison")
    if check.overridden:
        return QCoreApplication.translate("FaceCheck", "Face check: approved by {supervisor} ({measured})").format(
            supervisor=check.override_by, measured=measured), PASSED_COLOR
    if check.matched:
        same = QCoreApplication.translate("FaceCheck", "Face check: same person ({measured})")
        return same.format(measured=measured), PASSED_COLOR
    different = QCoreApplication.translate("FaceCheck", "Face check: NOT the same person ({measured})")
    return different.format(measured=measured), FAILED_COLOR


class FaceOverrideDialog(SupervisorApprovalDialog):
    """The supervisor looks at both faces, authenticates (operator ID, secret and, when
    the counter has one, the USB key's PIN) and approves with a reason
    (ui.supervisor_approval)."""

    def __init__(self, party: Party, check: FaceCheck | None, live_png: bytes | None,
                 parent: QWidget | None = None, *, second_factor: bool = False) -> None:
        super().__init__(
            self.tr("Face check: supervisor approval"),
            self.tr("Why the registrar and the supervisor are satisfied this is the person on the document (e.g. the "
                    "photo is old; checked against the household register)"),
            parent, second_factor=second_factor,
        )
        faces = QHBoxLayout()
        for caption, png in ((self.tr("Document photo"), party.photo_png), (self.tr("Live image"), live_png)):
            column = QVBoxLayout()
            image = ImageLabel(204, 252)
            image.set_png(png)
            column.addWidget(image)
            column.addWidget(QLabel(caption))
            faces.addLayout(column)
        self.header.addLayout(faces)
        summary = face_check_text(check)[0] if check is not None else self.tr("Face check: not done")
        self.header.addWidget(QLabel(f"{party.identity.name}　{party.identity.masked_number}\n{summary}"))
