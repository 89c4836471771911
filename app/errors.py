"""Errors the application reports to the registrar.

Like device errors they carry a stable code and an English template that the GUI
translates (zh_CN by default) and the CLI prints with the code.
"""

from __future__ import annotations

from typing import ClassVar

from devices.errors import QT_TRANSLATE_NOOP


class AppError(Exception):
    code: ClassVar[str] = "APP-000"
    template: ClassVar[str] = QT_TRANSLATE_NOOP("AppError", "Unexpected error: {detail}")
    exit_code: ClassVar[int] = 2

    def __init__(self, **params: object) -> None:
        self.params: dict[str, object] = {"detail": "", **params}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ConfigError(AppError):
    code = "CFG-001"
    template = QT_TRANSLATE_NOOP("AppError", "Invalid configuration in {source}, at {key}: {reason}")


class InvalidIdentityError(AppError):
    code = "ID-001"
    template = QT_TRANSLATE_NOOP("AppError", "The identity document is not valid: {reason}")
    exit_code = 1


class CentralUnavailableError(AppError):
    """The outcome of a central call is unknown; resending the same UUID resolves it."""

    code = "CEN-001"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The central marriage registry cannot be reached ({detail}). The case is saved and waits; "
        "try again when the network is back.",
    )
    exit_code = 3


class PartyAlreadyMarriedError(AppError):
    code = "CEN-002"
    template = QT_TRANSLATE_NOOP(
        "AppError", "The central registry shows {person} already in an active marriage."
    )
    exit_code = 1


class PayloadConflictError(AppError):
    code = "CEN-003"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "Registration {reg_uuid} was already sent with different content; it was not changed. "
        "Contact IT support.",
    )


class SimulatedDevicesRefusedError(AppError):
    code = "CEN-004"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "This central registry is a production registry and refuses registrations captured with "
        "simulated devices.",
    )
    exit_code = 1


class LocalStoreError(AppError):
    code = "LOC-001"
    template = QT_TRANSLATE_NOOP("AppError", "The counter's local database failed: {detail}")
    exit_code = 3


class DatabaseUpgradeError(AppError):
    """Upgrading a SQLite database (the local store, the embedded central store) to this
    version's schema failed; the backup taken just before was restored (app.store.upgrade)."""

    code = "LOC-002"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The database {database} could not be upgraded to schema {target} ({detail}). It was restored "
        "from the backup to schema {revision}: nothing was lost. The backup is kept at {backup}. "
        "Contact IT support.",
    )
    exit_code = 3


class DatabaseRestoreError(AppError):
    """The upgrade failed and putting the backup back failed too: the file may be damaged."""

    code = "LOC-003"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The database {database} could not be upgraded to schema {target} ({detail}), and restoring "
        "its backup failed too ({restore_detail}). Stop using this counter: IT must restore the backup "
        "{backup} with the program closed.",
    )
    exit_code = 3


class WorkflowError(AppError):
    code = "WF-001"
    template = QT_TRANSLATE_NOOP("AppError", "This step cannot be done now: {reason}")


class OutputError(AppError):
    code = "OUT-001"
    template = QT_TRANSLATE_NOOP(
        "AppError", "The forms could not be written or printed: {detail}. The registration itself is saved."
    )
    exit_code = 3


class CorruptArchiveError(AppError):
    code = "SYN-001"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "A local archive file no longer matches its recorded SHA-256 ({detail}); it was not sent. "
        "Contact IT support: the local copy is kept.",
    )
