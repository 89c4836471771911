"""Who works at this counter now: the session provider of the workflows (#10).

One `CounterSession` per counter process. The workflows ask it for the operator of
every step (through app.auth.guard.CounterGuard); the GUI logs in, locks when idle,
unlocks (the same operator, or another one taking over the counter: the open case
stays either way) and logs out. Locking keeps the session but makes `active()` refuse
(AUTH-006), so nothing can be done in the locked operator's name until someone
authenticates again. Thread-safe: the GUI thread locks while a worker runs a step.
"""

from __future__ import annotations

import logging
import threading

from app.audit import AuditAction
from app.auth.errors import AuthError, NotLoggedInError
from app.auth.model import Operator, Permission, Session
from app.auth.service import AuthService

log = logging.getLogger(__name__)


class CounterSession:
    def __init__(self, auth: AuthService) -> None:
        self.auth = auth
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._locked = False

    @property
    def current(self) -> Session | None:
        """The session, locked or not (the status bar shows its operator)."""
        with self._lock:
            return self._session

    @property
    def locked(self) -> bool:
        with self._lock:
            return self._locked

    @property
    def logged_in(self) -> bool:
        with self._lock:
            return self._session is not None and not self._locked

    def active(self) -> Session:
        """The session steps run in; AUTH-006 when nobody is logged in or it is locked."""
        with self._lock:
            session, locked = self._session, self._locked
        if session is None or locked:
            raise NotLoggedInError()
        return session

    def start(self, session: Session) -> None:
        with self._lock:
            self._session, self._locked = session, False

    def login(self, operator_id: str, secret: str, second_factor: str | None = None) -> Session:
        """The counter's login (at start, after a logout). Only an operator who may work
        cases logs in here: an IT administrator's account is refused (AUTH-004)."""
        operator, serial = self.auth.authenticate(operator_id, secret, second_factor)
        self._may_work_cases(operator)
        session = self.auth.open_session(operator, serial)
        self.start(session)
        return session

    def auto_login(self) -> Session:
        """A simulated counter's built-in QA operator (AuthService.auto_login)."""
        session = self.auth.auto_login()
        self.start(session)
        return session

    def _may_work_cases(self, operator: Operator) -> None:
        try:
            self.auth.require(operator, Permission.REVIEW)
        except AuthError as error:
            self.auth.record_event(AuditAction.DENIED, operator.operator_id, f"login {error.code}")
            raise

    def lock(self, *, idle: bool = True) -> None:
        """The screen locks (idle, or the operator stepped away): the session and the
        open case stay; `unlock` resumes."""
        with self._lock:
            session = self._session
            if session is None or self._locked:
                return
            self._locked = True
        self.auth.record_event(AuditAction.IDLE_LOCK, session.operator_id, "idle" if idle else "by hand")
        log.info("counter locked (%s)", "idle" if idle else "by hand")

    def unlock(self, operator_id: str, secret: str, second_factor: str | None = None) -> Session:
        """The locked operator again, or another one taking over: a new session either
        way, the case on screen stays. Raises the login's errors; the lock stays."""
        previous = self.current
        operator, serial = self.auth.authenticate(operator_id, secret, second_factor, purpose="unlock")
        self._may_work_cases(operator)
        session = Session(operator, self.auth.clock.now(), second_factor=serial)
        switched = previous is not None and previous.operator_id != operator.operator_id
        self.start(session)
        detail = f"switched from {previous.operator_id}" if switched and previous is not None else "same operator"
        self.auth.record_event(AuditAction.UNLOCK, operator.operator_id, detail)
        return session

    def logout(self) -> None:
        with self._lock:
            session, self._session, self._locked = self._session, None, False
        if session is not None:
            self.auth.record_event(AuditAction.LOGOUT, session.operator_id, "")
            log.info("operator %s logged out", session.operator_id)
