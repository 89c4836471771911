"""The font bundled for printed documents.

Certificates and forms must look the same on every counter PC, so they use a font
shipped with the app rather than whatever CJK font the system happens to have
(resources/fonts/README.md explains the choice of LXGW WenKai and the subset).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication

FONT_FILE = "CounterKai-GB2312.ttf"
FAMILY = "Counter Kai SC"

# Tried after the bundled family for characters outside GB 2312 (rare name
# characters): Kai faces first so a fallback glyph does not clash with the rest.
FALLBACK_FAMILIES: tuple[str, ...] = (
    "LXGW WenKai",
    "KaiTi",
    "STKaiti",
    "AR PL UKai CN",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimSun",
)

_lock = threading.Lock()
_font_id: int | None = None


def resource_dirs() -> list[Path]:
    """Where `resources/` may be: the source tree, then the PyInstaller bundle."""
    dirs = [Path(__file__).resolve().parents[1] / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        dirs.append(Path(bundle) / "resources")
    return dirs


def font_path() -> Path:
    candidates = [d / "fonts" / FONT_FILE for d in resource_dirs()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise RuntimeError(f"bundled print font {FONT_FILE} not found (looked in: {tried})")


def load_bundled_fonts() -> str:
    """Registers the bundled print font with Qt (once) and returns its family name.

    Needs a QGuiApplication: Qt's font database lives in the application object, so a
    registration does not survive the application being destroyed and re-created;
    the cached id is therefore re-checked on every call.
    """
    global _font_id
    if QGuiApplication.instance() is None:
        raise RuntimeError("load_bundled_fonts() needs a QGuiApplication (or QApplication) to exist first")
    with _lock:
        if _font_id is not None:
            families = QFontDatabase.applicationFontFamilies(_font_id)
            if families:
                return str(families[0])
        path = font_path()
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise RuntimeError(f"Qt could not load the bundled print font {path}")
        families = QFontDatabase.applicationFontFamilies(font_id)
        if not families:
            raise RuntimeError(f"the bundled print font {path} declares no font family")
        _font_id = font_id
        return str(families[0])
