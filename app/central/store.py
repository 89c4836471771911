"""Client of the central marriage registry (the national "no two active marriages" check).

Every write is one transaction, keyed by a UUID the counter created once, that
(notes/central-store.md §2.2):

1. refuses simulated-device registrations when the registry is in production mode;
2. answers a resend first: a registration row with this UUID means the reply to an
   earlier send was lost. Same payload hash → the original acknowledgement (never
   "already married" for the couple's own marriage); different hash →
   PayloadConflictError. Two sends racing each other are settled by the insert's
   ON CONFLICT (reg_uuid) DO NOTHING; the conflict target is named so that the business
   constraints below still raise instead of being absorbed;
3. allocates the certificate number with an upsert on certificate_serial, in the same
   transaction, so a rolled-back registration returns its number. The number is
   allocated before the registration row is inserted so that the row is written once,
   complete: counters may insert registrations but never update them (admin.py);
4. writes the business rows; the database's constraints (partial unique indexes,
   composite foreign keys) decide every race. Preconditions that are not constraints
   are conditional updates (`UPDATE … WHERE status = 'pending' AND office_code = …`)
   whose row count is checked, never a SELECT followed by a decision.

PostgreSQL runs at READ COMMITTED; SQLite takes its write lock with BEGIN IMMEDIATE
(app.store.engine). A transaction the server aborts with 40001/40P01 (serialization
failure, deadlock: routine on CockroachDB/YugabyteDB) is re-run a bounded number of
times, which is safe because every unit is idempotent. Every other failure is
"outcome unknown" (CentralUnavailableError): the counter resends the same UUID, which
resolves it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, Select, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.audit.errors import AuditHeadRefusedError
from app.central.audit_heads import (
    AuditHeadRecord,
    check_audit_head,
    read_audit_head,
    replace_audit_head,
    store_audit_head,
)
from app.central.errors import (
    AmbiguousReceiptError,
    CentralIntegrityError,
    CentralStateError,
    CentralTlsError,
    DivorceApplicationNotFoundError,
    DivorceApplicationNotOpenError,
    DivorceAtOtherOfficeError,
    MarriageNotActiveError,
    MarriageNotFoundError,
    OpenDivorceApplicationExistsError,
    RegistrationNotFoundError,
    ReissueRefusedError,
)
from app.central.keys import CounterKey, check_archive_batch, current_key, keys_of, register_key, revoke_key
from app.central.models import (
    ArchiveFileRow,
    CentralSettingRow,
    CertificateReissueRow,
    CertificateRow,
    CertificateSerialRow,
    DivorceApplicationRow,
    DivorceCompletionRow,
    MarriagePartyRow,
    MarriageRow,
    RegistrationRow,
)
from app.central.tls import tls_failure
from app.central.types import (
    CERTIFICATE_NO_PATTERN,
    ActiveMarriage,
    CentralMaritalStatusValue,
    CentralMode,
    DivorceAck,
    DivorceApplicationAck,
    DivorceApplicationDetail,
    DivorceApplicationRecord,
    DivorceRecord,
    MarriageRecord,
    MarriageRecordParty,
    MarriageRegistrationRequest,
    RegistrationAck,
    RegistrationParty,
    ReissueAck,
    ReissueRequest,
    check_client_uuid,
    check_office_code,
    divorce_application_payload_sha256,
    divorce_registration_payload_sha256,
    divorce_withdrawal_payload_sha256,
    format_certificate_no,
)
from app.domain.case import DeviceMode, Role
from app.domain.divorce import MARRIAGE_CERTIFICATE_VOID_NOTE, parse_receipt_no, receipt_no_for
from app.domain.identity import mask_number
from app.errors import (
    CentralUnavailableError,
    PartyAlreadyMarriedError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
)
from app.rules.holidays import HolidayCalendar
from app.rules.periods import PERIOD_DAYS, divorce_periods
from app.store.engine import (
    DEFAULT_BUSY_TIMEOUT_MS,
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_STATEMENT_TIMEOUT_MS,
    MigratedDatabase,
    describe_db_error,
    dialect_insert,
    make_engine,
    read_transaction,
    retry_transaction,
    sqlstate_of,
)
from app.store.upgrade import upgrade_with_backup

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "central_alembic_version"
DEFAULT_RETRY_ATTEMPTS = 5

_MODE_KEY = "mode"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_MAX_FILE_NAME = 200
_STATUS_ZH = {"withdrawn": "已撤回", "registered": "已办结（已登记离婚）", "deemed_withdrawn": "已视为撤回"}


# One lock per SQLite file, shared by every CentralStore of this process on it.
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock | None:
    """Writers of one process queue on a lock before BEGIN IMMEDIATE.

    SQLite's busy handler polls on a fixed schedule (1, 2, 5 … 100 ms sleeps), so
    writers that collided together retry together: measured with 50 threads, about one
    commit per 100 ms. A lock hands over at once; other processes are still held off by
    SQLite's own lock and busy timeout. None for server databases and :memory:.
    """
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if not database or database == ":memory:":
        return None
    key = os.path.realpath(database)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


class _PartyCollision(Exception):
    """A party insert hit a uniqueness rule; raised to roll the transaction back first."""


class _ClaimedMeanwhile(Exception):
    """A concurrent send of the same UUID committed first: roll back (returning the
    allocated serial), then answer as a resend."""


class _ApplicationCollision(Exception):
    """The marriage got an open divorce application concurrently (partial unique index)."""


class _ApplicationNotOpen(Exception):
    """The conditional update found no pending application of this UUID at this office."""


def _masked_key(person_key: str) -> str:
    return mask_number(person_key.rpartition(":")[2])


def _person_label(party: RegistrationParty) -> str:
    # Shown to the registrar, who has the card in hand; never logged (names are personal data).
    return f"{party.name}（{_masked_key(party.person_key)}）"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def schema_head() -> str:
    """The newest revision of the central schema this code knows."""
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def schema_revision(conn: Connection) -> str | None:
    """The revision the database is at; None before the first migration."""
    heads = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_heads()
    return heads[0] if heads else None


class CentralStore(MigratedDatabase):
    """The central registry. Thread-safe: each call runs on its own pooled connection.

    On a server database every call is bounded by `connect_timeout_s` and
    `statement_timeout_ms`; on SQLite by `busy_timeout_ms`. Failures and timeouts raise
    CentralUnavailableError ("central store unreachable").
    """

    migrations_dir = MIGRATIONS_DIR
    version_table = VERSION_TABLE

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        connect_timeout_s: int = DEFAULT_CONNECT_TIMEOUT_S,
        statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
        retry_attempts: int = DEFAULT_RETRY_ATTEMPTS,
        clock: Callable[[], datetime] = _utc_now,
        cipher_key: bytes | None = None,
    ) -> None:
        # cipher_key: the embedded SQLite registry is encrypted (app.central.embedded).
        super().__init__(url, busy_timeout_ms=busy_timeout_ms, cipher_key=cipher_key)
        self._writer_lock: threading.Lock | None = None
        self._connect_timeout_s = connect_timeout_s
        self._statement_timeout_ms = statement_timeout_ms
        self._retry_attempts = retry_attempts
        self._clock = clock

    # -- life cycle ------------------------------------------------------------------

    def open(self) -> None:
        """Connects and, if the schema is behind, migrates it.

        A counter connecting with the least-privilege role cannot migrate: then the
        error says IT must run `central migrate`. Opening a current (or newer) schema
        takes no write lock and needs no privilege beyond reading the version table.
        """
        if self._engine is not None:
            return
        with self._guard("open"):
            engine = make_engine(
                self._url,
                busy_timeout_ms=self._busy_timeout_ms,
                connect_timeout_s=self._connect_timeout_s,
                statement_timeout_ms=self._statement_timeout_ms,
                cipher_key=self._cipher_key,
            )
        try:
            with self._guard("open"):
                self._bring_schema_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        self._writer_lock = _sqlite_writer_lock(engine)
        self._engine = engine

    def _bring_schema_to_head(self, engine: Engine) -> None:
        head = schema_head()
        with read_transaction(engine) as conn:
            current = schema_revision(conn)
        if current == head:
            return
        if current is not None and current not in _known_revisions():
            # Newer than this code: IT migrated before upgrading every counter. Revisions
            # only add (expand now, contract once no counter needs the old form), and the
            # rules live in the schema's constraints, so this counter carries on.
            log.warning("central schema is at revision %s, newer than this counter's %s", current, head)
            return
        try:
            # The embedded SQLite registry is backed up first and restored if the upgrade
            # fails (DatabaseUpgradeError); a server database is IT's (`central migrate`).
            upgrade_with_backup(engine, MIGRATIONS_DIR, version_table=VERSION_TABLE)
        except SQLAlchemyError as exc:
            if sqlstate_of(exc) != "42501":  # insufficient_privilege
                raise
            raise CentralUnavailableError(
                detail=f"the central schema is at revision {current or 'none'}, this counter needs {head}; "
                "IT must run `marriage-counter central migrate --url <admin URL>`"
            ) from exc

    # -- settings --------------------------------------------------------------------

    def mode(self) -> CentralMode:
        return self._read("read mode", _read_mode)

    def set_mode(self, mode: CentralMode | str) -> None:
        mode = CentralMode(mode)

        def unit(conn: Connection) -> None:
            upsert = dialect_insert(conn, CentralSettingRow).values(key=_MODE_KEY, value=mode.value)
            conn.execute(
                upsert.on_conflict_do_update(index_elements=[CentralSettingRow.key], set_={"value": mode.value})
            )

        self._write("set mode", unit)
        log.info("central registry mode set to %s", mode.value)

    # -- status lookups --------------------------------------------------------------

    def active_marriage_of(self, person_key: str) -> ActiveMarriage | None:
        """The live check when a card is read: the person's active marriage, if any."""
        return self._read("check active marriage", lambda conn: _active_marriage(conn, person_key))

    def marital_status_of(self, person_key: str) -> CentralMaritalStatusValue:
        """For the rules engine: 'married' with an active marriage, 'divorced' when the
        person's marriages were all dissolved (so the last one was), else 'unmarried'."""

        def unit(conn: Connection) -> CentralMaritalStatusValue:
            if conn.execute(active_marriage_query(person_key).limit(1)).first() is not None:
                return "married"
            if conn.execute(past_marriage_query(person_key).limit(1)).first() is not None:
                return "divorced"
            return "unmarried"

        return self._read("check marital status", unit)

    def open_divorce_application(self, marriage_certificate_no: str) -> DivorceApplicationRecord | None:
        """The pending divorce application of the marriage with this certificate, if any."""

        def unit(conn: Connection) -> DivorceApplicationRecord | None:
            row = conn.execute(open_application_query(marriage_certificate_no)).first()
            if row is None:
                return None
            return DivorceApplicationRecord(
                app_uuid=row.app_uuid,
                marriage_certificate_no=marriage_certificate_no,
                office_code=row.office_code,
                accepted_on=row.accepted_on,
                status=row.status,
            )

        return self._read("find open divorce application", unit)

    def record_by_certificate(self, certificate_no: str) -> MarriageRecord | None:
        """The marriage behind a certificate number, for a reissue: a marriage certificate
        (J) names its marriage, a divorce certificate (L) the marriage it dissolved (the
        record's `divorce` then carries the L number), a reissue (BJ, BL) the marriage of
        the certificate it replaced. None for an unknown number."""
        return self._read("find record by certificate", lambda conn: _record_by_certificate(conn, certificate_no))

    def marriage_records_of(self, person_key: str) -> list[MarriageRecord]:
        """Every marriage the person is or was a party of, newest registration first: the
        counter finds the marriage to dissolve, or the record to reissue, from the ID card."""
        return self._read(
            "find marriages of person",
            lambda conn: _marriage_records(
                conn,
                # Both halves spelled like the partial indexes' predicates, so each uses one.
                MarriageRow.marriage_id.in_(
                    select(MarriagePartyRow.marriage_id)
                    .where(MarriagePartyRow.person_key == person_key, _PARTY_IS_ACTIVE)
                    .union_all(past_marriage_query(person_key))
                ),
                newest_first=True,
            ),
        )

    def divorce_application(self, app_uuid: str) -> DivorceApplicationDetail | None:
        """The divorce application with this UUID (any status, any office), with its receipt
        number and marriage; None when the registry has none."""
        return self._read(
            "find divorce application",
            lambda conn: next(iter(_application_details(conn, DivorceApplicationRow.app_uuid == app_uuid)), None),
        )

    def divorce_application_by_receipt(self, receipt_no: str) -> DivorceApplicationDetail | None:
        """The application of a 受理回执单 number as typed (spaces and lower case accepted:
        app.domain.divorce.parse_receipt_no): accepting office, acceptance date and the
        first 8 hex digits of the UUID. None for text that is no receipt number or matches
        no application. Two applications matching (their UUIDs share 8 hex digits, at one
        office on one day) raise AmbiguousReceiptError: the QR code carries the full UUID.
        """
        parsed = parse_receipt_no(receipt_no)
        if parsed is None:
            return None
        office_code, accepted_on, prefix = parsed

        def unit(conn: Connection) -> DivorceApplicationDetail | None:
            details = _application_details(
                conn,
                DivorceApplicationRow.office_code == office_code,
                DivorceApplicationRow.accepted_on == accepted_on,
                DivorceApplicationRow.app_uuid.like(f"{prefix}%"),
            )
            if len(details) > 1:
                log.warning("receipt number of %s matches %d divorce applications", office_code, len(details))
                raise AmbiguousReceiptError(reason="回执编号对应多个申请，请改用扫描二维码或联系信息技术人员")
            return details[0] if details else None

        return self._read("find divorce application by receipt", unit)

    def divorce_applications_of_office(self, office_code: str, *, since: date) -> list[DivorceApplicationDetail]:
        """Every divorce application accepted at `office_code` on or after `since`, in any
        status (the counter's queue shows pending, withdrawn, registered and deemed
        withdrawn ones), ordered by acceptance date, then UUID."""
        check_office_code(office_code)
        return self._read(
            "list divorce applications of office",
            lambda conn: _application_details(
                conn, DivorceApplicationRow.office_code == office_code, DivorceApplicationRow.accepted_on >= since
            ),
        )

    def list_marriages(self) -> list[MarriageRecord]:
        """Every marriage with its parties, oldest first (for tests, QA and IT diagnosis)."""
        return self._read("list marriages", lambda conn: _marriage_records(conn, None))

    # -- marriage --------------------------------------------------------------------

    def register_marriage(self, request: MarriageRegistrationRequest) -> RegistrationAck:
        first, second = request.registration_parties
        if first.person_key == second.person_key:
            # Also a constraint (UNIQUE(marriage_id, person_key)); answered before any write.
            raise PartyAlreadyMarriedError(person=_person_label(first))
        try:
            ack = self._write("register marriage", lambda conn: self._register(conn, request))
        except _PartyCollision:
            raise self._already_married(request) from None
        except _ClaimedMeanwhile:
            ack = self._read("read registration", lambda conn: _resent_ack(conn, request))
        if ack.duplicate:
            log.info("registration %s was already registered: resent acknowledgement", request.reg_uuid)
        else:
            log.info("registration %s registered as %s", request.reg_uuid, ack.certificate_no)
        return ack

    def _register(self, conn: Connection, request: MarriageRegistrationRequest) -> RegistrationAck:
        _refuse_simulated_in_production(conn, request.device_mode, request.reg_uuid)
        if _registration_exists(conn, request.reg_uuid):
            return _resent_ack(conn, request)
        # Not the rule (the partial unique index below is; a SELECT cannot see a
        # concurrent uncommitted marriage), only a fast refusal: a party married
        # before this transaction began is refused before the office's certificate
        # serial row is locked, so a doomed attempt does not queue the office behind it.
        married = set(
            conn.execute(
                select(MarriagePartyRow.person_key).where(
                    MarriagePartyRow.person_key.in_([party.person_key for party in request.registration_parties]),
                    _PARTY_IS_ACTIVE,
                )
            ).scalars()
        )
        if married and _registration_exists(conn, request.reg_uuid):
            # At READ COMMITTED each statement sees the latest commits: the party may be
            # married by this very registration, sent concurrently and committed between
            # the two statements. The resend check must win over the business rule.
            return _resent_ack(conn, request)
        for party in request.registration_parties:
            if party.person_key in married:
                log.info(
                    "registration %s refused: %s is in an active marriage",
                    request.reg_uuid,
                    _masked_key(party.person_key),
                )
                raise PartyAlreadyMarriedError(person=_person_label(party))

        received_at = self._clock().astimezone(UTC)
        certificate_no = _claim_with_certificate(
            conn,
            "J",
            request.registered_on.year,
            reg_uuid=request.reg_uuid,
            kind="marriage",
            office_code=request.office_code,
            counter_id=request.counter_id,
            payload_sha256=request.payload_sha256,
            device_mode=request.device_mode,
            received_at=received_at,
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

        def unit(conn: Connection) -> PartyAlreadyMarriedError | None:
            for party in request.registration_parties:
                if _active_marriage(conn, party.person_key) is not None:
                    log.info(
                        "registration %s refused: %s is in an active marriage",
                        request.reg_uuid,
                        _masked_key(party.person_key),
                    )
                    return PartyAlreadyMarriedError(person=_person_label(party))
            return None

        error = self._read("identify the married party", unit)
        if error is None:
            # The blocking marriage was dissolved in between: nothing was written, so the
            # same UUID can simply be sent again.
            raise CentralUnavailableError(detail="a conflicting marriage could not be confirmed; send again")
        return error

    # -- divorce ---------------------------------------------------------------------

    def accept_divorce_application(
        self,
        app_uuid: str,
        certificate_no: str,
        office_code: str,
        accepted_on: date,
        *,
        counter_id: str,
        device_mode: str,
    ) -> DivorceApplicationAck:
        """Records a divorce application (the first visit) for the marriage with this
        certificate, accepted at `office_code` on `accepted_on`.

        Idempotent by `app_uuid` (created once by the counter): a resend answers with the
        original acknowledgement. Raises MarriageNotFoundError, MarriageNotActiveError,
        OpenDivorceApplicationExistsError (one open application per marriage),
        PayloadConflictError, SimulatedDevicesRefusedError, CentralUnavailableError.
        """
        check_client_uuid(app_uuid, "app_uuid")
        check_office_code(office_code)
        _check_device_mode(device_mode)
        if not CERTIFICATE_NO_PATTERN.match(certificate_no) or not certificate_no.startswith("J"):
            raise ValueError("certificate_no must be a marriage certificate number (J…)")
        payload = divorce_application_payload_sha256(
            app_uuid=app_uuid,
            marriage_certificate_no=certificate_no,
            office_code=office_code,
            counter_id=counter_id,
            device_mode=device_mode,
        )

        def unit(conn: Connection) -> DivorceApplicationAck:
            _refuse_simulated_in_production(conn, device_mode, app_uuid)
            if _registration_exists(conn, app_uuid):
                return _resent_application_ack(conn, app_uuid, payload)
            marriage = conn.execute(
                select(MarriageRow.marriage_id, MarriageRow.status)
                .where(MarriageRow.certificate_no == certificate_no)
                # FOR SHARE on PostgreSQL: a divorce registration of this marriage
                # committing meanwhile cannot leave a pending application behind it.
                .with_for_update(read=True)
            ).first()
            if marriage is None or marriage.status != "active":
                if _registration_exists(conn, app_uuid):
                    # Sent concurrently and committed meanwhile (READ COMMITTED): a resend.
                    return _resent_application_ack(conn, app_uuid, payload)
                if marriage is None:
                    raise MarriageNotFoundError(reason=f"中心库中没有结婚证字号为 {certificate_no} 的婚姻登记")
                raise MarriageNotActiveError(reason=f"结婚证字号 {certificate_no} 的婚姻已经解除")
            received_at = self._clock().astimezone(UTC)
            _claim(
                conn,
                reg_uuid=app_uuid,
                kind="divorce_application",
                office_code=office_code,
                counter_id=counter_id,
                payload_sha256=payload,
                device_mode=device_mode,
                received_at=received_at,
                certificate_no=None,
            )
            try:
                conn.execute(
                    insert(DivorceApplicationRow).values(
                        app_uuid=app_uuid,
                        marriage_id=marriage.marriage_id,
                        office_code=office_code,
                        accepted_on=accepted_on,
                        status="pending",
                        received_at=received_at,
                    )
                )
            except IntegrityError as exc:
                raise _ApplicationCollision() from exc
            return DivorceApplicationAck(app_uuid, certificate_no, office_code, accepted_on, received_at, False)

        try:
            ack = self._write("accept divorce application", unit)
        except _ClaimedMeanwhile:
            ack = self._read("read divorce application", lambda conn: _resent_application_ack(conn, app_uuid, payload))
        except _ApplicationCollision:
            raise self._open_application_exists(certificate_no) from None
        log.info("divorce application %s %s", app_uuid, "resent" if ack.duplicate else "accepted")
        return ack

    def _open_application_exists(self, certificate_no: str) -> OpenDivorceApplicationExistsError:
        existing = self.open_divorce_application(certificate_no)
        if existing is None:
            # The other application was closed meanwhile: nothing was written; send again.
            raise CentralUnavailableError(detail="a conflicting divorce application could not be confirmed; send again")
        accepted = existing.accepted_on.isoformat()
        return OpenDivorceApplicationExistsError(
            reason=f"该婚姻已有未办结的离婚申请（受理机关 {existing.office_code}，受理日期 {accepted}）"
        )

    def complete_divorce(
        self,
        app_uuid: str,
        office_code: str,
        reg_uuid: str,
        registered_on: date,
        *,
        counter_id: str,
        device_mode: str,
    ) -> DivorceAck:
        """Registers the divorce of a pending application (the second visit) at the office
        that accepted it, allocating the divorce certificate number L<office>-<year>-<n>.

        In one transaction: the application becomes 'registered' (a conditional update
        WHERE status = 'pending' AND office_code = the office), the completion row is
        written (its composite foreign key is the database's own guard on the office),
        the marriage is dissolved and its parties become inactive, free to remarry, and
        its marriage certificate (J) and every reissue of it (BJ) get the void note
        MARRIAGE_CERTIFICATE_VOID_NOTE. Idempotent by `reg_uuid`. Raises
        DivorceApplicationNotFoundError, DivorceAtOtherOfficeError,
        DivorceApplicationNotOpenError, PayloadConflictError, SimulatedDevicesRefusedError,
        CentralUnavailableError.
        """
        check_client_uuid(app_uuid, "app_uuid")
        check_client_uuid(reg_uuid, "reg_uuid")
        check_office_code(office_code)
        _check_device_mode(device_mode)
        payload = divorce_registration_payload_sha256(
            reg_uuid=reg_uuid,
            app_uuid=app_uuid,
            office_code=office_code,
            counter_id=counter_id,
            device_mode=device_mode,
        )

        def unit(conn: Connection) -> DivorceAck:
            _refuse_simulated_in_production(conn, device_mode, reg_uuid)
            if _registration_exists(conn, reg_uuid):
                return _resent_divorce_ack(conn, reg_uuid, payload)
            received_at = self._clock().astimezone(UTC)
            certificate_no = _claim_with_certificate(
                conn,
                "L",
                registered_on.year,
                reg_uuid=reg_uuid,
                kind="divorce_registration",
                office_code=office_code,
                counter_id=counter_id,
                payload_sha256=payload,
                device_mode=device_mode,
                received_at=received_at,
            )
            # The precondition is the update's own WHERE clause: of two counters
            # completing one application at once, the second finds it no longer pending.
            marriage_id = conn.execute(
                update(DivorceApplicationRow)
                .where(
                    DivorceApplicationRow.app_uuid == app_uuid,
                    DivorceApplicationRow.status == "pending",
                    DivorceApplicationRow.office_code == office_code,
                )
                .values(status="registered")
                .returning(DivorceApplicationRow.marriage_id)
            ).scalar()
            if marriage_id is None:
                raise _ApplicationNotOpen()
            conn.execute(
                insert(DivorceCompletionRow).values(
                    app_uuid=app_uuid,
                    office_code=office_code,
                    reg_uuid=reg_uuid,
                    certificate_no=certificate_no,
                    registered_on=registered_on,
                )
            )
            marriage_certificate_no = conn.execute(
                update(MarriageRow)
                .where(MarriageRow.marriage_id == marriage_id, MarriageRow.status == "active")
                .values(status="dissolved")
                .returning(MarriageRow.certificate_no)
            ).scalar()
            if marriage_certificate_no is None:
                # A pending application of a dissolved marriage: the data contradict
                # each other, which no resend fixes (IT). Rolled back.
                raise CentralIntegrityError(
                    detail=f"complete divorce: the marriage of application {app_uuid} is not active"
                )
            conn.execute(
                update(MarriagePartyRow)
                .where(MarriagePartyRow.marriage_id == marriage_id, text("marriage_party.active"))
                .values(active=False)
            )
            # The marriage certificate and every reissue of it stop being valid (2015 规范
            # Art. 59). A reissue holds the marriage row FOR SHARE until it commits, so the
            # update above waited for it, and this statement (a new snapshot at READ
            # COMMITTED) sees its BJ: never a valid BJ of a dissolved marriage.
            conn.execute(
                update(CertificateRow)
                .where(
                    or_(
                        CertificateRow.certificate_no == marriage_certificate_no,
                        CertificateRow.certificate_no.in_(
                            select(CertificateReissueRow.certificate_no).where(
                                CertificateReissueRow.original_certificate_no == marriage_certificate_no
                            )
                        ),
                    )
                )
                .values(void_note=MARRIAGE_CERTIFICATE_VOID_NOTE)
            )
            return DivorceAck(
                app_uuid=app_uuid,
                reg_uuid=reg_uuid,
                certificate_no=certificate_no,
                marriage_certificate_no=marriage_certificate_no,
                office_code=office_code,
                registered_on=registered_on,
                registered_at=received_at,
                duplicate=False,
            )

        try:
            ack = self._write("register divorce", unit)
        except _ClaimedMeanwhile:
            ack = self._read("read divorce registration", lambda conn: _resent_divorce_ack(conn, reg_uuid, payload))
        except _ApplicationNotOpen:
            raise self._why_not_open(app_uuid, office_code) from None
        if ack.duplicate:
            log.info("divorce registration %s was already registered: resent acknowledgement", reg_uuid)
        else:
            log.info("divorce registration %s registered as %s", reg_uuid, ack.certificate_no)
        return ack

    def _why_not_open(self, app_uuid: str, office_code: str) -> Exception:
        row = self._read(
            "read divorce application",
            lambda conn: conn.execute(
                select(DivorceApplicationRow.office_code, DivorceApplicationRow.status).where(
                    DivorceApplicationRow.app_uuid == app_uuid
                )
            ).first(),
        )
        if row is None:
            return DivorceApplicationNotFoundError(reason="中心库中没有该离婚登记申请")
        if row.office_code != office_code:
            log.info(
                "divorce registration of %s refused: accepted at %s, not %s", app_uuid, row.office_code, office_code
            )
            return DivorceAtOtherOfficeError(
                reason=f"离婚登记须在受理申请的登记机关（{row.office_code}）办理，本机关为 {office_code}"
            )
        if row.status != "pending":
            return DivorceApplicationNotOpenError(reason=f"该离婚登记申请{_STATUS_ZH.get(row.status, row.status)}")
        # Pending again at this office: the update raced with something now undone.
        return CentralUnavailableError(detail="the divorce application could not be confirmed; send again")

    # -- withdrawal and expiry (domain.md §1.3 items 3 and 6) ------------------------

    def withdraw_divorce_application(
        self,
        app_uuid: str,
        office_code: str,
        on: date,
        *,
        withdrawal_uuid: str | None = None,
        counter_id: str = "",
        device_mode: str = "real",
    ) -> DivorceApplicationRecord:
        """Records the withdrawal of a pending divorce application: status 'withdrawn'.

        Civil Code Art. 1077 ¶1 lets either party alone withdraw during the cooling-off
        period, at the registry that accepted the application (§1.3 item 3). Whether `on`
        lies inside the cooling-off period is decided by the rules engine (C-D-WD, with
        app.rules.periods.withdrawal_open) before this is called; the store does not
        repeat that rule, it only enforces what its own records decide: the application
        is pending and was accepted at `office_code`. The registry keeps no withdrawal
        date: `on` is logged, the counter's case file holds the 《撤回离婚登记申请确认单》.

        The precondition is the update's own WHERE clause (status = 'pending' AND
        office_code = …), so a withdrawal racing a completion or the expiry job loses or
        wins as a whole. Idempotent: an application this office already withdrew is
        returned as it is (a resend after a lost reply, or the other party coming too).

        With `withdrawal_uuid` (created once by the counter), the same transaction also
        writes a `registration` row (kind divorce_withdrawal) whenever the call returns
        normally, the target of the withdrawal's archive files: a resend of that UUID
        returns the record, the UUID sent with another payload raises
        PayloadConflictError, simulated devices are refused by a production registry.

        Raises DivorceApplicationNotFoundError, DivorceAtOtherOfficeError (naming the
        accepting office), DivorceApplicationNotOpenError (registered or deemed
        withdrawn), PayloadConflictError, SimulatedDevicesRefusedError,
        CentralUnavailableError.
        """
        check_client_uuid(app_uuid, "app_uuid")
        check_office_code(office_code)
        _check_device_mode(device_mode)
        payload: str | None = None
        if withdrawal_uuid is not None:
            check_client_uuid(withdrawal_uuid, "withdrawal_uuid")
            payload = divorce_withdrawal_payload_sha256(withdrawal_uuid, app_uuid, office_code, counter_id, device_mode)

        def resent(conn: Connection) -> tuple[DivorceApplicationRecord, bool]:
            assert withdrawal_uuid is not None and payload is not None
            _stored_registration(conn, withdrawal_uuid, "divorce_withdrawal", payload)
            record = _application_record(conn, app_uuid)
            if record is None:  # the registration row names it (payload hash): contradictory data
                raise CentralIntegrityError(detail=f"withdrawal {withdrawal_uuid}: its application is missing")
            return record, False

        def unit(conn: Connection) -> tuple[DivorceApplicationRecord, bool]:
            _refuse_simulated_in_production(conn, device_mode, withdrawal_uuid or app_uuid)
            if withdrawal_uuid is not None and _registration_exists(conn, withdrawal_uuid):
                return resent(conn)
            changed = conn.execute(
                update(DivorceApplicationRow)
                .where(
                    DivorceApplicationRow.app_uuid == app_uuid,
                    DivorceApplicationRow.office_code == office_code,
                    DivorceApplicationRow.status == "pending",
                )
                .values(status="withdrawn")
                .returning(DivorceApplicationRow.app_uuid)
            ).first()
            # Read in the same transaction: at READ COMMITTED a concurrent writer of this
            # row has committed by now (the update waited for its row lock), so the status
            # read is the one that made the update match nothing.
            record = _application_record(conn, app_uuid)
            if record is None:
                raise DivorceApplicationNotFoundError(reason="中心库中没有该离婚登记申请")
            if changed is None:
                if record.office_code != office_code:
                    log.info(
                        "withdrawal of %s refused: accepted at %s, not %s", app_uuid, record.office_code, office_code
                    )
                    raise DivorceAtOtherOfficeError(
                        reason=f"撤回离婚登记申请须到受理申请的登记机关（{record.office_code}）办理，"
                        f"本机关为 {office_code}"
                    )
                if record.status != "withdrawn":
                    raise DivorceApplicationNotOpenError(
                        reason=f"该离婚登记申请{_STATUS_ZH.get(record.status, record.status)}，不能撤回"
                    )
            if withdrawal_uuid is not None:
                assert payload is not None
                _claim(
                    conn,
                    reg_uuid=withdrawal_uuid,
                    kind="divorce_withdrawal",
                    office_code=office_code,
                    counter_id=counter_id,
                    payload_sha256=payload,
                    device_mode=device_mode,
                    received_at=self._clock().astimezone(UTC),
                    certificate_no=None,
                )
            return record, changed is not None

        try:
            record, withdrawn_now = self._write("withdraw divorce application", unit)
        except _ClaimedMeanwhile:
            # The same withdrawal UUID sent concurrently committed first: answer as a resend.
            record, withdrawn_now = self._read("read divorce withdrawal", resent)
        if withdrawn_now:
            log.info("divorce application %s withdrawn at %s on %s", app_uuid, office_code, on.isoformat())
        else:
            log.info("divorce application %s was already withdrawn", app_uuid)
        return record

    def expire_divorce_applications(self, today: date, calendar: HolidayCalendar) -> list[str]:
        """Marks 'deemed_withdrawn' every pending application whose issue window ended
        before `today`; returns the app_uuids this call changed, sorted.

        Reg. 2025 Art. 16 ¶2 (§1.3 item 6): when nobody asked for the certificate within
        the 30 days after the cooling-off period, the application is deemed withdrawn,
        and the marriage is free for a new application. The window is the rules'
        (app.rules.periods.divorce_periods, Civil Code Arts. 201-203, 1077); the store only
        selects candidates and writes the outcome.

        Safe to run on every counter at once: each application is changed by a
        conditional UPDATE … WHERE status = 'pending', so a row another run (or a
        completion, or a withdrawal) changed first is skipped, never an error; all runs
        end in the same state and each application appears in exactly one run's list.
        Updates go in app_uuid order, so two runs on PostgreSQL queue on the same first
        row instead of deadlocking.

        An application whose window reaches a year without holiday data is left pending
        (warning): a weekend-only count may be off either way (a make-up working day
        shortens it, a holiday lengthens it), and deeming an application withdrawn
        early cannot be undone. It expires once the data covers that year.
        """
        # Both periods last at least 30 days and holidays only move their ends later
        # (Civil Code Art. 203 ¶1), so nothing accepted after today - 60 days can be due.
        # A counter whose clock runs ahead must not deem applications withdrawn early,
        # which cannot be undone: `today` may not pass the registry's own date anywhere on
        # Earth (UTC+14). A clock that runs late only delays the job.
        registry_latest = (self._clock().astimezone(UTC) + timedelta(hours=14)).date()
        if today > registry_latest:
            raise CentralStateError(
                reason=f"日期 {today.isoformat()} 晚于中心库当前日期，不能认定离婚登记申请视为撤回，请检查本机时钟"
            )
        latest_due = today - timedelta(days=2 * PERIOD_DAYS)

        def candidates(conn: Connection) -> list[tuple[str, date]]:
            rows = conn.execute(
                select(DivorceApplicationRow.app_uuid, DivorceApplicationRow.accepted_on).where(
                    _APPLICATION_IS_PENDING, DivorceApplicationRow.accepted_on <= latest_due
                )
            )
            return [(row.app_uuid, row.accepted_on) for row in rows]

        due: list[str] = []
        for app_uuid, accepted_on in self._read("find expired divorce applications", candidates):
            periods = divorce_periods(accepted_on, calendar)
            if periods.issue_window_end >= today:
                continue
            if periods.uncovered_years:
                log.warning(
                    "divorce application %s not expired: no holiday data for %s",
                    app_uuid,
                    ", ".join(str(year) for year in periods.uncovered_years),
                )
                continue
            due.append(app_uuid)
        if not due:
            return []
        due.sort()

        def unit(conn: Connection) -> list[str]:
            expired: list[str] = []
            for app_uuid in due:
                changed = conn.execute(
                    update(DivorceApplicationRow)
                    .where(DivorceApplicationRow.app_uuid == app_uuid, DivorceApplicationRow.status == "pending")
                    .values(status="deemed_withdrawn")
                    .returning(DivorceApplicationRow.app_uuid)
                ).first()
                if changed is not None:
                    expired.append(app_uuid)
            return expired

        # One transaction: a re-run after a 40001/40P01 abort starts from scratch, so the
        # returned list is exactly what this call committed.
        expired = self._write("expire divorce applications", unit)
        log.info(
            "divorce applications deemed withdrawn on %s: %d (%d already changed by another run)",
            today.isoformat(),
            len(expired),
            len(due) - len(expired),
        )
        return expired

    # -- reissue (补领, Reg. 2025 Art. 21; domain.md §4.6) -----------------------------

    def reissue_certificate(self, request: ReissueRequest) -> ReissueAck:
        """Reissues a lost or damaged certificate at `request.office_code` (any office since
        2025): BJ<office>-<year>-<n> for a marriage certificate J…, BL… for a divorce
        certificate L…, numbered in the year of `issued_on`.

        Only while the registration is in the same status (§4.6): a J when its marriage is
        still active (the person a party of it); an L when that divorce was registered,
        the person was a party of the dissolved marriage and is not married again. The
        marriage row is locked FOR SHARE (PostgreSQL) for the transaction, so a divorce
        registration of the same marriage is ordered before it (the reissue is refused)
        or after it (the divorce voids the J and the new BJ alike).

        Idempotent by `reissue_uuid`: a resend answers with the original acknowledgement,
        whatever happened to the marriage since. Raises ReissueRefusedError (the reason
        says what changed), PayloadConflictError, SimulatedDevicesRefusedError,
        CentralUnavailableError.
        """

        def unit(conn: Connection) -> ReissueAck:
            _refuse_simulated_in_production(conn, request.device_mode, request.reissue_uuid)
            if _registration_exists(conn, request.reissue_uuid):
                return _resent_reissue_ack(conn, request)
            refusal = _reissue_refusal(conn, request)
            if refusal is not None:
                if _registration_exists(conn, request.reissue_uuid):
                    # Sent concurrently and committed meanwhile (READ COMMITTED): a resend.
                    return _resent_reissue_ack(conn, request)
                log.info("reissue %s of %s refused", request.reissue_uuid, request.original_certificate_no)
                raise ReissueRefusedError(reason=refusal)
            received_at = self._clock().astimezone(UTC)
            certificate_no = _claim_with_certificate(
                conn,
                request.reissue_kind,
                request.issued_on.year,
                reg_uuid=request.reissue_uuid,
                kind="reissue",
                office_code=request.office_code,
                counter_id=request.counter_id,
                payload_sha256=request.payload_sha256,
                device_mode=request.device_mode,
                received_at=received_at,
            )
            conn.execute(
                insert(CertificateReissueRow).values(
                    reg_uuid=request.reissue_uuid,
                    certificate_no=certificate_no,
                    original_certificate_no=request.original_certificate_no,
                    person_key=request.person_key,
                    issued_on=request.issued_on,
                )
            )
            return ReissueAck(
                reissue_uuid=request.reissue_uuid,
                certificate_no=certificate_no,
                original_certificate_no=request.original_certificate_no,
                issued_on=request.issued_on,
                registered_at=received_at,
                duplicate=False,
            )

        try:
            ack = self._write("reissue certificate", unit)
        except _ClaimedMeanwhile:
            ack = self._read("read reissue", lambda conn: _resent_reissue_ack(conn, request))
        if ack.duplicate:
            log.info("reissue %s was already made: resent acknowledgement", request.reissue_uuid)
        else:
            log.info(
                "reissue %s: %s issued for %s", request.reissue_uuid, ack.certificate_no, ack.original_certificate_no
            )
        return ack

    # -- archive ---------------------------------------------------------------------

    def store_archive_files(
        self, reg_uuid: str, office_code: str, files: Iterable[tuple[str, str, bytes]]
    ) -> dict[str, str]:
        """Stores files of a registration's electronic archive; returns {name: sha256} of
        every file the registry now holds for it, so the counter deletes a local copy
        only when the hash here equals its own.

        Idempotent: a file already held under the same name and hash is left as it is
        (INSERT … ON CONFLICT (reg_uuid, name) DO NOTHING). The same name with another
        hash raises PayloadConflictError and nothing of the call is stored. A hash that
        does not match its bytes raises ValueError before anything is sent.
        RegistrationNotFoundError: no registration with this UUID at this office.
        ArchiveRejectedError / CounterKeyUnknownError: new files that do not come as a
        package signed by the counter's registered key (app.central.keys); nothing stored.
        """
        check_client_uuid(reg_uuid, "reg_uuid")
        check_office_code(office_code)
        batch = _checked_files(files)

        def unit(conn: Connection) -> dict[str, str]:
            owner = conn.execute(
                select(RegistrationRow.office_code).where(RegistrationRow.reg_uuid == reg_uuid)
            ).scalar()
            if owner != office_code:
                # Another office's registration is answered like an unknown one.
                raise RegistrationNotFoundError(reason="中心库中没有本登记机关的该登记，电子档案未上传")
            # Only a package signed by the counter's registered key, its files matching the
            # signed manifest, is stored (app.central.keys; ArchiveRejectedError otherwise).
            check_archive_batch(conn, reg_uuid, office_code, batch)
            stored_at = self._clock().astimezone(UTC)
            for name, sha256, data in batch.values():
                # One statement per file: files run to megabytes, and no row is ever updated.
                conn.execute(
                    dialect_insert(conn, ArchiveFileRow)
                    .values(
                        reg_uuid=reg_uuid,
                        name=name,
                        office_code=office_code,
                        sha256=sha256,
                        size=len(data),
                        data=data,
                        stored_at=stored_at,
                    )
                    .on_conflict_do_nothing(index_elements=[ArchiveFileRow.reg_uuid, ArchiveFileRow.name])
                )
            held = {
                row.name: row.sha256
                for row in conn.execute(
                    select(ArchiveFileRow.name, ArchiveFileRow.sha256).where(
                        ArchiveFileRow.reg_uuid == reg_uuid, ArchiveFileRow.office_code == office_code
                    )
                )
            }
            if any(held.get(name) != sha256 for name, sha256, _data in batch.values()):
                log.warning("archive of %s: a file was resent with different content", reg_uuid)
                raise PayloadConflictError(reg_uuid=reg_uuid)
            return held

        held = self._write("store archive files", unit)
        log.info("archive of %s: %d file(s) sent, %d held", reg_uuid, len(batch), len(held))
        return held

    # -- plumbing --------------------------------------------------------------------

    def _write(self, action: str, unit: Callable[[Connection], T]) -> T:
        """Runs `unit` in one write transaction, re-run on 40001/40P01."""
        engine = self._engine_or_fail()

        def attempt() -> T:
            with engine.begin() as conn:
                return unit(conn)

        lock = self._writer_lock
        if lock is None:
            with self._guard(action):
                return retry_transaction(attempt, attempts=self._retry_attempts)
        if not lock.acquire(timeout=self._busy_timeout_ms / 1000):
            raise CentralUnavailableError(detail=f"{action}: the central store is busy (database is locked)")
        try:
            with self._guard(action):
                return retry_transaction(attempt, attempts=self._retry_attempts)
        finally:
            lock.release()

    def _read(self, action: str, unit: Callable[[Connection], T]) -> T:
        """Runs `unit` in a read-only transaction (SQLite: no write lock)."""
        engine = self._engine_or_fail()

        def attempt() -> T:
            with read_transaction(engine) as conn:
                return unit(conn)

        with self._guard(action):
            return retry_transaction(attempt, attempts=self._retry_attempts)

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
            if tls_failure(detail):
                # verify-full refused the server (CA, host name, files): IT's to fix, not a retry's.
                log.error("central registry TLS verification failed: %s", detail)
                raise CentralTlsError(detail=detail) from exc
            log.warning("central registry unavailable: %s", detail)
            raise CentralUnavailableError(detail=detail) from exc

    # -- counter keys (app.central.keys; issue #10) -----------------------------------

    def register_counter_key(self, counter_id: str, office_code: str, public_key_pem: str) -> CounterKey:
        """Registers the counter's archive signing key once (idempotent); raises
        CounterKeyConflictError when the registry holds another valid key for the
        counter, or this key was revoked or belongs to another counter."""
        key = self._write(
            "register counter key",
            lambda conn: register_key(conn, counter_id, office_code, public_key_pem, self._clock().astimezone(UTC)),
        )
        log.info("counter %s: archive signing key %s registered", counter_id, key.key_id)
        return key

    def counter_key(self, counter_id: str) -> CounterKey | None:
        """The counter's registered key (valid unless marked revoked in place)."""
        return self._read("read counter key", lambda conn: current_key(conn, counter_id))

    def counter_keys(self, counter_id: str) -> list[CounterKey]:
        """The counter's key and those revoked for it, newest first."""
        return self._read("read counter keys", lambda conn: keys_of(conn, counter_id))

    def revoke_counter_key(self, counter_id: str) -> CounterKey | None:
        """Revokes the counter's key (admin role: counters may not); None when it has none.
        The counter registers its next key by itself."""
        revoked = self._write(
            "revoke counter key", lambda conn: revoke_key(conn, counter_id, self._clock().astimezone(UTC))
        )
        if revoked is not None:
            log.warning("counter %s: archive signing key %s revoked", counter_id, revoked.key_id)
        return revoked

    def archive_file_data(self, reg_uuid: str) -> dict[str, bytes]:
        """The archive files held for a registration, name → bytes (admin role or the
        embedded registry: counters may not read archive contents back)."""

        def unit(conn: Connection) -> dict[str, bytes]:
            rows = conn.execute(
                select(ArchiveFileRow.name, ArchiveFileRow.data).where(ArchiveFileRow.reg_uuid == reg_uuid)
            )
            return {row.name: bytes(row.data) for row in rows}

        return self._read("read archive files", unit)

    # -- audit chain heads (app.central.audit_heads; issue #10) -------------------------

    def record_audit_head(
        self, counter_id: str, seq: int, head_hash: str, *, previous_seq: int, previous_hash: str
    ) -> None:
        """Stores the head of a counter's audit chain when it continues the stored one:
        (previous_seq, previous_hash) is the counter's own record at the stored seq, or
        (0, GENESIS) for its first head. The same head again is acknowledged (idempotent).
        AuditHeadRefusedError (AUD-003) otherwise: the counter's log was cut short or
        rewritten; the stored head stays, and the refusal is logged (counter id and
        sequence numbers only)."""
        check_audit_head(counter_id, seq, head_hash, previous_seq=previous_seq, previous_hash=previous_hash)
        now = self._clock()
        try:
            self._write(
                "record audit head",
                lambda conn: store_audit_head(
                    conn, counter_id, seq, head_hash, now, previous_seq=previous_seq, previous_hash=previous_hash
                ),
            )
        except AuditHeadRefusedError as error:
            log.warning("audit head of counter %s refused (seq %d after seq %d; stored seq %s): %s",
                        counter_id, seq, previous_seq, error.params.get("stored_seq"), error.params.get("detail"))
            raise

    def audit_head_of(self, counter_id: str) -> AuditHeadRecord | None:
        """The latest head the counter shipped; None before its first."""
        return self._read("read audit head", lambda conn: read_audit_head(conn, counter_id))

    def reanchor_audit_head(
        self, counter_id: str, seq: int, head_hash: str, *, replaced: tuple[int, str] | None
    ) -> None:
        """IT's re-anchoring of a counter's chain (app.central.audit_heads.replace_audit_head);
        logged here, the counter's own trail records who, when and why."""
        now = self._clock()
        self._write(
            "re-anchor audit head",
            lambda conn: replace_audit_head(conn, counter_id, seq, head_hash, now, replaced=replaced),
        )
        log.warning("audit head of counter %s re-anchored: seq %s replaced by seq %d", counter_id,
                    replaced[0] if replaced is not None else "none", seq)


@functools.cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())


def _check_device_mode(device_mode: str) -> None:
    if device_mode not in {m.value for m in DeviceMode}:
        raise ValueError(f"unknown device_mode {device_mode!r}")


def _read_mode(conn: Connection) -> CentralMode:
    value = conn.execute(select(CentralSettingRow.value).where(CentralSettingRow.key == _MODE_KEY)).scalar()
    try:
        return CentralMode(value or "")
    except ValueError:
        # Fail safe: an unset or unknown mode refuses simulated registrations.
        log.warning("central registry mode %r is not valid; treated as production", value)
        return CentralMode.PRODUCTION


def _refuse_simulated_in_production(conn: Connection, device_mode: str, client_uuid: str) -> None:
    if device_mode == DeviceMode.SIMULATED and _read_mode(conn) is CentralMode.PRODUCTION:
        log.warning("request %s refused: simulated devices, production registry", client_uuid)
        raise SimulatedDevicesRefusedError()


# Spelled exactly like the partial indexes' predicates: SQLite uses a partial index only
# when the query repeats its WHERE term; `active = 1` or `active IS 1` scan the table.
_PARTY_IS_ACTIVE = text("marriage_party.active")
_PARTY_IS_PAST = text("NOT marriage_party.active")
_APPLICATION_IS_PENDING = text("divorce_application.status = 'pending'")


def active_marriage_query(person_key: str) -> Select[str, date, str]:
    """The live-check query (public so a test can assert that it uses the partial index)."""
    return (
        select(MarriageRow.certificate_no, MarriageRow.registered_on, MarriageRow.office_code)
        .join(MarriagePartyRow, MarriagePartyRow.marriage_id == MarriageRow.marriage_id)
        .where(MarriagePartyRow.person_key == person_key, _PARTY_IS_ACTIVE)
    )


def past_marriage_query(person_key: str) -> Select[str]:
    """The person's dissolved marriages (uses the partial index on inactive parties)."""
    return select(MarriagePartyRow.marriage_id).where(MarriagePartyRow.person_key == person_key, _PARTY_IS_PAST)


def open_application_query(marriage_certificate_no: str) -> Select[str, str, date, str]:
    """The pending application of a marriage (uses the one-open-application index)."""
    return (
        select(
            DivorceApplicationRow.app_uuid,
            DivorceApplicationRow.office_code,
            DivorceApplicationRow.accepted_on,
            DivorceApplicationRow.status,
        )
        .join(MarriageRow, MarriageRow.marriage_id == DivorceApplicationRow.marriage_id)
        .where(MarriageRow.certificate_no == marriage_certificate_no, _APPLICATION_IS_PENDING)
    )


def _application_record(conn: Connection, app_uuid: str) -> DivorceApplicationRecord | None:
    row = conn.execute(
        select(
            DivorceApplicationRow.office_code,
            DivorceApplicationRow.accepted_on,
            DivorceApplicationRow.status,
            MarriageRow.certificate_no,
        )
        .join(MarriageRow, MarriageRow.marriage_id == DivorceApplicationRow.marriage_id)
        .where(DivorceApplicationRow.app_uuid == app_uuid)
    ).first()
    if row is None:
        return None
    return DivorceApplicationRecord(app_uuid, row.certificate_no, row.office_code, row.accepted_on, row.status)


def _application_details(conn: Connection, *conditions: Any) -> list[DivorceApplicationDetail]:
    """Applications matching `conditions` with receipt number and marriage, ordered by
    acceptance date, then UUID."""
    rows = list(
        conn.execute(
            select(
                DivorceApplicationRow.app_uuid,
                DivorceApplicationRow.marriage_id,
                DivorceApplicationRow.office_code,
                DivorceApplicationRow.accepted_on,
                DivorceApplicationRow.status,
            )
            .where(*conditions)
            .order_by(DivorceApplicationRow.accepted_on, DivorceApplicationRow.app_uuid)
        )
    )
    if not rows:
        return []
    marriages = {
        record.marriage_id: record
        for record in _marriage_records(conn, MarriageRow.marriage_id.in_(sorted({row.marriage_id for row in rows})))
    }
    details = []
    for row in rows:
        marriage = marriages[row.marriage_id]
        record = DivorceApplicationRecord(
            row.app_uuid, marriage.certificate_no, row.office_code, row.accepted_on, row.status
        )
        details.append(
            DivorceApplicationDetail(record, receipt_no_for(row.app_uuid, row.office_code, row.accepted_on), marriage)
        )
    return details


def _record_by_certificate(conn: Connection, certificate_no: str) -> MarriageRecord | None:
    kind = conn.execute(select(CertificateRow.kind).where(CertificateRow.certificate_no == certificate_no)).scalar()
    if kind in ("BJ", "BL"):
        # A reissue names its original (always a J or an L: check constraint).
        original = conn.execute(
            select(CertificateReissueRow.original_certificate_no).where(
                CertificateReissueRow.certificate_no == certificate_no
            )
        ).scalar()
        if original is None:
            return None
        certificate_no, kind = original, kind[1]
    if kind == "J":
        condition = MarriageRow.certificate_no == certificate_no
    elif kind == "L":
        marriage_id = _dissolved_marriage_id(conn, certificate_no)
        if marriage_id is None:
            return None
        condition = MarriageRow.marriage_id == marriage_id
    else:
        return None
    records = _marriage_records(conn, condition)
    return records[0] if records else None


def _dissolved_marriage_id(conn: Connection, divorce_certificate_no: str) -> str | None:
    """The marriage a divorce certificate (L…) dissolved."""
    marriage_id: str | None = conn.execute(
        select(DivorceApplicationRow.marriage_id)
        .join(DivorceCompletionRow, DivorceCompletionRow.app_uuid == DivorceApplicationRow.app_uuid)
        .where(DivorceCompletionRow.certificate_no == divorce_certificate_no)
    ).scalar()
    return marriage_id


def _active_marriage(conn: Connection, person_key: str) -> ActiveMarriage | None:
    row = conn.execute(active_marriage_query(person_key)).first()
    return None if row is None else ActiveMarriage(row.certificate_no, row.registered_on, row.office_code)


def _marriage_records(conn: Connection, condition: Any, *, newest_first: bool = False) -> list[MarriageRecord]:
    """Marriages (all, or those matching `condition`) with parties and divorce, oldest
    (or newest) first."""
    marriages_query = select(MarriageRow, CertificateRow.void_note).join(
        CertificateRow, CertificateRow.certificate_no == MarriageRow.certificate_no
    )
    if newest_first:
        marriages_query = marriages_query.order_by(MarriageRow.registered_on.desc(), MarriageRow.certificate_no.desc())
    else:
        marriages_query = marriages_query.order_by(MarriageRow.registered_on, MarriageRow.certificate_no)
    if condition is not None:
        marriages_query = marriages_query.where(condition)
    marriages = list(conn.execute(marriages_query))
    if not marriages:
        return []
    ids = [row.marriage_id for row in marriages]
    parties: dict[str, list[MarriageRecordParty]] = {}
    for row in conn.execute(
        select(MarriagePartyRow).where(MarriagePartyRow.marriage_id.in_(ids)).order_by(MarriagePartyRow.role)
    ):
        parties.setdefault(row.marriage_id, []).append(
            MarriageRecordParty(Role(row.role), row.person_key, row.name, row.active)
        )
    divorces = {
        row.marriage_id: DivorceRecord(
            row.app_uuid, row.reg_uuid, row.certificate_no, row.office_code, row.registered_on
        )
        for row in conn.execute(
            select(
                DivorceApplicationRow.marriage_id,
                DivorceCompletionRow.app_uuid,
                DivorceCompletionRow.reg_uuid,
                DivorceCompletionRow.certificate_no,
                DivorceCompletionRow.office_code,
                DivorceCompletionRow.registered_on,
            )
            .join(DivorceApplicationRow, DivorceApplicationRow.app_uuid == DivorceCompletionRow.app_uuid)
            .where(DivorceApplicationRow.marriage_id.in_(ids))
        )
    }
    return [
        MarriageRecord(
            marriage_id=row.marriage_id,
            reg_uuid=row.reg_uuid,
            certificate_no=row.certificate_no,
            office_code=row.office_code,
            registered_on=row.registered_on,
            status=row.status,
            parties=tuple(parties.get(row.marriage_id, ())),
            divorce=divorces.get(row.marriage_id),
            certificate_void_note=row.void_note or "",
        )
        for row in marriages
    ]


def _registration_exists(conn: Connection, reg_uuid: str) -> bool:
    """The resend check, made first: a resend takes no serial and no business lock."""
    found = conn.execute(select(RegistrationRow.reg_uuid).where(RegistrationRow.reg_uuid == reg_uuid)).first()
    return found is not None


def _claim(conn: Connection, **values: Any) -> None:
    """Inserts the registration row; a concurrent send of the same UUID that committed
    first makes it a resend (the named conflict target absorbs nothing else)."""
    claim = (
        dialect_insert(conn, RegistrationRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[RegistrationRow.reg_uuid])
        .returning(RegistrationRow.reg_uuid)
    )
    if conn.execute(claim).first() is None:
        raise _ClaimedMeanwhile()


def _claim_with_certificate(conn: Connection, certificate_kind: str, year: int, **registration: Any) -> str:
    """Allocates the next certificate number of the office and year, claims the
    registration row carrying it and records the certificate: the common step of every
    transaction that issues a certificate (J, L, BJ, BL). Returns the number."""
    certificate_no = _next_certificate_no(conn, certificate_kind, registration["office_code"], year)
    _claim(conn, **registration, certificate_no=certificate_no)
    _insert_certificate(conn, certificate_no, registration["reg_uuid"])
    return certificate_no


def _stored_registration(conn: Connection, reg_uuid: str, kind: str, payload_sha256: str) -> Any:
    row = conn.execute(
        select(RegistrationRow.kind, RegistrationRow.payload_sha256, RegistrationRow.received_at).where(
            RegistrationRow.reg_uuid == reg_uuid
        )
    ).one()
    if row.kind != kind or row.payload_sha256 != payload_sha256:
        log.warning("request %s resent with different content", reg_uuid)
        raise PayloadConflictError(reg_uuid=reg_uuid)
    return row


def _resent_ack(conn: Connection, request: MarriageRegistrationRequest) -> RegistrationAck:
    """The acknowledgement of a registration this UUID already made, if the payload matches."""
    stored = _stored_registration(conn, request.reg_uuid, "marriage", request.payload_sha256)
    marriage = conn.execute(
        select(MarriageRow.certificate_no, MarriageRow.registered_on).where(MarriageRow.reg_uuid == request.reg_uuid)
    ).one()
    return RegistrationAck(
        reg_uuid=request.reg_uuid,
        certificate_no=marriage.certificate_no,
        registered_at=stored.received_at,
        registered_on=marriage.registered_on,
        duplicate=True,
    )


def _resent_application_ack(conn: Connection, app_uuid: str, payload_sha256: str) -> DivorceApplicationAck:
    stored = _stored_registration(conn, app_uuid, "divorce_application", payload_sha256)
    row = conn.execute(
        select(DivorceApplicationRow.office_code, DivorceApplicationRow.accepted_on, MarriageRow.certificate_no)
        .join(MarriageRow, MarriageRow.marriage_id == DivorceApplicationRow.marriage_id)
        .where(DivorceApplicationRow.app_uuid == app_uuid)
    ).one()
    return DivorceApplicationAck(
        app_uuid, row.certificate_no, row.office_code, row.accepted_on, stored.received_at, duplicate=True
    )


def _resent_divorce_ack(conn: Connection, reg_uuid: str, payload_sha256: str) -> DivorceAck:
    stored = _stored_registration(conn, reg_uuid, "divorce_registration", payload_sha256)
    row = conn.execute(
        select(
            DivorceCompletionRow.app_uuid,
            DivorceCompletionRow.certificate_no,
            DivorceCompletionRow.office_code,
            DivorceCompletionRow.registered_on,
            MarriageRow.certificate_no.label("marriage_certificate_no"),
        )
        .join(DivorceApplicationRow, DivorceApplicationRow.app_uuid == DivorceCompletionRow.app_uuid)
        .join(MarriageRow, MarriageRow.marriage_id == DivorceApplicationRow.marriage_id)
        .where(DivorceCompletionRow.reg_uuid == reg_uuid)
    ).one()
    return DivorceAck(
        app_uuid=row.app_uuid,
        reg_uuid=reg_uuid,
        certificate_no=row.certificate_no,
        marriage_certificate_no=row.marriage_certificate_no,
        office_code=row.office_code,
        registered_on=row.registered_on,
        registered_at=stored.received_at,
        duplicate=True,
    )


def _resent_reissue_ack(conn: Connection, request: ReissueRequest) -> ReissueAck:
    stored = _stored_registration(conn, request.reissue_uuid, "reissue", request.payload_sha256)
    row = conn.execute(
        select(
            CertificateReissueRow.certificate_no,
            CertificateReissueRow.original_certificate_no,
            CertificateReissueRow.issued_on,
        ).where(CertificateReissueRow.reg_uuid == request.reissue_uuid)
    ).one()
    return ReissueAck(
        reissue_uuid=request.reissue_uuid,
        certificate_no=row.certificate_no,
        original_certificate_no=row.original_certificate_no,
        issued_on=row.issued_on,
        registered_at=stored.received_at,
        duplicate=True,
    )


def _reissue_refusal(conn: Connection, request: ReissueRequest) -> str | None:
    """Why the registry's records do not allow this reissue (Chinese, for the registrar),
    or None. Locks the marriage row FOR SHARE (PostgreSQL) until the transaction ends:
    its status cannot change before the reissue commits."""
    original = request.original_certificate_no
    if request.original_kind == "J":
        marriage_id = conn.execute(
            select(MarriageRow.marriage_id).where(MarriageRow.certificate_no == original)
        ).scalar()
    else:
        marriage_id = _dissolved_marriage_id(conn, original)
    if marriage_id is None:
        return f"中心库中没有字号为 {original} 的婚姻登记证"
    # After the lock is granted, READ COMMITTED returns the row as the last committed
    # writer left it (a divorce that held it meanwhile), and the statements below see
    # that writer's other rows too.
    status = conn.execute(
        select(MarriageRow.status).where(MarriageRow.marriage_id == marriage_id).with_for_update(read=True)
    ).scalar_one()
    party_active = conn.execute(
        select(MarriagePartyRow.active).where(
            MarriagePartyRow.marriage_id == marriage_id, MarriagePartyRow.person_key == request.person_key
        )
    ).scalar()
    if request.original_kind == "J":
        if status != "active":
            divorce = conn.execute(
                select(DivorceCompletionRow.certificate_no, DivorceCompletionRow.registered_on)
                .join(DivorceApplicationRow, DivorceApplicationRow.app_uuid == DivorceCompletionRow.app_uuid)
                .where(DivorceApplicationRow.marriage_id == marriage_id)
            ).first()
            if divorce is None:
                return f"结婚证字号 {original} 的婚姻已经解除，不能补领结婚证"
            return (
                f"该婚姻已于 {divorce.registered_on.isoformat()} 办理离婚登记（离婚证字号 {divorce.certificate_no}），"
                "不能补领结婚证"
            )
        if not party_active:
            return f"申请人不是结婚证字号 {original} 所载的当事人，不能补领"
        return None
    if party_active is None:
        return f"申请人不是离婚证字号 {original} 所载的当事人，不能补领"
    if _active_marriage(conn, request.person_key) is not None:
        return "当事人已再婚，不能补领离婚证"
    return None


def _next_certificate_no(conn: Connection, kind: str, office_code: str, year: int) -> str:
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
    return format_certificate_no(kind, office_code, year, serial)


def _insert_certificate(conn: Connection, certificate_no: str, reg_uuid: str) -> None:
    match = re.fullmatch(r"(J|L|BJ|BL)(\d{6})-(\d{4})-(\d{6})", certificate_no)
    assert match is not None, certificate_no
    kind, office_code, year, serial = match.groups()
    conn.execute(
        insert(CertificateRow).values(
            certificate_no=certificate_no,
            kind=kind,
            office_code=office_code,
            year=int(year),
            serial=int(serial),
            reg_uuid=reg_uuid,
        )
    )


def _checked_files(files: Iterable[tuple[str, str, bytes]]) -> dict[str, tuple[str, str, bytes]]:
    """Validates an archive batch before any I/O; a name listed twice must carry one content."""
    batch: dict[str, tuple[str, str, bytes]] = {}
    for entry in files:
        name, sha256, data = entry
        if not isinstance(name, str) or not name or len(name) > _MAX_FILE_NAME:
            raise ValueError(f"archive file name must be 1-{_MAX_FILE_NAME} characters")
        if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
            raise ValueError(f"archive file {name!r}: sha256 must be 64 lower-case hex digits")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValueError(f"archive file {name!r}: data must be bytes")
        data = bytes(data)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"archive file {name!r}: sha256 does not match its bytes")
        if name in batch and batch[name][1] != sha256:
            raise ValueError(f"archive file {name!r} listed twice with different content")
        batch[name] = (name, sha256, data)
    return batch
