"""E-signature pads: the party signs a declaration shown on the pad."""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.signature_pad.types import SignatureCapture


class SignaturePad(Device):
    kind: ClassVar[str] = "signature_pad"

    def capture_signature(self, signer: str, document_text: str) -> Future[SignatureCapture]:
        """Shows `document_text` on the pad and collects `signer`'s signature.

        Raises (through the future): SignatureCancelledError, DeviceUnavailableError,
        DeviceTimeoutError.
        """
        return self._run("capture_signature", lambda: self._do_capture_signature(signer, document_text))

    @abstractmethod
    def _do_capture_signature(self, signer: str, document_text: str) -> SignatureCapture: ...
