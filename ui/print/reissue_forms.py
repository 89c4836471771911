"""Builders for the printed 补领婚姻登记证 documents (domain.md §4.4, §4.6): the
applicant's declaration, the reissued certificate (BJ… 结婚证 or BL… 离婚证) and the
review table. Pure functions from a case to a layout, like ui.print.forms.

A reissue case has one party (role A, the applicant). The marriage the certificate
belongs to comes from the central store (case.reissue.record): both spouses' names and
person keys. A reissued certificate shows the ORIGINAL registration date, the new number
as its 字号 and, in 备注, "补发" with the original number.
"""

from __future__ import annotations

from datetime import date

from app.domain.case import MarriageCase, Party, Role
from app.domain.declarations import REISSUE_DECLARATION_TITLE, reissue_declaration_text
from app.domain.divorce import CertificateKind, MarriageOnRecord, RecordParty, ReissueDetails, SignedForm
from app.domain.identity import DocumentType, parse_citizen_number
from ui.print.divorce_forms import (
    _COLLECTION_H,
    _X0,
    _X1,
    DIVORCE_CERTIFICATE_STATEMENT,
    SINGLE_PHOTO_CLASS,
    SINGLE_PHOTO_MM,
    _certificate_pages,
    _certificate_particulars,
    _checked_signature,
    _collection_boxes,
    _Flow,
    _heading,
    _identity_band,
    _identity_values,
    _latest,
    _materials_zh,
    _office_label,
    _opinion,
    _pairs,
    _pairs_height,
    _paragraphs,
    _party,
    _registrar,
    _signature_box,
    _table,
    _title,
)
from ui.print.forms import (
    CERTIFICATE_STATEMENT,
    JOINT_PHOTO_CLASS,
    JOINT_PHOTO_MM,
    OfficeInfo,
    format_date_zh,
    nationality_zh,
)
from ui.print.layout import FormDocument

REISSUE_REVIEW_FORM_TITLE = "补发婚姻登记证审查处理表"
REISSUE_MARK = "补发"


def _reissue(case: MarriageCase) -> tuple[ReissueDetails, MarriageOnRecord, date]:
    reissue = case.reissue
    if reissue is None:
        raise ValueError(f"case {case.case_id} has no reissue details to print")
    if reissue.record is None:
        raise ValueError(
            f"case {case.case_id}: the registration on record is not known (check the archive before printing)"
        )
    original_on = reissue.original_registered_on
    if not reissue.original_certificate_no or original_on is None:
        raise ValueError(
            f"case {case.case_id}: the record holds no {reissue.certificate_kind.label_zh} "
            "(original number and registration date) to reissue"
        )
    return reissue, reissue.record, original_on


def _original_office_code(reissue: ReissueDetails, record: MarriageOnRecord) -> str:
    if reissue.certificate_kind is CertificateKind.DIVORCE:
        return record.divorce_office_code or record.office_code
    return record.office_code


def _other_parties(record: MarriageOnRecord, applicant: Party) -> list[RecordParty]:
    key = applicant.identity.person_key
    return [p for p in record.parties if p.person_key != key]


def _status_zh(reissue: ReissueDetails, record: MarriageOnRecord) -> str:
    if reissue.certificate_kind is CertificateKind.DIVORCE:
        return "离婚"
    return "已婚" if record.status == "active" else "婚姻关系已解除"


def _archive_check(reissue: ReissueDetails, record: MarriageOnRecord, office: OfficeInfo) -> str:
    """What the archive check found, in the registrar's words."""
    names = "、".join(p.name for p in record.parties)
    registered = format_date_zh(record.registered_on)
    if reissue.certificate_kind is CertificateKind.MARRIAGE:
        found = (
            f"经查档，{names}于{registered}在{_office_label(record.office_code, office)}登记结婚，"
            f"结婚证字号 {record.certificate_no}；"
        )
        if record.status == "active":
            return found + "婚姻关系存续，与申请人声明一致。"
        return found + f"婚姻关系已解除（离婚证字号 {record.divorce_certificate_no or '不详'}），不符合补领结婚证条件。"
    divorced = format_date_zh(record.divorce_registered_on) if record.divorce_registered_on else "不详"
    return (
        f"经查档，{names}于{registered}登记结婚（结婚证字号 {record.certificate_no}），"
        f"于{divorced}在{_office_label(_original_office_code(reissue, record), office)}登记离婚，"
        f"离婚证字号 {record.divorce_certificate_no}，与申请人声明一致。"
    )


# --------------------------------------------------------------------------- 声明书


def reissue_declaration_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 申请补领婚姻登记证声明书, signed and fingerprinted in front of the registrar."""
    applicant = _party(case, Role.A)
    reissue, record, original_on = _reissue(case)
    label = reissue.certificate_kind.label_zh
    text = reissue_declaration_text(applicant.identity, label, reissue.original_certificate_no, reissue.reason)
    signature = _checked_signature(case, SignedForm.REISSUE_DECLARATION, Role.A, text, REISSUE_DECLARATION_TITLE)

    flow = _Flow()
    _title(flow, REISSUE_DECLARATION_TITLE, f"登记机关：{office.name}", f"声明人：{applicant.identity.name}")
    _table(
        flow, [(row_label, (value,)) for row_label, value in _identity_values(applicant)], headers=("项目", "声明人")
    )
    _pairs(
        flow,
        [
            [("补领证件", label), ("原证字号", reissue.original_certificate_no)],
            [
                ("原登记日期", format_date_zh(original_on)),
                ("原登记机关", _office_label(_original_office_code(reissue, record), office)),
            ],
            [
                ("对方当事人", "、".join(p.name for p in _other_parties(record, applicant))),
                ("现婚姻状况", _status_zh(reissue, record)),
            ],
            [("补领原因", reissue.reason)],
        ],
    )
    flow.y += 6.0
    _heading(flow, "声　明", 14.0)
    _paragraphs(flow, text, 12.0)
    flow.y += 6.0
    flow.ensure(54.0)
    width = 82.0
    y = max(flow.y, 205.0) if len(flow.sheets) == 1 else flow.y
    _signature_box(flow.sheet, 20.0, y, width, 52.0, "声明人签名（按指纹）", signature)
    _signature_box(flow.sheet, 190.0 - width, y, width, 52.0, "监誓人签名")  # registrar signs by hand
    flow.y = y + 56.0

    footer = f"案件编号：{case.case_id}"
    if signature is not None:
        footer += f"　电子签名设备：{signature.device_name}　声明文本 SHA-256：{signature.declaration_sha256[:16]}…"
    return FormDocument(f"{REISSUE_DECLARATION_TITLE} {applicant.identity.name}", flow.pages(footer))


# --------------------------------------------------------------------------- 补发的证


def _record_particulars(party: RecordParty, applicant: Party | None) -> list[tuple[str, str]]:
    """A spouse's particulars: the applicant's from their chip; the other's derived from
    the resident ID number in their person key, else as the record has them."""
    if applicant is not None and applicant.identity.person_key == party.person_key:
        return _certificate_particulars(applicant)
    doc_type, _, rest = party.person_key.partition(":")
    nationality, _, number = rest.partition(":")
    sex = birth = ""
    if doc_type == DocumentType.RESIDENT_ID.value:
        try:
            facts = parse_citizen_number(number)
        except ValueError:
            pass
        else:
            sex, birth = facts.sex.label_zh, format_date_zh(facts.birth_date)
    return [
        ("姓名", party.name),
        ("性别", sex),
        ("国籍", nationality_zh(nationality) if nationality else ""),
        ("出生日期", birth),
        ("身份证件号", number or party.person_key),
    ]


def reissued_certificate(case: MarriageCase, office: OfficeInfo, holder_role: Role = Role.A) -> FormDocument:
    """The reissued 结婚证 (BJ…) or 离婚证 (BL…) for the holder: the case's party in
    `holder_role` (the applicant), or else the record's spouse in that role.

    登记日期 is the original registration date; 字号 the new number; 备注 says 补发 and
    gives the original number.
    """
    registration = case.registration
    if registration is None:
        raise ValueError(f"case {case.case_id} is not registered yet: no certificate number to print")
    reissue, record, original_on = _reissue(case)
    if len(record.parties) != 2:
        raise ValueError(f"case {case.case_id}: the record must name both spouses, it names {len(record.parties)}")
    applicant = case.parties.get(Role.A)
    holder_party = case.parties.get(holder_role)
    if holder_party is not None:
        if not record.has_party(holder_party.identity.person_key):
            raise ValueError(
                f"case {case.case_id}: {holder_party.identity.name} is not a party of the registration "
                f"{record.certificate_no}"
            )
        holder = holder_party.identity.name
    else:
        on_record = next((p for p in record.parties if p.role is holder_role), None)
        if on_record is None:
            raise ValueError(f"case {case.case_id}: no holder in role {holder_role.value}")
        holder = on_record.name

    kind = reissue.certificate_kind
    # Two short lines, so 备注 never needs shrinking: the original date and number.
    remarks = f"{REISSUE_MARK}，原登记日期{format_date_zh(original_on)}\n原字号 {reissue.original_certificate_no}"
    parties = sorted(record.parties, key=lambda p: p.role.value)
    if kind is CertificateKind.MARRIAGE:
        photo = _latest(case.documents, JOINT_PHOTO_CLASS)
        statement, photo_mm, hint = CERTIFICATE_STATEMENT, JOINT_PHOTO_MM, "贴合影照片处"
    else:
        photo = _latest(case.documents, SINGLE_PHOTO_CLASS)
        statement, photo_mm, hint = DIVORCE_CERTIFICATE_STATEMENT, SINGLE_PHOTO_MM, "贴照片处"
    pages = _certificate_pages(
        statement=statement,
        office_name=office.name,
        holder=holder,
        registered_on=original_on,
        number_label=f"{kind.label_zh}字号",
        number=registration.certificate_no,
        remarks=remarks,
        photo_png=photo.image_png if photo is not None else None,
        photo_mm=photo_mm,
        photo_hint=hint,
        particulars=[_record_particulars(p, applicant) for p in parties],
    )
    title = f"{kind.label_zh}（{REISSUE_MARK}） {registration.certificate_no} 持证人 {holder}"
    return FormDocument(title, pages)


# --------------------------------------------------------------------------- 审查处理表


def reissue_review_form(case: MarriageCase, office: OfficeInfo) -> FormDocument:
    """The 补发婚姻登记证审查处理表: the applicant, the original registration and its
    字号, the archive check, the reason, the opinion and the new number."""
    applicant = _party(case, Role.A)
    reissue, record, original_on = _reissue(case)
    registration = case.registration
    label = reissue.certificate_kind.label_zh
    kw = {"x0": _X0, "x1": _X1, "label_w": 24.0, "size": 10.0}

    flow = _Flow(top=20.0, bottom=282.0)
    _title(
        flow,
        REISSUE_REVIEW_FORM_TITLE,
        f"登记机关：{office.name}（{office.code}）",
        f"案件编号：{case.case_id}",
        x0=_X0,
        x1=_X1,
    )
    flow.y = 36.0
    _identity_band(flow, "申请人", applicant)
    _pairs(
        flow,
        [
            [("补领证件", label), ("原证字号", reissue.original_certificate_no)],
            [
                ("原登记日期", format_date_zh(original_on)),
                ("原登记机关", _office_label(_original_office_code(reissue, record), office)),
            ],
            [("双方当事人", "、".join(p.name for p in record.parties)), ("现婚姻状况", _status_zh(reissue, record))],
            [("补领原因", reissue.reason)],
            [("档案核查", _archive_check(reissue, record, office))],
            [("提供材料", _materials_zh((applicant,), case.documents))],
        ],
        **kw,
    )
    _opinion(flow, case, f"经审查，申请人符合补领{label}条件，予以补发。")
    rows: list[list[tuple[str, str]]] = [
        [
            ("补发日期", format_date_zh(registration.registered_on) if registration else ""),
            (f"补发{label}字号", registration.certificate_no if registration else ""),
        ],
        [("登记员", _registrar(case, office)), ("登记员签名", "")],  # signed by hand, never printed
        [("印制号", "")],
    ]
    flow.ensure(_pairs_height(rows, **kw) + _COLLECTION_H)  # the issuing part stays together
    _pairs(flow, rows, **kw)
    _collection_boxes(flow, [("申请人", applicant)], office)

    title = f"{REISSUE_REVIEW_FORM_TITLE} {applicant.identity.name}"
    if registration is not None:
        title += f" {registration.certificate_no}"
    return FormDocument(title, flow.pages(f"{REISSUE_REVIEW_FORM_TITLE}　案件编号：{case.case_id}"))
