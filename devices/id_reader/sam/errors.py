"""Errors of the GA/T 467 SAM reader whose meaning no existing DeviceError has.

Kept here rather than in devices/errors.py so this backend lands on its own; the
codes are stable and listed in docs/sam-reader.md (the integrator moves them to
devices/errors.py and docs/errors.md, and adds their translations).
"""

from __future__ import annotations

from devices.errors import QT_TRANSLATE_NOOP, DeviceError, NoCardError


class SamLinkError(DeviceError):
    """The reader's security module received a damaged command (SW3 0x10, 0x11, 0x21)."""

    code = "DEV-050"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The reader received a damaged message ({detail}). Check the reader's cable and try again.",
    )


class UnrecognisedCardError(DeviceError):
    """SW3 0x40: the card in the field is not a card the security module knows."""

    code = "DEV-051"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The card on the reader is not an identity card the reader can read. Place the holder's ID card on it.",
    )


class CardAuthenticationError(DeviceError):
    """SW3 0x31, 0x32, 0x33: mutual authentication or data verification failed."""

    code = "DEV-052"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The card failed the reader's security check ({detail}). Place it on the reader again; "
        "if this repeats, the card may be damaged or not genuine: check it by hand.",
    )


class CardNotRemovedError(NoCardError):
    """No card found after a read: the SAM does not find the card just read again until
    it leaves the field, so the next card (or the same one, lifted) must be laid down."""

    code = "DEV-053"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "No new card on the reader: take off the card just read if it is still there, then place the next card.",
    )
