"""Texts the parties sign. The exact text is hashed into the signature record, so a
signature is bound to what was shown on the pad.

The official wording of the 申请结婚登记声明书 is not published (domain.md §8 item 2);
this follows the confirmed elements: no spouse, no prohibited kinship, voluntary,
truthful (Civil Code 1042, 1046, 1048; Reg. 2025 Art. 8).
"""

from __future__ import annotations

import hashlib

from app.domain.identity import IdentityDocument

MARRIAGE_DECLARATION_TITLE = "申请结婚登记声明书"


def marriage_declaration_text(declarant: IdentityDocument, other: IdentityDocument) -> str:
    return (
        f"本人{declarant.name}（证件号码{declarant.number}）与{other.name}（证件号码{other.number}）"
        "自愿结婚。本人郑重声明：本人无配偶，与对方没有直系血亲和三代以内旁系血亲关系，"
        "已如实告知对方本人的健康状况，所提供的证件、证明材料真实有效。"
        "如有虚假，愿承担法律责任。"
    )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Texts of the divorce and reissue forms (domain.md §4.4). Their official wording is not
# published either; each states what its form is for and the facts it binds.

DIVORCE_APPLICATION_TITLE = "离婚登记申请书"
WITHDRAWAL_TITLE = "撤回离婚登记申请书"
INTERVIEW_TITLE = "询问笔录"
AGREEMENT_TITLE = "离婚协议书"
DIVORCE_DECLARATION_TITLE = "离婚登记声明书"
REISSUE_DECLARATION_TITLE = "申请补领婚姻登记证声明书"


def divorce_application_text(declarant: IdentityDocument, other: IdentityDocument, marriage_certificate_no: str) -> str:
    return (
        f"本人{declarant.name}（证件号码{declarant.number}）与{other.name}（证件号码{other.number}）"
        f"的婚姻（结婚证字号{marriage_certificate_no}）经双方协商，自愿申请离婚登记。"
        "本人知悉：自婚姻登记机关收到申请之日起三十日内，任何一方不愿意离婚的，可以撤回申请；"
        "期间届满后三十日内，双方应当亲自到本机关申请发给离婚证，未申请的，视为撤回离婚登记申请。"
        "所提供的证件、证明材料真实有效，如有虚假，愿承担法律责任。"
    )


def withdrawal_text(declarant: IdentityDocument, receipt_no: str) -> str:
    return (
        f"本人{declarant.name}（证件号码{declarant.number}）不愿意离婚，"
        f"自愿撤回回执编号为 {receipt_no} 的离婚登记申请（《民法典》第一千零七十七条）。"
    )


def interview_text(name: str, wishes_to_divorce: bool, agrees_with_agreement: bool, remarks: str) -> str:
    """The record of one party's separate interview, as they read and sign it."""
    wish = "是，本人自愿离婚" if wishes_to_divorce else "否，本人不愿意离婚"
    agree = "是，对协议内容无异议，自愿签署" if agrees_with_agreement else "否，对协议内容有异议"
    return (
        f"问：{name}，你是否自愿离婚？\n答：{wish}。\n"
        f"问：你对离婚协议书中子女抚养、财产分割及债务处理的约定是否清楚、有无异议？\n答：{agree}。\n"
        f"其他陈述：{remarks.strip() or '无'}\n"
        "以上笔录本人已阅读，与本人所述一致。"
    )


def divorce_declaration_text(declarant: IdentityDocument, other: IdentityDocument) -> str:
    return (
        f"本人{declarant.name}（证件号码{declarant.number}）与{other.name}（证件号码{other.number}）"
        "自愿离婚，本人具有完全民事行为能力，已对子女抚养、财产以及债务处理等事项协商一致，"
        "离婚协议书是本人真实意思表示。所提供的证件、证明材料真实有效，如有虚假，愿承担法律责任。"
    )


def reissue_declaration_text(declarant: IdentityDocument, certificate_label: str, original_no: str, reason: str) -> str:
    return (
        f"本人{declarant.name}（证件号码{declarant.number}）的{certificate_label}（字号{original_no}）{reason}，"
        f"现申请补领{certificate_label}。本人郑重声明：本人的婚姻状况与原{certificate_label}记载的一致，"
        "所提供的证件、证明材料真实有效，如有虚假，愿承担法律责任。"
    )
