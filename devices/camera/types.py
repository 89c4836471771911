"""Images captured by the document camera (高拍仪)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class DocumentClass(enum.StrEnum):
    """Classes the registrar confirms; they become the archive's structure."""

    JOINT_PHOTO = "joint_photo"  # 双方合影 (2-inch, red background)
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    HUKOU_PAGE = "hukou_page"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    RESIDENCE_PERMIT = "residence_permit"
    AGREEMENT = "agreement"
    LOSS_STATEMENT = "loss_statement"  # 结婚证遗失的书面声明
    ARCHIVE_COPY = "archive_copy"  # 加盖查档专用章的结婚登记档案复印件
    SINGLE_PHOTO = "single_photo"  # 单人 2 寸照片 (离婚证 reissue)
    RECEIPT = "receipt"  # 离婚登记申请受理回执单, read for its QR code
    LIVE_FACE = "live_face"  # the person at the counter, for the 人证合一 face check
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CapturedImage:
    # The encoded image. PNG unless `mime` says otherwise: the name predates JPEG output
    # (devices/camera/document_output.py) and is kept for the recording format and the store.
    image_png: bytes
    width: int
    height: int
    document_class: DocumentClass | None  # the camera's guess; the registrar confirms
    captured_at: datetime
    device_name: str
    sharpness: float  # variance of the Laplacian; higher is sharper
    dpi: int | None = None  # the image's scale when known (a flattened page); also in its metadata
    mime: str = "image/png"  # or "image/jpeg"

    @property
    def suffix(self) -> str:
        """The file name extension of the encoded image (".png", ".jpg")."""
        return ".jpg" if self.mime == "image/jpeg" else ".png"
