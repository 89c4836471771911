"""Identity documents and the GB 11643-1999 citizen identity number.

Pure: the region-code table and "today" are passed in, never read here.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date

# ISO 7064 MOD 11-2 weights W_i = 2^(18-i) mod 11, i = 1..17 (GB 11643-1999 §7).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_CITIZEN_NUMBER = re.compile(r"^\d{17}[\dX]$")


class DocumentType(enum.StrEnum):
    RESIDENT_ID = "resident_id"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"
    PASSPORT = "passport"


class Sex(enum.StrEnum):
    MALE = "1"
    FEMALE = "2"

    @property
    def label_zh(self) -> str:
        return "男" if self is Sex.MALE else "女"


# GB 3304-1991 codes as stored on the card: 01-56, then 97 其他 and 98 外国血统中国籍人士
# (domain.md §5.3; some public code wrongly uses 57/58).
_ETHNIC_NAMES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 其他 外国血统中国籍人士"
).split()
ETHNIC_GROUPS: dict[str, str] = dict(
    zip([f"{n:02d}" for n in range(1, 57)] + ["97", "98"], _ETHNIC_NAMES, strict=True)
)


def normalise_citizen_number(raw: str) -> str:
    """Upper-cases the check character and strips spaces; the number is lifelong."""
    return raw.strip().replace(" ", "").upper()


def citizen_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True, slots=True)
class CitizenNumberFacts:
    region_code: str
    birth_date: date
    sex: Sex


def parse_citizen_number(number: str, region_codes: Container[str] | None = None) -> CitizenNumberFacts:
    """Checks an 18-character GB 11643 number and returns what it encodes.

    Raises ValueError with a message naming the exact defect (the caller wraps it in
    InvalidIdentityError for the registrar).
    """
    if not _CITIZEN_NUMBER.match(number):
        raise ValueError(f"号码应为 17 位数字加 1 位校验码（数字或 X），实为 {len(number)} 位或含非法字符")
    expected = citizen_check_char(number[:17])
    if number[17] != expected:
        raise ValueError("号码校验码不正确（GB 11643 MOD 11-2），请核对证件")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("号码中的出生日期不是有效日期") from None
    region = number[:6]
    if region_codes is not None and region not in region_codes:
        raise ValueError(f"号码中的地址码 {region} 不在 GB/T 2260 行政区划代码表中")
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return CitizenNumberFacts(region, birth, sex)


def mask_number(number: str) -> str:
    """Masks an identity number for logs: 1101**********123X (architecture §8)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    """A party's identity document as read from the chip (never typed)."""

    doc_type: DocumentType
    number: str
    name: str
    sex: Sex
    birth_date: date
    ethnicity_code: str
    address: str
    issuing_authority: str
    valid_from: date
    valid_to: date | None  # None = 长期
    nationality: str = "CHN"

    @property
    def person_key(self) -> str:
        """Normalised once: document type, issuing country and upper-cased number."""
        return f"{self.doc_type.value}:{self.nationality}:{normalise_citizen_number(self.number)}"

    @property
    def masked_number(self) -> str:
        return mask_number(self.number)

    @property
    def ethnicity_zh(self) -> str:
        return ETHNIC_GROUPS.get(self.ethnicity_code, "")

    @property
    def validity_zh(self) -> str:
        end = "长期" if self.valid_to is None else self.valid_to.strftime("%Y.%m.%d")
        return f"{self.valid_from:%Y.%m.%d}-{end}"
