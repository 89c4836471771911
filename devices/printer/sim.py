"""Simulated printer: counts the pages of each PDF, keeps what it printed, runs out of paper.

Nothing leaves the machine: the jobs stay in `printed` for tests and the QA console.
The tray holds `printer.paper_sheets` sheets (endless when not given). Once the printer
is out of paper, by running empty, a fault, the timeline or the QA console, every job
fails with OutOfPaperError and the status stays NOT_READY("缺纸") until `load_paper()`.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from devices.errors import CorruptDataError
from devices.printer.base import PAPER_OUT_REASON, Printer
from devices.printer.errors import OutOfPaperError
from devices.printer.types import PrintJob
from devices.sim.common import SimDevice
from devices.sim.scenario import FaultKind, FaultOperation, Scenario
from devices.status import DeviceState

PRINTED_LIMIT = 100  # newest printouts kept; PDFs are large and a QA day is long

# A page object: "/Type /Page" or "/Type/Page", but not the page tree's "/Type /Pages".
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9])")
_PAGE_COUNT = re.compile(rb"/Count\s+(\d+)")


@dataclass(frozen=True, slots=True)
class Printout:
    job: PrintJob
    pdf_bytes: bytes


def count_pdf_pages(device: str, pdf_bytes: bytes) -> int:
    """Pages in a PDF, read from its uncompressed page objects (what Qt and Pillow write).

    A PDF that keeps its page objects in compressed object streams has none to find;
    then the largest `/Count` (the root of the page tree) is used. Raises
    CorruptDataError for bytes that are not a PDF or have no page.
    """
    if b"%PDF-" not in pdf_bytes[:1024]:  # the header may follow a little junk
        raise CorruptDataError(device, detail="the document to print is not a PDF")
    pages = len(_PAGE_OBJECT.findall(pdf_bytes))
    if pages == 0:
        pages = max((int(count) for count in _PAGE_COUNT.findall(pdf_bytes)), default=0)
    if pages == 0:
        raise CorruptDataError(device, detail="the PDF to print has no pages")
    return pages


class SimPrinter(SimDevice, Printer):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.PRINT

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.printer
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self._print_delay_s = spec.print_delay_s
        self._capacity = spec.paper_sheets
        self._sheets = spec.paper_sheets  # None: the tray never empties by itself
        self._paper_out = spec.paper_sheets == 0
        self._printed: deque[Printout] = deque(maxlen=PRINTED_LIMIT)
        if self._paper_out:
            self._set_status(*self._idle_status())

    # --- QA / test controls (any thread) ---------------------------------------------

    def run_out_of_paper(self) -> Future[None]:
        """Empties the tray: jobs fail with OutOfPaperError until `load_paper`.

        The future completes once the status is NOT_READY("缺纸").
        """
        with self._lock:
            self._paper_out = True
            if self._sheets is not None:
                self._sheets = 0
        return self._refresh_status_later()

    def load_paper(self, sheets: int | None = None) -> Future[None]:
        """Fills the tray: with `sheets` sheets, or as the scenario had it (endless when
        `paper_sheets` was not given). The future completes once the status is READY."""
        if sheets is not None and sheets < 1:
            raise ValueError("load at least one sheet")
        with self._lock:
            self._paper_out = False
            self._sheets = sheets if sheets is not None else self._capacity
        return self._refresh_status_later()

    @property
    def paper_out(self) -> bool:
        with self._lock:
            return self._paper_out

    @property
    def sheets_left(self) -> int | None:
        """Sheets in the tray; None when the tray is endless."""
        with self._lock:
            return self._sheets

    @property
    def printed(self) -> list[Printout]:
        """What was printed, oldest first (the newest 100 jobs)."""
        with self._lock:
            return list(self._printed)

    def clear_printed(self) -> None:
        with self._lock:
            self._printed.clear()

    # --- backend ----------------------------------------------------------------------

    def _idle_status(self) -> tuple[DeviceState, str]:
        if self.paper_out:
            return DeviceState.NOT_READY, PAPER_OUT_REASON
        return super()._idle_status()

    def _fault_fired(self, error: FaultKind) -> None:
        if error is FaultKind.OUT_OF_PAPER:
            with self._lock:
                self._paper_out = True
                if self._sheets is not None:
                    self._sheets = 0

    def _do_print_pdf(self, pdf_bytes: bytes, copies: int, title: str) -> PrintJob:
        return self._simulate(lambda: self._print(pdf_bytes, copies, title))

    def _print(self, pdf_bytes: bytes, copies: int, title: str) -> tuple[PrintJob, str]:
        pages = count_pdf_pages(self.name, pdf_bytes)
        sheets = pages * copies
        self._take_paper(0)  # out of paper already: fail before "printing"
        self._pause(self._print_delay_s)
        self._take_paper(sheets)
        job = PrintJob(
            pages=pages,
            copies=copies,
            printed_at=datetime.now().astimezone(),
            device_name=self.name,
            title=title,
        )
        with self._lock:
            self._printed.append(Printout(job, pdf_bytes))
        return job, f"{title or 'untitled'}: {pages} p × {copies}"

    def _take_paper(self, sheets: int) -> None:
        with self._lock:
            if not self._paper_out and (self._sheets is None or self._sheets >= sheets):
                if self._sheets is not None:
                    self._sheets -= sheets
                return
            # A job larger than what is left: the tray runs empty and nothing is printed.
            self._paper_out = True
            if self._sheets is not None:
                self._sheets = 0
        raise OutOfPaperError(self.name)
