"""Errors of the PC/SC passport reader beyond the common ones in devices.errors.

Codes DEV-060..DEV-063 are this backend's; the English templates are marked for Qt
translation like the rest (the integrator may move them into devices.errors).
"""

from __future__ import annotations

from devices.errors import QT_TRANSLATE_NOOP, DeviceError


class MrzRequiredError(DeviceError):
    """read_card() was called before the GUI supplied the MRZ (set_mrz)."""

    code = "DEV-060"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The passport chip can only be read with the machine-readable zone (MRZ) of the document: "
        "scan or type the MRZ lines, then read again.",
    )


class InvalidMrzError(DeviceError):
    """The MRZ text is malformed or a check digit does not match."""

    code = "DEV-061"
    template = QT_TRANSLATE_NOOP("DeviceError", "The machine-readable zone (MRZ) is not valid: {detail}")


class AccessDeniedError(DeviceError):
    """Basic Access Control failed: the MRZ does not belong to the document on the reader."""

    code = "DEV-062"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The passport chip refused access: the MRZ does not match this document. Check the document "
        "number, date of birth and date of expiry, then read again.",
    )


class UnsupportedCardError(DeviceError):
    """The card is not an ICAO 9303 eMRTD, or it needs PACE only."""

    code = "DEV-063"
    template = QT_TRANSLATE_NOOP(
        "DeviceError", "The card on the reader is not a passport chip this reader can read: {detail}"
    )
    retryable = False

