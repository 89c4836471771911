"""A realistic registered marriage case (fake people, valid GB 11643 numbers)."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pypdfium2_raw
import pytest
from PIL import Image, ImageDraw

from app.domain.case import (
    Business,
    CapturedDocument,
    CaseStatus,
    DeviceMode,
    MaritalStatus,
    MarriageCase,
    MarriageStep,
    Party,
    Registration,
    Role,
    RuleOutcome,
    Signature,
    Voluntariness,
)
from app.domain.declarations import (
    divorce_application_text,
    divorce_declaration_text,
    interview_text,
    marriage_declaration_text,
    reissue_declaration_text,
    text_sha256,
    withdrawal_text,
)
from app.domain.divorce import (
    ApplicationOnRecord,
    CertificateCopies,
    CertificateKind,
    DivorceAgreement,
    DivorceDetails,
    Finding,
    Interview,
    MarriageOnRecord,
    RecordParty,
    ReissueDetails,
    SignedForm,
    agreement_text,
    receipt_no_for,
)
from app.domain.identity import DocumentType, IdentityDocument, Sex, citizen_check_char
from ui.print.forms import OfficeInfo
from ui.print.layout import FormDocument, ImageItem, TextItem

CERT_NO = "J110101-2026-000001"
OFFICE = OfficeInfo(code="110101", name="北京市东城区民政局婚姻登记处", registrar="张晓梅")


def citizen_number(first17: str) -> str:
    return first17 + citizen_check_char(first17)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def card_photo(shade: int) -> bytes:
    """A 102 × 126 px chip-photo stand-in: light background, a head and shoulders."""
    image = Image.new("RGB", (102, 126), (235, 240, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((31, 18, 71, 66), fill=(shade, shade - 20, shade - 40))
    draw.rectangle((18, 80, 84, 126), fill=(40, 40, 70))
    return png(image)


def joint_photo() -> bytes:
    """626 × 413 px (2 inch at 300 dpi), red background, two people."""
    image = Image.new("RGB", (626, 413), (200, 30, 40))
    draw = ImageDraw.Draw(image)
    for cx in (200, 426):
        draw.ellipse((cx - 60, 80, cx + 60, 230), fill=(225, 190, 160))
        draw.rectangle((cx - 110, 250, cx + 110, 413), fill=(30, 30, 40))
    return png(image)


def signature_png(seed: int) -> bytes:
    """A handwriting-like scribble on a transparent background, as the pad delivers."""
    image = Image.new("RGBA", (600, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 26, 120 + ((i * 37 + seed * 11) % 90) - 45) for i in range(21)]
    draw.line(points, fill=(0, 0, 0, 255), width=6, joint="curve")
    return png(image)


def make_party(role: Role, first17: str, name: str, sex: Sex, born: date, address: str, shade: int) -> Party:
    identity = IdentityDocument(
        doc_type=DocumentType.RESIDENT_ID,
        number=citizen_number(first17),
        name=name,
        sex=sex,
        birth_date=born,
        ethnicity_code="01",
        address=address,
        issuing_authority="北京市公安局东城分局",
        valid_from=date(2020, 5, 1),
        valid_to=date(2040, 5, 1),
    )
    return Party(
        role=role,
        identity=identity,
        photo_png=card_photo(shade),
        read_at=datetime(2026, 3, 5, 9, 12),
        reader_name="模拟身份证阅读器",
        declared_status=MaritalStatus.UNMARRIED if role is Role.A else MaritalStatus.DIVORCED,
        occupation="软件工程师" if role is Role.A else "中学教师",
        central_active_marriage="",
    )


def outcomes(a: Party, b: Party) -> tuple[RuleOutcome, ...]:
    return (
        RuleOutcome("C-ID-1", True, f"证件有效（{a.identity.masked_number}，2020.05.01-2040.05.01）", Role.A),
        RuleOutcome("C-ID-1", True, f"证件有效（{b.identity.masked_number}，2020.05.01-2040.05.01）", Role.B),
        RuleOutcome("C-M-AGE", True, "李明轩现年 35 周岁，已达法定婚龄 22 周岁", Role.A),
        RuleOutcome("C-M-AGE", True, "王雨桐现年 32 周岁，已达法定婚龄 20 周岁", Role.B),
        RuleOutcome("C-M-SEX", True, "双方为一男一女"),
        RuleOutcome("C-M-SPOUSE", True, "联网核对：李明轩无有效婚姻记录", Role.A),
        RuleOutcome("C-M-SPOUSE", True, "联网核对：王雨桐无有效婚姻记录", Role.B),
        RuleOutcome("C-M-REG", True, "双方均为内地居民，自 2025年5月10日起可在任一婚姻登记机关办理"),
        RuleOutcome("C-M-DECL", True, "双方已当面签署《申请结婚登记声明书》"),
        RuleOutcome("C-M-VOL", True, "登记员已询问双方结婚意愿，双方完全自愿"),
        RuleOutcome("C-M-PHOTO", True, "已采集双方合影照片"),
    )


def sign(role: Role, declarant: Party, other: Party, seed: int) -> Signature:
    text = marriage_declaration_text(declarant.identity, other.identity)
    return Signature(
        role=role,
        strokes_json="[]",
        image_png=signature_png(seed),
        declaration_sha256=text_sha256(text),
        signed_at=datetime(2026, 3, 5, 9, 40),
        device_name="模拟签名板",
    )


def captured(document_id: str, document_class: str, image_png: bytes) -> CapturedDocument:
    return CapturedDocument(
        document_id=document_id,
        document_class=document_class,
        image_png=image_png,
        sha256="0" * 64,
        captured_at=datetime(2026, 3, 5, 9, 25),
        device_name="模拟高拍仪",
    )


def make_registered_case() -> MarriageCase:
    a = make_party(
        Role.A,
        "11010119900307123",
        "李明轩",
        Sex.MALE,
        date(1990, 3, 7),
        "北京市东城区东华门街道南池子大街12号院3号楼2单元501室",
        225,
    )
    b = make_party(
        Role.B,
        "31010419930821246",
        "王雨桐",
        Sex.FEMALE,
        date(1993, 8, 21),
        "上海市徐汇区漕河泾街道宜山路700号",
        230,
    )
    grey = png(Image.new("RGB", (320, 200), (180, 180, 180)))
    return MarriageCase(
        case_id="C-20260305-0007",
        office_code="110101",
        counter_id="counter-02",
        registrar="zhangxm",
        created_at=datetime(2026, 3, 5, 9, 10),
        device_mode=DeviceMode.SIMULATED,
        step=MarriageStep.ISSUE,
        status=CaseStatus.REGISTERED,
        parties={Role.A: a, Role.B: b},
        documents=(
            captured("d1", "joint_photo", joint_photo()),
            captured("d2", "id_card_front", grey),
            captured("d3", "id_card_front", grey),
            captured("d4", "id_card_back", grey),
            captured("d5", "id_card_back", grey),
        ),
        signatures={Role.A: sign(Role.A, a, b, 1), Role.B: sign(Role.B, b, a, 2)},
        voluntariness=Voluntariness.VOLUNTARY,
        rule_outcomes=outcomes(a, b),
        registration_uuid="3f1c9a52-8d1e-4f7a-9a55-0c2b7d6e1f10",
        registration=Registration(
            certificate_no=CERT_NO,
            registered_at=datetime(2026, 3, 5, 10, 2),
            registered_on=date(2026, 3, 5),
        ),
    )


@pytest.fixture
def registered_case() -> MarriageCase:
    return make_registered_case()


@pytest.fixture
def office() -> OfficeInfo:
    return OFFICE


# --------------------------------------------------------------------------- divorce and reissue

# A couple married in 2018 at the same office, who apply for a divorce in March 2026.
MARRIAGE_NO = "J110101-2018-000321"
MARRIAGE_ON = date(2018, 6, 16)
APP_UUID = "7c2e4b1a-5d3f-4e21-8a6b-91f0c3d2e7a4"
ACCEPTED_ON = date(2026, 3, 5)
RECEIPT_NO = receipt_no_for(APP_UUID, "110101", ACCEPTED_ON)  # 110101-20260305-7C2E4B1A
WITHDRAWN_ON = date(2026, 3, 20)
DIVORCE_NO = "L110101-2026-000042"
DIVORCED_ON = date(2026, 4, 9)
AGREEMENT = DivorceAgreement(
    children=(
        "婚生儿子赵子墨（2019年4月2日出生）由女方孙佳怡直接抚养，男方赵文博自2026年5月起每月15日前"
        "支付抚养费人民币3000元，至孩子年满十八周岁止；男方每月可探望孩子两次，具体时间由双方协商。"
    ),
    property=(
        "位于北京市东城区和平里东街15号院2号楼3单元602室的房产归女方所有，剩余贷款由女方偿还；"
        "小型轿车一辆归男方所有；双方名下的存款各归本人所有。"
    ),
    debts="双方无共同债务。",
)


def make_husband() -> Party:
    return make_party(
        Role.A,
        "11010119880412351",
        "赵文博",
        Sex.MALE,
        date(1988, 4, 12),
        "北京市东城区和平里街道和平里东街15号院2号楼3单元602室",
        210,
    )


def make_wife(role: Role = Role.B) -> Party:
    return make_party(
        role,
        "11010519910923168",
        "孙佳怡",
        Sex.FEMALE,
        date(1991, 9, 23),
        "北京市朝阳区望京街道望京西园三区312号楼1806室",
        235,
    )


def marriage_on_record(husband: Party, wife: Party, *, dissolved: bool = False) -> MarriageOnRecord:
    return MarriageOnRecord(
        certificate_no=MARRIAGE_NO,
        registered_on=MARRIAGE_ON,
        office_code="110101",
        status="dissolved" if dissolved else "active",
        parties=(
            RecordParty(Role.A, husband.identity.person_key, husband.identity.name),
            RecordParty(Role.B, wife.identity.person_key, wife.identity.name),
        ),
        divorce_certificate_no="L110105-2022-000118" if dissolved else "",
        divorce_registered_on=date(2022, 9, 1) if dissolved else None,
        divorce_office_code="110105" if dissolved else "",
    )


def application_on_record(status: str = "pending") -> ApplicationOnRecord:
    return ApplicationOnRecord(
        app_uuid=APP_UUID,
        receipt_no=RECEIPT_NO,
        marriage_certificate_no=MARRIAGE_NO,
        office_code="110101",
        accepted_on=ACCEPTED_ON,
        status=status,
    )


def form_signature(form: SignedForm, role: Role, text: str, seed: int, when: datetime) -> Signature:
    return Signature(
        role=role,
        strokes_json="[]",
        image_png=signature_png(seed),
        declaration_sha256=text_sha256(text),
        signed_at=when,
        device_name="模拟签名板",
        form=form,
    )


def _base_case(case_id: str, business: Business, created: datetime) -> MarriageCase:
    return MarriageCase(
        case_id=case_id,
        office_code="110101",
        counter_id="counter-03",
        registrar="zhangxm",
        created_at=created,
        device_mode=DeviceMode.SIMULATED,
        business=business,
        status=CaseStatus.REGISTERED,
    )


def make_divorce_application_case() -> MarriageCase:
    a, b = make_husband(), make_wife()
    when = datetime(2026, 3, 5, 9, 50)
    signatures = tuple(
        form_signature(
            SignedForm.DIVORCE_APPLICATION,
            role,
            divorce_application_text(declarant.identity, other.identity, MARRIAGE_NO),
            seed,
            when,
        )
        for role, declarant, other, seed in ((Role.A, a, b, 3), (Role.B, b, a, 4))
    )
    scan = png(Image.new("RGB", (320, 200), (190, 60, 60)))
    return dataclasses.replace(
        _base_case("C-20260305-0011", Business.DIVORCE_APPLICATION, datetime(2026, 3, 5, 9, 30)),
        parties={Role.A: a, Role.B: b},
        documents=(
            captured("m1", "marriage_certificate", scan),
            captured("s1", "loss_statement", scan),
        ),
        divorce=DivorceDetails(
            marriage=marriage_on_record(a, b),
            application=application_on_record(),
            certificate_copies=CertificateCopies.ONE_LOST,
            intent_finding=Finding.CONFIRMED,
            capacity_finding=Finding.CONFIRMED,
        ),
        form_signatures=signatures,
        registration_uuid=APP_UUID,
        registration=Registration(
            certificate_no=RECEIPT_NO, registered_at=datetime(2026, 3, 5, 10, 5), registered_on=ACCEPTED_ON
        ),
    )


def make_withdrawal_case() -> MarriageCase:
    """The wife withdraws alone during the cooling-off period; she is the case's only party."""
    husband, wife = make_husband(), make_wife(Role.A)
    text = withdrawal_text(wife.identity, RECEIPT_NO)
    return dataclasses.replace(
        _base_case("C-20260320-0004", Business.DIVORCE_WITHDRAWAL, datetime(2026, 3, 20, 14, 0)),
        parties={Role.A: wife},
        divorce=DivorceDetails(
            marriage=marriage_on_record(husband, make_wife()),
            application=application_on_record("withdrawn"),
            withdrawing_role=Role.A,
        ),
        form_signatures=(
            form_signature(SignedForm.WITHDRAWAL, Role.A, text, 5, datetime(2026, 3, 20, 14, 10)),
        ),
        registration=Registration(
            certificate_no=RECEIPT_NO, registered_at=datetime(2026, 3, 20, 14, 12), registered_on=WITHDRAWN_ON
        ),
    )


INTERVIEW_REMARKS = {
    Role.A: "双方感情确已破裂，分居已满一年。",
    Role.B: "",
}


def make_divorce_registration_case() -> MarriageCase:
    a, b = make_husband(), make_wife()
    interviews = tuple(
        Interview(
            role=role,
            wishes_to_divorce=True,
            agrees_with_agreement=True,
            remarks=INTERVIEW_REMARKS[role],
            recorded_at=datetime(2026, 4, 9, 9, 20 + index * 15),
        )
        for index, role in enumerate(Role)
    )
    when = datetime(2026, 4, 9, 10, 0)
    agreed = agreement_text((a.identity.name, b.identity.name), AGREEMENT)
    signatures: list[Signature] = []
    for seed, (role, declarant, other) in enumerate(((Role.A, a, b), (Role.B, b, a))):
        interview = interviews[seed]
        signatures += [
            form_signature(
                SignedForm.INTERVIEW,
                role,
                interview_text(declarant.identity.name, True, True, interview.remarks),
                10 + seed,
                interview.recorded_at,
            ),
            form_signature(SignedForm.AGREEMENT, role, agreed, 20 + seed, when),
            form_signature(
                SignedForm.DIVORCE_DECLARATION,
                role,
                divorce_declaration_text(declarant.identity, other.identity),
                30 + seed,
                when,
            ),
        ]
    scan = png(Image.new("RGB", (320, 200), (190, 60, 60)))
    return dataclasses.replace(
        _base_case("C-20260409-0002", Business.DIVORCE_REGISTRATION, datetime(2026, 4, 9, 9, 5)),
        parties={Role.A: a, Role.B: b},
        documents=(
            captured("m1", "marriage_certificate", scan),
            captured("m2", "marriage_certificate", scan),
            captured("g1", "agreement", scan),
        ),
        divorce=DivorceDetails(
            marriage=marriage_on_record(a, b),
            application=application_on_record(),
            interviews=interviews,
            agreement=AGREEMENT,
            marriage_certificate_voided=True,
        ),
        form_signatures=tuple(signatures),
        rule_outcomes=(
            RuleOutcome("C-D-APP", True, f"离婚登记申请（回执编号 {RECEIPT_NO}）由本机关受理"),
            RuleOutcome("C-D-WINDOW", True, "在申请发给离婚证期间内（2026年04月07日至2026年05月11日）"),
            RuleOutcome("C-D-INTERVIEW", True, "已分别询问双方，双方均自愿离婚"),
            RuleOutcome("C-D-AGREEMENT", True, "离婚协议书已对子女抚养、财产分割、债务处理作出约定"),
        ),
        registration_uuid="b5f0e1d2-3c4a-4b5c-9d8e-7f6a5b4c3d2e",
        registration=Registration(
            certificate_no=DIVORCE_NO, registered_at=datetime(2026, 4, 9, 10, 30), registered_on=DIVORCED_ON
        ),
    )


REISSUE_NOS = {CertificateKind.MARRIAGE: "BJ110101-2026-000007", CertificateKind.DIVORCE: "BL110101-2026-000003"}
REISSUED_ON = date(2026, 5, 12)


def make_reissue_case(kind: CertificateKind = CertificateKind.MARRIAGE) -> MarriageCase:
    """The husband alone asks for a new certificate; the wife is known only from the record."""
    husband, wife = make_husband(), make_wife()
    record = marriage_on_record(husband, wife, dissolved=kind is CertificateKind.DIVORCE)
    reissue = ReissueDetails(certificate_kind=kind, record=record, reason="遗失")
    text = reissue_declaration_text(husband.identity, kind.label_zh, reissue.original_certificate_no, reissue.reason)
    photo = joint_photo() if kind is CertificateKind.MARRIAGE else card_photo(200)
    photo_class = "joint_photo" if kind is CertificateKind.MARRIAGE else "single_photo"
    return dataclasses.replace(
        _base_case("C-20260512-0003", Business.REISSUE, datetime(2026, 5, 12, 10, 0)),
        parties={Role.A: husband},
        documents=(captured("p1", photo_class, photo),),
        reissue=reissue,
        form_signatures=(
            form_signature(SignedForm.REISSUE_DECLARATION, Role.A, text, 40, datetime(2026, 5, 12, 10, 20)),
        ),
        rule_outcomes=(
            RuleOutcome("C-R-ARCHIVE", True, f"经查档，原{kind.label_zh}登记记录存在且与申请人一致", Role.A),
            RuleOutcome("C-R-STATUS", True, "婚姻状况与原证记载一致", Role.A),
        ),
        registration=Registration(
            certificate_no=REISSUE_NOS[kind], registered_at=datetime(2026, 5, 12, 10, 40), registered_on=REISSUED_ON
        ),
    )


@pytest.fixture
def divorce_application_case() -> MarriageCase:
    return make_divorce_application_case()


@pytest.fixture
def withdrawal_case() -> MarriageCase:
    return make_withdrawal_case()


@pytest.fixture
def divorce_registration_case() -> MarriageCase:
    return make_divorce_registration_case()


@pytest.fixture
def reissue_case() -> MarriageCase:
    return make_reissue_case(CertificateKind.MARRIAGE)


@pytest.fixture
def divorce_reissue_case() -> MarriageCase:
    return make_reissue_case(CertificateKind.DIVORCE)


# --------------------------------------------------------------------------- reading PDFs back


@dataclasses.dataclass(frozen=True)
class PdfContents:
    """What PDFium (independent of Qt) reads back from a written PDF."""

    page_texts: list[str]  # whitespace removed: extraction breaks lines where text wraps
    images_per_page: list[int]
    sizes_mm: list[tuple[float, float]]

    @property
    def text(self) -> str:
        return "".join(self.page_texts)

    @property
    def images(self) -> int:
        return sum(self.images_per_page)


def read_pdf(path: Path) -> PdfContents:
    pdf = pypdfium2.PdfDocument(str(path))
    texts: list[str] = []
    images: list[int] = []
    sizes: list[tuple[float, float]] = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    texts.append("".join(textpage.get_text_range().split()))
                finally:
                    textpage.close()
                images.append(sum(1 for _ in page.get_objects(filter=[pypdfium2_raw.FPDF_PAGEOBJ_IMAGE])))
                width, height = page.get_size()
                sizes.append((width * 25.4 / 72, height * 25.4 / 72))
            finally:
                page.close()
    finally:
        pdf.close()
    return PdfContents(texts, images, sizes)


def images(document: FormDocument) -> list[ImageItem]:
    return [item for page in document.pages for item in page.items if isinstance(item, ImageItem)]


def assert_inside_pages(document: FormDocument) -> None:
    for page in document.pages:
        width, height = page.size_mm
        for item in page.items:
            if isinstance(item, TextItem | ImageItem):
                assert item.x_mm >= 0 and item.y_mm >= 0, item
                assert item.x_mm + item.w_mm <= width + 0.01, item
                # A4 forms keep clear of the printer's unprintable margin; booklets are cut stock.
                assert item.y_mm + item.h_mm <= height - (5.0 if height > 200 else 2.0), item
