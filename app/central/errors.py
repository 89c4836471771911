"""Central-store errors beyond those in app.errors."""

from __future__ import annotations

from app.errors import AppError
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
