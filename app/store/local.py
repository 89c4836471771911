"""The counter's local store: takes and returns domain objects, hides the tables.

Every workflow step saves the whole case here before it returns; one save is one
SQLite transaction (BEGIN IMMEDIATE, WAL, synchronous=FULL), so a kill -9 or a power
cut at any moment leaves either the previous or the new version of the case.

Personal values are sealed on the way in and opened on the way out
(app.store.protection, #10): encrypted with the store's data key unless
`[security] encrypt_local_store` is off. Nothing personal is filtered or sorted in SQL;
the queue decrypts the titles it lists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, Row, Table, delete, func, insert, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import SQLAlchemyError

from app.domain.case import (
    Business,
    CapturedDocument,
    CaseStatus,
    DeviceMode,
    MaritalStatus,
    MarriageCase,
    MarriageStep,
    Party,
    Registration,
    Role,
    RuleOutcome,
    Signature,
    Voluntariness,
)
from app.domain.divorce import SignedForm
from app.domain.identity import DocumentType, IdentityDocument, Sex
from app.errors import LocalStoreError
from app.store.details import details_from_json, details_json, printed_from_json, set_asides_from_json
from app.store.engine import MigratedDatabase, describe_db_error, read_transaction
from app.store.models import LocalBase
from app.store.protection import (
    MIGRATION_ATTRIBUTE,
    PLAIN_CODEC,
    FieldCodec,
    StoreProtection,
    activate,
    current_specs,
    open_row,
    open_value,
    rewrap_data_keys,
    seal_row,
    seal_value,
    stored_keys,
    verify,
)
from app.store.upgrade import (
    backup_revision,
    backup_sqlite,
    backups_of,
    shred_backups,
    sqlite_file,
    upgrade_with_backup,
)
from app.sync.types import ArchiveFileRecord, OutboxEntry, OutboxItem, OutboxKind, OutboxState

if TYPE_CHECKING:
    from app.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# A case in one of these states needs nothing more at the counter. REGISTERED stays
# open: the certificates are still to be printed and handed over.
CLOSED_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.ISSUED, CaseStatus.REFUSED, CaseStatus.CANCELLED})

_TABLES = LocalBase.metadata.tables
_CASE: Table = _TABLES["counter_case"]
_PARTY: Table = _TABLES["case_party"]
_DOCUMENT: Table = _TABLES["case_document"]
_SIGNATURE: Table = _TABLES["case_signature"]
_FORM_SIGNATURE: Table = _TABLES["case_form_signature"]
_OUTCOME: Table = _TABLES["case_rule_outcome"]
_REGISTRATION: Table = _TABLES["case_registration"]
_PRINTED_FORM: Table = _TABLES["case_printed_form"]
_OUTBOX: Table = _TABLES["outbox"]
_ARCHIVE_FILE: Table = _TABLES["archive_file"]

_DB_FAILURES = (SQLAlchemyError, sqlite3.Error, OSError, CommandError)

# Revisions whose databases (and so their upgrade backups) hold personal data in the
# clear; "none" is a database older than the first migration.
PLAINTEXT_REVISIONS = frozenset({"none", "0001", "0002", "0003"})


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One line of the case queue."""

    case_id: str
    title: str
    step: MarriageStep
    status: CaseStatus
    certificate_no: str | None
    updated_at: datetime  # updated_at of the case, or created_at if it was never updated
    central_error: str
    business: Business


class LocalStore(MigratedDatabase):
    """The counter's own database. Thread-safe: each call uses its own pooled connection.

    `protection` says how personal values are protected: StoreProtection.for_config
    (what `[security]` configures, see `from_config`). None = encrypted, with the key
    in a key file in `keys/` beside the database, which is what the default
    configuration gives a store in `<data_dir>/counter.sqlite3`."""

    migrations_dir = MIGRATIONS_DIR

    def __init__(
        self, url: str, *, busy_timeout_ms: int | None = None, protection: StoreProtection | None = None
    ) -> None:
        if busy_timeout_ms is None:
            super().__init__(url)
        else:
            super().__init__(url, busy_timeout_ms=busy_timeout_ms)
        self.protection = protection or StoreProtection.default_for(url)
        self._codec: FieldCodec = PLAIN_CODEC

    @classmethod
    def from_config(cls, config: Config) -> LocalStore:
        """The configured local store (`[store] url`, `[security]`), not opened yet."""
        return cls(config.store_url, protection=StoreProtection.for_config(config))

    def _upgrade(self, engine: Engine) -> None:
        protection = self.protection
        database = sqlite_file(engine)
        label = str(database) if database is not None else "the local store"
        if protection.encrypt:
            # A missing or unavailable key stops the open before anything is touched. The
            # key is made here for a store not encrypted yet, never for one that is.
            with read_transaction(engine) as conn:
                encrypted_already = bool(stored_keys(conn))
            protection.kek(create=not encrypted_already, database=label)
        report = upgrade_with_backup(
            engine, self.migrations_dir, version_table=self.version_table,
            attributes={MIGRATION_ATTRIBUTE: protection}, foreign_keys_off=True,
        )
        activation = activate(engine, protection, label)
        self._codec = codec = activation.codec
        crossed = report is not None and report.from_revision in PLAINTEXT_REVISIONS
        if not codec.encrypted or not (crossed or activation.converted):
            return
        # The plaintext is gone from the rows; make sure every value opens before the
        # plaintext left in free pages, the -wal file and the upgrade backups goes too.
        with read_transaction(engine) as conn:
            count = verify(conn, current_specs(), codec)
        _scrub(engine)
        if database is not None:
            # After a conversion every older backup was taken in the clear.
            plaintext = PLAINTEXT_REVISIONS if not activation.converted else frozenset(
                backup_revision(backup) for backup in backups_of(database)
            )
            for backup in shred_backups(database, plaintext):
                log.info("plaintext backup %s overwritten and deleted", backup)
        log.info("local store %s encrypted: %d values verified", label, count)

    @property
    def encrypted(self) -> bool:
        """Whether personal values are encrypted (valid once the store is open)."""
        return self._codec.encrypted

    def rewrap_data_key(self, new: StoreProtection) -> int:
        """Re-wraps the data key under `new`'s key store (IT moving the counter from a key
        file to the Credential Manager, or rotating the key-encryption key); the sealed
        values stay as they are. Afterwards open the store with `new`. Returns the number
        of data keys re-wrapped (0 when encryption is off)."""
        engine = self._engine_or_fail()
        database = sqlite_file(engine)
        with self._guard("re-wrap the data key"), engine.begin() as conn:
            count = rewrap_data_keys(conn, self.protection, new, str(database or "the local store"))
        self.protection = new
        log.info("local store data key re-wrapped by %s", new.key_store_label)
        return count

    def cases_of_person(self, person_key: str) -> list[str]:
        """Ids of the cases in which the person (IdentityDocument.person_key) is a party,
        found through the blind index: the number is never compared in the clear."""
        index = self._codec.person_index(person_key)
        query = select(_PARTY.c.case_id).where(_PARTY.c.person_index == index).distinct().order_by(_PARTY.c.case_id)
        with self._guard("find cases of a person"), read_transaction(self._engine_or_fail()) as conn:
            return [str(case_id) for case_id in conn.execute(query).scalars()]

    def save_case(
        self, case: MarriageCase, *, enqueue: Sequence[OutboxEntry] = (), now: datetime | None = None
    ) -> None:
        """Stores the whole case in one transaction, replacing what was stored before,
        together with the outbox items the step produced (notes/central-store.md §2.3):
        after a crash both are there or neither is. An entry whose (kind, reg_uuid) is
        queued already is skipped, so queuing again is harmless. `now` (aware) stamps
        new items; they are due at once."""
        codec = self._codec
        case_row = _case_row(case)
        children = _child_rows(case, codec)  # validated before anything is written
        stamp = _utc(now)
        items, files = _outbox_rows(case.case_id, enqueue, stamp)
        with self._guard("save case", case.case_id), self._engine_or_fail().begin() as conn:
            _write_case(conn, codec, case_row, children)
            for item, item_files in zip(items, files, strict=True):
                _insert_item(conn, codec, item, item_files)
        log.debug("saved case %s (step=%s, status=%s)", case.case_id, case.step, case.status)

    # --- outbox ---------------------------------------------------------------

    def outbox_items(
        self, *, case_id: str | None = None, states: Iterable[OutboxState] | None = None
    ) -> list[OutboxItem]:
        """Items oldest first, optionally of one case and/or in some states."""
        query = select(_OUTBOX).order_by(_OUTBOX.c.created_at, _OUTBOX.c.item_id)
        if case_id is not None:
            query = query.where(_OUTBOX.c.case_id == case_id)
        if states is not None:
            query = query.where(_OUTBOX.c.state.in_([OutboxState(s).value for s in states]))
        with self._guard("list outbox"), read_transaction(self._engine_or_fail()) as conn:
            return [_item(row, self._codec) for row in conn.execute(query).all()]

    def outbox_item(self, item_id: str) -> OutboxItem | None:
        with self._guard("read outbox item"), read_transaction(self._engine_or_fail()) as conn:
            row = conn.execute(select(_OUTBOX).where(_OUTBOX.c.item_id == item_id)).first()
            return None if row is None else _item(row, self._codec)

    def outbox_item_for(self, kind: OutboxKind, reg_uuid: str) -> OutboxItem | None:
        query = select(_OUTBOX).where(_OUTBOX.c.kind == OutboxKind(kind).value, _OUTBOX.c.reg_uuid == reg_uuid)
        with self._guard("read outbox item"), read_transaction(self._engine_or_fail()) as conn:
            row = conn.execute(query).first()
            return None if row is None else _item(row, self._codec)

    def outbox_due(self, now: datetime, *, limit: int = 100, force: bool = False) -> list[OutboxItem]:
        """Pending items whose next attempt is due (all of them with `force`), and items
        whose sender's lease ran out (it crashed). Registrations first: a registrar may
        be waiting for the certificate number; archives can wait."""
        query = (
            select(_OUTBOX)
            .where(_OUTBOX.c.state.in_(_OPEN_STATES))
            .order_by(
                sql_case((_OUTBOX.c.kind == OutboxKind.REGISTRATION.value, 0), else_=1),
                _OUTBOX.c.next_attempt_at,
                _OUTBOX.c.created_at,
            )
            .limit(limit)
        )
        if not force:
            query = query.where(_OUTBOX.c.next_attempt_at <= _utc(now))
        with self._guard("list due outbox items"), read_transaction(self._engine_or_fail()) as conn:
            return [_item(row, self._codec) for row in conn.execute(query).all()]

    def outbox_counts(self) -> dict[OutboxState, int]:
        """Number of items in each state (every state present, 0 when none)."""
        query = select(_OUTBOX.c.state, func.count()).group_by(_OUTBOX.c.state)
        with self._guard("count outbox"), read_transaction(self._engine_or_fail()) as conn:
            found = {OutboxState(state): int(n) for state, n in conn.execute(query)}
        return {state: found.get(state, 0) for state in OutboxState}

    def outbox_next_attempt_at(self) -> datetime | None:
        """The earliest next attempt of any pending or sending item."""
        query = select(func.min(_OUTBOX.c.next_attempt_at)).where(_OUTBOX.c.state.in_(_OPEN_STATES))
        with self._guard("read outbox schedule"), read_transaction(self._engine_or_fail()) as conn:
            value: datetime | None = conn.execute(query).scalar()
        return value

    def outbox_claim(
        self, item_id: str, *, now: datetime, lease_until: datetime, force: bool = False
    ) -> OutboxItem | None:
        """Marks a due item as being sent (one more attempt) until `lease_until`; None
        when it is not due or already final. Under the write lock, so two senders
        cannot both claim a due item; `force` (the registrar pressed F12, `sync run`)
        takes it even before its next attempt."""
        conditions = [_OUTBOX.c.item_id == item_id, _OUTBOX.c.state.in_(_OPEN_STATES)]
        if not force:
            conditions.append(_OUTBOX.c.next_attempt_at <= _utc(now))
        claim = (
            update(_OUTBOX)
            .where(*conditions)
            .values(
                state=OutboxState.SENDING.value,
                attempts=_OUTBOX.c.attempts + 1,
                next_attempt_at=_utc(lease_until),
                updated_at=_utc(now),
            )
            .returning(*_OUTBOX.c)
        )
        with self._guard("claim outbox item"), self._engine_or_fail().begin() as conn:
            row = conn.execute(claim).first()
            return None if row is None else _item(row, self._codec)

    def outbox_settle(self, settlement: Settlement) -> tuple[OutboxItem | None, MarriageCase | None]:
        """Records the outcome of one attempt, the change it makes to the case and the
        archive files the central store confirmed, in ONE transaction.

        An outcome is stale, and only its file confirmations (facts about the central
        store) are kept, when the item is final already or, for anything but an
        acknowledgement, when another attempt claimed it since. An acknowledgement is
        the central store's answer whoever asked, so it settles any open item.
        Returns the item and the case as stored afterwards; (None, None) when stale.
        """
        stamp = _utc(settlement.now)
        with self._guard("settle outbox item"), self._engine_or_fail().begin() as conn:
            row = conn.execute(select(_OUTBOX).where(_OUTBOX.c.item_id == settlement.item_id)).first()
            if row is None:
                raise LocalStoreError(detail=f"settle outbox item: no item {settlement.item_id}")
            if settlement.confirmed_files:
                _confirm_files(conn, row.case_id, settlement.confirmed_files, stamp)
            if _is_stale(row, settlement):
                return None, None
            values: dict[str, Any] = {
                "state": settlement.state.value,
                "last_error": settlement.last_error,
                "updated_at": stamp,
            }
            if settlement.next_attempt_at is not None:
                values["next_attempt_at"] = _utc(settlement.next_attempt_at)
            codec = self._codec
            if settlement.result is not None:
                values["result"] = seal_value(
                    codec, "outbox", "result", (row.case_id, row.item_id), _json(settlement.result)
                )
            conn.execute(update(_OUTBOX).where(_OUTBOX.c.item_id == settlement.item_id).values(values))
            stored = _load(conn, codec, row.case_id)
            if stored is not None and settlement.case_change is not None:
                changed = settlement.case_change(stored)
                if changed != stored:
                    _write_case(conn, codec, _case_row(changed), _child_rows(changed, codec))
                    stored = changed
            item_row = conn.execute(select(_OUTBOX).where(_OUTBOX.c.item_id == settlement.item_id)).one()
            return _item(item_row, codec), stored

    def outbox_recover_sending(self, now: datetime) -> int:
        """Makes items left `sending` by a sender that died, and items never attempted
        (their sender died before its first attempt), due now; returns how many.
        Called when a sender starts. Should another process be sending one of them
        after all, the resend is answered as a duplicate (idempotent by reg_uuid)."""
        recover = (
            update(_OUTBOX)
            .where(
                (_OUTBOX.c.state == OutboxState.SENDING.value)
                | ((_OUTBOX.c.state == OutboxState.PENDING.value) & (_OUTBOX.c.attempts == 0))
            )
            .values(state=OutboxState.PENDING.value, next_attempt_at=_utc(now), updated_at=_utc(now))
        )
        with self._guard("recover outbox"), self._engine_or_fail().begin() as conn:
            return int(conn.execute(recover).rowcount)

    def archive_files(self, case_id: str) -> list[ArchiveFileRecord]:
        """The archive files of a case in package order; `data` is None once confirmed."""
        query = (
            select(_ARCHIVE_FILE)
            .where(_ARCHIVE_FILE.c.case_id == case_id)
            .order_by(_ARCHIVE_FILE.c.position)
        )
        codec = self._codec
        with self._guard("read archive files", case_id), read_transaction(self._engine_or_fail()) as conn:
            return [
                ArchiveFileRecord(
                    row.name, row.sha256, open_value(codec, "archive_file", "data", (case_id, row.name), row.data),
                    row.confirmed,
                )
                for row in conn.execute(query).all()
            ]

    def load_case(self, case_id: str) -> MarriageCase | None:
        with self._guard("load case", case_id), read_transaction(self._engine_or_fail()) as conn:
            return _load(conn, self._codec, case_id)

    def list_cases(self, *, include_closed: bool = True) -> list[CaseSummary]:
        """Cases newest first (by their last update)."""
        query = (
            select(
                _CASE.c.case_id,
                _CASE.c.title,
                _CASE.c.step,
                _CASE.c.status,
                _REGISTRATION.c.certificate_no,
                _CASE.c.updated_at,
                _CASE.c.created_at,
                _CASE.c.central_error,
                _CASE.c.business,
            )
            .select_from(_CASE.outerjoin(_REGISTRATION, _REGISTRATION.c.case_id == _CASE.c.case_id))
            .order_by(_CASE.c.sort_key.desc(), _CASE.c.case_id.desc())
        )
        if not include_closed:
            query = query.where(_CASE.c.status.not_in([s.value for s in CLOSED_STATUSES]))
        codec = self._codec
        with self._guard("list cases"), read_transaction(self._engine_or_fail()) as conn:
            return [
                CaseSummary(
                    case_id=row.case_id,
                    title=open_value(codec, "counter_case", "title", (row.case_id,), row.title),
                    step=MarriageStep(row.step),
                    status=CaseStatus(row.status),
                    certificate_no=open_value(
                        codec, "case_registration", "certificate_no", (row.case_id,), row.certificate_no
                    ),
                    updated_at=row.updated_at or row.created_at,
                    central_error=open_value(codec, "counter_case", "central_error", (row.case_id,), row.central_error),
                    business=Business(row.business),
                )
                for row in conn.execute(query).all()
            ]

    def count_cases(self, device_mode: DeviceMode) -> int:
        """How many cases (any business, any state) were captured with `device_mode`
        devices. Reads a plain column: nothing is decrypted."""
        query = select(func.count()).select_from(_CASE).where(_CASE.c.device_mode == device_mode.value)
        with self._guard("count cases"), read_transaction(self._engine_or_fail()) as conn:
            return int(conn.execute(query).scalar_one())

    def latest_open_case(self) -> MarriageCase | None:
        """The open case touched last: where the counter resumes after a restart."""
        query = (
            select(_CASE.c.case_id)
            .where(_CASE.c.status.not_in([s.value for s in CLOSED_STATUSES]))
            .order_by(_CASE.c.sort_key.desc(), _CASE.c.case_id.desc())
            .limit(1)
        )
        with self._guard("load latest open case"), read_transaction(self._engine_or_fail()) as conn:
            case_id = conn.execute(query).scalar()
            return None if case_id is None else _load(conn, self._codec, case_id)

    def backup(self, path: str | os.PathLike[str]) -> Path:
        """Copies the live database to `path` with SQLite's backup API and verifies the copy.

        A file copy would miss everything still in the -wal file (in the probe: all rows
        and even the schema). The copy is written next to the target and renamed into
        place only after `PRAGMA integrity_check` says ok, so a failed backup never
        replaces a good one. The copy is encrypted like the store: it opens only with the
        same key store (keep a backup of the key apart from the database's).
        """
        target = Path(path)
        engine = self._engine_or_fail()
        with self._guard("backup"), engine.connect() as conn:
            source = conn.connection.driver_connection
            if not isinstance(source, sqlite3.Connection):
                raise LocalStoreError(detail="backup: the local store is not a SQLite database")
            backup_sqlite(source, target)
        log.info("local store backed up to %s", target)
        return target

    @contextmanager
    def _guard(self, action: str, case_id: str = "") -> Iterator[None]:
        """Turns any database or file-system failure into LocalStoreError."""
        try:
            yield
        except _DB_FAILURES as exc:
            raise self._failure(action, exc, case_id) from exc

    @staticmethod
    def _failure(action: str, exc: BaseException, case_id: str = "") -> LocalStoreError:
        detail = f"{action}: {describe_db_error(exc)}"
        # Case ids are random UUIDs, not personal data.
        log.error("local store failure%s: %s", f" (case {case_id})" if case_id else "", detail)
        return LocalStoreError(detail=detail)


# --- domain -> rows -------------------------------------------------------------


def _sort_key(moment: datetime) -> str:
    # Fixed-width UTC text sorts chronologically; a naive value is taken as UTC.
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _case_row(case: MarriageCase) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "business": case.business.value,
        "office_code": case.office_code,
        "counter_id": case.counter_id,
        "registrar": case.registrar,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "sort_key": _sort_key(case.updated_at or case.created_at),
        "device_mode": case.device_mode.value,
        "step": case.step.value,
        "status": case.status.value,
        "voluntariness": case.voluntariness.value,
        "registration_uuid": case.registration_uuid,
        "central_error": case.central_error,
        "title": case.title,
        "details": details_json(case),
    }


def _party_row(role: Role, party: Party, codec: FieldCodec) -> dict[str, Any]:
    if party.role is not role:
        raise ValueError(f"party stored under role {role} says it is {party.role}")
    identity = party.identity
    return {
        "role": role.value,
        "doc_type": identity.doc_type.value,
        "number": identity.number,
        "person_index": codec.person_index(identity.person_key),
        "name": identity.name,
        "sex": identity.sex.value,
        "birth_date": identity.birth_date,
        "ethnicity_code": identity.ethnicity_code,
        "address": identity.address,
        "issuing_authority": identity.issuing_authority,
        "valid_from": identity.valid_from,
        "valid_to": identity.valid_to,
        "nationality": identity.nationality,
        "photo_png": party.photo_png,
        "read_at": party.read_at,
        "reader_name": party.reader_name,
        "declared_status": party.declared_status.value,
        "occupation": party.occupation,
        "central_active_marriage": party.central_active_marriage,
    }


def _signature_row(role: Role, signature: Signature) -> dict[str, Any]:
    if signature.role is not role:
        raise ValueError(f"signature stored under role {role} says it is {signature.role}")
    if signature.form is not None:
        raise ValueError(f"a {signature.form} signature is not the marriage declaration's")
    return {
        "role": role.value,
        "strokes_json": signature.strokes_json,
        "image_png": signature.image_png,
        "declaration_sha256": signature.declaration_sha256,
        "signed_at": signature.signed_at,
        "device_name": signature.device_name,
    }


_ChildRows = tuple[Table, tuple[str, ...], list[dict[str, Any]]]


def _child_rows(case: MarriageCase, codec: FieldCodec) -> list[_ChildRows]:
    documents = [
        {
            "document_id": doc.document_id,
            "position": position,
            "document_class": doc.document_class,
            "image_png": doc.image_png,
            "sha256": doc.sha256,
            "captured_at": doc.captured_at,
            "device_name": doc.device_name,
        }
        for position, doc in enumerate(case.documents)
    ]
    if len({doc.document_id for doc in case.documents}) != len(case.documents):
        raise ValueError(f"case {case.case_id} holds two documents with the same document_id")
    outcomes = [
        {
            "position": position,
            "rule_id": outcome.rule_id,
            "passed": outcome.passed,
            "message": outcome.message,
            "party": None if outcome.party is None else outcome.party.value,
        }
        for position, outcome in enumerate(case.rule_outcomes)
    ]
    registration = []
    if case.registration is not None:
        registration.append(
            {
                "certificate_no": case.registration.certificate_no,
                "registered_at": case.registration.registered_at,
                "registered_on": case.registration.registered_on,
                "duplicate_ack": case.registration.duplicate_ack,
            }
        )
    forms = [{"position": position, "form": form} for position, form in enumerate(case.printed_forms)]
    form_signatures = [_form_signature_row(signature) for signature in case.form_signatures]
    if len({(row["form"], row["role"]) for row in form_signatures}) != len(form_signatures):
        raise ValueError(f"case {case.case_id} holds two signatures of one party on one form")
    return [
        (_PARTY, ("role",), [_party_row(role, party, codec) for role, party in case.parties.items()]),
        (_DOCUMENT, ("document_id",), documents),
        (_SIGNATURE, ("role",), [_signature_row(role, sig) for role, sig in case.signatures.items()]),
        (_OUTCOME, ("position",), outcomes),
        (_REGISTRATION, (), registration),
        (_PRINTED_FORM, ("position",), forms),
        (_FORM_SIGNATURE, ("form", "role"), form_signatures),
    ]


def _form_signature_row(signature: Signature) -> dict[str, Any]:
    if signature.form is None:
        raise ValueError("a form signature must name its form")
    row = _signature_row(signature.role, replace(signature, form=None))
    return {**row, "form": signature.form.value}


def _canonical(value: object) -> bytes:
    """Unambiguous bytes for one column value (type tag + length + content)."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"T" if value else b"F"
    if isinstance(value, bytes):
        raw, tag = value, b"B"
    elif isinstance(value, datetime | date):
        # isoformat keeps the UTC offset: the same instant written with another offset
        # is a change (the stored text differs).
        raw, tag = value.isoformat().encode(), b"D"
    elif isinstance(value, int | str):
        raw, tag = str(value).encode(), b"I" if isinstance(value, int) else b"S"
    else:
        raise TypeError(f"cannot digest a {type(value).__name__}")
    return tag + len(raw).to_bytes(8, "big") + raw


def _row_digest(row: Mapping[str, object], key: bytes | None = None) -> str:
    """SHA-256 over the row's plain values; an HMAC under `key` (the store's digest key)
    when the store is encrypted, so the digest confirms no guessed name or number."""
    digest = hashlib.sha256() if key is None else hmac.new(key, digestmod=hashlib.sha256)
    for column in sorted(row):
        digest.update(_canonical(column))
        digest.update(_canonical(row[column]))
    return digest.hexdigest()


def _sync_children(
    conn: Connection,
    codec: FieldCodec,
    table: Table,
    case_id: str,
    key_columns: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Makes the child rows of one case equal to `rows`, writing only what changed: the
    digests are of the plain rows, so only rows to write are sealed."""
    wanted: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        full = {"case_id": case_id, **row}
        full["row_digest"] = _row_digest(full, codec.digest_key)
        wanted[tuple(full[column] for column in key_columns)] = full
    stored: dict[tuple[Any, ...], str] = {
        tuple(found[:-1]): found[-1]
        for found in conn.execute(
            select(*(table.c[column] for column in key_columns), table.c.row_digest).where(table.c.case_id == case_id)
        )
    }

    def matches(key: tuple[Any, ...]) -> list[Any]:
        return [table.c.case_id == case_id] + [
            table.c[column] == value for column, value in zip(key_columns, key, strict=True)
        ]

    for key in stored.keys() - wanted.keys():
        conn.execute(delete(table).where(*matches(key)))
    new_rows = [seal_row(codec, table.name, row) for key, row in wanted.items() if key not in stored]
    if new_rows:
        conn.execute(insert(table), new_rows)
    for key, row in wanted.items():
        if key in stored and stored[key] != row["row_digest"]:
            conn.execute(update(table).where(*matches(key)).values(seal_row(codec, table.name, row)))


# --- rows -> domain -------------------------------------------------------------


def _write_case(conn: Connection, codec: FieldCodec, case_row: dict[str, Any], children: list[_ChildRows]) -> None:
    case_id = case_row["case_id"]
    sealed = seal_row(codec, "counter_case", case_row)
    exists = conn.execute(select(_CASE.c.case_id).where(_CASE.c.case_id == case_id)).first()
    if exists is None:
        conn.execute(insert(_CASE).values(sealed))
    else:
        conn.execute(update(_CASE).where(_CASE.c.case_id == case_id).values(sealed))
    for table, key_columns, rows in children:
        _sync_children(conn, codec, table, case_id, key_columns, rows)


# --- outbox ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of one attempt at an outbox item (see LocalStore.outbox_settle)."""

    item_id: str
    attempt: int  # the attempts count returned by the claim
    state: OutboxState
    now: datetime
    next_attempt_at: datetime | None = None
    last_error: str = ""
    result: Mapping[str, Any] | None = None
    # Applied to the case as stored, inside the transaction: never to a stale copy.
    case_change: Callable[[MarriageCase], MarriageCase] | None = None
    confirmed_files: Mapping[str, str] = field(default_factory=dict)  # name -> sha256 held centrally


_OPEN_STATES = (OutboxState.PENDING.value, OutboxState.SENDING.value)
_FINAL_STATES = (OutboxState.ACKNOWLEDGED.value, OutboxState.FAILED.value)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("naive datetime: outbox times are instants")
    return moment.astimezone(UTC)


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _outbox_rows(
    case_id: str, entries: Sequence[OutboxEntry], now: datetime
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    items: list[dict[str, Any]] = []
    files: list[list[dict[str, Any]]] = []
    for entry in entries:
        if entry.case_id != case_id:
            raise ValueError(f"outbox entry of case {entry.case_id} saved with case {case_id}")
        if entry.files and entry.kind is not OutboxKind.ARCHIVE:
            raise ValueError("only archive items carry files")
        items.append(
            {
                "item_id": entry.item_id,
                "kind": OutboxKind(entry.kind).value,
                "case_id": case_id,
                "reg_uuid": entry.reg_uuid,
                "payload": _json(entry.payload),
                "state": OutboxState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now if entry.not_before is None else _utc(entry.not_before),
                "last_error": "",
                "result": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        item_files = []
        for position, record in enumerate(entry.files):
            if record.data is None or hashlib.sha256(record.data).hexdigest() != record.sha256:
                raise ValueError(f"archive file {record.name}: data missing or not matching its SHA-256")
            item_files.append(
                {
                    "case_id": case_id,
                    "name": record.name,
                    "position": position,
                    "sha256": record.sha256,
                    "size": len(record.data),
                    "data": record.data,
                    "confirmed": False,
                    "confirmed_at": None,
                }
            )
        files.append(item_files)
    return items, files


def _insert_item(conn: Connection, codec: FieldCodec, item: dict[str, Any], files: list[dict[str, Any]]) -> None:
    queued = conn.execute(
        select(_OUTBOX.c.item_id).where(_OUTBOX.c.kind == item["kind"], _OUTBOX.c.reg_uuid == item["reg_uuid"])
    ).first()
    if queued is not None:
        return  # queued by an earlier save (a resend, a reprint): the first one stands
    conn.execute(insert(_OUTBOX).values(seal_row(codec, "outbox", item)))
    if files:
        # A package replaces files of the same names left from an earlier one (there can be
        # none while the unique (kind, reg_uuid) holds, but be exact about it); a case's
        # supplements (supplement-<n>/…) sit beside its package.
        names = [file["name"] for file in files]
        conn.execute(
            delete(_ARCHIVE_FILE).where(_ARCHIVE_FILE.c.case_id == item["case_id"], _ARCHIVE_FILE.c.name.in_(names))
        )
        conn.execute(insert(_ARCHIVE_FILE), [seal_row(codec, "archive_file", file) for file in files])


def _confirm_files(conn: Connection, case_id: str, confirmed: Mapping[str, str], now: datetime) -> None:
    """Drops the local bytes of each file whose hash the central store holds, and only those."""
    for name, sha256 in confirmed.items():
        conn.execute(
            update(_ARCHIVE_FILE)
            .where(
                _ARCHIVE_FILE.c.case_id == case_id,
                _ARCHIVE_FILE.c.name == name,
                _ARCHIVE_FILE.c.sha256 == sha256,
                _ARCHIVE_FILE.c.confirmed.is_(False),
            )
            .values(data=None, confirmed=True, confirmed_at=now)
        )


def _is_stale(row: Row[Any], settlement: Settlement) -> bool:
    if row.state in _FINAL_STATES:
        return True
    if settlement.state is OutboxState.ACKNOWLEDGED:
        return False
    return bool(row.state != OutboxState.SENDING.value or row.attempts != settlement.attempt)


def _item(sealed: Row[Any], codec: FieldCodec) -> OutboxItem:
    row = SimpleNamespace(**open_row(codec, "outbox", sealed))
    return OutboxItem(
        item_id=row.item_id,
        kind=OutboxKind(row.kind),
        case_id=row.case_id,
        reg_uuid=row.reg_uuid,
        payload=json.loads(row.payload),
        state=OutboxState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        result=None if row.result is None else json.loads(row.result),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# --- rows -> domain (continued) -------------------------------------------------


def _rows(conn: Connection, codec: FieldCodec, table: Table, case_id: str, *order_by: str) -> list[Any]:
    """The rows of one case, opened: attribute access to plain values."""
    query = select(table).where(table.c.case_id == case_id).order_by(*(table.c[c] for c in order_by))
    return [SimpleNamespace(**open_row(codec, table.name, row)) for row in conn.execute(query).all()]


def _party(row: Any) -> Party:
    identity = IdentityDocument(
        doc_type=DocumentType(row.doc_type),
        number=row.number,
        name=row.name,
        sex=Sex(row.sex),
        birth_date=row.birth_date,
        ethnicity_code=row.ethnicity_code,
        address=row.address,
        issuing_authority=row.issuing_authority,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        nationality=row.nationality,
    )
    return Party(
        role=Role(row.role),
        identity=identity,
        photo_png=row.photo_png,
        read_at=row.read_at,
        reader_name=row.reader_name,
        declared_status=MaritalStatus(row.declared_status),
        occupation=row.occupation,
        central_active_marriage=row.central_active_marriage,
    )


def _load(conn: Connection, codec: FieldCodec, case_id: str) -> MarriageCase | None:
    found = conn.execute(select(_CASE).where(_CASE.c.case_id == case_id)).first()
    if found is None:
        return None
    case = SimpleNamespace(**open_row(codec, "counter_case", found))
    parties = {Role(row.role): _party(row) for row in _rows(conn, codec, _PARTY, case_id, "role")}
    documents = tuple(
        CapturedDocument(
            document_id=row.document_id,
            document_class=row.document_class,
            image_png=row.image_png,
            sha256=row.sha256,
            captured_at=row.captured_at,
            device_name=row.device_name,
        )
        for row in _rows(conn, codec, _DOCUMENT, case_id, "position")
    )
    signatures = {
        Role(row.role): Signature(
            role=Role(row.role),
            strokes_json=row.strokes_json,
            image_png=row.image_png,
            declaration_sha256=row.declaration_sha256,
            signed_at=row.signed_at,
            device_name=row.device_name,
        )
        for row in _rows(conn, codec, _SIGNATURE, case_id, "role")
    }
    outcomes = tuple(
        RuleOutcome(
            rule_id=row.rule_id,
            passed=row.passed,
            message=row.message,
            party=None if row.party is None else Role(row.party),
        )
        for row in _rows(conn, codec, _OUTCOME, case_id, "position")
    )
    registration_rows = _rows(conn, codec, _REGISTRATION, case_id)
    registration = (
        Registration(
            certificate_no=registration_rows[0].certificate_no,
            registered_at=registration_rows[0].registered_at,
            registered_on=registration_rows[0].registered_on,
            duplicate_ack=registration_rows[0].duplicate_ack,
        )
        if registration_rows
        else None
    )
    forms = tuple(row.form for row in _rows(conn, codec, _PRINTED_FORM, case_id, "position"))
    form_signatures = tuple(
        Signature(
            role=Role(row.role),
            strokes_json=row.strokes_json,
            image_png=row.image_png,
            declaration_sha256=row.declaration_sha256,
            signed_at=row.signed_at,
            device_name=row.device_name,
            form=SignedForm(row.form),
        )
        for row in _rows(conn, codec, _FORM_SIGNATURE, case_id, "form", "role")
    )
    divorce, reissue, face_checks = details_from_json(case.details)
    form_files, voided_blanks = printed_from_json(case.details)
    return MarriageCase(
        case_id=case.case_id,
        office_code=case.office_code,
        counter_id=case.counter_id,
        registrar=case.registrar,
        created_at=case.created_at,
        device_mode=DeviceMode(case.device_mode),
        business=Business(case.business),
        step=MarriageStep(case.step),
        status=CaseStatus(case.status),
        parties=parties,
        documents=documents,
        signatures=signatures,
        voluntariness=Voluntariness(case.voluntariness),
        rule_outcomes=outcomes,
        registration_uuid=case.registration_uuid,
        registration=registration,
        central_error=case.central_error,
        printed_forms=forms,
        updated_at=case.updated_at,
        divorce=divorce,
        reissue=reissue,
        form_signatures=form_signatures,
        face_checks=face_checks,
        form_files=form_files,
        voided_blanks=voided_blanks,
        rule_set_asides=set_asides_from_json(case.details),
    )


def _scrub(engine: Engine) -> None:
    """Drops what plaintext a conversion left in the file: VACUUM rebuilds the database
    from its live (now sealed) rows, so free pages holding old values are gone, and the
    checkpoint empties the -wal file. VACUUM's temporary copy holds live rows only."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if not isinstance(raw, sqlite3.Connection):  # pragma: no cover (pysqlite is the only driver)
            return
        try:
            raw.execute("VACUUM")
            busy, _log_pages, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as error:
            log.warning("local store not compacted after encryption (%s); it is, at the next conversion", error)
            return
        if busy:
            log.warning("local store -wal file not emptied after encryption: another connection reads it")
