"""The coded errors of operators' login and permissions (AUTH-0xx, docs/errors.md).

Same conventions as app.errors: a stable code, an English template the GUI translates.
AUTH-001 says the same for a wrong secret and an unknown account, so the login screen
never tells anyone which operator ids exist.
"""

from __future__ import annotations

from app.errors import AppError
from devices.errors import QT_TRANSLATE_NOOP


class AuthError(AppError):
    """Base of the login and permission errors (exit code 1: a refusal)."""

    exit_code = 1


class WrongCredentialsError(AuthError):
    code = "AUTH-001"
    template = QT_TRANSLATE_NOOP("AppError", "The operator ID or the secret is wrong.")


class LockedOutError(AuthError):
    code = "AUTH-002"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "Too many failed attempts: this operator ID is locked at this counter until {until}. Wait, or ask "
        "IT to check the account.",
    )


class TrainingExpiredError(AuthError):
    code = "AUTH-003"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The training certificate of operator {operator_id} is not valid on {day} ({valid_until}): cases may "
        "be opened and reviewed, not registered. IT records the renewed training.",
    )


class RoleNotAllowedError(AuthError):
    code = "AUTH-004"
    template = QT_TRANSLATE_NOOP("AppError", "Operator {operator_id} may not do this: {reason}")


class SecondFactorError(AuthError):
    code = "AUTH-005"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The second factor (USB key / certificate) is missing or not accepted: {detail}",
    )


class NotLoggedInError(AuthError):
    code = "AUTH-006"
    template = QT_TRANSLATE_NOOP(
        "AppError", "No operator is logged in at this counter (or it is locked): log in first."
    )


class OperatorAdminError(AuthError):
    """`marriage-counter operators …` refused the change (exit code 2: bad input). IT's
    command line only, never shown at a counter: a plain English template, as CEN-007."""

    code = "AUTH-007"
    template = "The operator account was not changed: {reason}"
    exit_code = 2


class SimulatedCounterOnRealDataError(AuthError):
    """A counter on simulated devices (--simulate, a "sim:" device) logs in the built-in
    QA operator by itself: it must never do so over cases captured on real devices."""

    code = "AUTH-008"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "This counter runs on simulated devices, but its data folder {data_dir} holds {count} case(s) captured "
        "on real devices. A simulated counter never opens real cases: start the simulation with another data "
        "folder (MARRIAGE_COUNTER_DATA_DIR), or start this counter without --simulate and without sim: devices.",
    )
    exit_code = 2
