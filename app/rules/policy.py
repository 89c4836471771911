"""Policy eras: which law governs a visit, selected by its date.

The full multi-era engine (hukou rule, the 2021 and 2023 跨省通办 pilots, per-province
schemes) is a separate piece of work; the table is here so every check already asks
"which era?" and the answer is data, not an if-chain.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Era(enum.StrEnum):
    HUKOU_2003 = "hukou_2003"  # Reg. 2003 Art. 4: registry of one party's hukou
    PILOT_2021 = "pilot_2021"  # 国函〔2021〕48号, first batch from 2021-06-01
    PILOT_2023 = "pilot_2023"  # 国函〔2023〕34号, 21 provinces from 2023-06-01
    NATIONWIDE_2025 = "nationwide_2025"  # Order 804, in force 2025-05-10: any registry


@dataclass(frozen=True, slots=True)
class PolicyEra:
    era: Era
    effective_from: date
    citation: str
    implemented: bool


ERAS: tuple[PolicyEra, ...] = (
    PolicyEra(Era.HUKOU_2003, date(2003, 10, 1), "《婚姻登记条例》（国务院令第387号）第四条", False),
    PolicyEra(Era.PILOT_2021, date(2021, 6, 1), "国函〔2021〕48号", False),
    PolicyEra(Era.PILOT_2023, date(2023, 6, 1), "国函〔2023〕34号", False),
    PolicyEra(Era.NATIONWIDE_2025, date(2025, 5, 10), "《婚姻登记条例》（国务院令第804号）", True),
)


def era_on(day: date) -> PolicyEra:
    """The era in force on `day` (the last era whose start is not after it)."""
    current = ERAS[0]
    for era in ERAS:
        if era.effective_from <= day:
            current = era
    return current


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """Points the law leaves open (domain.md §0.1): settings, not code."""

    age_attained_on_birthday: bool = True  # §0.1 item 6
    min_age_male: int = 22  # Civil Code 1047
    min_age_female: int = 20
    office_designated_foreign_hmt: bool = False  # §0.1 item 5
