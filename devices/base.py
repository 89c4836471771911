"""Common base of every device kind.

Public methods of each kind are concrete template methods: they run on the device
thread, set the status, translate unexpected failures into `DeviceError`s and call
one abstract `_do_...` method that a backend implements (pyscard's
`transmit -> doTransmit`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from devices._thread import DeviceThread
from devices.errors import DeviceError
from devices.events import Event
from devices.status import DeviceState, DeviceStatus

R = TypeVar("R")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    kind: str
    backend: str
    name: str
    simulated: bool


class Device:
    kind: ClassVar[str] = "device"
    backend: ClassVar[str] = "abstract"
    simulated: ClassVar[bool] = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.status_did_change: Event[DeviceStatus] = Event(f"{self.kind}.status_did_change")
        self._thread = DeviceThread(self.kind)
        self._status = DeviceStatus(self.kind, name, DeviceState.READY, self.simulated)

    @property
    def info(self) -> DeviceInfo:
        return DeviceInfo(self.kind, self.backend, self.name, self.simulated)

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def _set_status(self, state: DeviceState, reason: str = "") -> None:
        status = DeviceStatus(self.kind, self.name, state, self.simulated, reason)
        if status != self._status:
            self._status = status
            self.status_did_change.emit(status)

    def _run(self, operation: str, fn: Callable[[], R]) -> Future[R]:
        """Runs `fn` on the device thread with status, logging and error translation."""

        def call() -> R:
            started = time.monotonic()
            self._set_status(DeviceState.BUSY, operation)
            try:
                result = fn()
            except DeviceError as error:
                error.device = error.device or self.name
                log.warning("%s %s failed: [%s] %s", self.kind, operation, error.code, error.message)
                self._set_status(*self._state_after(error))
                raise
            except Exception as error:  # a backend bug or vendor exception: never leaks raw
                log.exception("%s %s failed unexpectedly", self.kind, operation)
                self._set_status(DeviceState.UNAVAILABLE, str(error))
                raise DeviceError(self.name, detail=f"{type(error).__name__}: {error}") from error
            log.info("%s %s done in %.0f ms", self.kind, operation, (time.monotonic() - started) * 1000)
            self._set_status(DeviceState.READY)
            return result

        return self._thread.submit(call)

    def _state_after(self, error: DeviceError) -> tuple[DeviceState, str]:
        from devices.errors import DeviceUnavailableError

        if isinstance(error, DeviceUnavailableError):
            return DeviceState.UNAVAILABLE, error.message
        return DeviceState.READY, ""

    def close(self) -> None:
        """Releases the device and joins its thread. Safe to call twice."""
        self._thread.shutdown(wait=True)
