"""Divorce by registration (Civil Code 1076-1078; Reg. 2025 Art. 13-16; domain.md §1.2, §1.3)."""

from __future__ import annotations

from datetime import date

from app.domain.case import Role
from app.rules.model import Applicant, ApplicationStatus, CentralMaritalStatus, DivorceApplicationFacts
from app.rules.periods import DivorcePeriods, registration_window, withdrawal_open
from app.rules.results import Consequence, RuleResult

# The cooling-off period exists since the Civil Code took effect (民发〔2020〕116号).
CIVIL_CODE_IN_FORCE = date(2021, 1, 1)


def check_marriage_registered(applicant: Applicant, role: Role | None) -> RuleResult:
    """C-D-CERT: only a marriage registered in mainland China can be dissolved by
    registration (Reg. 2025 Art. 14(3)); others go to court. The national database holds
    mainland registrations only, so "married" there is proof enough."""
    name = applicant.document.name
    if applicant.marriage_registered_in_mainland is False:
        return RuleResult(
            "C-D-CERT",
            False,
            f"{name}的婚姻不是在内地登记的，不予受理，当事人可向人民法院提起诉讼（《婚姻登记条例》第十四条）",
            role,
            Consequence.REFUSE,
        )
    if applicant.marriage_registered_in_mainland or applicant.marital_status is CentralMaritalStatus.MARRIED:
        return RuleResult("C-D-CERT", True, f"{name}的婚姻在内地登记", role)
    if applicant.marital_status is None:
        return RuleResult("C-D-CERT", False, f"尚未完成{name}的婚姻状况联网核对", role, Consequence.PENDING)
    return RuleResult(
        "C-D-CERT", False, f"联网核对显示{name}没有有效的内地婚姻登记，无婚可离", role, Consequence.REFUSE
    )


def _application_open(facts: DivorceApplicationFacts, rule_id: str) -> RuleResult | None:
    if facts.status is ApplicationStatus.PENDING:
        return None
    said = {
        ApplicationStatus.WITHDRAWN: "已撤回",
        ApplicationStatus.REGISTERED: "已办理离婚登记",
        ApplicationStatus.DEEMED_WITHDRAWN: "已视为撤回",
    }[facts.status]
    return RuleResult(rule_id, False, f"该离婚登记申请{said}，程序已终结", None, Consequence.REFUSE)


def _same_office(facts: DivorceApplicationFacts, office_region: str, rule_id: str, what: str) -> RuleResult | None:
    """§0.1 item 8: only the accepting registry (Reg. 2025 Art. 16)."""
    if facts.office_region == office_region:
        return None
    return RuleResult(
        rule_id,
        False,
        f"{what}须到受理离婚登记申请的婚姻登记机关（{facts.office_region}）办理",
        None,
        Consequence.REDIRECT,
    )


def check_withdrawal(
    facts: DivorceApplicationFacts, periods: DivorcePeriods, office_region: str, on: date
) -> RuleResult:
    """C-D-WD: either party alone, at the accepting registry, up to and including the
    cooling-off end (Civil Code 1077 ¶1; §1.3 item 3)."""
    closed = _application_open(facts, "C-D-WD") or _same_office(facts, office_region, "C-D-WD", "撤回离婚登记申请")
    if closed is not None:
        return closed
    if on < facts.accepted_on:
        return RuleResult("C-D-WD", False, "办理日期早于申请受理日期", None, Consequence.REFUSE)
    if withdrawal_open(periods, on):
        return RuleResult("C-D-WD", True, f"冷静期内（至 {periods.cooling_off_end:%Y-%m-%d}），一方可申请撤回")
    return RuleResult(
        "C-D-WD",
        False,
        f"冷静期已于 {periods.cooling_off_end:%Y-%m-%d} 届满，不能再撤回（《民法典》第一千零七十七条）",
        None,
        Consequence.REFUSE,
    )


def check_registration_window(
    facts: DivorceApplicationFacts, periods: DivorcePeriods, office_region: str, on: date
) -> RuleResult:
    """C-D-ISSUE: both in person, at the accepting registry, within the 30 days after
    the cooling-off; afterwards the application is deemed withdrawn (Reg. 2025 Art. 16)."""
    closed = _application_open(facts, "C-D-ISSUE") or _same_office(facts, office_region, "C-D-ISSUE", "离婚登记")
    if closed is not None:
        return closed
    window = f"{periods.issue_window_start:%Y-%m-%d} 至 {periods.issue_window_end:%Y-%m-%d}"
    match registration_window(periods, on):
        case "before":
            return RuleResult(
                "C-D-ISSUE",
                False,
                f"冷静期尚未届满，双方应于 {window} 期间共同到场申请发给离婚证",
                None,
                Consequence.WAIT,
            )
        case "after":
            return RuleResult(
                "C-D-ISSUE",
                False,
                f"申请发证期（{window}）已过，离婚登记申请视为撤回（《婚姻登记条例》第十六条）",
                None,
                Consequence.REFUSE,
            )
    return RuleResult("C-D-ISSUE", True, f"在申请发证期内（{window}）")
