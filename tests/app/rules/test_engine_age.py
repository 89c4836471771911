"""Marriage conditions through `decide` (domain.md §1.1 M-002/M-004, §1.4, §0.1 item 6, §7):
C-M-AGE on and around birthdays (incl. 29 February), C-M-SEX, C-M-SPOUSE."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.case import Role
from app.domain.identity import Sex
from app.rules.engine import RulesContext, decide
from app.rules.model import Applicant, CentralMaritalStatus
from tests.app.rules.conftest import (
    ERAS,
    bride,
    groom,
    id_card,
    marriage,
    messages,
    party,
    summary,
    with_settings,
)


def _policy(on: date) -> str:
    return "2025-nationwide" if on >= date(2025, 5, 10) else "2023-cross-province-pilot"


@pytest.mark.parametrize(
    ("sex", "birth", "on", "on_birthday", "ok", "from_day"),
    [
        # men: 22 full years (Civil Code 1047)
        pytest.param(
            Sex.MALE,
            date(2003, 6, 15),
            date(2025, 6, 14),
            True,
            False,
            "2025年06月15日",
            id="man-day-before-22nd-birthday",
        ),
        pytest.param(Sex.MALE, date(2003, 6, 15), date(2025, 6, 15), True, True, "", id="man-on-22nd-birthday"),
        pytest.param(Sex.MALE, date(2003, 6, 15), date(2025, 6, 16), True, True, "", id="man-day-after"),
        pytest.param(
            Sex.MALE,
            date(2003, 6, 15),
            date(2025, 6, 15),
            False,
            False,
            "2025年06月16日",
            id="man-on-birthday-setting-off",
        ),
        pytest.param(Sex.MALE, date(2003, 6, 15), date(2025, 6, 16), False, True, "", id="man-day-after-setting-off"),
        pytest.param(
            Sex.MALE, date(2004, 6, 15), date(2025, 6, 15), True, False, "2026年06月15日", id="man-21st-birthday"
        ),
        # women: 20 full years
        pytest.param(
            Sex.FEMALE,
            date(2005, 9, 1),
            date(2025, 8, 31),
            True,
            False,
            "2025年09月01日",
            id="woman-day-before-20th-birthday",
        ),
        pytest.param(Sex.FEMALE, date(2005, 9, 1), date(2025, 9, 1), True, True, "", id="woman-on-20th-birthday"),
        pytest.param(
            Sex.FEMALE,
            date(2005, 9, 1),
            date(2025, 9, 1),
            False,
            False,
            "2025年09月02日",
            id="woman-on-birthday-setting-off",
        ),
        pytest.param(Sex.FEMALE, date(2003, 9, 1), date(2025, 9, 1), True, True, "", id="woman-22"),
        # 29 February: 1 March in common years (§0.1 item 6)
        pytest.param(
            Sex.MALE,
            date(2004, 2, 29),
            date(2026, 2, 28),
            True,
            False,
            "2026年03月01日",
            id="leapling-man-28-feb-common-year",
        ),
        pytest.param(
            Sex.MALE, date(2004, 2, 29), date(2026, 3, 1), True, True, "", id="leapling-man-1-mar-common-year"
        ),
        pytest.param(
            Sex.MALE,
            date(2004, 2, 29),
            date(2026, 3, 1),
            False,
            False,
            "2026年03月02日",
            id="leapling-man-1-mar-setting-off",
        ),
        pytest.param(
            Sex.MALE, date(2004, 2, 29), date(2026, 3, 2), False, True, "", id="leapling-man-2-mar-setting-off"
        ),
        pytest.param(
            Sex.FEMALE,
            date(2004, 2, 29),
            date(2024, 2, 28),
            True,
            False,
            "2024年02月29日",
            id="leapling-woman-28-feb-leap-year",
        ),
        pytest.param(Sex.FEMALE, date(2004, 2, 29), date(2024, 2, 29), True, True, "", id="leapling-woman-29-feb"),
        pytest.param(
            Sex.FEMALE,
            date(2004, 2, 29),
            date(2024, 2, 29),
            False,
            False,
            "2024年03月01日",
            id="leapling-woman-29-feb-setting-off",
        ),
        pytest.param(
            Sex.FEMALE, date(2004, 2, 29), date(2024, 3, 1), False, True, "", id="leapling-woman-1-mar-setting-off"
        ),
    ],
)
def test_marriage_age(
    context: RulesContext, sex: Sex, birth: date, on: date, on_birthday: bool, ok: bool, from_day: str
) -> None:
    ctx = with_settings(context, age_attained_on_birthday=on_birthday)
    young = party(id_card(sex, birth, valid_from=date(2020, 1, 1)))
    other = bride() if sex is Sex.MALE else groom()
    verdict = decide(marriage(on, young, other) if sex is Sex.MALE else marriage(on, other, young), ctx)
    if ok:
        assert summary(verdict) == ("accept", _policy(on), ())
        return
    assert summary(verdict) == ("refuse", _policy(on), ("C-M-AGE",))
    (result,) = [r for r in verdict.results if not r.passed]
    assert result.party is (Role.A if sex is Sex.MALE else Role.B)
    assert f"{from_day}起方可登记" in result.message
    assert ("22 周岁" if sex is Sex.MALE else "20 周岁") in result.message


@pytest.mark.parametrize(
    ("a", "b", "failed", "party_", "reason"),
    [
        pytest.param(groom(), bride(), (), None, "", id="man-and-woman"),
        pytest.param(bride(), groom(), (), None, "", id="woman-first"),
        pytest.param(groom(), party(id_card(Sex.MALE, sequence=135)), ("C-M-SEX",), None, "男女双方", id="two-men"),
        pytest.param(bride(), party(id_card(Sex.FEMALE, sequence=136)), ("C-M-SEX",), None, "男女双方", id="two-women"),
        pytest.param(
            groom(status=CentralMaritalStatus.MARRIED, certificate="J110101-2019-000123"),
            bride(),
            ("C-M-SPOUSE",),
            Role.A,
            "J110101-2019-000123",
            id="groom-married",
        ),
        pytest.param(
            groom(),
            bride(status=CentralMaritalStatus.MARRIED),
            ("C-M-SPOUSE",),
            Role.B,
            "现有有效婚姻",
            id="bride-married",
        ),
        pytest.param(
            groom(status=CentralMaritalStatus.DIVORCED),
            bride(status=CentralMaritalStatus.WIDOWED),
            (),
            None,
            "",
            id="divorced-and-widowed",
        ),
    ],
)
@pytest.mark.parametrize("on", list(ERAS.values()), ids=list(ERAS))
def test_sex_and_spouse_in_every_era(
    context: RulesContext,
    on: date,
    a: Applicant,
    b: Applicant,
    failed: tuple[str, ...],
    party_: Role | None,
    reason: str,
) -> None:
    verdict = decide(marriage(on, a, b), context)
    assert verdict.failed == failed
    assert verdict.decision.value == ("refuse" if failed else "accept")
    if failed:
        assert [r.party for r in verdict.results if not r.passed] == [party_]
        assert reason in messages(verdict)


def test_unreachable_central_store_makes_the_couple_wait(context: RulesContext) -> None:
    verdict = decide(marriage(ERAS["2025-nationwide"], groom(status=None), bride()), context)
    assert summary(verdict) == ("wait", "2025-nationwide", ("C-M-SPOUSE",))
    assert "联网核对" in messages(verdict)


def test_refusal_outranks_wait_and_redirect(context: RulesContext) -> None:
    """A couple that cannot marry anywhere is refused, not redirected (gravest consequence)."""
    young = party(id_card(Sex.MALE, date(2010, 1, 1), valid_from=date(2020, 1, 1)), hukou="430102", status=None)
    verdict = decide(marriage(ERAS["2023-cross-province-pilot"], young, bride(hukou="530102")), context)
    assert verdict.decision.value == "refuse"
    assert set(verdict.failed) == {"C-M-AGE", "C-M-SPOUSE", "C-M-REG"}
