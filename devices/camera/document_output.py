"""The stored document image: a camera frame flattened, scaled and encoded with its metadata.

`make_document` turns a frame and the page's corners (devices/camera/page_detect.py)
into a `CapturedImage`: the page deskewed and cropped by a perspective warp to its
real size at a set DPI (an ID-1 card, 85.6 × 54 mm, for the ID card sides and the
residence permit; A4 for everything else), portrait or landscape as the page lies.
Without corners the whole frame is kept; it gets a DPI only when the camera's field of
view is configured (`OutputSettings.field_width_mm`), since nothing else tells the scale.

Encoding carries the metadata the archive needs to stand on its own:
- PNG: tEXt/iTXt chunks (Description = document class, Creation Time in ISO 8601,
  Source = device name, Software) and pHYs for the DPI. The pixels are encoded by
  OpenCV and the chunks inserted here: Pillow's PNG encoder took 2.2 s for an A4 page
  at 200 dpi at its default level and 0.36 s at level 1, OpenCV 0.10 s for a smaller
  file (2 cores). Pillow reads the chunks back (`read_metadata`).
- JPEG (Pillow, ~12 ms for the same page): EXIF ImageDescription = document class,
  DateTime/DateTimeOriginal with OffsetTime, Make/Model = device name, X/YResolution,
  the JFIF density for the DPI, and a UTF-8 JSON comment (COM) with the exact values:
  EXIF ASCII fields cannot hold a Chinese device name.

`guess_document_class` proposes a class from the page's aspect ratio only; the
registrar always confirms it.
"""

from __future__ import annotations

import enum
import io
import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import cv2
import numpy as np
from PIL import Image

from devices.camera.page_detect import A4_MM, MM_PER_INCH, Image8, Quad, sharpness, warp_page
from devices.camera.types import CapturedImage, DocumentClass

ID_CARD_MM: Final = (54.0, 85.6)  # ISO/IEC 7810 ID-1: the resident ID card and the residence permit
CARD_CLASSES: Final = frozenset(
    {DocumentClass.ID_CARD_FRONT, DocumentClass.ID_CARD_BACK, DocumentClass.RESIDENCE_PERMIT}
)
# Sheets of paper whose size is A4 (agreements, statements, certified copies, receipts).
A4_CLASSES: Final = frozenset({
    DocumentClass.AGREEMENT, DocumentClass.LOSS_STATEMENT, DocumentClass.ARCHIVE_COPY, DocumentClass.RECEIPT,
})
# Never flattened as a page: a face or a photo is kept as the camera saw it (the joint
# photo is cropped to its standard afterwards, on its faces), whatever rectangle lies behind.
WHOLE_FRAME_CLASSES: Final = frozenset({DocumentClass.LIVE_FACE, DocumentClass.JOINT_PHOTO, DocumentClass.SINGLE_PHOTO})
SOFTWARE: Final = "marriage-counter"
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE: Final = b"\xff\xd8"

# Aspect ratio (long side / short side) of what lies under the camera: an ID-1 card is
# 1.586, A4 1.414; the boundary lies halfway. Outside both ranges nothing is proposed.
CARD_ASPECT: Final = (1.50, 1.75)
A4_ASPECT: Final = (1.30, 1.50)

# EXIF tags (TIFF 6 / Exif 2.32)
_IMAGE_DESCRIPTION, _MAKE, _MODEL, _SOFTWARE, _DATE_TIME = 0x010E, 0x010F, 0x0110, 0x0131, 0x0132
_X_RESOLUTION, _Y_RESOLUTION, _RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128
_EXIF_IFD, _DATE_TIME_ORIGINAL, _OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x8769, 0x9003, 0x9010, 0x9011
_EXIF_TIME = "%Y:%m:%d %H:%M:%S"


class ImageFormat(enum.StrEnum):
    PNG = "png"
    JPEG = "jpeg"

    @property
    def mime(self) -> str:
        return f"image/{self.value}"


@dataclass(frozen=True, slots=True)
class OutputSettings:
    dpi: int = 200
    image_format: ImageFormat = ImageFormat.PNG
    jpeg_quality: int = 90  # 1-95 (Pillow's useful range)
    # Width of the camera's field of view across the frame, in mm, when known: a frame
    # without a detected page is then scaled to `dpi` too. None: kept as captured, no DPI.
    field_width_mm: float | None = None

    def __post_init__(self) -> None:
        if not 30 <= self.dpi <= 1200:
            raise ValueError(f"dpi must lie between 30 and 1200, not {self.dpi}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must lie between 1 and 100, not {self.jpeg_quality}")
        if self.field_width_mm is not None and self.field_width_mm <= 0:
            raise ValueError("field_width_mm must be positive")


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What `read_metadata` finds in an encoded document image."""

    document_class: DocumentClass | None
    captured_at: datetime | None
    device_name: str
    dpi: int | None
    mime: str


def page_mm_for(document_class: DocumentClass | None) -> tuple[float, float] | None:
    """The real size of a document of this class (short side, long side) in mm; None when
    the class has no one size (a 结婚证, a hukou page, "other"): its own shape is kept."""
    if document_class in CARD_CLASSES:
        return ID_CARD_MM
    return A4_MM if document_class in A4_CLASSES else None


def quad_aspect(corners: Quad) -> float:
    """Long side over short side of the quad (mean of opposite sides)."""
    short, long = quad_size_px(corners)
    return long / short if short > 0 else 0.0


def quad_size_px(corners: Quad) -> tuple[float, float]:
    """The quad's own size (short side, long side) in pixels."""
    c = np.asarray(corners, dtype=np.float64)
    horizontal = (np.hypot(*(c[1] - c[0])) + np.hypot(*(c[2] - c[3]))) / 2
    vertical = (np.hypot(*(c[3] - c[0])) + np.hypot(*(c[2] - c[1]))) / 2
    short, long = sorted((float(horizontal), float(vertical)))
    return short, long


def guess_document_class(corners: Quad | None) -> DocumentClass | None:
    """A preselection for the registrar: an ID-1 card (front; its side cannot be told
    from the shape) or an A4-like page (an agreement), by aspect ratio; None when the
    shape says nothing."""
    if corners is None:
        return None
    aspect = quad_aspect(corners)
    if CARD_ASPECT[0] <= aspect <= CARD_ASPECT[1]:
        return DocumentClass.ID_CARD_FRONT
    if A4_ASPECT[0] <= aspect < A4_ASPECT[1]:
        return DocumentClass.AGREEMENT
    return None


def flatten(
    frame: Image8,
    corners: Quad | None,
    document_class: DocumentClass | None,
    *,
    dpi: int = 200,
    field_width_mm: float | None = None,
) -> tuple[Image8, int | None]:
    """The page deskewed and cropped to its class's size at `dpi`, and that DPI; without
    corners the whole frame (scaled to `dpi` when the field of view is known, else as is
    with no DPI)."""
    if document_class in WHOLE_FRAME_CLASSES:
        corners = None
    if corners is not None:
        page_mm = page_mm_for(document_class)
        if page_mm is not None:
            return warp_page(frame, corners, page_mm=page_mm, dpi=dpi), dpi
        short, long = quad_size_px(corners)  # at 100 dpi, 0.254 mm per pixel: one pixel each
        return warp_page(frame, corners, page_mm=(short * 0.254, long * 0.254), dpi=100), None
    if field_width_mm is None:
        return frame, None
    native_dpi = frame.shape[1] / (field_width_mm / MM_PER_INCH)
    scale = dpi / native_dpi
    size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(frame, size, interpolation=interpolation), dtype=np.uint8), dpi


def encode_document(
    image: Image8,
    *,
    document_class: DocumentClass | None,
    captured_at: datetime,
    device_name: str,
    dpi: int | None,
    settings: OutputSettings = OutputSettings(),  # frozen: one shared default is safe
) -> bytes:
    """`image` (BGR or grey) as PNG or JPEG with the document's metadata."""
    if settings.image_format is ImageFormat.JPEG:
        return _encode_jpeg(image, document_class, captured_at, device_name, dpi, settings.jpeg_quality)
    return _encode_png(image, document_class, captured_at, device_name, dpi)


def make_document(
    frame: Image8,
    corners: Quad | None,
    *,
    document_class: DocumentClass | None,
    device_name: str,
    captured_at: datetime | None = None,
    settings: OutputSettings = OutputSettings(),  # frozen: one shared default is safe
) -> CapturedImage:
    """The stored document for one frame (~0.1-0.2 s for A4 at 200 dpi: never on the GUI thread)."""
    return render_document(
        frame, corners, document_class=document_class, device_name=device_name, captured_at=captured_at,
        settings=settings,
    )[0]


def render_document(
    frame: Image8,
    corners: Quad | None,
    *,
    document_class: DocumentClass | None,
    device_name: str,
    captured_at: datetime | None = None,
    settings: OutputSettings = OutputSettings(),  # frozen: one shared default is safe
) -> tuple[CapturedImage, Image8]:
    """`make_document`, and the flattened pixels (BGR) for showing without decoding the file."""
    when = captured_at or datetime.now().astimezone()
    flat, dpi = flatten(frame, corners, document_class, dpi=settings.dpi, field_width_mm=settings.field_width_mm)
    data = encode_document(
        flat, document_class=document_class, captured_at=when, device_name=device_name, dpi=dpi, settings=settings
    )
    document = CapturedImage(
        image_png=data,
        width=int(flat.shape[1]),
        height=int(flat.shape[0]),
        document_class=document_class,
        captured_at=when,
        device_name=device_name,
        sharpness=sharpness(flat),
        dpi=dpi,
        mime=settings.image_format.mime,
    )
    return document, flat


# --- PNG ----------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_text(key: str, value: str) -> bytes:
    """tEXt when the value is Latin-1 (the PNG rule), else uncompressed iTXt in UTF-8."""
    try:
        return _png_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:
        # keyword \0, compression flag 0, method 0, language tag "" \0, translated keyword "" \0, text
        return _png_chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8"))


def _encode_png(
    image: Image8, document_class: DocumentClass | None, captured_at: datetime, device_name: str, dpi: int | None
) -> bytes:
    ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("PNG encoding failed")
    data = buffer.tobytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
    after_ihdr = 8 + 12 + struct.unpack(">I", data[8:12])[0]
    chunks = b""
    if dpi is not None:
        per_metre = round(dpi / 0.0254)
        chunks += _png_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    texts = _metadata_fields(document_class, captured_at, device_name, dpi)
    for key, value in (
        ("Description", texts["document_class"]),
        ("Creation Time", texts["captured_at"]),
        ("Source", device_name),
        ("Software", SOFTWARE),
    ):
        chunks += _png_text(key, value)
    return data[:after_ihdr] + chunks + data[after_ihdr:]


# --- JPEG ---------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    """EXIF ASCII fields hold ASCII only; the exact text is in the JSON comment."""
    return text.encode("ascii", "replace").decode("ascii")


def _encode_jpeg(
    image: Image8,
    document_class: DocumentClass | None,
    captured_at: datetime,
    device_name: str,
    dpi: int | None,
    quality: int,
) -> bytes:
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image
    picture = Image.fromarray(np.ascontiguousarray(rgb))
    exif = Image.Exif()
    exif[_IMAGE_DESCRIPTION] = document_class.value if document_class else ""
    exif[_MAKE] = _ascii(device_name)
    exif[_MODEL] = _ascii(device_name)
    exif[_SOFTWARE] = SOFTWARE
    exif[_DATE_TIME] = captured_at.strftime(_EXIF_TIME)
    if dpi is not None:
        exif[_X_RESOLUTION] = exif[_Y_RESOLUTION] = float(dpi)
        exif[_RESOLUTION_UNIT] = 2  # inches
    sub = exif.get_ifd(_EXIF_IFD)
    sub[_DATE_TIME_ORIGINAL] = captured_at.strftime(_EXIF_TIME)
    offset = captured_at.strftime("%z")
    if offset:  # "+0800" -> "+08:00"
        sub[_OFFSET_TIME] = sub[_OFFSET_TIME_ORIGINAL] = f"{offset[:3]}:{offset[3:5]}"
    comment = json.dumps(_metadata_fields(document_class, captured_at, device_name, dpi), ensure_ascii=False)
    out = io.BytesIO()
    options: dict[str, object] = {"quality": quality, "exif": exif, "comment": comment.encode("utf-8")}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    picture.save(out, "JPEG", **options)
    return out.getvalue()


def _metadata_fields(
    document_class: DocumentClass | None, captured_at: datetime, device_name: str, dpi: int | None
) -> dict[str, str]:
    return {
        "document_class": document_class.value if document_class else "",
        "captured_at": captured_at.isoformat(timespec="seconds"),
        "device_name": device_name,
        "dpi": str(dpi) if dpi is not None else "",
    }


# --- reading back -------------------------------------------------------------------------


def read_metadata(data: bytes) -> DocumentMetadata:
    """The metadata `encode_document` wrote (for the archive, diagnostics and tests)."""
    with Image.open(io.BytesIO(data)) as picture:
        dpi_info = picture.info.get("dpi")
        dpi = round(float(dpi_info[0])) if dpi_info else None
        if picture.format == "PNG":
            texts: Mapping[str, object] = getattr(picture, "text", {})
            fields = {
                "document_class": str(texts.get("Description", "")),
                "captured_at": str(texts.get("Creation Time", "")),
                "device_name": str(texts.get("Source", "")),
            }
            mime = "image/png"
        else:
            mime = "image/jpeg"
            fields = _jpeg_fields(picture)
    document_class = DocumentClass(fields["document_class"]) if fields["document_class"] in _CLASS_VALUES else None
    try:
        captured_at = datetime.fromisoformat(fields["captured_at"]) if fields["captured_at"] else None
    except ValueError:
        captured_at = None
    return DocumentMetadata(document_class, captured_at, fields["device_name"], dpi, mime)


_CLASS_VALUES: Final = frozenset(c.value for c in DocumentClass)


def _jpeg_fields(picture: Image.Image) -> dict[str, str]:
    comment = picture.info.get("comment")
    if isinstance(comment, bytes):
        try:
            parsed = json.loads(comment.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            return {key: str(parsed.get(key, "")) for key in ("document_class", "captured_at", "device_name")}
    exif = picture.getexif()  # a JPEG written elsewhere: EXIF only, no time zone
    stamp = str(exif.get(_DATE_TIME, ""))
    try:
        captured_at = datetime.strptime(stamp, _EXIF_TIME).isoformat() if stamp else ""
    except ValueError:
        captured_at = ""
    return {
        "document_class": str(exif.get(_IMAGE_DESCRIPTION, "")),
        "captured_at": captured_at,
        "device_name": str(exif.get(_MODEL, "")),
    }
