"""Tables of the central marriage registry.

Every invariant of the national check is a constraint, never check-then-insert
(notes/central-store.md §2.1, §2.4: naive checks let up to 50 of 50 concurrent
attempts marry the same person; constraints let exactly one through, on SQLite and
PostgreSQL alike):

- one active marriage per person: the partial unique index
  `uq_one_active_marriage_per_person` on marriage_party(person_key) WHERE active;
- nobody marries themselves: UNIQUE(marriage_id, person_key);
- one registration per client UUID: the primary key of `registration`, used as the
  ON CONFLICT target of the idempotent insert;
- a certificate number is unique, and so is its (kind, office, year, serial);
- one open (pending) divorce application per marriage: the partial unique index
  `uq_one_open_divorce_application_per_marriage`;
- a divorce is completed at the office that accepted the application: the composite
  foreign key divorce_completion(app_uuid, office_code) → divorce_application(app_uuid,
  office_code), and one completion per application (its primary key);
- an archive file belongs to a registration of the office that stores it (composite
  foreign key to registration(reg_uuid, office_code)), its size is its byte count;
- a reissued certificate (补领) replaces a certificate of its own kind: BJ a J, BL an L
  (check constraint on certificate_reissue), and is issued once per reissue UUID.

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
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.engine import NAMING_CONVENTION
from app.store.sqltypes import UtcDateTime

REGISTRATION_KINDS = (
    "marriage",
    "divorce_application",
    "divorce_withdrawal",
    "divorce_registration",
    "reissue",
)
# 结婚证 J, 离婚证 L, and their reissues BJ, BL.
CERTIFICATE_KINDS = ("J", "L", "BJ", "BL")
MARRIAGE_STATUSES = ("active", "dissolved")
DIVORCE_APPLICATION_STATUSES = ("pending", "withdrawn", "registered", "deemed_withdrawn")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CentralBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RegistrationRow(CentralBase):
    """One client request, keyed by the UUID the counter created once and never regenerates."""

    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint(_in("kind", REGISTRATION_KINDS), name="kind"),
        CheckConstraint(_in("device_mode", ("real", "simulated")), name="device_mode"),
        # Target of archive_file's composite foreign key (an index rather than a
        # constraint: SQLite can add an index to an existing table without a rebuild).
        Index("uq_registration_reg_uuid_office_code", "reg_uuid", "office_code", unique=True),
    )

    reg_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    office_code: Mapped[str] = mapped_column(String(6))
    counter_id: Mapped[str] = mapped_column(String(64))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    device_mode: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set in the same transaction as the insert, once the number is allocated.
    certificate_no: Mapped[str | None] = mapped_column(String(24), unique=True)


class CertificateSerialRow(CentralBase):
    """The last serial handed out per certificate kind, office and year."""

    __tablename__ = "certificate_serial"
    __table_args__ = (
        PrimaryKeyConstraint("kind", "office_code", "year"),
        CheckConstraint(_in("kind", CERTIFICATE_KINDS), name="kind"),
        # Six digits in the certificate number.
        CheckConstraint("last_serial BETWEEN 1 AND 999999", name="last_serial"),
    )

    kind: Mapped[str] = mapped_column(String(2))
    office_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    last_serial: Mapped[int] = mapped_column(Integer)


class CertificateRow(CentralBase):
    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("kind", "office_code", "year", "serial"),
        CheckConstraint(_in("kind", CERTIFICATE_KINDS), name="kind"),
        CheckConstraint("serial BETWEEN 1 AND 999999", name="serial"),
    )

    certificate_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(2))
    office_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    reg_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("registration.reg_uuid"))
    # Set when the certificate stopped being valid: on the marriage certificate (J) and
    # its reissues (BJ) by the divorce registration, in the same transaction
    # (app.domain.divorce.MARRIAGE_CERTIFICATE_VOID_NOTE).
    void_note: Mapped[str | None] = mapped_column(String(40))


class MarriageRow(CentralBase):
    __tablename__ = "marriage"
    __table_args__ = (CheckConstraint(_in("status", MARRIAGE_STATUSES), name="status"),)

    marriage_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reg_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("registration.reg_uuid"), unique=True)
    office_code: Mapped[str] = mapped_column(String(6))
    certificate_no: Mapped[str] = mapped_column(String(24), ForeignKey("certificate.certificate_no"), unique=True)
    registered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))


# Partial UNIQUE index: PostgreSQL has no partial unique *constraints*, and both
# dialects render this as CREATE UNIQUE INDEX ... ON marriage_party (person_key) WHERE active.
ONE_ACTIVE_MARRIAGE_INDEX = "uq_one_active_marriage_per_person"
# The marital-status lookup's other half ("was this person ever married?"). Partial
# too, so the active-marriage check can only ever use the unique index above.
PAST_MARRIAGE_INDEX = "ix_marriage_party_person_key_inactive"
ONE_OPEN_APPLICATION_INDEX = "uq_one_open_divorce_application_per_marriage"


class MarriagePartyRow(CentralBase):
    """A spouse of a marriage. On divorce `active` becomes false; rows are never deleted."""

    __tablename__ = "marriage_party"
    __table_args__ = (
        PrimaryKeyConstraint("marriage_id", "role"),
        CheckConstraint(_in("role", ("A", "B")), name="role"),
        UniqueConstraint("marriage_id", "person_key"),
        Index(
            ONE_ACTIVE_MARRIAGE_INDEX,
            "person_key",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index(
            PAST_MARRIAGE_INDEX,
            "person_key",
            sqlite_where=text("NOT active"),
            postgresql_where=text("NOT active"),
        ),
    )

    marriage_id: Mapped[str] = mapped_column(String(36), ForeignKey("marriage.marriage_id"))
    role: Mapped[str] = mapped_column(String(1))
    person_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)


class CentralSettingRow(CentralBase):
    """Settings of the registry itself, e.g. mode = 'test' | 'production'."""

    __tablename__ = "central_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class DivorceApplicationRow(CentralBase):
    """A divorce application accepted at an office (离婚登记申请受理, the first visit).

    Its `app_uuid` is also the reg_uuid of its `registration` row (kind
    divorce_application), which makes the acceptance idempotent like a marriage.
    """

    __tablename__ = "divorce_application"
    __table_args__ = (
        CheckConstraint(_in("status", DIVORCE_APPLICATION_STATUSES), name="status"),
        # The target of divorce_completion's composite foreign key.
        UniqueConstraint("app_uuid", "office_code"),
        Index(
            ONE_OPEN_APPLICATION_INDEX,
            "marriage_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # A marriage's applications in any status (its records, the divorce that dissolved
        # it), and an office's queue and receipt lookup (revision 0003).
        Index("ix_divorce_application_marriage_id", "marriage_id"),
        Index("ix_divorce_application_office_code_accepted_on", "office_code", "accepted_on"),
    )

    app_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("registration.reg_uuid"), primary_key=True)
    marriage_id: Mapped[str] = mapped_column(String(36), ForeignKey("marriage.marriage_id"))
    office_code: Mapped[str] = mapped_column(String(6))
    accepted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DivorceCompletionRow(CentralBase):
    """The divorce registration (the second visit) that completed an application.

    The composite foreign key carries the office: a completion row can only name the
    office that accepted the application, whatever the application code does.
    """

    __tablename__ = "divorce_completion"
    __table_args__ = (
        ForeignKeyConstraint(
            ["app_uuid", "office_code"],
            ["divorce_application.app_uuid", "divorce_application.office_code"],
        ),
    )

    app_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6))
    reg_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("registration.reg_uuid"), unique=True)
    certificate_no: Mapped[str] = mapped_column(String(24), ForeignKey("certificate.certificate_no"), unique=True)
    registered_on: Mapped[date] = mapped_column(Date)


class ArchiveFileRow(CentralBase):
    """One file of a registration's electronic archive (photos, signed forms, scans).

    Written once: the same (reg_uuid, name) is never overwritten, so a counter can
    delete its local copy once the hash here matches its own.
    """

    __tablename__ = "archive_file"
    __table_args__ = (
        PrimaryKeyConstraint("reg_uuid", "name"),
        ForeignKeyConstraint(
            ["reg_uuid", "office_code"],
            ["registration.reg_uuid", "registration.office_code"],
        ),
        CheckConstraint("length(sha256) = 64", name="sha256"),
        CheckConstraint("size = length(data)", name="size"),
    )

    reg_uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    office_code: Mapped[str] = mapped_column(String(6))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CertificateReissueRow(CentralBase):
    """A reissued certificate (补领婚姻登记证, Reg. 2025 Art. 21): BJ… replacing a marriage
    certificate J…, BL… replacing a divorce certificate L….

    `reg_uuid` is the reissue's client UUID, the reg_uuid of its `registration` row (kind
    reissue), which makes the reissue idempotent. A lost BJ is replaced from the J again:
    the original is always the J or L certificate.
    """

    __tablename__ = "certificate_reissue"
    __table_args__ = (
        CheckConstraint(
            "substr(original_certificate_no, 1, 1) IN ('J', 'L') "
            "AND substr(certificate_no, 1, 2) = 'B' || substr(original_certificate_no, 1, 1)",
            name="kind",
        ),
        Index("ix_certificate_reissue_original_certificate_no", "original_certificate_no"),
    )

    reg_uuid: Mapped[str] = mapped_column(String(36), ForeignKey("registration.reg_uuid"), primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(24), ForeignKey("certificate.certificate_no"), unique=True)
    original_certificate_no: Mapped[str] = mapped_column(String(24), ForeignKey("certificate.certificate_no"))
    person_key: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)


class OperatorRow(CentralBase):
    """A registrar's (supervisor's, administrator's, QA's) account, managed centrally and
    cached on the counters; `secret_hash` is a scrypt PHC string, never the secret."""

    __tablename__ = "operator"
    __table_args__ = (CheckConstraint("role IN ('registrar', 'supervisor', 'admin', 'qa')", name="role"),)

    operator_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    office_code: Mapped[str] = mapped_column(String(6))
    role: Mapped[str] = mapped_column(String(16))
    training_valid_until: Mapped[date | None] = mapped_column(Date)
    secret_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CounterKeyRow(CentralBase):
    """A counter's public signing key (Ed25519, PEM): archive manifests are verified with it."""

    __tablename__ = "counter_key"

    counter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6))
    public_key_pem: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditHeadRow(CentralBase):
    """The last link of a counter's audit chain, as shipped with its latest sync."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("length(head_hash) = 64", name="head_hash"),)

    counter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CounterOfficeRoleRow(CentralBase):
    """The office a counter login role belongs to (PostgreSQL): such a role reads only
    its office's operator accounts and the administrators' (row-level security, 0005)."""

    __tablename__ = "counter_office_role"

    role_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6))
