"""Renders packaging/linux/marriage-counter.svg into a Windows .ico (16-256 px).

    python packaging/windows/make_icon.py [OUT.ico]     (default build/icon/marriage-counter.ico)

Used by the NSIS installer (installer and shortcut icon) and by the PyInstaller spec on
Windows (the .exe icon). One drawing for every platform; nothing binary in the repo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SVG = REPO_ROOT / "packaging" / "linux" / "marriage-counter.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_ico(svg: Path, out: Path) -> Path:
    """Writes `out` (.ico) and, beside it, the 256 px PNG it is made from."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.with_suffix(".png")
    if not image.save(str(png)):
        raise SystemExit(f"{png}: could not be written")
    del app
    with Image.open(png) as largest:
        # BMP entries, not PNG: older Windows shells and resource tools read only those.
        largest.save(out, format="ICO", sizes=[(size, size) for size in SIZES], bitmap_format="bmp")
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "build" / "icon" / "marriage-counter.ico"
    print(render_ico(SVG, target))
