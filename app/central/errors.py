"""Central-store errors beyond those in app.errors."""

from __future__ import annotations

from app.errors import AppError, WorkflowError
from devices.errors import QT_TRANSLATE_NOOP


class CentralIntegrityError(AppError):
    """The central registry refused the data for a reason no registrar can fix.

    A constraint other than the one-active-marriage rule failed (e.g. the certificate
    serials of an office and year are exhausted, or the schema and the client
    disagree). Resending will not help; IT must look at the registry.
    """

    code = "CEN-005"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The central marriage registry rejected the registration ({detail}). Nothing was "
        "registered. Contact IT support.",
    )


class CentralStateError(AppError):
    """The registry's records do not allow the request: a business answer, not a fault.

    Nothing was written; resending the same request gets the same answer. `reason` is
    Chinese text for the registrar. It reuses WorkflowError's template on purpose, whose
    translation exists ("当前不能执行此步骤：{reason}"), under its own code.
    """

    code = "CEN-006"
    template = WorkflowError.template
    exit_code = 1


class MarriageNotFoundError(CentralStateError):
    """No marriage in the registry has this certificate number."""


class MarriageNotActiveError(CentralStateError):
    """The marriage was already dissolved."""


class OpenDivorceApplicationExistsError(CentralStateError):
    """The marriage already has a pending divorce application (at most one may be open)."""


class DivorceApplicationNotFoundError(CentralStateError):
    """No divorce application with this UUID."""


class DivorceApplicationNotOpenError(CentralStateError):
    """The application was withdrawn, deemed withdrawn or already registered."""


class DivorceAtOtherOfficeError(CentralStateError):
    """A divorce is registered only at the office that accepted the application."""


class RegistrationNotFoundError(CentralStateError):
    """No registration with this UUID at this office (another office's is answered alike)."""


class AmbiguousReceiptError(CentralStateError):
    """A typed receipt number matches more than one divorce application (the 8 hex digits
    of two applications' UUIDs collided at one office on one day): use the QR code."""


class ReissueRefusedError(CentralStateError):
    """补领 refused: the registry's records no longer match the certificate to reissue
    (unknown number, not the person's, or the status changed: divorced, remarried)."""
