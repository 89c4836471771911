"""What a printer reports back for a job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PrintJob:
    pages: int  # pages of one copy of the document
    copies: int
    printed_at: datetime  # aware, local time
    device_name: str
    title: str = ""  # the job name shown in the print queue

    @property
    def sheets(self) -> int:
        """Sheets of paper used (one-sided printing)."""
        return self.pages * self.copies
