"""Logging to a rotating file in the data directory. Personal data is masked at the
source (mask_number) and, as a safety net, any 15/18-character identity number that
still reaches a record is masked by a filter."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7,10})(\d{3}[\dXx])(?![0-9A-Za-z])")


class MaskIdentityNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(log_dir: Path, level: str | None = None) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "counter.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(MaskIdentityNumbers())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("MARRIAGE_COUNTER_LOG_LEVEL", "INFO"))
    return path
