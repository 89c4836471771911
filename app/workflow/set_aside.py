"""A supervisor sets a failed rule result aside where the law allows (issue #10), for
every business: the marriage workflow and the divorce and reissue workflows call
`approve_set_aside` from their `set_rule_aside`.

The request is checked before the supervisor is asked to authenticate (a reason; a rule
on the list of app.rules.set_aside, failing now in a way its entry allows), so a refused
request costs no login attempt. The approval is then checked by the counter's guard
(secret, second factor, supervisor role, four-eyes rule), saved with the case and
audited in the supervisor's name without personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from app.auth.guard import CounterGuard
from app.auth.model import ApprovalKind, SupervisorCredentials
from app.domain.case import MarriageCase, Role
from app.domain.set_aside import RuleSetAside
from app.errors import WorkflowError
from app.rules.results import RuleResult
from app.rules.set_aside import failure_fingerprint, rule_to_set_aside
from app.workflow.access import approving_supervisor


def without_set_asides(case: MarriageCase) -> MarriageCase:
    return replace(case, rule_set_asides=()) if case.rule_set_asides else case


def set_aside_request(
    case: MarriageCase, results: list[RuleResult], rule_id: str, role: Role | None, reason: str,
    shown: str | None = None,
) -> RuleResult:
    """The failed result to set aside (`results`: the case judged without set-asides);
    WorkflowError when there is no reason, the rule may not be set aside now, or its
    failure is no longer the message `shown` to the supervisor."""
    if not reason.strip():
        raise WorkflowError(reason="主管放行规则结果须写明理由")
    try:
        result = rule_to_set_aside(case, results, rule_id, role)
    except ValueError as error:
        raise WorkflowError(reason=str(error)) from None
    if shown is not None and result.message != shown:  # the supervisor approves what they saw
        raise WorkflowError(reason="规则结果已发生变化，请重新查看后再审批")
    return result


def with_rule_set_aside(
    case: MarriageCase, result: RuleResult, supervisor: str, supervisor_id: str, reason: str, now: datetime
) -> MarriageCase:
    """The case with the supervisor's set-aside of `result`, replacing an older one of the
    same rule and party (which was for another failure: it no longer applied)."""
    aside = RuleSetAside(
        rule_id=result.rule_id,
        role=result.party,
        message=result.message,
        fingerprint=failure_fingerprint(case, result),
        reason=reason.strip(),
        supervisor=supervisor.strip(),
        supervisor_id=supervisor_id,
        approved_at=now,
    )
    kept = tuple(a for a in case.rule_set_asides if (a.rule_id, a.role) != (aside.rule_id, aside.role))
    return replace(case, rule_set_asides=(*kept, aside))


def set_aside_detail(rule_id: str, role: Role | None) -> str:
    """The audit detail: the rule and the role, never a name or a number."""
    return f"rule={rule_id} role={role.value if role is not None else '-'}"


def approve_set_aside(
    guard: CounterGuard | None,
    case: MarriageCase,
    rule_id: str,
    role: Role | None,
    reason: str,
    supervisor: SupervisorCredentials | str,
    *,
    evaluate: Callable[[MarriageCase], list[RuleResult]],
    save: Callable[[MarriageCase], MarriageCase],
    now: datetime,
    shown: str | None = None,
) -> MarriageCase:
    """Checks the request, has the supervisor approve it, saves the case (`save` judges
    it afresh) and audits the approval."""
    result = set_aside_request(case, evaluate(without_set_asides(case)), rule_id, role, reason, shown)
    name, supervisor_id, operator = approving_supervisor(
        guard, supervisor, ApprovalKind.RULE_SET_ASIDE, case_id=case.case_id
    )
    if not name.strip():
        raise WorkflowError(reason="主管放行规则结果须写明批准的主管")
    saved = save(with_rule_set_aside(case, result, name, supervisor_id, reason, now))
    if operator is not None and guard is not None:
        guard.approved(operator, ApprovalKind.RULE_SET_ASIDE, case_id=case.case_id,
                       detail=set_aside_detail(rule_id, role))
    return saved
