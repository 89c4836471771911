"""Permission checks on the workflows' public methods (#10).

`@guarded(Permission.X)` on a workflow method asks the workflow's CounterGuard
before the method runs (raising AUTH-003/004/006 before anything is saved) and names
the method for the audit events it causes. A workflow built without a guard (unit
tests of single parts, command-line tools that only resend) runs unchecked; the
counter's composition root (app.bootstrap) always gives one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from app.auth.errors import RoleNotAllowedError
from app.auth.guard import CounterGuard
from app.auth.model import ApprovalKind, Operator, Permission, SupervisorCredentials
from app.domain.case import MarriageCase
from app.errors import WorkflowError

P = ParamSpec("P")
R = TypeVar("R")


class Guarded(Protocol):
    guard: CounterGuard | None


W = TypeVar("W", bound=Guarded)


def guarded(permission: Permission) -> Callable[[Callable[Concatenate[W, P], R]], Callable[Concatenate[W, P], R]]:
    def decorate(method: Callable[Concatenate[W, P], R]) -> Callable[Concatenate[W, P], R]:
        action = method.__name__

        @functools.wraps(method)
        def checked(self: W, /, *args: P.args, **kwargs: P.kwargs) -> R:
            guard = self.guard
            if guard is None:
                return method(self, *args, **kwargs)
            case = args[0] if args and isinstance(args[0], MarriageCase) else None
            guard.require(permission, action=action, case_id=case.case_id if case is not None else None)
            with guard.acting(action):
                return method(self, *args, **kwargs)

        return checked

    return decorate


def approving_supervisor(
    guard: CounterGuard | None, supervisor: SupervisorCredentials | str, kind: ApprovalKind, *, case_id: str
) -> tuple[str, str, Operator | None]:
    """(name, operator id, operator) of the supervisor approving an override.

    At a counter with a guard the supervisor authenticates (SupervisorCredentials,
    checked by the AuthService: secret, lockout, second factor, role); a name typed by
    someone else is refused. Without a guard (unit tests, tools) a name is recorded as
    given, with no operator id."""
    if isinstance(supervisor, SupervisorCredentials):
        if guard is None:
            raise WorkflowError(reason="此柜台没有登录服务，无法核验主管身份")
        operator = guard.approve(supervisor, kind, case_id=case_id)
        return operator.name, operator.operator_id, operator
    if guard is not None:
        raise RoleNotAllowedError(operator_id=guard.sessions.active().operator_id,
                                  reason="批准须由主管在柜台上输入本人账号和口令")
    return supervisor, "", None
