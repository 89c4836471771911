"""What an identity-document reader returns: the card's own fields, not yet validated.

Validation (checksum, expiry, region code) is the application's job (app.domain);
the reader reports exactly what the chip holds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class CardType(enum.StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证 (GB 11643 number)
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"  # 外国人永久居留身份证
    PASSPORT = "passport"


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    card_type: CardType
    name: str
    sex_code: str  # GB/T 2261.1: "1" male, "2" female
    ethnicity_code: str  # GB 3304, "01".."56", "97", "98"; "" where the card has none
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_to: date | None  # None = 长期 (long-term)
    nationality: str = "CHN"  # ISO 3166 alpha-3 as printed on the card
    photo_png: bytes | None = None  # decoded portrait, None when unavailable
    reader_name: str = ""
