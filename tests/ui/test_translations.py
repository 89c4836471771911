"""The zh_CN translation is complete and in step with the source strings."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.errors import InvalidIdentityError
from devices.errors import CardRemovedError
from scripts.update_translations import TS_FILES, lupdate
from ui.i18n import error_text


def _unfinished(ts: Path) -> list[str]:
    root = ET.parse(ts).getroot()
    return [
        str(m.findtext("source"))
        for m in root.iter("message")
        if m.find("translation") is not None
        and (m.find("translation").get("type") in ("unfinished", "obsolete") or not m.findtext("translation"))  # type: ignore[union-attr]
    ]


def test_every_message_is_translated() -> None:
    for ts in TS_FILES:
        assert _unfinished(ts) == []


def test_ts_file_is_up_to_date_with_the_source(tmp_path: Path) -> None:
    """Fails when a new tr() string was added without running `make translations`."""
    copy = tmp_path / TS_FILES[0].name
    shutil.copy(TS_FILES[0], copy)
    lupdate(copy)
    assert _unfinished(copy) == []


def test_errors_are_shown_in_chinese_with_their_code(qapp: QCoreApplication) -> None:
    from ui.app import ensure_application

    ensure_application("zh_CN")
    assert error_text(CardRemovedError("reader")) == "[DEV-011] reader: 读卡过程中证件被移开，请重新放置证件。"
    assert error_text(InvalidIdentityError(reason="号码校验码不正确")) == "[ID-001] 证件无效：号码校验码不正确"
    assert error_text(RuntimeError("boom")).startswith("[APP-000] 意外错误")
