"""The stored document image: flattened to its class's size at a set DPI, encoded as PNG
or JPEG with metadata that other tools (Pillow here) read back."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from devices.camera.document_output import (
    ID_CARD_MM,
    DocumentMetadata,
    ImageFormat,
    OutputSettings,
    flatten,
    guess_document_class,
    make_document,
    page_mm_for,
    quad_aspect,
    read_metadata,
)
from devices.camera.page_detect import A4_MM, page_size_px
from devices.camera.types import CapturedImage, DocumentClass
from devices.record.codec import BlobReader, BlobWriter, decode_result, encode_result
from tests.synthetic_video import Shot, desk, page_texture, quad, render

CHINA = timezone(timedelta(hours=8))
WHEN = datetime(2026, 6, 2, 10, 15, 30, tzinfo=CHINA)
DEVICE = "良田高拍仪 S1800"  # not ASCII: EXIF's ASCII fields cannot hold it, the metadata must


def _frame_with(size: tuple[int, int], angle: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    page = page_texture(5, *size)
    corners = quad(640, 360, size[0], size[1], angle)
    return render(Shot(corners, 1), desk(1280, 720), {1: page}), corners


def test_page_sizes_by_class() -> None:
    assert page_mm_for(DocumentClass.ID_CARD_FRONT) == ID_CARD_MM == page_mm_for(DocumentClass.RESIDENCE_PERMIT)
    assert page_mm_for(DocumentClass.ID_CARD_BACK) == ID_CARD_MM
    for sheet in (DocumentClass.AGREEMENT, DocumentClass.LOSS_STATEMENT, DocumentClass.RECEIPT):
        assert page_mm_for(sheet) == A4_MM
    for own_shape in (DocumentClass.HUKOU_PAGE, DocumentClass.MARRIAGE_CERTIFICATE, DocumentClass.OTHER, None):
        assert page_mm_for(own_shape) is None


def test_a_document_without_one_size_keeps_its_own_shape() -> None:
    frame, corners = _frame_with((300, 200), 8.0)
    flat, dpi = flatten(frame, corners, DocumentClass.HUKOU_PAGE)
    assert dpi is None and abs(flat.shape[1] / flat.shape[0] - 1.5) < 0.03 and abs(flat.shape[1] - 300) < 6


@pytest.mark.parametrize("photo", [DocumentClass.JOINT_PHOTO, DocumentClass.SINGLE_PHOTO, DocumentClass.LIVE_FACE])
def test_photos_and_faces_are_never_flattened_as_a_page(photo: DocumentClass) -> None:
    frame, corners = _frame_with((300, 200), 8.0)
    flat, dpi = flatten(frame, corners, photo)
    assert flat.shape == frame.shape and dpi is None


@pytest.mark.parametrize(
    ("size", "expected"),
    [((428, 270), DocumentClass.ID_CARD_FRONT), ((270, 428), DocumentClass.ID_CARD_FRONT),
     ((420, 594), DocumentClass.AGREEMENT), ((594, 420), DocumentClass.AGREEMENT), ((400, 400), None),
     ((600, 200), None)],
)
def test_guess_from_the_aspect_ratio(size: tuple[int, int], expected: DocumentClass | None) -> None:
    corners = quad(640, 360, size[0], size[1], 7)
    assert abs(quad_aspect(corners) - max(size) / min(size)) < 0.01
    assert guess_document_class(corners) is expected
    assert guess_document_class(None) is None


def test_an_id_card_is_flattened_to_85_6_by_54_mm_as_it_lies() -> None:
    frame, corners = _frame_with((428, 270))
    flat, dpi = flatten(frame, corners, DocumentClass.ID_CARD_FRONT, dpi=300)
    assert dpi == 300 and flat.shape[:2] == (638, 1011)  # 54 x 85.6 mm at 300 dpi, landscape
    upright, _ = flatten(*_frame_with((270, 428)), DocumentClass.ID_CARD_BACK, dpi=300)
    assert upright.shape[:2] == (1011, 638)
    # another class on the same quad: A4, landscape as the quad lies (height 827, width 1169)
    a4, _ = flatten(frame, corners, DocumentClass.AGREEMENT, dpi=100)
    assert a4.shape[:2] == (827, 1169) == page_size_px(dpi=100)


def test_without_corners_the_whole_frame_is_kept_or_scaled_by_the_field_of_view() -> None:
    frame = desk(1280, 720)
    kept, dpi = flatten(frame, None, DocumentClass.OTHER, dpi=200)
    assert kept is frame and dpi is None
    # a field of view 400 mm wide: 1280 px are 81.3 dpi; at 100 dpi the frame grows to 1575 px
    scaled, dpi = flatten(frame, None, DocumentClass.OTHER, dpi=100, field_width_mm=400)
    assert dpi == 100 and scaled.shape[:2] == (886, 1575)


def test_png_carries_class_time_device_and_dpi() -> None:
    frame, corners = _frame_with((420, 594))
    image = make_document(frame, corners, document_class=DocumentClass.AGREEMENT, device_name=DEVICE,
                          captured_at=WHEN, settings=OutputSettings(dpi=150))
    assert (image.width, image.height) == page_size_px(dpi=150) and image.dpi == 150
    assert image.mime == "image/png" and image.suffix == ".png" and image.image_png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(image.image_png)) as png:
        png.load()
        assert png.size == (image.width, image.height)
        assert [round(v) for v in png.info["dpi"]] == [150, 150]  # pHYs
        assert png.text["Description"] == "agreement"
        assert png.text["Source"] == DEVICE  # iTXt: UTF-8
        assert datetime.fromisoformat(png.text["Creation Time"]) == WHEN
    assert read_metadata(image.image_png) == DocumentMetadata(DocumentClass.AGREEMENT, WHEN, DEVICE, 150, "image/png")
    assert image.sharpness > 100


def test_jpeg_carries_exif_jfif_dpi_and_the_exact_values_in_a_comment() -> None:
    frame, corners = _frame_with((428, 270))
    settings = OutputSettings(dpi=300, image_format=ImageFormat.JPEG, jpeg_quality=80)
    image = make_document(frame, corners, document_class=DocumentClass.ID_CARD_FRONT, device_name=DEVICE,
                          captured_at=WHEN, settings=settings)
    assert (image.width, image.height) == (1011, 638) and image.mime == "image/jpeg" and image.suffix == ".jpg"
    with Image.open(io.BytesIO(image.image_png)) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.info["dpi"] == (300, 300) and jpeg.info["jfif_density"] == (300, 300)
        exif = jpeg.getexif()
        assert exif[0x010E] == "id_card_front"  # ImageDescription
        assert exif[0x0132] == "2026:06:02 10:15:30"  # DateTime, local time
        assert exif.get_ifd(0x8769)[0x9010] == "+08:00"  # OffsetTime
        assert exif[0x0110] == "????? S1800"  # Model: ASCII only
        assert float(exif[0x011A]) == 300.0
    metadata = read_metadata(image.image_png)
    assert (metadata.document_class, metadata.captured_at, metadata.device_name, metadata.dpi) == (
        DocumentClass.ID_CARD_FRONT, WHEN, DEVICE, 300
    )
    smaller = make_document(frame, corners, document_class=DocumentClass.ID_CARD_FRONT, device_name=DEVICE,
                            captured_at=WHEN, settings=OutputSettings(dpi=300, image_format=ImageFormat.JPEG,
                                                                      jpeg_quality=30))
    assert len(smaller.image_png) < len(image.image_png)  # the quality setting is used


def test_a_document_without_page_or_class_has_no_dpi() -> None:
    frame = desk(640, 360)
    image = make_document(frame, None, document_class=None, device_name="cam")
    assert (image.width, image.height, image.dpi) == (640, 360, None)
    assert image.captured_at.tzinfo is not None
    metadata = read_metadata(image.image_png)
    assert metadata.document_class is None and metadata.dpi is None and metadata.device_name == "cam"


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="dpi"):
        OutputSettings(dpi=5)
    with pytest.raises(ValueError, match="jpeg_quality"):
        OutputSettings(jpeg_quality=0)


@pytest.mark.parametrize("image_format", list(ImageFormat))
def test_the_recording_format_round_trips_dpi_and_mime(tmp_path: Path, image_format: ImageFormat) -> None:
    frame, corners = _frame_with((428, 270))
    image = make_document(frame, corners, document_class=DocumentClass.RESIDENCE_PERMIT, device_name=DEVICE,
                          captured_at=WHEN, settings=OutputSettings(dpi=100, image_format=image_format))
    data = encode_result("camera", image, BlobWriter(tmp_path / "s.files", "s.files"))
    assert data["image"].endswith(image.suffix)
    back = decode_result("camera", data, BlobReader(tmp_path / "s.yaml"), "calls[0].result")
    assert back == image
    # a recording written before these fields existed still loads, as PNG without DPI
    old = {key: value for key, value in data.items() if key not in ("dpi", "mime")}
    legacy = decode_result("camera", old, BlobReader(tmp_path / "s.yaml"), "calls[0].result")
    assert isinstance(legacy, CapturedImage) and legacy.dpi is None and legacy.mime == "image/png"
