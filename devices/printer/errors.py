"""Printer failures, beside the common ones in `devices.errors`."""

from __future__ import annotations

from devices.errors import QT_TRANSLATE_NOOP, DeviceError


class OutOfPaperError(DeviceError):
    code = "DEV-040"
    template = QT_TRANSLATE_NOOP("DeviceError", "The printer is out of paper. Load paper and print again.")


class PaperJamError(DeviceError):
    code = "DEV-041"
    template = QT_TRANSLATE_NOOP(
        "DeviceError", "Paper is jammed in the printer ({detail}). Clear the jam and print again."
    )
