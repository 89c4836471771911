"""Fake people and cases for tests (no real persons)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.case import DeviceMode, MarriageCase, Party, Role
from app.domain.identity import DocumentType, IdentityDocument, Sex, citizen_check_char
from devices.id_reader.types import CardType, IdentityRecord


def citizen_number(region: str, birth: date, sequence: int) -> str:
    """A valid GB 11643 number; the sequence's parity is the sex (odd = male)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + citizen_check_char(first17)


def identity(
    name: str = "测试甲",
    sex: Sex = Sex.MALE,
    birth: date = date(1995, 3, 2),
    region: str = "110101",
    valid_to: date | None = date(2040, 1, 1),
    sequence: int | None = None,
) -> IdentityDocument:
    seq = sequence if sequence is not None else (11 if sex is Sex.MALE else 12)
    return IdentityDocument(
        doc_type=DocumentType.RESIDENT_ID,
        number=citizen_number(region, birth, seq),
        name=name,
        sex=sex,
        birth_date=birth,
        ethnicity_code="01",
        address="北京市东城区测试街道1号",
        issuing_authority="北京市公安局东城分局",
        valid_from=date(2020, 1, 1),
        valid_to=valid_to,
    )


def record_from(doc: IdentityDocument, *, number: str | None = None) -> IdentityRecord:
    return IdentityRecord(
        card_type=CardType.RESIDENT_ID,
        name=doc.name,
        sex_code=doc.sex.value,
        ethnicity_code=doc.ethnicity_code,
        birth_date=doc.birth_date,
        address=doc.address,
        id_number=number or doc.number,
        issuing_authority=doc.issuing_authority,
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        reader_name="test-reader",
    )


def party(role: Role, doc: IdentityDocument, central: str | None = "") -> Party:
    return Party(role, doc, None, datetime(2026, 11, 29, 9, 0, tzinfo=UTC), "test-reader",
                 central_active_marriage=central)


def empty_case() -> MarriageCase:
    return MarriageCase(
        case_id="c0ffee", office_code="110101", counter_id="counter-01", registrar="测试登记员",
        created_at=datetime(2026, 11, 29, 9, 0, tzinfo=UTC), device_mode=DeviceMode.SIMULATED,
    )
