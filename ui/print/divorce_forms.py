"""Builders for the printed divorce documents: pure functions from a case to a layout.

Like ui.print.forms, nothing here paints. The official blanks of 民发〔2020〕116号 and of
the 规范 were not obtained (domain.md §4.4), so each layout is a proposal that carries the
confirmed fields; every field is a box in millimetres on A4 (certificates on the booklet
page), so moving it onto pre-printed stock is a data change.

Registrar signatures are never printed (婚姻登记员, 监誓人, 询问人, 登记员签名): the
regulation requires them handwritten, so their places stay blank. A party's pad signature
is printed only when it was made on exactly the text printed above it (its stored hash);
a stale signature is an error rather than a misleading document.

Case conventions (how the workflow fills the case) are those of app.domain.divorce: the
divorce facts in `case.divorce`, the signatures in `case.form_signatures`, and for an
accepted application or a withdrawal the receipt number in `registration.certificate_no`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from app.domain.case import Business, CapturedDocument, MarriageCase, Party, Role, Signature
from app.domain.declarations import (
    AGREEMENT_TITLE,
    DIVORCE_APPLICATION_TITLE,
    DIVORCE_DECLARATION_TITLE,
    INTERVIEW_TITLE,
    WITHDRAWAL_TITLE,
    divorce_application_text,
    divorce_declaration_text,
    interview_text,
    text_sha256,
    withdrawal_text,
)
from app.domain.divorce import (
    MARRIAGE_CERTIFICATE_VOID_NOTE,
    ApplicationOnRecord,
    CertificateCopies,
    DivorceAgreement,
    DivorceDetails,
    Finding,
    Interview,
    MarriageOnRecord,
    SignedForm,
    agreement_text,
)
from ui.print.forms import (
    _IDEOGRAPHIC_SPACE,
    DOCUMENT_CLASS_ZH,
    DOCUMENT_TYPE_ZH,
    OfficeInfo,
    _both_parties,
    _line_height_mm,
    _Sheet,
    format_date_zh,
    nationality_zh,
)
from ui.print.layout import A4_MM, CERTIFICATE_MM, MM_PER_POINT, Align, FormDocument, Page

DIVORCE_CERTIFICATE_TITLE = "离婚证"
DIVORCE_CERTIFICATE_STATEMENT = "离婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。"
DIVORCE_REVIEW_FORM_TITLE = "离婚登记审查处理表"
WITHDRAWAL_CONFIRMATION_TITLE = "撤回离婚登记申请确认单"
NOT_ACCEPTED_TITLE = "不予受理离婚登记申请告知书"
NOT_REGISTERED_TITLE = "不予办理离婚登记告知书"
LEGAL_REMEDY = "当事人对本告知不服的，可依法申请行政复议或者提起行政诉讼。"
STUB_LABEL = "存根联"
PARTY_COPY_LABEL = "交当事人"
AGREEMENT_COPY_LABELS: dict[int, str] = {1: "甲方执", 2: "乙方执", 3: "婚姻登记机关存档"}
ROLE_ZH: dict[Role, str] = {Role.A: "甲方", Role.B: "乙方"}
# Single photo box on the 离婚证 and the reissued 离婚证: the chip photo's shape (102 × 126 px).
SINGLE_PHOTO_MM = (32.0, 40.0)
SINGLE_PHOTO_CLASS = "single_photo"

MATERIAL_CLASS_ZH: dict[str, str] = {
    **DOCUMENT_CLASS_ZH,
    "loss_statement": "结婚证遗失书面说明",
    "archive_copy": "结婚登记档案复印件（查档专用章）",
    "single_photo": "单人照片",
}

CERTIFICATE_COPIES_ZH: dict[CertificateCopies, str] = {
    CertificateCopies.BOTH: "双方结婚证共2本均已提交",
    CertificateCopies.ONE_LOST: "提交结婚证1本，另1本遗失，当事人已书面说明",
    CertificateCopies.BOTH_LOST: "结婚证均已遗失，已提交书面说明及加盖查档专用章的结婚登记档案复印件",
}

_BUSINESS_ZH: dict[Business, str] = {
    Business.MARRIAGE: "结婚登记",
    Business.DIVORCE_APPLICATION: "离婚登记",
    Business.DIVORCE_WITHDRAWAL: "撤回离婚登记",
    Business.DIVORCE_REGISTRATION: "离婚登记",
    Business.REISSUE: "补领婚姻登记证",
}

_LEFT, _RIGHT = 20.0, 190.0  # prose forms
_X0, _X1 = 15.0, 195.0  # review tables
_BLANK_DATE = "日期：　　　　年　　月　　日"


# --------------------------------------------------------------------------- helpers


class _Flow:
    """A4 pages filled top to bottom; `ensure` moves to a new page when a block would
    not fit, so long texts (agreements, grounds, remarks) never run off the paper."""

    def __init__(self, top: float = 18.0, bottom: float = 280.0) -> None:
        self.top, self.bottom = top, bottom
        self.sheets: list[_Sheet] = [_Sheet(A4_MM)]
        self.y = top

    @property
    def sheet(self) -> _Sheet:
        return self.sheets[-1]

    def new_page(self) -> None:
        self.sheets.append(_Sheet(A4_MM))
        self.y = self.top

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom and self.y > self.top:
            self.new_page()

    def pages(self, footer: str, corner: str = "") -> list[Page]:
        """Footer (and a corner label, e.g. a copy label) on every page, then the pages."""
        total = len(self.sheets)
        for number, sheet in enumerate(self.sheets, start=1):
            text = f"{footer}　第 {number} 页 共 {total} 页" if total > 1 else footer
            sheet.text(_X0, 285.0, _X1 - _X0, 5.0, text, 8.0, align=Align.CENTER)
            if corner:
                sheet.text(120.0, 8.0, _X1 - 120.0, 6.0, corner, 10.5, bold=True, align=Align.RIGHT)
        return [sheet.page() for sheet in self.sheets]


def _width_mm(text: str, size: float) -> float:
    """Advance width in the bundled font: CJK one em, digits and most Latin 0.6 em,
    hyphen and space 0.35 em (measured on Counter Kai SC)."""
    em = size * MM_PER_POINT
    return sum(em if ord(ch) >= 0x2E80 else em * (0.35 if ch in " -" else 0.6) for ch in text)


def _lines(text: str, width: float, size: float) -> int:
    # 4 % slack for lines Qt breaks early (it keeps Latin runs such as ID numbers whole).
    return sum(max(1, math.ceil(_width_mm(line, size) * 1.04 / width)) for line in text.split("\n"))


def _text_h(text: str, width: float, size: float) -> float:
    return _lines(text, width, size) * _line_height_mm(size) + 2.0


def _chunks(text: str, width: float, size: float, max_h: float) -> list[str]:
    """Splits one paragraph into pieces that each fit on an empty page."""
    if _text_h(text, width, size) <= max_h or len(text) < 2:
        return [text]
    cut = max(1, min(len(text) - 1, math.floor(len(text) * max_h / _text_h(text, width, size) * 0.9)))
    return [text[:cut], *_chunks(text[cut:], width, size, max_h)]


def _paragraphs(
    flow: _Flow, text: str, size: float = 11.0, *, x: float = _LEFT, w: float = _RIGHT - _LEFT, indent: bool = True
) -> None:
    """Each line of `text` as its own wrapped paragraph (page breaks fall between them)."""
    for line in text.split("\n"):
        body = _IDEOGRAPHIC_SPACE * 2 + line if indent else line
        for piece in _chunks(body, w, size, flow.bottom - flow.top):
            height = _text_h(piece, w, size)
            flow.ensure(height)
            flow.sheet.text(x, flow.y, w, height, piece, size, wrap=True)
            flow.y += height + 1.0


def _heading(flow: _Flow, text: str, size: float = 13.0, *, x0: float = _LEFT, x1: float = _RIGHT) -> None:
    flow.ensure(18.0)  # a heading never ends a page alone
    flow.sheet.text(x0, flow.y, x1 - x0, 8.0, text, size, bold=True, align=Align.CENTER, preprinted=True)
    flow.y += 9.5


def _title(flow: _Flow, title: str, left: str, right: str, *, x0: float = _LEFT, x1: float = _RIGHT) -> None:
    sheet = flow.sheet
    sheet.text(0.0, 14.0, A4_MM[0], 12.0, title, 19.0, bold=True, align=Align.CENTER, preprinted=True)
    sheet.text(x0, 30.0, (x1 - x0) * 0.62, 6.0, left, 10.0)
    sheet.text(x0 + (x1 - x0) * 0.62, 30.0, (x1 - x0) * 0.38, 6.0, right, 10.0, align=Align.RIGHT)
    flow.y = 38.0


_ROW_H = 7.0  # one line of 10.5 pt text in a table cell


def _one_line(text: str, width: float, size: float) -> bool:
    # Exact width here: a value slightly too wide is shrunk by the renderer, not wrapped.
    return "\n" not in text and _width_mm(text, size) <= width - 3.0


def _row_height(values: Sequence[tuple[str, float]], size: float) -> float:
    """Height of a table row holding these (value, cell width) pairs."""
    return max([_ROW_H] + [_text_h(v, w - 3.0, size) + 1.0 for v, w in values if v and not _one_line(v, w, size)])


def _value_cell(flow: _Flow, x: float, w: float, h: float, value: str, size: float) -> None:
    # A single-line value stays vertically centred in a tall row; long ones wrap from the top.
    flow.sheet.cell(x, flow.y, w, h, value, size, wrap=not _one_line(value, w, size))


def _label_cell(flow: _Flow, x: float, w: float, h: float, label: str) -> None:
    flow.sheet.cell(x, flow.y, w, h, label, 10.0, label=True, wrap=not _one_line(label, w, 10.0))


def _table(
    flow: _Flow,
    rows: Sequence[tuple[str, Sequence[str]]],
    *,
    headers: Sequence[str] = (),
    x0: float = _LEFT,
    x1: float = _RIGHT,
    label_w: float = 30.0,
    size: float = 10.5,
) -> None:
    """A grid: a label column, then one column per value (e.g. 甲方 / 乙方)."""
    columns = max([len(values) for _, values in rows] + [len(headers) - 1, 1])
    col_w = (x1 - x0 - label_w) / columns
    if headers:
        flow.ensure(2 * _ROW_H)
        x = x0
        for index, header in enumerate(headers):
            width = label_w if index == 0 else col_w
            flow.sheet.cell(x, flow.y, width, _ROW_H, header, size, label=True)
            x += width
        flow.y += _ROW_H
    for label, values in rows:
        span = col_w * columns / max(1, len(values))
        height = _row_height([(v, span) for v in values], size)
        flow.ensure(height)
        _label_cell(flow, x0, label_w, height, label)
        for index, value in enumerate(values):
            _value_cell(flow, x0 + label_w + index * span, span, height, value, size)
        flow.y += height


def _pairs_height(
    rows: Sequence[Sequence[tuple[str, str]]], *, x0: float, x1: float, label_w: float, size: float
) -> float:
    return sum(_row_height([(v, (x1 - x0) / len(row) - label_w) for _, v in row], size) for row in rows)


def _pairs(
    flow: _Flow,
    rows: Sequence[Sequence[tuple[str, str]]],
    *,
    x0: float = _LEFT,
    x1: float = _RIGHT,
    label_w: float = 28.0,
    size: float = 10.5,
) -> None:
    """Label/value rows with one or two pairs per row."""
    for row in rows:
        value_w = (x1 - x0) / len(row) - label_w
        height = _row_height([(v, value_w) for _, v in row], size)
        flow.ensure(height)
        x = x0
        for label, value in row:
            _label_cell(flow, x, label_w, height, label)
            _value_cell(flow, x + label_w, value_w, height, value, size)
            x += label_w + value_w
        flow.y += height


def _signature_box(
    sheet: _Sheet,
    x: float,
    y: float,
    w: float,
    h: float,
    caption: str,
    signature: Signature | None = None,
    *,
    on: date | None = None,
    size: float = 10.5,
) -> None:
    """A signing box: caption, the pad signature (if any) and the date it was signed.

    Called without a signature for the registrar's boxes, which stay blank."""
    sheet.rect(x, y, w, h)
    sheet.text(x + 2.0, y + 1.5, w - 4.0, 7.0, caption, size, preprinted=True)
    if signature is not None:
        sheet.image(x + 6.0, y + 9.0, w - 12.0, h - 19.0, signature.image_png)
    day = on if on is not None else (signature.signed_at.date() if signature is not None else None)
    if day is not None:
        sheet.text(x + 2.0, y + h - 8.5, w - 4.0, 7.0, f"日期：{format_date_zh(day)}", size)
    else:
        sheet.text(x + 2.0, y + h - 8.5, w - 4.0, 7.0, _BLANK_DATE, size, preprinted=True)


def _signature_row(
    flow: _Flow,
    boxes: Sequence[tuple[str, Signature | None]],
    *,
    height: float = 42.0,
    x0: float = _LEFT,
    x1: float = _RIGHT,
    gap: float = 6.0,
) -> None:
    flow.ensure(height + 2.0)
    width = (x1 - x0 - gap * (len(boxes) - 1)) / len(boxes)
    for index, (caption, signature) in enumerate(boxes):
        _signature_box(flow.sheet, x0 + index * (width + gap), flow.y, width, height, caption, signature)
    flow.y += height + 4.0


def _checked_signature(
    case: MarriageCase, form: SignedForm, role: Role, text: str, form_title: str
) -> Signature | None:
    signature = case.signature_for(form, role)
    if signature is not None and signature.declaration_sha256 != text_sha256(text):
        party = case.parties.get(role)
        who = party.identity.name if party is not None else ROLE_ZH[role]
        raise ValueError(
            f"case {case.case_id}: {who}'s signature on the {form_title} was made on a different text; "
            "have it signed again before printing"
        )
    return signature


def _divorce(case: MarriageCase) -> DivorceDetails:
    if case.divorce is None:
        raise ValueError(f"case {case.case_id} has no divorce details to print")
    return case.divorce


def _marriage(case: MarriageCase) -> MarriageOnRecord:
    marriage = _divorce(case).marriage
    if marriage is None:
        raise ValueError(f"case {case.case_id}: the marriage on record is not known (find it before printing)")
    return marriage


def _application(case: MarriageCase) -> ApplicationOnRecord:
    application = _divorce(case).application
    if application is None:
        raise ValueError(f"case {case.case_id}: the divorce application on record is not known")
    return application


def _party(case: MarriageCase, role: Role) -> Party:
    party = case.parties.get(role)
    if party is None:
        raise ValueError(f"case {case.case_id}: party {role.value}'s identity document must be read before printing")
    return party


def _receipt_no(case: MarriageCase) -> str:
    application = case.divorce.application if case.divorce is not None else None
    if application is not None:
        return application.receipt_no
    if case.business is Business.DIVORCE_APPLICATION and case.registration is not None:
        return case.registration.certificate_no
    return ""


def _registrar(case: MarriageCase, office: OfficeInfo) -> str:
    return office.registrar or case.registrar


def _office_label(code: str, office: OfficeInfo) -> str:
    if not code or code == office.code:
        return office.name
    return f"婚姻登记机关（行政区划代码 {code}）"


def _datetime_zh(moment: datetime) -> str:
    return f"{format_date_zh(moment.date())} {moment.hour:02d}时{moment.minute:02d}分"


def _latest(documents: Sequence[CapturedDocument], document_class: str) -> CapturedDocument | None:
    matching = [d for d in documents if d.document_class == document_class]
    return max(matching, key=lambda d: d.captured_at) if matching else None


def _materials_zh(parties: Sequence[Party], documents: Sequence[CapturedDocument]) -> str:
    """Identity documents read from the chip, then captured materials with their counts."""
    parts = [
        f"{p.identity.name}{DOCUMENT_TYPE_ZH.get(p.identity.doc_type, p.identity.doc_type.value)}（读卡核验）"
        for p in parties
    ]
    counts = Counter(d.document_class for d in documents)
    order = list(MATERIAL_CLASS_ZH)
    for cls in sorted(counts, key=lambda c: (order.index(c) if c in order else len(order), c)):
        parts.append(f"{MATERIAL_CLASS_ZH.get(cls, cls)}{counts[cls]}份")
    return "、".join(parts) if parts else "无"


def _identity_values(party: Party, *, with_type: bool = True) -> list[tuple[str, str]]:
    doc = party.identity
    rows = [
        ("姓名", doc.name),
        ("性别", doc.sex.label_zh),
        ("国籍", nationality_zh(doc.nationality)),
        ("出生日期", format_date_zh(doc.birth_date)),
        ("民族", doc.ethnicity_zh),
        ("身份证件类型", DOCUMENT_TYPE_ZH.get(doc.doc_type, doc.doc_type.value)),
        ("身份证件号", doc.number),
        ("住址", doc.address),
    ]
    # Two-party tables leave the type out: the materials line names each document.
    return rows if with_type else [row for row in rows if row[0] != "身份证件类型"]


def _two_party_table(flow: _Flow, first: Party, second: Party, headers: tuple[str, str, str]) -> None:
    rows = [
        (label, (mine, theirs))
        for (label, mine), (_, theirs) in zip(
            _identity_values(first, with_type=False), _identity_values(second, with_type=False), strict=True
        )
    ]
    _table(flow, rows, headers=headers)


def _marriage_rows(marriage: MarriageOnRecord, office: OfficeInfo) -> list[list[tuple[str, str]]]:
    return [
        [("结婚登记日期", format_date_zh(marriage.registered_on)), ("结婚证字号", marriage.certificate_no)],
        [("结婚登记机关", _office_label(marriage.office_code, office))],
    ]


def _identity_band(flow: _Flow, side_label: str, party: Party) -> None:
    """One party's identity block with the chip photo, for the review tables."""
    sheet, doc = flow.sheet, party.identity
    side_w, label_w, value_w, row_h = 18.0, 22.0, 44.0, 7.0
    grid_x = _X0 + side_w
    photo_x = grid_x + 2 * (label_w + value_w)
    pairs = (
        (("姓名", doc.name), ("性别", doc.sex.label_zh)),
        (("出生日期", format_date_zh(doc.birth_date)), ("民族", doc.ethnicity_zh)),
        (
            ("国籍", nationality_zh(doc.nationality)),
            ("证件类型", DOCUMENT_TYPE_ZH.get(doc.doc_type, doc.doc_type.value)),
        ),
    )
    height = len(pairs) * row_h + row_h + 10.0
    flow.ensure(height)
    sheet = flow.sheet
    top = y = flow.y
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
    sheet.cell(_X0, top, side_w, height, side_label, 11.0, label=True)
    sheet.rect(photo_x, top, _X1 - photo_x, height)
    box_w, box_h = 26.0, 32.0
    bx, by = photo_x + (_X1 - photo_x - box_w) / 2, top + (height - box_h) / 2
    if party.photo_png:
        sheet.image(bx, by, box_w, box_h, party.photo_png)
    else:
        sheet.text(bx, by, box_w, box_h, "无证件照片", 9.0, align=Align.CENTER)
    flow.y = top + height


def _opinion(flow: _Flow, case: MarriageCase, conclusion_ok: str) -> None:
    """审查意见: one row per rule outcome, then the conclusion."""
    size, id_w, result_w = 9.5, 30.0, 14.0
    flow.ensure(16.0)
    flow.sheet.cell(_X0, flow.y, _X1 - _X0, 7.0, "审查意见", 10.5, label=True)
    flow.y += 7.0
    msg_x = _X0 + id_w + result_w
    for outcome in case.rule_outcomes:
        height = max(7.0, _text_h(outcome.message, _X1 - msg_x - 3.0, size) + 1.0)
        flow.ensure(height)
        flow.sheet.cell(_X0, flow.y, id_w, height, outcome.rule_id, size)
        flow.sheet.cell(_X0 + id_w, flow.y, result_w, height, "通过" if outcome.passed else "不通过", size)
        flow.sheet.cell(msg_x, flow.y, _X1 - msg_x, height, outcome.message, size, wrap=height > 7.0)
        flow.y += height
    refused = case.refused_rules
    if not case.rule_outcomes:
        conclusion = "审查结论：无审查记录"
    elif refused:
        conclusion = f"审查结论：存在未通过项（{'、'.join(dict.fromkeys(refused))}）"
    else:
        conclusion = f"审查结论：{conclusion_ok}"
    height = max(8.0, _text_h(conclusion, _X1 - _X0 - 3.0, 10.5) + 1.0)
    flow.ensure(height)
    flow.sheet.cell(_X0, flow.y, _X1 - _X0, height, conclusion, 10.5, wrap=height > 8.0)
    flow.y += height


_COLLECTION_H = 7.0 + 24.0 + 11.0


def _collection_boxes(flow: _Flow, parties: Sequence[tuple[str, Party]], office: OfficeInfo) -> None:
    """当事人领证签名并按指纹 (signed in person at issue, never printed) and the seal line."""
    flow.ensure(_COLLECTION_H)
    sheet = flow.sheet
    sheet.cell(_X0, flow.y, _X1 - _X0, 7.0, "当事人领证签名并按指纹", 10.5, label=True)
    flow.y += 7.0
    width = (_X1 - _X0) / len(parties)
    for column, (label, party) in enumerate(parties):
        bx = _X0 + column * width
        sheet.rect(bx, flow.y, width, 24.0)
        sheet.text(bx + 2.0, flow.y + 1.0, width - 4.0, 6.0, f"{label}：{party.identity.name}", 9.5)
    flow.y += 24.0 + 3.0
    sheet.text(_X0, flow.y, _X1 - _X0, 7.0, f"登记机关（印章）：{office.name}", 10.5, align=Align.RIGHT)
    flow.y += 8.0


def _seal_block(flow: _Flow, office: OfficeInfo, on: date | None, *, x0: float = _LEFT, x1: float = _RIGHT) -> None:
    flow.ensure(26.0)
    sheet = flow.sheet
    sheet.text(x0, flow.y, x1 - x0, 7.0, office.name, 10.5, align=Align.RIGHT)
    sheet.text(x0, flow.y + 8.0, x1 - x0, 7.0, "（婚姻登记专用章）", 10.5, align=Align.RIGHT, preprinted=True)
    day = format_date_zh(on) if on is not None else "　　　　年　　月　　日"
    sheet.text(x0, flow.y + 16.0, x1 - x0, 7.0, day, 10.5, align=Align.RIGHT)
    flow.y += 25.0


def _certificate_pages(
    *,
    statement: str,
    office_name: str,
    holder: str,
    registered_on: date,
    number_label: str,
    number: str,
    remarks: str,
    photo_png: bytes | None,
    photo_mm: tuple[float, float],
    photo_hint: str,
    particulars: Sequence[Sequence[tuple[str, str]]],
) -> list[Page]:
    """The two inner pages of a certificate booklet, laid out like the 结婚证."""
    first = _Sheet(CERTIFICATE_MM)
    x, width, label_w = 10.0, 75.0, 24.0
    first.text(x, 9.0, width, 16.0, statement, 12.0, wrap=True, preprinted=True)
    first.underlined(x, 28.0, label_w, width - label_w, 7.0, "登记机关", office_name)
    # Left blank on purpose: the registrar signs here by hand.
    first.underlined(x, 37.0, label_w, width - label_w, 7.0, "婚姻登记员", "")
    first.line(x, 45.5, x + width, 45.5, width=0.15, dashed=True)
    rows = (("持证人", holder), ("登记日期", format_date_zh(registered_on)), (number_label, number))
    for index, (label, value) in enumerate(rows):
        first.underlined(x, 49.0 + index * 7.0, label_w, width - label_w, 6.5, label, value)
    # 备注 may hold two lines (a reissue's original number), so it is a wrapped box.
    first.text(x, 70.0, label_w, 6.5, "备注", 10.5, preprinted=True)
    if remarks:
        first.text(x + label_w, 70.0, width - label_w, 11.0, remarks, 8.0, wrap=True)
    first.line(x + label_w, 81.5, x + width, 81.5, width=0.2)

    photo_w, photo_h = photo_mm
    photo_x, photo_y = (CERTIFICATE_MM[0] - photo_w) / 2, 84.0
    if photo_png:
        first.image(photo_x, photo_y, photo_w, photo_h, photo_png)
    else:
        first.text(photo_x, photo_y, photo_w, photo_h, photo_hint, 9.0, align=Align.CENTER, preprinted=True)
    first.rect(photo_x, photo_y, photo_w, photo_h, width=0.2)

    second = _Sheet(CERTIFICATE_MM)
    for block, values in enumerate(particulars):
        top = 14.0 + block * 56.0
        for index, (label, value) in enumerate(values):
            second.underlined(x, top + index * 8.0, label_w, width - label_w, 6.5, label, value)
    second.line(x, 63.0, x + width, 63.0, width=0.15, dashed=True)
    return [first.page(), second.page()]


def _certificate_particulars(party: Party) -> list[tuple[str, str]]:
    doc = party.identity
    return [
        ("姓名", doc.name),
        ("性别", doc.sex.label_zh),
        ("国籍", nationality_zh(doc.nationality)),
        ("出生日期", format_date_zh(doc.birth_date)),
        ("身份证件号", doc.number),
    ]


def _finding_zh(finding: Finding, confirmed: str) -> str:
    return {Finding.CONFIRMED: confirmed, Finding.DENIED: "否", Finding.NOT_RECORDED: "未记录"}[finding]


# --------------------------------------------------------------------------- 离婚登记申请书


def divorce_application_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 离婚登记申请书 (116号 attachment 1), filled in on site at the first visit.

    Both parties' particulars, the marriage being dissolved, which 结婚证 were presented,
    each party's signed application text, and the office's acceptance facts.
    """
    a, b = _both_parties(case)
    divorce = _divorce(case)
    marriage = _marriage(case)
    texts = {
        Role.A: divorce_application_text(a.identity, b.identity, marriage.certificate_no),
        Role.B: divorce_application_text(b.identity, a.identity, marriage.certificate_no),
    }
    signatures = {
        role: _checked_signature(case, SignedForm.DIVORCE_APPLICATION, role, text, DIVORCE_APPLICATION_TITLE)
        for role, text in texts.items()
    }

    flow = _Flow()
    _title(flow, DIVORCE_APPLICATION_TITLE, f"登记机关：{office.name}", f"案件编号：{case.case_id}")
    _two_party_table(flow, a, b, ("项目", f"{ROLE_ZH[Role.A]}（申请人）", f"{ROLE_ZH[Role.B]}（申请人）"))
    _pairs(
        flow,
        [
            *_marriage_rows(marriage, office),
            [("结婚证提交情况", CERTIFICATE_COPIES_ZH[divorce.certificate_copies])],
            [("提交材料", _materials_zh((a, b), case.documents))],
        ],
    )

    flow.y += 3.0
    _heading(flow, "申　请")
    # Each party's text with their signature box beside it, so the form stays on one page.
    text_w, box_w = 122.0, 46.0
    for role in (Role.A, Role.B):
        body = f"{ROLE_ZH[role]}：{texts[role]}"
        text_h = _text_h(body, text_w, 10.5)
        height = max(text_h + 2.0, 34.0)
        flow.ensure(height + 3.0)
        flow.sheet.text(_LEFT, flow.y + 1.0, text_w, text_h, body, 10.5, wrap=True)
        caption = f"{ROLE_ZH[role]}签名（按指纹）"
        _signature_box(flow.sheet, _RIGHT - box_w, flow.y, box_w, height, caption, signatures[role], size=9.0)
        flow.y += height + 3.0

    application = divorce.application
    accepted_on = application.accepted_on if application is not None else None
    if accepted_on is None and case.business is Business.DIVORCE_APPLICATION and case.registration is not None:
        accepted_on = case.registration.registered_on
    accepted = [
        [("受理日期", format_date_zh(accepted_on) if accepted_on else ""), ("回执编号", _receipt_no(case))],
        [
            ("离婚意愿", _finding_zh(divorce.intent_finding, "双方均自愿离婚")),
            ("民事行为能力", _finding_zh(divorce.capacity_finding, "双方均具有完全民事行为能力")),
        ],
        [("受理登记员", _registrar(case, office)), ("登记员签名", "")],  # signed by hand
    ]
    flow.ensure(12.0 + _pairs_height(accepted, x0=_LEFT, x1=_RIGHT, label_w=28.0, size=10.5))
    _heading(flow, "婚姻登记机关受理情况", 11.5)
    _pairs(flow, accepted)

    title = f"{DIVORCE_APPLICATION_TITLE} {a.identity.name} {b.identity.name}"
    return FormDocument(title, flow.pages(f"{DIVORCE_APPLICATION_TITLE}　案件编号：{case.case_id}"))


# --------------------------------------------------------------------------- 不予受理/不予办理告知书


def refusal_notice(case: MarriageCase, office: OfficeInfo, title: str, grounds: list[str], on: date) -> FormDocument:
    """A refusal notice given on request: 不予受理离婚登记申请告知书 (NOT_ACCEPTED_TITLE),
    不予办理离婚登记告知书 (NOT_REGISTERED_TITLE) or a reissue refusal (any title).

    The parties present, the grounds as numbered items, the legal remedy, the place of
    the office's seal and the date `on`.
    """
    if not title.strip():
        raise ValueError("a refusal notice needs a title")
    reasons = [g.strip() for g in grounds if g.strip()]
    if not reasons:
        raise ValueError(f"case {case.case_id}: a refusal notice needs at least one ground")
    parties = [p for p in (case.parties.get(Role.A), case.parties.get(Role.B)) if p is not None]
    if not parties:
        raise ValueError(f"case {case.case_id}: no party's identity document has been read; nobody to notify")

    business = _BUSINESS_ZH[case.business]
    if case.business is Business.REISSUE and case.reissue is not None:
        business = f"补领{case.reissue.certificate_kind.label_zh}"
    decision = "不予受理" if "不予受理" in title else "不予办理"
    you = "你们" if len(parties) > 1 else "你"

    flow = _Flow()
    _title(flow, title, f"登记机关：{office.name}", f"案件编号：{case.case_id}")
    _table(
        flow,
        [
            (
                ROLE_ZH[p.role] if len(parties) > 1 else "当事人",
                (p.identity.name, p.identity.sex.label_zh, p.identity.number),
            )
            for p in parties
        ],
        headers=("", "姓名", "性别", "身份证件号"),
    )
    flow.y += 6.0
    flow.sheet.text(_LEFT, flow.y, _RIGHT - _LEFT, 7.0, "、".join(p.identity.name for p in parties) + "：", 11.5)
    flow.y += 9.0
    _paragraphs(
        flow,
        f"{you}于{format_date_zh(case.created_at.date())}向本机关申请办理{business}。经审查，存在下列情形：",
    )
    numerals = "一二三四五六七八九十"
    for index, reason in enumerate(reasons):
        mark = numerals[index] if index < len(numerals) else str(index + 1)
        _paragraphs(flow, f"（{mark}）{reason}")
    _paragraphs(flow, f"根据《婚姻登记条例》的规定，本机关决定对{you}的{business}申请{decision}。特此告知。")
    _paragraphs(flow, LEGAL_REMEDY)
    flow.y += 8.0
    _seal_block(flow, office, on)
    flow.ensure(10.0)
    flow.sheet.text(_LEFT, flow.y, _RIGHT - _LEFT, 7.0, "当事人签收：＿＿＿＿＿＿＿＿　　" + _BLANK_DATE, 10.5)
    flow.y += 9.0

    names = " ".join(p.identity.name for p in parties)
    return FormDocument(f"{title} {names}", flow.pages(f"{title}　案件编号：{case.case_id}"))


# --------------------------------------------------------------------------- 撤回


def _withdrawing_party(case: MarriageCase) -> tuple[Role, Party]:
    role = case.divorce.withdrawing_role if case.divorce is not None else None
    for candidate in (role, Role.A, Role.B):
        if candidate is not None and candidate in case.parties:
            return candidate, case.parties[candidate]
    raise ValueError(f"case {case.case_id}: the withdrawing party's identity document must be read before printing")


def _other_names(marriage: MarriageOnRecord | None, party: Party) -> str:
    if marriage is None:
        return ""
    key = party.identity.person_key
    return "、".join(p.name for p in marriage.parties if p.person_key != key)


def withdrawal_application_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 撤回离婚登记申请书, filled in personally by the withdrawing party."""
    role, party = _withdrawing_party(case)
    divorce = _divorce(case)
    application = _application(case)
    text = withdrawal_text(party.identity, application.receipt_no)
    signature = _checked_signature(case, SignedForm.WITHDRAWAL, role, text, WITHDRAWAL_TITLE)
    withdrawn_on = case.registration.registered_on if case.registration is not None else None

    flow = _Flow()
    _title(flow, WITHDRAWAL_TITLE, f"登记机关：{office.name}", f"案件编号：{case.case_id}")
    _table(flow, [(label, (value,)) for label, value in _identity_values(party)], headers=("项目", "撤回申请人"))
    _pairs(
        flow,
        [
            [("回执编号", application.receipt_no), ("受理日期", format_date_zh(application.accepted_on))],
            [("受理机关", _office_label(application.office_code, office))],
            [
                ("结婚证字号", application.marriage_certificate_no),
                ("对方当事人", _other_names(divorce.marriage, party)),
            ],
        ],
    )
    flow.y += 6.0
    _heading(flow, "撤回申请")
    _paragraphs(flow, text, 12.0)
    flow.y += 6.0
    flow.ensure(46.0)
    y, width = flow.y, 82.0
    _signature_box(flow.sheet, _LEFT, y, width, 44.0, "撤回申请人签名（按指纹）", signature, on=withdrawn_on)
    _signature_box(flow.sheet, _RIGHT - width, y, width, 44.0, "受理登记员签名")
    flow.y += 48.0
    _pairs(flow, [[("受理登记员", _registrar(case, office))]])

    title = f"{WITHDRAWAL_TITLE} {party.identity.name} {application.receipt_no}"
    return FormDocument(title, flow.pages(f"{WITHDRAWAL_TITLE}　案件编号：{case.case_id}"))


def withdrawal_confirmation(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 撤回离婚登记申请确认单 and its 存根联 on one A4 page, cut apart on the dashed
    line: the stub (top) is archived with the application and the withdrawal form, the
    lower part is handed to the party."""
    _, party = _withdrawing_party(case)
    divorce = _divorce(case)
    application = _application(case)
    if case.registration is None:
        raise ValueError(f"case {case.case_id}: the withdrawal is not recorded yet; nothing to confirm")
    withdrawn_on = case.registration.registered_on
    registry = _office_label(application.office_code, office)
    names = [p.name for p in divorce.marriage.parties] if divorce.marriage is not None else []
    statement = (
        f"{party.identity.name}于{format_date_zh(withdrawn_on)}亲自到本机关，撤回回执编号为 "
        f"{application.receipt_no} 的离婚登记申请。经核实，本机关予以确认，该离婚登记申请终止办理。"
    )

    sheet = _Sheet(A4_MM)
    half = A4_MM[1] / 2
    for index, label in enumerate((f"{STUB_LABEL}（婚姻登记机关存档）", PARTY_COPY_LABEL)):
        top = index * half + 8.0
        sheet.text(_X0, top, 70.0, 7.0, label, 11.0, bold=True)
        sheet.text(
            0.0,
            top + 6.0,
            A4_MM[0],
            10.0,
            WITHDRAWAL_CONFIRMATION_TITLE,
            17.0,
            bold=True,
            align=Align.CENTER,
            preprinted=True,
        )
        sheet.text(120.0, top, _X1 - 120.0, 7.0, f"回执编号：{application.receipt_no}", 10.0, align=Align.RIGHT)
        y = top + 19.0
        rows = (
            (("撤回申请人", party.identity.name), ("身份证件号", party.identity.number)),
            (("原受理日期", format_date_zh(application.accepted_on)), ("撤回日期", format_date_zh(withdrawn_on))),
            (("结婚证字号", application.marriage_certificate_no), ("双方当事人", "、".join(names))),
            (("婚姻登记机关", registry),),
        )
        for row in rows:
            value_w = (_X1 - _X0) / len(row) - 26.0
            x = _X0
            for row_label, value in row:
                sheet.cell(x, y, 26.0, 8.0, row_label, 10.0, label=True)
                sheet.cell(x + 26.0, y, value_w, 8.0, value, 10.5)
                x += 26.0 + value_w
            y += 8.0
        y += 3.0
        sheet.text(_X0, y, _X1 - _X0, 16.0, _IDEOGRAPHIC_SPACE * 2 + statement, 11.0, wrap=True)
        y += 19.0
        sheet.text(_X0, y, 50.0, 7.0, f"登记员：{_registrar(case, office)}", 10.5)
        sheet.text(_X0, y + 9.0, 80.0, 7.0, "登记员签名：", 10.5, preprinted=True)  # signed by hand
        sheet.line(_X0 + 24.0, y + 16.0, _X0 + 80.0, y + 16.0, width=0.2)
        if index == 0:
            sheet.text(_X0, y + 18.0, 90.0, 7.0, "当事人签收：", 10.5, preprinted=True)
            sheet.line(_X0 + 24.0, y + 25.0, _X0 + 80.0, y + 25.0, width=0.2)
        sheet.text(100.0, y, _X1 - 100.0, 7.0, office.name, 10.5, align=Align.RIGHT)
        sheet.text(100.0, y + 9.0, _X1 - 100.0, 7.0, "（婚姻登记专用章）", 10.5, align=Align.RIGHT, preprinted=True)
        sheet.text(100.0, y + 18.0, _X1 - 100.0, 7.0, format_date_zh(withdrawn_on), 10.5, align=Align.RIGHT)

    sheet.line(8.0, half, A4_MM[0] - 8.0, half, width=0.3, dashed=True)
    sheet.text(0.0, half - 5.0, A4_MM[0], 4.5, "沿此虚线裁开", 8.0, align=Align.CENTER, preprinted=True)
    sheet.text(_X0, 285.0, _X1 - _X0, 5.0, f"案件编号：{case.case_id}", 8.0, align=Align.CENTER)

    title = f"{WITHDRAWAL_CONFIRMATION_TITLE} {party.identity.name} {application.receipt_no}"
    return FormDocument(title, [sheet.page()])


# --------------------------------------------------------------------------- 询问笔录


def interview_record(case: MarriageCase, role: Role, office: OfficeInfo) -> FormDocument:
    """The 询问笔录 of one party, asked separately at the second visit (2015 规范 Art. 56(1))."""
    party = _party(case, role)
    divorce = _divorce(case)
    interview: Interview | None = divorce.interview_of(role)
    if interview is None:
        raise ValueError(f"case {case.case_id}: {party.identity.name} has not been interviewed yet")
    text = interview_text(
        party.identity.name, interview.wishes_to_divorce, interview.agrees_with_agreement, interview.remarks
    )
    signature = _checked_signature(case, SignedForm.INTERVIEW, role, text, INTERVIEW_TITLE)
    other = case.parties.get(Role.B if role is Role.A else Role.A)
    other_name = other.identity.name if other is not None else _other_names(divorce.marriage, party)
    marriage_no = divorce.marriage.certificate_no if divorce.marriage is not None else ""
    if not marriage_no and divorce.application is not None:
        marriage_no = divorce.application.marriage_certificate_no
    registrar = _registrar(case, office)
    doc = party.identity

    flow = _Flow()
    _title(flow, INTERVIEW_TITLE, f"登记机关：{office.name}", f"案件编号：{case.case_id}")
    _pairs(
        flow,
        [
            [("询问时间", _datetime_zh(interview.recorded_at)), ("询问地点", office.name)],
            [("询问人", registrar), ("记录人", registrar)],
            [("被询问人", doc.name), ("性别", doc.sex.label_zh)],
            [("出生日期", format_date_zh(doc.birth_date)), ("民族", doc.ethnicity_zh)],
            [("身份证件号", doc.number)],
            [("住址", doc.address)],
            [("回执编号", _receipt_no(case)), ("结婚证字号", marriage_no)],
            [("对方当事人", other_name)],
        ],
    )
    flow.y += 5.0
    _heading(flow, "询问内容")
    _paragraphs(flow, "（婚姻登记员对离婚当事人分别询问，以下为对被询问人单独询问的记录）", 10.5, indent=False)
    _paragraphs(flow, text, 12.0, indent=False)
    flow.y += 5.0
    _signature_row(flow, [("被询问人签名（按指纹）", signature), ("询问人签名", None), ("记录人签名", None)])

    title = f"{INTERVIEW_TITLE} {doc.name}"
    return FormDocument(title, flow.pages(f"{INTERVIEW_TITLE}　{doc.name}　案件编号：{case.case_id}"))


# --------------------------------------------------------------------------- 离婚协议书


def divorce_agreement_form(case: MarriageCase, office: OfficeInfo, copy_no: int) -> FormDocument:
    """One of the three copies of the 离婚协议书 (甲方执 / 乙方执 / 婚姻登记机关存档), with
    both parties' signatures made on the agreement text in front of the registrar."""
    if copy_no not in AGREEMENT_COPY_LABELS:
        raise ValueError(f"the divorce agreement is made in three copies; copy_no must be 1, 2 or 3, got {copy_no}")
    a, b = _both_parties(case)
    divorce = _divorce(case)
    agreement: DivorceAgreement | None = divorce.agreement
    if agreement is None:
        raise ValueError(f"case {case.case_id}: the divorce agreement has not been examined yet")
    text = agreement_text((a.identity.name, b.identity.name), agreement)
    signatures = {role: _checked_signature(case, SignedForm.AGREEMENT, role, text, AGREEMENT_TITLE) for role in Role}

    flow = _Flow()
    _title(flow, AGREEMENT_TITLE, f"登记机关：{office.name}", f"案件编号：{case.case_id}")
    _two_party_table(flow, a, b, ("项目", ROLE_ZH[Role.A], ROLE_ZH[Role.B]))
    flow.y += 5.0
    if divorce.marriage is not None:
        marriage = divorce.marriage
        _paragraphs(
            flow,
            f"甲乙双方于{format_date_zh(marriage.registered_on)}登记结婚，结婚证字号 {marriage.certificate_no}。",
        )
    _paragraphs(flow, text, 11.5)
    flow.y += 5.0
    _signature_row(
        flow,
        [
            (f"{ROLE_ZH[Role.A]}签名（按指纹）", signatures[Role.A]),
            (f"{ROLE_ZH[Role.B]}签名（按指纹）", signatures[Role.B]),
            ("婚姻登记员（见证）签名", None),
        ],
    )

    label = AGREEMENT_COPY_LABELS[copy_no]
    corner = f"第{copy_no}份（共三份）　{label}"
    title = f"{AGREEMENT_TITLE} {a.identity.name} {b.identity.name} 第{copy_no}份 {label}"
    return FormDocument(title, flow.pages(f"{AGREEMENT_TITLE}　{label}　案件编号：{case.case_id}", corner))


# --------------------------------------------------------------------------- 离婚登记声明书


def divorce_declaration_form(case: MarriageCase, role: Role, office: OfficeInfo) -> FormDocument:
    """The 离婚登记声明书 of one declarant, signed in front of the registrar (监誓人)."""
    a, b = _both_parties(case)
    declarant, other = (a, b) if role is Role.A else (b, a)
    divorce = _divorce(case)
    text = divorce_declaration_text(declarant.identity, other.identity)
    signature = _checked_signature(case, SignedForm.DIVORCE_DECLARATION, role, text, DIVORCE_DECLARATION_TITLE)

    flow = _Flow()
    _title(flow, DIVORCE_DECLARATION_TITLE, f"登记机关：{office.name}", f"声明人：{declarant.identity.name}")
    _two_party_table(flow, declarant, other, ("项目", "声明人（本人）", "对方当事人"))
    rows: list[list[tuple[str, str]]] = []
    if divorce.marriage is not None:
        rows.extend(_marriage_rows(divorce.marriage, office)[:1])
    if divorce.application is not None:
        rows.append(
            [
                ("回执编号", divorce.application.receipt_no),
                ("受理日期", format_date_zh(divorce.application.accepted_on)),
            ]
        )
    _pairs(flow, rows)
    flow.y += 6.0
    _heading(flow, "声　明", 14.0)
    _paragraphs(flow, text, 12.0)
    flow.y += 6.0
    flow.ensure(54.0)
    width = 82.0
    # On a one-page declaration the boxes sit low, where the marriage declaration has them.
    y = max(flow.y, 205.0) if len(flow.sheets) == 1 else flow.y
    _signature_box(flow.sheet, _LEFT, y, width, 52.0, "声明人签名（按指纹）", signature)
    _signature_box(flow.sheet, _RIGHT - width, y, width, 52.0, "监誓人签名")  # registrar signs by hand
    flow.y = y + 56.0

    footer = f"案件编号：{case.case_id}"
    if signature is not None:
        footer += f"　电子签名设备：{signature.device_name}　声明文本 SHA-256：{signature.declaration_sha256[:16]}…"
    return FormDocument(f"{DIVORCE_DECLARATION_TITLE} {declarant.identity.name}", flow.pages(footer))


# --------------------------------------------------------------------------- 离婚证


def divorce_certificate(case: MarriageCase, role: Role, office: OfficeInfo) -> FormDocument:
    """The inner pages of the 离婚证 for one holder (持证人 = the party in `role`): both
    parties' particulars on page 2, the holder's ID-card photo on page 1."""
    registration = case.registration
    if registration is None:
        raise ValueError(f"case {case.case_id} is not registered yet: no certificate number to print")
    a, b = _both_parties(case)
    holder = a if role is Role.A else b
    pages = _certificate_pages(
        statement=DIVORCE_CERTIFICATE_STATEMENT,
        office_name=office.name,
        holder=holder.identity.name,
        registered_on=registration.registered_on,
        number_label="离婚证字号",
        number=registration.certificate_no,
        remarks="",
        photo_png=holder.photo_png,
        photo_mm=SINGLE_PHOTO_MM,
        photo_hint="贴照片处",
        particulars=[_certificate_particulars(a), _certificate_particulars(b)],
    )
    title = f"{DIVORCE_CERTIFICATE_TITLE} {registration.certificate_no} 持证人 {holder.identity.name}"
    return FormDocument(title, pages)


# --------------------------------------------------------------------------- 离婚登记审查处理表


def _interview_summary(case: MarriageCase, divorce: DivorceDetails, role: Role, party: Party) -> str:
    interview = divorce.interview_of(role)
    who = f"{ROLE_ZH[role]}{party.identity.name}"
    if interview is None:
        return f"{who}：未询问"
    signed = case.signature_for(SignedForm.INTERVIEW, role) is not None
    remarks = interview.remarks.strip().rstrip("。；;，,. ") or "无"
    return (
        f"{who}（{interview.recorded_at.hour:02d}时{interview.recorded_at.minute:02d}分单独询问）："
        f"{'自愿离婚' if interview.wishes_to_divorce else '不愿意离婚'}；"
        f"{'对协议无异议' if interview.agrees_with_agreement else '对协议有异议'}；"
        f"其他陈述：{remarks}；笔录{'已签名' if signed else '未签名'}"
    )


def _agreement_summary(case: MarriageCase, divorce: DivorceDetails) -> str:
    agreement = divorce.agreement
    if agreement is None:
        return "未提交离婚协议书"
    missing = agreement.missing()
    if missing:
        return f"离婚协议书缺少约定：{'、'.join(missing)}"
    signed = all(case.signature_for(SignedForm.AGREEMENT, role) is not None for role in Role)
    return "子女抚养、财产分割、债务处理均已约定；一式三份，" + ("双方已当面签署" if signed else "双方尚未签署")


def divorce_review_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 离婚登记审查处理表: one per case, kept in the archive (2015 规范 Arts. 57-59).

    Both parties, the marriage and the application it dissolves, the separate interviews,
    the agreement, the examination opinion, the 离婚证字号, what was done with the old
    结婚证, and the boxes where both sign and fingerprint when collecting the certificate.
    A long opinion continues on a second page; the registration part stays together.
    """
    a, b = _both_parties(case)
    divorce = _divorce(case)
    marriage = _marriage(case)
    application = _application(case)
    registration = case.registration
    kw = {"x0": _X0, "x1": _X1, "label_w": 24.0, "size": 10.0}

    flow = _Flow(top=20.0, bottom=282.0)
    _title(
        flow,
        DIVORCE_REVIEW_FORM_TITLE,
        f"登记机关：{office.name}（{office.code}）",
        f"案件编号：{case.case_id}",
        x0=_X0,
        x1=_X1,
    )
    flow.y = 36.0
    _identity_band(flow, ROLE_ZH[Role.A], a)
    _identity_band(flow, ROLE_ZH[Role.B], b)
    interviews = "\n".join(_interview_summary(case, divorce, role, p) for role, p in ((Role.A, a), (Role.B, b)))
    _pairs(
        flow,
        [
            [("结婚登记日期", format_date_zh(marriage.registered_on)), ("结婚证字号", marriage.certificate_no)],
            [("回执编号", application.receipt_no), ("受理日期", format_date_zh(application.accepted_on))],
            [("提供材料", _materials_zh((a, b), case.documents))],
            [("询问情况", interviews)],
            [("离婚协议", _agreement_summary(case, divorce))],
        ],
        **kw,
    )
    _opinion(
        flow,
        case,
        "经审查，双方自愿离婚，并已对子女抚养、财产以及债务处理等事项协商一致，符合离婚登记条件，予以登记。",
    )

    if divorce.marriage_certificate_voided:
        void = f"已加盖“{MARRIAGE_CERTIFICATE_VOID_NOTE}”印章，复印件存档，原件退还当事人"
    else:
        void = f"尚未加盖“{MARRIAGE_CERTIFICATE_VOID_NOTE}”印章"
    rows: list[list[tuple[str, str]]] = [
        [
            ("登记日期", format_date_zh(registration.registered_on) if registration else ""),
            ("离婚证字号", registration.certificate_no if registration else ""),
        ],
        [("登记员", _registrar(case, office)), ("登记员签名", "")],  # signed by hand, never printed
        [(f"印制号（{ROLE_ZH[Role.A]}）", ""), (f"印制号（{ROLE_ZH[Role.B]}）", "")],
        [("原结婚证", void)],
    ]
    flow.ensure(_pairs_height(rows, **kw) + _COLLECTION_H)  # the registration part stays together
    _pairs(flow, rows, **kw)
    _collection_boxes(flow, [(ROLE_ZH[Role.A], a), (ROLE_ZH[Role.B], b)], office)

    title = f"{DIVORCE_REVIEW_FORM_TITLE} {a.identity.name} {b.identity.name}"
    if registration is not None:
        title += f" {registration.certificate_no}"
    return FormDocument(title, flow.pages(f"{DIVORCE_REVIEW_FORM_TITLE}　案件编号：{case.case_id}"))
