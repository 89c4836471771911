"""Document cameras (高拍仪): still capture for documents and the couple's photo."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.camera.types import CapturedImage, DocumentClass


class DocumentCamera(Device):
    kind: ClassVar[str] = "camera"

    def capture(self, expected: DocumentClass | None = None) -> Future[CapturedImage]:
        """Captures one still image of what lies under the camera.

        `expected` is what the registrar is asking for; backends may use it to pick a
        capture profile. Raises (through the future): CaptureQualityError,
        DeviceUnavailableError, DeviceTimeoutError.
        """
        return self._run("capture", lambda: self._do_capture(expected))

    @abstractmethod
    def _do_capture(self, expected: DocumentClass | None) -> CapturedImage: ...
