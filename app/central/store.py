"""Client of the central marriage registry (the national "no two active marriages" check).

Registering is one transaction that (notes/central-store.md §2.2):

1. refuses simulated-device registrations when the registry is in production mode;
2. inserts the registration keyed by the client's UUID with ON CONFLICT (reg_uuid) DO
   NOTHING. An existing row means a resend after a lost reply: same payload hash →
   the original acknowledgement (never "already married" for the couple's own
   marriage); different hash → PayloadConflictError. The conflict target is named so
   that the party-uniqueness violation below still raises instead of being absorbed;
3. allocates the certificate number with an upsert on certificate_serial, in the same
   transaction, so a rolled-back registration returns its number;
4. inserts the marriage and its two parties; the partial unique index rejects a
   person who is in an active marriage, whatever the races.

Every failure other than those business answers is "outcome unknown"
(CentralUnavailableError): the counter resends the same UUID, which resolves it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Connection, Select, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.central.errors import CentralIntegrityError
from app.central.models import (
    CentralSettingRow,
    CertificateRow,
    CertificateSerialRow,
    MarriagePartyRow,
    MarriageRow,
    RegistrationRow,
)
from app.central.types import (
    ActiveMarriage,
    CentralMode,
    MarriageRecord,
    MarriageRecordParty,
    MarriageRegistrationRequest,
    RegistrationAck,
    RegistrationParty,
    format_certificate_no,
)
from app.domain.case import DeviceMode, Role
from app.domain.identity import mask_number
from app.errors import (
    CentralUnavailableError,
    PartyAlreadyMarriedError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
)
from app.store.engine import (
    DEFAULT_BUSY_TIMEOUT_MS,
    MigratedDatabase,
    describe_db_error,
    dialect_insert,
    read_transaction,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_MODE_KEY = "mode"


class _PartyCollision(Exception):
    """A party insert hit a uniqueness rule; raised to roll the transaction back first."""


def _masked_key(person_key: str) -> str:
    return mask_number(person_key.rpartition(":")[2])


def _person_label(party: RegistrationParty) -> str:
    # Shown to the registrar, who has the card in hand; never logged (names are personal data).
    return f"{party.name}（{_masked_key(party.person_key)}）"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CentralStore(MigratedDatabase):
    """The central registry. Thread-safe: each call runs on its own pooled connection."""

    migrations_dir = MIGRATIONS_DIR

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(url, busy_timeout_ms=busy_timeout_ms)
        self._clock = clock

    def mode(self) -> CentralMode:
        with self._guard("read mode"), read_transaction(self._engine_or_fail()) as conn:
            return _read_mode(conn)

    def set_mode(self, mode: CentralMode | str) -> None:
        mode = CentralMode(mode)
        with self._guard("set mode"), self._engine_or_fail().begin() as conn:
            upsert = dialect_insert(conn, CentralSettingRow).values(key=_MODE_KEY, value=mode.value)
            conn.execute(
                upsert.on_conflict_do_update(index_elements=[CentralSettingRow.key], set_={"value": mode.value})
            )
        log.info("central registry mode set to %s", mode.value)

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        """The live check when a card is read: the person's active marriage, if any."""
        with self._guard("check active marriage"), read_transaction(self._engine_or_fail()) as conn:
            return _active_marriage(conn, person_key)

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        engine = self._engine_or_fail()
        first, second = request.registration_parties
        if first.person_key == second.person_key:
            # Also a constraint (UNIQUE(marriage_id, person_key)); answered before any write.
            raise PartyAlreadyMarriedError(person=_person_label(first))
        try:
            with self._guard("register marriage"), engine.begin() as conn:
                ack = self._register(conn, request)
        except _PartyCollision:
            raise self._already_married(request) from None
        if ack.duplicate:
            log.info("registration %s was already registered: resent acknowledgement", request.reg_uuid)
        else:
            log.info("registration %s registered as %s", request.reg_uuid, ack.certificate_no)
        return ack

    def list_marriages(self) -> list[MarriageRecord]:
        """Every marriage with its parties, oldest first (for tests, QA and IT diagnosis)."""
        with self._guard("list marriages"), read_transaction(self._engine_or_fail()) as conn:
            parties: dict[str, list[MarriageRecordParty]] = {}
            for row in conn.execute(select(MarriagePartyRow).order_by(MarriagePartyRow.role)):
                parties.setdefault(row.marriage_id, []).append(
                    MarriageRecordParty(Role(row.role), row.person_key, row.name, row.active)
                )
            marriages = conn.execute(
                select(MarriageRow).order_by(MarriageRow.registered_on, MarriageRow.certificate_no)
            )
            return [
                MarriageRecord(
                    marriage_id=row.marriage_id,
                    reg_uuid=row.reg_uuid,
                    certificate_no=row.certificate_no,
                    office_code=row.office_code,
                    registered_on=row.registered_on,
                    status=row.status,
                    parties=tuple(parties.get(row.marriage_id, ())),
                )
                for row in marriages
            ]

    def _register(self, conn: Connection, request: MarriageRegistrationRequest) -> RegistrationAck:
        if _read_mode(conn) is CentralMode.PRODUCTION and request.device_mode == DeviceMode.SIMULATED:
            log.warning("registration %s refused: simulated devices, production registry", request.reg_uuid)
            raise SimulatedDevicesRefusedError()

        received_at = self._clock().astimezone(UTC)
        claim = (
            dialect_insert(conn, RegistrationRow)
            .values(
                reg_uuid=request.reg_uuid,
                kind="marriage",
                office_code=request.office_code,
                counter_id=request.counter_id,
                payload_sha256=request.payload_sha256,
                device_mode=request.device_mode,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=[RegistrationRow.reg_uuid])
            .returning(RegistrationRow.reg_uuid)
        )
        if conn.execute(claim).first() is None:
            return _resent_ack(conn, request)

        certificate_no = _allocate_certificate(
            conn, "J", request.office_code, request.registered_on.year, request.reg_uuid
        )
        conn.execute(
            update(RegistrationRow)
            .where(RegistrationRow.reg_uuid == request.reg_uuid)
            .values(certificate_no=certificate_no)
        )
        marriage_id = str(uuid.uuid4())
        try:
            conn.execute(
                insert(MarriageRow).values(
                    marriage_id=marriage_id,
                    reg_uuid=request.reg_uuid,
                    office_code=request.office_code,
                    certificate_no=certificate_no,
                    registered_on=request.registered_on,
                    status="active",
                )
            )
            # One multi-row INSERT rather than executemany: psycopg runs executemany in
            # pipeline mode and logs noise when the expected unique violation aborts it.
            conn.execute(
                insert(MarriagePartyRow).values(
                    [
                        {
                            "marriage_id": marriage_id,
                            "role": party.role.value,
                            "person_key": party.person_key,
                            "name": party.name,
                            "active": True,
                        }
                        for party in request.registration_parties
                    ]
                )
            )
        except IntegrityError as exc:
            raise _PartyCollision() from exc
        return RegistrationAck(
            reg_uuid=request.reg_uuid,
            certificate_no=certificate_no,
            registered_at=received_at,
            registered_on=request.registered_on,
            duplicate=False,
        )

    def _already_married(self, request: MarriageRegistrationRequest) -> PartyAlreadyMarriedError:
        """Names the party whose active marriage blocked the registration (a fresh read)."""
        with self._guard("identify the married party"), read_transaction(self._engine_or_fail()) as conn:
            for party in request.registration_parties:
                if _active_marriage(conn, party.person_key) is not None:
                    log.info(
                        "registration %s refused: %s is in an active marriage",
                        request.reg_uuid,
                        _masked_key(party.person_key),
                    )
                    return PartyAlreadyMarriedError(person=_person_label(party))
        # The blocking marriage was dissolved in between: nothing was written, so the
        # same UUID can simply be sent again.
        raise CentralUnavailableError(detail="a conflicting marriage could not be confirmed; send again")

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except IntegrityError as exc:
            detail = f"{action}: {describe_db_error(exc)}"
            log.error("central registry constraint failure: %s", detail)
            raise CentralIntegrityError(detail=detail) from exc
        except (SQLAlchemyError, OSError, CommandError) as exc:
            detail = f"{action}: {describe_db_error(exc)}"
            log.warning("central registry unavailable: %s", detail)
            raise CentralUnavailableError(detail=detail) from exc


def _read_mode(conn: Connection) -> CentralMode:
    value = conn.execute(select(CentralSettingRow.value).where(CentralSettingRow.key == _MODE_KEY)).scalar()
    try:
        return CentralMode(value or "")
    except ValueError:
        # Fail safe: an unset or unknown mode refuses simulated registrations.
        log.warning("central registry mode %r is not valid; treated as production", value)
        return CentralMode.PRODUCTION


# Spelled exactly like the partial index's predicate: SQLite uses a partial index only
# when the query repeats its WHERE term; `active = 1` or `active IS 1` scan the table.
_PARTY_IS_ACTIVE = text("marriage_party.active")


def active_marriage_query(person_key: str) -> Select[str, date, str]:
    """The live-check query (public so a test can assert that it uses the partial index)."""
    return (
        select(MarriageRow.certificate_no, MarriageRow.registered_on, MarriageRow.office_code)
        .join(MarriagePartyRow, MarriagePartyRow.marriage_id == MarriageRow.marriage_id)
        .where(MarriagePartyRow.person_key == person_key, _PARTY_IS_ACTIVE)
    )


def _active_marriage(conn: Connection, person_key: str) -> ActiveMarriage | None:
    row = conn.execute(active_marriage_query(person_key)).first()
    return None if row is None else ActiveMarriage(row.certificate_no, row.registered_on, row.office_code)


def _resent_ack(conn: Connection, request: MarriageRegistrationRequest) -> RegistrationAck:
    """The acknowledgement of a registration this UUID already made, if the payload matches."""
    row = conn.execute(
        select(
            RegistrationRow.kind,
            RegistrationRow.payload_sha256,
            RegistrationRow.certificate_no,
            RegistrationRow.received_at,
            MarriageRow.registered_on,
        )
        .outerjoin(MarriageRow, MarriageRow.reg_uuid == RegistrationRow.reg_uuid)
        .where(RegistrationRow.reg_uuid == request.reg_uuid)
    ).one()
    if row.kind != "marriage" or row.payload_sha256 != request.payload_sha256 or row.registered_on is None:
        log.warning("registration %s resent with different content", request.reg_uuid)
        raise PayloadConflictError(reg_uuid=request.reg_uuid)
    return RegistrationAck(
        reg_uuid=request.reg_uuid,
        certificate_no=row.certificate_no,
        registered_at=row.received_at,
        registered_on=row.registered_on,
        duplicate=True,
    )


def _allocate_certificate(conn: Connection, kind: str, office_code: str, year: int, reg_uuid: str) -> str:
    """Next serial for (kind, office, year), in the caller's transaction.

    The upsert takes the row lock (PostgreSQL) or runs under the write lock (SQLite),
    so concurrent registrations never get the same serial; a rollback returns it.
    """
    upsert = dialect_insert(conn, CertificateSerialRow).values(
        kind=kind, office_code=office_code, year=year, last_serial=1
    )
    serial = conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[
                CertificateSerialRow.kind,
                CertificateSerialRow.office_code,
                CertificateSerialRow.year,
            ],
            set_={"last_serial": CertificateSerialRow.last_serial + 1},
        ).returning(CertificateSerialRow.last_serial)
    ).scalar_one()
    certificate_no = format_certificate_no(kind, office_code, year, serial)
    conn.execute(
        insert(CertificateRow).values(
            certificate_no=certificate_no,
            kind=kind,
            office_code=office_code,
            year=year,
            serial=serial,
            reg_uuid=reg_uuid,
        )
    )
    return certificate_no
