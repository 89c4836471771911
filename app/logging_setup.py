"""Logging to a rotating file in the data directory. Personal data is masked at the
source (mask_number) and, as a safety net, any 18-character identity number that still
reaches a record, traceback included, is masked by the formatter."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7,10})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_identity_numbers(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record, tracebacks included (an exception's text may
    quote a person key)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_identity_numbers(super().format(record))


def configure_logging(log_dir: Path, level: str | None = None) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "counter.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("MARRIAGE_COUNTER_LOG_LEVEL", "INFO"))
    return path
