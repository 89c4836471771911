"""Operators, their sessions at a counter, and what each role may do (#10).

An operator is a registrar's (supervisor's, administrator's, QA's) account, managed
centrally (app.central.operators) and cached on the counter (app.auth.store) so the
counter can be unlocked offline. Nothing here holds a secret in clear: `Account` carries
the scrypt PHC string, `SupervisorCredentials` keeps the typed secret out of repr().
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime

# Operator ids are short account names IT hands out ("wang.li", "110101-07"), never an
# ID card number: they are written to the audit trail and the lockout file.
OPERATOR_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class OperatorRole(enum.StrEnum):
    REGISTRAR = "registrar"  # 婚姻登记员: captures, reviews, registers
    SUPERVISOR = "supervisor"  # 主管: everything a registrar does, and approves overrides
    ADMIN = "admin"  # IT: manages accounts; never opens cases (separation of duties)
    QA = "qa"  # tests the counter: registers only on a counter with simulated devices


class Permission(enum.StrEnum):
    REVIEW = "review"  # open, capture and review a case
    REGISTER = "register"  # commit centrally, issue, refuse (a registrar's decision)
    APPROVE = "approve"  # a supervisor's approval of an override
    ADMIN = "admin"  # manage operator accounts


class ApprovalKind(enum.StrEnum):
    """What a supervisor may approve (issue #10): each is recorded with the reason."""

    FACE_CHECK = "face_check"  # a face check set aside, or a check by eye
    RULE_SET_ASIDE = "rule_set_aside"  # a rule result set aside where the law allows it
    VOID_BLANK = "void_blank"  # a printed certificate blank voided


@dataclass(frozen=True, slots=True)
class Operator:
    operator_id: str
    name: str
    office_code: str
    role: OperatorRole
    training_valid_until: date | None  # the registrar's training certificate; None: none on record
    active: bool = True

    def training_valid_on(self, day: date) -> bool:
        return self.training_valid_until is not None and day <= self.training_valid_until


@dataclass(frozen=True, slots=True)
class Account:
    """An operator with the PHC string of their secret (what the counter caches)."""

    operator: Operator
    secret_hash: str = field(repr=False)

    @property
    def operator_id(self) -> str:
        return self.operator.operator_id


@dataclass(frozen=True, slots=True)
class Session:
    """One operator logged in at this counter. `second_factor` names the token that was
    presented ("" when none was configured or the login was automatic)."""

    operator: Operator
    started_at: datetime
    automatic: bool = False  # the built-in QA login of a simulated counter
    second_factor: str = ""

    @property
    def operator_id(self) -> str:
        return self.operator.operator_id


@dataclass(frozen=True, slots=True)
class SupervisorCredentials:
    """What a supervisor types into the approval dialog; checked in app/ (AuthService),
    never trusted from the GUI. The secret never appears in repr() or logs."""

    operator_id: str
    secret: str = field(repr=False)
    second_factor: str | None = field(default=None, repr=False)
