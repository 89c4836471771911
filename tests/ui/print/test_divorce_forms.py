"""The divorce documents, written as real PDFs and read back with PDFium."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.domain.case import MarriageCase, Role, RuleOutcome
from app.domain.divorce import MARRIAGE_CERTIFICATE_VOID_NOTE, SignedForm
from tests.ui.print.conftest import (
    ACCEPTED_ON,
    DIVORCE_NO,
    MARRIAGE_NO,
    RECEIPT_NO,
    assert_inside_pages,
    images,
    read_pdf,
)
from ui.print.divorce_forms import (
    AGREEMENT_COPY_LABELS,
    LEGAL_REMEDY,
    NOT_ACCEPTED_TITLE,
    NOT_REGISTERED_TITLE,
    PARTY_COPY_LABEL,
    STUB_LABEL,
    WITHDRAWAL_CONFIRMATION_TITLE,
    divorce_agreement_form,
    divorce_application_form,
    divorce_certificate,
    divorce_declaration_form,
    divorce_review_form,
    interview_record,
    refusal_notice,
    withdrawal_application_form,
    withdrawal_confirmation,
)
from ui.print.forms import OfficeInfo
from ui.print.layout import A4_MM, CERTIFICATE_MM, LineItem
from ui.print.receipt import divorce_receipt_for, divorce_receipt_form
from ui.print.renderer import write_pdf

A, B = "赵文博", "孙佳怡"


def with_signature(case: MarriageCase, form: SignedForm, role: Role, **changes: object) -> MarriageCase:
    """The case with one form signature changed (e.g. made on another text)."""
    signatures = tuple(
        dataclasses.replace(s, **changes) if s.form == form and s.role is role else s  # type: ignore[arg-type]
        for s in case.form_signatures
    )
    return dataclasses.replace(case, form_signatures=signatures)


# --------------------------------------------------------------------------- 离婚登记申请书


def test_application_form_pdf(
    qapp: QApplication, tmp_path: Path, divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    document = divorce_application_form(divorce_application_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "application.pdf"))

    assert pdf.sizes_mm == [pytest.approx(A4_MM, abs=0.5)]
    text = pdf.text
    assert "离婚登记申请书" in text
    for party in divorce_application_case.parties.values():
        assert party.identity.name in text and party.identity.number in text
    assert "2018年06月16日" in text and MARRIAGE_NO in text  # the marriage being dissolved
    assert f"本人{A}" in text and f"本人{B}" in text and "自愿申请离婚登记" in text
    assert "提交结婚证1本，另1本遗失，当事人已书面说明" in text
    assert "结婚证1份" in text and "结婚证遗失书面说明1份" in text
    assert RECEIPT_NO in text and "2026年03月05日" in text
    assert "双方均自愿离婚" in text and "双方均具有完全民事行为能力" in text
    assert "甲方签名（按指纹）" in text and "乙方签名（按指纹）" in text
    assert pdf.images == 2  # both pad signatures


def test_application_form_without_signatures_leaves_the_boxes_blank(
    divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    unsigned = dataclasses.replace(divorce_application_case, form_signatures=())
    assert images(divorce_application_form(unsigned, office)) == []


def test_application_form_refuses_a_signature_made_on_other_text(
    divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    stale = with_signature(
        divorce_application_case, SignedForm.DIVORCE_APPLICATION, Role.B, declaration_sha256="ab" * 32
    )
    with pytest.raises(ValueError, match="different text"):
        divorce_application_form(stale, office)


def test_application_form_needs_the_marriage_and_both_parties(
    divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    assert divorce_application_case.divorce is not None
    no_marriage = dataclasses.replace(
        divorce_application_case, divorce=dataclasses.replace(divorce_application_case.divorce, marriage=None)
    )
    with pytest.raises(ValueError, match="marriage on record"):
        divorce_application_form(no_marriage, office)
    with pytest.raises(ValueError, match="no divorce details"):
        divorce_application_form(dataclasses.replace(divorce_application_case, divorce=None), office)
    one_party = dataclasses.replace(
        divorce_application_case, parties={Role.A: divorce_application_case.parties[Role.A]}
    )
    with pytest.raises(ValueError, match="both parties"):
        divorce_application_form(one_party, office)


# --------------------------------------------------------------------------- 受理回执单


def test_receipt_adapter_masks_numbers_and_takes_the_application(
    qapp: QApplication, tmp_path: Path, divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    receipt = divorce_receipt_for(
        divorce_application_case, office, date(2026, 4, 7), date(2026, 4, 8), date(2026, 5, 11)
    )
    assert receipt.receipt_no == RECEIPT_NO
    assert receipt.accepted_on == ACCEPTED_ON
    assert receipt.office_name == office.name
    assert receipt.parties == (
        (A, divorce_application_case.parties[Role.A].identity.masked_number),
        (B, divorce_application_case.parties[Role.B].identity.masked_number),
    )
    text = read_pdf(write_pdf(divorce_receipt_form(receipt), tmp_path / "receipt.pdf")).text
    assert RECEIPT_NO in text and "2026年05月11日" in text
    assert divorce_application_case.parties[Role.A].identity.number not in text  # masked


def test_receipt_adapter_refuses_an_unaccepted_case(divorce_application_case: MarriageCase, office: OfficeInfo) -> None:
    unaccepted = dataclasses.replace(divorce_application_case, divorce=None, registration=None)
    with pytest.raises(ValueError, match="not accepted"):
        divorce_receipt_for(unaccepted, office, date(2026, 4, 7), date(2026, 4, 8), date(2026, 5, 11))
    one_party = dataclasses.replace(
        divorce_application_case, parties={Role.A: divorce_application_case.parties[Role.A]}
    )
    with pytest.raises(ValueError, match="both parties"):
        divorce_receipt_for(one_party, office, date(2026, 4, 7), date(2026, 4, 8), date(2026, 5, 11))


# --------------------------------------------------------------------------- 告知书


def test_not_accepted_notice_pdf(
    qapp: QApplication, tmp_path: Path, divorce_application_case: MarriageCase, office: OfficeInfo
) -> None:
    grounds = ["双方未达成离婚协议（《婚姻登记条例》第十四条第（一）项）", "一方为限制民事行为能力人"]
    document = refusal_notice(divorce_application_case, office, NOT_ACCEPTED_TITLE, grounds, date(2026, 3, 5))
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "refusal.pdf"))

    text = pdf.text
    assert NOT_ACCEPTED_TITLE in text
    assert f"{A}、{B}：" in text
    assert "（一）双方未达成离婚协议" in text and "（二）一方为限制民事行为能力人" in text
    assert "本机关决定对你们的离婚登记申请不予受理" in text
    assert "".join(LEGAL_REMEDY.split()) in text
    assert "可依法申请行政复议或者提起行政诉讼" in text
    assert "（婚姻登记专用章）" in text and office.name in text
    assert "2026年03月05日" in text
    assert pdf.images == 0


def test_not_registered_notice_says_not_handled(divorce_registration_case: MarriageCase, office: OfficeInfo) -> None:
    document = refusal_notice(
        divorce_registration_case, office, NOT_REGISTERED_TITLE, ["一方不愿意离婚"], date(2026, 4, 9)
    )
    texts = "".join(document.pages[0].texts())
    assert NOT_REGISTERED_TITLE in texts
    assert "不予办理" in texts and "不予受理" not in texts


def test_refusal_notice_needs_grounds_and_a_party(divorce_application_case: MarriageCase, office: OfficeInfo) -> None:
    with pytest.raises(ValueError, match="at least one ground"):
        refusal_notice(divorce_application_case, office, NOT_ACCEPTED_TITLE, [" "], date(2026, 3, 5))
    nobody = dataclasses.replace(divorce_application_case, parties={})
    with pytest.raises(ValueError, match="nobody to notify"):
        refusal_notice(nobody, office, NOT_ACCEPTED_TITLE, ["理由"], date(2026, 3, 5))


# --------------------------------------------------------------------------- 撤回


def test_withdrawal_application_pdf(
    qapp: QApplication, tmp_path: Path, withdrawal_case: MarriageCase, office: OfficeInfo
) -> None:
    document = withdrawal_application_form(withdrawal_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "withdrawal.pdf"))

    text = pdf.text
    assert "撤回离婚登记申请书" in text
    assert B in text and withdrawal_case.parties[Role.A].identity.number in text
    assert RECEIPT_NO in text and MARRIAGE_NO in text
    assert "对方当事人" in text and A in text  # the other spouse, from the marriage on record
    assert f"本人{B}" in text and "自愿撤回回执编号为" in text
    assert "2026年03月20日" in text  # the withdrawal date
    assert pdf.images == 1


def test_withdrawal_application_needs_the_application(withdrawal_case: MarriageCase, office: OfficeInfo) -> None:
    assert withdrawal_case.divorce is not None
    no_app = dataclasses.replace(
        withdrawal_case, divorce=dataclasses.replace(withdrawal_case.divorce, application=None)
    )
    with pytest.raises(ValueError, match="application on record"):
        withdrawal_application_form(no_app, office)
    with pytest.raises(ValueError, match="withdrawing party"):
        withdrawal_application_form(dataclasses.replace(withdrawal_case, parties={}), office)


def test_withdrawal_confirmation_has_its_stub_on_the_same_page(
    qapp: QApplication, tmp_path: Path, withdrawal_case: MarriageCase, office: OfficeInfo
) -> None:
    document = withdrawal_confirmation(withdrawal_case, office)
    assert_inside_pages(document)
    (page,) = document.pages
    cut = [item for item in page.items if isinstance(item, LineItem) and item.dashed]
    assert [(line.y1_mm, line.y2_mm) for line in cut] == [(A4_MM[1] / 2, A4_MM[1] / 2)]

    pdf = read_pdf(write_pdf(document, tmp_path / "confirmation.pdf"))
    assert len(pdf.page_texts) == 1
    text = pdf.text
    assert STUB_LABEL in text and PARTY_COPY_LABEL in text
    assert text.index(STUB_LABEL) < text.index(PARTY_COPY_LABEL)  # stub on top
    assert text.count(WITHDRAWAL_CONFIRMATION_TITLE) == 2
    assert text.count(RECEIPT_NO) >= 4  # header and statement of both parts
    assert text.count("2026年03月20日") >= 2
    assert text.count(office.name) >= 2
    assert B in text and A in text
    assert "登记员签名" in text


def test_withdrawal_confirmation_needs_the_recorded_withdrawal(
    withdrawal_case: MarriageCase, office: OfficeInfo
) -> None:
    with pytest.raises(ValueError, match="not recorded"):
        withdrawal_confirmation(dataclasses.replace(withdrawal_case, registration=None), office)


# --------------------------------------------------------------------------- 询问笔录


@pytest.mark.parametrize(("role", "name", "other"), [(Role.A, A, B), (Role.B, B, A)])
def test_interview_record_pdf(
    qapp: QApplication,
    tmp_path: Path,
    divorce_registration_case: MarriageCase,
    office: OfficeInfo,
    role: Role,
    name: str,
    other: str,
) -> None:
    document = interview_record(divorce_registration_case, role, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "interview.pdf"))

    text = pdf.text
    assert "询问笔录" in text
    assert f"问：{name}，你是否自愿离婚？" in text
    assert "答：是，本人自愿离婚。" in text
    assert "对方当事人" in text and other in text
    assert RECEIPT_NO in text and MARRIAGE_NO in text
    assert "被询问人签名（按指纹）" in text and "询问人签名" in text
    if role is Role.A:
        assert "双方感情确已破裂" in text
        assert "2026年04月09日09时20分" in text
    assert pdf.images == 1


def test_interview_record_needs_the_interview(divorce_registration_case: MarriageCase, office: OfficeInfo) -> None:
    assert divorce_registration_case.divorce is not None
    none_yet = dataclasses.replace(
        divorce_registration_case, divorce=dataclasses.replace(divorce_registration_case.divorce, interviews=())
    )
    with pytest.raises(ValueError, match="not been interviewed"):
        interview_record(none_yet, Role.A, office)


# --------------------------------------------------------------------------- 离婚协议书


@pytest.mark.parametrize("copy_no", [1, 2, 3])
def test_agreement_copies_pdf(
    qapp: QApplication, tmp_path: Path, divorce_registration_case: MarriageCase, office: OfficeInfo, copy_no: int
) -> None:
    document = divorce_agreement_form(divorce_registration_case, office, copy_no)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / f"agreement{copy_no}.pdf"))

    text = pdf.text
    label = AGREEMENT_COPY_LABELS[copy_no]
    assert "离婚协议书" in text
    assert f"第{copy_no}份（共三份）{label}" in text
    assert label in document.title
    for other in set(AGREEMENT_COPY_LABELS) - {copy_no}:
        assert f"第{other}份（共三份）" not in text
    assert f"{A}与{B}双方自愿离婚" in text
    assert "一、子女抚养：婚生儿子赵子墨" in text
    assert "二、财产分割：" in text and "三、债务处理：双方无共同债务。" in text and "四、其他：无" in text
    assert "本协议一式三份" in text
    assert MARRIAGE_NO in text
    for party in divorce_registration_case.parties.values():
        assert party.identity.number in text
    assert pdf.images == 2  # both parties' signatures


@pytest.mark.parametrize("copy_no", [0, 4, -1])
def test_agreement_copy_number_is_one_to_three(
    divorce_registration_case: MarriageCase, office: OfficeInfo, copy_no: int
) -> None:
    with pytest.raises(ValueError, match="copy_no"):
        divorce_agreement_form(divorce_registration_case, office, copy_no)


def test_agreement_needs_the_agreement_and_current_signatures(
    divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    divorce = divorce_registration_case.divorce
    assert divorce is not None and divorce.agreement is not None
    no_agreement = dataclasses.replace(divorce_registration_case, divorce=dataclasses.replace(divorce, agreement=None))
    with pytest.raises(ValueError, match="agreement has not been examined"):
        divorce_agreement_form(no_agreement, office, 1)
    # A clause changed after signing: the old signatures no longer bind the printed text.
    changed = dataclasses.replace(
        divorce_registration_case,
        divorce=dataclasses.replace(
            divorce, agreement=dataclasses.replace(divorce.agreement, debts="男方承担全部债务。")
        ),
    )
    with pytest.raises(ValueError, match="different text"):
        divorce_agreement_form(changed, office, 2)


def test_long_agreement_continues_on_a_second_page_with_the_copy_label(
    qapp: QApplication, tmp_path: Path, divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    divorce = divorce_registration_case.divorce
    assert divorce is not None and divorce.agreement is not None
    long_property = "；".join(f"第{n}项财产（存款、股票、车辆等）归甲方所有，乙方放弃一切权利" for n in range(1, 40))
    case = dataclasses.replace(
        divorce_registration_case,
        divorce=dataclasses.replace(divorce, agreement=dataclasses.replace(divorce.agreement, property=long_property)),
        form_signatures=(),
    )
    document = divorce_agreement_form(case, office, 2)
    assert len(document.pages) == 2
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "long.pdf"))
    for page_text in pdf.page_texts:
        assert "第2份（共三份）乙方执" in page_text
    assert "第39项财产" in pdf.text and "共2页" in pdf.text


# --------------------------------------------------------------------------- 离婚登记声明书


@pytest.mark.parametrize(("role", "name", "other"), [(Role.A, A, B), (Role.B, B, A)])
def test_declaration_pdf(
    qapp: QApplication,
    tmp_path: Path,
    divorce_registration_case: MarriageCase,
    office: OfficeInfo,
    role: Role,
    name: str,
    other: str,
) -> None:
    document = divorce_declaration_form(divorce_registration_case, role, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "declaration.pdf"))

    text = pdf.text
    assert "离婚登记声明书" in text
    assert f"声明人：{name}" in text
    assert f"本人{name}" in text and other in text
    assert "自愿离婚，本人具有完全民事行为能力" in text
    assert "监誓人签名" in text
    assert office.registrar not in text  # the 监誓人 signs by hand
    assert pdf.images == 1


# --------------------------------------------------------------------------- 离婚证


def test_divorce_certificate_pdf(
    qapp: QApplication, tmp_path: Path, divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    document = divorce_certificate(divorce_registration_case, Role.B, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "certificate.pdf"))

    assert pdf.sizes_mm == [pytest.approx(CERTIFICATE_MM, abs=0.5)] * 2
    first, second = pdf.page_texts
    assert f"持证人{B}" in first and A not in first
    assert "离婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。" in first
    assert f"离婚证字号{DIVORCE_NO}" in first
    assert "登记日期2026年04月09日" in first
    assert "备注" in first
    for party in divorce_registration_case.parties.values():
        doc = party.identity
        assert doc.name in second and doc.number in second
    assert "1988年04月12日" in second and "1991年09月23日" in second
    assert "性别男" in second and "性别女" in second and "国籍中国" in second
    assert office.registrar not in pdf.text
    assert pdf.images_per_page == [1, 0]  # the holder's ID-card photo


def test_divorce_certificate_without_photo_leaves_the_frame(
    divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    parties = {
        role: dataclasses.replace(party, photo_png=None) for role, party in divorce_registration_case.parties.items()
    }
    document = divorce_certificate(dataclasses.replace(divorce_registration_case, parties=parties), Role.A, office)
    assert images(document) == []
    assert "贴照片处" in document.pages[0].texts()


def test_divorce_certificate_requires_registration(divorce_registration_case: MarriageCase, office: OfficeInfo) -> None:
    with pytest.raises(ValueError, match="not registered"):
        divorce_certificate(dataclasses.replace(divorce_registration_case, registration=None), Role.A, office)


# --------------------------------------------------------------------------- 离婚登记审查处理表


def test_divorce_review_form_pdf(
    qapp: QApplication, tmp_path: Path, divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    document = divorce_review_form(divorce_registration_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "review.pdf"))

    assert len(pdf.page_texts) == 1
    text = pdf.text
    assert "离婚登记审查处理表" in text
    for party in divorce_registration_case.parties.values():
        assert party.identity.name in text and party.identity.number in text
    assert MARRIAGE_NO in text and "2018年06月16日" in text
    assert RECEIPT_NO in text and "2026年03月05日" in text  # T0
    assert f"甲方{A}（09时20分单独询问）：自愿离婚；对协议无异议" in text
    assert f"乙方{B}（09时35分单独询问）：自愿离婚" in text
    assert "子女抚养、财产分割、债务处理均已约定；一式三份，双方已当面签署" in text
    for rule_id in {o.rule_id for o in divorce_registration_case.rule_outcomes}:
        assert rule_id in text
    assert "符合离婚登记条件，予以登记" in text
    assert DIVORCE_NO in text and "2026年04月09日" in text
    assert f"已加盖“{MARRIAGE_CERTIFICATE_VOID_NOTE}”印章，复印件存档" in text
    assert "当事人领证签名并按指纹" in text
    assert office.registrar in text  # 登记员 (the name; the signature cell stays blank)
    assert pdf.images == 2  # both chip photos


def test_divorce_review_form_before_the_stamp(divorce_registration_case: MarriageCase, office: OfficeInfo) -> None:
    assert divorce_registration_case.divorce is not None
    not_yet = dataclasses.replace(
        divorce_registration_case,
        divorce=dataclasses.replace(divorce_registration_case.divorce, marriage_certificate_voided=False),
    )
    texts = "".join(divorce_review_form(not_yet, office).pages[0].texts())
    assert f"尚未加盖“{MARRIAGE_CERTIFICATE_VOID_NOTE}”印章" in texts


def test_divorce_review_form_needs_the_application(divorce_registration_case: MarriageCase, office: OfficeInfo) -> None:
    assert divorce_registration_case.divorce is not None
    no_app = dataclasses.replace(
        divorce_registration_case,
        divorce=dataclasses.replace(divorce_registration_case.divorce, application=None),
    )
    with pytest.raises(ValueError, match="application on record"):
        divorce_review_form(no_app, office)


def test_long_review_opinion_continues_and_the_registration_part_stays_together(
    qapp: QApplication, tmp_path: Path, divorce_registration_case: MarriageCase, office: OfficeInfo
) -> None:
    many = tuple(RuleOutcome(f"X-{n:02d}", True, "一条较长的审查说明，" * (1 + n % 4)) for n in range(30))
    document = divorce_review_form(dataclasses.replace(divorce_registration_case, rule_outcomes=many), office)
    assert len(document.pages) == 2
    assert_inside_pages(document)
    last = "".join(document.pages[-1].texts())
    assert "离婚证字号" in last and "当事人领证签名并按指纹" in last

    pdf = read_pdf(write_pdf(document, tmp_path / "long_review.pdf"))
    for n in range(30):
        assert f"X-{n:02d}" in pdf.text
    assert "第2页共2页" in pdf.text
    assert pdf.images == 2
