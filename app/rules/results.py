from __future__ import annotations

import enum
from dataclasses import dataclass

from app.domain.case import Role, RuleOutcome


class Consequence(enum.StrEnum):
    """What a failed rule means at the counter (domain.md §7, "Outcome on fail")."""

    BLOCK = "block"  # cannot proceed until fixed (e.g. re-read a valid card)
    REFUSE = "refuse"  # registration refused (Reg. 2025 Art. 9)
    REDIRECT = "redirect"  # another registry is competent
    CANNOT_ACCEPT = "cannot_accept"  # missing declaration or attestation: finish the step
    CANNOT_ISSUE = "cannot_issue"  # e.g. no joint photo
    PENDING = "pending"  # not decidable yet (central store not reached)
    WAIT = "wait"  # too early: come back (divorce registration before the issue window)


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule_id: str
    passed: bool
    message: str
    party: Role | None = None
    consequence: Consequence = Consequence.BLOCK
    relies_on: tuple[str, ...] = ()  # documents the decision rests on (e.g. a residence permit)

    def outcome(self) -> RuleOutcome:
        return RuleOutcome(self.rule_id, self.passed, self.message, self.party)


# Failures that are grounds for turning a couple away (不予登记, Reg. 2025 Art. 10). The
# others only mean the work is not finished: a card to read again (block), a missing
# photo or declaration, a deferred live check.
REFUSAL_GROUNDS = frozenset({Consequence.REFUSE, Consequence.REDIRECT})


def refusal_grounds(results: list[RuleResult]) -> list[RuleResult]:
    return [r for r in results if not r.passed and r.consequence in REFUSAL_GROUNDS]
