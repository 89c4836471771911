"""补领婚姻登记证 at the counter (规范: 初审 → 受理 → 审查 → 发证; Reg. 2025 Art. 21,
domain.md §4.6): any registry reissues a lost or damaged 结婚证 or 离婚证, while the
status the certificate shows is still the person's status."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from app.auth.model import Permission
from app.central.types import ReissueRequest
from app.domain.case import Business, MarriageCase, Registration, Role
from app.domain.divorce import CertificateKind, MarriageOnRecord, ReissueDetails
from app.errors import CentralUnavailableError, WorkflowError
from app.workflow.access import guarded
from app.workflow.business import BusinessWorkflow, Outcome, marriage_on_record
from devices.id_reader.types import IdentityRecord

log = logging.getLogger(__name__)

REISSUE_REASONS = ("遗失", "损毁")


@dataclass
class ReissueWorkflow(BusinessWorkflow):
    def _initial(self, case: MarriageCase) -> MarriageCase:
        if case.business is not Business.REISSUE:
            raise ValueError(f"not a reissue: {case.business}")
        return replace(case, reissue=ReissueDetails(CertificateKind.MARRIAGE))

    @staticmethod
    def details(case: MarriageCase) -> ReissueDetails:
        if case.reissue is None:
            raise WorkflowError(reason="不是补领婚姻登记证案件")
        return case.reissue

    @guarded(Permission.REVIEW)
    def record_party(self, case: MarriageCase, record: IdentityRecord) -> MarriageCase:
        """The applicant's card (role A); the archive is looked up at once."""
        self._require_open(case)
        party = self._party_from(Role.A, record)
        updated = replace(case, parties={Role.A: party})
        return self._save(updated, reissue=self._looked_up(updated, self.details(case)))

    @guarded(Permission.REVIEW)
    def choose_certificate(self, case: MarriageCase, kind: CertificateKind, reason: str = "遗失") -> MarriageCase:
        """Which certificate is to be reissued, and why (lost or damaged)."""
        self._require_open(case)
        if reason not in REISSUE_REASONS:
            raise WorkflowError(reason=f"补领原因须为{'或'.join(REISSUE_REASONS)}")
        details = replace(self.details(case), certificate_kind=kind, reason=reason)
        return self._save(case, reissue=self._looked_up(case, details))

    def _looked_up(self, case: MarriageCase, details: ReissueDetails) -> ReissueDetails:
        """The record the certificate belongs to: for a 结婚证 the newest marriage of the
        person, for a 离婚证 the newest dissolved one. A person whose status has changed
        still gets their record; the rules then say why no reissue is possible."""
        party = case.parties.get(Role.A)
        if party is None:
            return details
        records = [marriage_on_record(r) for r in self.central.marriage_records_of(party.identity.person_key)]
        return replace(details, record=_record_for(records, details.certificate_kind))

    @guarded(Permission.REGISTER)
    def issue(self, case: MarriageCase) -> MarriageCase:
        """发证: the central store checks the status again in its transaction and
        allocates the BJ…/BL… number."""

        def prepare(current: MarriageCase, reissue_uuid: str, issued_on: date) -> Callable[[], Outcome]:
            request = ReissueRequest.create(  # checked here, before the UUID is saved
                reissue_uuid=reissue_uuid,
                original_certificate_no=self.details(current).original_certificate_no,
                person_key=current.parties[Role.A].identity.person_key,
                office_code=current.office_code,
                counter_id=current.counter_id,
                issued_on=issued_on,
                device_mode=current.device_mode.value,
            )

            def send() -> Outcome:
                ack = self.central.reissue_certificate(request)
                return Registration(ack.certificate_no, ack.registered_at, ack.issued_on, ack.duplicate), {}

            return send

        return self._commit(case, prepare)

    def _refreshed(self, case: MarriageCase) -> MarriageCase:
        try:
            return replace(case, reissue=self._looked_up(case, self.details(case)))
        except CentralUnavailableError as error:
            log.warning("case %s not refreshed: %s", case.case_id, error)
            return case


def _record_for(records: list[MarriageOnRecord], kind: CertificateKind) -> MarriageOnRecord | None:
    if kind is CertificateKind.DIVORCE:
        dissolved = [r for r in records if r.divorce_certificate_no]
        return dissolved[0] if dissolved else None
    return records[0] if records else None
