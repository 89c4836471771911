"""Fingerprint scanners (指纹仪)."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.fingerprint.types import Finger, FingerprintCapture


class FingerprintScanner(Device):
    kind: ClassVar[str] = "fingerprint"

    def capture_fingerprint(self, finger: Finger | str = Finger.RIGHT_INDEX) -> Future[FingerprintCapture]:
        """Waits for `finger` on the scanner and captures it.

        Raises ValueError at once for an unknown finger name. Raises (through the
        future): CaptureQualityError (smudged or moved: ask again), DeviceTimeoutError
        (no finger placed in time), DeviceUnavailableError.
        """
        which = Finger(finger)
        return self._run("capture_fingerprint", lambda: self._do_capture_fingerprint(which))

    @abstractmethod
    def _do_capture_fingerprint(self, finger: Finger) -> FingerprintCapture: ...
