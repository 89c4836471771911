"""The 256-byte UCS-2LE text block of a GA/T 467 read, in its four layouts.

The card-type flag at bytes 248-249 selects the layout (domain.md §5.6): ' ' resident
ID card, 'J' HK/Macau/Taiwan residence permit, 'I' foreigner PR card 2017, 'Y'
foreigner PR card 2023. Fields are space-padded; dates are YYYYMMDD; a valid-to of
"长期" means long-term (None).

Only the reader's own encoding is checked here (dates, codes, the flag); validating
the ID number checksum, the expiry or the region is the application's job. Errors name
the field, never its value: values are personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from devices.errors import CorruptDataError
from devices.id_reader.types import CardType, IdentityRecord

TEXT_SIZE: Final = 256
FLAG_OFFSET: Final = 248
LONG_TERM: Final = "长期"
ETHNIC_CODES: Final = frozenset({f"{n:02d}" for n in range(1, 57)} | {"97", "98"})
SEX_CODES: Final = frozenset({"0", "1", "2", "9"})


class Layout:
    """Flag values at bytes 248-249."""

    RESIDENT_ID: Final = " "
    HMT_PERMIT: Final = "J"
    FOREIGN_PR_2017: Final = "I"
    FOREIGN_PR_2023: Final = "Y"


@dataclass(frozen=True, slots=True)
class CardText:
    """Everything the text block holds; `record()` keeps what IdentityRecord has room for."""

    layout: str
    name: str
    sex_code: str
    ethnicity_code: str
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_to: date | None
    nationality: str
    name_en: str = ""  # foreigner PR cards
    pass_number: str = ""  # HMT permit: 通行证号码
    issue_count: str = ""  # HMT permit: 签发次数
    renewals: str = ""  # PR 2023: 换证次数
    card_version: str = ""  # PR 2017
    previous_link: str = ""  # PR 2023: link to the previous card's number

    @property
    def card_type(self) -> CardType:
        if self.layout == Layout.HMT_PERMIT:
            return CardType.HMT_RESIDENCE_PERMIT
        if self.layout in (Layout.FOREIGN_PR_2017, Layout.FOREIGN_PR_2023):
            return CardType.FOREIGN_PERMANENT_RESIDENT
        return CardType.RESIDENT_ID

    def record(self, *, photo_png: bytes | None = None, reader_name: str = "") -> IdentityRecord:
        return IdentityRecord(
            card_type=self.card_type,
            name=self.name,
            sex_code=self.sex_code,
            ethnicity_code=self.ethnicity_code,
            birth_date=self.birth_date,
            address=self.address,
            id_number=self.id_number,
            issuing_authority=self.issuing_authority,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            nationality=self.nationality,
            photo_png=photo_png,
            reader_name=reader_name,
        )


def parse_text(block: bytes) -> CardText:
    """Parses a text block. Raises CorruptDataError naming the bad field."""
    if len(block) != TEXT_SIZE:
        raise _bad("text block", f"{len(block)} bytes instead of {TEXT_SIZE}")
    try:
        s = block.decode("utf-16-le")
    except UnicodeDecodeError:
        raise _bad("text block", "not UCS-2 text") from None
    if len(s) != TEXT_SIZE // 2:  # surrogate pairs would shift every field
        raise _bad("text block", "not UCS-2 text")
    flag = s[FLAG_OFFSET // 2]

    def field(first: int, last: int) -> str:  # byte offsets, inclusive, as in the spec tables
        return s[first // 2 : last // 2 + 1].strip(" \x00")

    if flag in (Layout.RESIDENT_ID, "\x00", Layout.HMT_PERMIT):
        hmt = flag == Layout.HMT_PERMIT
        return CardText(
            layout=Layout.HMT_PERMIT if hmt else Layout.RESIDENT_ID,
            name=_required(field(0, 29), "name"),
            sex_code=_sex(field(30, 31)),
            ethnicity_code=_ethnicity(field(32, 35), optional=hmt),
            birth_date=_date(field(36, 51), "birth date"),
            address=field(52, 121),
            id_number=_required(field(122, 157), "ID number"),
            issuing_authority=field(158, 187),
            valid_from=_date(field(188, 203), "valid from"),
            valid_to=_valid_to(field(204, 219)),
            nationality="CHN",
            pass_number=field(220, 237) if hmt else "",
            issue_count=field(238, 241) if hmt else "",
        )
    if flag == Layout.FOREIGN_PR_2017:
        name_en = field(0, 119)
        name_cn = field(158, 187)
        return CardText(
            layout=flag,
            name=_required(name_cn or name_en, "name"),
            name_en=name_en,
            sex_code=_sex(field(120, 121)),
            ethnicity_code="",
            id_number=_required(field(122, 151), "permanent residence number"),
            nationality=_required(field(152, 157), "nationality"),
            valid_from=_date(field(188, 203), "valid from"),
            valid_to=_valid_to(field(204, 219)),
            birth_date=_date(field(220, 235), "birth date"),
            card_version=field(236, 239),
            issuing_authority=field(240, 247),
            address="",
        )
    if flag == Layout.FOREIGN_PR_2023:
        name_cn = field(0, 29)
        name_en = (s[52 // 2 : 121 // 2 + 1] + s[220 // 2 : 241 // 2 + 1]).strip(" \x00")
        return CardText(
            layout=flag,
            name=_required(name_cn or name_en, "name"),
            name_en=name_en,
            sex_code=_sex(field(30, 31)),
            renewals=field(32, 35),
            ethnicity_code="",
            birth_date=_date(field(36, 51), "birth date"),
            id_number=_required(field(122, 157), "permanent residence number"),
            valid_from=_date(field(188, 203), "valid from"),
            valid_to=_valid_to(field(204, 219)),
            nationality=_required(field(242, 247), "nationality"),
            previous_link=field(250, 255),
            issuing_authority="",
            address="",
        )
    raise _bad("card type flag", f"unknown flag {flag!r}")


def parse_record(block: bytes, *, photo_png: bytes | None = None, reader_name: str = "") -> IdentityRecord:
    return parse_text(block).record(photo_png=photo_png, reader_name=reader_name)


def _bad(field: str, reason: str) -> CorruptDataError:
    return CorruptDataError(detail=f"{field}: {reason}", field=field)


def _required(value: str, field: str) -> str:
    if not value:
        raise _bad(field, "empty")
    return value


def _sex(value: str) -> str:
    if value not in SEX_CODES:
        raise _bad("sex", "not a GB/T 2261.1 code")
    return value


def _ethnicity(value: str, *, optional: bool) -> str:
    if optional and value in ("", "00"):
        return ""
    if value not in ETHNIC_CODES:
        raise _bad("ethnicity", "not a GB 3304 code (01-56, 97, 98)")
    return value


def _date(value: str, field: str) -> date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise _bad(field, "not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _bad(field, "not a calendar date") from None


def _valid_to(value: str) -> date | None:
    if value.startswith(LONG_TERM):
        return None
    return _date(value, "valid to")
