"""A rule result a supervisor set aside where the law allows it (issue #10).

Stored with the case (in the case details JSON, app.store.details), printed on the
review form and kept in the archive package. Which rules may be set aside, and the
effect on the rule results, are in app.rules.set_aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.case import Role


@dataclass(frozen=True, slots=True)
class RuleSetAside:
    """The supervisor's approval of one failed rule result.

    It is bound to that failure: `fingerprint` (app.rules.set_aside.failure_fingerprint)
    covers the rule, the party role, the exact message of the result and whose case it
    was (the parties' person keys, hashed), so a different failure of the same rule, or
    the same failure for other people, shows again. `message` keeps the text that was set
    aside for the record (review form, archive)."""

    rule_id: str
    role: Role | None  # the party the result was about; None: the case as a whole
    message: str  # the failed result's message, as the supervisor saw it
    fingerprint: str
    reason: str
    supervisor: str  # the approving supervisor's name
    supervisor_id: str  # their operator id, checked at the counter ("" only without a guard)
    approved_at: datetime
