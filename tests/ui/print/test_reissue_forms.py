"""The 补领婚姻登记证 documents, written as real PDFs and read back with PDFium."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.domain.case import MarriageCase, Role
from app.domain.divorce import CertificateKind, RecordParty
from tests.ui.print.conftest import (
    MARRIAGE_NO,
    REISSUE_NOS,
    assert_inside_pages,
    images,
    make_wife,
    read_pdf,
)
from ui.print.divorce_forms import LEGAL_REMEDY, refusal_notice
from ui.print.forms import OfficeInfo
from ui.print.layout import A4_MM, CERTIFICATE_MM, ImageItem
from ui.print.reissue_forms import (
    REISSUE_REVIEW_FORM_TITLE,
    reissue_declaration_form,
    reissue_review_form,
    reissued_certificate,
)
from ui.print.renderer import write_pdf

HUSBAND, WIFE = "赵文博", "孙佳怡"


def with_record(case: MarriageCase, **changes: object) -> MarriageCase:
    assert case.reissue is not None and case.reissue.record is not None
    record = dataclasses.replace(case.reissue.record, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(case, reissue=dataclasses.replace(case.reissue, record=record))


# --------------------------------------------------------------------------- 声明书


def test_reissue_declaration_pdf(
    qapp: QApplication, tmp_path: Path, reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    document = reissue_declaration_form(reissue_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "declaration.pdf"))

    assert pdf.sizes_mm == [pytest.approx(A4_MM, abs=0.5)]
    text = pdf.text
    assert "申请补领婚姻登记证声明书" in text
    assert f"声明人：{HUSBAND}" in text
    assert reissue_case.parties[Role.A].identity.number in text
    assert f"补领证件结婚证原证字号{MARRIAGE_NO}" in text
    assert "原登记日期2018年06月16日" in text
    assert f"对方当事人{WIFE}" in text and "现婚姻状况已婚" in text
    assert "补领原因遗失" in text
    assert f"的结婚证（字号{MARRIAGE_NO}）遗失，现申请补领结婚证" in text
    assert "监誓人签名" in text and office.registrar not in text
    assert pdf.images == 1  # the applicant's pad signature


def test_reissue_declaration_refuses_a_stale_signature(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    assert reissue_case.reissue is not None
    damaged = dataclasses.replace(reissue_case, reissue=dataclasses.replace(reissue_case.reissue, reason="损毁"))
    with pytest.raises(ValueError, match="different text"):
        reissue_declaration_form(damaged, office)
    unsigned = dataclasses.replace(damaged, form_signatures=())
    assert images(reissue_declaration_form(unsigned, office)) == []


def test_reissue_forms_need_the_record(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    assert reissue_case.reissue is not None
    no_record = dataclasses.replace(reissue_case, reissue=dataclasses.replace(reissue_case.reissue, record=None))
    for build in (reissue_declaration_form, reissue_review_form, reissued_certificate):
        with pytest.raises(ValueError, match="registration on record"):
            build(no_record, office)
        with pytest.raises(ValueError, match="no reissue details"):
            build(dataclasses.replace(reissue_case, reissue=None), office)
    with pytest.raises(ValueError, match="identity document"):
        reissue_declaration_form(dataclasses.replace(reissue_case, parties={}), office)


def test_reissue_of_a_divorce_certificate_needs_a_divorce_on_record(
    divorce_reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    never_divorced = with_record(
        divorce_reissue_case, status="active", divorce_certificate_no="", divorce_registered_on=None
    )
    with pytest.raises(ValueError, match="holds no 离婚证"):
        reissued_certificate(never_divorced, office)


# --------------------------------------------------------------------------- 补发的证


def test_reissued_marriage_certificate_pdf(
    qapp: QApplication, tmp_path: Path, reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    document = reissued_certificate(reissue_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "bj.pdf"))

    assert pdf.sizes_mm == [pytest.approx(CERTIFICATE_MM, abs=0.5)] * 2
    first, second = pdf.page_texts
    assert "结婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。" in first
    assert f"持证人{HUSBAND}" in first
    assert "登记日期2018年06月16日" in first  # the original registration date
    assert f"结婚证字号{REISSUE_NOS[CertificateKind.MARRIAGE]}" in first  # the new number
    assert "补发" in first and MARRIAGE_NO in first  # 备注: the original number
    assert "2026年05月12日" not in first
    # The wife is known only from the record: sex and birth date come from her ID number.
    wife = make_wife()
    assert f"姓名{WIFE}性别女国籍中国出生日期1991年09月23日身份证件号{wife.identity.number}" in second
    assert f"姓名{HUSBAND}性别男" in second
    assert office.registrar not in pdf.text
    assert pdf.images_per_page == [1, 0]  # the joint photo
    assert [(i.w_mm, i.h_mm) for i in images(document)] == [(53.0, 35.0)]


def test_reissued_divorce_certificate_pdf(
    qapp: QApplication, tmp_path: Path, divorce_reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    document = reissued_certificate(divorce_reissue_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "bl.pdf"))

    first, second = pdf.page_texts
    assert "离婚申请，符合《中华人民共和国民法典》规定，予以登记，发给此证。" in first
    assert f"离婚证字号{REISSUE_NOS[CertificateKind.DIVORCE]}" in first
    assert "登记日期2022年09月01日" in first  # the original divorce registration
    assert "补发" in first and "L110105-2022-000118" in first
    assert HUSBAND in second and WIFE in second
    assert pdf.images_per_page == [1, 0]  # the single photo
    assert document.title.startswith("离婚证（补发） BL110101-2026-000003")


def test_reissued_certificate_without_photo_leaves_the_frame(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    page = reissued_certificate(dataclasses.replace(reissue_case, documents=()), office).pages[0]
    assert not any(isinstance(item, ImageItem) for item in page.items)
    assert "贴合影照片处" in page.texts()


def test_reissued_certificate_shows_a_foreign_spouse_as_on_record(
    reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    assert reissue_case.reissue is not None and reissue_case.reissue.record is not None
    husband, _ = reissue_case.reissue.record.parties
    foreign = RecordParty(Role.B, "passport:FRA:19FR12345", "玛丽·杜邦")
    document = reissued_certificate(with_record(reissue_case, parties=(husband, foreign)), office)
    second = "".join(document.pages[1].texts())
    assert "姓名玛丽·杜邦性别国籍法国出生日期身份证件号19FR12345" in second


def test_reissued_certificate_holder_must_be_on_the_record(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    stranger = dataclasses.replace(
        reissue_case.parties[Role.A],
        identity=dataclasses.replace(reissue_case.parties[Role.A].identity, number="110101199001011237"),
    )
    case = dataclasses.replace(reissue_case, parties={Role.A: stranger})
    with pytest.raises(ValueError, match="not a party of the registration"):
        reissued_certificate(case, office)
    # Without a case party in that role, the record's spouse in that role holds it.
    document = reissued_certificate(reissue_case, office, holder_role=Role.B)
    assert f"持证人{WIFE}" in "".join(document.pages[0].texts())


def test_reissued_certificate_requires_registration(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    with pytest.raises(ValueError, match="not registered"):
        reissued_certificate(dataclasses.replace(reissue_case, registration=None), office)


# --------------------------------------------------------------------------- 审查处理表


def test_reissue_review_form_pdf(
    qapp: QApplication, tmp_path: Path, reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    document = reissue_review_form(reissue_case, office)
    assert_inside_pages(document)
    pdf = read_pdf(write_pdf(document, tmp_path / "review.pdf"))

    assert len(pdf.page_texts) == 1
    text = pdf.text
    assert REISSUE_REVIEW_FORM_TITLE in text
    assert HUSBAND in text and reissue_case.parties[Role.A].identity.number in text
    assert f"原证字号{MARRIAGE_NO}" in text and "原登记日期2018年06月16日" in text
    assert f"经查档，{HUSBAND}、{WIFE}于2018年06月16日" in text and "婚姻关系存续，与申请人声明一致" in text
    assert "补领原因遗失" in text
    assert "双方合影照片1份" in text
    assert "C-R-ARCHIVE" in text and "符合补领结婚证条件，予以补发" in text
    assert f"补发结婚证字号{REISSUE_NOS[CertificateKind.MARRIAGE]}" in text
    assert "补发日期2026年05月12日" in text
    assert "当事人领证签名并按指纹" in text and "申请人：" + HUSBAND in text
    assert pdf.images == 1  # the applicant's chip photo


def test_reissue_review_form_of_a_dissolved_marriage_says_so(reissue_case: MarriageCase, office: OfficeInfo) -> None:
    dissolved = with_record(
        reissue_case, status="dissolved", divorce_certificate_no="L110105-2022-000118", divorce_registered_on=None
    )
    texts = "".join(reissue_review_form(dissolved, office).pages[0].texts())
    assert "婚姻关系已解除" in texts and "不符合补领结婚证条件" in texts


def test_reissue_refusal_notice(
    qapp: QApplication, tmp_path: Path, reissue_case: MarriageCase, office: OfficeInfo
) -> None:
    title = "不予补发婚姻登记证告知书"
    document = refusal_notice(reissue_case, office, title, ["申请人的婚姻状况已发生变化"], date(2026, 5, 12))
    pdf = read_pdf(write_pdf(document, tmp_path / "refusal.pdf"))
    text = pdf.text
    assert title in text
    assert f"{HUSBAND}：" in text and WIFE not in text
    assert "你于2026年05月12日向本机关申请办理补领结婚证" in text
    assert "（一）申请人的婚姻状况已发生变化" in text
    assert "本机关决定对你的补领结婚证申请不予办理" in text
    assert "".join(LEGAL_REMEDY.split()) in text
