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
