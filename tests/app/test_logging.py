from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logging_setup import BINARY_PLACEHOLDER, PersonalDataFilter, configure_logging, mask_personal_data


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


def _close(path: Path) -> str:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", None) == str(path):
            handler.close()
            root.removeHandler(handler)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def names() -> Iterator[type[PersonalDataFilter]]:
    PersonalDataFilter.forget_names()
    yield PersonalDataFilter
    PersonalDataFilter.forget_names()


def test_names_identity_numbers_and_images_never_reach_the_log(
    tmp_path: Path, names: type[PersonalDataFilter]
) -> None:
    path = configure_logging(tmp_path, "INFO")
    log = logging.getLogger("test.personal")
    names.add_names("李明轩", ["欧阳明", "Anna Müller"], "x")  # as a case is loaded; one letter is ignored
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 2
    log.info("party %s (%s) read, photo %r", "李明轩", "11010519491231002X", png)
    log.info("signature as base64 %s and as hex %s", base64.b64encode(png).decode(), png.hex())
    log.warning("party record: %r", {"name": "欧阳明", "photo": bytearray(png), "foreign": "Anna Müller"})
    try:
        raise ValueError("lookup of 李明轩 resident_id:CHN:110101199003070310 failed")
    except ValueError:
        log.exception("commit failed")
    log.info("archive sha256 %s, file %s", hashlib.sha256(png).hexdigest(), "/var/lib/marriage-counter/output")
    text = _close(path)
    for secret in ("李明轩", "欧阳明", "Anna Müller", "11010519491231002X", "110101199003070310"):
        assert secret not in text
    assert "\\x89PNG" not in text and "IHDR" not in text
    assert base64.b64encode(png).decode()[:40] not in text and png.hex()[:40] not in text
    assert "李**" in text and "欧**" in text and "A**********" in text and "1101**********002X" in text
    assert text.count(BINARY_PLACEHOLDER) == 4
    # What IT needs stays: digests, paths, the masked forms.
    assert hashlib.sha256(png).hexdigest() in text and "/var/lib/marriage-counter/output" in text


def test_longest_name_wins_and_masking_is_idempotent(names: type[PersonalDataFilter]) -> None:
    names.add_names("欧阳", "欧阳明轩")
    once = mask_personal_data("欧阳明轩 and 欧阳 and 110101199003070310")
    assert once == "欧*** and 欧* and 1101**********0310"
    assert mask_personal_data(once) == once
