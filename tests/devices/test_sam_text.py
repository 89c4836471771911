"""The four 256-byte text layouts, by the flag at bytes 248-249."""

from __future__ import annotations

from datetime import date

import pytest

from devices.errors import CorruptDataError
from devices.id_reader.sam.simulator import encode_card_text
from devices.id_reader.sam.text import parse_text
from devices.id_reader.types import CardType
from tests.devices.sam_people import HMT, PR_2017, PR_2023, RESIDENT


def with_field(block: bytes, first: int, value: str) -> bytes:
    """`block` with the UCS-2 `value` written from byte `first`."""
    raw = value.encode("utf-16-le")
    return block[:first] + raw + block[first + len(raw) :]


def test_resident_id_card() -> None:
    block = encode_card_text(RESIDENT)
    assert block[248:250] == " ".encode("utf-16-le")
    card = parse_text(block)
    assert card.card_type is CardType.RESIDENT_ID
    assert (card.name, card.sex_code, card.ethnicity_code) == ("测试甲", "1", "01")
    assert card.birth_date == date(1970, 1, 2) and card.valid_from == date(2020, 1, 1)
    assert card.valid_to is None  # 长期
    assert card.address == "北京市东城区某街1号" and card.id_number == "110101197001020011"
    assert card.issuing_authority == "北京市公安局东城分局" and card.nationality == "CHN"


def test_hmt_residence_permit() -> None:
    block = encode_card_text(HMT, pass_number="H87654321", issue_count="03")
    assert block[248:250] == b"J\x00"
    card = parse_text(block)
    assert card.card_type is CardType.HMT_RESIDENCE_PERMIT
    assert card.id_number == "810000199503040028" and card.ethnicity_code == ""
    assert (card.pass_number, card.issue_count) == ("H87654321", "03")
    assert card.valid_to == date(2028, 5, 6)


def test_foreign_pr_2017() -> None:
    block = encode_card_text(PR_2017)
    assert block[248:250] == b"I\x00"
    card = parse_text(block)
    assert card.card_type is CardType.FOREIGN_PERMANENT_RESIDENT
    assert (card.name, card.id_number, card.nationality) == ("约翰", "USA110080070801", "USA")
    assert card.birth_date == date(1980, 7, 8) and card.issuing_authority == "1100"
    assert card.ethnicity_code == "" and card.address == ""


def test_foreign_pr_2023_joins_the_two_english_name_fields() -> None:
    block = encode_card_text(PR_2023)
    assert block[248:250] == b"Y\x00"
    card = parse_text(block)
    assert card.card_type is CardType.FOREIGN_PERMANENT_RESIDENT
    assert card.name == card.name_en == PR_2023.name and len(card.name) == 46
    assert (card.id_number, card.nationality, card.sex_code) == ("934011199012310023", "DEU", "2")
    record = card.record(reader_name="r")
    assert record.name == PR_2023.name and record.reader_name == "r" and record.photo_png is None


@pytest.mark.parametrize(
    ("first", "value", "field"),
    [
        (32, "57", "ethnicity"),  # 57/58 are a known mistake for 97/98
        (32, "  ", "ethnicity"),
        (30, "3", "sex"),
        (36, "19701302", "birth date"),
        (36, "1970010X", "birth date"),
        (188, "        ", "valid from"),
        (204, "短期    ", "valid to"),
        (248, "Q", "card type flag"),
        (0, " " * 15, "name"),
    ],
)
def test_bad_fields_are_named(first: int, value: str, field: str) -> None:
    with pytest.raises(CorruptDataError) as caught:
        parse_text(with_field(encode_card_text(RESIDENT), first, value))
    assert caught.value.params["field"] == field
    assert "110101" not in str(caught.value)  # never the card's contents


@pytest.mark.parametrize("code", ["01", "56", "97", "98"])
def test_ethnic_codes_accepted(code: str) -> None:
    assert parse_text(with_field(encode_card_text(RESIDENT), 32, code)).ethnicity_code == code


def test_wrong_size_and_encoding() -> None:
    with pytest.raises(CorruptDataError):
        parse_text(bytes(255))
    with pytest.raises(CorruptDataError):
        parse_text(b"\x00\xd8" * 128)  # lone surrogates


def test_dated_resident_card() -> None:
    person = RESIDENT.model_copy(update={"valid_to": date(2040, 1, 1)})
    assert parse_text(encode_card_text(person)).valid_to == date(2040, 1, 1)
