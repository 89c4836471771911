"""JSON in and out of the rules engine, for `marriage-counter rules check`.

Input is validated strictly (unknown keys are errors, region codes must exist); any
problem raises RulesInputError naming the key, so the CLI exits 2 with a message
instead of a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from app.domain.case import Business, Role
from app.domain.identity import DocumentType, IdentityDocument, Sex, normalise_citizen_number
from app.errors import AppError
from app.rules.model import (
    Applicant,
    Application,
    ApplicationStatus,
    CentralMaritalStatus,
    CertificateKind,
    DivorceApplicationFacts,
    Office,
    OfficeKind,
    ReissueFacts,
    ResidencePermit,
    Verdict,
)
from devices.errors import QT_TRANSLATE_NOOP


class RulesInputError(AppError):
    code = "RUL-001"
    template = QT_TRANSLATE_NOOP("AppError", "Invalid case file, at {key}: {reason}")
    exit_code = 2


_DOCUMENT_TYPES = {
    "resident_id": DocumentType.RESIDENT_ID,
    "hmt_residence_permit": DocumentType.HMT_RESIDENCE_PERMIT,
    "foreign_pr_card": DocumentType.FOREIGN_PERMANENT_RESIDENT,
    "passport": DocumentType.PASSPORT,
}
# How many parties each business needs in person (Civil Code 1049, 1076, 1077; §1.3).
_PARTY_COUNT = {
    Business.MARRIAGE: (2, 2),
    Business.DIVORCE_APPLICATION: (2, 2),
    Business.DIVORCE_REGISTRATION: (2, 2),
    Business.DIVORCE_WITHDRAWAL: (1, 2),
    Business.REISSUE: (1, 2),
}


def _long_term(value: Any) -> Any:
    return None if value == "长期" else value


ValidTo = Annotated[date | None, BeforeValidator(_long_term)]
RegionCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class DocumentIn(_Strict):
    type: Literal["resident_id", "hmt_residence_permit", "foreign_pr_card", "passport"]
    number: str = Field(min_length=1)
    name: str = Field(min_length=1)
    sex: Literal["male", "female"]
    birth_date: date
    valid_from: date
    valid_to: ValidTo
    nationality: str | None = Field(None, pattern=r"^[A-Z]{3}$")  # ISO 3166 alpha-3
    ethnicity: str = Field("", pattern=r"^(\d{2})?$")

    @model_validator(mode="after")
    def _passport_names_its_country(self) -> DocumentIn:
        # Every other document is issued by China; a passport says nothing without it.
        if self.type == "passport" and self.nationality is None:
            raise ValueError("nationality: required for a passport (ISO 3166 alpha-3, e.g. DEU)")
        return self


class PermitIn(_Strict):
    region: RegionCode
    valid_to: ValidTo = None


class PartyIn(_Strict):
    document: DocumentIn
    hukou_region: RegionCode | None = None
    residence_permit: PermitIn | None = None
    marital_status: Literal["unmarried", "married", "divorced", "widowed"] | None = None
    marriage_registered_in_mainland: bool | None = None


class OfficeIn(_Strict):
    region: RegionCode
    kind: Literal["mainland", "foreign_hmt"] = "mainland"


class DivorceApplicationIn(_Strict):
    accepted_on: date
    office_region: RegionCode
    status: Literal["pending", "withdrawn", "registered", "deemed_withdrawn"] = "pending"


class ReissueIn(_Strict):
    certificate: Literal["marriage", "divorce"] = "marriage"
    office_region: RegionCode | None = None


class CaseIn(_Strict):
    business: Literal["marriage", "divorce_application", "divorce_withdrawal", "divorce_registration", "reissue"]
    date: date
    office: OfficeIn
    parties: list[PartyIn] = Field(min_length=1)
    divorce_application: DivorceApplicationIn | None = None
    reissue: ReissueIn | None = None

    @model_validator(mode="after")
    def _business_needs(self) -> CaseIn:
        business = Business(self.business)
        low, high = _PARTY_COUNT[business]
        if not low <= len(self.parties) <= high:
            wanted = str(low) if low == high else f"{low} or {high}"
            raise ValueError(f"parties: {business.value} needs {wanted} parties, got {len(self.parties)}")
        if business in (Business.DIVORCE_WITHDRAWAL, Business.DIVORCE_REGISTRATION) and not self.divorce_application:
            raise ValueError(f"divorce_application: required for {business.value}")
        return self


def _region_keys(case: CaseIn) -> list[tuple[str, str]]:
    keys = [("office.region", case.office.region)]
    for i, party in enumerate(case.parties):
        if party.hukou_region:
            keys.append((f"parties[{i}].hukou_region", party.hukou_region))
        if party.residence_permit:
            keys.append((f"parties[{i}].residence_permit.region", party.residence_permit.region))
    if case.divorce_application:
        keys.append(("divorce_application.office_region", case.divorce_application.office_region))
    if case.reissue and case.reissue.office_region:
        keys.append(("reissue.office_region", case.reissue.office_region))
    return keys


def _applicant(party: PartyIn) -> Applicant:
    doc = party.document
    doc_type = _DOCUMENT_TYPES[doc.type]
    number = doc.number.strip().upper()
    if doc_type in (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT):
        number = normalise_citizen_number(number)
    identity = IdentityDocument(
        doc_type=doc_type,
        number=number,
        name=doc.name.strip(),
        sex=Sex.MALE if doc.sex == "male" else Sex.FEMALE,
        birth_date=doc.birth_date,
        ethnicity_code=doc.ethnicity,
        address="",
        issuing_authority="",
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        nationality=doc.nationality or "CHN",
    )
    permit = party.residence_permit
    return Applicant(
        document=identity,
        hukou_region=party.hukou_region,
        residence_permit=ResidencePermit(permit.region, permit.valid_to) if permit else None,
        marital_status=CentralMaritalStatus(party.marital_status) if party.marital_status else None,
        marriage_registered_in_mainland=party.marriage_registered_in_mainland,
    )


def parse_case(text: str, region_codes: Container[str]) -> Application:
    """Parses and validates a case file; RulesInputError names the first bad key."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RulesInputError(key=f"line {error.lineno}, column {error.colno}", reason=error.msg) from error
    try:
        case = CaseIn.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in first["loc"]).replace(".[", "[")
        reason = first["msg"]
        if match := re.match(r"Value error, (\w+): (.*)", reason):  # our validators name the field
            key = f"{key}.{match[1]}" if key else match[1]
            reason = match[2]
        raise RulesInputError(key=key or "(top level)", reason=reason) from error
    for key, region in _region_keys(case):
        if region not in region_codes:
            raise RulesInputError(key=key, reason=f"{region} is not a GB/T 2260 region code (current or retired)")
    divorce = case.divorce_application
    return Application(
        business=Business(case.business),
        on=case.date,
        office=Office(case.office.region, OfficeKind(case.office.kind)),
        parties=tuple(_applicant(p) for p in case.parties),
        divorce_application=DivorceApplicationFacts(
            divorce.accepted_on, divorce.office_region, ApplicationStatus(divorce.status)
        )
        if divorce
        else None,
        reissue=ReissueFacts(CertificateKind(case.reissue.certificate), case.reissue.office_region)
        if case.reissue
        else (ReissueFacts() if case.business == "reissue" else None),
    )


_PARTY_INDEX = {Role.A: 0, Role.B: 1}


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "decision": verdict.decision.value,
        "policy": verdict.policy,
        "results": [
            {
                "rule": r.rule_id,
                "passed": r.passed,
                "party": None if r.party is None else _PARTY_INDEX[r.party],
                "message": r.message,
            }
            for r in verdict.results
        ],
        "failed": list(verdict.failed),
        "documents_required": list(verdict.documents_required),
    }
    if verdict.dates is not None:
        out["dates"] = {
            "cooling_off_end": verdict.dates.cooling_off_end.isoformat(),
            "issue_window_start": verdict.dates.issue_window_start.isoformat(),
            "issue_window_end": verdict.dates.issue_window_end.isoformat(),
        }
    out["notes"] = list(verdict.notes)
    return out
