"""Divorce by registration at the counter (规范: 申请 → 受理 → 三十日 → 审查 → 登记(发证);
Civil Code 1076-1078, Reg. 2025 Art. 13-16, domain.md §1.3, §4.3).

Three businesses, each its own case: the application (first visit, both parties), the
withdrawal (either party alone, during the cooling-off period) and the registration
(second visit, both parties, inside the issue window). The 受理回执单 ties them
together: its number finds the application in the central store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.auth.model import Permission
from app.central.types import DivorceApplicationDetail
from app.domain.case import Business, MarriageCase, Registration, Role
from app.domain.divorce import (
    ApplicationOnRecord,
    CertificateCopies,
    DivorceAgreement,
    DivorceDetails,
    Finding,
    Interview,
    MarriageOnRecord,
    receipt_no_for,
)
from app.errors import CentralUnavailableError, WorkflowError
from app.rules.counter_divorce import MARRIAGE_CERTIFICATE
from app.rules.engine import office_calendar
from app.rules.model import DivorceDates
from app.rules.periods import DivorcePeriods, divorce_periods
from app.workflow.access import guarded
from app.workflow.business import BusinessWorkflow, Outcome, marriage_on_record
from devices.id_reader.types import IdentityRecord

log = logging.getLogger(__name__)

DIVORCE_BUSINESSES = (Business.DIVORCE_APPLICATION, Business.DIVORCE_WITHDRAWAL, Business.DIVORCE_REGISTRATION)
# How far back the queue lists this office's applications: a whole cooling-off period and
# issue window (60 days, more with holidays) plus a month to see the deemed-withdrawn ones.
QUEUE_DAYS = 100


def application_on_record(detail: DivorceApplicationDetail) -> ApplicationOnRecord:
    record = detail.record
    return ApplicationOnRecord(
        app_uuid=record.app_uuid,
        receipt_no=detail.receipt_no,
        marriage_certificate_no=record.marriage_certificate_no,
        office_code=record.office_code,
        accepted_on=record.accepted_on,
        status=record.status,
    )


@dataclass
class DivorceWorkflow(BusinessWorkflow):
    def _initial(self, case: MarriageCase) -> MarriageCase:
        if case.business not in DIVORCE_BUSINESSES:
            raise ValueError(f"not a divorce business: {case.business}")
        return replace(case, divorce=DivorceDetails())

    @staticmethod
    def details(case: MarriageCase) -> DivorceDetails:
        if case.divorce is None:
            raise WorkflowError(reason="不是离婚登记案件")
        return case.divorce

    # -- identify ----------------------------------------------------------------------

    @guarded(Permission.REVIEW)
    def record_party(self, case: MarriageCase, role: Role, record: IdentityRecord) -> MarriageCase:
        """Takes a card just read. At the first visit the marriage is looked up from the
        cards (the first party's active marriage); at the later visits the receipt has
        found it already and the card is checked against its parties."""
        self._require_open(case)
        details = self.details(case)
        if case.business is Business.DIVORCE_WITHDRAWAL and role is not Role.A:
            raise WorkflowError(reason="撤回申请只需读取申请撤回一方的证件")
        party = self._party_from(role, record)
        updated = replace(case, parties={**case.parties, role: party})
        previous = case.parties.get(role)
        if previous is not None and previous.identity.person_key != party.identity.person_key:
            # Another person: what the old one signed no longer counts (the texts name
            # the parties; the hashes no longer match), and their interview goes.
            details = replace(details, interviews=tuple(i for i in details.interviews if i.role is not role))
        if case.business is Business.DIVORCE_APPLICATION and (details.marriage is None or previous is not None):
            details = self._find_marriage_of_cards(updated, details)
        return self._save(updated, divorce=details)

    def _find_marriage_of_cards(self, case: MarriageCase, details: DivorceDetails) -> DivorceDetails:
        """The active marriage both cards belong to, from the central store; a lookup that
        cannot run leaves it unknown (the registrar may type the certificate number)."""
        active = [case.parties[r].central_active_marriage for r in (Role.A, Role.B) if r in case.parties]
        if not active or None in active:
            return details
        candidates = [c for c in active if c]  # the first party's marriage first
        if not candidates:
            return replace(details, marriage=None, blocking_application=None)
        try:
            record = self.central.record_by_certificate(candidates[0])
            if record is None:
                return details
            return self._with_marriage(details, marriage_on_record(record))
        except CentralUnavailableError as error:
            log.warning("marriage lookup deferred: %s", error)
            return details

    def _with_marriage(self, details: DivorceDetails, marriage: MarriageOnRecord) -> DivorceDetails:
        blocking = None
        if marriage.status == "active":
            found = self.central.open_divorce_application(marriage.certificate_no)
            if found is not None:
                blocking = ApplicationOnRecord(
                    app_uuid=found.app_uuid,
                    receipt_no=receipt_no_for(found.app_uuid, found.office_code, found.accepted_on),
                    marriage_certificate_no=found.marriage_certificate_no,
                    office_code=found.office_code,
                    accepted_on=found.accepted_on,
                    status=found.status,
                )
        return replace(details, marriage=marriage, blocking_application=blocking)

    @guarded(Permission.REVIEW)
    def find_marriage(self, case: MarriageCase, certificate_no: str) -> MarriageCase:
        """First visit, when the cards do not lead to the marriage (e.g. read before the
        record was migrated): the registrar scans or types the 结婚证字号."""
        self._require_open(case)
        number = certificate_no.strip().upper()
        record = self.central.record_by_certificate(number)
        if record is None:
            raise WorkflowError(reason=f"中心库中没有结婚证字号为 {number} 的婚姻登记")
        return self._save(case, divorce=self._with_marriage(self.details(case), marriage_on_record(record)))

    @guarded(Permission.REVIEW)
    def find_application(self, case: MarriageCase, receipt_no: str) -> MarriageCase:
        """Withdrawal and registration: the receipt's QR code scanned, or its number typed."""
        self._require_open(case)
        detail = self.central.divorce_application_by_receipt(receipt_no)
        if detail is None:
            raise WorkflowError(reason=f"中心库中没有回执编号为 {receipt_no.strip()} 的离婚登记申请，请核对回执")
        details = replace(
            self.details(case),
            application=application_on_record(detail),
            marriage=marriage_on_record(detail.marriage),
        )
        return self._save(case, divorce=details)

    # -- first visit -------------------------------------------------------------------

    @guarded(Permission.REVIEW)
    def set_certificate_copies(self, case: MarriageCase, copies: CertificateCopies) -> MarriageCase:
        self._require_open(case)
        return self._save(case, divorce=replace(self.details(case), certificate_copies=copies))

    @guarded(Permission.REVIEW)
    def record_findings(self, case: MarriageCase, *, intent: Finding, capacity: Finding) -> MarriageCase:
        """The registrar's findings on asking (Reg. 2025 Art. 14 (1) and (2))."""
        self._require_open(case)
        details = replace(self.details(case), intent_finding=intent, capacity_finding=capacity)
        return self._save(case, divorce=details)

    def periods(self, application: ApplicationOnRecord) -> DivorcePeriods:
        """The cooling-off period and the issue window of an application (Civil Code 1077,
        counted by Arts. 201-203 with the holiday calendar, as the engine counts them)."""
        return divorce_periods(application.accepted_on, office_calendar(self.rules))

    def dates(self, case: MarriageCase) -> DivorceDates | None:
        details = case.divorce
        if details is None or details.application is None:
            return None
        periods = self.periods(details.application)
        return DivorceDates(periods.cooling_off_end, periods.issue_window_start, periods.issue_window_end)

    @guarded(Permission.REGISTER)
    def accept(self, case: MarriageCase) -> MarriageCase:
        """受理: records the application centrally (UUID, accepting office, T0) in one
        transaction; the case then holds the receipt number."""
        if case.business is not Business.DIVORCE_APPLICATION:
            raise WorkflowError(reason="只有离婚登记申请需要受理")

        def prepare(current: MarriageCase, app_uuid: str, accepted_on: date) -> Callable[[], Outcome]:
            details = self.details(current)
            if details.marriage is None:
                raise ValueError("no marriage on record")
            certificate_no = details.marriage.certificate_no

            def send() -> Outcome:
                ack = self.central.accept_divorce_application(
                    app_uuid,
                    certificate_no,
                    current.office_code,
                    accepted_on,
                    counter_id=current.counter_id,
                    device_mode=current.device_mode.value,
                )
                receipt_no = receipt_no_for(app_uuid, ack.office_code, ack.accepted_on)
                application = ApplicationOnRecord(
                    app_uuid, receipt_no, ack.marriage_certificate_no, ack.office_code, ack.accepted_on, "pending"
                )
                registration = Registration(receipt_no, ack.received_at, ack.accepted_on, ack.duplicate)
                return registration, {"divorce": replace(details, application=application, blocking_application=None)}

            return send

        return self._commit(case, prepare)

    # -- withdrawal ----------------------------------------------------------------------

    @guarded(Permission.REGISTER)
    def withdraw(self, case: MarriageCase) -> MarriageCase:
        """撤回: the application becomes 'withdrawn' centrally (Civil Code 1077 ¶1)."""
        if case.business is not Business.DIVORCE_WITHDRAWAL:
            raise WorkflowError(reason="不是撤回离婚登记申请案件")

        def prepare(current: MarriageCase, withdrawal_uuid: str, on: date) -> Callable[[], Outcome]:
            details = self.details(current)
            application = details.application
            if application is None:
                raise ValueError("no divorce application found")

            def send() -> Outcome:
                record = self.central.withdraw_divorce_application(
                    application.app_uuid,
                    current.office_code,
                    on,
                    withdrawal_uuid=withdrawal_uuid,
                    counter_id=current.counter_id,
                    device_mode=current.device_mode.value,
                )
                registration = Registration(application.receipt_no, self.clock.now(), on)
                changed = replace(details, application=replace(application, status=record.status))
                return registration, {"divorce": changed}

            return send

        return self._commit(case, prepare)

    # -- second visit --------------------------------------------------------------------

    @guarded(Permission.REVIEW)
    def record_interview(
        self, case: MarriageCase, role: Role, *, wishes_to_divorce: bool, agrees_with_agreement: bool, remarks: str = ""
    ) -> MarriageCase:
        """询问笔录 of one party, asked separately (2015 规范 Art. 56(1))."""
        self._require_open(case)
        if role not in case.parties:
            raise WorkflowError(reason="须先读取该当事人的证件")
        interview = Interview(role, wishes_to_divorce, agrees_with_agreement, remarks.strip(), self.clock.now())
        details = self.details(case)
        kept = tuple(i for i in details.interviews if i.role is not role)
        return self._save(case, divorce=replace(details, interviews=(*kept, interview)))

    @guarded(Permission.REVIEW)
    def set_agreement(self, case: MarriageCase, agreement: DivorceAgreement) -> MarriageCase:
        """The 离婚协议书 as examined; a changed clause needs both signatures again (the
        signed text's hash no longer matches)."""
        self._require_open(case)
        return self._save(case, divorce=replace(self.details(case), agreement=agreement))

    @guarded(Permission.REGISTER)
    def register(self, case: MarriageCase) -> MarriageCase:
        """登记: the central store dissolves the marriage and allocates the 离婚证 number;
        the old 结婚证 is void from then on (bar stamp "双方离婚，证件失效")."""
        if case.business is not Business.DIVORCE_REGISTRATION:
            raise WorkflowError(reason="不是离婚登记案件")

        def prepare(current: MarriageCase, reg_uuid: str, registered_on: date) -> Callable[[], Outcome]:
            details = self.details(current)
            application, marriage = details.application, details.marriage
            if application is None or marriage is None:
                raise ValueError("no divorce application found")
            # The bar stamp goes on a 结婚证 presented at this visit (2015 规范 Art. 59).
            voided = any(d.document_class == MARRIAGE_CERTIFICATE for d in current.documents)

            def send() -> Outcome:
                ack = self.central.complete_divorce(
                    application.app_uuid,
                    current.office_code,
                    reg_uuid,
                    registered_on,
                    counter_id=current.counter_id,
                    device_mode=current.device_mode.value,
                )
                dissolved = replace(
                    marriage,
                    status="dissolved",
                    divorce_certificate_no=ack.certificate_no,
                    divorce_registered_on=ack.registered_on,
                    divorce_office_code=ack.office_code,
                )
                changed = replace(
                    details,
                    application=replace(application, status="registered"),
                    marriage=dissolved,
                    marriage_certificate_voided=voided,
                )
                registration = Registration(ack.certificate_no, ack.registered_at, ack.registered_on, ack.duplicate)
                return registration, {"divorce": changed}

            return send

        return self._commit(case, prepare)

    def _refreshed(self, case: MarriageCase) -> MarriageCase:
        details = self.details(case)
        try:
            if case.business is Business.DIVORCE_APPLICATION and details.marriage is not None:
                record = self.central.record_by_certificate(details.marriage.certificate_no)
                if record is not None:
                    return replace(case, divorce=self._with_marriage(details, marriage_on_record(record)))
            elif details.application is not None:
                detail = self.central.divorce_application(details.application.app_uuid)
                if detail is not None:
                    fresh = replace(
                        details,
                        application=application_on_record(detail),
                        marriage=marriage_on_record(detail.marriage),
                    )
                    return replace(case, divorce=fresh)
        except CentralUnavailableError as error:
            log.warning("case %s not refreshed: %s", case.case_id, error)
        return case

    # -- the office's applications ---------------------------------------------------------

    def office_applications(self) -> list[ApplicationOnRecord]:
        """This office's recent applications with their status, oldest first (the queue)."""
        since = self.today() - timedelta(days=QUEUE_DAYS)
        details = self.central.divorce_applications_of_office(self.config.office.code, since=since)
        return [application_on_record(d) for d in details]

    def expire_applications(self) -> list[str]:
        """Marks deemed withdrawn every application whose issue window has passed (Reg.
        2025 Art. 16 ¶2). Idempotent and safe on every counter at once (the central
        store's conditional update); the GUI runs it when it refreshes the queue."""
        return self.central.expire_divorce_applications(self.today(), office_calendar(self.rules))
