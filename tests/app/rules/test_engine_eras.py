"""The law in force is chosen by the day of the visit (domain.md §0, §0.1, §3): every era
boundary, seen from the businesses it changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from app.rules.engine import RulesContext, decide
from app.rules.model import Application, Decision
from tests.app.rules.conftest import (
    CHANGSHA_FURONG,
    CHANGSHA_TIANXIN,
    ERAS,
    GUANGZHOU_HAIZHU,
    GUANGZHOU_YUEXIU,
    HANGZHOU_SHANGCHENG,
    HANGZHOU_XIHU,
    KUNMING_WUHUA,
    LANZHOU_CHENGGUAN,
    NANJING_XUANWU,
    WUHAN_JIANGAN,
    WUHAN_JIANGHAN,
    bride,
    divorce_application,
    groom,
    marriage,
    messages,
    permit,
    reissue,
    spouses,
    summary,
)

PRE, P21, P23, NAT = "pre-2021", "2021-cross-province-pilot", "2023-cross-province-pilot", "2025-nationwide"


def away_marriage(office: str, permit_region: str | None) -> Callable[[date], Application]:
    """Both parties' hukou outside the office's province (湖南, 云南); the groom may hold a
    residence permit issued in `permit_region`."""

    def build(on: date) -> Application:
        rp = permit(permit_region) if permit_region else None
        return marriage(on, groom(hukou=CHANGSHA_FURONG, permit=rp), bride(hukou=KUNMING_WUHUA), office=office)

    return build


def away_divorce(office: str, permit_region: str) -> Callable[[date], Application]:
    def build(on: date) -> Application:
        a, b = spouses(hukou=LANZHOU_CHENGGUAN)
        return divorce_application(on, replace(a, residence_permit=permit(permit_region)), b, office=office)

    return build


def away_reissue(on: date) -> Application:
    return reissue(on, *spouses(hukou=CHANGSHA_TIANXIN), office=GUANGZHOU_YUEXIU, original_office=CHANGSHA_TIANXIN)


GUANGDONG_WITH_PERMIT = away_marriage(GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU)  # in both pilot batches
ZHEJIANG_WITH_PERMIT = away_marriage(HANGZHOU_SHANGCHENG, HANGZHOU_XIHU)  # 2023 batch only
HUNAN_NO_PERMIT = away_marriage(CHANGSHA_TIANXIN, None)  # never a pilot; nobody's hukou there
JIANGSU_DIVORCE = away_divorce(NANJING_XUANWU, NANJING_XUANWU)  # 2021: marriage only
WUHAN_DIVORCE = away_divorce(WUHAN_JIANGAN, WUHAN_JIANGHAN)  # 2021: city pilot, marriage only


@pytest.mark.parametrize(
    ("build", "on", "decision", "policy", "reason"),
    [
        pytest.param(
            GUANGDONG_WITH_PERMIT,
            date(2021, 5, 31),
            "redirect",
            PRE,
            "不是任何一方常住户口所在地",
            id="guangdong-permit-2021-05-31-hukou-rule",
        ),
        pytest.param(GUANGDONG_WITH_PERMIT, date(2021, 6, 1), "accept", P21, "", id="guangdong-permit-2021-06-01"),
        pytest.param(GUANGDONG_WITH_PERMIT, date(2023, 5, 31), "accept", P21, "", id="guangdong-permit-2023-05-31"),
        pytest.param(GUANGDONG_WITH_PERMIT, date(2023, 6, 1), "accept", P23, "", id="guangdong-permit-2023-06-01"),
        pytest.param(GUANGDONG_WITH_PERMIT, date(2025, 5, 9), "accept", P23, "", id="guangdong-permit-2025-05-09"),
        pytest.param(GUANGDONG_WITH_PERMIT, date(2025, 5, 10), "accept", NAT, "", id="guangdong-permit-2025-05-10"),
        pytest.param(
            ZHEJIANG_WITH_PERMIT,
            date(2023, 5, 31),
            "redirect",
            P21,
            "不在跨省通办试点范围内",
            id="zhejiang-permit-2023-05-31-not-yet-pilot",
        ),
        pytest.param(ZHEJIANG_WITH_PERMIT, date(2023, 6, 1), "accept", P23, "", id="zhejiang-permit-2023-06-01"),
        pytest.param(HUNAN_NO_PERMIT, date(2021, 5, 31), "redirect", PRE, "常住户口所在地", id="hunan-2021-05-31"),
        pytest.param(
            HUNAN_NO_PERMIT,
            date(2025, 5, 9),
            "redirect",
            P23,
            "不在跨省通办试点范围内",
            id="hunan-2025-05-09-no-jurisdiction",
        ),
        pytest.param(HUNAN_NO_PERMIT, date(2025, 5, 10), "accept", NAT, "", id="hunan-2025-05-10-any-registry"),
        pytest.param(
            JIANGSU_DIVORCE,
            date(2023, 5, 31),
            "redirect",
            P21,
            "不含此项业务",
            id="jiangsu-divorce-2023-05-31-marriage-only",
        ),
        pytest.param(JIANGSU_DIVORCE, date(2023, 6, 1), "accept", P23, "", id="jiangsu-divorce-2023-06-01"),
        pytest.param(
            WUHAN_DIVORCE,
            date(2023, 5, 31),
            "redirect",
            P21,
            "不含此项业务",
            id="wuhan-divorce-2023-05-31-city-marriage-only",
        ),
        pytest.param(WUHAN_DIVORCE, date(2023, 6, 1), "accept", P23, "", id="wuhan-divorce-2023-06-01-hubei"),
        pytest.param(
            away_reissue, date(2025, 5, 9), "redirect", P23, "补领不在跨省通办范围内", id="reissue-elsewhere-2025-05-09"
        ),
        pytest.param(away_reissue, date(2025, 5, 10), "accept", NAT, "", id="reissue-elsewhere-2025-05-10"),
    ],
)
def test_era_boundaries(
    context: RulesContext,
    build: Callable[[date], Application],
    on: date,
    decision: str,
    policy: str,
    reason: str,
) -> None:
    verdict = decide(build(on), context)
    failed = () if decision == "accept" else ("C-M-REG",)
    assert summary(verdict) == (decision, policy, failed)
    assert reason in messages(verdict)
    assert any(note.startswith("适用规定") for note in verdict.notes)


@pytest.mark.parametrize(
    ("on", "policy", "booklet"),
    [
        pytest.param(date(2016, 3, 1), PRE, True, id="2016-order-387"),
        pytest.param(date(2025, 5, 9), P23, True, id="2025-05-09-hukou-booklet-still-required"),
        pytest.param(date(2025, 5, 10), NAT, False, id="2025-05-10-resident-id-only"),
    ],
)
def test_hukou_booklet_until_order_804(context: RulesContext, on: date, policy: str, booklet: bool) -> None:
    """2003 Art. 5/11/17: 户口簿 + 身份证; Order 804 Art. 8(1): 居民身份证 only (§2.3)."""
    verdict = decide(marriage(on, groom(), bride()), context)
    assert summary(verdict) == ("accept", policy, ())
    assert ("hukou_booklet" in verdict.documents_required) is booklet
    assert verdict.documents_required.count("resident_id") == 1


@pytest.mark.parametrize(
    ("on", "policy", "registered_on_the_spot"),
    [
        pytest.param(date(2020, 12, 31), PRE, True, id="2020-12-31-no-cooling-off"),
        pytest.param(date(2021, 1, 1), PRE, False, id="2021-01-01-civil-code-cooling-off"),
        pytest.param(date(2021, 6, 1), P21, False, id="2021-06-01"),
    ],
)
def test_civil_code_brings_the_cooling_off_period(
    context: RulesContext, on: date, policy: str, registered_on_the_spot: bool
) -> None:
    """Civil Code 1077 applies from 2021-01-01 (民发〔2020〕116号); before, Reg. 2003 Art. 13."""
    verdict = decide(divorce_application(on), context)
    assert summary(verdict) == ("accept", policy, ())
    assert (verdict.dates is None) is registered_on_the_spot
    assert any("冷静期" in note for note in verdict.notes) is registered_on_the_spot


def test_residence_permit_listed_only_when_the_pilot_rests_on_it(context: RulesContext) -> None:
    verdict = decide(GUANGDONG_WITH_PERMIT(date(2022, 3, 15)), context)
    assert verdict.decision is Decision.ACCEPT
    assert "residence_permit" in verdict.documents_required
    assert verdict.documents_required.count("hukou_booklet") == 1


def test_business_of_every_era_is_named_by_its_citation(context: RulesContext) -> None:
    cites = {on: decide(marriage(on), context).notes[0] for on in ERAS.values()}
    assert "387号" in cites[ERAS[PRE]]
    assert "国函〔2021〕48号" in cites[ERAS[P21]]
    assert "国函〔2023〕34号" in cites[ERAS[P23]]
    assert "804号" in cites[ERAS[NAT]]
