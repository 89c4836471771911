"""Policy tables: which law governs a visit, which areas ran 跨省通办 pilots, what the
parties bring. Pure data types; the tables themselves live in resources/rules/policy.yaml
and are loaded by app.policy_data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Era(enum.StrEnum):
    PRE_2021 = "pre-2021"  # Reg. 2003 Art. 4/10: registry of one party's hukou county
    PILOT_2021 = "2021-cross-province-pilot"  # 国函〔2021〕48号
    PILOT_2023 = "2023-cross-province-pilot"  # 国函〔2023〕34号
    NATIONWIDE_2025 = "2025-nationwide"  # Order 804, in force 2025-05-10: any registry


class ResidencePermitScope(enum.StrEnum):
    """Where a residence permit counts (§0.1 item 2)."""

    PREFECTURE = "prefecture"  # the issuing city; a municipality counts as one city
    COUNTY = "county"
    PROVINCE = "province"


class BusinessGroup(enum.StrEnum):
    """How the pilots name businesses."""

    MARRIAGE = "marriage"
    DIVORCE = "divorce"


@dataclass(frozen=True, slots=True)
class PolicyEra:
    era: Era
    effective_from: date
    citation: str


@dataclass(frozen=True, slots=True)
class PilotArea:
    region: str  # 2-digit province or 4-digit city prefix
    name: str
    businesses: frozenset[BusinessGroup]
    city: bool = False  # city pilots: permits of that city, registries of that city only

    def contains(self, region: str) -> bool:
        return region.startswith(self.region)


@dataclass(frozen=True, slots=True)
class Pilot:
    pilot_id: str
    start: date
    end: date
    citation: str
    hukou_in_province_suffices: bool
    areas: tuple[PilotArea, ...]

    def area_for(self, office_region: str, day: date, group: BusinessGroup) -> PilotArea | None:
        if not self.start <= day <= self.end:
            return None
        for area in self.areas:
            if area.contains(office_region) and group in area.businesses:
                return area
        return None

    def area_any_business(self, office_region: str) -> PilotArea | None:
        return next((area for area in self.areas if area.contains(office_region)), None)


@dataclass(frozen=True, slots=True)
class IntraProvinceScheme:
    province: str
    name: str
    start: date


@dataclass(frozen=True, slots=True)
class DocumentTable:
    identity: dict[str, str]  # document type value → what the output calls it
    marriage_by_identity: dict[str, tuple[str, ...]]
    hukou_booklet_until: date
    business: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class PolicyTables:
    eras: tuple[PolicyEra, ...]
    pilots: tuple[Pilot, ...]
    intra_province_schemes: tuple[IntraProvinceScheme, ...]
    municipalities: frozenset[str]
    documents: DocumentTable

    def era_on(self, day: date) -> PolicyEra:
        """The era in force on `day`: the last one that started on or before it."""
        current = self.eras[0]
        for era in self.eras:
            if era.effective_from <= day:
                current = era
        return current


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """Points the law leaves open (domain.md §0.1): configuration, not code."""

    age_attained_on_birthday: bool = True  # §0.1 item 6
    min_age_male: int = 22  # Civil Code 1047
    min_age_female: int = 20
    residence_permit_scope: ResidencePermitScope = ResidencePermitScope.PREFECTURE  # §0.1 item 2
    weekends_are_rest_days: bool = True  # §0.1 item 7
    intra_province_schemes: frozenset[str] = field(default_factory=frozenset)  # enabled provinces, §0.1 item 4
    # 人证合一 by face comparison is provincial practice, not national law: where the
    # province requires it, no case is accepted without a check (C-ID-FACE).
    face_check_required: bool = False
