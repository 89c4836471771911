from __future__ import annotations

import logging
from pathlib import Path

from app.logging_setup import configure_logging


def test_identity_numbers_are_masked_even_in_tracebacks(tmp_path: Path) -> None:
    path = configure_logging(tmp_path, "INFO")
    log = logging.getLogger("test.masking")
    log.info("card %s read", "11010519491231002X")
    try:
        raise ValueError("resident_id:CHN:110101199003070310 collided")
    except ValueError:
        log.exception("commit failed")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", None) == str(path):
            handler.close()
            root.removeHandler(handler)
    text = path.read_text(encoding="utf-8")
    assert "11010519491231002X" not in text and "110101199003070310" not in text
    assert "1101**********002X" in text and "1101**********0310" in text
