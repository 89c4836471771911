"""What every simulated backend shares: fault table, timeline, connection flag, history.

Simulated devices are shipped code (architecture §3): they go through the same base
template as real backends, so they log, set the status and raise the same errors.
The QA/test controls here are thread-safe because the QA console calls them from the
GUI thread while the device thread is working.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from devices.base import Device
from devices.errors import (
    CaptureQualityError,
    CardRemovedError,
    CorruptDataError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NoCardError,
    NoLiveFaceError,
    SignatureCancelledError,
)
from devices.events import Event
from devices.printer.errors import OutOfPaperError, PaperJamError
from devices.sim.scenario import (
    EVENT_ARGUMENT,
    CentralFaultKind,
    CentralOperation,
    CentralSpec,
    FaultKind,
    FaultOperation,
    FaultSpec,
    Scenario,
    TimelineEntrySpec,
    TimelineEvent,
    check_event_allowed,
    check_fault_allowed,
)
from devices.status import DeviceState

R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger(__name__)

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


def check_trigger(times: int | None, probability: float | None, delay_s: float) -> None:
    """A fault fires on the next `times` calls or with `probability` on each, after `delay_s`."""
    if (times is None) == (probability is None):
        raise ValueError("give exactly one of times or probability")
    if times is not None and times < 1:
        raise ValueError("times must be at least 1")
    if probability is not None and not 0.0 <= probability <= 1.0:
        raise ValueError("probability must be between 0 and 1")
    if delay_s < 0:
        raise ValueError("delay_s must not be negative")


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
        check_trigger(times, probability, delay_s)
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
        case FaultKind.OUT_OF_PAPER:
            return OutOfPaperError(device)
        case FaultKind.PAPER_JAM:
            return PaperJamError(device, detail="simulated: a sheet is stuck at the fuser")
        case FaultKind.NO_FACE:
            return NoLiveFaceError(device, detail="simulated: nobody faces the camera")


@dataclass(frozen=True, slots=True)
class FiredCentralFault:
    error: CentralFaultKind
    delay_s: float


@dataclass(slots=True)
class _ArmedCentralFault:
    operation: CentralOperation
    error: CentralFaultKind
    delay_s: float
    remaining: int | None
    probability: float | None


class CentralFaultTable:
    """The scenario's `central.faults`, for the app to apply to its central-store calls.

    Same rules as a device's fault table: evaluated in order, a `times` fault fires on
    the next N matching calls then expires, a `probability` fault draws from the
    scenario's seed. An `any` fault matches both `register` and `lookup` calls.
    Thread-safe. What a fired fault means (which exception, how long to wait) is the
    app's business; this only decides *whether* a call fails.
    """

    def __init__(self, spec: CentralSpec, seed: int | str = 0) -> None:
        self._rng = random.Random(f"{seed}:central")
        self._lock = threading.Lock()
        self._faults: list[_ArmedCentralFault] = []
        for fault in spec.faults:
            self.add(
                fault.operation, fault.error, times=fault.times, probability=fault.probability, delay_s=fault.delay_s
            )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> CentralFaultTable:
        return cls(scenario.central, scenario.seed)

    def add(
        self,
        operation: CentralOperation | str,
        error: CentralFaultKind | str,
        *,
        times: int | None = None,
        probability: float | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Arms one more fault (the QA console's "central unreachable next 2 calls")."""
        check_trigger(times, probability, delay_s)
        armed = _ArmedCentralFault(CentralOperation(operation), CentralFaultKind(error), delay_s, times, probability)
        with self._lock:
            self._faults.append(armed)

    def draw(self, operation: CentralOperation | str) -> FiredCentralFault | None:
        """The fault that fires on this call, if any. `operation` is register or lookup."""
        operation = CentralOperation(operation)
        if operation is CentralOperation.ANY:
            raise ValueError("draw for a concrete operation: register or lookup")
        with self._lock:
            for fault in self._faults:
                if fault.operation not in (operation, CentralOperation.ANY):
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return FiredCentralFault(fault.error, fault.delay_s)
                if fault.probability is not None and self._rng.random() < fault.probability:
                    return FiredCentralFault(fault.error, fault.delay_s)
            return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def certain_outage(self) -> bool:
        """Whether the next call of any kind is sure to fail (a "ping" says down)."""
        with self._lock:
            return any(
                f.operation is CentralOperation.ANY and (f.remaining is not None or f.probability == 1.0)
                for f in self._faults
            )

    def __len__(self) -> int:
        """Faults still armed (a probability fault counts as one)."""
        with self._lock:
            return len(self._faults)


# --- state the devices of one scenario share ------------------------------------------


class CounterState:
    """What the simulated devices opened from one scenario know of each other, like
    the people at a real counter do: whose card the reader read last is whose face the
    camera sees when the registrar asks for the live face. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_card: str | None = None

    def card_read(self, person_id: str) -> None:
        """The simulated ID reader read this person's card (device thread)."""
        with self._lock:
            self._last_card = person_id

    @property
    def last_card(self) -> str | None:
        """The person whose card was read last, if any."""
        with self._lock:
            return self._last_card


# Keyed by the Scenario object's id (a frozen pydantic model with lists is not
# hashable); the finalizer drops an entry when its scenario goes away, before the id
# could be reused. Devices opened together share one Scenario object (the registry's
# scenario cache), so they share one state; separately loaded copies do not.
_counter_states: dict[int, CounterState] = {}
_counter_states_lock = threading.Lock()


def counter_state(scenario: Scenario) -> CounterState:
    """The state shared by every simulated device of this scenario object."""
    key = id(scenario)
    with _counter_states_lock:
        state = _counter_states.get(key)
        if state is None:
            state = _counter_states[key] = CounterState()
            weakref.finalize(scenario, _forget_counter_state, key)
        return state


def _forget_counter_state(key: int) -> None:
    with _counter_states_lock:
        _counter_states.pop(key, None)


# --- timeline event targets ----------------------------------------------------------
# What a device must offer for the events beyond hot-plugging (scenario.ALLOWED_EVENTS
# says which device gets which event). Protocols, so that the shared code here needs
# no knowledge of each backend.


@runtime_checkable
class CardSlot(Protocol):
    def present_card(self, person_id: str) -> None: ...
    def remove_card(self) -> None: ...


@runtime_checkable
class DocumentTable(Protocol):
    def present_document(self, document_id: str) -> None: ...


@runtime_checkable
class PaperTray(Protocol):
    def run_out_of_paper(self) -> Future[None]: ...
    def load_paper(self, sheets: int | None = None) -> Future[None]: ...


@dataclass(frozen=True, slots=True)
class SimEvent:
    """A timeline event as it happened: from the scenario's timeline or by hand."""

    device: str  # the device's kind
    event: TimelineEvent
    person: str | None = None
    document: str | None = None
    source: Literal["at_s", "after_calls", "manual"] = "manual"


class _StartsTimeline(type):
    """Starts a simulated device's timeline once its whole `__init__` chain has run.

    Started any earlier, an `at_s: 0` event could reach a backend whose own `__init__`
    (which runs after SimDevice's) has not yet set up the state the event changes.
    """

    def __call__(cls: type[T], *args: Any, **kwargs: Any) -> T:
        device = super().__call__(*args, **kwargs)  # type: ignore[misc]
        device._start_timeline()
        return device  # type: ignore[no-any-return]


class SimDevice(Device, metaclass=_StartsTimeline):
    """Mixed in before the kind's base: `class SimIdReader(SimDevice, IdReader)`.

    The scenario's `timeline:` entries for this device run by themselves: `after_calls`
    ones on the device thread right after that call, `at_s` ones from a timer thread
    that close() stops and joins.
    """

    backend: ClassVar[str] = "sim"
    simulated: ClassVar[bool] = True
    sim_operation: ClassVar[FaultOperation]  # the one operation this kind performs

    def __init__(
        self, name: str, scenario: Scenario, faults: Sequence[FaultSpec], *, seed: int | None = None
    ) -> None:
        super().__init__(name)
        self.scenario = scenario
        # Every timeline event this device applies, scripted or by hand (any thread).
        self.timeline_did_fire: Event[SimEvent] = Event(f"{self.kind}.timeline_did_fire")
        self._lock = threading.Lock()
        self._connected = True
        # Set to cut a simulated wait short: unplugging, closing, removing the card.
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._history: deque[tuple[str, str]] = deque(maxlen=HISTORY_LIMIT)
        self._opened_at = time.monotonic()
        self._calls = 0  # operations so far, failed ones included (for after_calls events)
        timeline = scenario.timeline_of(self.kind)
        self._after_calls = [entry for entry in timeline if entry.after_calls is not None]
        self._at = sorted((entry for entry in timeline if entry.at_s is not None), key=lambda e: e.at_s or 0.0)
        self._timer: threading.Thread | None = None
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
        return self._refresh_status_later()

    def fire_event(
        self, event: TimelineEvent | str, *, person: str | None = None, document: str | None = None
    ) -> Future[None]:
        """Applies a timeline event now, as the scenario's timeline would (QA console).

        Raises ValueError for an event this device cannot have, a missing or unneeded
        person/document, or an unknown id. The returned future completes once any
        status change the event causes is set.
        """
        event = TimelineEvent(event)
        check_event_allowed(self.kind, event)
        needed = EVENT_ARGUMENT.get(event)
        if (person is not None) != (needed == "person") or (document is not None) != (needed == "document"):
            raise ValueError(f"{event.value!r} needs {needed or 'no argument'}")
        return self._fire(SimEvent(self.kind, event, person, document))

    @property
    def pending_timeline(self) -> list[TimelineEntrySpec]:
        """The scenario's timeline entries for this device that have not fired yet."""
        with self._lock:
            return [*self._at, *self._after_calls]

    @property
    def calls(self) -> int:
        """Operations performed so far, failed ones included."""
        with self._lock:
            return self._calls

    @property
    def history(self) -> list[tuple[str, str]]:
        """(operation, result or error code) of each call, oldest first."""
        with self._lock:
            return list(self._history)

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join()
        super().close()

    # --- timeline --------------------------------------------------------------------

    def _start_timeline(self) -> None:
        """Called once the device is fully built (see _StartsTimeline)."""
        if self._at and not self._closed.is_set():
            self._timer = threading.Thread(
                target=self._run_timer, name=f"sim-timeline-{self.kind}", daemon=True
            )
            self._timer.start()

    def _run_timer(self) -> None:
        while True:
            with self._lock:
                if not self._at:
                    return
                entry = self._at[0]
            due = self._opened_at + (entry.at_s or 0.0)
            if self._closed.wait(max(due - time.monotonic(), 0.0)):
                return  # closed: the remaining events never happen
            with self._lock:
                self._at.pop(0)
            self._fire_logged(SimEvent(self.kind, entry.event, entry.person, entry.document, "at_s"))

    def _count_call(self) -> None:
        """After each operation, on the device thread: fires the `after_calls` events due."""
        with self._lock:
            self._calls += 1
            due = [entry for entry in self._after_calls if entry.after_calls == self._calls]
            self._after_calls = [entry for entry in self._after_calls if entry not in due]
        for entry in due:
            self._fire_logged(SimEvent(self.kind, entry.event, entry.person, entry.document, "after_calls"))

    def _fire(self, event: SimEvent) -> Future[None]:
        """Changes the device state at once; status changes are queued on the device thread."""
        log.info("%s simulated event %s (%s)", self.kind, event.event.value, event.source)
        done = self._apply_event(event)
        self.timeline_did_fire.emit(event)
        return done

    def _fire_logged(self, event: SimEvent) -> None:
        # The loader has checked scripted events, so a failure is a bug: log it, and keep
        # the timer thread (or the call that triggered it) going.
        try:
            self._fire(event)
        except Exception:
            log.exception("%s simulated event %s failed", self.kind, event.event.value)

    def _apply_event(self, event: SimEvent) -> Future[None]:
        match event.event:
            case TimelineEvent.UNPLUGGED:
                return self.set_connected(False)
            case TimelineEvent.REPLUGGED:
                return self.set_connected(True)
            case TimelineEvent.CARD_INSERTED if isinstance(self, CardSlot) and event.person:
                self.present_card(event.person)
            case TimelineEvent.CARD_REMOVED if isinstance(self, CardSlot):
                self.remove_card()
            case TimelineEvent.DOCUMENT_SHOWN if isinstance(self, DocumentTable) and event.document:
                self.present_document(event.document)
            case TimelineEvent.PAPER_OUT if isinstance(self, PaperTray):
                return self.run_out_of_paper()
            case TimelineEvent.PAPER_LOADED if isinstance(self, PaperTray):
                return self.load_paper()
            case _:
                raise ValueError(f"a {self.kind} cannot apply {event.event.value!r}")
        return self._refresh_status_later()

    # --- for the backends ----------------------------------------------------------------

    def _idle_status(self) -> tuple[DeviceState, str]:
        """The status of the connected device between calls; a printer out of paper
        overrides this."""
        return DeviceState.READY, ""

    def _refresh_status(self) -> None:
        """Sets the status the device state implies. On the device thread, so never
        during a call (whose own status updates it would overwrite)."""
        if not self.connected:
            self._set_status(DeviceState.UNAVAILABLE, fault_error(FaultKind.UNPLUGGED, self.name, 0).message)
        else:
            self._set_status(*self._idle_status())

    def _refresh_status_later(self) -> Future[None]:
        if not self._closed.is_set():
            try:
                return self._thread.submit(self._refresh_status)
            except RuntimeError:  # closed meanwhile: the executor takes no more work
                pass
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def _fault_fired(self, error: FaultKind) -> None:
        """Hook: a scenario or injected fault fires now, on the device thread (a printer
        that reports out-of-paper stays out of paper)."""

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
                self._fault_fired(fault.error)
                raise fault_error(fault.error, self.name, fault.delay_s)
            result, summary = body()
        except DeviceError as error:
            self._record(operation, error.code)
            raise
        else:
            self._record(operation, summary)
            return result
        finally:
            self._count_call()

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
