"""What the workflow needs from the stores, as Protocols (the stores implement them)."""

from __future__ import annotations

from typing import Protocol

from app.central.types import ActiveMarriage, MarriageRegistrationRequest, RegistrationAck
from app.domain.case import MarriageCase


class CaseRepository(Protocol):
    def save_case(self, case: MarriageCase) -> None: ...
    def load_case(self, case_id: str) -> MarriageCase | None: ...


class CentralRegistry(Protocol):
    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None: ...
    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck: ...
