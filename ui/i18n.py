"""Qt translation: English source strings, zh_CN by default (resources/translations)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.errors import AppError
from app.resources import resources_dir
from devices.errors import DeviceError

_installed: list[QTranslator] = []


def install_translators(app: QCoreApplication, language: str) -> bool:
    """Installs the app's and Qt's own translations; False if the .qm is missing."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        return True
    locale = QLocale(language)
    ours = QTranslator(app)
    loaded = ours.load(locale, "marriage_counter", "_", str(resources_dir() / "translations"))
    if loaded:
        app.installTranslator(ours)
        _installed.append(ours)
    qt_own = QTranslator(app)
    if qt_own.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    return loaded


def error_text(error: BaseException) -> str:
    """The registrar-facing message of any error: translated template plus its code."""
    if isinstance(error, DeviceError | AppError):
        context = "DeviceError" if isinstance(error, DeviceError) else "AppError"
        template = QCoreApplication.translate(context, error.template)
        try:
            text = template.format(**error.params)
        except (KeyError, IndexError, ValueError):
            text = error.message
        device = f"{error.device}: " if isinstance(error, DeviceError) and error.device else ""
        return f"[{error.code}] {device}{text}"
    # Anything else is a bug; say so plainly, never a traceback (logged in full).
    template = QCoreApplication.translate("AppError", "Unexpected error: {detail}")
    return "[APP-000] " + template.format(detail=f"{type(error).__name__}: {error}")
