"""A tiny layout model for printed documents, in millimetres from the paper's top-left.

Forms are built as plain data (ui.print.forms) and painted by one renderer
(ui.print.renderer), so the PDF, the real printer and the on-screen preview can never
disagree about where a field is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

A4_MM: tuple[float, float] = (210.0, 297.0)
# The 结婚证/离婚证 booklet page (domain.md §4.5: about 9.5 cm × 12.8 cm).
CERTIFICATE_MM: tuple[float, float] = (95.0, 128.0)
MM_PER_POINT = 25.4 / 72.0


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class TextItem:
    """Text inside a box. One line is centred vertically; wrapped text starts at the top.

    `preprinted` marks labels and rules that blank stock (certificate booklets, forms
    from the supplier) already carries, so the renderer can leave them out.
    """

    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float
    text: str
    size_pt: float
    bold: bool = False
    align: Align = Align.LEFT
    wrap: bool = False
    preprinted: bool = False


@dataclass(frozen=True, slots=True)
class ImageItem:
    """A PNG scaled to fit its box, keeping its aspect ratio, centred."""

    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float
    png: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class LineItem:
    x1_mm: float
    y1_mm: float
    x2_mm: float
    y2_mm: float
    width_mm: float = 0.25
    dashed: bool = False
    preprinted: bool = False


@dataclass(frozen=True, slots=True)
class RectItem:
    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float
    width_mm: float = 0.25
    preprinted: bool = False


@dataclass(frozen=True, slots=True)
class QrItem:
    """A QR code of `text`, `size_mm` square including its quiet zone.

    Painted as vector modules, not as an image, so it stays sharp at any printer or
    preview resolution and the layout never carries pixels that depend on a dpi.
    """

    x_mm: float
    y_mm: float
    size_mm: float
    text: str


Item = TextItem | ImageItem | LineItem | RectItem | QrItem


@dataclass(frozen=True, slots=True)
class Page:
    size_mm: tuple[float, float]
    items: tuple[Item, ...] = ()

    def __init__(self, size_mm: tuple[float, float], items: Iterable[Item] = ()) -> None:
        # Builders append to lists; the stored page is immutable like the case it came from.
        w, h = size_mm
        if w <= 0 or h <= 0:
            raise ValueError(f"page size must be positive, got {size_mm!r}")
        object.__setattr__(self, "size_mm", (float(w), float(h)))
        object.__setattr__(self, "items", tuple(items))

    def texts(self) -> list[str]:
        """Every text on the page, in paint order (handy for tests and previews)."""
        return [item.text for item in self.items if isinstance(item, TextItem)]


@dataclass(frozen=True, slots=True)
class FormDocument:
    title: str
    pages: tuple[Page, ...]

    def __init__(self, title: str, pages: Sequence[Page]) -> None:
        if not pages:
            raise ValueError("a document needs at least one page")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "pages", tuple(pages))
