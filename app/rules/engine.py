"""The rules engine: one decision for any counter business on any date, explained
rule by rule. The counter's workflow and `marriage-counter rules check` both call
`decide`, so every rule exists once.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from app.domain.case import Business, Role
from app.domain.identity import DocumentType
from app.rules.divorce import (
    CIVIL_CODE_IN_FORCE,
    check_marriage_registered,
    check_registration_window,
    check_withdrawal,
)
from app.rules.holidays import HolidayCalendar
from app.rules.identity import check_identity
from app.rules.jurisdiction import check_registry
from app.rules.marriage import check_age, check_not_married, check_sexes
from app.rules.model import Applicant, Application, Decision, DivorceDates, Verdict
from app.rules.periods import DivorcePeriods, divorce_periods
from app.rules.policy import Era, PolicyTables, RuleSettings
from app.rules.reissue import check_reissue
from app.rules.results import Consequence, RuleResult

ROLES = (Role.A, Role.B)

# A decision is the gravest consequence among the failed rules.
_DECISION_OF = {
    Consequence.REFUSE: Decision.REFUSE,
    Consequence.BLOCK: Decision.REFUSE,  # an invalid or expired document
    Consequence.CANNOT_ACCEPT: Decision.REFUSE,
    Consequence.CANNOT_ISSUE: Decision.REFUSE,
    Consequence.REDIRECT: Decision.REDIRECT,
    Consequence.WAIT: Decision.WAIT,
    Consequence.PENDING: Decision.WAIT,
}
_GRAVITY = (Decision.REFUSE, Decision.REDIRECT, Decision.WAIT)


@dataclass(frozen=True, slots=True)
class RulesContext:
    """Everything a decision depends on besides the application: the policy tables and
    the holiday calendar (data from resources/), the settings (configuration) and the
    GB/T 2260 region codes, current and retired."""

    policy: PolicyTables
    calendar: HolidayCalendar
    settings: RuleSettings
    region_codes: Container[str]


def _roles(application: Application) -> list[tuple[Role, Applicant]]:
    return [(p.role or ROLES[i], p) for i, p in enumerate(application.parties)]


def _identity_results(application: Application, context: RulesContext) -> list[RuleResult]:
    return [check_identity(p.document, role, application.on, context.region_codes) for role, p in _roles(application)]


def _marriage(application: Application, context: RulesContext, era: Era) -> list[RuleResult]:
    results = _identity_results(application, context)
    for role, applicant in _roles(application):
        results.append(check_age(applicant, role, application.on, context.settings))
        results.append(check_not_married(applicant, role))
    if len(application.parties) < 2:
        results.append(
            RuleResult(
                "C-M-PARTIES",
                False,
                "须读取双方身份证件（双方亲自到场，《民法典》第一千零四十九条）",
                None,
                Consequence.CANNOT_ACCEPT,
            )
        )
        return results
    a, b = application.parties[:2]
    if a.document.person_key == b.document.person_key:
        results.append(
            RuleResult("C-M-PARTIES", False, "两次读取的是同一张证件，请读取另一方的证件", Role.B, Consequence.BLOCK)
        )
    results.append(check_sexes(a, b))
    results.append(check_registry(application, era, context.policy, context.settings))
    return results


def office_calendar(context: RulesContext) -> HolidayCalendar:
    """The holiday data under the office's reading of 法定休假日 (§0.1 item 7): the setting
    decides, whatever reading the calendar was loaded with."""
    weekends = context.settings.weekends_are_rest_days
    if context.calendar.weekends_are_rest_days is weekends:
        return context.calendar
    return context.calendar.with_weekends(weekends)


def _divorce(
    application: Application, context: RulesContext, era: Era
) -> tuple[list[RuleResult], DivorcePeriods | None]:
    results = _identity_results(application, context)
    business, facts = application.business, application.divorce_application
    if business is Business.DIVORCE_APPLICATION:
        for role, applicant in _roles(application):
            results.append(check_marriage_registered(applicant, role))
        results.append(check_registry(application, era, context.policy, context.settings))
        if application.on < CIVIL_CODE_IN_FORCE:
            return results, None  # registered on the spot, no cooling-off (Reg. 2003 Art. 13)
        return results, divorce_periods(application.on, office_calendar(context))
    if facts is None:
        raise ValueError(f"{business.value} needs the divorce application it belongs to")
    periods = divorce_periods(facts.accepted_on, office_calendar(context))
    if business is Business.DIVORCE_WITHDRAWAL:
        results.append(check_withdrawal(facts, periods, application.office.region, application.on))
    else:
        for role, applicant in _roles(application):
            results.append(check_marriage_registered(applicant, role))
        results.append(check_registration_window(facts, periods, application.office.region, application.on))
    return results, periods


def _reissue(application: Application, context: RulesContext, era: Era) -> list[RuleResult]:
    results = _identity_results(application, context)
    certificate = application.reissue.certificate if application.reissue else None
    for role, applicant in _roles(application):
        if certificate is not None:
            results.append(check_reissue(applicant, role, certificate))
    results.append(check_registry(application, era, context.policy, context.settings))
    return results


def documents_required(application: Application, tables: PolicyTables, results: list[RuleResult]) -> tuple[str, ...]:
    table = tables.documents
    needed: list[str] = []
    for applicant in application.parties:
        doc_type = applicant.document.doc_type
        needed.append(table.identity[doc_type.value])
        if (
            doc_type is DocumentType.RESIDENT_ID
            and application.on <= table.hukou_booklet_until
            and application.business is not Business.DIVORCE_WITHDRAWAL
        ):
            needed.append("hukou_booklet")
        if application.business is Business.MARRIAGE:
            needed.extend(table.marriage_by_identity.get(doc_type.value, ()))
    needed.extend(table.business.get(application.business.value, ()))
    needed.extend(document for r in results if r.passed for document in r.relies_on)
    return tuple(dict.fromkeys(needed))


def decide(application: Application, context: RulesContext) -> Verdict:
    era = context.policy.era_on(application.on)
    periods: DivorcePeriods | None = None
    match application.business:
        case Business.MARRIAGE:
            results = _marriage(application, context, era.era)
        case Business.DIVORCE_APPLICATION | Business.DIVORCE_WITHDRAWAL | Business.DIVORCE_REGISTRATION:
            results, periods = _divorce(application, context, era.era)
        case Business.REISSUE:
            results = _reissue(application, context, era.era)
    failed = {_DECISION_OF[r.consequence] for r in results if not r.passed}
    decision = next((d for d in _GRAVITY if d in failed), Decision.ACCEPT)
    notes: list[str] = [f"适用规定：{era.citation}"]
    if periods is not None and periods.uncovered_years:
        years = "、".join(str(y) for y in periods.uncovered_years)
        notes.append(f"{years}年的国务院节假日安排尚未录入，期间只按周末顺延，请核对")
    if application.business is Business.DIVORCE_APPLICATION and periods is None:
        notes.append("《民法典》施行（2021年1月1日）前，协议离婚当场登记，无离婚冷静期")
    dates = (
        None
        if periods is None
        else DivorceDates(periods.cooling_off_end, periods.issue_window_start, periods.issue_window_end)
    )
    return Verdict(
        decision=decision,
        policy=era.era.value,
        results=tuple(results),
        documents_required=documents_required(application, context.policy, results),
        dates=dates,
        notes=tuple(notes),
    )
