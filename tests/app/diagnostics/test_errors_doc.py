"""docs/errors.md documents every error code defined in the code, in both languages."""

from __future__ import annotations

import re

from app.central import errors as central_errors
from tests.counter_fixtures import REPO_ROOT

DOC = REPO_ROOT / "docs" / "errors.md"
_DEFINED = re.compile(r"""\bcode(?:\s*:\s*ClassVar\[str\])?\s*=\s*["']([A-Z]{2,4}-\d{3})["']""")


def _defined_codes() -> set[str]:
    codes: set[str] = set()
    for package in ("app", "devices", "ui"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            codes.update(_DEFINED.findall(path.read_text(encoding="utf-8")))
    return codes


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### ([A-Z]{2,4}-\d{3})\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_code_in_the_code_is_documented() -> None:
    defined = _defined_codes()
    assert {"DEV-001", "CEN-006", "SIM-001", "DIA-001"} <= defined  # the scan finds them
    missing = sorted(defined - set(_sections()))
    assert missing == [], f"add these codes to docs/errors.md: {missing}"


def test_every_section_gives_cause_and_remedy_in_english_and_chinese() -> None:
    for code, body in _sections().items():
        for label in ("- Message:", "- Cause:", "- 原因：", "- Remedy:", "- 处理："):
            assert label in body, f"{code}: no {label!r}"
        assert re.search(r"[\u4e00-\u9fff]", body.split("- 原因：")[1]), code


def test_cen_006_lists_every_central_state_error() -> None:
    subtypes = {
        name for name, value in vars(central_errors).items()
        if isinstance(value, type) and issubclass(value, central_errors.CentralStateError)
        and value is not central_errors.CentralStateError
    }
    assert len(subtypes) >= 9
    body = _sections()["CEN-006"]
    assert [name for name in sorted(subtypes) if f"`{name}`" not in body] == []
