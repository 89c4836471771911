"""C-ID-1: the identity document is valid on the day of the visit (domain.md §5).

Four documents: the resident ID card (GB 11643), the HK/Macau/Taiwan residents'
residence permit (GB 11643 format, address code 810000/820000/830000), the foreigner's
permanent residence card (2017: 3 letters + 12 digits; 2023: 18 digits starting with
9, MOD 11-2 check) and a passport.
"""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import date

from app.domain.case import Role
from app.domain.identity import DocumentType, IdentityDocument, citizen_check_char, parse_citizen_number
from app.rules.results import Consequence, RuleResult

RULE_ID = "C-ID-1"

HMT_REGIONS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_PR_CARD_2017 = re.compile(r"^[A-Z]{3}\d{12}$")
_PR_CARD_2023 = re.compile(r"^9\d{16}[\dX]$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


def _number_defects(doc: IdentityDocument, region_codes: Container[str] | None) -> list[str]:
    match doc.doc_type:
        case DocumentType.RESIDENT_ID | DocumentType.HMT_RESIDENCE_PERMIT:
            try:
                facts = parse_citizen_number(doc.number, region_codes)
            except ValueError as error:
                return [str(error)]
            defects = []
            hmt_code = facts.region_code in HMT_REGIONS
            if doc.doc_type is DocumentType.RESIDENT_ID and hmt_code:
                defects.append(f"地址码 {facts.region_code} 属于港澳台居民居住证，不是居民身份证号码")
            if doc.doc_type is DocumentType.HMT_RESIDENCE_PERMIT and not hmt_code:
                defects.append("港澳台居民居住证号码的地址码应为 810000、820000 或 830000")
            if facts.birth_date != doc.birth_date:
                defects.append("号码中的出生日期与证件登记的出生日期不一致")
            if facts.sex != doc.sex:
                defects.append("号码第 17 位表示的性别与证件登记的性别不一致")
            return defects
        case DocumentType.FOREIGN_PERMANENT_RESIDENT:
            if _PR_CARD_2017.match(doc.number):
                return []
            if _PR_CARD_2023.match(doc.number):
                if citizen_check_char(doc.number[:17]) != doc.number[17]:
                    return ["永久居留身份证号码校验码不正确（MOD 11-2）"]
                return []
            return ["外国人永久居留身份证号码应为 3 位字母加 12 位数字（2017 版）或以 9 开头的 18 位号码（2023 版）"]
        case DocumentType.PASSPORT:
            if not _PASSPORT.match(doc.number):
                return ["护照号码应为 5 至 20 位大写字母或数字"]
            # A Chinese passport is the 华侨's identity document (Reg. 2003 Art. 5, Reg. 2025 Art. 8(3);
            # domain.md §2.1, §2.3), so only a missing issuing country is a defect.
            if not doc.nationality:
                return ["护照须注明签发国"]
            return []
    return [f"不支持的证件类型 {doc.doc_type}"]


def document_defects(doc: IdentityDocument, today: date, region_codes: Container[str] | None = None) -> list[str]:
    """Every reason the document cannot be used today, in Chinese; empty if valid."""
    defects = _number_defects(doc, region_codes)
    if doc.birth_date > today:
        defects.append("出生日期晚于今天")
    if doc.valid_from > today:
        defects.append(f"证件有效期自 {doc.valid_from:%Y-%m-%d} 起，尚未生效")
    if doc.valid_to is not None and doc.valid_to < today:
        defects.append(f"证件已于 {doc.valid_to:%Y-%m-%d} 过期，请持有效证件办理")
    if doc.valid_to is not None and doc.valid_to < doc.valid_from:
        defects.append("证件有效期的截止日早于起始日")
    return defects


def check_identity(
    doc: IdentityDocument, role: Role | None, today: date, region_codes: Container[str] | None = None
) -> RuleResult:
    defects = document_defects(doc, today, region_codes)
    if defects:
        return RuleResult(RULE_ID, False, f"{doc.name}的证件无效：" + "；".join(defects), role, Consequence.BLOCK)
    validity = "长期有效" if doc.valid_to is None else f"有效期至 {doc.valid_to:%Y-%m-%d}"
    return RuleResult(RULE_ID, True, f"{doc.name}的证件有效（{doc.masked_number}，{validity}）", role)
