"""Values exchanged with the central registry: standard library and domain types only,
so the workflow can use them without importing the database layer."""

from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from app.domain.case import DeviceMode, Role

CERTIFICATE_NO_PATTERN = re.compile(r"^(J|L|BJ|BL)\d{6}-\d{4}-\d{6}$")
_OFFICE_CODE = re.compile(r"^\d{6}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class CentralMode(enum.StrEnum):
    TEST = "test"  # accepts registrations captured with simulated devices (QA, demo)
    PRODUCTION = "production"  # refuses them


def format_certificate_no(kind: str, office_code: str, year: int, serial: int) -> str:
    """E.g. J110101-2026-000001: kind, registering office, year, serial within both."""
    number = f"{kind}{office_code}-{year:04d}-{serial:06d}"
    if not CERTIFICATE_NO_PATTERN.match(number):
        raise ValueError(f"not a valid certificate number: {number!r}")
    return number


class RegistrationParty(NamedTuple):
    role: Role
    person_key: str  # IdentityDocument.person_key: document type, country, number
    name: str


# (role, person_key, name); a RegistrationParty is one, and so is a plain tuple.
PartyTuple = tuple[str, str, str]


def registration_payload_sha256(
    *,
    reg_uuid: str,
    office_code: str,
    counter_id: str,
    device_mode: str,
    parties: tuple[PartyTuple, ...],
) -> str:
    """The hash a resend is compared with: canonical JSON of what identifies the registration.

    The day it is sent is left out on purpose: a resend on a later day (the network was
    down overnight) is the same registration and must be answered as a duplicate.
    """
    payload = {
        "kind": "marriage",
        "reg_uuid": reg_uuid,
        "office_code": office_code,
        "counter_id": counter_id,
        "device_mode": str(device_mode),
        "parties": sorted([str(role), person_key, name] for role, person_key, name in parties),
    }
    return _canonical_sha256(payload)


def _canonical_sha256(payload: Mapping[str, object]) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def divorce_application_payload_sha256(
    *, app_uuid: str, marriage_certificate_no: str, office_code: str, counter_id: str, device_mode: str
) -> str:
    """What a resend of a divorce application is compared with (the date is left out, as
    for a marriage: a resend on a later day is the same application)."""
    return _canonical_sha256(
        {
            "kind": "divorce_application",
            "reg_uuid": app_uuid,
            "marriage_certificate_no": marriage_certificate_no,
            "office_code": office_code,
            "counter_id": counter_id,
            "device_mode": str(device_mode),
        }
    )


def divorce_registration_payload_sha256(
    *, reg_uuid: str, app_uuid: str, office_code: str, counter_id: str, device_mode: str
) -> str:
    """What a resend of a divorce registration is compared with."""
    return _canonical_sha256(
        {
            "kind": "divorce_registration",
            "reg_uuid": reg_uuid,
            "app_uuid": app_uuid,
            "office_code": office_code,
            "counter_id": counter_id,
            "device_mode": str(device_mode),
        }
    )


def divorce_withdrawal_payload_sha256(
    withdrawal_uuid: str, app_uuid: str, office_code: str, counter_id: str, device_mode: str
) -> str:
    """What a resend of a divorce withdrawal is compared with (the date is left out)."""
    return _canonical_sha256(
        {
            "kind": "divorce_withdrawal",
            "reg_uuid": withdrawal_uuid,
            "app_uuid": app_uuid,
            "office_code": office_code,
            "counter_id": counter_id,
            "device_mode": str(device_mode),
        }
    )


def reissue_payload_sha256(
    *,
    reissue_uuid: str,
    original_certificate_no: str,
    person_key: str,
    office_code: str,
    counter_id: str,
    device_mode: str,
) -> str:
    """What a resend of a reissue (补领) is compared with (the date is left out, as for a
    marriage: a resend on a later day is the same reissue)."""
    return _canonical_sha256(
        {
            "kind": "reissue",
            "reg_uuid": reissue_uuid,
            "original_certificate_no": original_certificate_no,
            "person_key": person_key,
            "office_code": office_code,
            "counter_id": counter_id,
            "device_mode": str(device_mode),
        }
    )


def check_client_uuid(value: str, what: str) -> None:
    """A client UUID is compared as text: only the canonical lower-case form is accepted."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"{what} is not a UUID") from None
    if canonical != value:
        raise ValueError(f"{what} must be written in canonical lower-case form")


def check_office_code(value: str) -> None:
    if not _OFFICE_CODE.match(value):
        raise ValueError("office_code must be the 6-digit administrative division code")


@dataclass(frozen=True, slots=True)
class MarriageRegistrationRequest:
    """What a counter sends to register a marriage. Validation messages carry no personal data."""

    reg_uuid: str  # created once by the counter at the register step, never regenerated
    office_code: str
    counter_id: str
    registered_on: date  # the counter's date of registration; a resend keeps the original's
    device_mode: str  # DeviceMode value
    parties: tuple[PartyTuple, ...]  # exactly two: roles A and B
    payload_sha256: str

    def __post_init__(self) -> None:
        check_client_uuid(self.reg_uuid, "reg_uuid")
        check_office_code(self.office_code)
        if self.device_mode not in {m.value for m in DeviceMode}:
            raise ValueError(f"unknown device_mode {self.device_mode!r}")
        roles = [party[0] for party in self.parties if len(party) == 3]
        if len(self.parties) != 2 or len(roles) != 2 or sorted(roles) != [Role.A, Role.B]:
            raise ValueError("a marriage has exactly two parties, one with role A and one with role B")
        if any(not person_key or not name for _role, person_key, name in self.parties):
            raise ValueError("every party needs a person key and a name")
        if not _SHA256_HEX.match(self.payload_sha256):
            raise ValueError("payload_sha256 must be 64 lower-case hex digits")

    @property
    def registration_parties(self) -> tuple[RegistrationParty, RegistrationParty]:
        first, second = (RegistrationParty(Role(role), key, name) for role, key, name in self.parties)
        return first, second

    @classmethod
    def create(
        cls,
        *,
        reg_uuid: str,
        office_code: str,
        counter_id: str,
        registered_on: date,
        device_mode: str,
        parties: tuple[PartyTuple, ...],
    ) -> MarriageRegistrationRequest:
        """A request whose payload hash is computed by registration_payload_sha256."""
        digest = registration_payload_sha256(
            reg_uuid=reg_uuid,
            office_code=office_code,
            counter_id=counter_id,
            device_mode=device_mode,
            parties=parties,
        )
        return cls(reg_uuid, office_code, counter_id, registered_on, device_mode, parties, digest)


@dataclass(frozen=True, slots=True)
class RegistrationAck:
    reg_uuid: str
    certificate_no: str
    registered_at: datetime  # when the registry committed it, aware UTC
    registered_on: date
    duplicate: bool  # True: this UUID was registered before (a resend after a lost reply)


@dataclass(frozen=True, slots=True)
class ActiveMarriage:
    certificate_no: str
    registered_on: date
    office_code: str


@dataclass(frozen=True, slots=True)
class MarriageRecordParty:
    role: Role
    person_key: str
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class DivorceRecord:
    """The divorce registration that dissolved a marriage (its 离婚证 is `certificate_no`)."""

    app_uuid: str
    reg_uuid: str
    certificate_no: str
    office_code: str
    registered_on: date


@dataclass(frozen=True, slots=True)
class MarriageRecord:
    marriage_id: str
    reg_uuid: str
    certificate_no: str  # the marriage certificate (J…)
    office_code: str
    registered_on: date
    status: str  # 'active' | 'dissolved'
    parties: tuple[MarriageRecordParty, ...]
    divorce: DivorceRecord | None = None  # set when a divorce registration dissolved it
    # The void note on the marriage certificate (and its reissues), set at divorce
    # (app.domain.divorce.MARRIAGE_CERTIFICATE_VOID_NOTE); "" while it is valid.
    certificate_void_note: str = ""


# What the national check says about a person, for the rules engine
# (app.rules.model.CentralMaritalStatus has the same values).
CentralMaritalStatusValue = Literal["unmarried", "married", "divorced"]


@dataclass(frozen=True, slots=True)
class DivorceApplicationRecord:
    """A divorce application as the registry holds it."""

    app_uuid: str
    marriage_certificate_no: str
    office_code: str  # the accepting office: the only one that may register the divorce
    accepted_on: date  # T0 of the cooling-off period
    status: str  # 'pending' | 'withdrawn' | 'registered' | 'deemed_withdrawn'


@dataclass(frozen=True, slots=True)
class DivorceApplicationAck:
    app_uuid: str
    marriage_certificate_no: str
    office_code: str
    accepted_on: date  # the original's on a resend
    received_at: datetime  # when the registry committed it, aware UTC
    duplicate: bool  # True: this UUID was accepted before (a resend after a lost reply)


@dataclass(frozen=True, slots=True)
class DivorceAck:
    app_uuid: str
    reg_uuid: str
    certificate_no: str  # the divorce certificate, L<office>-<year>-<serial>
    marriage_certificate_no: str
    office_code: str
    registered_on: date  # the original's on a resend
    registered_at: datetime  # when the registry committed it, aware UTC
    duplicate: bool


@dataclass(frozen=True, slots=True)
class DivorceApplicationDetail:
    """A divorce application with its receipt number and the marriage it concerns, as the
    counter's queue and the receipt lookup show it."""

    record: DivorceApplicationRecord
    # 受理回执单 number, computed by app.domain.divorce.receipt_no_for (not stored).
    receipt_no: str
    marriage: MarriageRecord


@dataclass(frozen=True, slots=True)
class ReissueRequest:
    """What a counter sends to reissue a certificate (补领, Reg. 2025 Art. 21): a BJ… for
    a marriage certificate J…, a BL… for a divorce certificate L…. Validation messages
    carry no personal data."""

    reissue_uuid: str  # created once by the counter, never regenerated
    original_certificate_no: str  # the J… or L… the new certificate replaces
    person_key: str  # the applicant, a party of that registration
    office_code: str  # the reissuing office (any office since 2025)
    counter_id: str
    issued_on: date  # the counter's date; a resend keeps the original's
    device_mode: str  # DeviceMode value
    payload_sha256: str

    def __post_init__(self) -> None:
        check_client_uuid(self.reissue_uuid, "reissue_uuid")
        number = self.original_certificate_no
        if not CERTIFICATE_NO_PATTERN.match(number) or number[0] not in ("J", "L"):  # BJ/BL start with B
            raise ValueError("original_certificate_no must be a marriage (J…) or divorce (L…) certificate number")
        if not self.person_key or len(self.person_key) > 100:
            raise ValueError("person_key must be 1-100 characters")
        check_office_code(self.office_code)
        if self.device_mode not in {m.value for m in DeviceMode}:
            raise ValueError(f"unknown device_mode {self.device_mode!r}")
        if not _SHA256_HEX.match(self.payload_sha256):
            raise ValueError("payload_sha256 must be 64 lower-case hex digits")

    @property
    def original_kind(self) -> str:
        """'J' or 'L'."""
        return self.original_certificate_no[0]

    @property
    def reissue_kind(self) -> str:
        """'BJ' or 'BL'."""
        return "B" + self.original_kind

    @classmethod
    def create(
        cls,
        *,
        reissue_uuid: str,
        original_certificate_no: str,
        person_key: str,
        office_code: str,
        counter_id: str,
        issued_on: date,
        device_mode: str,
    ) -> ReissueRequest:
        """A request whose payload hash is computed by reissue_payload_sha256."""
        digest = reissue_payload_sha256(
            reissue_uuid=reissue_uuid,
            original_certificate_no=original_certificate_no,
            person_key=person_key,
            office_code=office_code,
            counter_id=counter_id,
            device_mode=device_mode,
        )
        return cls(
            reissue_uuid, original_certificate_no, person_key, office_code, counter_id, issued_on, device_mode, digest
        )


@dataclass(frozen=True, slots=True)
class ReissueAck:
    reissue_uuid: str
    certificate_no: str  # BJ<office>-<year>-<serial> or BL…
    original_certificate_no: str
    issued_on: date  # the original's on a resend
    registered_at: datetime  # when the registry committed it, aware UTC
    duplicate: bool  # True: this UUID was reissued before (a resend after a lost reply)


class ArchiveFile(NamedTuple):
    """One file of a registration's electronic archive; a plain (name, sha256, data) tuple works too."""

    name: str
    sha256: str  # lower-case hex SHA-256 of data
    data: bytes
