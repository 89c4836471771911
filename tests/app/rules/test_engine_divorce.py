"""Divorce by registration through `decide` (domain.md §1.2, §1.3, §0.1 items 7-8, §7):
the two 30-day periods across weekends, make-up working days and long holidays; withdrawal
and registration before, on and after each boundary and at the wrong office; C-D-CERT."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.case import Business, Role
from app.rules.engine import RulesContext, decide
from app.rules.model import ApplicationStatus, CentralMaritalStatus, DivorceDates
from tests.app.rules.conftest import (
    BEIJING_CHAOYANG,
    OFFICE,
    divorce_application,
    divorce_step,
    groom,
    messages,
    only_result,
    party,
    passport,
    spouses,
    summary,
    with_settings,
)

WITHDRAWAL, REGISTRATION = Business.DIVORCE_WITHDRAWAL, Business.DIVORCE_REGISTRATION
ONE_DAY = timedelta(days=1)


def _dates(cool_end: date, window_end: date) -> DivorceDates:
    return DivorceDates(cool_end, cool_end + ONE_DAY, window_end)


# T0 → (cooling-off end, issue window end), computed by hand from the State Council notices.
TIMETABLES = [
    pytest.param(
        date(2025, 6, 3),
        True,
        _dates(date(2025, 7, 3), date(2025, 8, 4)),
        id="domain-example-window-end-sat-2025-08-02-rolls-to-monday",
    ),
    pytest.param(
        date(2025, 6, 3), False, _dates(date(2025, 7, 3), date(2025, 8, 2)), id="domain-example-weekends-worked"
    ),
    pytest.param(
        date(2025, 6, 5),
        True,
        _dates(date(2025, 7, 7), date(2025, 8, 6)),
        id="cooling-off-day-30-sat-2025-07-05-rolls-to-monday",
    ),
    pytest.param(
        date(2025, 6, 5), False, _dates(date(2025, 7, 5), date(2025, 8, 4)), id="cooling-off-day-30-sat-weekends-worked"
    ),
    pytest.param(
        date(2024, 9, 1),
        True,
        _dates(date(2024, 10, 8), date(2024, 11, 7)),
        id="national-day-2024-day-30-on-10-01-rolls-past-the-week",
    ),
    pytest.param(
        date(2024, 9, 1),
        False,
        _dates(date(2024, 10, 8), date(2024, 11, 7)),
        id="national-day-2024-holidays-move-it-whatever-the-weekend-setting",
    ),
    pytest.param(
        date(2025, 9, 1),
        True,
        _dates(date(2025, 10, 9), date(2025, 11, 10)),
        id="national-day-2025-eight-days-then-window-end-on-saturday",
    ),
    pytest.param(
        date(2024, 9, 12),
        True,
        _dates(date(2024, 10, 12), date(2024, 11, 11)),
        id="day-30-is-a-make-up-working-saturday",
    ),
    pytest.param(
        date(2024, 1, 12),
        True,
        _dates(date(2024, 2, 18), date(2024, 3, 19)),
        id="spring-festival-2024-ends-on-a-make-up-working-sunday",
    ),
]


@pytest.mark.parametrize(("accepted_on", "weekends", "expected"), TIMETABLES)
def test_divorce_timetable(context: RulesContext, accepted_on: date, weekends: bool, expected: DivorceDates) -> None:
    """§1.3: day 1 is T0 + 1; a last day on a rest day moves to the next working day."""
    ctx = with_settings(context, weekends_are_rest_days=weekends)
    verdict = decide(divorce_application(accepted_on), ctx)
    assert verdict.dates == expected
    for business, on in ((WITHDRAWAL, accepted_on), (REGISTRATION, expected.issue_window_start)):
        assert decide(divorce_step(business, on, accepted_on), ctx).dates == expected


T0 = date(2024, 9, 1)  # cooling-off to 2024-10-08 (国庆), window 2024-10-09 … 2024-11-07
P23 = "2023-cross-province-pilot"
MARRIED = CentralMaritalStatus.MARRIED


@pytest.mark.parametrize(
    ("business", "on", "office", "status", "decision", "reason"),
    [
        # withdrawal: either party alone, at the accepting registry, T0 … cooling-off end (§1.3 item 3)
        pytest.param(WITHDRAWAL, T0, OFFICE, "pending", "accept", "", id="withdraw-on-T0"),
        pytest.param(WITHDRAWAL, date(2024, 10, 1), OFFICE, "pending", "accept", "", id="withdraw-nominal-day-30"),
        pytest.param(WITHDRAWAL, date(2024, 10, 8), OFFICE, "pending", "accept", "", id="withdraw-last-day-moved"),
        pytest.param(
            WITHDRAWAL,
            date(2024, 10, 9),
            OFFICE,
            "pending",
            "refuse",
            "冷静期已于 2024-10-08 届满",
            id="withdraw-day-after-cooling-off",
        ),
        pytest.param(WITHDRAWAL, date(2024, 11, 20), OFFICE, "pending", "refuse", "届满", id="withdraw-after-window"),
        pytest.param(
            WITHDRAWAL, T0 - ONE_DAY, OFFICE, "pending", "refuse", "早于申请受理日期", id="withdraw-before-T0"
        ),
        pytest.param(
            WITHDRAWAL,
            date(2024, 9, 20),
            BEIJING_CHAOYANG,
            "pending",
            "redirect",
            OFFICE,
            id="withdraw-at-another-office",
        ),
        pytest.param(WITHDRAWAL, date(2024, 9, 20), OFFICE, "withdrawn", "refuse", "已撤回", id="withdraw-twice"),
        pytest.param(
            WITHDRAWAL,
            date(2024, 9, 20),
            BEIJING_CHAOYANG,
            "registered",
            "refuse",
            "已办理离婚登记",
            id="withdraw-registered-application-elsewhere",
        ),
        # registration: both, at the accepting registry, in (cooling-off end, window end] (§1.3 items 4-6)
        pytest.param(REGISTRATION, T0, OFFICE, "pending", "wait", "2024-10-09 至 2024-11-07", id="register-on-T0"),
        pytest.param(
            REGISTRATION,
            date(2024, 10, 8),
            OFFICE,
            "pending",
            "wait",
            "冷静期尚未届满",
            id="register-on-cooling-off-end",
        ),
        pytest.param(REGISTRATION, date(2024, 10, 9), OFFICE, "pending", "accept", "", id="register-window-opens"),
        pytest.param(REGISTRATION, date(2024, 11, 7), OFFICE, "pending", "accept", "", id="register-window-last-day"),
        pytest.param(
            REGISTRATION, date(2024, 11, 8), OFFICE, "pending", "refuse", "视为撤回", id="register-day-after-window"
        ),
        pytest.param(
            REGISTRATION,
            date(2024, 10, 9),
            BEIJING_CHAOYANG,
            "pending",
            "redirect",
            "受理离婚登记申请",
            id="register-at-another-office",
        ),
        pytest.param(
            REGISTRATION,
            date(2024, 10, 9),
            OFFICE,
            "deemed_withdrawn",
            "refuse",
            "已视为撤回",
            id="register-deemed-withdrawn",
        ),
        pytest.param(
            REGISTRATION, date(2024, 10, 9), OFFICE, "withdrawn", "refuse", "已撤回", id="register-after-withdrawal"
        ),
        pytest.param(
            REGISTRATION, date(2024, 10, 10), OFFICE, "registered", "refuse", "已办理离婚登记", id="register-twice"
        ),
    ],
)
def test_withdrawal_and_registration(
    context: RulesContext, business: Business, on: date, office: str, status: str, decision: str, reason: str
) -> None:
    application = divorce_step(business, on, T0, office=office, status=ApplicationStatus(status))
    verdict = decide(application, context)
    rule = "C-D-WD" if business is WITHDRAWAL else "C-D-ISSUE"
    assert summary(verdict) == (decision, P23, () if decision == "accept" else (rule,))
    assert verdict.dates == _dates(date(2024, 10, 8), date(2024, 11, 7))
    assert only_result(verdict, rule).party is None
    assert reason in only_result(verdict, rule).message


@pytest.mark.parametrize(
    ("weekends", "business", "on", "decision"),
    [
        pytest.param(True, WITHDRAWAL, date(2025, 7, 7), "accept", id="weekends-off-withdraw-monday"),
        pytest.param(False, WITHDRAWAL, date(2025, 7, 7), "refuse", id="weekends-worked-withdraw-monday"),
        pytest.param(True, REGISTRATION, date(2025, 7, 6), "wait", id="weekends-off-register-sunday"),
        pytest.param(False, REGISTRATION, date(2025, 7, 6), "accept", id="weekends-worked-register-sunday"),
        pytest.param(True, REGISTRATION, date(2025, 8, 6), "accept", id="weekends-off-register-window-end"),
        pytest.param(False, REGISTRATION, date(2025, 8, 5), "refuse", id="weekends-worked-register-day-after-end"),
    ],
)
def test_weekends_are_rest_days_setting(
    context: RulesContext, weekends: bool, business: Business, on: date, decision: str
) -> None:
    """§0.1 item 7, T0 = 2025-06-05: day 30 is Saturday 2025-07-05."""
    ctx = with_settings(context, weekends_are_rest_days=weekends)
    verdict = decide(divorce_step(business, on, date(2025, 6, 5)), ctx)
    assert verdict.decision.value == decision
    assert verdict.policy == "2025-nationwide"


def test_withdrawal_by_one_party_alone(context: RulesContext) -> None:
    one = divorce_step(WITHDRAWAL, date(2024, 9, 3), T0, spouses()[1])
    verdict = decide(one, context)
    assert summary(verdict) == ("accept", P23, ())
    assert verdict.documents_required == ("resident_id", "application_receipt")  # the receipt, no 户口簿


@pytest.mark.parametrize(
    ("a_status", "a_in_mainland", "decision", "party_", "reason"),
    [
        pytest.param(MARRIED, None, "accept", None, "", id="married-per-central-store"),
        pytest.param(None, True, "accept", None, "", id="certificate-shows-mainland-registration"),
        pytest.param(MARRIED, False, "refuse", Role.A, "人民法院", id="married-abroad-goes-to-court"),
        pytest.param(CentralMaritalStatus.UNMARRIED, None, "refuse", Role.A, "无婚可离", id="not-married"),
        pytest.param(CentralMaritalStatus.DIVORCED, None, "refuse", Role.A, "无婚可离", id="already-divorced"),
        pytest.param(None, None, "wait", Role.A, "联网核对", id="central-store-unreachable"),
    ],
)
@pytest.mark.parametrize("business", [Business.DIVORCE_APPLICATION, REGISTRATION])
def test_marriage_registered_in_mainland(
    context: RulesContext,
    business: Business,
    a_status: CentralMaritalStatus | None,
    a_in_mainland: bool | None,
    decision: str,
    party_: Role | None,
    reason: str,
) -> None:
    """C-D-CERT (Reg. 2025 Art. 14(3)): only a marriage registered in mainland China."""
    a = groom(status=a_status, in_mainland=a_in_mainland)
    b = spouses()[1]
    on = date(2024, 10, 9)
    application = (
        divorce_application(on, a, b)
        if business is Business.DIVORCE_APPLICATION
        else divorce_step(business, on, T0, a, b)
    )
    verdict = decide(application, context)
    assert verdict.decision.value == decision
    assert verdict.failed == (() if decision == "accept" else ("C-D-CERT",))
    if party_:
        assert [r.party for r in verdict.results if not r.passed] == [party_]
        assert reason in messages(verdict)


def test_divorce_application_with_a_foreigner_belongs_at_a_designated_registry(context: RulesContext) -> None:
    foreigner = party(passport(), hukou=None, status=MARRIED)
    verdict = decide(divorce_application(date(2025, 6, 3), spouses()[0], foreigner), context)
    assert summary(verdict) == ("redirect", "2025-nationwide", ("C-M-REG",))


def test_divorce_application_documents(context: RulesContext) -> None:
    """Reg. 2025 Art. 15: 居民身份证 + 结婚证; before 2025-05-10 also the 户口簿 (2003 Art. 11)."""
    assert decide(divorce_application(date(2025, 6, 3)), context).documents_required == (
        "resident_id",
        "marriage_certificate",
    )
    assert decide(divorce_application(date(2024, 6, 3)), context).documents_required == (
        "resident_id",
        "hukou_booklet",
        "marriage_certificate",
    )


def test_dates_beyond_the_holiday_data_carry_a_warning(context: RulesContext) -> None:
    verdict = decide(divorce_application(date(2026, 12, 10)), context)
    assert verdict.decision.value == "accept"
    assert any("2027年的国务院节假日安排尚未录入" in note for note in verdict.notes)
    assert not any("尚未录入" in note for note in decide(divorce_application(T0), context).notes)
