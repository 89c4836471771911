"""Starts the counter GUI."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.bootstrap import CounterServices, build_services
from app.config import Config
from devices.registry import opened_by_gui
from ui.fonts import load_bundled_fonts
from ui.i18n import error_text, install_translators

if TYPE_CHECKING:
    from ui.main_window import MainWindow

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


def has_screen() -> bool:
    """A display the user looks at: not the offscreen platform (tests, the demo), and on
    Linux an X11 or Wayland session (a counter started over ssh has none)."""
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    return sys.platform == "win32" or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show_start_error(error: BaseException, *, interactive: bool | None = None) -> None:
    """A counter started from its desktop icon has no console to print to: an error that
    stops it at start (a wrong configuration key, a failed database upgrade) is shown in
    a message box too, with its code, so the registrar can read it to IT."""
    if not (has_screen() if interactive is None else interactive):
        return
    ensure_application("zh_CN")
    title = QCoreApplication.translate("StartError", "Marriage registration counter")
    box = QMessageBox(QMessageBox.Icon.Critical, title,
                      QCoreApplication.translate("StartError", "The counter could not start:") + "\n\n"
                      + error_text(error))
    box.exec()  # nothing else is running yet: blocking here blocks nobody


def install_exception_hook(window: MainWindow) -> None:
    """A bug in a slot must not pass silently or show a traceback: log it in full and
    tell the registrar in the error bar (APP-000)."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        logging.getLogger("ui").error("uncaught exception", exc_info=(kind, error, trace))
        window.error_bar.show_message(error_text(error))

    sys.excepthook = hook


def open_gui_devices(services: CounterServices) -> None:
    """Opens the devices that live in the counter's window (devices.registry.opened_by_gui):
    the Qt pen signature pad ("pen:") in its own non-modal window, on the second screen
    when there is one (a pen display is usually the counter's second monitor)."""
    spec = services.config.devices.signature_pad
    if not opened_by_gui("signature_pad", spec) or "signature_pad" in services.devices:
        return
    from ui.pen_signature import QtPenSignaturePad

    host = QDialog()
    host.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)  # closing the main window still quits
    host.setWindowTitle(QCoreApplication.translate("PenSignature", "Signature"))
    screens = QGuiApplication.screens()
    if len(screens) > 1:
        host.setScreen(screens[1])
        host.move(screens[1].availableGeometry().topLeft())
    services.devices["signature_pad"] = QtPenSignaturePad(host, name=QCoreApplication.translate(
        "PenSignature", "Pen signature"))


def run_gui(config: Config) -> int:
    from ui.main_window import MainWindow

    app = ensure_application(config.ui.language)
    services = build_services(config)
    window: MainWindow | None = None
    try:
        open_gui_devices(services)
        window = MainWindow(services)
        install_exception_hook(window)
        window.show()
        return app.exec()
    finally:
        if window is not None:
            window.ops.shutdown()
        services.close()
