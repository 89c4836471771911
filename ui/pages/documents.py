"""受理 materials: the couple's joint photo and supporting documents from the camera."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton

from app.domain.case import MarriageCase, MarriageStep
from devices.camera.types import DocumentClass
from ui.pages.base import CasePage
from ui.print.forms import DOCUMENT_CLASS_ZH
from ui.widgets import ImageLabel, pixmap_from_png

if TYPE_CHECKING:
    from ui.main_window import MainWindow



class DocumentsPage(CasePage):
    step = MarriageStep.DOCUMENTS

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.heading.setText(self.tr("2. Documents: the couple's joint photo and supporting documents"))
        row = QHBoxLayout()
        self.photo_button = QPushButton(self.tr("Capture joint photo (F5)"))
        self.photo_button.setShortcut("F5")
        self.class_box = QComboBox()
        # The marriage materials only: the divorce and reissue classes (loss statement,
        # archive copy, single photo, receipt) belong to their own pages.
        for document_class in DocumentClass:
            if document_class is not DocumentClass.JOINT_PHOTO and document_class.value in DOCUMENT_CLASS_ZH:
                self.class_box.addItem(DOCUMENT_CLASS_ZH[document_class.value], document_class.value)
        self.document_button = QPushButton(self.tr("Capture document (F6)"))
        self.document_button.setShortcut("F6")
        self.remove_button = QPushButton(self.tr("Remove selected (Del)"))
        self.remove_button.setShortcut("Del")
        row.addWidget(self.photo_button)
        row.addWidget(QLabel(self.tr("Document type:")))
        row.addWidget(self.class_box)
        row.addWidget(self.document_button)
        row.addStretch(1)
        row.addWidget(self.remove_button)
        self.layout_.addLayout(row)
        body = QHBoxLayout()
        self.joint_photo = ImageLabel(313, 207)
        body.addWidget(self.joint_photo)
        self.documents = QListWidget()
        self.documents.setIconSize(self.documents.iconSize() * 4)
        body.addWidget(self.documents, 1)
        self.layout_.addLayout(body, 1)
        self.photo_button.clicked.connect(lambda: self.main.capture_document(DocumentClass.JOINT_PHOTO.value))
        self.document_button.clicked.connect(lambda: self.main.capture_document(str(self.class_box.currentData())))
        self.remove_button.clicked.connect(self._remove_selected)

    def _remove_selected(self) -> None:
        item = self.documents.currentItem()
        if item is not None:
            self.main.remove_document(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_case(self, case: MarriageCase) -> None:
        joint = [d for d in case.documents if d.document_class == DocumentClass.JOINT_PHOTO.value]
        self.joint_photo.set_png(joint[-1].image_png if joint else None)
        self.documents.clear()
        for document in case.documents:
            label = DOCUMENT_CLASS_ZH.get(document.document_class, document.document_class)
            item = QListWidgetItem(f"{label}  {document.captured_at:%H:%M:%S}  {document.device_name}")
            item.setIcon(pixmap_from_png(document.image_png, 64, 48))
            item.setData(Qt.ItemDataRole.UserRole, document.document_id)
            self.documents.addItem(item)
