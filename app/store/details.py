"""JSON of the business facts of a divorce or reissue case, and of the face checks,
printed forms' PDFs and voided certificate blanks of any case (counter_case.details,
a sealed column: the PDFs are encrypted with the rest of the case).

pydantic validates what is read back against the domain dataclasses, so a damaged or
hand-edited row fails loudly with the field at fault instead of loading half a case.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import TypeAdapter

from app.domain.case import FaceCheck, FormFile, MarriageCase, VoidedBlank
from app.domain.divorce import DivorceDetails, ReissueDetails
from app.domain.set_aside import RuleSetAside

_DIVORCE = TypeAdapter(DivorceDetails)
_REISSUE = TypeAdapter(ReissueDetails)
_FACE_CHECKS = TypeAdapter(tuple[FaceCheck, ...])
_VOIDED_BLANKS = TypeAdapter(tuple[VoidedBlank, ...])
_SET_ASIDES = TypeAdapter(tuple[RuleSetAside, ...])


def details_json(case: MarriageCase, *, form_files: bool = True) -> str:
    """"" when the case has none of these facts (a marriage without face checks).
    `form_files=False` leaves the PDFs out (the archive keeps them as files of their own)."""
    files = case.form_files if form_files else ()
    if case.divorce is None and case.reissue is None and not case.face_checks and not files \
            and not case.voided_blanks and not case.rule_set_asides:
        return ""
    document: dict[str, Any] = {"version": 1}
    if case.divorce is not None:
        document["divorce"] = _DIVORCE.dump_python(case.divorce, mode="json")
    if case.reissue is not None:
        document["reissue"] = _REISSUE.dump_python(case.reissue, mode="json")
    if case.face_checks:  # an optional key: version 1 rows without it read as no checks
        document["face_checks"] = _FACE_CHECKS.dump_python(case.face_checks, mode="json")
    if files:  # optional keys too: no migration, older rows read as none
        document["form_files"] = {f.name: base64.b64encode(f.pdf).decode("ascii") for f in files}
    if case.voided_blanks:
        document["voided_blanks"] = _VOIDED_BLANKS.dump_python(case.voided_blanks, mode="json")
    if case.rule_set_asides:  # optional, like the others: older rows read as none
        document["rule_set_asides"] = _SET_ASIDES.dump_python(case.rule_set_asides, mode="json")
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


def printed_from_json(text: str) -> tuple[tuple[FormFile, ...], tuple[VoidedBlank, ...]]:
    """The printed forms' PDFs and the voided certificate blanks kept in the details."""
    if not text:
        return (), ()
    document = json.loads(text)
    files = document.get("form_files", {})
    if not isinstance(files, dict):
        raise ValueError("case details: form_files is not an object")
    form_files = tuple(FormFile(str(name), base64.b64decode(data, validate=True)) for name, data in files.items())
    return form_files, _VOIDED_BLANKS.validate_python(document.get("voided_blanks", ()))


def set_asides_from_json(text: str) -> tuple[RuleSetAside, ...]:
    """The rule results a supervisor set aside (app.rules.set_aside), kept in the details."""
    if not text:
        return ()
    return _SET_ASIDES.validate_python(json.loads(text).get("rule_set_asides", ()))
