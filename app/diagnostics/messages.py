"""An error's message in English and Chinese without Qt.

The GUI translates error templates with Qt's translator (ui/i18n.py); the command line
cannot load Qt (app imports no PySide6), so it reads the same zh_CN catalogue, the
`.ts` file, with the standard library. One catalogue, so both say the same words.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache

from app.diagnostics.redact import redact_text
from app.errors import AppError
from app.resources import resources_dir
from devices.errors import DeviceError

CATALOGUE = "marriage_counter_zh_CN.ts"


@dataclass(frozen=True, slots=True)
class ErrorText:
    code: str
    english: str
    chinese: str

    def line(self) -> str:
        """`[CODE] English / 中文`, or only the English when both are the same."""
        if not self.chinese or self.chinese == self.english:
            return f"[{self.code}] {self.english}" if self.code else self.english
        prefix = f"[{self.code}] " if self.code else ""
        return f"{prefix}{self.english} / {self.chinese}"


@cache
def _catalogue() -> dict[tuple[str, str], str]:
    """(context, English source) → Chinese translation, finished entries only."""
    path = resources_dir() / "translations" / CATALOGUE
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}  # a build without the catalogue still reports in English
    entries: dict[tuple[str, str], str] = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            translation = message.find("translation")
            if source is None or translation is None or translation.get("type") in ("unfinished", "obsolete"):
                continue
            if translation.text:
                entries[(name, source)] = translation.text
    return entries


def translate(context: str, source: str) -> str:
    """The zh_CN translation of `source`, or `source` itself."""
    return _catalogue().get((context, source), source)


def error_text(error: BaseException) -> ErrorText:
    """Code, English and Chinese message of any error (unexpected ones included), with
    the passwords of any URL in it removed (a device spec may carry one)."""
    text = _error_text(error)
    return ErrorText(text.code, redact_text(text.english), redact_text(text.chinese))


def _error_text(error: BaseException) -> ErrorText:
    if isinstance(error, DeviceError | AppError):
        context = "DeviceError" if isinstance(error, DeviceError) else "AppError"
        device = f"{error.device}: " if isinstance(error, DeviceError) and error.device else ""
        try:
            chinese = translate(context, error.template).format(**error.params)
        except (KeyError, IndexError, ValueError):
            chinese = error.message
        return ErrorText(error.code, device + error.message, device + chinese)
    detail = f"{type(error).__name__}: {error}"
    template = "Unexpected error: {detail}"
    return ErrorText("APP-000", template.format(detail=detail), translate("AppError", template).format(detail=detail))
