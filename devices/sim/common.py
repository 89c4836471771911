"""What every simulated backend shares: fault table, connection flag, history, waits.

Simulated devices are shipped code (architecture §3): they go through the same base
template as real backends, so they log, set the status and raise the same errors.
The QA/test controls here are thread-safe because the QA console calls them from the
GUI thread while the device thread is working.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from devices.base import Device
from devices.errors import (
    CaptureQualityError,
    CardRemovedError,
    CorruptDataError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NoCardError,
    SignatureCancelledError,
)
from devices.sim.scenario import FaultKind, FaultOperation, FaultSpec, Scenario, check_fault_allowed
from devices.status import DeviceState

R = TypeVar("R")

HISTORY_LIMIT = 1000  # a QA session can run all day; keep the newest entries only
DEFAULT_TIMEOUT_S = 5.0  # what a timeout fault reports when it has no delay of its own
UNPLUGGED_DETAIL = "simulated: the device was unplugged"
CLOSED_DETAIL = "the device was closed"


@dataclass(slots=True)
class _ArmedFault:
    error: FaultKind
    delay_s: float
    remaining: int | None  # calls left to fail; None for a probability fault
    probability: float | None


@dataclass(frozen=True, slots=True)
class FiredFault:
    error: FaultKind
    delay_s: float


class FaultTable:
    """Faults per operation, evaluated in order: `times` ones first fire, then expire.

    Probability faults draw from one seeded `random.Random`, so a scenario with
    `seed:` fails on exactly the same calls every run.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._faults: dict[FaultOperation, list[_ArmedFault]] = {}

    def add(
        self,
        operation: FaultOperation,
        error: FaultKind,
        *,
        times: int | None = None,
        probability: float | None = None,
        delay_s: float = 0.0,
    ) -> None:
        if (times is None) == (probability is None):
            raise ValueError("give exactly one of times or probability")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if delay_s < 0:
            raise ValueError("delay_s must not be negative")
        with self._lock:
            self._faults.setdefault(operation, []).append(_ArmedFault(error, delay_s, times, probability))

    def draw(self, operation: FaultOperation) -> FiredFault | None:
        """The fault that fires on this call, if any; consumes one use of a `times` fault."""
        with self._lock:
            faults = self._faults.get(operation, [])
            for fault in faults:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        faults.remove(fault)
                    return FiredFault(fault.error, fault.delay_s)
                if fault.probability is not None and self._rng.random() < fault.probability:
                    return FiredFault(fault.error, fault.delay_s)
            return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def fault_error(error: FaultKind, device: str, delay_s: float) -> DeviceError:
    """The DeviceError a real backend would raise for this kind of failure."""
    match error:
        case FaultKind.TIMEOUT:
            return DeviceTimeoutError(device, seconds=f"{delay_s or DEFAULT_TIMEOUT_S:g}")
        case FaultKind.NO_CARD:
            return NoCardError(device)
        case FaultKind.CARD_REMOVED:
            return CardRemovedError(device)
        case FaultKind.GARBAGE:
            return CorruptDataError(device, detail="simulated: garbled frame (checksum mismatch)")
        case FaultKind.UNPLUGGED:
            return DeviceUnavailableError(device, detail=UNPLUGGED_DETAIL)
        case FaultKind.LOW_QUALITY:
            return CaptureQualityError(device, detail="simulated: the image is blurred")
        case FaultKind.CANCELLED:
            return SignatureCancelledError(device, detail="simulated: the signer pressed Cancel")


class SimDevice(Device):
    """Mixed in before the kind's base: `class SimIdReader(SimDevice, IdReader)`."""

    backend: ClassVar[str] = "sim"
    simulated: ClassVar[bool] = True
    sim_operation: ClassVar[FaultOperation]  # the one operation this kind performs

    def __init__(
        self, name: str, scenario: Scenario, faults: Sequence[FaultSpec], *, seed: int | None = None
    ) -> None:
        super().__init__(name)
        self.scenario = scenario
        self._lock = threading.Lock()
        self._connected = True
        # Set to cut a simulated wait short: unplugging, closing, removing the card.
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._history: deque[tuple[str, str]] = deque(maxlen=HISTORY_LIMIT)
        # A string seed is hashed deterministically (unlike hash()), and the kind in it
        # keeps three devices of one scenario from drawing the same sequence.
        self._faults = FaultTable(random.Random(f"{scenario.seed if seed is None else seed}:{self.kind}"))
        for fault in faults:
            self._faults.add(
                fault.operation,
                fault.error,
                times=fault.times,
                probability=fault.probability,
                delay_s=fault.delay_s,
            )

    # --- QA / test controls (any thread) ---------------------------------------------

    def inject_fault(
        self,
        operation: FaultOperation | str,
        error: FaultKind | str,
        times: int = 1,
        delay_s: float = 0.0,
        *,
        probability: float | None = None,
    ) -> None:
        """Makes the next `times` calls of `operation` fail with `error`.

        With `probability`, every call fails with that chance instead (until
        `clear_faults`). Raises ValueError for an operation this device does not
        perform or an error that cannot happen during it.
        """
        operation = FaultOperation(operation)
        error = FaultKind(error)
        if operation != self.sim_operation:
            raise ValueError(f"a {self.kind} performs {self.sim_operation.value!r}, not {operation.value!r}")
        check_fault_allowed(operation, error)
        if probability is not None:
            self._faults.add(operation, error, probability=probability, delay_s=delay_s)
        else:
            self._faults.add(operation, error, times=times, delay_s=delay_s)

    def clear_faults(self) -> None:
        """Drops every pending fault, the scenario's included."""
        self._faults.clear()

    @property
    def connected(self) -> bool:
        with self._lock:
            return self._connected

    def set_connected(self, connected: bool) -> Future[None]:
        """Simulates unplugging (False) or plugging back (True).

        The flag changes at once, so a call in progress fails; the status change is
        queued on the device thread so that it is ordered with the device's own
        status updates. The returned future completes once the status is set.
        """
        with self._lock:
            self._connected = connected
        if not connected:
            self._wake.set()
        if self._closed.is_set():
            done: Future[None] = Future()
            done.set_result(None)
            return done
        return self._thread.submit(self._apply_connection)

    @property
    def history(self) -> list[tuple[str, str]]:
        """(operation, result or error code) of each call, oldest first."""
        with self._lock:
            return list(self._history)

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        super().close()

    # --- for the backends ----------------------------------------------------------------

    def _apply_connection(self) -> None:
        if not self.connected:
            self._set_status(DeviceState.UNAVAILABLE, fault_error(FaultKind.UNPLUGGED, self.name, 0).message)
        elif self.status.state == DeviceState.UNAVAILABLE:
            self._set_status(DeviceState.READY)

    def _simulate(self, body: Callable[[], tuple[R, str]]) -> R:
        """Runs one operation: connection check, scenario/injected faults, then `body`.

        `body` returns the result and a short summary for the history (a person id,
        a document id). Runs on the device thread.
        """
        operation = self.sim_operation.value
        self._wake.clear()
        try:
            self._check_connected()
            fault = self._faults.draw(self.sim_operation)
            if fault is not None:
                self._pause(fault.delay_s)
                raise fault_error(fault.error, self.name, fault.delay_s)
            result, summary = body()
        except DeviceError as error:
            self._record(operation, error.code)
            raise
        self._record(operation, summary)
        return result

    def _pause(self, seconds: float) -> None:
        """Sleeps like the hardware would, but wakes at once on unplug or close."""
        if seconds > 0 and not self._closed.is_set():
            self._wake.wait(seconds)
        self._check_connected()

    def _check_connected(self) -> None:
        if self._closed.is_set():
            raise DeviceUnavailableError(self.name, detail=CLOSED_DETAIL)
        if not self.connected:
            raise fault_error(FaultKind.UNPLUGGED, self.name, 0)

    def _record(self, operation: str, outcome: str) -> None:
        with self._lock:
            self._history.append((operation, outcome))
