"""C-ID-1: the identity document is valid on the day of the visit."""

from __future__ import annotations

from collections.abc import Container
from datetime import date

from app.domain.case import Role
from app.domain.identity import DocumentType, IdentityDocument, parse_citizen_number
from app.rules.results import Consequence, RuleResult

RULE_ID = "C-ID-1"


def document_defects(
    doc: IdentityDocument, today: date, region_codes: Container[str] | None = None
) -> list[str]:
    """Every reason the document cannot be used today, in Chinese; empty if valid."""
    defects: list[str] = []
    if doc.doc_type in (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT):
        try:
            facts = parse_citizen_number(doc.number, region_codes)
        except ValueError as error:
            return [str(error)]
        if facts.birth_date != doc.birth_date:
            defects.append("号码中的出生日期与证件登记的出生日期不一致")
        if facts.sex != doc.sex:
            defects.append("号码第 17 位表示的性别与证件登记的性别不一致")
        if facts.birth_date > today:
            defects.append("出生日期晚于今天")
    if doc.valid_from > today:
        defects.append(f"证件有效期自 {doc.valid_from:%Y-%m-%d} 起，尚未生效")
    if doc.valid_to is not None and doc.valid_to < today:
        defects.append(f"证件已于 {doc.valid_to:%Y-%m-%d} 过期，请持有效证件办理")
    return defects


def check_identity(
    doc: IdentityDocument, role: Role, today: date, region_codes: Container[str] | None = None
) -> RuleResult:
    defects = document_defects(doc, today, region_codes)
    if defects:
        return RuleResult(RULE_ID, False, "；".join(defects), role, Consequence.BLOCK)
    validity = "长期有效" if doc.valid_to is None else f"有效期至 {doc.valid_to:%Y-%m-%d}"
    return RuleResult(RULE_ID, True, f"证件有效（{doc.masked_number}，{validity}）", role)
