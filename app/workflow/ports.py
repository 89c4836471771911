"""What the workflows need from the stores, as Protocols (the stores implement them)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

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
from app.domain.case import MarriageCase
from app.rules.holidays import HolidayCalendar


class CaseRepository(Protocol):
    def save_case(self, case: MarriageCase) -> None: ...
    def load_case(self, case_id: str) -> MarriageCase | None: ...


class CentralRegistry(Protocol):
    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None: ...
    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck: ...


class BusinessRegistry(Protocol):
    """The central store's side of divorce and reissue (app.central.store.CentralStore)."""

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None: ...
    def marriage_records_of(self, person_key: str) -> list[MarriageRecord]: ...
    def record_by_certificate(self, certificate_no: str) -> MarriageRecord | None: ...
    def open_divorce_application(self, marriage_certificate_no: str) -> DivorceApplicationRecord | None: ...
    def divorce_application(self, app_uuid: str) -> DivorceApplicationDetail | None: ...
    def divorce_application_by_receipt(self, receipt_no: str) -> DivorceApplicationDetail | None: ...
    def divorce_applications_of_office(self, office_code: str, *, since: date) -> list[DivorceApplicationDetail]: ...
    def accept_divorce_application(
        self,
        app_uuid: str,
        certificate_no: str,
        office_code: str,
        accepted_on: date,
        *,
        counter_id: str,
        device_mode: str,
    ) -> DivorceApplicationAck: ...
    def withdraw_divorce_application(
        self,
        app_uuid: str,
        office_code: str,
        on: date,
        *,
        withdrawal_uuid: str | None = None,
        counter_id: str = "",
        device_mode: str = "real",
    ) -> DivorceApplicationRecord: ...
    def complete_divorce(
        self,
        app_uuid: str,
        office_code: str,
        reg_uuid: str,
        registered_on: date,
        *,
        counter_id: str,
        device_mode: str,
    ) -> DivorceAck: ...
    def reissue_certificate(self, request: ReissueRequest) -> ReissueAck: ...
    def expire_divorce_applications(self, today: date, calendar: HolidayCalendar) -> list[str]: ...
