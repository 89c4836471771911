"""Composition root: builds the counter's services from the configuration.

Nothing here may stop the counter from starting: a device that cannot be opened is
reported with its reason, and a central store that cannot be reached leaves capture
working offline (only the register step needs it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from app.archive.signing import counter_signer
from app.audit import AuditEvent, AuditSink
from app.audit.trail import AuditTrail
from app.auth.errors import SimulatedCounterOnRealDataError
from app.auth.guard import CounterGuard
from app.auth.model import Account
from app.auth.second_factor import second_factor_from_spec
from app.auth.service import AuthService
from app.auth.session import CounterSession
from app.central.audit_heads import AuditHeadRecord
from app.central.embedded import central_store
from app.central.keys import CounterKey
from app.central.store import CentralStore
from app.central.types import (
    ActiveMarriage,
    DivorceAck,
    DivorceApplicationAck,
    DivorceApplicationDetail,
    DivorceApplicationRecord,
    MarriageRecord,
    MarriageRegistrationRequest,
    RegistrationAck,
    ReissueAck,
    ReissueRequest,
)
from app.config import Config
from app.domain.case import DeviceMode
from app.errors import AppError, CentralUnavailableError, LocalStoreError
from app.policy_data import rules_context
from app.resources import resources_dir
from app.rules.holidays import HolidayCalendar
from app.store.local import LocalStore
from app.store.upgrade import shred_file
from app.sync.service import SyncService
from app.workflow.clock import Clock, OffsetClock, SystemClock
from app.workflow.divorce import DivorceWorkflow
from app.workflow.forms import absorb_legacy_output
from app.workflow.marriage import MarriageWorkflow
from app.workflow.reissue import ReissueWorkflow
from devices import registry
from devices.base import Device
from devices.errors import DeviceError
from devices.registry import OpenSessions, open_device, opened_by_gui
from devices.sim.common import CentralFaultTable
from devices.sim.scenario import CentralFaultKind, CentralOperation, CentralSpec, Scenario

log = logging.getLogger(__name__)
T = TypeVar("T")

DEVICE_KINDS = ("id_reader", "camera", "signature_pad", "barcode")
LOCKOUT_KEY_NAME = "auth-lockout"  # the key store's name of the lockout entries' HMAC key


class FaultInjectionNotAllowedError(RuntimeError):
    """Central faults are a QA control: a counter on real devices never fakes an outage."""


SIMULATED_OUTAGE_DETAIL = {
    CentralFaultKind.UNREACHABLE: "simulated: the network is unreachable",
    CentralFaultKind.TIMEOUT: "simulated: the call timed out after {seconds:g} s",
}


def _enum_value(value: object) -> str:
    """A scenario's enum member or plain string, as the string our enums take."""
    return str(getattr(value, "value", value))


class CentralConnection:
    """Opens the central store on first use and again after a failure, so a counter
    that started while the network was down recovers without a restart.

    On a counter with simulated devices QA can make the central store unreachable for
    the next calls (`inject_fault`), by hand from the QA console or from the
    scenario's `central.faults`; the failure is the CentralUnavailableError a real
    outage gives, raised before the store is touched."""

    def __init__(
        self, url: str, *, fault_injection: bool = False, seed: int = 0,
        open_store: Callable[[], CentralStore] | None = None,
    ) -> None:
        self.url = url
        # How the store is made: the embedded one needs its key (app.central.embedded).
        self._new_store = open_store or (lambda: CentralStore(url))
        self._store: CentralStore | None = None
        self._lock = threading.Lock()
        self.last_error = ""
        self.fault_injection = fault_injection
        self._faults = CentralFaultTable(CentralSpec(), seed)  # the same rules as the scenario's
        self._cleared = threading.Event()  # cuts a simulated timeout short

    # --- QA controls (simulated counters only; any thread) ---------------------------

    def inject_fault(
        self,
        times: int | None = 1,
        delay_s: float = 0.0,
        *,
        operation: CentralOperation | str = CentralOperation.ANY,
        error: CentralFaultKind | str = CentralFaultKind.UNREACHABLE,
        probability: float | None = None,
    ) -> None:
        """The next `times` central calls of `operation` fail as if the network were
        down (or, with `probability`, every call fails with that chance until
        `clear_faults`). Raises FaultInjectionNotAllowedError on a real counter and
        ValueError for impossible values."""
        if not self.fault_injection:
            raise FaultInjectionNotAllowedError("central faults can be injected only on a simulated counter")
        if probability is not None:
            times = None
        self._faults.add(operation, error, times=times, probability=probability, delay_s=delay_s)
        self._cleared.clear()

    def clear_faults(self) -> None:
        """The network is back: drops every pending fault, the scenario's included."""
        self._faults.clear()
        self._cleared.set()

    @property
    def pending_faults(self) -> int:
        """Faults still armed (a probability fault counts as one)."""
        return len(self._faults)

    def load_scenario_faults(self, scenario: object) -> int:
        """Arms the `central.faults` of a simulator scenario, when its format has them
        (read defensively: older scenario formats have no `central` section). Returns
        how many were armed."""
        central = getattr(scenario, "central", None)
        faults: Iterable[Any] = getattr(central, "faults", None) or ()
        armed = 0
        for index, fault in enumerate(faults):
            try:
                self.inject_fault(
                    getattr(fault, "times", None),
                    float(getattr(fault, "delay_s", 0.0) or 0.0),
                    operation=_enum_value(getattr(fault, "operation", CentralOperation.ANY)),
                    error=_enum_value(getattr(fault, "error", CentralFaultKind.UNREACHABLE)),
                    probability=getattr(fault, "probability", None),
                )
            except (ValueError, TypeError) as error:  # nothing may stop the counter from starting
                log.error("central.faults[%d] of the scenario ignored: %s", index, error)
                continue
            armed += 1
        return armed

    def _simulated_outage(self, operation: CentralOperation) -> None:
        if not self.fault_injection:
            return
        fault = self._faults.draw(operation)
        if fault is None:
            return
        if fault.delay_s > 0:
            self._cleared.wait(fault.delay_s)  # runs on a worker thread, never the GUI's
        detail = SIMULATED_OUTAGE_DETAIL[fault.error].format(seconds=fault.delay_s)
        log.warning("central %s call failed: %s", operation.value, detail)
        raise CentralUnavailableError(detail=detail)

    # --- the store ----------------------------------------------------------------------

    def _open(self) -> CentralStore:
        with self._lock:
            if self._store is None:
                try:
                    store = self._new_store()
                except Exception as error:
                    # No key store or not this file's key (SEC-001..004), a conversion that
                    # could not run (the file open elsewhere): unreachable for every caller
                    # (they retry and show it), with its own code or cause in the detail.
                    detail = f"[{error.code}] {error.message}" if isinstance(error, AppError) else str(error)
                    self.last_error = detail
                    raise CentralUnavailableError(detail=detail) from error
                try:
                    store.open()
                except AppError as error:
                    store.close()
                    self.last_error = error.message
                    raise
                except Exception as error:
                    store.close()
                    self.last_error = str(error)
                    raise CentralUnavailableError(detail=str(error)) from error
                self._store = store
            return self._store

    def _call(self, fn: Callable[[CentralStore], T], operation: CentralOperation = CentralOperation.LOOKUP) -> T:
        try:
            self._simulated_outage(operation)
            result = fn(self._open())
        except CentralUnavailableError as error:
            self.last_error = error.message
            raise
        self.last_error = ""
        return result

    def _write(self, fn: Callable[[CentralStore], T]) -> T:
        return self._call(fn, CentralOperation.REGISTER)

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        return self._call(lambda store: store.active_marriage_of(person_key))

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        return self._write(lambda store: store.register_marriage(request))

    def store_archive_files(
        self, reg_uuid: str, office_code: str, files: Iterable[tuple[str, str, bytes]]
    ) -> dict[str, str]:
        return self._write(lambda store: store.store_archive_files(reg_uuid, office_code, files))

    # Bookkeeping of the counter itself, outside QA's injected faults (those aim at the
    # registrar's own calls): the archive signing key, the audit chain's head.
    def register_counter_key(self, counter_id: str, office_code: str, public_key_pem: str) -> CounterKey:
        return self._open().register_counter_key(counter_id, office_code, public_key_pem)

    def audit_head_of(self, counter_id: str) -> AuditHeadRecord | None:
        return self._open().audit_head_of(counter_id)

    def record_audit_head(
        self, counter_id: str, seq: int, head_hash: str, *, previous_seq: int, previous_hash: str
    ) -> None:
        self._open().record_audit_head(
            counter_id, seq, head_hash, previous_seq=previous_seq, previous_hash=previous_hash
        )

    # Divorce and reissue (app.workflow.ports.BusinessRegistry).

    def marriage_records_of(self, person_key: str) -> list[MarriageRecord]:
        return self._call(lambda store: store.marriage_records_of(person_key))

    def record_by_certificate(self, certificate_no: str) -> MarriageRecord | None:
        return self._call(lambda store: store.record_by_certificate(certificate_no))

    def open_divorce_application(self, marriage_certificate_no: str) -> DivorceApplicationRecord | None:
        return self._call(lambda store: store.open_divorce_application(marriage_certificate_no))

    def divorce_application(self, app_uuid: str) -> DivorceApplicationDetail | None:
        return self._call(lambda store: store.divorce_application(app_uuid))

    def divorce_application_by_receipt(self, receipt_no: str) -> DivorceApplicationDetail | None:
        return self._call(lambda store: store.divorce_application_by_receipt(receipt_no))

    def divorce_applications_of_office(self, office_code: str, *, since: date) -> list[DivorceApplicationDetail]:
        return self._call(lambda store: store.divorce_applications_of_office(office_code, since=since))

    def accept_divorce_application(
        self, app_uuid: str, certificate_no: str, office_code: str, accepted_on: date, *, counter_id: str,
        device_mode: str,
    ) -> DivorceApplicationAck:
        return self._write(
            lambda store: store.accept_divorce_application(
                app_uuid, certificate_no, office_code, accepted_on, counter_id=counter_id, device_mode=device_mode
            )
        )

    def withdraw_divorce_application(
        self, app_uuid: str, office_code: str, on: date, *, withdrawal_uuid: str | None = None,
        counter_id: str = "", device_mode: str = "real",
    ) -> DivorceApplicationRecord:
        return self._write(
            lambda store: store.withdraw_divorce_application(
                app_uuid, office_code, on, withdrawal_uuid=withdrawal_uuid, counter_id=counter_id,
                device_mode=device_mode,
            )
        )

    def complete_divorce(
        self, app_uuid: str, office_code: str, reg_uuid: str, registered_on: date, *, counter_id: str,
        device_mode: str,
    ) -> DivorceAck:
        return self._write(
            lambda store: store.complete_divorce(
                app_uuid, office_code, reg_uuid, registered_on, counter_id=counter_id, device_mode=device_mode
            )
        )

    def reissue_certificate(self, request: ReissueRequest) -> ReissueAck:
        return self._write(lambda store: store.reissue_certificate(request))

    def expire_divorce_applications(self, today: date, calendar: HolidayCalendar) -> list[str]:
        return self._write(lambda store: store.expire_divorce_applications(today, calendar))

    def operators_for_counter(self, office_code: str) -> list[Account]:
        """The accounts a counter caches for offline login (app.auth.OperatorDirectory)."""
        from app.central.operators import CentralOperators

        return self._call(lambda store: CentralOperators(store).operators_for_counter(office_code))

    def ping(self) -> bool:
        """Whether the store answers; a simulated outage counts, without using up a fault."""
        if self.fault_injection and self._faults.certain_outage:
            outage = CentralUnavailableError(detail=SIMULATED_OUTAGE_DETAIL[CentralFaultKind.UNREACHABLE])
            self.last_error = outage.message
            return False
        try:
            self._open()
        except AppError:
            return False
        return True

    def interrupt(self) -> None:
        """Ends a simulated timeout in progress (shutdown must not wait it out)."""
        self._cleared.set()

    def close(self) -> None:
        self.interrupt()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


@dataclass
class CounterServices:
    config: Config
    store: LocalStore
    central: CentralConnection
    workflow: MarriageWorkflow
    sync: SyncService
    divorce: DivorceWorkflow
    reissue: ReissueWorkflow
    sessions: CounterSession  # who is logged in (the workflows' session provider, #10)
    guard: CounterGuard  # permission checks and audit events of the workflows
    audit: AuditSink
    devices: dict[str, Device] = field(default_factory=dict)
    device_errors: dict[str, str] = field(default_factory=dict)

    @property
    def device_mode(self) -> DeviceMode:
        return self.workflow.device_mode

    @property
    def auth(self) -> AuthService:
        return self.sessions.auth

    def close(self) -> None:
        """Closes everything, even when one part fails to close."""
        with ExitStack() as stack:  # callbacks run last-in first-out
            close_audit = getattr(self.audit, "close", None)
            if callable(close_audit):
                stack.callback(close_audit)  # last: the other parts may still record
            stack.callback(self.store.close)
            stack.callback(self.central.close)
            for device in self.devices.values():
                stack.callback(device.close)
            stack.callback(self.sync.stop)  # first: its last attempt still saves its outcome
            # Before anything: a simulated central timeout the sync worker sits in ends now.
            stack.callback(self.central.interrupt)


def open_devices(config: Config) -> tuple[dict[str, Device], dict[str, str]]:
    devices: dict[str, Device] = {}
    errors: dict[str, str] = {}
    # One scenario file shared by the simulated devices, one recording per folder.
    sessions = OpenSessions(keep_personal_data=config.devices.record_keeps_personal_data)
    for kind in counter_device_kinds(config):
        spec = getattr(config.devices, kind)
        if not spec.strip():
            errors[kind] = f"not configured: set [devices] {kind} in the configuration (or start with --simulate)"
            continue
        if opened_by_gui(kind, spec):
            continue  # ui.app opens it in the counter's window
        try:
            device = open_device(kind, spec, base_dir=resources_dir().parent, sessions=sessions)
        except DeviceError as error:
            log.error("device %s not opened: %s", kind, error)
            errors[kind] = str(error)
            continue
        devices[kind] = device
    return devices, errors


def counter_device_kinds(config: Config) -> list[str]:
    """DEVICE_KINDS, then any other kind the registry knows that the configuration sets
    (a printer, a fingerprint scanner), so a new kind is opened once it is configured."""
    kinds = list(DEVICE_KINDS)
    known = set(getattr(registry, "ALL_KINDS", ()))
    for name in type(config.devices).model_fields:
        spec = getattr(config.devices, name, None)
        if name not in kinds and name in known and isinstance(spec, str) and spec.strip():
            kinds.append(name)
    return kinds


def build_services(config: Config, clock: Clock | None = None) -> CounterServices:
    """The counter's services. Without a `clock`, a counter on simulated devices gets an
    OffsetClock (QA moves it from the QA console: cooling-off periods, ages, expiry) and
    a real counter the system clock; every workflow and the sync queue share that one
    clock object."""
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LocalStoreError(detail=f"{config.data_dir}: {error.strerror or error}") from error
    with ExitStack() as cleanup:  # undone if anything below fails
        store = LocalStore.from_config(config)
        store.open()
        cleanup.callback(store.close)
        devices, device_errors = open_devices(config)
        for device in devices.values():
            cleanup.callback(device.close)
        # Decided by what was opened, not by how the spec was spelt: a simulated device
        # must never produce a registration marked real (architecture §3).
        simulated = config.any_device_simulated or any(d.simulated for d in devices.values())
        if simulated:
            # A simulated counter logs in the built-in QA operator by itself, with public
            # secrets: never over the cases of a real counter on this PC (its data_dir).
            refuse_real_cases(store, config)
        # Printed forms an earlier version left in the clear go into the sealed store (#10);
        # what fails stays for the next start and IT (logged), never stops the counter.
        absorb_legacy_output(store, config.data_dir / "output", shred_file)
        counter_clock: Clock = clock or (OffsetClock() if simulated else SystemClock())
        scenarios = simulator_scenarios(devices)
        central = CentralConnection(
            config.central_url, fault_injection=simulated, open_store=lambda: central_store(config),
            seed=int(getattr(scenarios[0], "seed", 0) or 0) if scenarios else 0,
        )
        for scenario in scenarios:
            central.load_scenario_faults(scenario)
        audit = open_audit_sink(config)
        close_audit = getattr(audit, "close", None)
        if callable(close_audit):
            cleanup.callback(close_audit)
        # Each sync pass ships the audit chain's head (truncation shows centrally) and
        # signs the archives it sends with the counter's key (the store verifies them).
        sync = SyncService(store, central, clock=counter_clock, audit=audit if isinstance(audit, AuditTrail) else None,
                           signer=counter_signer(config))
        sessions = CounterSession(AuthService(
            config=config.auth, office_code=config.office.code, counter_id=config.office.counter_id,
            data_dir=config.data_dir, clock=counter_clock, simulated=simulated, audit=audit, directory=central,
            second_factor=second_factor_from_spec(
                config.auth.second_factor, base_dir=resources_dir().parent,
                default_scenario=resources_dir() / "sim" / "default.yaml", simulated=simulated,
            ),
            builtin_name=config.registrar.name, lockout_secret=lockout_secret(config),
        ))
        guard = CounterGuard(sessions, audit)
        workflow = MarriageWorkflow(
            store=store,
            central=central,
            config=config,
            clock=counter_clock,
            device_mode=DeviceMode.SIMULATED if simulated else DeviceMode.REAL,
            rules=rules_context(config),
            sync=sync,
            guard=guard,
        )
        services = CounterServices(
            config, store, central, workflow, sync,
            divorce=DivorceWorkflow.beside(workflow, central, sync),
            reissue=ReissueWorkflow.beside(workflow, central, sync),
            sessions=sessions, guard=guard, audit=audit,
            devices=devices, device_errors=device_errors,
        )
        if simulated:
            # QA runs, the demo and the GUI tests start logged in as the built-in QA
            # operator; a counter on real devices always asks who is there (README).
            sessions.auto_login()
        sync.start()  # resends what a previous run left waiting, and whatever waits from now on
        cleanup.callback(sync.stop)
        cleanup.pop_all()
    return services


def refuse_real_cases(store: LocalStore, config: Config) -> None:
    """Raises AUTH-008 when the local store holds any case captured on real devices."""
    real = store.count_cases(DeviceMode.REAL)
    if real:
        log.error("a simulated counter refused a local store with %d case(s) captured on real devices", real)
        raise SimulatedCounterOnRealDataError(data_dir=str(config.data_dir), count=real)


def lockout_secret(config: Config) -> bytes | None:
    """The key of the lockout entries of unknown ids (app.auth.store.lockout_key) from the
    configured key store; None (one shared entry) when the key store cannot be opened:
    a login never fails over it."""
    from app.security.keys import open_key_store

    try:
        return open_key_store(config).secret(LOCKOUT_KEY_NAME)
    except (AppError, OSError, ValueError) as error:
        log.error("the lockout key is not available (%s): unknown operator ids share one lockout entry", error)
        return None


class UnwritableAuditSink:
    """The audit trail could not be opened: every access it should record is refused
    (AUD-001, fail closed), so the counter starts and says why, but shows no case."""

    def __init__(self, error: AppError) -> None:
        self.error = error

    def record(self, event: AuditEvent) -> None:
        raise self.error


def open_audit_sink(config: Config) -> AuditSink:
    """The counter's audit trail (app.audit.trail, <data_dir>/audit/audit.jsonl)."""
    from app.audit.trail import open_audit_trail

    try:
        return open_audit_trail(config)
    except AppError as error:
        log.error("the audit trail cannot be opened: %s", error)
        return UnwritableAuditSink(error)


def simulator_scenarios(devices: dict[str, Device]) -> list[Scenario]:
    """The scenarios the simulated devices were opened from, each once (they usually
    share one file)."""
    found: list[Scenario] = []
    for device in devices.values():
        scenario = getattr(device, "scenario", None)
        if isinstance(scenario, Scenario) and all(scenario is not seen for seen in found):
            found.append(scenario)
    return found
