"""What the workflows call before and after each step: permission checks in app/, not
only in the GUI, and the audit events of the case's life (#10).

`CounterGuard` joins the counter's session (who is working), the AuthService (may
they?) and the audit sink (what they did). A refused step raises before anything is
saved and is audited as DENIED with the permission and the code; a step that saves is
audited as CHANGE with the workflow method's name (never the data); central writes as
COMMIT with their outcome; supervisors' approvals as APPROVAL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.audit import AuditAction, AuditEvent, AuditSink
from app.auth.errors import AuthError, RoleNotAllowedError
from app.auth.model import ApprovalKind, Operator, Permission, SupervisorCredentials
from app.auth.service import AuthService
from app.auth.session import CounterSession

log = logging.getLogger(__name__)

NOBODY = "(nobody)"  # the audit trail's operator while no one is logged in


class CounterGuard:
    def __init__(self, sessions: CounterSession, audit: AuditSink) -> None:
        self.sessions = sessions
        self.audit = audit
        self._acting = threading.local()

    @property
    def auth(self) -> AuthService:
        return self.sessions.auth

    def _operator_id(self) -> str:
        session = self.sessions.current
        return session.operator_id if session is not None else NOBODY

    def record(self, action: AuditAction, *, case_id: str | None = None, detail: str = "",
               operator_id: str | None = None) -> None:
        """An audit event in the current operator's name. `detail` never holds personal
        data: method, step and form names, rule ids, codes."""
        auth = self.auth
        self.audit.record(AuditEvent(
            action, operator_id or self._operator_id(), auth.counter_id, auth.clock.now(), case_id, detail
        ))

    def require(self, permission: Permission, *, action: str, case_id: str | None = None) -> Operator:
        """The operator doing `action`, when they may; raises AUTH-003/004/006 otherwise
        (audited as DENIED)."""
        try:
            operator = self.sessions.active().operator
            self.auth.require(operator, permission)
        except AuthError as error:
            self.record(AuditAction.DENIED, case_id=case_id, detail=f"{action} {permission.value} {error.code}")
            log.info("%s refused: %s", action, error.code)
            raise
        return operator

    @contextmanager
    def acting(self, action: str) -> Iterator[None]:
        """The workflow method running on this thread, for the CHANGE events it saves."""
        outer = getattr(self._acting, "name", None)
        self._acting.name = outer or action  # a step calling another step is one step
        try:
            yield
        finally:
            self._acting.name = outer

    @property
    def current_action(self) -> str:
        return getattr(self._acting, "name", None) or ""

    def changed(self, case_id: str, step: str = "") -> None:
        self.record(AuditAction.CHANGE, case_id=case_id, detail=self.current_action or step)

    def operator_name(self) -> str:
        """The name the case records as its registrar (the operator logged in)."""
        return self.sessions.active().operator.name

    def approve(self, credentials: SupervisorCredentials, kind: ApprovalKind, *, case_id: str | None) -> Operator:
        """The supervisor who typed `credentials`, checked here (secret, lockout, second
        factor, role supervisor of this office with valid training) and who is not the
        operator logged in at the counter: an override needs a second person (four-eyes
        rule), so a supervisor working the counter asks another supervisor. Nothing is
        recorded as approved yet: call `approved` once the approval is saved."""
        operator, _serial = self.auth.authenticate(
            credentials.operator_id, credentials.secret, credentials.second_factor, purpose=f"approval {kind.value}",
            case_id=case_id,
        )
        try:
            self.auth.require(operator, Permission.APPROVE)
            if operator.operator_id == self._operator_id():
                raise RoleNotAllowedError(operator_id=operator.operator_id,
                                          reason="主管不能批准本人在柜台上办理的案件，须由另一位主管批准")
        except AuthError as error:
            self.record(AuditAction.DENIED, case_id=case_id, operator_id=operator.operator_id,
                        detail=f"approval {kind.value} {error.code}")
            raise
        return operator

    def approved(self, supervisor: Operator, kind: ApprovalKind, *, case_id: str | None, detail: str = "") -> None:
        """Audits a saved approval in the supervisor's name, naming who asked for it."""
        requested_by = self._operator_id()
        text = f"{kind.value} {detail} requested_by={requested_by}".replace("  ", " ")
        self.record(AuditAction.APPROVAL, case_id=case_id, operator_id=supervisor.operator_id, detail=text)
