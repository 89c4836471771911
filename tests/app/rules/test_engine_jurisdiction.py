"""C-M-REG: which registry is competent (domain.md §0.1 items 1-5, §2.1 Art. 4/10/17, §2.3 Art. 7,
§3.1-§3.3): hukou county, the 跨省通办 pilots (both batches, every area type, the 21
provinces), residence permits (validity and area, `residence_permit_scope`), provincial
schemes (`intra_province_schemes`), designated registries for foreign / HMT cases, and the
businesses excluded from cross-province handling (X-005)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.domain.case import Business
from app.domain.identity import DocumentType
from app.rules.engine import RulesContext, decide
from app.rules.model import Applicant, Application, CentralMaritalStatus, Decision, Office, OfficeKind
from app.rules.policy import ResidencePermitScope
from tests.app.rules.conftest import (
    BEIJING_DONGCHENG,
    CHANGSHA_FURONG,
    CHANGSHA_TIANXIN,
    CHONGQING_CHENGKOU,
    CHONGQING_WANZHOU,
    GUANGZHOU_HAIZHU,
    GUANGZHOU_YUEXIU,
    HANGZHOU_SHANGCHENG,
    HUANGSHI_HUANGSHIGANG,
    KUNMING_WUHUA,
    LANZHOU_CHENGGUAN,
    NANJING_XUANWU,
    NINGBO_HAISHU,
    PILOT_2021,
    PILOT_2023,
    SHAOGUAN_WUJIANG,
    SHENYANG_HEPING,
    TONGCHUAN_WANGYI,
    WUHAN_JIANGAN,
    WUHAN_JIANGHAN,
    XIAN_BEILIN,
    XIAN_XINCHENG,
    ZHENGZHOU_ZHONGYUAN,
    bride,
    groom,
    hmt_permit,
    marriage,
    messages,
    only_result,
    party,
    passport,
    permit,
    reissue,
    spouses,
    summary,
    with_settings,
)

MARRIAGE, DIVORCE = Business.MARRIAGE, Business.DIVORCE_APPLICATION
P21, P23, NAT, PRE = "2021-cross-province-pilot", "2023-cross-province-pilot", "2025-nationwide", "pre-2021"


def away_couple(
    business: Business,
    on: date,
    office: str,
    permit_region: str | None,
    *,
    hukou: tuple[str, str] = (CHANGSHA_FURONG, KUNMING_WUHUA),
    permit_valid_to: date | None = None,
) -> Application:
    """A couple registering away from home; the groom may hold a residence permit."""
    rp = permit(permit_region, permit_valid_to) if permit_region else None
    status = CentralMaritalStatus.MARRIED if business is DIVORCE else CentralMaritalStatus.UNMARRIED
    a = groom(hukou=hukou[0], permit=rp, status=status)
    b = bride(hukou=hukou[1], status=status)
    return Application(business, on, Office(office), (a, b))


# --- 2021 first batch: every area type (§3.1, §0.1 item 3) ------------------------------------


@pytest.mark.parametrize(
    ("business", "office", "permit_region", "decision", "reason"),
    [
        # province, marriage + divorce
        pytest.param(MARRIAGE, GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU, "accept", "居住证", id="广东-marriage"),
        pytest.param(DIVORCE, GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU, "accept", "居住证", id="广东-divorce"),
        pytest.param(MARRIAGE, SHENYANG_HEPING, SHENYANG_HEPING, "accept", "居住证", id="辽宁-marriage"),
        pytest.param(DIVORCE, SHENYANG_HEPING, SHENYANG_HEPING, "accept", "居住证", id="辽宁-divorce"),
        pytest.param(
            DIVORCE, CHONGQING_WANZHOU, CHONGQING_CHENGKOU, "accept", "居住证", id="重庆-divorce-any-district"
        ),
        # province, marriage only
        pytest.param(MARRIAGE, NANJING_XUANWU, NANJING_XUANWU, "accept", "居住证", id="江苏-marriage"),
        pytest.param(
            DIVORCE,
            NANJING_XUANWU,
            NANJING_XUANWU,
            "redirect",
            "江苏省的国函〔2021〕48号试点不含此项业务",
            id="江苏-divorce-not-in-pilot",
        ),
        pytest.param(MARRIAGE, ZHENGZHOU_ZHONGYUAN, ZHENGZHOU_ZHONGYUAN, "accept", "居住证", id="河南-marriage"),
        pytest.param(
            DIVORCE,
            ZHENGZHOU_ZHONGYUAN,
            ZHENGZHOU_ZHONGYUAN,
            "redirect",
            "试点不含此项业务",
            id="河南-divorce-not-in-pilot",
        ),
        # city pilots: permits of that city, registries of that city, marriage only
        pytest.param(MARRIAGE, WUHAN_JIANGAN, WUHAN_JIANGHAN, "accept", "居住证", id="武汉-marriage-wuhan-permit"),
        pytest.param(
            MARRIAGE,
            WUHAN_JIANGAN,
            HUANGSHI_HUANGSHIGANG,
            "redirect",
            "城市试点湖北省武汉市只认可本市签发的居住证",
            id="武汉-marriage-permit-of-another-hubei-city",
        ),
        pytest.param(
            MARRIAGE,
            HUANGSHI_HUANGSHIGANG,
            HUANGSHI_HUANGSHIGANG,
            "redirect",
            "不在跨省通办试点范围内",
            id="湖北-outside-wuhan-not-in-pilot",
        ),
        pytest.param(
            DIVORCE,
            WUHAN_JIANGAN,
            WUHAN_JIANGHAN,
            "redirect",
            "湖北省武汉市的国函〔2021〕48号试点不含此项业务",
            id="武汉-divorce-not-in-pilot",
        ),
        pytest.param(MARRIAGE, XIAN_XINCHENG, XIAN_BEILIN, "accept", "居住证", id="西安-marriage-xian-permit"),
        pytest.param(
            MARRIAGE,
            XIAN_XINCHENG,
            TONGCHUAN_WANGYI,
            "redirect",
            "只认可本市签发的居住证",
            id="西安-marriage-permit-of-another-shaanxi-city",
        ),
        pytest.param(
            MARRIAGE,
            TONGCHUAN_WANGYI,
            TONGCHUAN_WANGYI,
            "redirect",
            "不在跨省通办试点范围内",
            id="陕西-outside-xian-not-in-pilot",
        ),
        pytest.param(
            DIVORCE, XIAN_XINCHENG, XIAN_BEILIN, "redirect", "试点不含此项业务", id="西安-divorce-not-in-pilot"
        ),
        # not a pilot at all
        pytest.param(
            MARRIAGE, CHANGSHA_TIANXIN, CHANGSHA_TIANXIN, "redirect", "不在跨省通办试点范围内", id="湖南-not-in-pilot"
        ),
    ],
)
def test_first_batch_areas(
    context: RulesContext, business: Business, office: str, permit_region: str, decision: str, reason: str
) -> None:
    # Both parties' hukou in 兰州 / 昆明, never pilot provinces.
    application = away_couple(business, PILOT_2021, office, permit_region, hukou=(LANZHOU_CHENGGUAN, KUNMING_WUHUA))
    verdict = decide(application, context)
    failed = () if decision == "accept" else ("C-M-REG",)
    assert summary(verdict) == (decision, P21, failed)
    assert reason in only_result(verdict, "C-M-REG").message
    assert ("residence_permit" in verdict.documents_required) is (decision == "accept")


@pytest.mark.parametrize(
    ("permit_region", "decision"),
    [
        pytest.param(None, "redirect", id="no-permit"),
        pytest.param(GUANGZHOU_HAIZHU, "accept", id="guangzhou-permit"),
    ],
)
def test_first_batch_has_no_hukou_in_province_shortcut(
    context: RulesContext, permit_region: str | None, decision: str
) -> None:
    """§0.1 item 3: in 2021-2023 only the residence-permit rule; a hukou elsewhere in 广东 does
    not make a 广州 registry competent."""
    application = away_couple(
        MARRIAGE, PILOT_2021, GUANGZHOU_YUEXIU, permit_region, hukou=(SHAOGUAN_WUJIANG, KUNMING_WUHUA)
    )
    verdict = decide(application, context)
    assert verdict.decision.value == decision
    assert verdict.policy == P21


# --- 2023 expansion: the 21 provinces (§3.2, §0.1 item 1) --------------------------------------

# province: (office county, another county of the same city, a county of another city)
PILOT_PROVINCES = {
    "11": ("北京", "110101", "110105", "110102"),
    "12": ("天津", "120101", "120102", "120103"),
    "13": ("河北", "130102", "130104", "130202"),
    "15": ("内蒙古", "150102", "150103", "150202"),
    "21": ("辽宁", "210102", "210103", "210202"),
    "31": ("上海", "310101", "310104", "310105"),
    "32": ("江苏", "320102", "320104", "320205"),
    "33": ("浙江", "330102", "330105", "330203"),
    "34": ("安徽", "340102", "340103", "340202"),
    "35": ("福建", "350102", "350103", "350203"),
    "36": ("江西", "360102", "360103", "360202"),
    "37": ("山东", "370102", "370103", "370202"),
    "41": ("河南", "410102", "410103", "410202"),
    "42": ("湖北", "420102", "420103", "420202"),
    "44": ("广东", "440103", "440104", "440203"),
    "45": ("广西", "450102", "450103", "450202"),
    "46": ("海南", "460105", "460106", "460202"),
    "50": ("重庆", "500101", "500102", "500229"),
    "51": ("四川", "510104", "510105", "510302"),
    "61": ("陕西", "610102", "610103", "610202"),
    "64": ("宁夏", "640104", "640105", "640202"),
}
OTHER_PROVINCES = {
    "14": ("山西", "140105", "140106", "140212"),
    "22": ("吉林", "220102", "220103", "220202"),
    "23": ("黑龙江", "230102", "230103", "230202"),
    "43": ("湖南", "430102", "430103", "430202"),
    "52": ("贵州", "520102", "520103", "520201"),
    "53": ("云南", "530102", "530103", "530302"),
    "54": ("西藏", "540102", "540103", "540202"),
    "62": ("甘肃", "620102", "620103", "620302"),
    "63": ("青海", "630102", "630103", "630202"),
    "65": ("新疆", "650102", "650103", "650202"),
}
ALL_PROVINCES = {**PILOT_PROVINCES, **OTHER_PROVINCES}


def _away_hukou(province: str) -> tuple[str, str]:
    """Two hukou counties outside `province` and outside every pilot."""
    return ("530102", "620102") if province not in ("53", "62") else ("430102", "520102")


def test_the_21_provinces_are_the_2023_pilot(context: RulesContext) -> None:
    (expansion,) = [p for p in context.policy.pilots if p.pilot_id == "2023-expansion"]
    assert {a.region for a in expansion.areas} == set(PILOT_PROVINCES)
    assert all(a.businesses == {"marriage", "divorce"} for a in expansion.areas)
    assert len(ALL_PROVINCES) == 31


@pytest.mark.parametrize("business", [MARRIAGE, DIVORCE])
@pytest.mark.parametrize("province", list(ALL_PROVINCES), ids=[v[0] for v in ALL_PROVINCES.values()])
def test_2023_pilot_with_a_residence_permit(context: RulesContext, province: str, business: Business) -> None:
    """X-001/X-002: neither hukou in the province; one party's valid permit of the office's city."""
    _, office, same_city, _ = ALL_PROVINCES[province]
    application = away_couple(business, PILOT_2023, office, same_city, hukou=_away_hukou(province))
    verdict = decide(application, context)
    if province in PILOT_PROVINCES:
        assert summary(verdict) == ("accept", P23, ())
        assert "凭一方有效居住证" in only_result(verdict, "C-M-REG").message
        assert "residence_permit" in verdict.documents_required
    else:
        assert summary(verdict) == ("redirect", P23, ("C-M-REG",))
        assert "不在跨省通办试点范围内" in only_result(verdict, "C-M-REG").message


@pytest.mark.parametrize("business", [MARRIAGE, DIVORCE])
@pytest.mark.parametrize("province", list(ALL_PROVINCES), ids=[v[0] for v in ALL_PROVINCES.values()])
def test_2023_pilot_hukou_in_the_province_suffices(context: RulesContext, province: str, business: Business) -> None:
    """§0.1 item 1: one party's hukou in a pilot province → any registry of it, no permit."""
    _, office, _, other_city = ALL_PROVINCES[province]
    application = away_couple(business, PILOT_2023, office, None, hukou=(other_city, _away_hukou(province)[0]))
    verdict = decide(application, context)
    if province in PILOT_PROVINCES:
        assert summary(verdict) == ("accept", P23, ())
        assert "无需居住证" in only_result(verdict, "C-M-REG").message
        assert "residence_permit" not in verdict.documents_required
    else:
        assert summary(verdict) == ("redirect", P23, ("C-M-REG",))


# --- residence permits: validity and area (§0.1 item 2, X-002, X-003) -------------------------

ON = PILOT_2023


@pytest.mark.parametrize(
    ("valid_to", "decision", "reason"),
    [
        pytest.param(ON - timedelta(days=1), "redirect", "居住证已于 2024-03-11 过期", id="expired-the-day-before"),
        pytest.param(ON, "accept", "", id="valid-through-the-visit"),
        pytest.param(None, "accept", "", id="no-end-known"),
        pytest.param(date(2026, 1, 1), "accept", "", id="valid"),
    ],
)
@pytest.mark.parametrize("on", [PILOT_2021, PILOT_2023], ids=["2021-batch", "2023-batch"])
def test_residence_permit_validity(
    context: RulesContext, on: date, valid_to: date | None, decision: str, reason: str
) -> None:
    shift = on - ON
    application = away_couple(
        MARRIAGE, on, GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU, permit_valid_to=valid_to and valid_to + shift
    )
    verdict = decide(application, context)
    assert verdict.decision.value == decision
    if reason:
        expired = (ON - timedelta(days=1) + shift).isoformat()
        assert f"居住证已于 {expired} 过期" in only_result(verdict, "C-M-REG").message
        assert "试点" in only_result(verdict, "C-M-REG").message


def test_either_partys_permit_counts(context: RulesContext) -> None:
    expired, valid = permit(GUANGZHOU_HAIZHU, date(2020, 1, 1)), permit(GUANGZHOU_HAIZHU)
    a = groom(hukou=CHANGSHA_FURONG, permit=expired)
    b = bride(hukou=KUNMING_WUHUA, permit=valid)
    assert decide(marriage(ON, a, b, office=GUANGZHOU_YUEXIU), context).decision is Decision.ACCEPT
    both_expired = marriage(ON, a, replace(b, residence_permit=expired), office=GUANGZHOU_YUEXIU)
    verdict = decide(both_expired, context)
    assert summary(verdict) == ("redirect", P23, ("C-M-REG",))
    assert messages(verdict).count("过期") == 2


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        pytest.param(groom(hukou=CHANGSHA_FURONG), bride(hukou=KUNMING_WUHUA), "均未提供居住证", id="no-permit"),
        pytest.param(groom(hukou=None), bride(hukou=None), "未提供当事人常住户口所在地", id="no-hukou-given"),
    ],
)
def test_what_is_missing_is_named(context: RulesContext, a: Applicant, b: Applicant, reason: str) -> None:
    verdict = decide(marriage(ON, a, b, office=GUANGZHOU_YUEXIU), context)
    assert summary(verdict) == ("redirect", P23, ("C-M-REG",))
    assert reason in messages(verdict)


@pytest.mark.parametrize(
    ("scope", "office", "permit_region", "decision"),
    [
        pytest.param("prefecture", GUANGZHOU_YUEXIU, GUANGZHOU_YUEXIU, "accept", id="prefecture-same-county"),
        pytest.param("prefecture", GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU, "accept", id="prefecture-same-city"),
        pytest.param("prefecture", GUANGZHOU_YUEXIU, SHAOGUAN_WUJIANG, "redirect", id="prefecture-other-city"),
        pytest.param("prefecture", BEIJING_DONGCHENG, "110105", "accept", id="prefecture-beijing-chaoyang-permit"),
        pytest.param(
            "prefecture", CHONGQING_WANZHOU, CHONGQING_CHENGKOU, "accept", id="prefecture-chongqing-5001-5002"
        ),
        pytest.param("county", GUANGZHOU_YUEXIU, GUANGZHOU_YUEXIU, "accept", id="county-same-county"),
        pytest.param("county", GUANGZHOU_YUEXIU, GUANGZHOU_HAIZHU, "redirect", id="county-other-county"),
        pytest.param("county", CHONGQING_WANZHOU, CHONGQING_CHENGKOU, "redirect", id="county-chongqing-other-county"),
        pytest.param("province", GUANGZHOU_YUEXIU, SHAOGUAN_WUJIANG, "accept", id="province-other-city"),
        pytest.param("province", GUANGZHOU_YUEXIU, "450102", "redirect", id="province-other-province"),
    ],
)
def test_residence_permit_scope_setting(
    context: RulesContext, scope: str, office: str, permit_region: str, decision: str
) -> None:
    ctx = with_settings(context, residence_permit_scope=ResidencePermitScope(scope))
    verdict = decide(away_couple(MARRIAGE, ON, office, permit_region), ctx)
    assert verdict.decision.value == decision
    assert verdict.policy == P23
    if decision == "redirect":
        assert "不在本登记机关辖区" in only_result(verdict, "C-M-REG").message


@pytest.mark.parametrize("scope", list(ResidencePermitScope))
def test_city_pilots_only_take_their_own_citys_permits_whatever_the_scope(
    context: RulesContext, scope: ResidencePermitScope
) -> None:
    ctx = with_settings(context, residence_permit_scope=scope)
    verdict = decide(away_couple(MARRIAGE, PILOT_2021, WUHAN_JIANGAN, HUANGSHI_HUANGSHIGANG), ctx)
    assert summary(verdict) == ("redirect", P21, ("C-M-REG",))
    assert "只认可本市签发的居住证" in messages(verdict)


# --- provincial intra-province schemes (X-004, §0.1 item 4) -----------------------------------


@pytest.mark.parametrize(
    ("enabled", "office", "hukou", "on", "decision"),
    [
        pytest.param((), HANGZHOU_SHANGCHENG, NINGBO_HAISHU, date(2020, 12, 1), "redirect", id="浙江-default-off"),
        pytest.param(("33",), HANGZHOU_SHANGCHENG, NINGBO_HAISHU, date(2020, 12, 1), "accept", id="浙江-on"),
        pytest.param(
            ("33",),
            HANGZHOU_SHANGCHENG,
            NINGBO_HAISHU,
            date(2020, 10, 12),
            "redirect",
            id="浙江-on-day-before-2020-10-13",
        ),
        pytest.param(
            ("33",), HANGZHOU_SHANGCHENG, NINGBO_HAISHU, date(2020, 10, 13), "accept", id="浙江-on-from-2020-10-13"
        ),
        pytest.param(
            ("33",),
            HANGZHOU_SHANGCHENG,
            CHANGSHA_FURONG,
            date(2020, 12, 1),
            "redirect",
            id="浙江-on-but-hukou-outside-zhejiang",
        ),
        pytest.param(
            ("33",), GUANGZHOU_YUEXIU, SHAOGUAN_WUJIANG, date(2020, 12, 1), "redirect", id="浙江-on-does-not-help-广东"
        ),
        pytest.param(
            ("42",),
            HUANGSHI_HUANGSHIGANG,
            WUHAN_JIANGAN,
            date(2023, 2, 28),
            "redirect",
            id="湖北-on-day-before-2023-03-01",
        ),
        pytest.param(
            ("42",), HUANGSHI_HUANGSHIGANG, WUHAN_JIANGAN, date(2023, 3, 1), "accept", id="湖北-on-from-2023-03-01"
        ),
        pytest.param((), HUANGSHI_HUANGSHIGANG, WUHAN_JIANGAN, date(2023, 3, 1), "redirect", id="湖北-default-off"),
        pytest.param(("37",), "370102", "370202", date(2021, 5, 31), "redirect", id="山东-on-day-before-2021-06-01"),
        pytest.param(("37",), "370102", "370202", date(2021, 6, 1), "accept", id="山东-on-from-2021-06-01"),
        pytest.param(("33", "42", "37"), "370102", "370202", date(2021, 6, 1), "accept", id="several-on"),
    ],
)
def test_intra_province_schemes_setting(
    context: RulesContext, enabled: tuple[str, ...], office: str, hukou: str, on: date, decision: str
) -> None:
    ctx = with_settings(context, intra_province_schemes=frozenset(enabled))
    verdict = decide(away_couple(MARRIAGE, on, office, None, hukou=(hukou, KUNMING_WUHUA)), ctx)
    assert verdict.decision.value == decision
    if decision == "accept":
        assert "通办" in only_result(verdict, "C-M-REG").message


@pytest.mark.parametrize(
    ("on", "policy"),
    [(date(2019, 6, 3), PRE), (PILOT_2021, P21), (PILOT_2023, P23)],
    ids=["pre-2021", "2021", "2023"],
)
@pytest.mark.parametrize("business", [MARRIAGE, DIVORCE])
def test_hukou_county_is_always_competent(context: RulesContext, on: date, policy: str, business: Business) -> None:
    """2003 Art. 4 / 10: the registry of either party's hukou county."""
    application = away_couple(business, on, CHANGSHA_TIANXIN, None, hukou=(KUNMING_WUHUA, CHANGSHA_TIANXIN))
    assert summary(decide(application, context)) == ("accept", policy, ())


# --- designated registries for foreign / HMT / overseas-Chinese cases (§2.1 Art. 4, §2.3 Art. 7) --


FOREIGN = OfficeKind.FOREIGN_HMT
MAINLAND = OfficeKind.MAINLAND


@pytest.mark.parametrize(
    ("on", "office", "kind", "groom_permit", "decision", "reason"),
    [
        pytest.param(
            date(2025, 6, 3), GUANGZHOU_YUEXIU, MAINLAND, None, "redirect", "指定的涉外", id="2025-mainland-registry"
        ),
        pytest.param(date(2025, 6, 3), GUANGZHOU_YUEXIU, FOREIGN, None, "accept", "", id="2025-designated"),
        pytest.param(
            date(2025, 6, 3), HANGZHOU_SHANGCHENG, FOREIGN, None, "accept", "", id="2025-designated-in-another-province"
        ),
        pytest.param(PILOT_2023, GUANGZHOU_YUEXIU, FOREIGN, None, "accept", "", id="2024-designated-of-hukou-province"),
        pytest.param(
            PILOT_2023,
            HANGZHOU_SHANGCHENG,
            FOREIGN,
            None,
            "redirect",
            "2025年5月10日前",
            id="2024-designated-of-another-province",
        ),
        pytest.param(
            PILOT_2023,
            GUANGZHOU_YUEXIU,
            MAINLAND,
            None,
            "redirect",
            "指定的涉外",
            id="2024-mainland-registry-of-hukou-county",
        ),
        pytest.param(
            PILOT_2023,
            HANGZHOU_SHANGCHENG,
            FOREIGN,
            HANGZHOU_SHANGCHENG,
            "redirect",
            "2025年5月10日前",
            id="2024-pilot-permit-does-not-help-foreign-case",
        ),
    ],
)
@pytest.mark.parametrize(
    "other",
    [
        pytest.param(party(passport(), hukou=None), id="foreigner-passport"),
        pytest.param(party(hmt_permit("810000"), hukou=None), id="hongkong-permit"),
    ],
)
def test_foreign_and_hmt_cases_go_to_designated_registries(
    context: RulesContext,
    other: Applicant,
    on: date,
    office: str,
    kind: OfficeKind,
    groom_permit: str | None,
    decision: str,
    reason: str,
) -> None:
    rp = permit(groom_permit) if groom_permit else None
    mainlander = groom(hukou=GUANGZHOU_YUEXIU, permit=rp)
    verdict = decide(marriage(on, mainlander, other, office=office, kind=kind), context)
    failed = () if decision == "accept" else ("C-M-REG",)
    assert (verdict.decision.value, verdict.failed) == (decision, failed)
    assert reason in messages(verdict)
    passport_holder = other.document.doc_type is DocumentType.PASSPORT
    assert (
        "no_spouse_certificate" if passport_holder else "notarized_no_spouse_declaration"
    ) in verdict.documents_required


# --- businesses excluded from cross-province handling (X-005, 2003 Art. 17, 2025 Art. 21) --------


@pytest.mark.parametrize(
    ("on", "office", "original", "hukou", "decision"),
    [
        pytest.param(PILOT_2023, GUANGZHOU_YUEXIU, GUANGZHOU_YUEXIU, CHANGSHA_FURONG, "accept", id="original-registry"),
        pytest.param(PILOT_2023, GUANGZHOU_YUEXIU, CHANGSHA_FURONG, GUANGZHOU_YUEXIU, "accept", id="hukou-registry"),
        pytest.param(
            PILOT_2023,
            GUANGZHOU_YUEXIU,
            CHANGSHA_FURONG,
            SHAOGUAN_WUJIANG,
            "redirect",
            id="2023-hukou-in-province-does-not-extend-to-reissue",
        ),
        pytest.param(PILOT_2021, GUANGZHOU_YUEXIU, None, CHANGSHA_FURONG, "redirect", id="2021-pilot-area"),
        pytest.param(date(2019, 6, 3), GUANGZHOU_YUEXIU, None, CHANGSHA_FURONG, "redirect", id="pre-2021"),
        pytest.param(
            date(2025, 5, 10), GUANGZHOU_YUEXIU, CHANGSHA_FURONG, CHANGSHA_FURONG, "accept", id="2025-any-registry"
        ),
    ],
)
def test_reissue_registry(
    context: RulesContext, on: date, office: str, original: str | None, hukou: str, decision: str
) -> None:
    a, b = spouses(hukou=hukou)
    a = replace(a, residence_permit=permit(GUANGZHOU_HAIZHU))  # a permit never helps a reissue
    verdict = decide(reissue(on, a, b, office=office, original_office=original), context)
    assert verdict.decision.value == decision
    if decision == "redirect":
        assert verdict.failed == ("C-M-REG",)
        assert "补领不在跨省通办范围内" in messages(verdict)


def test_no_pilot_business_for_foreign_reissue_before_2025(context: RulesContext) -> None:
    a = groom(hukou=GUANGZHOU_YUEXIU, status=CentralMaritalStatus.MARRIED)
    b = party(passport(), hukou=None, status=CentralMaritalStatus.MARRIED)
    at_designated = reissue(PILOT_2023, a, b, office=GUANGZHOU_HAIZHU, kind=FOREIGN)
    assert summary(decide(at_designated, context)) == ("accept", P23, ())
    at_mainland = reissue(PILOT_2023, a, b, office=GUANGZHOU_YUEXIU)
    assert summary(decide(at_mainland, context)) == ("redirect", P23, ("C-M-REG",))


def test_divorce_application_in_a_pilot_needs_the_office_area(context: RulesContext) -> None:
    """X-001 for divorce: the 2023 pilot covers divorce applications with a permit of the area."""
    ok = away_couple(DIVORCE, PILOT_2023, NANJING_XUANWU, NANJING_XUANWU)
    assert summary(decide(ok, context)) == ("accept", P23, ())
    elsewhere = away_couple(DIVORCE, PILOT_2023, NANJING_XUANWU, GUANGZHOU_HAIZHU)
    assert summary(decide(elsewhere, context)) == ("redirect", P23, ("C-M-REG",))
