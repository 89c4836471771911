"""Ready-to-register cases without the device steps, and a central store with faults.

Shared by the sync tests and the chaos counters (tests/app/sync/chaos_counter.py),
which run many registrations and cannot afford the capture steps' saves.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from datetime import date, timedelta

from app.central.store import CentralStore
from app.central.types import ActiveMarriage, MarriageRegistrationRequest, RegistrationAck
from app.domain.case import (
    CapturedDocument,
    MarriageCase,
    MarriageStep,
    Party,
    Role,
    Signature,
    Voluntariness,
)
from app.domain.declarations import marriage_declaration_text, text_sha256
from app.domain.identity import IdentityDocument, Sex
from app.errors import CentralUnavailableError, PayloadConflictError
from app.workflow.marriage import MarriageWorkflow
from tests.factories import identity

_BIRTH_BASE = date(1975, 1, 1)


def person(n: int, sex: Sex) -> IdentityDocument:
    """Test person number n (distinct n: distinct person; no real person)."""
    return identity(f"测试{n}", sex, _BIRTH_BASE + timedelta(days=n), sequence=11 if sex is Sex.MALE else 12)


def ready_case(flow: MarriageWorkflow, case_id: str, groom: IdentityDocument, bride: IdentityDocument) -> MarriageCase:
    """A case at the register step with everything captured, saved once."""
    now = flow.clock.now()
    parties = {
        role: Party(role, doc, None, now, "test-reader", central_active_marriage=None)
        for role, doc in ((Role.A, groom), (Role.B, bride))
    }
    photo = b"\x89PNG joint " + case_id.encode()
    documents = (CapturedDocument(f"{case_id}-photo", "joint_photo", photo, hashlib.sha256(photo).hexdigest(),
                                  now, "test-camera"),)
    strokes = "[[[1,1,0,0.5],[2,2,10,0.5],[3,3,20,0.5],[4,4,30,0.5],[5,5,40,0.5]]]"
    signatures = {
        role: Signature(
            role, strokes, b"\x89PNG sig " + role.value.encode(),
            text_sha256(marriage_declaration_text(parties[role].identity, parties[other].identity)), now, "test-pad",
        )
        for role, other in ((Role.A, Role.B), (Role.B, Role.A))
    }
    case = MarriageCase(
        case_id=case_id,
        office_code=flow.config.office.code,
        counter_id=flow.config.office.counter_id,
        registrar=flow.config.registrar.name,
        created_at=now,
        device_mode=flow.device_mode,
        step=MarriageStep.REVIEW,
        parties=parties,
        documents=documents,
        signatures=signatures,
        voluntariness=Voluntariness.VOLUNTARY,
        updated_at=now,
    )
    case = flow._evaluate_and_save(case)
    blockers = flow.step_blockers(case, MarriageStep.REGISTER)
    assert not blockers, [b.message for b in blockers]
    return case


class FaultyCentral:
    """The real central store behind a network the test controls: `down` fails every
    call, `lose_replies` commits and then loses the reply of that many calls, `hang_s`
    delays each call. Archives: a dict-backed store_archive_files (the real one lands
    with app.central), `wrong_hash_once` answers one name with a wrong hash once."""

    def __init__(self, real: CentralStore) -> None:
        self.real = real
        self.down = False
        self.lose_replies = 0
        self.hang_s = 0.0
        self.calls = 0
        self.archive: dict[tuple[str, str], str] = {}
        self.archive_calls: list[list[str]] = []
        self.wrong_hash_once: set[str] = set()
        self._lock = threading.Lock()

    def _network(self) -> None:
        with self._lock:
            self.calls += 1
        if self.hang_s:
            time.sleep(self.hang_s)
        if self.down:
            raise CentralUnavailableError(detail="connection refused")

    def _lose_reply(self) -> bool:
        with self._lock:
            if self.lose_replies:
                self.lose_replies -= 1
                return True
        return False

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        self._network()
        return self.real.active_marriage_of(person_key)

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        self._network()
        ack = self.real.register_marriage(request)
        if self._lose_reply():
            raise CentralUnavailableError(detail="server closed the connection unexpectedly")
        return ack

    def store_archive_files(
        self, reg_uuid: str, office_code: str, files: Iterable[tuple[str, str, bytes]]
    ) -> dict[str, str]:
        self._network()
        held: dict[str, str] = {}
        names = []
        for name, sha256, data in files:
            names.append(name)
            assert hashlib.sha256(data).hexdigest() == sha256, "the counter sent bytes not matching their hash"
            stored = self.archive.setdefault((reg_uuid, name), sha256)
            if stored != sha256:
                raise PayloadConflictError(reg_uuid=reg_uuid)
            held[name] = "0" * 64 if name in self.wrong_hash_once else stored
            self.wrong_hash_once.discard(name)
        self.archive_calls.append(names)
        if self._lose_reply():
            raise CentralUnavailableError(detail="server closed the connection unexpectedly")
        return held


def wait_until(condition: object, timeout_s: float = 10.0, interval_s: float = 0.02) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(interval_s)
