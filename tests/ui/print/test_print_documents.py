"""The printed documents, written as real PDFs and read back with pypdf."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from app.domain.case import MarriageCase, Role, RuleOutcome
from ui.print.forms import OfficeInfo, marriage_certificate, marriage_declaration, marriage_review_form
from ui.print.layout import FormDocument, ImageItem, Page, TextItem
from ui.print.renderer import PDF_CREATOR, print_document, render_page_image, write_pdf

POINTS_PER_MM = 72 / 25.4


def squeeze(text: str) -> str:
    """Extraction inserts line breaks where wrapped text breaks; compare without them."""
    return "".join(text.split())


def pdf_text(reader: PdfReader) -> str:
    return squeeze("".join(page.extract_text() for page in reader.pages))


def assert_page_size(reader: PdfReader, size_mm: tuple[float, float]) -> None:
    for page in reader.pages:
        box = page.mediabox
        # Qt rounds the media box to whole points.
        assert float(box.width) == pytest.approx(size_mm[0] * POINTS_PER_MM, abs=1.0)
        assert float(box.height) == pytest.approx(size_mm[1] * POINTS_PER_MM, abs=1.0)


def embedded_fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """(base font name, has an embedded TrueType program) for every font used."""
    found: list[tuple[str, bool]] = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts: Any = resources["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for desc_font in descendants:
                descriptor = desc_font["/FontDescriptor"].get_object()
                found.append((str(desc_font["/BaseFont"]), "/FontFile2" in descriptor))
    return found


def image_count(reader: PdfReader) -> int:
    total = 0
    for page in reader.pages:
        resources: Any = page["/Resources"]
        xobjects: Any = resources.get("/XObject", {})
        total += sum(1 for ref in xobjects.values() if ref.get_object()["/Subtype"] == "/Image")
    return total


def dark_pixels(image: QImage, threshold: int = 100) -> int:
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if image.pixelColor(x, y).lightness() < threshold:
                count += 1
    return count


def leftmost_dark_column(image: QImage) -> int:
    for x in range(image.width()):
        for y in range(image.height()):
            if image.pixelColor(x, y).lightness() < 100:
                return x
    raise AssertionError("blank image")


# --------------------------------------------------------------------------- 结婚证


def test_certificate_pdf_has_number_names_and_booklet_size(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    path = write_pdf(marriage_certificate(registered_case, Role.A, office), tmp_path / "cert.pdf")

    reader = PdfReader(path)
    assert len(reader.pages) == 2
    assert_page_size(reader, (95.0, 128.0))
    text = pdf_text(reader)
    assert "J110101-2026-000001" in text
    assert "李明轩" in text and "王雨桐" in text
    assert "结婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。" in text
    assert "北京市东城区民政局婚姻登记处" in text
    assert "2026年03月05日" in text  # 登记日期
    assert "1990年03月07日" in text  # 出生日期
    assert "中国" in text
    assert registered_case.parties[Role.B].identity.number in text
    # The registrar signs the certificate by hand: the name is never printed on it.
    assert office.registrar not in text
    assert image_count(reader) == 1  # the joint photo


def test_certificate_holder_is_the_requested_party(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    document = marriage_certificate(registered_case, Role.B, office)
    first_page = squeeze("".join(document.pages[0].texts()))
    assert "持证人王雨桐" in first_page
    assert "李明轩" not in first_page

    reader = PdfReader(write_pdf(document, tmp_path / "cert_b.pdf"))
    assert "王雨桐" in squeeze(reader.pages[0].extract_text())


def test_certificate_requires_registration(registered_case: MarriageCase, office: OfficeInfo) -> None:
    unregistered = dataclasses.replace(registered_case, registration=None)
    with pytest.raises(ValueError, match="not registered"):
        marriage_certificate(unregistered, Role.A, office)


def test_certificate_requires_both_parties(registered_case: MarriageCase, office: OfficeInfo) -> None:
    one_party = dataclasses.replace(registered_case, parties={Role.A: registered_case.parties[Role.A]})
    with pytest.raises(ValueError, match="both parties"):
        marriage_certificate(one_party, Role.A, office)


def test_certificate_without_joint_photo_leaves_the_frame_for_a_pasted_photo(
    registered_case: MarriageCase, office: OfficeInfo
) -> None:
    no_photo = dataclasses.replace(registered_case, documents=())
    page = marriage_certificate(no_photo, Role.A, office).pages[0]
    assert not any(isinstance(item, ImageItem) for item in page.items)
    assert "贴合影照片处" in page.texts()


def test_certificate_photo_frame_is_two_inch(registered_case: MarriageCase, office: OfficeInfo) -> None:
    page = marriage_certificate(registered_case, Role.A, office).pages[0]
    photos = [item for item in page.items if isinstance(item, ImageItem)]
    assert [(p.w_mm, p.h_mm) for p in photos] == [(53.0, 35.0)]
    assert all(p.x_mm >= 0 and p.x_mm + p.w_mm <= 95 and p.y_mm + p.h_mm <= 128 for p in photos)


def test_values_only_mode_leaves_out_preprinted_labels(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    document = marriage_certificate(registered_case, Role.A, office)
    reader = PdfReader(write_pdf(document, tmp_path / "stock.pdf", include_preprinted=False))
    text = pdf_text(reader)
    assert "J110101-2026-000001" in text
    assert "结婚证字号" not in text
    assert "予以登记" not in text


# --------------------------------------------------------------------------- 声明书


@pytest.mark.parametrize(
    ("role", "name", "other"), [(Role.A, "李明轩", "王雨桐"), (Role.B, "王雨桐", "李明轩")]
)
def test_declaration_pdf(
    qapp: QApplication,
    tmp_path: Path,
    registered_case: MarriageCase,
    office: OfficeInfo,
    role: Role,
    name: str,
    other: str,
) -> None:
    path = write_pdf(marriage_declaration(registered_case, role, office), tmp_path / "decl.pdf")

    reader = PdfReader(path)
    assert len(reader.pages) == 1
    assert_page_size(reader, (210.0, 297.0))
    text = pdf_text(reader)
    assert "申请结婚登记声明书" in text
    assert "无配偶" in text
    assert f"本人{name}" in text
    assert f"声明人：{name}" in text
    assert other in text
    assert "监誓人" in text
    assert "软件工程师" in text and "中学教师" in text
    assert "离婚" in text  # 王雨桐's declared status
    assert "汉" in text
    assert office.registrar not in text  # 监誓人 signs by hand
    assert image_count(reader) == 1  # the declarant's pad signature


def test_declaration_without_signature_leaves_the_box_blank(
    registered_case: MarriageCase, office: OfficeInfo
) -> None:
    unsigned = dataclasses.replace(registered_case, signatures={})
    document = marriage_declaration(unsigned, Role.A, office)
    assert not any(isinstance(item, ImageItem) for item in document.pages[0].items)


def test_declaration_refuses_a_signature_made_on_other_text(
    registered_case: MarriageCase, office: OfficeInfo
) -> None:
    stale = dataclasses.replace(registered_case.signatures[Role.A], declaration_sha256="ab" * 32)
    case = dataclasses.replace(registered_case, signatures={**registered_case.signatures, Role.A: stale})
    with pytest.raises(ValueError, match="different declaration text"):
        marriage_declaration(case, Role.A, office)


# --------------------------------------------------------------------------- 审查处理表


def test_review_form_pdf(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    path = write_pdf(marriage_review_form(registered_case, office), tmp_path / "review.pdf")

    reader = PdfReader(path)
    assert len(reader.pages) == 1
    assert_page_size(reader, (210.0, 297.0))
    text = pdf_text(reader)
    assert "结婚登记审查处理表" in text
    for party in registered_case.parties.values():
        assert party.identity.number in text
        assert party.identity.name in text
    for rule_id in {o.rule_id for o in registered_case.rule_outcomes}:
        assert rule_id in text
    assert "通过" in text and "不通过" not in text
    assert "双方合影照片1份" in text and "身份证正面2份" in text and "身份证反面2份" in text
    assert "J110101-2026-000001" in text
    assert "2026年03月05日" in text
    assert office.registrar in text  # 登记员 (the name; the signature cell stays blank)
    assert "当事人领证签名并按指纹" in text
    assert "北京市东城区民政局婚姻登记处" in text
    assert image_count(reader) == 2  # both chip photos


def test_review_form_shows_failed_rules(registered_case: MarriageCase, office: OfficeInfo) -> None:
    failed = (
        *registered_case.rule_outcomes,
        RuleOutcome("C-M-VOL", False, "登记员尚未确认已询问双方结婚意愿"),
    )
    document = marriage_review_form(dataclasses.replace(registered_case, rule_outcomes=failed), office)
    texts = document.pages[0].texts()
    assert "不通过" in texts
    assert any("存在未通过项" in t and "C-M-VOL" in t for t in texts)


def test_long_review_opinion_continues_on_a_second_page(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    many = tuple(RuleOutcome(f"X-{n:02d}", True, "一条较长的审查说明，" * (1 + n % 4)) for n in range(30))
    document = marriage_review_form(dataclasses.replace(registered_case, rule_outcomes=many), office)
    assert len(document.pages) == 2
    for page in document.pages:
        for item in page.items:
            if isinstance(item, TextItem):
                assert item.y_mm + item.h_mm <= 292.0, item

    text = pdf_text(PdfReader(write_pdf(document, tmp_path / "long.pdf")))
    for n in range(30):
        assert f"X-{n:02d}" in text
    assert "共2页" in text
    assert "当事人领证签名并按指纹" in text


# --------------------------------------------------------------------------- renderer


def test_pdf_font_is_the_bundled_font_embedded(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    reader = PdfReader(write_pdf(marriage_review_form(registered_case, office), tmp_path / "fonts.pdf"))
    fonts = embedded_fonts(reader)
    assert fonts
    assert all(embedded for _, embedded in fonts)
    assert any("CounterKai" in name for name, _ in fonts)


def test_pdf_metadata(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    document = marriage_certificate(registered_case, Role.A, office)
    reader = PdfReader(write_pdf(document, tmp_path / "meta.pdf"))
    assert reader.metadata is not None
    assert reader.metadata.title == document.title
    assert reader.metadata.creator == PDF_CREATOR


def test_preview_image_is_not_blank(
    qapp: QApplication, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    document = marriage_certificate(registered_case, Role.A, office)
    image = render_page_image(document, 0, dpi=96)
    assert not image.isNull()
    assert (image.width(), image.height()) == (round(95 / 25.4 * 96), round(128 / 25.4 * 96))
    assert dark_pixels(image) > 200
    assert image.pixelColor(1, 1).lightness() == 255  # white paper at the corner


def test_calibration_offset_moves_the_page(qapp: QApplication) -> None:
    document = FormDocument("cross", [Page((50.0, 50.0), [TextItem(10, 10, 20, 8, "十字", 14)])])
    dpi = 254  # 10 px per millimetre
    plain = leftmost_dark_column(render_page_image(document, 0, dpi=dpi))
    shifted = leftmost_dark_column(render_page_image(document, 0, dpi=dpi, offset_mm=(3.0, 0.0)))
    assert shifted - plain == pytest.approx(30, abs=1)


def test_pdf_and_printer_use_the_same_geometry(
    qapp: QApplication, tmp_path: Path, registered_case: MarriageCase, office: OfficeInfo
) -> None:
    """QPdfWriter at 300 dpi and QPrinter at 1200 dpi put text at the same place."""
    document = marriage_certificate(registered_case, Role.A, office)
    pdf = PdfReader(write_pdf(document, tmp_path / "writer.pdf"))

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printer.pdf"))
    print_document(document, printer)
    printed = PdfReader(tmp_path / "printer.pdf")

    assert len(printed.pages) == 2
    assert_page_size(printed, (95.0, 128.0))
    assert pdf_text(printed) == pdf_text(pdf)
    assert text_origin(printed, "J110101") == pytest.approx(text_origin(pdf, "J110101"), abs=0.5)


def text_origin(reader: PdfReader, needle: str) -> tuple[float, float]:
    """Page-space position (points) where the text run starting with `needle` is drawn."""
    found: list[tuple[float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font_dict: Any, font_size: Any) -> None:
        if text.startswith(needle) and not found:
            # Combine the text matrix with the current transformation matrix.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y))

    reader.pages[0].extract_text(visitor_text=visit)
    assert found, f"{needle!r} not found"
    return found[0]


def test_unreadable_image_fails_before_writing(qapp: QApplication, tmp_path: Path) -> None:
    document = FormDocument("bad", [Page((50.0, 50.0), [ImageItem(0, 0, 10, 10, b"not a png")])])
    with pytest.raises(ValueError, match="not a readable PNG"):
        write_pdf(document, tmp_path / "bad.pdf")
