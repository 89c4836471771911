"""Login, lockout, the offline account cache and the permission checks (#10).

`AuthService` answers two questions, on any thread:

- who is this? `authenticate(operator_id, secret, second_factor)` checks the secret
  against the cached scrypt hash (refreshing the cache from the central store once
  when the id is unknown or the secret does not match, at most once a minute), the
  second factor when one is configured, and the lockout: `max_failures` failed
  attempts within `lockout_minutes` lock the id at this counter for `lockout_minutes`,
  across restarts (app.auth.store).
- may they? `require(operator, permission)` by role, office, account state and the
  training certificate on the counter clock's date (`check_permission`).

A counter with simulated devices knows two built-in accounts besides the cached ones:
`qa` (role qa; the automatic login of QA runs, the demo and the GUI tests) and
`qa-supervisor` (role supervisor, for rehearsing approvals). They exist only in this
process and only on a simulated counter, never in the central store; their secrets are
documented in the README. A real counter never logs in by itself, and a simulated one
never starts over a local store holding cases captured on real devices (AUTH-008,
app.bootstrap). An approval needs a supervisor other than the operator logged in
(app.auth.guard).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from app.audit import AuditAction, AuditEvent, AuditSink, NullAuditSink
from app.auth.errors import (
    AuthError,
    LockedOutError,
    RoleNotAllowedError,
    SecondFactorError,
    TrainingExpiredError,
    WrongCredentialsError,
)
from app.auth.model import Account, Operator, OperatorRole, Permission, Session
from app.auth.second_factor import SecondFactor
from app.auth.secrets import ScryptParameters, burn_time, hash_secret, verify_secret
from app.auth.store import CACHE_FILE, LOCKOUT_FILE, LockoutBook, OperatorCache, lockout_key
from app.config import AuthConfig
from app.errors import AppError
from app.workflow.clock import Clock, today

log = logging.getLogger(__name__)

BUILTIN_QA_ID = "qa"
BUILTIN_SUPERVISOR_ID = "qa-supervisor"
BUILTIN_IDS = frozenset({BUILTIN_QA_ID, BUILTIN_SUPERVISOR_ID})
# Public on purpose (README): they open only a counter on simulated devices.
SIMULATED_SECRETS = {BUILTIN_QA_ID: "qa", BUILTIN_SUPERVISOR_ID: "qa-supervisor"}
BUILTIN_TRAINING_VALID_UNTIL = date(2099, 12, 31)
# The built-ins' secrets are public: a cheap hash keeps rehearsals quick.
_BUILTIN_HASH_COST = ScryptParameters(log2_n=12)
UNKNOWN_OPERATOR = "(unknown)"  # what the audit trail says for an id that is no account
REFRESH_INTERVAL_S = 60.0  # failed logins refresh the cache from the central store at most this often


class OperatorDirectory(Protocol):
    """The central store's side: the active accounts a counter of `office_code` caches
    (app.central.operators via the counter's connection)."""

    def operators_for_counter(self, office_code: str) -> list[Account]: ...


def check_permission(
    operator: Operator, permission: Permission, *, office_code: str, day: date, simulated: bool
) -> None:
    """Raises the AuthError that says why `operator` may not do `permission` here.

    - REVIEW (open, capture, review): registrar, supervisor, qa.
    - REGISTER (commit, issue, refuse): registrar or supervisor of this office with a
      training certificate valid on `day`; qa only on a simulated counter.
    - APPROVE (an override): a supervisor of this office with valid training.
    - ADMIN (accounts): admin; an administrator never opens cases (separation of duties).
    """
    role = operator.role
    who = operator.operator_id
    if not operator.active:
        raise RoleNotAllowedError(operator_id=who, reason="账户已停用")
    if permission is Permission.ADMIN:
        if role is not OperatorRole.ADMIN:
            raise RoleNotAllowedError(operator_id=who, reason="只有系统管理员可以管理账户")
        return
    if role is OperatorRole.ADMIN:
        raise RoleNotAllowedError(operator_id=who, reason="系统管理员不办理登记业务，也不查看案件")
    if permission is Permission.REVIEW:
        return
    if permission is Permission.APPROVE and role is not OperatorRole.SUPERVISOR:
        raise RoleNotAllowedError(operator_id=who, reason="只有主管可以批准")
    if permission is Permission.REGISTER and role is OperatorRole.QA and not simulated:
        raise RoleNotAllowedError(operator_id=who, reason="测试账户只能在使用模拟设备的柜台上办理")
    if operator.office_code != office_code:
        raise RoleNotAllowedError(
            operator_id=who, reason=f"账户属于登记机关 {operator.office_code}，不是本登记机关 {office_code}"
        )
    if not operator.training_valid_on(day):
        valid_until = operator.training_valid_until
        raise TrainingExpiredError(
            operator_id=who, day=day.isoformat(),
            valid_until=f"valid until {valid_until.isoformat()}" if valid_until else "no training on record",
        )


@functools.cache
def _builtin_hash(operator_id: str) -> str:
    return hash_secret(SIMULATED_SECRETS[operator_id], _BUILTIN_HASH_COST)


class AuthService:
    def __init__(
        self,
        *,
        config: AuthConfig,
        office_code: str,
        counter_id: str,
        data_dir: Path,
        clock: Clock,
        simulated: bool,
        audit: AuditSink | None = None,
        directory: OperatorDirectory | None = None,
        second_factor: SecondFactor | None = None,
        builtin_name: str = "QA",
        lockout_secret: bytes | None = None,
    ) -> None:
        self.config = config
        self.office_code = office_code
        self.counter_id = counter_id
        self.clock = clock
        self.simulated = simulated
        self.audit: AuditSink = audit or NullAuditSink()
        self.directory = directory
        self.second_factor = second_factor
        self.builtin_name = builtin_name
        # The key of the lockout entries of ids that are no account (app.auth.store.lockout_key).
        self._lockout_secret = lockout_secret
        self.cache = OperatorCache(data_dir / CACHE_FILE)
        self.lockouts = LockoutBook(
            data_dir / LOCKOUT_FILE, max_failures=config.max_failures, window=timedelta(minutes=config.lockout_minutes)
        )
        self._refresh_lock = threading.Lock()
        self._last_refresh: float | None = None

    # -- accounts ---------------------------------------------------------------------------

    @property
    def second_factor_required(self) -> bool:
        return self.second_factor is not None

    def _builtin(self, operator_id: str) -> Account | None:
        if not self.simulated or operator_id not in BUILTIN_IDS:
            return None
        if operator_id == BUILTIN_QA_ID:
            role, name = OperatorRole.QA, self.builtin_name
        else:
            role, name = OperatorRole.SUPERVISOR, f"{self.builtin_name} 主管"
        operator = Operator(operator_id, name, self.office_code, role, BUILTIN_TRAINING_VALID_UNTIL)
        return Account(operator, _builtin_hash(operator_id))

    def account(self, operator_id: str) -> Account | None:
        return self._builtin(operator_id) or self.cache.get(operator_id)

    def operators(self) -> list[Operator]:
        """Every account that may log in here (the built-ins first on a simulated counter)."""
        builtins = [a.operator for i in sorted(BUILTIN_IDS) if (a := self._builtin(i)) is not None]
        return builtins + [a.operator for a in self.cache.accounts() if a.operator_id not in BUILTIN_IDS]

    def refresh(self) -> int:
        """Replaces the cache with the central store's accounts for this counter; returns
        how many. Raises CentralUnavailableError (and keeps the cache) when it cannot."""
        if self.directory is None:
            return len(self.cache.accounts())
        with self._refresh_lock:
            self._last_refresh = time.monotonic()
            accounts = self.directory.operators_for_counter(self.office_code)
            self.cache.replace(accounts, self.clock.now())
        log.info("operator cache refreshed: %d account(s)", len(accounts))
        return len(accounts)

    def _refresh_quietly(self) -> bool:
        """A refresh when the cache may be stale (a new account, a reset secret); False
        when none ran (no central store, refreshed a moment ago, unreachable)."""
        if self.directory is None:
            return False
        last = self._last_refresh
        if last is not None and time.monotonic() - last < REFRESH_INTERVAL_S:
            return False
        try:
            self.refresh()
        except AppError as error:
            log.info("operator cache not refreshed: %s", error)
            return False
        return True

    # -- authentication -----------------------------------------------------------------------

    def record_event(self, action: AuditAction, operator_id: str, detail: str, case_id: str | None = None) -> None:
        self.audit.record(AuditEvent(action, operator_id, self.counter_id, self.clock.now(), case_id, detail))

    def _accepts(self, account: Account | None, secret: str) -> bool:
        if account is None:
            burn_time(secret)
            return False
        return verify_secret(secret, account.secret_hash) and account.operator.active

    def authenticate(
        self, operator_id: str, secret: str, second_factor: str | None = None, *, purpose: str = "login",
        case_id: str | None = None,
    ) -> tuple[Operator, str]:
        """The operator and the serial of the second factor presented ("" when none is
        configured). Raises AUTH-001 (wrong secret or unknown id, one message), AUTH-002
        (locked out), AUTH-005 (second factor); each failure is audited."""
        operator_id = operator_id.strip()
        now = self.clock.now()
        account = self.account(operator_id)
        key = lockout_key(operator_id, account is not None, self._lockout_secret)
        audited_id = operator_id if account is not None else UNKNOWN_OPERATOR
        self._refuse_while_locked(key, audited_id, now, purpose, case_id)
        accepted = self._accepts(account, secret)
        if not accepted and self._refresh_quietly():
            account = self.account(operator_id)
            if account is not None and key != operator_id:
                # The account arrived with the refresh: its own lockout counts from now on,
                # checked before its secret (a locked id stays locked, right secret or not).
                key, audited_id = operator_id, operator_id
                self._refuse_while_locked(key, audited_id, now, purpose, case_id)
            accepted = self._accepts(account, secret)
        if not accepted or account is None:
            self._failed(key, audited_id, f"{purpose} {WrongCredentialsError.code}", case_id)
            raise WrongCredentialsError()
        serial = ""
        if self.second_factor is not None:
            try:
                serial = self.second_factor.verify(operator_id, second_factor)
            except SecondFactorError as error:
                self._failed(key, audited_id, f"{purpose} {error.code}", case_id)
                raise
        self.lockouts.succeeded(key)
        return account.operator, serial

    def _refuse_while_locked(
        self, key: str, audited_id: str, now: datetime, purpose: str, case_id: str | None
    ) -> None:
        until = self.lockouts.locked_until(key, now)
        if until is not None:
            self.record_event(AuditAction.LOGIN_FAILED, audited_id, f"{purpose} {LockedOutError.code}", case_id)
            raise LockedOutError(until=f"{until:%H:%M}")

    def _failed(self, key: str, audited_id: str, detail: str, case_id: str | None) -> None:
        locked_until = self.lockouts.failed(key, self.clock.now())
        self.record_event(AuditAction.LOGIN_FAILED, audited_id, detail, case_id)
        if locked_until is not None:
            self.record_event(AuditAction.LOCKED_OUT, audited_id, f"until {locked_until.isoformat(timespec='minutes')}",
                         case_id)
            log.warning("an operator id is locked at this counter until %s", f"{locked_until:%H:%M}")
            raise LockedOutError(until=f"{locked_until:%H:%M}")

    def login(self, operator_id: str, secret: str, second_factor: str | None = None) -> Session:
        operator, serial = self.authenticate(operator_id, secret, second_factor)
        return self.open_session(operator, serial)

    def open_session(self, operator: Operator, serial: str = "") -> Session:
        """The session of an operator just authenticated (audited as LOGIN)."""
        self.record_event(AuditAction.LOGIN, operator.operator_id, operator.role.value)
        log.info("operator %s logged in (%s)", operator.operator_id, operator.role.value)
        return Session(operator, self.clock.now(), second_factor=serial)

    def auto_login(self) -> Session:
        """The built-in QA operator, without a secret: only on a simulated counter."""
        account = self._builtin(BUILTIN_QA_ID)
        if account is None:
            raise RuntimeError("a counter on real devices never logs in by itself")
        self.record_event(AuditAction.LOGIN, account.operator_id, "automatic (simulated counter)")
        log.info("simulated counter: logged in as the built-in operator %s", account.operator_id)
        return Session(account.operator, self.clock.now(), automatic=True)

    # -- permissions ------------------------------------------------------------------------------

    def require(self, operator: Operator, permission: Permission) -> None:
        """Raises AUTH-003/AUTH-004 when `operator` may not do `permission` at this counter
        today. The account is looked up again, so a deactivation or a new training date
        that arrived with a refresh counts at once (an account no longer in the cache was
        deactivated centrally)."""
        current = self.account(operator.operator_id)
        checked = current.operator if current is not None else replace(operator, active=False)
        check_permission(checked, permission, office_code=self.office_code, day=today(self.clock),
                         simulated=self.simulated)

    def allowed(self, operator: Operator, permission: Permission) -> bool:
        try:
            self.require(operator, permission)
        except AuthError:
            return False
        return True
