"""The divorce receipt: printed to PDF, rendered back to pixels and its QR code decoded
by the app's own barcode reader, as the counter will do at the second visit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from devices.barcode.types import Barcode
from devices.barcode.zxing import ZxingBarcodeDecoder
from ui.print.layout import FormDocument, QrItem
from ui.print.receipt import A5_MM, RECEIPT_QR_MM, RECEIPT_TITLE, DivorceReceipt, divorce_receipt_form
from ui.print.renderer import qr_modules, render_page_image, write_pdf

RENDER_DPI = 200
POINTS_PER_MM = 72 / 25.4
RECEIPT = DivorceReceipt(
    receipt_no="LH110101-2026-000123",
    office_name="北京市东城区民政局婚姻登记处",
    parties=(("李明轩", "110101********1234"), ("王雨桐", "310104********2468")),
    accepted_on=date(2026, 3, 5),
    cooling_off_end=date(2026, 4, 7),
    issue_window_start=date(2026, 4, 8),
    issue_window_end=date(2026, 5, 11),
)


@pytest.fixture
def decoder() -> Iterator[ZxingBarcodeDecoder]:
    device = ZxingBarcodeDecoder()
    yield device
    device.close()


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_page_png(path: Path, dpi: int) -> bytes:
    """Page 1 rasterised by PDFium, a renderer independent of Qt's PDF writer."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        page = pdf[0]
        try:
            bitmap = page.render(scale=dpi / 72)
            try:
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG")
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()
    return buffer.getvalue()


def qimage_png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def test_receipt_layout_is_a5_with_one_qr_of_the_receipt_number() -> None:
    document = divorce_receipt_form(RECEIPT)
    (page,) = document.pages
    assert page.size_mm == A5_MM
    (qr,) = [item for item in page.items if isinstance(item, QrItem)]
    assert qr.text == RECEIPT.receipt_no
    assert qr.size_mm == RECEIPT_QR_MM
    assert qr.x_mm + qr.size_mm <= A5_MM[0] - 10 and qr.y_mm + qr.size_mm <= A5_MM[1] - 10
    texts = "".join(page.texts())
    assert RECEIPT_TITLE in texts
    assert "离婚冷静期至 2026年04月07日（含当日），冷静期内任何一方可向本机关撤回申请" in texts
    assert "请双方于 2026年04月08日 至 2026年05月11日 期间共同到本机关申请发给离婚证" in texts
    assert "《婚姻登记条例》第十六条" in texts
    for name, masked in RECEIPT.parties:
        assert name in texts and masked in texts


def test_receipt_pdf_qr_decodes_back_to_the_receipt_number(
    qapp: QApplication, tmp_path: Path, decoder: ZxingBarcodeDecoder
) -> None:
    pdf_path = write_pdf(divorce_receipt_form(RECEIPT), tmp_path / "receipt.pdf")

    reader = PdfReader(pdf_path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A5_MM[0] * POINTS_PER_MM, abs=1.0)
    assert float(box.height) == pytest.approx(A5_MM[1] * POINTS_PER_MM, abs=1.0)
    text = squeeze(reader.pages[0].extract_text())
    assert RECEIPT.receipt_no in text
    assert "2026年04月07日" in text  # cooling-off end
    assert "2026年05月11日" in text  # end of the issue window
    assert "2026年03月05日" in text  # T0

    barcodes = decoder.decode(pdf_page_png(pdf_path, RENDER_DPI)).result(timeout=30)
    assert barcodes == (Barcode(RECEIPT.receipt_no, "QRCode"),)


def test_receipt_preview_qr_decodes_too(qapp: QApplication, decoder: ZxingBarcodeDecoder) -> None:
    # The on-screen preview at its default 96 dpi: modules of about 4 px still decode.
    image = render_page_image(divorce_receipt_form(RECEIPT), 0)
    barcodes = decoder.decode(qimage_png(image)).result(timeout=30)
    assert barcodes == (Barcode(RECEIPT.receipt_no, "QRCode"),)


def test_qr_modules_include_the_quiet_zone() -> None:
    modules = qr_modules(RECEIPT.receipt_no)
    side = len(modules)
    assert all(len(row) == side for row in modules)
    assert (side - 8 - 21) % 4 == 0  # QR versions grow by 4 modules from 21
    for i in range(4):
        assert not any(modules[i]) and not any(modules[side - 1 - i])
        assert not any(row[i] or row[side - 1 - i] for row in modules)
    assert modules[4][4]  # the top-left finder pattern's corner


@pytest.mark.parametrize(
    "change",
    [
        {"receipt_no": " "},
        {"parties": (("李明轩", "110101********1234"),)},
        {"cooling_off_end": date(2026, 3, 5)},
        {"issue_window_start": date(2026, 4, 7)},
        {"issue_window_end": date(2026, 4, 1)},
    ],
)
def test_receipt_refuses_inconsistent_data(change: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "receipt_no": RECEIPT.receipt_no,
        "office_name": RECEIPT.office_name,
        "parties": RECEIPT.parties,
        "accepted_on": RECEIPT.accepted_on,
        "cooling_off_end": RECEIPT.cooling_off_end,
        "issue_window_start": RECEIPT.issue_window_start,
        "issue_window_end": RECEIPT.issue_window_end,
    }
    with pytest.raises(ValueError):
        DivorceReceipt(**{**fields, **change})  # type: ignore[arg-type]


def test_receipt_document_title_names_the_receipt() -> None:
    document: FormDocument = divorce_receipt_form(RECEIPT)
    assert document.title == f"{RECEIPT_TITLE} {RECEIPT.receipt_no}"
