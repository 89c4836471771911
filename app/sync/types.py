"""Values of the outbox: what is queued, its state, what a sync pass did.

Standard library, domain and central value types only (no SQLAlchemy): the local store
stores these, the workflow and the GUI read them.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from app.central.types import MarriageRegistrationRequest, PartyTuple, RegistrationAck


class OutboxKind(enum.StrEnum):
    REGISTRATION = "registration"  # a marriage registration to commit centrally
    ARCHIVE = "archive"  # the archive package of an issued case to upload


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender; back to due when its lease runs out (a crash)
    ACKNOWLEDGED = "acknowledged"  # the central store confirmed it: final
    FAILED = "failed"  # the central store gave a final "no" (reason kept): final


FINAL_STATES: frozenset[OutboxState] = frozenset({OutboxState.ACKNOWLEDGED, OutboxState.FAILED})


@dataclass(frozen=True, slots=True)
class ArchiveFileRecord:
    """One file of an archive package as the local store keeps it until confirmed."""

    name: str
    sha256: str
    data: bytes | None  # None once the central store confirmed the hash (local copy dropped)
    confirmed: bool = False

    @classmethod
    def of(cls, name: str, data: bytes) -> ArchiveFileRecord:
        return cls(name, hashlib.sha256(data).hexdigest(), data)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A new outbox item, written in the same transaction as the case that produced it."""

    kind: OutboxKind
    case_id: str
    reg_uuid: str
    payload: Mapping[str, Any]  # JSON-serialisable
    files: tuple[ArchiveFileRecord, ...] = ()  # archive items only
    item_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # First attempt not before (aware); None: due at once. The workflow's own attempt
    # follows the save immediately, so the worker is kept from racing it.
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    item_id: str
    kind: OutboxKind
    case_id: str
    reg_uuid: str
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    next_attempt_at: datetime  # aware UTC; meaningful while pending or sending
    last_error: str
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one pass over the due items did."""

    attempted: int = 0
    acknowledged: int = 0
    failed: int = 0  # final refusals (business outcomes)
    retrying: int = 0  # outcome unknown or store unreachable: pending again, with backoff
    pending: int = 0  # pending or sending items left after the pass (due or not)
    next_attempt_at: datetime | None = None  # the earliest of those


@runtime_checkable
class RegistrationCentral(Protocol):
    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck: ...


@runtime_checkable
class ArchiveCentral(Protocol):
    def store_archive_files(
        self, reg_uuid: str, office_code: str, files: Iterable[tuple[str, str, bytes]]
    ) -> dict[str, str]: ...


class StoredAuditHead(Protocol):
    """The head the central store holds (app.central.audit_heads.AuditHeadRecord)."""

    @property
    def seq(self) -> int: ...

    @property
    def head_hash(self) -> str: ...


@runtime_checkable
class AuditHeadCentral(Protocol):
    """Holds the heads of the counters' audit chains (app.central.store.CentralStore):
    a new head must continue the stored one (previous_seq, previous_hash: the counter's
    own record at the stored seq; (0, GENESIS) for the first)."""

    def audit_head_of(self, counter_id: str) -> StoredAuditHead | None: ...

    def record_audit_head(
        self, counter_id: str, seq: int, head_hash: str, *, previous_seq: int, previous_hash: str
    ) -> None: ...


class AuditHeadSource(Protocol):
    """The counter's audit chain (app.audit.trail.AuditTrail, or AuditLogHead in a
    process that does not write it): whose it is, where, its head (seq, hash) and the
    hash of its record at a given seq (GENESIS for 0, None when it has none)."""

    @property
    def counter_id(self) -> str: ...

    @property
    def path(self) -> Path: ...

    def head(self) -> tuple[int, str]: ...

    def hash_at(self, seq: int) -> str | None: ...


# --- payloads ---------------------------------------------------------------------
# The request is stored whole when the item is queued: every resend sends the same
# bytes (same registered_on, same payload hash), whatever day it finally goes out.


def registration_payload(request: MarriageRegistrationRequest) -> dict[str, Any]:
    return {
        "reg_uuid": request.reg_uuid,
        "office_code": request.office_code,
        "counter_id": request.counter_id,
        "registered_on": request.registered_on.isoformat(),
        "device_mode": request.device_mode,
        "parties": [list(party) for party in request.parties],
        "payload_sha256": request.payload_sha256,
    }


def registration_request(payload: Mapping[str, Any]) -> MarriageRegistrationRequest:
    parties: tuple[PartyTuple, ...] = tuple((str(r), str(k), str(n)) for r, k, n in payload["parties"])
    return MarriageRegistrationRequest(
        reg_uuid=str(payload["reg_uuid"]),
        office_code=str(payload["office_code"]),
        counter_id=str(payload["counter_id"]),
        registered_on=date.fromisoformat(str(payload["registered_on"])),
        device_mode=str(payload["device_mode"]),
        parties=parties,
        payload_sha256=str(payload["payload_sha256"]),
    )


def ack_result(ack: RegistrationAck) -> dict[str, Any]:
    return {
        "outcome": "registered",
        "certificate_no": ack.certificate_no,
        "registered_at": ack.registered_at.isoformat(),
        "registered_on": ack.registered_on.isoformat(),
        "duplicate": ack.duplicate,
    }
