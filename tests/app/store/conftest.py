"""A fully populated marriage case, with every field set, for round-trip tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

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
from app.domain.identity import DocumentType, IdentityDocument, Sex

BEIJING = timezone(timedelta(hours=8))


def _png(seed: str, size: int = 4096) -> bytes:
    # Not a real PNG: the store keeps bytes as they are, which is what is checked.
    block = hashlib.sha256(seed.encode()).digest()
    return b"\x89PNG\r\n\x1a\n" + (block * (size // len(block) + 1))[:size]


def make_full_case(case_id: str = "case-0001", *, updated_at: datetime | None = None) -> MarriageCase:
    groom = IdentityDocument(
        doc_type=DocumentType.RESIDENT_ID,
        number="11010519900307001X",
        name="张三",
        sex=Sex.MALE,
        birth_date=date(1990, 3, 7),
        ethnicity_code="01",
        address="北京市朝阳区某某路1号",
        issuing_authority="北京市公安局朝阳分局",
        valid_from=date(2015, 1, 1),
        valid_to=None,
    )
    bride = IdentityDocument(
        doc_type=DocumentType.RESIDENT_ID,
        number="110105199205060028",
        name="李四",
        sex=Sex.FEMALE,
        birth_date=date(1992, 5, 6),
        ethnicity_code="03",
        address="北京市海淀区某某街2号",
        issuing_authority="北京市公安局海淀分局",
        valid_from=date(2018, 6, 1),
        valid_to=date(2038, 6, 1),
    )
    read_at = datetime(2026, 3, 2, 9, 15, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    parties = {
        Role.A: Party(
            role=Role.A,
            identity=groom,
            photo_png=_png("photo-a"),
            read_at=read_at,
            reader_name="sim:id_reader",
            declared_status=MaritalStatus.DIVORCED,
            occupation="工程师",
            central_active_marriage="",
        ),
        Role.B: Party(
            role=Role.B,
            identity=bride,
            photo_png=_png("photo-b"),
            read_at=read_at + timedelta(seconds=40),
            reader_name="sim:id_reader",
            declared_status=MaritalStatus.UNMARRIED,
            occupation="教师",
            central_active_marriage=None,
        ),
    }
    documents = tuple(
        CapturedDocument(
            document_id=f"doc-{n}",
            document_class=cls,
            image_png=_png(f"doc-{n}", 20_000),
            sha256=hashlib.sha256(_png(f"doc-{n}", 20_000)).hexdigest(),
            captured_at=datetime(2026, 3, 2, 1, 20 + n, tzinfo=UTC),
            device_name="sim:camera",
        )
        for n, cls in enumerate(["id_card_front", "id_card_back", "hukou_book"])
    )
    signatures = {
        role: Signature(
            role=role,
            strokes_json=json.dumps([[{"x": 1.5, "y": 2.0, "t": 0, "p": 0.5}]]),
            image_png=_png(f"sig-{role}"),
            declaration_sha256=text_sha256(marriage_declaration_text(parties[role].identity, parties[other].identity)),
            signed_at=datetime(2026, 3, 2, 9, 40, tzinfo=BEIJING),
            device_name="sim:pad",
        )
        for role, other in ((Role.A, Role.B), (Role.B, Role.A))
    }
    outcomes = (
        RuleOutcome("C-M-AGE", True, "男方已满22周岁", Role.A),
        RuleOutcome("C-M-AGE", True, "女方已满20周岁", Role.B),
        RuleOutcome("C-M-VOL", True, "双方自愿"),
        RuleOutcome("C-M-DOC", False, "缺少离婚证", Role.A),
    )
    return MarriageCase(
        case_id=case_id,
        office_code="110105",
        counter_id="counter-03",
        registrar="王登记员",
        created_at=datetime(2026, 3, 2, 9, 10, tzinfo=BEIJING),
        device_mode=DeviceMode.SIMULATED,
        step=MarriageStep.ISSUE,
        status=CaseStatus.REGISTERED,
        parties=parties,
        documents=documents,
        signatures=signatures,
        voluntariness=Voluntariness.VOLUNTARY,
        rule_outcomes=outcomes,
        registration_uuid="5b0c1f2e-7d0e-4a8c-9b7a-1f3c2d4e5f60",
        registration=Registration(
            certificate_no="J110105-2026-000042",
            registered_at=datetime(2026, 3, 2, 1, 45, 3, tzinfo=UTC),
            registered_on=date(2026, 3, 2),
            duplicate_ack=True,
        ),
        central_error="上次提交超时",
        printed_forms=("marriage_certificate_A", "marriage_certificate_B", "registration_form"),
        updated_at=updated_at or datetime(2026, 3, 2, 9, 46, tzinfo=BEIJING),
    )


@pytest.fixture
def full_case() -> Callable[..., MarriageCase]:
    return make_full_case
