from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.domain.case import Role
from app.domain.identity import Sex
from app.rules.marriage import age_on, check_age, marriage_checks
from app.rules.policy import Era, RuleSettings, era_on
from app.rules.results import Consequence
from tests.factories import empty_case, identity, party

SETTINGS = RuleSettings()
TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("birth", "day", "on_birthday", "age"),
    [
        (date(2004, 11, 29), date(2026, 11, 29), True, 22),
        (date(2004, 11, 29), date(2026, 11, 29), False, 21),
        (date(2004, 11, 30), date(2026, 11, 29), True, 21),
        (date(2004, 2, 29), date(2026, 2, 28), True, 21),  # leap-day birth: reached on 1 March
        (date(2004, 2, 29), date(2026, 3, 1), True, 22),
        (date(2004, 2, 29), date(2028, 2, 29), True, 24),
    ],
)
def test_age_in_full_years(birth: date, day: date, on_birthday: bool, age: int) -> None:
    assert age_on(birth, day, attained_on_birthday=on_birthday) == age


def test_man_of_21_refused_with_the_date_he_may_register() -> None:
    young = party(Role.A, identity(birth=date(2005, 1, 15)))
    result = check_age(young, TODAY, SETTINGS)
    assert not result.passed and result.consequence is Consequence.REFUSE
    assert "第一千零四十七条" in result.message and "2027年01月15日" in result.message


def test_woman_of_20_passes() -> None:
    bride = party(Role.B, identity(sex=Sex.FEMALE, birth=date(2006, 11, 29)))
    assert check_age(bride, TODAY, SETTINGS).passed


def _full_case(**party_changes: object) -> object:
    case = empty_case()
    a = party(Role.A, identity("李测", Sex.MALE, date(1995, 1, 1)))
    b = party(Role.B, identity("王测", Sex.FEMALE, date(1996, 1, 1)))
    return replace(case, parties={Role.A: a, Role.B: b}, **party_changes)


def test_complete_pair_without_photo_and_declarations_lists_what_is_missing() -> None:
    results = {r.rule_id: r for r in marriage_checks(_full_case(), TODAY, SETTINGS)}  # type: ignore[arg-type]
    assert results["C-M-SEX"].passed and results["C-M-AGE"].passed
    assert not results["C-M-PHOTO"].passed
    assert not results["C-M-DECL"].passed and not results["C-M-VOL"].passed


def test_same_sex_refused() -> None:
    case = empty_case()
    a = party(Role.A, identity("甲", Sex.MALE, date(1990, 1, 1), sequence=11))
    b = party(Role.B, identity("乙", Sex.MALE, date(1991, 1, 1), sequence=13))
    results = {r.rule_id: r for r in marriage_checks(replace(case, parties={Role.A: a, Role.B: b}), TODAY, SETTINGS)}
    assert not results["C-M-SEX"].passed


def test_married_party_refused_and_unknown_is_pending() -> None:
    case = empty_case()
    a = party(Role.A, identity(), central="J110101-2026-000001")
    b = party(Role.B, identity("乙", Sex.FEMALE, date(1996, 1, 1)), central=None)
    results = [r for r in marriage_checks(replace(case, parties={Role.A: a, Role.B: b}), TODAY, SETTINGS)
               if r.rule_id == "C-M-SPOUSE"]
    by_role = {r.party: r for r in results}
    assert by_role[Role.A].consequence is Consequence.REFUSE and "J110101-2026-000001" in by_role[Role.A].message
    assert by_role[Role.B].consequence is Consequence.PENDING


def test_expired_card_blocks() -> None:
    case = empty_case()
    a = party(Role.A, identity(valid_to=date(2020, 6, 30)))
    results = [r for r in marriage_checks(replace(case, parties={Role.A: a}), TODAY, SETTINGS) if r.rule_id == "C-ID-1"]
    assert not results[0].passed and "2020-06-30" in results[0].message


def test_eras_by_date() -> None:
    assert era_on(date(2025, 5, 9)).era is Era.PILOT_2023
    assert era_on(date(2025, 5, 10)).era is Era.NATIONWIDE_2025
    assert era_on(date(2021, 6, 1)).era is Era.PILOT_2021
    older = marriage_checks(_full_case(), date(2024, 1, 1), SETTINGS)  # type: ignore[arg-type]
    assert [r.rule_id for r in older] == ["C-M-REG"] and not older[0].passed
