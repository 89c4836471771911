"""A realistic registered marriage case (fake people, valid GB 11643 numbers)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from PIL import Image, ImageDraw

from app.domain.case import (
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
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.domain.identity import DocumentType, IdentityDocument, Sex, citizen_check_char
from ui.print.forms import OfficeInfo

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
