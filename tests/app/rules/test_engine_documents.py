"""C-ID-1: the four identity documents (domain.md §5.1, §5.5, §7), through `decide`, and the
GB 11643 check character as a property."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.case import Business, Role
from app.domain.identity import DocumentType, IdentityDocument, Sex, citizen_check_char, parse_citizen_number
from app.resources import region_codes
from app.rules.engine import RulesContext, decide
from app.rules.identity import check_identity
from app.rules.model import Applicant, Application, CentralMaritalStatus, OfficeKind
from tests.app.rules import conftest
from tests.app.rules.conftest import (
    CHONGWEN_RETIRED,
    TODAY,
    citizen_number,
    divorce_application,
    divorce_step,
    foreign_document,
    groom,
    hmt_permit,
    id_card,
    marriage,
    messages,
    party,
    passport,
    pr_card_2023,
    reissue,
    summary,
)

NAT = "2025-nationwide"
YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
PR = DocumentType.FOREIGN_PERMANENT_RESIDENT
BRIDE_BIRTH = date(1992, 11, 3)


def test_builder_regions_exist() -> None:
    codes = region_codes()
    constants = {k: v for k, v in vars(conftest).items() if k.isupper() and isinstance(v, str) and v.isdigit()}
    assert constants and all(code in codes for code in constants.values()), constants


def _bride_card(**kwargs: Any) -> IdentityDocument:
    return id_card(Sex.FEMALE, BRIDE_BIRTH, **kwargs)


VALID_NUMBER = citizen_number("110101", BRIDE_BIRTH, 124)
BAD_CHECK = VALID_NUMBER[:17] + ("0" if VALID_NUMBER[17] != "0" else "1")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        # resident ID card (GB 11643)
        pytest.param(_bride_card(), "", id="resident_id-valid"),
        pytest.param(_bride_card(valid_to=None), "", id="resident_id-long-term"),
        pytest.param(_bride_card(valid_to=TODAY), "", id="resident_id-valid-through-today"),
        pytest.param(_bride_card(valid_to=YESTERDAY), "过期", id="resident_id-expired-yesterday"),
        pytest.param(_bride_card(valid_from=TOMORROW), "尚未生效", id="resident_id-not-yet-valid"),
        pytest.param(_bride_card(number=BAD_CHECK), "校验码", id="resident_id-bad-check-character"),
        pytest.param(_bride_card(region="990101"), "不在 GB/T 2260", id="resident_id-unknown-region"),
        pytest.param(_bride_card(region=CHONGWEN_RETIRED), "", id="resident_id-retired-region-kept-for-life"),
        pytest.param(_bride_card(sequence=123), "性别", id="resident_id-number-says-male"),
        pytest.param(
            _bride_card(number=citizen_number("110101", date(1992, 11, 4), 124)),
            "出生日期",
            id="resident_id-number-other-birth-date",
        ),
        pytest.param(_bride_card(region="810000"), "港澳台居民居住证", id="resident_id-with-hong-kong-code"),
        # HK / Macau / Taiwan residents' residence permit
        pytest.param(hmt_permit("810000", birth=BRIDE_BIRTH), "", id="hmt-hong-kong"),
        pytest.param(hmt_permit("820000", birth=BRIDE_BIRTH), "", id="hmt-macau"),
        pytest.param(hmt_permit("830000", birth=BRIDE_BIRTH), "", id="hmt-taiwan"),
        pytest.param(hmt_permit("110101", birth=BRIDE_BIRTH), "810000", id="hmt-with-mainland-code"),
        pytest.param(hmt_permit("810000", birth=BRIDE_BIRTH, valid_to=YESTERDAY), "过期", id="hmt-expired"),
        # foreigner's permanent residence card, 2017 and 2023 forms
        pytest.param(foreign_document(PR, "USA199108030012"), "", id="pr-2017-valid"),
        pytest.param(foreign_document(PR, "usa199108030012"), "3 位字母", id="pr-2017-lower-case"),
        pytest.param(foreign_document(PR, "US1991080300123"), "3 位字母", id="pr-2017-two-letters"),
        pytest.param(pr_card_2023(), "", id="pr-2023-valid"),
        pytest.param(foreign_document(PR, pr_card_2023().number[:17] + "Y"), "以 9 开头", id="pr-2023-bad-character"),
        pytest.param(foreign_document(PR, "8" + pr_card_2023().number[1:]), "以 9 开头", id="pr-2023-not-9"),
        pytest.param(pr_card_2023(valid_to=YESTERDAY), "过期", id="pr-2023-expired"),
        # passport
        pytest.param(passport("C01X23456", "DEU"), "", id="passport-german"),
        pytest.param(passport("C01X23456", ""), "签发国", id="passport-without-issuing-country"),
        pytest.param(passport("c01x23456", "DEU"), "大写字母或数字", id="passport-lower-case-number"),
        pytest.param(passport("E123", "DEU"), "5 至 20 位", id="passport-number-too-short"),
        pytest.param(passport("E12345678", "DEU", valid_to=YESTERDAY), "过期", id="passport-expired"),
        pytest.param(passport("E12345678", "CHN"), "", id="passport-chinese-overseas-chinese"),
    ],
)
def test_identity_document_of_the_bride(context: RulesContext, document: IdentityDocument, reason: str) -> None:
    foreign = document.doc_type is not DocumentType.RESIDENT_ID
    kind = OfficeKind.FOREIGN_HMT if foreign else OfficeKind.MAINLAND
    bride = party(document, hukou=None if foreign else conftest.OFFICE)
    verdict = decide(marriage(TODAY, groom(), bride, kind=kind), context)
    if not reason:
        assert summary(verdict) == ("accept", NAT, ())
        return
    assert summary(verdict) == ("refuse", NAT, ("C-ID-1",))
    (result,) = [r for r in verdict.results if not r.passed]
    assert result.party is Role.B
    assert reason in result.message


@pytest.mark.parametrize(
    ("document", "required"),
    [
        pytest.param(_bride_card(), (), id="resident_id"),
        pytest.param(
            hmt_permit(birth=BRIDE_BIRTH),
            ("hmt_residence_permit", "notarized_no_spouse_declaration"),
            id="hmt_residence_permit",
        ),
        pytest.param(pr_card_2023(), ("foreign_pr_card", "no_spouse_certificate"), id="foreign_pr_card"),
        pytest.param(passport(), ("passport", "no_spouse_certificate"), id="passport"),
    ],
)
def test_documents_the_bride_brings(
    context: RulesContext, document: IdentityDocument, required: tuple[str, ...]
) -> None:
    """Reg. 2025 Art. 8: identity document, plus proof of no spouse for non-mainland parties."""
    kind = OfficeKind.MAINLAND if document.doc_type is DocumentType.RESIDENT_ID else OfficeKind.FOREIGN_HMT
    verdict = decide(marriage(TODAY, groom(), party(document, hukou=None), kind=kind), context)
    assert verdict.documents_required == ("resident_id", *required)


def test_both_cards_invalid_names_both_parties(context: RulesContext) -> None:
    a = replace(groom(), document=id_card(valid_to=YESTERDAY))
    b = party(_bride_card(number=BAD_CHECK))
    verdict = decide(marriage(TODAY, a, b), context)
    assert summary(verdict) == ("refuse", NAT, ("C-ID-1",))
    assert [r.party for r in verdict.results if not r.passed] == [Role.A, Role.B]


def test_same_card_read_twice(context: RulesContext) -> None:
    a = groom()
    verdict = decide(marriage(TODAY, a, a), context)
    assert verdict.decision.value == "refuse"
    assert "C-M-PARTIES" in verdict.failed
    assert "同一张证件" in messages(verdict)


def _with(business: Business, card: Applicant) -> Application:
    other = party(_bride_card(), status=CentralMaritalStatus.MARRIED)
    match business:
        case Business.MARRIAGE:
            return marriage(TODAY, card, replace(other, marital_status=CentralMaritalStatus.UNMARRIED))
        case Business.DIVORCE_APPLICATION:
            return divorce_application(TODAY, card, other)
        case Business.DIVORCE_WITHDRAWAL:
            return divorce_step(business, TODAY, TODAY - timedelta(days=5), card)
        case Business.DIVORCE_REGISTRATION:
            return divorce_step(business, TODAY, TODAY - timedelta(days=40), card, other)
        case Business.REISSUE:
            return reissue(TODAY, card, other)


@pytest.mark.parametrize("business", list(Business))
def test_an_expired_card_stops_every_business(context: RulesContext, business: Business) -> None:
    status = CentralMaritalStatus.UNMARRIED if business is Business.MARRIAGE else CentralMaritalStatus.MARRIED
    expired = party(id_card(valid_to=YESTERDAY), status=status)
    verdict = decide(_with(business, expired), context)
    assert verdict.failed == ("C-ID-1",)
    assert verdict.decision.value == "refuse"
    assert "C-ID-1" in verdict.failed
    assert any(r.rule_id == "C-ID-1" and r.party is Role.A and "过期" in r.message for r in verdict.results)


# --- GB 11643 check character: properties --------------------------------------------------------

COUNTIES = sorted(c for c in region_codes() if not c.endswith("00"))
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(region=st.sampled_from(COUNTIES), birth=births, sequence=sequences)
def test_a_computed_number_always_passes(region: str, birth: date, sequence: int) -> None:
    number = citizen_number(region, birth, sequence)
    facts = parse_citizen_number(number, region_codes())
    assert (facts.region_code, facts.birth_date) == (region, birth)
    assert facts.sex is (Sex.MALE if sequence % 2 else Sex.FEMALE)
    doc = id_card(facts.sex, birth, region, sequence=sequence, valid_from=date(1900, 1, 1), valid_to=None)
    assert check_identity(doc, Role.A, date(2026, 1, 1), region_codes()).passed


@given(
    region=st.sampled_from(COUNTIES),
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=17),
    data=st.data(),
)
def test_any_single_character_change_fails_the_check(
    region: str, birth: date, sequence: int, position: int, data: st.DataObject
) -> None:
    number = citizen_number(region, birth, sequence)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(ValueError, match="校验码"):
        parse_citizen_number(changed, region_codes())
    doc = id_card(number=changed, valid_from=date(1900, 1, 1), valid_to=None)
    result = check_identity(doc, Role.A, date(2026, 1, 1), region_codes())
    assert not result.passed and "校验码" in result.message


@given(body=st.text(alphabet="0123456789", min_size=16, max_size=16), position=st.integers(1, 17), data=st.data())
def test_pr_card_2023_check_character(body: str, position: int, data: st.DataObject) -> None:
    """§5.5: the 2023 card's last character is MOD 11-2 like the citizen number."""
    number = pr_card_2023(body).number
    assert check_identity(pr_card_2023(body), Role.B, TODAY).passed
    alphabet = "0123456789X" if position == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + new + number[position + 1 :]
    assert citizen_check_char(changed[:17]) != changed[17]
    assert not check_identity(foreign_document(PR, changed), Role.B, TODAY).passed
