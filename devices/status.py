"""Device status model shown in the status bar: one indicator per device."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DeviceState(enum.StrEnum):
    READY = "ready"
    BUSY = "busy"
    NOT_READY = "not_ready"  # connected but waiting (no card, no paper, ...)
    UNAVAILABLE = "unavailable"  # not connected, driver missing, failed


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    kind: str
    name: str
    state: DeviceState
    simulated: bool
    reason: str = ""
