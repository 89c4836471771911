"""C-M-REG: is this registry competent for this couple on this date? (domain.md §0.1,
§2.1, §2.3, §3)

- From 2025-05-10 (Reg. 2025 Art. 7): mainland residents at any registry; cases with
  a foreign, HK/Macau/Taiwan or overseas-Chinese party only at designated registries.
- Before: the registry of one party's hukou county (Reg. 2003 Art. 4, 10, 17), widened
  by the 跨省通办 pilots for marriage and divorce applications (never for reissue or
  foreign/HMT cases, X-005) and by provincial schemes that the office enables.
"""

from __future__ import annotations

from datetime import date

from app.domain.case import Business
from app.domain.identity import DocumentType
from app.rules.model import Applicant, Application, OfficeKind, ReissueFacts
from app.rules.policy import BusinessGroup, Era, PilotArea, PolicyTables, ResidencePermitScope, RuleSettings
from app.rules.results import Consequence, RuleResult

RULE_ID = "C-M-REG"

_GROUPS = {Business.MARRIAGE: BusinessGroup.MARRIAGE, Business.DIVORCE_APPLICATION: BusinessGroup.DIVORCE}


def _province(region: str) -> str:
    return region[:2]


def _ok(message: str) -> RuleResult:
    return RuleResult(RULE_ID, True, message)


def _redirect(message: str) -> RuleResult:
    return RuleResult(RULE_ID, False, message, None, Consequence.REDIRECT)


def permit_in_area(permit_region: str, office_region: str, scope: ResidencePermitScope, tables: PolicyTables) -> bool:
    """§0.1 item 2: a permit counts where its issuing organ's city is; a municipality
    counts as one city."""
    match scope:
        case ResidencePermitScope.COUNTY:
            return permit_region == office_region
        case ResidencePermitScope.PROVINCE:
            return _province(permit_region) == _province(office_region)
        case ResidencePermitScope.PREFECTURE:
            if _province(office_region) in tables.municipalities:
                return _province(permit_region) == _province(office_region)
            return permit_region[:4] == office_region[:4]


def _permit_verdict(
    parties: tuple[Applicant, ...],
    office_region: str,
    on: date,
    area: PilotArea,
    settings: RuleSettings,
    tables: PolicyTables,
) -> tuple[bool, str]:
    """Whether one party's valid residence permit covers this registry, and why not."""
    permits = [p.residence_permit for p in parties if p.residence_permit is not None]
    if not permits:
        return False, "双方户籍均不在本地，且均未提供居住证"
    reasons = []
    for permit in permits:
        if permit.valid_to is not None and permit.valid_to < on:
            reasons.append(f"居住证已于 {permit.valid_to:%Y-%m-%d} 过期")
        elif area.city and not permit.region.startswith(area.region):
            reasons.append(f"城市试点{area.name}只认可本市签发的居住证")
        elif not permit_in_area(permit.region, office_region, settings.residence_permit_scope, tables):
            reasons.append(f"居住证发放地（{permit.region}）不在本登记机关辖区")
        else:
            return True, ""
    return False, "；".join(reasons)


def _foreign_case(application: Application, era: Era) -> RuleResult:
    """Reg. 2003 Art. 2 ¶2 / Reg. 2025 Art. 2, 7: designated registries only."""
    if application.office.kind is not OfficeKind.FOREIGN_HMT:
        return _redirect("一方为港澳台居民、华侨或外国人，应到省级人民政府指定的涉外、涉港澳台婚姻登记机关办理")
    if era is not Era.NATIONWIDE_2025:
        mainland = [
            p.hukou_region
            for p in application.parties
            if p.document.doc_type is DocumentType.RESIDENT_ID and p.hukou_region
        ]
        if mainland and all(_province(h) != _province(application.office.region) for h in mainland):
            return _redirect("2025年5月10日前，应到内地居民一方常住户口所在地的省级指定婚姻登记机关办理")
    return _ok("本机关为涉外、涉港澳台婚姻登记指定机关")


def check_registry(application: Application, era: Era, tables: PolicyTables, settings: RuleSettings) -> RuleResult:
    parties, office, on = application.parties, application.office, application.on
    if any(p.document.doc_type is not DocumentType.RESIDENT_ID for p in parties):
        return _foreign_case(application, era)
    if era is Era.NATIONWIDE_2025:
        article = {Business.REISSUE: "第二十一条", Business.DIVORCE_APPLICATION: "第十三条"}.get(
            application.business, "第七条"
        )
        return _ok(f"内地居民自 2025年5月10日起可在任一婚姻登记机关办理（《婚姻登记条例》{article}）")
    hukou = [p.hukou_region for p in parties if p.hukou_region]
    if application.business is Business.REISSUE:
        return _reissue_registry(application.reissue, hukou, office.region)
    if not hukou:
        return _redirect("2025年5月10日前须凭户口簿确定管辖：未提供当事人常住户口所在地")
    if office.region in hukou:
        return _ok("本机关为一方常住户口所在地婚姻登记机关（《婚姻登记条例》（2003）第四条、第十条）")
    office_province = _province(office.region)
    same_province = any(_province(h) == office_province for h in hukou)
    for scheme in tables.intra_province_schemes:
        if (
            scheme.province == office_province
            and scheme.province in settings.intra_province_schemes
            and on >= scheme.start
            and same_province
        ):
            return _ok(f"{scheme.name}：一方户籍在本省，可在省内任一婚姻登记机关办理")
    group = _GROUPS.get(application.business)
    for pilot in tables.pilots:
        area = pilot.area_for(office.region, on, group) if group else None
        if area is None:
            continue
        if pilot.hukou_in_province_suffices and same_province:
            return _ok(f"{pilot.citation}试点：一方户籍在{area.name}，可在省内任一婚姻登记机关办理，无需居住证")
        covered, why_not = _permit_verdict(parties, office.region, on, area, settings, tables)
        if covered:
            return RuleResult(RULE_ID, True, f"{pilot.citation}试点：凭一方有效居住证在居住证发放地办理",
                              relies_on=("residence_permit",))
        return _redirect(f"{pilot.citation}试点地区，但{why_not}；应到一方常住户口所在地婚姻登记机关办理")
    return _redirect(_not_competent_reason(application, tables, on))


def _not_competent_reason(application: Application, tables: PolicyTables, on: date) -> str:
    for pilot in tables.pilots:
        area = pilot.area_any_business(application.office.region)
        if pilot.start <= on <= pilot.end and area is not None:
            return f"{area.name}的{pilot.citation}试点不含此项业务；应到一方常住户口所在地婚姻登记机关办理"
    return "本机关不是任何一方常住户口所在地的婚姻登记机关，且当时本地不在跨省通办试点范围内"


def _reissue_registry(reissue: ReissueFacts | None, hukou: list[str], office_region: str) -> RuleResult:
    """Reg. 2003 Art. 17: the original registry or a hukou-county registry; reissue was
    never part of the pilots (X-005)."""
    if reissue is not None and reissue.office_region == office_region:
        return _ok("本机关为原婚姻登记机关（《婚姻登记条例》（2003）第十七条）")
    if office_region in hukou:
        return _ok("本机关为一方常住户口所在地婚姻登记机关（《婚姻登记条例》（2003）第十七条）")
    return _redirect(
        "2025年5月10日前补领婚姻登记证应到原婚姻登记机关或一方常住户口所在地婚姻登记机关办理，补领不在跨省通办范围内"
    )
