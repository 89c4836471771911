"""Builders for the printed marriage documents: pure functions from a case to a layout.

Nothing here paints; ui.print.renderer does. Field lists follow domain.md §4.4/§4.5.
Where the official blank is not known the layout is a plausible proposal: every field is
a box in millimetres, so moving it onto a supplier's pre-printed stock is a data change.

Registrar signatures are never printed: the regulation requires them handwritten in
black ink, so their places are left blank (婚姻登记员, 监誓人, 登记员签名).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from app.domain.case import MarriageCase, Party, Role
from app.domain.declarations import MARRIAGE_DECLARATION_TITLE, marriage_declaration_text, text_sha256
from app.domain.identity import DocumentType
from ui.print.layout import (
    A4_MM,
    CERTIFICATE_MM,
    MM_PER_POINT,
    Align,
    FormDocument,
    ImageItem,
    Item,
    LineItem,
    Page,
    RectItem,
    TextItem,
)

CERTIFICATE_TITLE = "结婚证"
REVIEW_FORM_TITLE = "结婚登记审查处理表"
CERTIFICATE_STATEMENT = "结婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。"
JOINT_PHOTO_CLASS = "joint_photo"
# 2-inch joint photo, landscape (domain.md §4.5).
JOINT_PHOTO_MM = (53.0, 35.0)

DOCUMENT_CLASS_ZH: dict[str, str] = {
    "joint_photo": "双方合影照片",
    "id_card_front": "身份证正面",
    "id_card_back": "身份证反面",
    "hukou_page": "户口簿页",
    "marriage_certificate": "结婚证",
    "residence_permit": "居住证",
    "agreement": "协议书",
    "other": "其他",
}

DOCUMENT_TYPE_ZH: dict[DocumentType, str] = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    DocumentType.FOREIGN_PERMANENT_RESIDENT: "外国人永久居留身份证",
    DocumentType.PASSPORT: "护照",
}

# GB/T 2659 alpha-3 codes likely at a counter; anything else prints as its code.
NATIONALITY_ZH: dict[str, str] = {
    "CHN": "中国",
    "USA": "美国",
    "GBR": "英国",
    "FRA": "法国",
    "DEU": "德国",
    "ITA": "意大利",
    "ESP": "西班牙",
    "RUS": "俄罗斯",
    "CAN": "加拿大",
    "AUS": "澳大利亚",
    "NZL": "新西兰",
    "JPN": "日本",
    "KOR": "韩国",
    "PRK": "朝鲜",
    "SGP": "新加坡",
    "MYS": "马来西亚",
    "THA": "泰国",
    "VNM": "越南",
    "PHL": "菲律宾",
    "IDN": "印度尼西亚",
    "MMR": "缅甸",
    "LAO": "老挝",
    "KHM": "柬埔寨",
    "MNG": "蒙古",
    "KAZ": "哈萨克斯坦",
    "IND": "印度",
    "PAK": "巴基斯坦",
    "BRA": "巴西",
}

_IDEOGRAPHIC_SPACE = "\u3000"


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    """The registering office as printed: GB/T 2260 code, full name, registrar's name."""

    code: str
    name: str
    registrar: str


def format_date_zh(day: date) -> str:
    return f"{day.year:04d}年{day.month:02d}月{day.day:02d}日"


def nationality_zh(code: str) -> str:
    return NATIONALITY_ZH.get(code.upper(), code)


def _other(role: Role) -> Role:
    return Role.B if role is Role.A else Role.A


def _both_parties(case: MarriageCase) -> tuple[Party, Party]:
    a, b = case.parties.get(Role.A), case.parties.get(Role.B)
    if a is None or b is None:
        raise ValueError(
            f"case {case.case_id}: both parties' identity documents must be read before printing"
        )
    return a, b


def _side_label(party: Party) -> str:
    """男方/女方: the wording of the paper forms (a marriage needs one man and one woman)."""
    return f"{party.identity.sex.label_zh}方"


def _estimate_lines(text: str, width_mm: float, size_pt: float) -> int:
    """Rough line count for wrapped text, to size boxes before painting.

    CJK glyphs are one em wide, Latin letters and digits about 0.6 em. The renderer shrinks text
    that still does not fit, so an underestimate never spills into the next field.
    """
    em_mm = size_pt * MM_PER_POINT
    width = sum(em_mm if ord(ch) >= 0x2E80 else em_mm * 0.6 for ch in text)
    return max(1, math.ceil(width * 1.04 / width_mm))


def _line_height_mm(size_pt: float) -> float:
    return size_pt * MM_PER_POINT * 1.36  # the bundled font's line spacing is 1.32 em


@dataclass
class _Sheet:
    """Collects the items of one page; small helpers keep the builders readable."""

    size_mm: tuple[float, float]
    items: list[Item] = field(default_factory=list)

    def text(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str,
        size: float = 10.5,
        *,
        bold: bool = False,
        align: Align = Align.LEFT,
        wrap: bool = False,
        preprinted: bool = False,
    ) -> None:
        self.items.append(TextItem(x, y, w, h, text, size, bold, align, wrap, preprinted))

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        width: float = 0.25,
        dashed: bool = False,
        preprinted: bool = True,
    ) -> None:
        self.items.append(LineItem(x1, y1, x2, y2, width, dashed, preprinted))

    def rect(
        self, x: float, y: float, w: float, h: float, *, width: float = 0.25, preprinted: bool = True
    ) -> None:
        self.items.append(RectItem(x, y, w, h, width, preprinted))

    def image(self, x: float, y: float, w: float, h: float, png: bytes) -> None:
        self.items.append(ImageItem(x, y, w, h, png))

    def cell(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str = "",
        size: float = 10.5,
        *,
        label: bool = False,
        align: Align | None = None,
        wrap: bool = False,
    ) -> None:
        """A bordered table cell; label cells are part of the blank form."""
        self.rect(x, y, w, h)
        if text:
            pad = 1.5
            chosen = align if align is not None else (Align.CENTER if label else Align.LEFT)
            top = y + 1.0 if wrap else y
            self.text(
                x + pad,
                top,
                w - 2 * pad,
                h - (2.0 if wrap else 0.0),
                text,
                size,
                align=chosen,
                wrap=wrap,
                preprinted=label,
            )

    def underlined(
        self,
        x: float,
        y: float,
        label_w: float,
        value_w: float,
        h: float,
        label: str,
        value: str,
        size: float = 10.5,
    ) -> None:
        """A label followed by a value written on a rule, as on the certificate."""
        self.text(x, y, label_w, h, label, size, preprinted=True)
        self.text(x + label_w, y, value_w, h, value, size, align=Align.CENTER)
        self.line(x + label_w, y + h, x + label_w + value_w, y + h, width=0.2)

    def page(self) -> Page:
        return Page(self.size_mm, self.items)


# --------------------------------------------------------------------------- 结婚证


def marriage_certificate(case: MarriageCase, role: Role, office: OfficeInfo) -> FormDocument:
    """The inner pages of the 结婚证 booklet for one holder (持证人 = the party in `role`).

    Each party receives their own booklet; both carry the same 字号 and both parties'
    particulars on page 2.
    """
    registration = case.registration
    if registration is None:
        raise ValueError(f"case {case.case_id} is not registered yet: no certificate number to print")
    a, b = _both_parties(case)
    holder = a if role is Role.A else b

    first = _Sheet(CERTIFICATE_MM)
    x, width = 10.0, 75.0
    first.text(x, 9.0, width, 16.0, CERTIFICATE_STATEMENT, 12.0, wrap=True, preprinted=True)
    label_w = 24.0
    first.underlined(x, 28.0, label_w, width - label_w, 7.0, "登记机关", office.name)
    # Left blank on purpose: the registrar signs here by hand.
    first.underlined(x, 37.0, label_w, width - label_w, 7.0, "婚姻登记员", "")
    first.line(x, 45.5, x + width, 45.5, width=0.15, dashed=True)

    rows = (
        ("持证人", holder.identity.name),
        ("登记日期", format_date_zh(registration.registered_on)),
        ("结婚证字号", registration.certificate_no),
        ("备注", ""),
    )
    for index, (label, value) in enumerate(rows):
        first.underlined(x, 49.0 + index * 7.0, label_w, width - label_w, 6.5, label, value)

    photo_w, photo_h = JOINT_PHOTO_MM
    photo_x, photo_y = (CERTIFICATE_MM[0] - photo_w) / 2, 82.0
    # A re-taken photo supersedes the earlier one.
    photos = [d for d in case.documents if d.document_class == JOINT_PHOTO_CLASS]
    photo = max(photos, key=lambda d: d.captured_at) if photos else None
    if photo is not None:
        first.image(photo_x, photo_y, photo_w, photo_h, photo.image_png)
    else:
        # Registries may still paste a printed photo and emboss it with the steel seal.
        first.text(
            photo_x, photo_y, photo_w, photo_h, "贴合影照片处", 9.0, align=Align.CENTER, preprinted=True
        )
    first.rect(photo_x, photo_y, photo_w, photo_h, width=0.2)

    second = _Sheet(CERTIFICATE_MM)
    for block, party in enumerate((a, b)):
        top = 14.0 + block * 56.0
        doc = party.identity
        particulars = (
            ("姓名", doc.name),
            ("性别", doc.sex.label_zh),
            ("国籍", nationality_zh(doc.nationality)),
            ("出生日期", format_date_zh(doc.birth_date)),
            ("身份证件号", doc.number),
        )
        for index, (label, value) in enumerate(particulars):
            second.underlined(x, top + index * 8.0, label_w, width - label_w, 6.5, label, value)
    second.line(x, 63.0, x + width, 63.0, width=0.15, dashed=True)

    title = f"{CERTIFICATE_TITLE} {registration.certificate_no} 持证人 {holder.identity.name}"
    return FormDocument(title, [first.page(), second.page()])


# --------------------------------------------------------------------------- 声明书


def _declaration_rows(party: Party) -> list[tuple[str, str, float]]:
    doc = party.identity
    return [
        ("姓名", doc.name, 9.0),
        ("性别", doc.sex.label_zh, 9.0),
        ("国籍", nationality_zh(doc.nationality), 9.0),
        ("出生日期", format_date_zh(doc.birth_date), 9.0),
        ("民族", doc.ethnicity_zh, 9.0),
        ("职业", party.occupation, 9.0),
        ("身份证件号", doc.number, 9.0),
        ("常住户口所在地/住址", doc.address, 16.0),
        ("婚姻状况", party.declared_status.label_zh, 9.0),
    ]


def marriage_declaration(case: MarriageCase, role: Role, office: OfficeInfo) -> FormDocument:
    """The 申请结婚登记声明书 of one declarant (each party signs their own).

    The signature image is printed only when it was made on exactly this text (its
    stored hash); a stale signature is an error rather than a misleading document.
    """
    a, b = _both_parties(case)
    declarant, other = (a, b) if role is Role.A else (b, a)
    text = marriage_declaration_text(declarant.identity, other.identity)
    signature = case.signatures.get(role)
    if signature is not None and signature.declaration_sha256 != text_sha256(text):
        raise ValueError(
            f"case {case.case_id}: {declarant.identity.name}'s signature was made on a different "
            "declaration text; have the declaration signed again before printing"
        )

    sheet = _Sheet(A4_MM)
    left, right = 20.0, 190.0
    sheet.text(
        0.0,
        16.0,
        A4_MM[0],
        12.0,
        MARRIAGE_DECLARATION_TITLE,
        20.0,
        bold=True,
        align=Align.CENTER,
        preprinted=True,
    )
    sheet.text(left, 33.0, 105.0, 6.0, f"登记机关：{office.name}", 10.5)
    sheet.text(125.0, 33.0, right - 125.0, 6.0, f"声明人：{declarant.identity.name}", 10.5, align=Align.RIGHT)

    label_w, col_w = 30.0, 70.0
    y = 41.0
    sheet.cell(left, y, label_w, 8.0, "项目", 10.5, label=True)
    sheet.cell(left + label_w, y, col_w, 8.0, "声明人（本人）", 10.5, label=True)
    sheet.cell(left + label_w + col_w, y, col_w, 8.0, "对方当事人", 10.5, label=True)
    y += 8.0
    for (label, mine, height), (_, theirs, _) in zip(
        _declaration_rows(declarant), _declaration_rows(other), strict=True
    ):
        wrap = height > 9.0
        sheet.cell(left, y, label_w, height, label, 10.0, label=True, wrap=wrap)
        sheet.cell(left + label_w, y, col_w, height, mine, 10.5, wrap=wrap)
        sheet.cell(left + label_w + col_w, y, col_w, height, theirs, 10.5, wrap=wrap)
        y += height

    y += 8.0
    sheet.text(left, y, right - left, 8.0, "声　明", 14.0, bold=True, align=Align.CENTER, preprinted=True)
    y += 10.0
    paragraph = _IDEOGRAPHIC_SPACE * 2 + text
    text_h = _estimate_lines(paragraph, right - left, 12.0) * _line_height_mm(12.0) + 4.0
    sheet.text(left, y, right - left, text_h, paragraph, 12.0, wrap=True)
    y = max(y + text_h + 8.0, 205.0)

    box_w, box_h = 82.0, 52.0
    sheet.rect(left, y, box_w, box_h)
    sheet.text(left + 2.0, y + 1.5, box_w - 4.0, 7.0, "声明人签名（按指纹）", 10.5, preprinted=True)
    signed_on = signature.signed_at.date() if signature is not None else None
    if signature is not None:
        sheet.image(left + 8.0, y + 10.0, box_w - 16.0, 30.0, signature.image_png)
    sheet.text(
        left + 2.0,
        y + box_h - 9.0,
        box_w - 4.0,
        7.0,
        f"日期：{format_date_zh(signed_on)}" if signed_on else "日期：　　　　年　　月　　日",
        10.5,
    )

    witness_x = right - box_w
    sheet.rect(witness_x, y, box_w, box_h)
    sheet.text(witness_x + 2.0, y + 1.5, box_w - 4.0, 7.0, "监誓人签名", 10.5, preprinted=True)
    # Blank on purpose: the registrar witnesses and signs by hand.
    sheet.text(
        witness_x + 2.0,
        y + box_h - 9.0,
        box_w - 4.0,
        7.0,
        "日期：　　　　年　　月　　日",
        10.5,
        preprinted=True,
    )

    footer = f"案件编号：{case.case_id}"
    if signature is not None:
        footer += (
            f"　电子签名设备：{signature.device_name}　声明文本 SHA-256：{signature.declaration_sha256[:16]}…"
        )
    sheet.text(left, 280.0, right - left, 5.0, footer, 8.0, align=Align.LEFT)

    title = f"{MARRIAGE_DECLARATION_TITLE} {declarant.identity.name}"
    return FormDocument(title, [sheet.page()])


# --------------------------------------------------------------------------- 审查处理表


def documents_provided_zh(case: MarriageCase) -> str:
    """Identity documents read from the chip, then captured materials with their counts."""
    parts: list[str] = []
    for party in _both_parties(case):
        kind = DOCUMENT_TYPE_ZH.get(party.identity.doc_type, party.identity.doc_type.value)
        parts.append(f"{party.identity.name}{kind}（读卡核验）")
    counts = Counter(d.document_class for d in case.documents)
    order = list(DOCUMENT_CLASS_ZH)
    for cls in sorted(counts, key=lambda c: (order.index(c) if c in order else len(order), c)):
        parts.append(f"{DOCUMENT_CLASS_ZH.get(cls, cls)}{counts[cls]}份")
    return "、".join(parts) if parts else "无"


# The review form's table: left edge, right edge and the width of its section labels.
_X0, _X1, _SIDE_W = 15.0, 195.0, 18.0


def _party_band(sheet: _Sheet, party: Party, y: float) -> float:
    """One party's identity block with the chip photo; returns the band height."""
    doc = party.identity
    x0, side_w, label_w, value_w = _X0, _SIDE_W, 22.0, 44.0
    grid_x = x0 + side_w
    photo_x = grid_x + 2 * (label_w + value_w)
    photo_w = _X1 - photo_x
    pairs = (
        (("姓名", doc.name), ("性别", doc.sex.label_zh)),
        (("出生日期", format_date_zh(doc.birth_date)), ("民族", doc.ethnicity_zh)),
        (("国籍", nationality_zh(doc.nationality)), ("婚姻状况", party.declared_status.label_zh)),
        (("证件类型", DOCUMENT_TYPE_ZH.get(doc.doc_type, doc.doc_type.value)), ("职业", party.occupation)),
    )
    row_h = 7.0
    top = y
    for (l1, v1), (l2, v2) in pairs:
        sheet.cell(grid_x, y, label_w, row_h, l1, 10.0, label=True)
        sheet.cell(grid_x + label_w, y, value_w, row_h, v1, 10.5)
        sheet.cell(grid_x + label_w + value_w, y, label_w, row_h, l2, 10.0, label=True)
        sheet.cell(grid_x + 2 * label_w + value_w, y, value_w, row_h, v2, 10.5)
        y += row_h
    span = label_w + 2 * value_w
    sheet.cell(grid_x, y, label_w, row_h, "身份证件号", 10.0, label=True)
    sheet.cell(grid_x + label_w, y, span, row_h, doc.number, 10.5)
    y += row_h
    sheet.cell(grid_x, y, label_w, 10.0, "住址", 10.0, label=True)
    sheet.cell(grid_x + label_w, y, span, 10.0, doc.address, 10.0, wrap=True)
    y += 10.0
    height = y - top
    sheet.cell(x0, top, side_w, height, _side_label(party), 11.0, label=True)
    sheet.rect(photo_x, top, photo_w, height)
    # Chip photos are 102 × 126 px; the box keeps that shape.
    box_w, box_h = 26.0, 32.0
    bx, by = photo_x + (photo_w - box_w) / 2, top + (height - box_h) / 2
    if party.photo_png:
        sheet.image(bx, by, box_w, box_h, party.photo_png)
    else:
        sheet.text(bx, by, box_w, box_h, "无证件照片", 9.0, align=Align.CENTER)
    return height


def marriage_review_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 结婚登记审查处理表: one per case, kept in the archive.

    The examination opinion grows with the number of rule outcomes; when it does not
    fit, it continues on a second page and the signing part follows it there.
    """
    registration = case.registration
    a, b = _both_parties(case)
    x0, x1, side_w = _X0, _X1, _SIDE_W
    top_margin, bottom = 20.0, 282.0
    sheets = [_Sheet(A4_MM)]
    sheet = sheets[0]

    sheet.text(
        0.0, 13.0, A4_MM[0], 11.0, REVIEW_FORM_TITLE, 18.0, bold=True, align=Align.CENTER, preprinted=True
    )
    sheet.text(x0, 26.0, 120.0, 6.0, f"登记机关：{office.name}（{office.code}）", 9.5)
    sheet.text(135.0, 26.0, x1 - 135.0, 6.0, f"案件编号：{case.case_id}", 9.5, align=Align.RIGHT)

    y = 33.0
    for party in (a, b):
        y += _party_band(sheet, party, y)

    materials = documents_provided_zh(case)
    mat_h = max(10.0, _estimate_lines(materials, x1 - x0 - side_w - 3.0, 10.0) * _line_height_mm(10.0) + 3.0)
    sheet.cell(x0, y, side_w, mat_h, "提供材料", 10.0, label=True)
    sheet.cell(x0 + side_w, y, x1 - x0 - side_w, mat_h, materials, 10.0, wrap=True)
    y += mat_h

    # Opinion rows: rule id, result, message; then the conclusion.
    msg_x = x0 + side_w + 40.0
    msg_w = x1 - msg_x - 1.5
    size = 9.5
    rows: list[tuple[float, tuple[str, str, str]]] = []
    for outcome in case.rule_outcomes:
        result = "通过" if outcome.passed else "不通过"
        h = _estimate_lines(outcome.message, msg_w, size) * _line_height_mm(size) + 1.2
        rows.append((h, (outcome.rule_id, result, outcome.message)))
    refused = case.refused_rules
    if not case.rule_outcomes:
        conclusion = "审查结论：无审查记录"
    elif refused:
        conclusion = f"审查结论：存在未通过项（{'、'.join(refused)}）"
    else:
        conclusion = "审查结论：经审查，符合结婚登记条件，予以登记。"
    rows.append((7.0, ("", "", conclusion)))

    # Everything below the opinion has a fixed height and must stay together.
    tail_h = 3 * 8.0 + 7.0 + 28.0 + 10.0

    def close_opinion(start: float, end: float, continued: bool) -> None:
        label = "审查意见（续）" if continued else "审查意见"
        sheet.cell(x0, start, side_w, end - start, label, 10.0, label=True, wrap=continued)
        sheet.rect(x0 + side_w, start, x1 - x0 - side_w, end - start)

    index, start, continued = 0, y, False
    y += 1.5
    while True:
        remaining = sum(h for h, _ in rows[index:])
        fits_all = y + remaining + 1.5 + tail_h <= bottom
        placed = 0
        while index < len(rows) and (fits_all or y + rows[index][0] <= bottom or placed == 0):
            h, (rule_id, result, message) = rows[index]
            if rule_id or result:
                sheet.text(x0 + side_w + 2.0, y, 27.0, h, rule_id, size, wrap=True)
                sheet.text(x0 + side_w + 29.0, y, 11.0, h, result, size, wrap=True)
                sheet.text(msg_x, y, msg_w, h, message, size, wrap=True)
            else:
                sheet.text(x0 + side_w + 2.0, y, x1 - x0 - side_w - 4.0, h, message, 10.5, align=Align.LEFT)
            y += h
            index += 1
            placed += 1
        y += 1.5
        close_opinion(start, y, continued)
        if index >= len(rows) and y + tail_h <= bottom:
            break
        sheet = _Sheet(A4_MM)
        sheets.append(sheet)
        start, continued = top_margin, True
        y = top_margin + 1.5
        if index >= len(rows):
            # The opinion ended exactly at the foot of the page: only the tail moves on.
            y = top_margin
            break

    _review_tail(sheet, case, office, a, b, y, x0, x1)

    total = len(sheets)
    for number, page_sheet in enumerate(sheets, start=1):
        page_sheet.text(
            x0,
            286.0,
            x1 - x0,
            5.0,
            f"{REVIEW_FORM_TITLE}　案件编号：{case.case_id}　第 {number} 页 共 {total} 页",
            8.0,
            align=Align.CENTER,
        )
    title = f"{REVIEW_FORM_TITLE} {a.identity.name} {b.identity.name}"
    if registration is not None:
        title += f" {registration.certificate_no}"
    return FormDocument(title, [s.page() for s in sheets])


def _review_tail(
    sheet: _Sheet, case: MarriageCase, office: OfficeInfo, a: Party, b: Party, y: float, x0: float, x1: float
) -> None:
    """Registration facts, the parties' collection boxes and the office line."""
    registration = case.registration
    label_w = 28.0
    value_w = (x1 - x0) / 2 - label_w
    registrar = office.registrar or case.registrar
    reg_rows = (
        (
            ("登记日期", format_date_zh(registration.registered_on) if registration else ""),
            ("结婚证字号", registration.certificate_no if registration else ""),
        ),
        (("登记员", registrar), ("登记员签名", "")),  # signed by hand, never printed
        ((f"印制号（{_side_label(a)}）", ""), (f"印制号（{_side_label(b)}）", "")),
    )
    for row in reg_rows:
        x = x0
        for label, value in row:
            sheet.cell(x, y, label_w, 8.0, label, 10.0, label=True)
            sheet.cell(x + label_w, y, value_w, 8.0, value, 10.5)
            x += label_w + value_w
        y += 8.0

    sheet.cell(x0, y, x1 - x0, 7.0, "当事人领证签名并按指纹", 10.5, label=True)
    y += 7.0
    half = (x1 - x0) / 2
    for column, party in enumerate((a, b)):
        bx = x0 + column * half
        sheet.rect(bx, y, half, 28.0)
        # Only the caption: the party signs and fingerprints in person at issue.
        sheet.text(bx + 2.0, y + 1.0, half - 4.0, 6.0, f"{_side_label(party)}：{party.identity.name}", 9.5)
    y += 28.0 + 3.0
    sheet.text(x0, y, x1 - x0, 7.0, f"登记机关（印章）：{office.name}", 10.5, align=Align.RIGHT)
