"""Printed documents: layouts as data (layout, forms) and one Qt renderer (renderer)."""

from __future__ import annotations

from ui.print.forms import OfficeInfo, marriage_certificate, marriage_declaration, marriage_review_form
from ui.print.layout import Align, FormDocument, ImageItem, LineItem, Page, RectItem, TextItem
from ui.print.renderer import pdf_bytes, print_document, render, render_page_image, write_pdf

__all__ = [
    "Align",
    "FormDocument",
    "ImageItem",
    "LineItem",
    "OfficeInfo",
    "Page",
    "RectItem",
    "TextItem",
    "marriage_certificate",
    "marriage_declaration",
    "marriage_review_form",
    "pdf_bytes",
    "print_document",
    "render",
    "render_page_image",
    "write_pdf",
]
