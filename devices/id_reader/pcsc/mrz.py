"""ICAO 9303 machine-readable zones: check digits, TD1/TD2/TD3 parsing, BAC key seed.

The MRZ comes from the document camera's OCR or is typed by the registrar; the chip's
own copy (DG1) is parsed with the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from devices.id_reader.pcsc.errors import InvalidMrzError

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"^[A-Z0-9<]+$")
_LINE_SHAPES = {(2, 44): "TD3", (3, 30): "TD1", (2, 36): "TD2"}


def _char_value(char: str) -> int:
    if char.isdigit():
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise InvalidMrzError(detail=f"character {char!r} is not allowed in an MRZ")


def check_digit(field: str) -> str:
    """The ICAO 9303-3 check digit of `field` (weights 7, 3, 1; '<' counts 0)."""
    return str(sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def _verify(name: str, field: str, digit: str) -> None:
    # '<' stands for 0 only where the field is entirely filler (optional data)
    expected = check_digit(field)
    if digit != expected and not (digit == "<" and set(field) <= {"<"}):
        raise InvalidMrzError(detail=f"the check digit of the {name} is {digit!r}, expected {expected}")


@dataclass(frozen=True, slots=True)
class MrzKey:
    """What BAC needs: document number, birth and expiry dates (YYMMDD), each with its check digit."""

    document_number: str  # without filler, may be longer than 9 characters (TD1/TD2)
    birth_date: str
    expiry_date: str

    @property
    def seed(self) -> str:
        """The MRZ information of ICAO 9303-11 §9.7.2 ("L898902C<369080619406236")."""
        number = self.document_number.ljust(9, "<")
        return (
            number
            + check_digit(number)
            + self.birth_date
            + check_digit(self.birth_date)
            + self.expiry_date
            + check_digit(self.expiry_date)
        )


@dataclass(frozen=True, slots=True)
class Mrz:
    format: str  # "TD1", "TD2", "TD3"
    document_code: str  # "P", "PO", "I", "ID", ...
    issuing_state: str
    primary_identifier: str
    secondary_identifier: str
    document_number: str
    nationality: str
    birth_date_yymmdd: str
    sex: str  # "M", "F", "<" or "X"
    expiry_date_yymmdd: str
    optional_data: str
    lines: tuple[str, ...]

    @property
    def key(self) -> MrzKey:
        return MrzKey(self.document_number, self.birth_date_yymmdd, self.expiry_date_yymmdd)

    @property
    def name(self) -> str:
        """"PRIMARY, SECONDARY" as printed in the visual zone; fillers become spaces."""
        return ", ".join(part for part in (self.primary_identifier, self.secondary_identifier) if part)

    def birth_date(self, today: date | None = None) -> date:
        """The century is chosen so that the birth date is not in the future."""
        today = today or date.today()
        return _yymmdd(self.birth_date_yymmdd, "date of birth", pivot=today.year % 100, today=today)

    def expiry_date(self) -> date:
        return _yymmdd(self.expiry_date_yymmdd, "date of expiry", pivot=None, today=None)


def _yymmdd(text: str, name: str, *, pivot: int | None, today: date | None) -> date:
    # ICAO 9303-3 §4.9: an unknown day or month of birth is written "<<"; the record
    # needs a date, so the first of the month (or of the year) stands in for it.
    if pivot is not None and text[:2].isdigit():
        month = "01" if text[2:4] == "<<" else text[2:4]
        text = text[:2] + month + ("01" if text[4:6] == "<<" else text[4:6])
    # Error details name the field, never its value: they reach the log (personal data).
    if not text.isdigit():
        raise InvalidMrzError(detail=f"the {name} is not a date")
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    limit = 69 if pivot is None else pivot  # expiry: 00-69 is 20xx
    year = 2000 + yy if yy <= limit else 1900 + yy
    try:
        result = date(year, mm, dd)
    except ValueError:
        raise InvalidMrzError(detail=f"the {name} is not a date") from None
    if today is not None and result > today:
        result = result.replace(year=result.year - 100)
    return result


def normalize_lines(text: str) -> tuple[str, ...]:
    """Splits OCR or typed MRZ text into its lines; also accepts the lines run together."""
    cleaned = text.upper().replace("«", "<").replace("\r", "\n")
    lines = tuple(line.replace(" ", "") for line in cleaned.split("\n") if line.strip())
    if len(lines) == 1:
        joined = lines[0]
        for (count, width), _ in _LINE_SHAPES.items():
            if len(joined) == count * width:
                return tuple(joined[i * width : (i + 1) * width] for i in range(count))
    return lines


def parse_mrz(text: str) -> Mrz:
    """Parses a TD1 (3x30), TD2 (2x36) or TD3 (2x44) MRZ and verifies its check digits.

    Raises InvalidMrzError naming what is wrong.
    """
    lines = normalize_lines(text)
    shape = (len(lines), len(lines[0]) if lines else 0)
    fmt = _LINE_SHAPES.get(shape)
    if fmt is None or any(len(line) != shape[1] for line in lines):
        widths = "+".join(str(len(line)) for line in lines) or "0"
        raise InvalidMrzError(detail=f"expected 2x44, 2x36 or 3x30 characters, got {widths}")
    for number, line in enumerate(lines, start=1):
        if not _ALLOWED.match(line):
            raise InvalidMrzError(detail=f"line {number} has characters other than A-Z, 0-9 and '<'")
    if fmt == "TD1":
        return _parse_td1(lines)
    return _parse_td2_td3(lines, fmt)


def _names(field: str) -> tuple[str, str]:
    primary, _, secondary = field.partition("<<")
    return primary.replace("<", " ").strip(), secondary.replace("<", " ").strip()


def _long_number(number: str, digit: str, optional: str) -> tuple[str, str, str]:
    """TD1/TD2 numbers longer than 9: '<' as check digit, the rest at the start of the
    optional data, ended by the check digit (ICAO 9303-5 note j)."""
    if digit != "<" or set(number) <= {"<"}:
        return number.rstrip("<"), digit, optional
    rest = optional.split("<", 1)[0]
    if len(rest) < 2:
        raise InvalidMrzError(detail="the document number continues in the optional data but is cut short")
    full = number + rest[:-1]
    return full, rest[-1], optional[len(rest) :]


def _parse_td2_td3(lines: tuple[str, ...], fmt: str) -> Mrz:
    first, second = lines
    primary, secondary = _names(first[5:])
    number, number_cd = second[0:9], second[9]
    birth, birth_cd, sex = second[13:19], second[19], second[20]
    expiry, expiry_cd = second[21:27], second[27]
    if fmt == "TD3":
        optional, optional_cd, composite_cd = second[28:42], second[42], second[43]
        full_number = number.rstrip("<")
        _verify("document number", number, number_cd)
        _verify("optional data", optional, optional_cd)
        composite = second[0:10] + second[13:20] + second[21:43]
    else:
        optional_raw, composite_cd = second[28:35], second[35]
        full_number, number_cd, optional = _long_number(number, number_cd, optional_raw)
        _verify("document number", full_number if len(full_number) > 9 else number, number_cd)
        composite = second[0:10] + second[13:20] + second[21:35]
    _verify("date of birth", birth, birth_cd)
    _verify("date of expiry", expiry, expiry_cd)
    _verify("whole zone (composite)", composite, composite_cd)
    return Mrz(
        format=fmt,
        document_code=first[0:2].rstrip("<"),
        issuing_state=first[2:5].rstrip("<"),
        primary_identifier=primary,
        secondary_identifier=secondary,
        document_number=full_number,
        nationality=second[10:13].rstrip("<"),
        birth_date_yymmdd=birth,
        sex=sex,
        expiry_date_yymmdd=expiry,
        optional_data=optional.rstrip("<"),
        lines=lines,
    )


def _parse_td1(lines: tuple[str, ...]) -> Mrz:
    first, second, third = lines
    number, number_cd, optional_raw = first[5:14], first[14], first[15:30]
    full_number, number_cd, optional = _long_number(number, number_cd, optional_raw)
    _verify("document number", full_number if len(full_number) > 9 else number, number_cd)
    birth, birth_cd, sex = second[0:6], second[6], second[7]
    expiry, expiry_cd = second[8:14], second[14]
    _verify("date of birth", birth, birth_cd)
    _verify("date of expiry", expiry, expiry_cd)
    composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
    _verify("whole zone (composite)", composite, second[29])
    primary, secondary = _names(third)
    return Mrz(
        format="TD1",
        document_code=first[0:2].rstrip("<"),
        issuing_state=first[2:5].rstrip("<"),
        primary_identifier=primary,
        secondary_identifier=secondary,
        document_number=full_number,
        nationality=second[15:18].rstrip("<"),
        birth_date_yymmdd=birth,
        sex=sex,
        expiry_date_yymmdd=expiry,
        optional_data=(optional + second[18:29]).rstrip("<"),
        lines=lines,
    )


def mrz_key(text: str) -> MrzKey:
    """The BAC key from a full MRZ, or from the 24+ character MRZ information itself
    (document number + check digit + birth date + check digit + expiry + check digit)."""
    compact = text.strip().upper().replace(" ", "")
    if "\n" not in compact and 24 <= len(compact) < 30 and _ALLOWED.match(compact):
        number, rest = compact[:-14], compact[-14:]
        key = MrzKey(number[:-1].rstrip("<"), rest[0:6], rest[7:13])
        _verify("document number", number[:-1], number[-1])
        _verify("date of birth", rest[0:6], rest[6])
        _verify("date of expiry", rest[7:13], rest[13])
        return key
    return parse_mrz(text).key
