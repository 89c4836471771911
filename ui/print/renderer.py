"""Paints a FormDocument onto a PDF, a printer or an image: one painting routine for all.

Positions are millimetres from the paper edge converted at the device's own resolution
(mm × dpi / 25.4), so a QPdfWriter at 300 dpi and a QPrinter at 1200 dpi put every field
in the same physical place. A per-printer calibration offset (from machine config)
shifts the whole page to compensate for the paper feed of pre-printed stock.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import segno
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)
from PySide6.QtPrintSupport import QPrinter

from ui.fonts import FALLBACK_FAMILIES, load_bundled_fonts
from ui.print.layout import (
    MM_PER_POINT,
    Align,
    FormDocument,
    ImageItem,
    LineItem,
    Page,
    QrItem,
    RectItem,
    TextItem,
)

PDF_DPI = 300
PDF_CREATOR = "婚姻登记柜台 marriage-counter"
# Text that does not fit its box is shrunk down to this share of its size before it is
# allowed to overflow: a long address must stay inside its cell rather than run into
# the next field on a legal document.
_MIN_SHRINK = 0.6
_SHRINK_STEP = 0.94

# QR codes: error correction level M (15 %) survives smudges and a folded receipt while
# keeping modules large; the quiet zone of 4 modules is what ISO/IEC 18004 requires
# around the symbol for scanners to find it.
_QR_ERROR = "m"
_QR_QUIET_ZONE = 4

_ALIGN = {
    Align.LEFT: Qt.AlignmentFlag.AlignLeft,
    Align.CENTER: Qt.AlignmentFlag.AlignHCenter,
    Align.RIGHT: Qt.AlignmentFlag.AlignRight,
}


class _ImageCache:
    """Decodes each PNG once per render and fails before anything is painted."""

    def __init__(self) -> None:
        self._images: dict[bytes, QImage] = {}

    def get(self, png: bytes) -> QImage:
        image = self._images.get(png)
        if image is None:
            image = QImage.fromData(png)
            if image.isNull():
                raise ValueError(f"image ({len(png)} bytes) is not a readable PNG")
            self._images[png] = image
        return image

    def preload(self, document: FormDocument) -> None:
        for page in document.pages:
            for item in page.items:
                if isinstance(item, ImageItem):
                    self.get(item.png)


def _require_app() -> None:
    # Without an application object Qt aborts the process inside the font database or
    # the PDF engine; a Python exception is far easier to diagnose.
    if QGuiApplication.instance() is None:
        raise RuntimeError("printing needs a QGuiApplication (or QApplication) to exist first")


def _base_font() -> QFont:
    _require_app()
    font = QFont()
    font.setFamilies([load_bundled_fonts(), *FALLBACK_FAMILIES])
    # Hinting snaps glyphs to the device pixel grid, which would make the 96 dpi preview
    # break lines differently from the 300 dpi PDF.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setKerning(False)
    return font


def paint_page(
    painter: QPainter,
    page: Page,
    px_per_mm: float,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
    images: _ImageCache | None = None,
) -> None:
    """Paints one page with `painter`, whose origin is the paper's top-left corner.

    `px_per_mm` is the device (or image) resolution in pixels per millimetre. Fonts are
    sized in device pixels, independent of the device's notion of logical DPI, so the
    same page measures the same on a QImage, a QPdfWriter and a QPrinter.
    """
    cache = images if images is not None else _ImageCache()
    dx, dy = offset_mm
    base_font = _base_font()
    device = painter.device()
    logical_dpi = device.logicalDpiY() if device is not None else 96
    painter.save()
    try:
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )

        def rect(x: float, y: float, w: float, h: float) -> QRectF:
            return QRectF((x + dx) * px_per_mm, (y + dy) * px_per_mm, w * px_per_mm, h * px_per_mm)

        def pen(width_mm: float, dashed: bool = False) -> QPen:
            p = QPen(QColor(0, 0, 0))
            # At least one pixel, so hairlines survive the low-resolution preview.
            p.setWidthF(max(width_mm * px_per_mm, 1.0))
            p.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            return p

        for item in page.items:
            if isinstance(item, TextItem):
                if item.preprinted and not include_preprinted:
                    continue
                _paint_text(
                    painter,
                    item,
                    rect(item.x_mm, item.y_mm, item.w_mm, item.h_mm),
                    base_font,
                    px_per_mm,
                    logical_dpi,
                )
            elif isinstance(item, ImageItem):
                _paint_image(painter, cache.get(item.png), rect(item.x_mm, item.y_mm, item.w_mm, item.h_mm))
            elif isinstance(item, LineItem):
                if item.preprinted and not include_preprinted:
                    continue
                painter.setPen(pen(item.width_mm, item.dashed))
                painter.drawLine(
                    QPointF((item.x1_mm + dx) * px_per_mm, (item.y1_mm + dy) * px_per_mm),
                    QPointF((item.x2_mm + dx) * px_per_mm, (item.y2_mm + dy) * px_per_mm),
                )
            elif isinstance(item, RectItem):
                if item.preprinted and not include_preprinted:
                    continue
                painter.setPen(pen(item.width_mm))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect(item.x_mm, item.y_mm, item.w_mm, item.h_mm))
            elif isinstance(item, QrItem):
                _paint_qr(painter, item, rect(item.x_mm, item.y_mm, item.size_mm, item.size_mm))
    finally:
        painter.restore()


def _paint_text(
    painter: QPainter, item: TextItem, box: QRectF, base_font: QFont, px_per_mm: float, logical_dpi: int
) -> None:
    if not item.text:
        return
    flags = _ALIGN[item.align]
    if item.wrap:
        flags |= Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
    else:
        flags |= Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine
    font = QFont(base_font)
    font.setBold(item.bold)
    size_pt = item.size_pt
    while True:
        # Desired glyph size in device pixels, expressed as the point size that the
        # device's logical DPI turns back into those pixels.
        size_px = size_pt * MM_PER_POINT * px_per_mm
        font.setPointSizeF(size_px * 72.0 / logical_dpi)
        painter.setFont(font)
        needed = painter.boundingRect(box, int(flags), item.text)
        fits = needed.width() <= box.width() + 0.5 and (
            not item.wrap or needed.height() <= box.height() + 0.5
        )
        if fits or size_pt <= item.size_pt * _MIN_SHRINK:
            break
        size_pt *= _SHRINK_STEP
    painter.setPen(QColor(0, 0, 0))
    painter.drawText(box, int(flags), item.text)


def qr_modules(text: str) -> list[list[bool]]:
    """The QR matrix of `text` with its quiet zone, True for a dark module."""
    qr = segno.make_qr(text, error=_QR_ERROR)
    return [[bool(module) for module in row] for row in qr.matrix_iter(scale=1, border=_QR_QUIET_ZONE)]


def _paint_qr(painter: QPainter, item: QrItem, box: QRectF) -> None:
    if not item.text:
        return
    modules = qr_modules(item.text)
    module = box.width() / len(modules)
    # The quiet zone must be white even on tinted stock, hence an explicit white square.
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255))
    painter.drawRect(box)
    # Runs of dark modules in one path with a winding fill: a single filled shape has no
    # antialiased seams between neighbouring squares, and the PDF stays small.
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.addRect(
                QRectF(
                    box.x() + start * module,
                    box.y() + row_index * module,
                    (column - start) * module,
                    module,
                )
            )
    painter.fillPath(path, QColor(0, 0, 0))


def _paint_image(painter: QPainter, image: QImage, box: QRectF) -> None:
    size = QSizeF(image.width(), image.height())
    size.scale(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(
        box.x() + (box.width() - size.width()) / 2,
        box.y() + (box.height() - size.height()) / 2,
        size.width(),
        size.height(),
    )
    painter.drawImage(target, image)


def _page_layout(page: Page) -> QPageLayout:
    w, h = page.size_mm
    # QPageSize describes paper in portrait; a landscape page is the same paper turned.
    orientation = QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait
    paper = QSizeF(min(w, h), max(w, h))
    # ExactMatch: the default fuzzy match would snap a custom booklet size to the
    # nearest standard paper and move every field.
    size = QPageSize(paper, QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def render(
    document: FormDocument,
    device: QPagedPaintDevice,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
) -> None:
    """Paints every page of `document` onto `device` (a QPdfWriter or a QPrinter).

    The device must not be painting yet; its page size is set from each Page. On a
    QPrinter call setFullPage(True) first (print_document does) so the origin is the
    paper edge rather than the printable area.
    """
    _require_app()
    images = _ImageCache()
    images.preload(document)  # a broken image must fail before half a PDF is written
    load_bundled_fonts()  # likewise a missing font
    # Real printers may refuse zero margins; with full-page mode the origin is the
    # paper corner anyway, so a refused layout only matters for the page size.
    device.setPageLayout(_page_layout(document.pages[0]))
    painter = QPainter()
    if not painter.begin(device):
        raise RuntimeError("could not start painting on the print device (is the output path writable?)")
    try:
        for index, page in enumerate(document.pages):
            if index:
                device.setPageLayout(_page_layout(page))
                if not device.newPage():
                    raise RuntimeError(f"the print device refused page {index + 1}")
            dpi_x = device.logicalDpiX()
            dpi_y = device.logicalDpiY()
            painter.save()
            if dpi_x != dpi_y:
                # Some printer drivers have different horizontal and vertical
                # resolutions; work in vertical pixels and let the transform stretch.
                painter.scale(dpi_x / dpi_y, 1.0)
            paint_page(
                painter,
                page,
                dpi_y / 25.4,
                offset_mm=offset_mm,
                include_preprinted=include_preprinted,
                images=images,
            )
            painter.restore()
    finally:
        painter.end()


def pdf_bytes(
    document: FormDocument,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
) -> bytes:
    """`document` as a PDF (300 dpi, zero margins, bundled font embedded), in memory: a
    printed form carries personal data and is never written to disk in the clear."""
    _require_app()
    data = QByteArray()
    buffer = QBuffer(data)
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise RuntimeError("could not open an in-memory buffer for the PDF")
    try:
        writer = QPdfWriter(buffer)
        writer.setResolution(PDF_DPI)
        writer.setTitle(document.title)
        writer.setCreator(PDF_CREATOR)
        render(document, writer, offset_mm=offset_mm, include_preprinted=include_preprinted)
        del writer  # the PDF is complete once painting ended; nothing more is written
    finally:
        buffer.close()
    return bytes(data.data())


def write_pdf(
    document: FormDocument,
    path: str | PathLike[str],
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
) -> Path:
    """Writes `document` as a PDF file (see pdf_bytes)."""
    out = Path(path)
    out.write_bytes(pdf_bytes(document, offset_mm=offset_mm, include_preprinted=include_preprinted))
    return out


def print_document(
    document: FormDocument,
    printer: QPrinter,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
) -> None:
    """Prints on a real printer; offset_mm is that printer's calibration (dx, dy)."""
    printer.setFullPage(True)
    printer.setDocName(document.title)
    render(document, printer, offset_mm=offset_mm, include_preprinted=include_preprinted)


def render_page_image(
    document: FormDocument,
    page_index: int,
    dpi: float = 96,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    include_preprinted: bool = True,
) -> QImage:
    """Renders one page to an image for the on-screen preview, white paper background."""
    _require_app()
    page = document.pages[page_index]
    px_per_mm = dpi / 25.4
    w_mm, h_mm = page.size_mm
    image = QImage(
        round(w_mm * px_per_mm), round(h_mm * px_per_mm), QImage.Format.Format_ARGB32_Premultiplied
    )
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor(255, 255, 255))
    images = _ImageCache()
    images.preload(FormDocument(document.title, [page]))
    painter = QPainter(image)
    try:
        paint_page(
            painter,
            page,
            px_per_mm,
            offset_mm=offset_mm,
            include_preprinted=include_preprinted,
            images=images,
        )
    finally:
        painter.end()
    return image
