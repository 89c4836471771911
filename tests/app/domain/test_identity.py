from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.identity import citizen_check_char, mask_number, parse_citizen_number
from app.resources import region_codes


@pytest.mark.parametrize("number", ["11010519491231002X", "34052419800101001X", "440524188001010014"])
def test_published_test_vectors_pass(number: str) -> None:
    # domain.md §5.1 test vectors
    assert citizen_check_char(number[:17]) == number[17]
    parse_citizen_number(number)


def test_wrong_check_digit_is_named() -> None:
    with pytest.raises(ValueError, match="校验码"):
        parse_citizen_number("110105194912310021")


def test_impossible_birth_date() -> None:
    first17 = "11010519990231001"
    with pytest.raises(ValueError, match="出生日期"):
        parse_citizen_number(first17 + citizen_check_char(first17))


def test_unknown_region_code_rejected_but_retired_code_accepted() -> None:
    codes = region_codes()
    unknown = "99010119900101001"
    with pytest.raises(ValueError, match="地址码"):
        parse_citizen_number(unknown + citizen_check_char(unknown), codes)
    retired = "11010319900101001"  # 崇文区, merged into 东城区 in 2010: the number stays valid
    facts = parse_citizen_number(retired + citizen_check_char(retired), codes)
    assert facts.region_code == "110103"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)), st.integers(0, 999))
def test_any_single_digit_change_is_detected(birth: date, sequence: int) -> None:
    first17 = f"110101{birth:%Y%m%d}{sequence:03d}"
    number = first17 + citizen_check_char(first17)
    facts = parse_citizen_number(number)
    assert facts.birth_date == birth
    assert (facts.sex.value == "1") == (sequence % 2 == 1)
    for position in range(17):
        changed = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
        with pytest.raises(ValueError):
            parse_citizen_number(changed)


def test_mask_keeps_only_ends() -> None:
    assert mask_number("11010519491231002X") == "1101**********002X"
