"""JSON of the business facts of a divorce or reissue case (counter_case.details).

pydantic validates what is read back against the domain dataclasses, so a damaged or
hand-edited row fails loudly with the field at fault instead of loading half a case.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from app.domain.divorce import DivorceDetails, ReissueDetails

_DIVORCE = TypeAdapter(DivorceDetails)
_REISSUE = TypeAdapter(ReissueDetails)


def details_json(divorce: DivorceDetails | None, reissue: ReissueDetails | None) -> str:
    if divorce is None and reissue is None:
        return ""
    document: dict[str, Any] = {"version": 1}
    if divorce is not None:
        document["divorce"] = _DIVORCE.dump_python(divorce, mode="json")
    if reissue is not None:
        document["reissue"] = _REISSUE.dump_python(reissue, mode="json")
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def details_from_json(text: str) -> tuple[DivorceDetails | None, ReissueDetails | None]:
    if not text:
        return None, None
    document = json.loads(text)
    if document.get("version") != 1:
        raise ValueError(f"unknown case details version {document.get('version')!r}")
    divorce = _DIVORCE.validate_python(document["divorce"]) if "divorce" in document else None
    reissue = _REISSUE.validate_python(document["reissue"]) if "reissue" in document else None
    return divorce, reissue
