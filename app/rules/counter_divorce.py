"""Divorce and reissue cases at the counter, judged: the engine's legal rules on the case
as captured so far (app.rules.engine.decide, the same code as `rules check`), plus the
checks only the counter can make: that the people at the window are the spouses of the
marriage on record, the certificates presented, the registrar's findings and the forms
signed in front of the registrar (domain.md §4.3, §4.6, §7).
"""

from __future__ import annotations

from datetime import date

from app.domain.case import Business, MarriageCase, Party, Role
from app.domain.declarations import (
    divorce_application_text,
    divorce_declaration_text,
    interview_text,
    reissue_declaration_text,
    text_sha256,
    withdrawal_text,
)
from app.domain.divorce import (
    CertificateCopies,
    CertificateKind,
    DivorceDetails,
    Finding,
    ReissueDetails,
    SignedForm,
    agreement_text,
)
from app.rules.counter import applicant_from, check_faces
from app.rules.engine import RulesContext, decide
from app.rules.model import (
    Applicant,
    Application,
    ApplicationStatus,
    CentralMaritalStatus,
    DivorceApplicationFacts,
    Office,
    OfficeKind,
    ReissueFacts,
    Verdict,
)
from app.rules.model import CertificateKind as RulesCertificateKind
from app.rules.results import Consequence, RuleResult
from app.rules.set_aside import with_set_asides

MARRIAGE_CERTIFICATE = "marriage_certificate"
LOSS_STATEMENT = "loss_statement"  # 结婚证遗失的书面声明
ARCHIVE_COPY = "archive_copy"  # 加盖查档专用章的结婚登记档案复印件
JOINT_PHOTO = "joint_photo"
SINGLE_PHOTO = "single_photo"


BOTH = (Role.A, Role.B)


def other(role: Role) -> Role:
    return Role.B if role is Role.A else Role.A


def form_text(case: MarriageCase, form: SignedForm, role: Role) -> str | None:
    """The exact text `role` signs on `form`; None while the case lacks what it names."""
    party = case.parties.get(role)
    if party is None:
        return None
    partner = case.parties.get(other(role))
    details = case.divorce or DivorceDetails()
    match form:
        case SignedForm.DIVORCE_APPLICATION:
            if partner is None or details.marriage is None:
                return None
            return divorce_application_text(party.identity, partner.identity, details.marriage.certificate_no)
        case SignedForm.WITHDRAWAL:
            if details.application is None:
                return None
            return withdrawal_text(party.identity, details.application.receipt_no)
        case SignedForm.INTERVIEW:
            interview = details.interview_of(role)
            if interview is None:
                return None
            return interview_text(
                party.identity.name, interview.wishes_to_divorce, interview.agrees_with_agreement, interview.remarks
            )
        case SignedForm.AGREEMENT:
            a, b = case.parties.get(Role.A), case.parties.get(Role.B)
            if a is None or b is None or details.agreement is None:
                return None
            return agreement_text((a.identity.name, b.identity.name), details.agreement)
        case SignedForm.DIVORCE_DECLARATION:
            if partner is None:
                return None
            return divorce_declaration_text(party.identity, partner.identity)
        case SignedForm.REISSUE_DECLARATION:
            reissue = case.reissue
            if reissue is None or not reissue.original_certificate_no:
                return None
            kind = reissue.certificate_kind
            return reissue_declaration_text(
                party.identity, kind.label_zh, reissue.original_certificate_no, reissue.reason
            )
    return None


def signed_current_text(case: MarriageCase, form: SignedForm, role: Role) -> bool:
    """A signature counts only for the text now on the form: a changed clause, a changed
    party or a new interview answer needs a new signature."""
    signature, text = case.signature_for(form, role), form_text(case, form, role)
    return signature is not None and text is not None and signature.declaration_sha256 == text_sha256(text)


def check_signed(case: MarriageCase, rule_id: str, form: SignedForm, title: str, roles: tuple[Role, ...]) -> RuleResult:
    if any(r not in case.parties for r in roles):
        return RuleResult(
            rule_id, False, f"须先读取当事人的证件，再当面签署《{title}》", None, Consequence.CANNOT_ACCEPT
        )
    missing = [case.parties[r].identity.name for r in roles if not signed_current_text(case, form, r)]
    if missing:
        return RuleResult(
            rule_id, False, f"{'、'.join(missing)}尚未在登记员面前签署《{title}》", None, Consequence.CANNOT_ACCEPT
        )
    return RuleResult(rule_id, True, f"已当面签署《{title}》")


# --- facts for the engine ---------------------------------------------------------------


def _divorce_applicant(case: MarriageCase, party: Party) -> Applicant:
    """The national check as the case recorded it: the marriage on record decides whether
    the party is married in mainland China (C-D-CERT)."""
    base = applicant_from(party)
    marriage = case.divorce.marriage if case.divorce else None
    if marriage is not None and marriage.has_party(party.identity.person_key):
        active = marriage.status == "active"
        status = CentralMaritalStatus.MARRIED if active else CentralMaritalStatus.DIVORCED
        return Applicant(
            party.identity,
            party.role,
            marital_status=status,
            active_marriage_certificate=marriage.certificate_no if active else "",
        )
    return base


def divorce_application_facts(details: DivorceDetails | None) -> DivorceApplicationFacts | None:
    if details is None or details.application is None:
        return None
    app = details.application
    return DivorceApplicationFacts(app.accepted_on, app.office_code, ApplicationStatus(app.status))


def engine_application(case: MarriageCase, on: date, office_kind: OfficeKind) -> Application:
    roles = [r for r in (Role.A, Role.B) if r in case.parties]
    office = Office(case.office_code, office_kind)
    if case.business is Business.REISSUE:
        reissue = case.reissue
        facts = None
        if reissue is not None:
            kind = (
                RulesCertificateKind.MARRIAGE
                if reissue.certificate_kind is CertificateKind.MARRIAGE
                else (RulesCertificateKind.DIVORCE)
            )
            region = reissue.record.office_code if reissue.record else None
            facts = ReissueFacts(kind, region)
        parties = tuple(_reissue_applicant(case, case.parties[r]) for r in roles)
        return Application(case.business, on, office, parties, reissue=facts)
    parties = tuple(_divorce_applicant(case, case.parties[r]) for r in roles)
    return Application(case.business, on, office, parties, divorce_application=divorce_application_facts(case.divorce))


def _reissue_applicant(case: MarriageCase, party: Party) -> Applicant:
    """C-R-REISSUE compares the person's status now with the one the certificate shows:
    married in *that* marriage for a 结婚证; divorced from it, and not remarried, for a 离婚证."""
    reissue = case.reissue
    if reissue is None or reissue.record is None or party.central_active_marriage is None:
        return Applicant(party.identity, party.role)  # not looked up yet: PENDING
    if reissue.certificate_kind is CertificateKind.MARRIAGE:
        married = reissue.record.status == "active"
    else:  # the record of a 离婚证 is a dissolved marriage: married now means remarried
        married = bool(party.central_active_marriage)
    status = CentralMaritalStatus.MARRIED if married else CentralMaritalStatus.DIVORCED
    return Applicant(party.identity, party.role, marital_status=status)


def verdict(case: MarriageCase, on: date, office_kind: OfficeKind, context: RulesContext) -> Verdict:
    return decide(engine_application(case, on, office_kind), context)


# --- the counter's own checks ----------------------------------------------------------


def check_spouses(case: MarriageCase, rule_id: str, roles: tuple[Role, ...]) -> RuleResult:
    """The people whose cards were read are the spouses of the marriage on record."""
    details = case.divorce or DivorceDetails()
    if details.marriage is None:
        if details.application is None and case.business is not Business.DIVORCE_APPLICATION:
            return RuleResult(rule_id, False, "请扫描或输入离婚登记申请受理回执单编号", None, Consequence.CANNOT_ACCEPT)
        return RuleResult(
            rule_id, False, "尚未在中心库中找到当事人的婚姻登记（可输入结婚证字号查找）", None, Consequence.PENDING
        )
    missing_cards = [r for r in roles if r not in case.parties]
    if missing_cards:
        who = "双方" if len(roles) == 2 else "申请人"
        return RuleResult(rule_id, False, f"须读取{who}的身份证件", None, Consequence.CANNOT_ACCEPT)
    strangers = [
        case.parties[r].identity.name
        for r in roles
        if not details.marriage.has_party(case.parties[r].identity.person_key)
    ]
    if strangers:
        return RuleResult(
            rule_id,
            False,
            f"{'、'.join(strangers)}不是结婚证字号 {details.marriage.certificate_no} 的婚姻当事人",
            None,
            Consequence.BLOCK,
        )
    if len(roles) == 2 and case.parties[Role.A].identity.person_key == case.parties[Role.B].identity.person_key:
        return RuleResult(rule_id, False, "两次读取的是同一张证件，请读取另一方的证件", Role.B, Consequence.BLOCK)
    return RuleResult(rule_id, True, f"当事人与婚姻登记档案（{details.marriage.certificate_no}）一致")


def check_no_open_application(details: DivorceDetails) -> RuleResult:
    """One open application per marriage (the central store's constraint, checked early
    so the couple hears it before signing)."""
    found = details.blocking_application
    if found is None:
        return RuleResult("C-D-OPEN", True, "该婚姻没有未办结的离婚登记申请")
    return RuleResult(
        "C-D-OPEN",
        False,
        f"该婚姻已有未办结的离婚登记申请（受理机关 {found.office_code}，受理日期 {found.accepted_on:%Y-%m-%d}，"
        f"回执编号 {found.receipt_no}）",
        None,
        Consequence.REFUSE,
    )


def check_certificates_presented(case: MarriageCase, details: DivorceDetails) -> RuleResult:
    """§4.3 item 1: both 结婚证; one lost: a written statement; both lost: the statement
    and a certified archive copy."""
    classes = [d.document_class for d in case.documents]
    certificates = classes.count(MARRIAGE_CERTIFICATE)
    missing: list[str] = []
    match details.certificate_copies:
        case CertificateCopies.BOTH:
            if certificates < 2:
                missing.append(f"双方结婚证（已拍摄 {certificates} 本）")
        case CertificateCopies.ONE_LOST:
            if certificates < 1:
                missing.append("一本结婚证")
            if LOSS_STATEMENT not in classes:
                missing.append("结婚证遗失的书面声明")
        case CertificateCopies.BOTH_LOST:
            if LOSS_STATEMENT not in classes:
                missing.append("结婚证遗失的书面声明")
            if ARCHIVE_COPY not in classes:
                missing.append("加盖查档专用章的结婚登记档案复印件")
    if missing:
        return RuleResult("C-D-DOCS", False, f"尚未拍摄：{'、'.join(missing)}", None, Consequence.CANNOT_ACCEPT)
    return RuleResult("C-D-DOCS", True, "结婚证（或遗失声明、档案复印件）已拍摄存档")


def check_certificate_at_registration(case: MarriageCase) -> RuleResult:
    """§4.3 item 4: the 结婚证 comes back at the second visit, to be stamped void and copied
    for the archive (2015 规范 Art. 59); a lost one is replaced as at the first visit."""
    presented = {d.document_class for d in case.documents} & {MARRIAGE_CERTIFICATE, LOSS_STATEMENT, ARCHIVE_COPY}
    if presented:
        return RuleResult("C-DR-DOCS", True, "结婚证（或遗失声明、档案复印件）已拍摄存档")
    return RuleResult(
        "C-DR-DOCS",
        False,
        "尚未拍摄结婚证（遗失的，拍摄书面声明或加盖查档专用章的结婚登记档案复印件）",
        None,
        Consequence.CANNOT_ACCEPT,
    )


def check_finding(finding: Finding, rule_id: str, asked: str, refused: str) -> RuleResult:
    match finding:
        case Finding.CONFIRMED:
            return RuleResult(rule_id, True, f"登记员已确认：{asked}")
        case Finding.DENIED:
            return RuleResult(rule_id, False, refused, None, Consequence.REFUSE)
    return RuleResult(rule_id, False, f"登记员尚未确认：{asked}", None, Consequence.CANNOT_ACCEPT)


def check_interviews(case: MarriageCase, details: DivorceDetails) -> RuleResult:
    """2015 规范 Art. 56(1): each party questioned separately; Civil Code 1078: the registry
    registers only when both truly wish to divorce and agree on the arrangements."""
    if any(r not in case.parties for r in BOTH):
        return RuleResult("C-DR-ASK", False, "须先读取双方证件，再分别询问", None, Consequence.CANNOT_ACCEPT)
    missing = [p.identity.name for r, p in case.parties.items() if details.interview_of(r) is None]
    if missing:
        return RuleResult(
            "C-DR-ASK", False, f"尚未分别询问{'、'.join(missing)}并制作询问笔录", None, Consequence.CANNOT_ACCEPT
        )
    unwilling = [
        case.parties[i.role].identity.name
        for i in details.interviews
        if i.role in case.parties and not (i.wishes_to_divorce and i.agrees_with_agreement)
    ]
    if unwilling:
        return RuleResult(
            "C-DR-ASK",
            False,
            f"经询问，{'、'.join(unwilling)}并非自愿离婚或对离婚协议有异议，不予办理离婚登记（《民法典》第一千零七十八条）",
            None,
            Consequence.REFUSE,
        )
    return RuleResult("C-DR-ASK", True, "已分别询问双方，双方自愿离婚且对协议无异议")


def check_agreement(details: DivorceDetails) -> RuleResult:
    """Civil Code 1076: the written agreement settles children, property and debts."""
    if details.agreement is None:
        return RuleResult("C-DR-AGREE", False, "尚未录入并审查离婚协议书", None, Consequence.CANNOT_ACCEPT)
    missing = details.agreement.missing()
    if missing:
        return RuleResult(
            "C-DR-AGREE",
            False,
            f"离婚协议书缺少：{'、'.join(missing)}（没有的须写明“无”）",
            None,
            Consequence.CANNOT_ACCEPT,
        )
    return RuleResult("C-DR-AGREE", True, "离婚协议书已载明子女抚养、财产分割及债务处理")


def check_photo(case: MarriageCase, reissue: ReissueDetails) -> RuleResult:
    """§4.6: a joint photo for a 结婚证, a single photo for a 离婚证."""
    wanted, label = (
        (JOINT_PHOTO, "双方合影照片")
        if reissue.certificate_kind is CertificateKind.MARRIAGE
        else (SINGLE_PHOTO, "本人单人照片")
    )
    if any(d.document_class == wanted for d in case.documents):
        return RuleResult("C-R-PHOTO", True, f"已采集{label}")
    return RuleResult("C-R-PHOTO", False, f"尚未采集{label}", None, Consequence.CANNOT_ISSUE)


def check_record(case: MarriageCase) -> RuleResult:
    """The archive check of §4.6 (查证): the record the certificate belongs to."""
    reissue, applicant = case.reissue, case.parties.get(Role.A)
    if reissue is None or applicant is None:
        return RuleResult("C-R-RECORD", False, "须读取申请人的身份证件", None, Consequence.CANNOT_ACCEPT)
    label = reissue.certificate_kind.label_zh
    if reissue.record is None or not reissue.original_certificate_no:
        # The lookup ran with the card (it fails the read when the store is down).
        return RuleResult(
            "C-R-RECORD",
            False,
            f"中心库中没有{applicant.identity.name}可补领{label}的婚姻登记档案，不能补领",
            Role.A,
            Consequence.REFUSE,
        )
    return RuleResult("C-R-RECORD", True, f"已查到原{label}（{reissue.original_certificate_no}）")


def counter_results(case: MarriageCase) -> list[RuleResult]:
    """The counter's checks for the case's business (see the module docstring)."""
    details = case.divorce or DivorceDetails()
    match case.business:
        case Business.DIVORCE_APPLICATION:
            return [
                check_spouses(case, "C-D-SPOUSES", BOTH),
                check_no_open_application(details),
                check_certificates_presented(case, details),
                check_finding(
                    details.intent_finding,
                    "C-D-INTENT",
                    "双方自愿离婚",
                    "双方未达成离婚合意，不予受理（《婚姻登记条例》第十四条第一项）",
                ),
                check_finding(
                    details.capacity_finding,
                    "C-D-CAPACITY",
                    "双方均具有完全民事行为能力",
                    "一方或者双方为无民事行为能力人或者限制民事行为能力人，不予受理（《婚姻登记条例》第十四条第二项）",
                ),
                check_signed(case, "C-D-SIGN", SignedForm.DIVORCE_APPLICATION, "离婚登记申请书", BOTH),
            ]
        case Business.DIVORCE_WITHDRAWAL:
            return [
                check_spouses(case, "C-W-PARTY", (Role.A,)),
                check_signed(case, "C-W-SIGN", SignedForm.WITHDRAWAL, "撤回离婚登记申请书", (Role.A,)),
            ]
        case Business.DIVORCE_REGISTRATION:
            return [
                check_spouses(case, "C-DR-SPOUSES", BOTH),
                check_certificate_at_registration(case),
                check_interviews(case, details),
                check_agreement(details),
                check_signed(case, "C-DR-SIGN-ASK", SignedForm.INTERVIEW, "询问笔录", BOTH),
                check_signed(case, "C-DR-SIGN-AGREE", SignedForm.AGREEMENT, "离婚协议书", BOTH),
                check_signed(case, "C-DR-SIGN-DECL", SignedForm.DIVORCE_DECLARATION, "离婚登记声明书", BOTH),
            ]
        case Business.REISSUE:
            results = [check_record(case)]
            if case.reissue is not None:
                results.append(check_photo(case, case.reissue))
            results.append(
                check_signed(case, "C-R-SIGN", SignedForm.REISSUE_DECLARATION, "申请补领婚姻登记证声明书", (Role.A,))
            )
            return results
    raise ValueError(f"not a divorce or reissue case: {case.business}")


def business_case_results(
    case: MarriageCase, on: date, office_kind: OfficeKind, context: RulesContext
) -> tuple[Verdict | None, list[RuleResult]]:
    """The engine's verdict (for its dates and notes) and every result: the engine's
    first, then the counter's. A withdrawal or registration whose application is not
    found yet has no verdict: the counter's checks ask for the receipt. Failures a
    supervisor set aside where the law allows show as passed (app.rules.set_aside)."""
    needs_application = case.business in (Business.DIVORCE_WITHDRAWAL, Business.DIVORCE_REGISTRATION)
    faces = check_faces(case, context.settings.face_check_required)
    if needs_application and (case.divorce is None or case.divorce.application is None):
        return None, with_set_asides(case, [*faces, *counter_results(case)])
    judged = verdict(case, on, office_kind, context)
    return judged, with_set_asides(case, [*judged.results, *faces, *counter_results(case)])
