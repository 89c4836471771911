"""Rule results a supervisor may set aside, and their effect (issue #10).

A statutory condition is never set aside: a result whose consequence is a refusal
ground (REFUSAL_GROUNDS: 不予登记 / 不予受理 under Reg. 2025 Art. 9, 14, 16, a registry
that is not competent) is the law deciding, and nobody at the counter may overrule it.
Nor may anything that is not on the list below. What is on it is what the law leaves to
the registry: a check that is provincial practice rather than national law, or a
counter heuristic standing in for a fact the registrar can see for themselves. Each
entry names the failures of its rule that may be set aside (`applies`), its basis, and
why it is no statutory condition.

Considered and left off (each a statutory condition, or settled by a finding the
registrar records instead):
* C-ID-1 (document valid), C-M-PARTIES, C-M-SEX, C-M-AGE, C-M-SPOUSE, C-M-REG, C-D-CERT,
  C-D-OPEN, C-D-WD, C-D-ISSUE, C-R-REISSUE, C-R-RECORD: the Civil Code and Reg. 2025
  Art. 7-10, 13-16, 21; refusal grounds, or a national online check (Art. 10) that is
  only pending.
* C-M-VOL, C-D-INTENT, C-D-CAPACITY, C-DR-ASK: the registry's judgement (Civil Code
  1046, 1078; Reg. 2025 Art. 9(2), 14(2)) is exercised by the registrar recording the
  finding, which the forms and the archive print; setting "not recorded" aside would
  leave the record without it.
* C-M-DECL and the forms signed in front of the registrar (C-D-SIGN, C-W-SIGN, C-DR-SIGN-*,
  C-R-SIGN), C-DR-AGREE: Reg. 2025 Art. 8, 13; Civil Code 1076; 2015 规范 Art. 56.
* C-M-PHOTO, C-R-PHOTO: the certificate itself carries the photo (Reg. 2025 Art. 27,
  MCA design); it cannot be issued without one.
* C-DR-DOCS: the 结婚证 presented at the second visit is stamped void and copied into the
  archive (2015 规范 Art. 59); without the copy the archive is incomplete.
* C-ID-FACE when a comparison ran and found another person: that is the face-check
  override (app.workflow.capture, ApprovalKind.FACE_CHECK), where the supervisor looks at
  both faces and the approval is kept on the check itself.

Pure: the case and the results in, results out; no clock, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from app.domain.case import Business, MarriageCase, Role
from app.domain.divorce import CertificateCopies
from app.domain.set_aside import RuleSetAside
from app.rules.results import REFUSAL_GROUNDS, RuleResult

MARRIAGE_CERTIFICATE = "marriage_certificate"  # app.rules.counter_divorce.MARRIAGE_CERTIFICATE


@dataclass(frozen=True, slots=True)
class SettableRule:
    rule_id: str
    basis: str  # why a supervisor may set it aside (Chinese, shown and printed)
    applies: Callable[[MarriageCase, RuleResult], bool]  # which failures of the rule


def _face_check_missing(case: MarriageCase, result: RuleResult) -> bool:
    """Only the missing check: the matcher never ran for the party now in the role."""
    return result.party is not None and result.party in case.parties and case.current_face_check(result.party) is None


def _one_certificate_image_for_both(case: MarriageCase, result: RuleResult) -> bool:
    """Only the count of images when the couple brought both 结婚证 and one image of them
    was taken; a lost certificate's written statement or archive copy is never waived."""
    details = case.divorce
    if case.business is not Business.DIVORCE_APPLICATION or details is None:
        return False
    images = sum(1 for d in case.documents if d.document_class == MARRIAGE_CERTIFICATE)
    return details.certificate_copies is CertificateCopies.BOTH and images == 1


SETTABLE_RULES: dict[str, SettableRule] = {
    rule.rule_id: rule
    for rule in (
        # 人证合一 by face comparison is provincial practice, not national law (the
        # [rules] face_check_required setting, RuleSettings): the identity check the law
        # asks for is the document and the online check (Reg. 2025 Art. 8, 10), which stay.
        # Set aside only where the comparison could not be made at all (no camera or
        # matcher working, a face that cannot be photographed).
        SettableRule(
            "C-ID-FACE",
            "人证比对为本省工作要求，非法定登记条件（《婚姻登记条例》第八条、第十条规定的证件查验和联网核对仍须完成）",
            _face_check_missing,
        ),
        # Reg. 2025 Art. 15 asks the parties to present the 结婚证; the counter counts
        # images as booklets, a heuristic: both booklets on one image, or a second image
        # the camera could not take, is a shortfall of the count and not of the law. The
        # copy the archive needs is taken at the second visit (C-DR-DOCS, not settable).
        SettableRule(
            "C-D-DOCS",
            "《婚姻登记条例》第十五条要求出具结婚证，拍摄存档张数为柜台核对方式；第二次到场时结婚证复印存档（《婚姻登记工作规范》第五十九条）",
            _one_certificate_image_for_both,
        ),
    )
}


def settable_rule(case: MarriageCase, result: RuleResult) -> SettableRule | None:
    """The list entry that allows setting this failed result aside, or None: a passed
    result, a refusal ground, a rule not on the list or a failure its entry excludes."""
    if result.passed or result.consequence in REFUSAL_GROUNDS:
        return None
    rule = SETTABLE_RULES.get(result.rule_id)
    if rule is None or not rule.applies(case, result):
        return None
    return rule


def failure_fingerprint(case: MarriageCase, result: RuleResult) -> str:
    """Binds a set-aside to one failure: the rule, the party, the exact message and the
    people it concerned (the party's person key, or both parties' for a case-wide result)."""
    if result.party is not None:
        party = case.parties.get(result.party)
        people = [party.identity.person_key] if party is not None else []
    else:
        people = sorted(p.identity.person_key for p in case.parties.values())
    text = "\x1f".join([result.rule_id, result.party.value if result.party else "", result.message, *people])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matching_set_aside(case: MarriageCase, result: RuleResult) -> RuleSetAside | None:
    """The supervisor's set-aside of exactly this failure, if the list still allows it."""
    if not case.rule_set_asides or settable_rule(case, result) is None:
        return None
    fingerprint = failure_fingerprint(case, result)
    return next(
        (a for a in reversed(case.rule_set_asides)
         if a.rule_id == result.rule_id and a.role == result.party and a.fingerprint == fingerprint),
        None,
    )


def set_aside_message(result: RuleResult, aside: RuleSetAside) -> str:
    return f"{result.message}；经主管{aside.supervisor}批准，此项不作为办理障碍（{aside.reason}）"


def with_set_asides(case: MarriageCase, results: Sequence[RuleResult]) -> list[RuleResult]:
    """The results with every failure the supervisor set aside shown as passed, saying by
    whom and why. Used by both the marriage and the other businesses' results
    (app.rules.counter, app.rules.counter_divorce). The engine's verdict is not changed:
    no rule of the engine (`decide`) is on the list."""
    if not case.rule_set_asides:
        return list(results)
    judged = []
    for result in results:
        aside = matching_set_aside(case, result)
        if aside is not None:
            result = replace(result, passed=True, message=set_aside_message(result, aside))
        judged.append(result)
    return judged


def effective_set_asides(case: MarriageCase, results: Sequence[RuleResult]) -> list[RuleSetAside]:
    """The set-asides that apply to the case as it is (`results` before set-asides); for
    the review form and the screen."""
    found = (matching_set_aside(case, r) for r in results if not r.passed)
    return [a for a in found if a is not None]


def rule_to_set_aside(case: MarriageCase, results: Sequence[RuleResult], rule_id: str, role: Role | None) -> RuleResult:
    """The failed result a supervisor is asked to set aside; ValueError (Chinese) when the
    rule may not be set aside or is not failing now. `results` are before set-asides."""
    if rule_id not in SETTABLE_RULES:
        raise ValueError(f"规则 {rule_id} 属于法定登记条件或未列入可由主管放行的范围，不能放行")
    failing = [r for r in results if r.rule_id == rule_id and r.party == role and not r.passed]
    if not failing:
        raise ValueError(f"规则 {rule_id} 目前没有未通过的结果，无需放行")
    result = failing[0]
    if result.consequence in REFUSAL_GROUNDS:
        raise ValueError(f"规则 {rule_id} 的结果属于不予登记的法定情形，不能放行")
    if settable_rule(case, result) is None:
        raise ValueError(f"规则 {rule_id} 的此项结果（{result.message}）不在可由主管放行的情形之内")
    if matching_set_aside(case, result) is not None:
        raise ValueError(f"规则 {rule_id} 的此项结果已经主管放行")
    return result
