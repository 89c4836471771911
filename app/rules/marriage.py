"""Marriage conditions (Civil Code 1046-1049; Reg. 2025 Art. 9): age, sex, no spouse.

Pure: applicants, the day of the visit and the settings come in; results go out.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from app.domain.case import Role
from app.domain.identity import Sex
from app.rules.model import Applicant, CentralMaritalStatus
from app.rules.policy import RuleSettings
from app.rules.results import Consequence, RuleResult


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
    birthday = birthday_in(birth.year + age, birth)
    return birthday if attained_on_birthday else birthday + timedelta(days=1)


def check_age(applicant: Applicant, role: Role | None, today: date, settings: RuleSettings) -> RuleResult:
    doc = applicant.document
    minimum = settings.min_age_male if doc.sex is Sex.MALE else settings.min_age_female
    age = age_on(doc.birth_date, today, attained_on_birthday=settings.age_attained_on_birthday)
    if age >= minimum:
        return RuleResult("C-M-AGE", True, f"{doc.name}现年 {age} 周岁，已达法定婚龄 {minimum} 周岁", role)
    reached = date_age_reached(doc.birth_date, minimum, attained_on_birthday=settings.age_attained_on_birthday)
    return RuleResult(
        "C-M-AGE",
        False,
        f"{doc.name}现年 {age} 周岁，未达法定婚龄（{doc.sex.label_zh}不得早于 {minimum} 周岁，"
        f"《民法典》第一千零四十七条），{reached:%Y年%m月%d日}起方可登记",
        role,
        Consequence.REFUSE,
    )


def check_sexes(a: Applicant, b: Applicant) -> RuleResult:
    if {a.document.sex, b.document.sex} == {Sex.MALE, Sex.FEMALE}:
        return RuleResult("C-M-SEX", True, "双方为一男一女")
    return RuleResult(
        "C-M-SEX", False, "结婚登记须由男女双方申请（《民法典》第一千零四十九条）", None, Consequence.REFUSE
    )


def check_not_married(applicant: Applicant, role: Role | None) -> RuleResult:
    """C-M-SPOUSE from the online check (Reg. 2025 Art. 10); the central store's
    constraint re-checks it when the registration is committed."""
    name = applicant.document.name
    match applicant.marital_status:
        case None:
            return RuleResult(
                "C-M-SPOUSE", False, f"尚未完成{name}的婚姻状况联网核对（中心库暂不可达）", role, Consequence.PENDING
            )
        case CentralMaritalStatus.MARRIED:
            certificate = (
                f"（结婚证字号 {applicant.active_marriage_certificate}）"
                if applicant.active_marriage_certificate
                else ""
            )
            return RuleResult(
                "C-M-SPOUSE",
                False,
                f"联网核对显示{name}现有有效婚姻{certificate}，不予登记（《民法典》第一千零四十二条，《婚姻登记条例》第九条）",
                role,
                Consequence.REFUSE,
            )
        case status:
            return RuleResult("C-M-SPOUSE", True, f"联网核对：{name}无有效婚姻记录（{status.label_zh}）", role)
