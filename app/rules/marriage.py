"""Marriage eligibility under the rules in force from 2025-05-10 (domain.md §1.1, §7).

Pure: the case, the day of the visit and the settings come in; results go out.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from datetime import date

from app.domain.case import MarriageCase, Party, Role, Voluntariness
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.domain.identity import DocumentType, Sex
from app.rules.identity import check_identity
from app.rules.policy import Era, RuleSettings, era_on
from app.rules.results import Consequence, RuleResult

JOINT_PHOTO = "joint_photo"  # devices.camera.types.DocumentClass.JOINT_PHOTO


def birthday_in(year: int, birth: date) -> date:
    """The birthday in `year`; 29 February births have it on 1 March in common years (§0.1 item 6)."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def age_on(birth: date, day: date, *, attained_on_birthday: bool = True) -> int:
    """Full years (周岁) on `day` (Civil Code 1047; §1.4)."""
    years = day.year - birth.year
    birthday = birthday_in(day.year, birth)
    if day < birthday or (day == birthday and not attained_on_birthday):
        years -= 1
    return years


def date_age_reached(birth: date, age: int, *, attained_on_birthday: bool = True) -> date:
    from datetime import timedelta

    birthday = birthday_in(birth.year + age, birth)
    return birthday if attained_on_birthday else birthday + timedelta(days=1)


def check_age(party: Party, today: date, settings: RuleSettings) -> RuleResult:
    doc = party.identity
    minimum = settings.min_age_male if doc.sex is Sex.MALE else settings.min_age_female
    age = age_on(doc.birth_date, today, attained_on_birthday=settings.age_attained_on_birthday)
    if age >= minimum:
        return RuleResult("C-M-AGE", True, f"{doc.name}现年 {age} 周岁，已达法定婚龄 {minimum} 周岁", party.role)
    reached = date_age_reached(doc.birth_date, minimum, attained_on_birthday=settings.age_attained_on_birthday)
    return RuleResult(
        "C-M-AGE",
        False,
        f"{doc.name}现年 {age} 周岁，未达法定婚龄（{doc.sex.label_zh}不得早于 {minimum} 周岁，"
        f"《民法典》第一千零四十七条），{reached:%Y年%m月%d日}起方可登记",
        party.role,
        Consequence.REFUSE,
    )


def check_sexes(a: Party, b: Party) -> RuleResult:
    if {a.identity.sex, b.identity.sex} == {Sex.MALE, Sex.FEMALE}:
        return RuleResult("C-M-SEX", True, "双方为一男一女")
    return RuleResult(
        "C-M-SEX", False, "结婚登记须由男女双方申请（《民法典》第一千零四十九条）", None, Consequence.REFUSE
    )


def check_not_married(party: Party) -> RuleResult:
    """C-M-SPOUSE from the live central check; the commit re-checks it as a constraint."""
    name = party.identity.name
    if party.central_active_marriage is None:
        return RuleResult(
            "C-M-SPOUSE", False, f"尚未完成{name}的婚姻状况联网核对（中心库暂不可达）", party.role,
            Consequence.PENDING,
        )
    if party.central_active_marriage:
        return RuleResult(
            "C-M-SPOUSE",
            False,
            f"联网核对显示{name}现有有效婚姻（结婚证字号 {party.central_active_marriage}），"
            "不予登记（《民法典》第一千零四十二条，《婚姻登记条例》第九条）",
            party.role,
            Consequence.REFUSE,
        )
    return RuleResult("C-M-SPOUSE", True, f"联网核对：{name}无有效婚姻记录", party.role)


def check_registry(a: Party, b: Party, settings: RuleSettings) -> RuleResult:
    """C-M-REG: mainland residents at any registry; others at designated registries."""
    mainland = all(p.identity.doc_type is DocumentType.RESIDENT_ID for p in (a, b))
    if mainland:
        return RuleResult("C-M-REG", True, "双方均为内地居民，自 2025年5月10日起可在任一婚姻登记机关办理")
    if settings.office_designated_foreign_hmt:
        return RuleResult("C-M-REG", True, "本机关为涉外、涉港澳台婚姻登记指定机关")
    return RuleResult(
        "C-M-REG",
        False,
        "一方为港澳台居民、华侨或外国人，应到省级人民政府指定的婚姻登记机关办理",
        None,
        Consequence.REDIRECT,
    )


def _signed_current_text(case: MarriageCase, role: Role) -> bool:
    """The signature is bound to the exact declaration text; a changed party changes it."""
    signature, declarant = case.signatures.get(role), case.parties.get(role)
    other = case.parties.get(Role.B if role is Role.A else Role.A)
    if signature is None or declarant is None or other is None:
        return False
    expected = text_sha256(marriage_declaration_text(declarant.identity, other.identity))
    return signature.declaration_sha256 == expected


def check_declarations(case: MarriageCase) -> RuleResult:
    missing = [p.identity.name for r, p in case.parties.items() if not _signed_current_text(case, r)]
    if missing:
        return RuleResult(
            "C-M-DECL", False, f"{'、'.join(missing)}尚未在登记员面前签署《申请结婚登记声明书》", None,
            Consequence.CANNOT_ACCEPT,
        )
    return RuleResult("C-M-DECL", True, "双方已当面签署《申请结婚登记声明书》")


def check_voluntariness(case: MarriageCase) -> RuleResult:
    if case.voluntariness is Voluntariness.VOLUNTARY:
        return RuleResult("C-M-VOL", True, "登记员已询问双方结婚意愿，双方完全自愿")
    if case.voluntariness is Voluntariness.NOT_VOLUNTARY:
        return RuleResult(
            "C-M-VOL", False,
            "经询问，当事人并非完全自愿结婚，不予登记（《民法典》第一千零四十六条，《婚姻登记条例》第九条）",
            None, Consequence.REFUSE,
        )
    return RuleResult(
        "C-M-VOL", False, "登记员尚未确认已询问双方结婚意愿（《婚姻登记条例》第九条）", None,
        Consequence.CANNOT_ACCEPT,
    )


def check_joint_photo(case: MarriageCase) -> RuleResult:
    if any(d.document_class == JOINT_PHOTO for d in case.documents):
        return RuleResult("C-M-PHOTO", True, "已采集双方合影照片")
    return RuleResult("C-M-PHOTO", False, "尚未采集双方合影照片（2 寸红底半身合影）", None, Consequence.CANNOT_ISSUE)


def party_checks(
    party: Party, today: date, settings: RuleSettings, region_codes: Container[str] | None = None
) -> list[RuleResult]:
    """Checks that can run as soon as one card is read (live feedback on the identify page)."""
    results = [check_identity(party.identity, party.role, today, region_codes)]
    results.append(check_age(party, today, settings))
    results.append(check_not_married(party))
    return results


def marriage_checks(
    case: MarriageCase,
    today: date,
    settings: RuleSettings,
    region_codes: Container[str] | None = None,
) -> list[RuleResult]:
    """All checks of a marriage case, in the order the registrar reads them."""
    era = era_on(today)
    if era.era is not Era.NATIONWIDE_2025:
        return [
            RuleResult(
                "C-M-REG", False, f"{today:%Y-%m-%d} 适用{era.citation}，本版本仅办理 2025年5月10日以后的登记",
                None, Consequence.BLOCK,
            )
        ]
    results: list[RuleResult] = []
    for role in (Role.A, Role.B):
        party = case.parties.get(role)
        if party is not None:
            results.extend(party_checks(party, today, settings, region_codes))
    a, b = case.parties.get(Role.A), case.parties.get(Role.B)
    if a is None or b is None:
        results.append(
            RuleResult("C-M-PARTIES", False, "须读取双方身份证件（双方亲自到场）", None, Consequence.CANNOT_ACCEPT)
        )
        return results
    if a.identity.person_key == b.identity.person_key:
        results.append(
            RuleResult("C-M-PARTIES", False, "两次读取的是同一张证件，请读取另一方的证件", Role.B, Consequence.BLOCK)
        )
    results.append(check_sexes(a, b))
    results.append(check_registry(a, b, settings))
    results.append(check_joint_photo(case))
    results.append(check_declarations(case))
    results.append(check_voluntariness(case))
    return results
