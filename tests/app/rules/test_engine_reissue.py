"""补领婚姻登记证 through `decide` (domain.md §4.6, §2.1 Art. 17, §2.3 Art. 21, §7 C-R-REISSUE):
only while the status the certificate shows is still the person's status. Where the
reissue may be asked for is in test_engine_jurisdiction.py."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.case import Role
from app.rules.engine import RulesContext, decide
from app.rules.model import CentralMaritalStatus, CertificateKind
from tests.app.rules.conftest import (
    CHANGSHA_FURONG,
    GUANGZHOU_YUEXIU,
    bride,
    groom,
    messages,
    reissue,
    summary,
)

MARRIED, DIVORCED = CentralMaritalStatus.MARRIED, CentralMaritalStatus.DIVORCED
WIDOWED, UNMARRIED = CentralMaritalStatus.WIDOWED, CentralMaritalStatus.UNMARRIED
MARRIAGE_CERT, DIVORCE_CERT = CertificateKind.MARRIAGE, CertificateKind.DIVORCE
ON = date(2025, 9, 16)


@pytest.mark.parametrize(
    ("certificate", "statuses", "decision", "parties", "reason"),
    [
        pytest.param(MARRIAGE_CERT, (MARRIED, MARRIED), "accept", [], "", id="marriage-cert-still-married"),
        pytest.param(MARRIAGE_CERT, (MARRIED,), "accept", [], "", id="marriage-cert-one-spouse-alone"),
        pytest.param(
            MARRIAGE_CERT,
            (DIVORCED, DIVORCED),
            "refuse",
            [Role.A, Role.B],
            "现为离婚",
            id="marriage-cert-after-divorce",
        ),
        pytest.param(
            MARRIAGE_CERT, (MARRIED, WIDOWED), "refuse", [Role.B], "现为丧偶", id="marriage-cert-widowed-party"
        ),
        pytest.param(MARRIAGE_CERT, (None, MARRIED), "wait", [Role.A], "档案核对", id="marriage-cert-archive-pending"),
        pytest.param(DIVORCE_CERT, (DIVORCED,), "accept", [], "", id="divorce-cert-still-divorced"),
        pytest.param(DIVORCE_CERT, (DIVORCED, DIVORCED), "accept", [], "", id="divorce-cert-both-ex-spouses"),
        pytest.param(DIVORCE_CERT, (MARRIED,), "refuse", [Role.A], "不能补领离婚证", id="divorce-cert-remarried"),
        pytest.param(DIVORCE_CERT, (WIDOWED,), "refuse", [Role.A], "现为丧偶", id="divorce-cert-remarried-widowed"),
        pytest.param(DIVORCE_CERT, (UNMARRIED,), "refuse", [Role.A], "现为未婚", id="divorce-cert-no-record"),
    ],
)
def test_reissue_only_while_the_status_is_unchanged(
    context: RulesContext,
    certificate: CertificateKind,
    statuses: tuple[CentralMaritalStatus | None, ...],
    decision: str,
    parties: list[Role],
    reason: str,
) -> None:
    people = [build(status=status) for build, status in zip((groom, bride), statuses, strict=False)]
    verdict = decide(reissue(ON, *people, certificate=certificate), context)
    assert summary(verdict) == (decision, "2025-nationwide", () if decision == "accept" else ("C-R-REISSUE",))
    assert [r.party for r in verdict.results if not r.passed] == parties
    assert reason in messages(verdict)


@pytest.mark.parametrize(
    ("on", "policy", "required"),
    [
        pytest.param(date(2024, 6, 3), "2023-cross-province-pilot", ("resident_id", "hukou_booklet"), id="2003-art-17"),
        pytest.param(date(2025, 6, 3), "2025-nationwide", ("resident_id",), id="2025-art-21"),
    ],
)
def test_reissue_documents(context: RulesContext, on: date, policy: str, required: tuple[str, ...]) -> None:
    verdict = decide(reissue(on, groom(status=MARRIED)), context)
    assert summary(verdict) == ("accept", policy, ())
    assert verdict.documents_required == required


def test_changed_status_is_refused_even_at_the_wrong_registry(context: RulesContext) -> None:
    """A refusal outranks a redirect: no other registry could reissue either."""
    people = groom(status=DIVORCED, hukou=CHANGSHA_FURONG), bride(status=DIVORCED, hukou=CHANGSHA_FURONG)
    application = reissue(date(2024, 6, 3), *people, office=GUANGZHOU_YUEXIU, original_office=CHANGSHA_FURONG)
    verdict = decide(application, context)
    assert verdict.decision.value == "refuse"
    assert set(verdict.failed) == {"C-R-REISSUE", "C-M-REG"}
