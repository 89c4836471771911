"""The bundled font loader and the layout model."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

import ui.fonts
from ui.fonts import FAMILY, load_bundled_fonts
from ui.print.layout import FormDocument, Page, TextItem


def test_bundled_font_loads_once(qapp: QApplication) -> None:
    first = load_bundled_fonts()
    assert first == FAMILY
    assert load_bundled_fonts() == first
    assert QFontDatabase.families().count(FAMILY) == 1
    assert QFontDatabase.hasFamily(FAMILY)


def test_missing_font_file_is_a_clear_error(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ui.fonts, "_font_id", None)
    monkeypatch.setattr(ui.fonts, "resource_dirs", lambda: [tmp_path])
    with pytest.raises(RuntimeError, match=r"CounterKai-GB2312\.ttf not found"):
        load_bundled_fonts()


def test_frozen_bundle_is_searched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    dirs = ui.fonts.resource_dirs()
    assert dirs[0] == Path(ui.fonts.__file__).resolve().parents[1] / "resources"
    assert dirs[-1] == tmp_path / "resources"


def test_page_and_document_are_immutable() -> None:
    items = [TextItem(1, 2, 3, 4, "字", 10)]
    page = Page((95, 128), items)
    items.clear()
    assert page.size_mm == (95.0, 128.0)
    assert page.texts() == ["字"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        page.size_mm = (1.0, 1.0)  # type: ignore[misc]
    document = FormDocument("t", [page])
    assert document.pages == (page,)


def test_layout_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Page((0, 10))
    with pytest.raises(ValueError):
        FormDocument("empty", [])
