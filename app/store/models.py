"""Tables of the counter's local store (one SQLite file per counter PC).

One row per case plus child tables for the parts of a case that repeat. Child rows
carry `row_digest`, a SHA-256 over the row's values, so saving a case rewrites only
the rows that changed: photos and document scans (hundreds of KiB each) are written
once, not at every workflow step.

Personal values are `Sealed` columns (#10): envelopes encrypted with AES-256-GCM under
the store's data key, bound to their table, column and row (app.store.protection).
The data key itself is in `store_key`, wrapped by a key from the counter's key store.
With encryption at rest switched off they hold plain envelopes (version byte 0).

The schema is created by the Alembic migrations next to this file; a test compares
the two so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.engine import NAMING_CONVENTION
from app.store.sqltypes import IsoDateTime, Sealed, UtcDateTime


class LocalBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _case_fk() -> Mapped[str]:
    # Children disappear with their case; foreign_keys=ON is set on every connection.
    return mapped_column(String(64), ForeignKey("counter_case.case_id", ondelete="CASCADE"), primary_key=True)


class CaseRow(LocalBase):
    __tablename__ = "counter_case"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    business: Mapped[str] = mapped_column(String(32))
    office_code: Mapped[str] = mapped_column(String(16))
    counter_id: Mapped[str] = mapped_column(String(64))
    registrar: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(IsoDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(IsoDateTime())
    # UTC text of updated_at (or created_at): sorts correctly whatever offsets were used.
    sort_key: Mapped[str] = mapped_column(String(40), index=True)
    device_mode: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    voluntariness: Mapped[str] = mapped_column(String(16))
    registration_uuid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The central store's answer may name a party ("… already married"): sealed.
    central_error: Mapped[bytes] = mapped_column(Sealed("text"))
    # Names of the parties, kept for the case queue so listing needs no join.
    title: Mapped[bytes] = mapped_column(Sealed("text"))
    # Business facts of a divorce or reissue case as JSON (app.store.details); "" for a marriage.
    details: Mapped[bytes] = mapped_column(Sealed("text"))


class PartyRow(LocalBase):
    __tablename__ = "case_party"

    case_id: Mapped[str] = _case_fk()
    role: Mapped[str] = mapped_column(String(1), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    # Everything read from the identity document but its type is sealed, and so are
    # the photo, the declared marital status, the occupation and the number of an
    # active marriage found centrally.
    number: Mapped[bytes] = mapped_column(Sealed("text"))
    # Blind index of the person key (document type, country, number): a keyed HMAC
    # under the data key, for equality lookups without the number in the clear.
    person_index: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[bytes] = mapped_column(Sealed("text"))
    sex: Mapped[bytes] = mapped_column(Sealed("text"))
    birth_date: Mapped[bytes] = mapped_column(Sealed("date"))
    ethnicity_code: Mapped[bytes] = mapped_column(Sealed("text"))
    address: Mapped[bytes] = mapped_column(Sealed("text"))
    issuing_authority: Mapped[bytes] = mapped_column(Sealed("text"))
    valid_from: Mapped[bytes] = mapped_column(Sealed("date"))
    valid_to: Mapped[bytes | None] = mapped_column(Sealed("date"))
    nationality: Mapped[bytes] = mapped_column(Sealed("text"))
    photo_png: Mapped[bytes | None] = mapped_column(Sealed("bytes"))
    read_at: Mapped[datetime] = mapped_column(IsoDateTime())
    reader_name: Mapped[str] = mapped_column(String(200))
    declared_status: Mapped[bytes] = mapped_column(Sealed("text"))
    occupation: Mapped[bytes] = mapped_column(Sealed("text"))
    central_active_marriage: Mapped[bytes | None] = mapped_column(Sealed("text"))
    row_digest: Mapped[str] = mapped_column(String(64))


class DocumentRow(LocalBase):
    __tablename__ = "case_document"

    case_id: Mapped[str] = _case_fk()
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    document_class: Mapped[str] = mapped_column(String(64))
    image_png: Mapped[bytes] = mapped_column(Sealed("bytes"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the image: not guessable
    captured_at: Mapped[datetime] = mapped_column(IsoDateTime())
    device_name: Mapped[str] = mapped_column(String(200))
    row_digest: Mapped[str] = mapped_column(String(64))


class SignatureRow(LocalBase):
    __tablename__ = "case_signature"

    case_id: Mapped[str] = _case_fk()
    role: Mapped[str] = mapped_column(String(1), primary_key=True)
    strokes_json: Mapped[bytes] = mapped_column(Sealed("text"))  # pen data: biometric
    image_png: Mapped[bytes] = mapped_column(Sealed("bytes"))
    # SHA-256 of a text made of the parties' names and numbers: guessable, so sealed.
    declaration_sha256: Mapped[bytes] = mapped_column(Sealed("text"))
    signed_at: Mapped[datetime] = mapped_column(IsoDateTime())
    device_name: Mapped[str] = mapped_column(String(200))
    row_digest: Mapped[str] = mapped_column(String(64))


class FormSignatureRow(LocalBase):
    """Signatures on the forms of the divorce and reissue businesses, one per (form, role)."""

    __tablename__ = "case_form_signature"

    case_id: Mapped[str] = _case_fk()
    form: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(1), primary_key=True)
    strokes_json: Mapped[bytes] = mapped_column(Sealed("text"))  # pen data: biometric
    image_png: Mapped[bytes] = mapped_column(Sealed("bytes"))
    # SHA-256 of a text made of the parties' names and numbers: guessable, so sealed.
    declaration_sha256: Mapped[bytes] = mapped_column(Sealed("text"))
    signed_at: Mapped[datetime] = mapped_column(IsoDateTime())
    device_name: Mapped[str] = mapped_column(String(200))
    row_digest: Mapped[str] = mapped_column(String(64))


class RuleOutcomeRow(LocalBase):
    __tablename__ = "case_rule_outcome"

    case_id: Mapped[str] = _case_fk()
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[bytes] = mapped_column(Sealed("text"))  # names the party
    party: Mapped[str | None] = mapped_column(String(1))
    row_digest: Mapped[str] = mapped_column(String(64))


class RegistrationRow(LocalBase):
    __tablename__ = "case_registration"

    case_id: Mapped[str] = _case_fk()
    certificate_no: Mapped[bytes] = mapped_column(Sealed("text"))
    registered_at: Mapped[datetime] = mapped_column(IsoDateTime())
    registered_on: Mapped[date] = mapped_column(Date)
    duplicate_ack: Mapped[bool] = mapped_column(Boolean)
    row_digest: Mapped[str] = mapped_column(String(64))


class PrintedFormRow(LocalBase):
    __tablename__ = "case_printed_form"

    case_id: Mapped[str] = _case_fk()
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    form: Mapped[str] = mapped_column(String(64))
    row_digest: Mapped[str] = mapped_column(String(64))


class OutboxRow(LocalBase):
    """The transactional outbox (notes/central-store.md §2.3): one row per thing the
    central store must acknowledge, written in the transaction of the step that
    produced it, so a crash can never leave a step done without its item or the reverse."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('registration', 'archive')", name="kind"),
        CheckConstraint("state IN ('pending', 'sending', 'acknowledged', 'failed')", name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # One item per registration and one archive per registration: queuing again is a no-op.
        UniqueConstraint("kind", "reg_uuid"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # No cascade: a case with unsent items must not disappear with them.
    case_id: Mapped[str] = mapped_column(String(64), ForeignKey("counter_case.case_id"), index=True)
    reg_uuid: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(Sealed("text"))  # JSON: a registration names the parties
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    # UTC instants (not IsoDateTime): "due" is a comparison in SQL, which needs one offset.
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text)
    # JSON; a refusal's parameters name a party. last_error never does (sync status prints it).
    result: Mapped[bytes | None] = mapped_column(Sealed("text"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ArchiveFileRow(LocalBase):
    """Files of a case's archive package, kept until the central store confirmed their
    hash; then `data` is set to NULL and the row stays as the record of the upload."""

    __tablename__ = "archive_file"

    case_id: Mapped[str] = mapped_column(String(64), ForeignKey("counter_case.case_id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the package (the manifest last)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(Sealed("bytes"))  # forms, images: personal
    confirmed: Mapped[bool] = mapped_column(Boolean)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StoreKeyRow(LocalBase):
    """The data key of the store's sealed values, wrapped (AES-256-GCM) by the
    key-encryption key `kek_name` of the counter's key store. Rotating that key re-wraps
    this row only; `kek_check` tells a wrong key store from a damaged row. Empty when
    encryption at rest is off."""

    __tablename__ = "store_key"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    kek_name: Mapped[str] = mapped_column(String(64))
    kek_check: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
