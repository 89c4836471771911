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
from pathlib import Path
from typing import TypeVar

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
from app.sync.service import SyncService
from app.workflow.clock import Clock, SystemClock
from app.workflow.divorce import DivorceWorkflow
from app.workflow.marriage import MarriageWorkflow
from app.workflow.reissue import ReissueWorkflow
from devices.base import Device
from devices.errors import DeviceError
from devices.registry import open_device
from devices.sim.scenario import Scenario

log = logging.getLogger(__name__)
T = TypeVar("T")

DEVICE_KINDS = ("id_reader", "camera", "signature_pad", "barcode")


class CentralConnection:
    """Opens the central store on first use and again after a failure, so a counter
    that started while the network was down recovers without a restart."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: CentralStore | None = None
        self._lock = threading.Lock()
        self.last_error = ""

    def _open(self) -> CentralStore:
        with self._lock:
            if self._store is None:
                store = CentralStore(self.url)
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

    def _call(self, fn: Callable[[CentralStore], T]) -> T:
        try:
            result = fn(self._open())
        except CentralUnavailableError as error:
            self.last_error = error.message
            raise
        self.last_error = ""
        return result

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        return self._call(lambda store: store.active_marriage_of(person_key))

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        return self._call(lambda store: store.register_marriage(request))

    def store_archive_files(
        self, reg_uuid: str, office_code: str, files: Iterable[tuple[str, str, bytes]]
    ) -> dict[str, str]:
        return self._call(lambda store: store.store_archive_files(reg_uuid, office_code, files))

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
        return self._call(
            lambda store: store.accept_divorce_application(
                app_uuid, certificate_no, office_code, accepted_on, counter_id=counter_id, device_mode=device_mode
            )
        )

    def withdraw_divorce_application(
        self, app_uuid: str, office_code: str, on: date, *, withdrawal_uuid: str | None = None,
        counter_id: str = "", device_mode: str = "real",
    ) -> DivorceApplicationRecord:
        return self._call(
            lambda store: store.withdraw_divorce_application(
                app_uuid, office_code, on, withdrawal_uuid=withdrawal_uuid, counter_id=counter_id,
                device_mode=device_mode,
            )
        )

    def complete_divorce(
        self, app_uuid: str, office_code: str, reg_uuid: str, registered_on: date, *, counter_id: str,
        device_mode: str,
    ) -> DivorceAck:
        return self._call(
            lambda store: store.complete_divorce(
                app_uuid, office_code, reg_uuid, registered_on, counter_id=counter_id, device_mode=device_mode
            )
        )

    def reissue_certificate(self, request: ReissueRequest) -> ReissueAck:
        return self._call(lambda store: store.reissue_certificate(request))

    def expire_divorce_applications(self, today: date, calendar: HolidayCalendar) -> list[str]:
        return self._call(lambda store: store.expire_divorce_applications(today, calendar))

    def ping(self) -> bool:
        try:
            self._open()
        except AppError:
            return False
        return True

    def close(self) -> None:
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
    devices: dict[str, Device] = field(default_factory=dict)
    device_errors: dict[str, str] = field(default_factory=dict)

    @property
    def device_mode(self) -> DeviceMode:
        return self.workflow.device_mode

    def close(self) -> None:
        """Closes everything, even when one part fails to close."""
        with ExitStack() as stack:  # callbacks run last-in first-out
            stack.callback(self.store.close)
            stack.callback(self.central.close)
            for device in self.devices.values():
                stack.callback(device.close)
            stack.callback(self.sync.stop)  # first: its last attempt still saves its outcome


def open_devices(config: Config) -> tuple[dict[str, Device], dict[str, str]]:
    devices: dict[str, Device] = {}
    errors: dict[str, str] = {}
    scenarios: dict[Path, Scenario] = {}  # one scenario file shared by the simulated devices
    for kind in DEVICE_KINDS:
        spec = getattr(config.devices, kind)
        try:
            device = open_device(kind, spec, base_dir=resources_dir().parent, scenario_cache=scenarios)
        except DeviceError as error:
            log.error("device %s not opened: %s", kind, error)
            errors[kind] = str(error)
            continue
        devices[kind] = device
    return devices, errors


def build_services(config: Config, clock: Clock | None = None) -> CounterServices:
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LocalStoreError(detail=f"{config.data_dir}: {error.strerror or error}") from error
    with ExitStack() as cleanup:  # undone if anything below fails
        store = LocalStore(config.store_url)
        store.open()
        cleanup.callback(store.close)
        devices, device_errors = open_devices(config)
        for device in devices.values():
            cleanup.callback(device.close)
        # Decided by what was opened, not by how the spec was spelt: a simulated device
        # must never produce a registration marked real (architecture §3).
        simulated = config.any_device_simulated or any(d.simulated for d in devices.values())
        central = CentralConnection(config.central_url)
        sync = SyncService(store, central, clock=clock)
        workflow = MarriageWorkflow(
            store=store,
            central=central,
            config=config,
            clock=clock or SystemClock(),
            device_mode=DeviceMode.SIMULATED if simulated else DeviceMode.REAL,
            rules=rules_context(config),
            sync=sync,
        )
        services = CounterServices(
            config, store, central, workflow, sync,
            divorce=DivorceWorkflow.beside(workflow, central, sync),
            reissue=ReissueWorkflow.beside(workflow, central, sync),
            devices=devices, device_errors=device_errors,
        )
        sync.start()  # resends what a previous run left waiting, and whatever waits from now on
        cleanup.callback(sync.stop)
        cleanup.pop_all()
    return services


def default_output_dir(config: Config) -> Path:
    return config.data_dir / "output"
