"""Printers: print a finished PDF (forms, receipts, certificates).

Documents are laid out and rendered to PDF before they reach the printer, so a
printer only takes bytes: the same file is archived and printed.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.errors import DeviceError
from devices.printer.errors import OutOfPaperError, PaperJamError
from devices.printer.types import PrintJob
from devices.status import DeviceState

# Status reasons while the printer waits for the registrar: short, for the status bar.
PAPER_OUT_REASON = "缺纸"
PAPER_JAM_REASON = "卡纸"


class Printer(Device):
    kind: ClassVar[str] = "printer"

    def print_pdf(self, pdf_bytes: bytes, copies: int = 1, title: str = "") -> Future[PrintJob]:
        """Prints `copies` copies of the PDF document `pdf_bytes`.

        Raises ValueError at once when `copies` < 1. Raises (through the future):
        OutOfPaperError, PaperJamError (the status then stays NOT_READY until paper is
        loaded or the next job succeeds), CorruptDataError when the bytes are not a
        PDF, DeviceTimeoutError, DeviceUnavailableError.
        """
        if copies < 1:
            raise ValueError(f"copies must be at least 1, not {copies}")
        return self._run("print", lambda: self._do_print_pdf(pdf_bytes, copies, title))

    def _state_after(self, error: DeviceError) -> tuple[DeviceState, str]:
        if isinstance(error, OutOfPaperError):
            return DeviceState.NOT_READY, PAPER_OUT_REASON
        if isinstance(error, PaperJamError):
            return DeviceState.NOT_READY, PAPER_JAM_REASON
        return super()._state_after(error)

    @abstractmethod
    def _do_print_pdf(self, pdf_bytes: bytes, copies: int, title: str) -> PrintJob: ...
