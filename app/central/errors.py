"""Central-store errors beyond those in app.errors."""

from __future__ import annotations

from app.errors import AppError, CentralUnavailableError, WorkflowError
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


# --- in transit and signed archives (#10) ----------------------------------------------


class CentralTlsError(CentralUnavailableError):
    """The TLS connection to a PostgreSQL registry failed its verification (`sslmode=
    verify-full`): unknown CA, a certificate for another host name, an expired
    certificate, a missing `sslrootcert` file, a server without TLS. Nothing was sent;
    like any unreachable registry the case waits, but only IT can fix it."""

    code = "CEN-008"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The central marriage registry's TLS certificate could not be verified ({detail}). Nothing was sent "
        "and the case waits. IT checks [central] url: sslrootcert must be the registry's CA certificate "
        "and the host must be the name in the server's certificate.",
    )


class ArchiveRejectedError(AppError):
    """The central store refused an archive package: unsigned, its signature not the
    counter's registered key's, a revoked key, files that do not match the signed
    manifest. Nothing of the call was stored; a resend gets the same answer."""

    code = "ARC-001"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The central registry refused the electronic archive of registration {reg_uuid}: {reason}. "
        "Nothing of it was stored; the counter keeps its copy. Contact IT support.",
    )
    exit_code = 1


class CounterKeyUnknownError(AppError):
    """The key that signed an archive is not the counter's registered, valid key (never
    registered, or another key is registered for the counter). Nothing was stored; the
    counter registers its key and sends again by itself."""

    code = "ARC-002"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The central registry does not know signing key {key_id} of counter {counter_id}: the archive was not "
        "stored and will be sent again. If the counter's key was renewed, IT revokes the old one "
        "(marriage-counter central revoke-key {counter_id}).",
    )
    exit_code = 1


class CounterKeyConflictError(AppError):
    """A counter's public key cannot be registered: the counter has another valid key,
    the key was revoked, or another counter has this key (a cloned PC)."""

    code = "ARC-003"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The signing key of counter {counter_id} cannot be registered: {reason}. Its archives wait. Contact IT "
        "support.",
    )
    exit_code = 1
