"""Operators, a recording audit sink and an AuthService on a movable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from app.audit import AuditAction, AuditEvent
from app.auth.model import Account, Operator, OperatorRole
from app.auth.second_factor import SecondFactor
from app.auth.secrets import ScryptParameters, hash_secret
from app.auth.service import AuthService
from app.config import AuthConfig
from app.workflow.clock import FixedClock

NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
OFFICE = "110101"
CHEAP = ScryptParameters(log2_n=10)  # tests only: the default cost is 2^15
SECRETS = {"wang": "wang-secret-1", "zhou": "zhou-secret-1", "lapsed": "lapsed-secret-1", "it": "it-secret-01"}
WANG = Operator("wang", "王登记员", OFFICE, OperatorRole.REGISTRAR, date(2027, 6, 30))
ZHOU = Operator("zhou", "周主管", OFFICE, OperatorRole.SUPERVISOR, date(2027, 6, 30))
LAPSED = Operator("lapsed", "陈登记员", OFFICE, OperatorRole.REGISTRAR, date(2026, 11, 29))
IT = Operator("it", "信息科", "110000", OperatorRole.ADMIN, None)
OPERATORS = (WANG, ZHOU, LAPSED, IT)


def account(operator: Operator) -> Account:
    return Account(operator, hash_secret(SECRETS[operator.operator_id], CHEAP))


@dataclass
class RecordingSink:
    events: list[AuditEvent] = field(default_factory=list)

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def actions(self) -> list[tuple[AuditAction, str, str]]:
        return [(e.action, e.operator_id, e.detail) for e in self.events]


class Directory:
    """The central store's accounts, as AuthService sees them (OperatorDirectory)."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = accounts
        self.calls = 0

    def operators_for_counter(self, office_code: str) -> list[Account]:
        self.calls += 1
        return [a for a in self.accounts if a.operator.office_code == office_code
                or a.operator.role is OperatorRole.ADMIN]


def auth_service(
    data_dir: Path, *, clock: FixedClock | None = None, audit: RecordingSink | None = None,
    simulated: bool = False, directory: Directory | None = None, second_factor: SecondFactor | None = None,
    cached: tuple[Operator, ...] = OPERATORS, lockout_secret: bytes | None = None, **config: int,
) -> AuthService:
    service = AuthService(
        config=AuthConfig(**config), office_code=OFFICE, counter_id="counter-01", data_dir=data_dir,
        clock=clock or FixedClock(NOW), simulated=simulated, audit=audit, directory=directory,
        second_factor=second_factor, lockout_secret=lockout_secret,
    )
    if cached and not service.cache.accounts():
        service.cache.replace([account(o) for o in cached], NOW)
    return service
