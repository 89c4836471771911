"""JSON of the business facts of a divorce or reissue case, and of the face checks
of any case (counter_case.details).

pydantic validates what is read back against the domain dataclasses, so a damaged or
hand-edited row fails loudly with the field at fault instead of loading half a case.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from app.domain.case import FaceCheck, MarriageCase
from app.domain.divorce import DivorceDetails, ReissueDetails

_DIVORCE = TypeAdapter(DivorceDetails)
_REISSUE = TypeAdapter(ReissueDetails)
_FACE_CHECKS = TypeAdapter(tuple[FaceCheck, ...])


def details_json(case: MarriageCase) -> str:
    """"" when the case has none of these facts (a marriage without face checks)."""
    if case.divorce is None and case.reissue is None and not case.face_checks:
        return ""
    document: dict[str, Any] = {"version": 1}
    if case.divorce is not None:
        document["divorce"] = _DIVORCE.dump_python(case.divorce, mode="json")
    if case.reissue is not None:
        document["reissue"] = _REISSUE.dump_python(case.reissue, mode="json")
    if case.face_checks:  # an optional key: version 1 rows without it read as no checks
        document["face_checks"] = _FACE_CHECKS.dump_python(case.face_checks, mode="json")
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def details_from_json(text: str) -> tuple[DivorceDetails | None, ReissueDetails | None, tuple[FaceCheck, ...]]:
    if not text:
        return None, None, ()
    document = json.loads(text)
    if document.get("version") != 1:
        raise ValueError(f"unknown case details version {document.get('version')!r}")
    divorce = _DIVORCE.validate_python(document["divorce"]) if "divorce" in document else None
    reissue = _REISSUE.validate_python(document["reissue"]) if "reissue" in document else None
    face_checks = _FACE_CHECKS.validate_python(document.get("face_checks", ()))
    return divorce, reissue, face_checks
