"""The marriage case at the counter, judged: the engine's legal rules on the case as
captured so far, plus the checks only the counter can make (domain.md §7): the joint
photo (C-M-PHOTO), the declarations signed in front of the registrar (C-M-DECL) and
the registrar's finding on free will (C-M-VOL); for every business, the face check
(C-ID-FACE)."""

from __future__ import annotations

from datetime import date

from app.domain.case import MarriageCase, Party, Role, Voluntariness
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.rules.engine import RulesContext, decide
from app.rules.model import Applicant, Application, CentralMaritalStatus, Office, OfficeKind
from app.rules.results import Consequence, RuleResult
from app.rules.set_aside import with_set_asides

JOINT_PHOTO = "joint_photo"  # devices.camera.types.DocumentClass.JOINT_PHOTO


def applicant_from(party: Party) -> Applicant:
    """The live check's answer: None = not reached, "" = no active marriage, else the
    certificate number of the active marriage."""
    active = party.central_active_marriage
    status = None if active is None else (CentralMaritalStatus.MARRIED if active else CentralMaritalStatus.UNMARRIED)
    return Applicant(party.identity, party.role, marital_status=status, active_marriage_certificate=active or "")


def application_from(case: MarriageCase, on: date, office_kind: OfficeKind) -> Application:
    parties = tuple(applicant_from(case.parties[role]) for role in (Role.A, Role.B) if role in case.parties)
    return Application(case.business, on, Office(case.office_code, office_kind), parties)


def check_joint_photo(case: MarriageCase) -> RuleResult:
    if any(d.document_class == JOINT_PHOTO for d in case.documents):
        return RuleResult("C-M-PHOTO", True, "已采集双方合影照片")
    return RuleResult("C-M-PHOTO", False, "尚未采集双方合影照片（2 寸红底半身合影）", None, Consequence.CANNOT_ISSUE)


def _signed_current_text(case: MarriageCase, role: Role) -> bool:
    """The signature is bound to the exact declaration text; a changed party changes it."""
    signature, declarant = case.signatures.get(role), case.parties.get(role)
    other = case.parties.get(Role.B if role is Role.A else Role.A)
    if signature is None or declarant is None or other is None:
        return False
    return signature.declaration_sha256 == text_sha256(marriage_declaration_text(declarant.identity, other.identity))


def check_declarations(case: MarriageCase) -> RuleResult:
    missing = [p.identity.name for r, p in case.parties.items() if not _signed_current_text(case, r)]
    if missing:
        return RuleResult(
            "C-M-DECL",
            False,
            f"{'、'.join(missing)}尚未在登记员面前签署《申请结婚登记声明书》",
            None,
            Consequence.CANNOT_ACCEPT,
        )
    return RuleResult("C-M-DECL", True, "双方已当面签署《申请结婚登记声明书》")


def check_voluntariness(case: MarriageCase) -> RuleResult:
    match case.voluntariness:
        case Voluntariness.VOLUNTARY:
            return RuleResult("C-M-VOL", True, "登记员已询问双方结婚意愿，双方完全自愿")
        case Voluntariness.NOT_VOLUNTARY:
            return RuleResult(
                "C-M-VOL",
                False,
                "经询问，当事人并非完全自愿结婚，不予登记（《民法典》第一千零四十六条，《婚姻登记条例》第九条）",
                None,
                Consequence.REFUSE,
            )
    return RuleResult(
        "C-M-VOL", False, "登记员尚未确认已询问双方结婚意愿（《婚姻登记条例》第九条）", None, Consequence.CANNOT_ACCEPT
    )


def check_faces(case: MarriageCase, required: bool) -> list[RuleResult]:
    """C-ID-FACE, 人证合一 for each party read: a mismatch the supervisor has not set
    aside blocks the case wherever a check was made; a missing check blocks only where
    the province requires the check (RuleSettings.face_check_required)."""
    results: list[RuleResult] = []
    for role, party in sorted(case.parties.items()):
        name = party.identity.name
        check = case.current_face_check(role)  # not one made for a card read before this one
        if check is None:
            if required:
                missing = f"尚未对{name}进行人证核验（现场人像与证件照片比对）：请按 Shift+F2/F3 比对，或由主管核实放行"
                results.append(RuleResult("C-ID-FACE", False, missing, role, Consequence.CANNOT_ACCEPT))
            continue
        if check.distance is None or check.threshold is None:
            compared = "比对未能进行"
        else:
            sign = "≤" if check.matched else ">"
            compared = f"比对差异 {check.distance:.2f} {sign} 阈值 {check.threshold:.2f}"
        if check.overridden:
            approved = f"经主管{check.override_by}当面核实确认（{check.override_reason}）"
            results.append(RuleResult("C-ID-FACE", True, f"{name}人证核验：{compared}；{approved}", role))
        elif check.matched:
            results.append(RuleResult("C-ID-FACE", True, f"{name}人证核验通过（{compared}）", role))
        else:
            results.append(RuleResult(
                "C-ID-FACE", False,
                f"{name}现场人像与证件照片比对不一致（{compared}）：请重新比对，或由主管当面核实后放行并写明理由",
                role, Consequence.CANNOT_ACCEPT,
            ))
    return results


def marriage_case_results(
    case: MarriageCase, on: date, office_kind: OfficeKind, context: RulesContext
) -> list[RuleResult]:
    """The engine's results for the case, then the counter's own checks; failures a
    supervisor set aside where the law allows show as passed (app.rules.set_aside)."""
    results = list(decide(application_from(case, on, office_kind), context).results)
    results += check_faces(case, context.settings.face_check_required)
    if len(case.parties) == 2:
        results += [check_joint_photo(case), check_declarations(case), check_voluntariness(case)]
    return with_set_asides(case, results)
