"""What the rules engine decides on, and what it answers. Pure data.

The same model serves the counter's workflow (built from the case being captured)
and `marriage-counter rules check` (parsed from JSON), so every rule exists once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from app.domain.case import Business, Role
from app.domain.identity import IdentityDocument
from app.rules.results import RuleResult


class OfficeKind(enum.StrEnum):
    MAINLAND = "mainland"  # registries for mainland residents
    FOREIGN_HMT = "foreign_hmt"  # designated for foreign / HK-Macau-Taiwan / overseas-Chinese cases


class CentralMaritalStatus(enum.StrEnum):
    """What the national marriage database says about a person (联网核对)."""

    UNMARRIED = "unmarried"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"

    @property
    def label_zh(self) -> str:
        return {"unmarried": "未婚", "married": "已婚", "divorced": "离婚", "widowed": "丧偶"}[self.value]


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"  # accepted, neither withdrawn nor registered
    WITHDRAWN = "withdrawn"
    REGISTERED = "registered"
    DEEMED_WITHDRAWN = "deemed_withdrawn"


class CertificateKind(enum.StrEnum):
    MARRIAGE = "marriage"
    DIVORCE = "divorce"


class Decision(enum.StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    REDIRECT = "redirect"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Office:
    region: str  # GB/T 2260 county code of the registry
    kind: OfficeKind = OfficeKind.MAINLAND


@dataclass(frozen=True, slots=True)
class ResidencePermit:
    region: str  # county code of the issuing public-security organ
    valid_to: date | None  # None = not known to have an end


@dataclass(frozen=True, slots=True)
class Applicant:
    document: IdentityDocument
    role: Role | None = None  # which party at the counter; by position when absent
    hukou_region: str | None = None
    residence_permit: ResidencePermit | None = None
    marital_status: CentralMaritalStatus | None = None  # None = the live check could not run
    active_marriage_certificate: str = ""  # for the explanation when married
    marriage_registered_in_mainland: bool | None = None  # divorce: where the marriage was registered


@dataclass(frozen=True, slots=True)
class DivorceApplicationFacts:
    accepted_on: date  # T0, the day the receipt was issued
    office_region: str  # the accepting registry
    status: ApplicationStatus = ApplicationStatus.PENDING


@dataclass(frozen=True, slots=True)
class ReissueFacts:
    certificate: CertificateKind = CertificateKind.MARRIAGE
    office_region: str | None = None  # the registry that issued the original


@dataclass(frozen=True, slots=True)
class Application:
    business: Business
    on: date  # the day of the visit: selects the law in force
    office: Office
    parties: tuple[Applicant, ...]
    divorce_application: DivorceApplicationFacts | None = None
    reissue: ReissueFacts | None = None


@dataclass(frozen=True, slots=True)
class DivorceDates:
    cooling_off_end: date
    issue_window_start: date
    issue_window_end: date


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    policy: str  # the era: pre-2021 | 2021-cross-province-pilot | 2023-cross-province-pilot | 2025-nationwide
    results: tuple[RuleResult, ...]
    documents_required: tuple[str, ...] = ()
    dates: DivorceDates | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.rule_id for r in self.results if not r.passed))
