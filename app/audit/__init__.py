"""The audit trail (#10): who accessed or changed which case, when, at which counter.

`AuditSink` is what the workflows and the GUI record to; `app.audit.trail` keeps the
events in an append-only, HMAC hash-chained log. `NullAuditSink` records nothing (unit
tests of single parts).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class AuditAction(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    LOGOUT = "logout"
    IDLE_LOCK = "idle_lock"
    UNLOCK = "unlock"
    VIEW = "view"  # a case's personal data shown on screen
    PRINT = "print"
    EXPORT = "export"  # PDFs written, an archive package, a support bundle
    CHANGE = "change"  # a case saved with new data
    COMMIT = "commit"  # a registration / application / withdrawal / reissue sent centrally
    APPROVAL = "approval"  # a supervisor's approval (face check set aside, ...)
    DENIED = "denied"  # an action the operator's role or training does not allow
    KEYS_MOVED = "keys_moved"  # IT moved the counter's keys to another key store (security rewrap)
    RE_ANCHOR = "re_anchor"  # IT replaced the central store's head of this chain (audit re-anchor)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: AuditAction
    operator_id: str
    counter_id: str
    at: datetime
    case_id: str | None = None
    detail: str = ""  # never personal data: step names, form names, rule ids, codes


class AuditSink(Protocol):
    def record(self, event: AuditEvent) -> None: ...


class NullAuditSink:
    def record(self, event: AuditEvent) -> None:
        return None


def os_account() -> str:
    """Who runs an IT command, for its audit record when no operator is named."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a service without one)
        return "unknown"
