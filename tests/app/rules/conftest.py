"""Builders for the rules-engine tables: fake people with valid GB 11643 numbers, the four
identity documents, and the five counter businesses. No real persons.

Region codes used here all exist in resources/data/regions-gbt2260*.csv (checked by
test_engine_documents.py::test_builder_regions_exist).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from app.config import load_config
from app.domain.case import Business, Role
from app.domain.identity import DocumentType, IdentityDocument, Sex, citizen_check_char
from app.policy_data import rules_context
from app.rules.engine import RulesContext
from app.rules.model import (
    Applicant,
    Application,
    ApplicationStatus,
    CentralMaritalStatus,
    CertificateKind,
    DivorceApplicationFacts,
    Office,
    OfficeKind,
    ReissueFacts,
    ResidencePermit,
    Verdict,
)
from app.rules.results import RuleResult

# --- places (GB/T 2260 county codes) -------------------------------------------------------

BEIJING_DONGCHENG = "110101"
BEIJING_CHAOYANG = "110105"
GUANGZHOU_YUEXIU = "440104"
GUANGZHOU_HAIZHU = "440105"
SHAOGUAN_WUJIANG = "440203"  # 广东, another city
SHENYANG_HEPING = "210102"
NANJING_XUANWU = "320102"
ZHENGZHOU_ZHONGYUAN = "410102"
WUHAN_JIANGAN = "420102"
WUHAN_JIANGHAN = "420103"
HUANGSHI_HUANGSHIGANG = "420202"  # 湖北, outside 武汉
XIAN_XINCHENG = "610102"
XIAN_BEILIN = "610103"
TONGCHUAN_WANGYI = "610202"  # 陕西, outside 西安
HANGZHOU_SHANGCHENG = "330102"
HANGZHOU_XIHU = "330106"
NINGBO_HAISHU = "330203"
CHONGQING_WANZHOU = "500101"
CHONGQING_CHENGKOU = "500229"  # a county of 重庆 (5002xx), same municipality
CHANGSHA_FURONG = "430102"  # 湖南: never a pilot
CHANGSHA_TIANXIN = "430103"
KUNMING_WUHUA = "530102"  # 云南: never a pilot
LANZHOU_CHENGGUAN = "620102"  # 甘肃: never a pilot
CHONGWEN_RETIRED = "110103"  # 北京崇文区, retired 2010: numbers keep it for life

OFFICE = BEIJING_DONGCHENG

# --- days ------------------------------------------------------------------------------------

PRE_2021 = date(2019, 6, 3)
PILOT_2021 = date(2022, 3, 15)
PILOT_2023 = date(2024, 3, 12)
NATIONWIDE = date(2025, 9, 16)
TODAY = NATIONWIDE

ERAS = {
    "pre-2021": PRE_2021,
    "2021-cross-province-pilot": PILOT_2021,
    "2023-cross-province-pilot": PILOT_2023,
    "2025-nationwide": NATIONWIDE,
}


# --- the context ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def context() -> RulesContext:
    """The shipped policy and holiday data with the default settings (no config files)."""
    return rules_context(load_config(environ={}, read_system_files=False))


def with_settings(context: RulesContext, **changes: Any) -> RulesContext:
    return dataclasses.replace(context, settings=dataclasses.replace(context.settings, **changes))


# --- identity documents -----------------------------------------------------------------------


def citizen_number(region: str, birth: date, sequence: int) -> str:
    """A valid GB 11643 number; the sequence's parity is the sex (odd = male)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + citizen_check_char(first17)


def id_card(
    sex: Sex = Sex.MALE,
    birth: date = date(1990, 5, 17),
    region: str = BEIJING_DONGCHENG,
    *,
    name: str | None = None,
    valid_from: date = date(2015, 1, 1),
    valid_to: date | None = date(2035, 1, 1),
    sequence: int | None = None,
    doc_type: DocumentType = DocumentType.RESIDENT_ID,
    number: str | None = None,
) -> IdentityDocument:
    seq = sequence if sequence is not None else (123 if sex is Sex.MALE else 124)
    return IdentityDocument(
        doc_type=doc_type,
        number=number or citizen_number(region, birth, seq),
        name=name or ("测试男" if sex is Sex.MALE else "测试女"),
        sex=sex,
        birth_date=birth,
        ethnicity_code="01",
        address="测试省测试市测试路1号",
        issuing_authority="测试市公安局",
        valid_from=valid_from,
        valid_to=valid_to,
        nationality="CHN",
    )


def hmt_permit(region: str = "810000", sex: Sex = Sex.FEMALE, **kwargs: Any) -> IdentityDocument:
    """港澳台居民居住证: GB 11643 number with address code 810000/820000/830000."""
    return id_card(sex, region=region, doc_type=DocumentType.HMT_RESIDENCE_PERMIT, **kwargs)


def foreign_document(
    doc_type: DocumentType,
    number: str,
    *,
    nationality: str = "DEU",
    sex: Sex = Sex.FEMALE,
    birth: date = date(1991, 8, 3),
    valid_from: date = date(2020, 1, 1),
    valid_to: date | None = date(2030, 1, 1),
) -> IdentityDocument:
    return IdentityDocument(
        doc_type=doc_type,
        number=number,
        name="Testperson",
        sex=sex,
        birth_date=birth,
        ethnicity_code="",
        address="",
        issuing_authority="",
        valid_from=valid_from,
        valid_to=valid_to,
        nationality=nationality,
    )


def pr_card_2023(body16: str = "1562019908031234", **kwargs: Any) -> IdentityDocument:
    """2023 外国人永久居留身份证: "9" + 16 digits + MOD 11-2 check character."""
    first17 = "9" + body16
    return foreign_document(DocumentType.FOREIGN_PERMANENT_RESIDENT, first17 + citizen_check_char(first17), **kwargs)


def passport(number: str = "C01X23456", nationality: str = "DEU", **kwargs: Any) -> IdentityDocument:
    return foreign_document(DocumentType.PASSPORT, number, nationality=nationality, **kwargs)


# --- parties ----------------------------------------------------------------------------------


def party(
    doc: IdentityDocument,
    *,
    hukou: str | None = OFFICE,
    permit: ResidencePermit | None = None,
    status: CentralMaritalStatus | None = CentralMaritalStatus.UNMARRIED,
    certificate: str = "",
    in_mainland: bool | None = None,
    role: Role | None = None,
) -> Applicant:
    return Applicant(
        document=doc,
        role=role,
        hukou_region=hukou,
        residence_permit=permit,
        marital_status=status,
        active_marriage_certificate=certificate,
        marriage_registered_in_mainland=in_mainland,
    )


def groom(birth: date = date(1990, 5, 17), region: str = BEIJING_DONGCHENG, **kwargs: Any) -> Applicant:
    return party(id_card(Sex.MALE, birth, region), **kwargs)


def bride(birth: date = date(1992, 11, 3), region: str = BEIJING_DONGCHENG, **kwargs: Any) -> Applicant:
    return party(id_card(Sex.FEMALE, birth, region), **kwargs)


def permit(region: str, valid_to: date | None = None) -> ResidencePermit:
    return ResidencePermit(region, valid_to)


def spouses(**kwargs: Any) -> tuple[Applicant, Applicant]:
    """A married couple, as the national database shows them."""
    kwargs.setdefault("status", CentralMaritalStatus.MARRIED)
    return groom(**kwargs), bride(**kwargs)


# --- applications -----------------------------------------------------------------------------


def marriage(
    on: date, *parties: Applicant, office: str = OFFICE, kind: OfficeKind = OfficeKind.MAINLAND
) -> Application:
    return Application(Business.MARRIAGE, on, Office(office, kind), parties or (groom(), bride()))


def divorce_application(
    on: date, *parties: Applicant, office: str = OFFICE, kind: OfficeKind = OfficeKind.MAINLAND
) -> Application:
    return Application(Business.DIVORCE_APPLICATION, on, Office(office, kind), parties or spouses())


def divorce_step(
    business: Business,
    on: date,
    accepted_on: date,
    *parties: Applicant,
    office: str = OFFICE,
    accepted_at: str = OFFICE,
    status: ApplicationStatus = ApplicationStatus.PENDING,
) -> Application:
    """A withdrawal or a registration belonging to an application accepted on `accepted_on`."""
    if not parties:
        parties = spouses()[:1] if business is Business.DIVORCE_WITHDRAWAL else spouses()
    facts = DivorceApplicationFacts(accepted_on, accepted_at, status)
    return Application(business, on, Office(office), parties, divorce_application=facts)


def reissue(
    on: date,
    *parties: Applicant,
    office: str = OFFICE,
    certificate: CertificateKind = CertificateKind.MARRIAGE,
    original_office: str | None = None,
    kind: OfficeKind = OfficeKind.MAINLAND,
) -> Application:
    return Application(
        Business.REISSUE,
        on,
        Office(office, kind),
        parties or spouses(),
        reissue=ReissueFacts(certificate, original_office),
    )


# --- reading verdicts -------------------------------------------------------------------------


def failed_results(verdict: Verdict) -> list[RuleResult]:
    return [r for r in verdict.results if not r.passed]


def only_result(verdict: Verdict, rule_id: str) -> RuleResult:
    """The one result of `rule_id` (fails the test if there are several or none)."""
    (found,) = [r for r in verdict.results if r.rule_id == rule_id]
    return found


def failed_parties(verdict: Verdict, rule_id: str) -> list[Role | None]:
    return [r.party for r in failed_results(verdict) if r.rule_id == rule_id]


def messages(verdict: Verdict) -> str:
    return "\n".join(r.message for r in failed_results(verdict))


def summary(verdict: Verdict) -> tuple[str, str, tuple[str, ...]]:
    """(decision, policy, failed rule ids): the three things every table row states."""
    return verdict.decision.value, verdict.policy, verdict.failed
