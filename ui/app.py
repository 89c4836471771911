"""Starts the counter GUI."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from app.bootstrap import build_services
from app.config import Config
from ui.fonts import load_bundled_fonts
from ui.i18n import install_translators

# Screen font preference: the platform's CJK UI fonts first, the bundled font last
# (it is a Kai face: right for certificates, tiring for a whole day on screen).
UI_FONT_FAMILIES = ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Counter Kai SC"]


def ensure_application(language: str) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("marriage-counter")
    app.setOrganizationName("marriage-counter")
    load_bundled_fonts()
    font = QFont()
    font.setFamilies(UI_FONT_FAMILIES)
    font.setPointSize(10)
    app.setFont(font)
    install_translators(app, language)
    return app


def run_gui(config: Config) -> int:
    from ui.main_window import MainWindow

    app = ensure_application(config.ui.language)
    services = build_services(config)
    window: MainWindow | None = None
    try:
        window = MainWindow(services)
        window.show()
        return app.exec()
    finally:
        if window is not None:
            window.ops.shutdown()
        services.close()
