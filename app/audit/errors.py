"""Errors of the audit trail (AUD-xxx, docs/errors.md).

AUD-001 can reach the registrar (an access that could not be recorded is not done), so
it reuses WorkflowError's translated template with a Chinese reason, like CEN-006. The
others are IT's (command line, log), hence plain English templates outside the
translation catalogue, like CEN-007.
"""

from __future__ import annotations

from app.errors import AppError, WorkflowError


class AuditWriteError(AppError):
    """An audit record could not be made durable (disk full, permissions, the audit
    folder gone). The caller must not go on with the access it was recording."""

    code = "AUD-001"
    template = WorkflowError.template
    exit_code = 3

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail=detail,
            reason=f"审计日志无法写入（{detail}），为保护个人信息，本操作未执行。请联系信息技术人员。",
        )


class AuditUnavailableError(AppError):
    """`audit verify` / `audit show` cannot check: no log file, no key, unreadable."""

    code = "AUD-002"
    template = "The audit log cannot be checked: {detail}"
    exit_code = 3


class AuditHeadRefusedError(AppError):
    """The central store holds a later head of this counter's audit chain than the one
    sent, or another record under the same sequence number: the counter's audit log was
    cut short or rewritten (or restored from an old backup)."""

    code = "AUD-003"
    template = (
        "The audit log of counter {counter_id} disagrees with the head the central store holds "
        "({detail}): the log was cut short or rewritten. Contact IT support."
    )
    exit_code = 1


class AuditChainBrokenError(AppError):
    """`audit verify` found a broken link: an edited, forged, inserted or deleted
    record, or an unfinished last line."""

    code = "AUD-004"
    template = "The audit log {file} is broken at line {line} ({seq}): {reason}"
    exit_code = 1
