"""`central init` and `central migrate`: the schema, and on PostgreSQL the counter role.

Two roles (README.md next to this file):

- the admin role, the one in the URL given to these functions: owns the schema, runs
  the migrations, creates the counter role. Nothing else uses it;
- the counter role (default `mc_counter`), the one in every counter's `[central] url`:
  exactly the privileges `CentralStore` needs to register, look up statuses and upload
  archives, checked by a test that runs those paths connected as this role. It may
  not update or delete registrations, nor read any archive file's bytes.

Grants are re-applied from `COUNTER_GRANTS` on every init and migrate, after revoking
everything first, so the database holds exactly this table whatever was granted by hand
before. On SQLite there are no roles: init and migrate only migrate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from app.central.models import CentralBase, CentralSettingRow, CounterOfficeRoleRow
from app.central.store import MIGRATIONS_DIR, VERSION_TABLE, schema_head
from app.central.types import check_office_code
from app.errors import AppError, CentralUnavailableError
from app.store.engine import (
    DEFAULT_STATEMENT_TIMEOUT_MS,
    describe_db_error,
    dialect_insert,
    make_engine,
)
from app.store.upgrade import upgrade_with_backup

log = logging.getLogger(__name__)

DEFAULT_COUNTER_ROLE = "mc_counter"
# central_setting key under which init records the counter role, so that migrate can
# grant the new tables of a later revision to it.
COUNTER_ROLE_SETTING = "counter_role"

# Per table, what the counter path executes (app/central/store.py), and nothing more:
# - registration, divorce_completion, certificate_reissue: INSERT only, never
#   UPDATE/DELETE. The registration row is written complete in one INSERT for this reason;
# - UPDATE only of the one column a state change needs (certificate serial, marriage
#   and application status, at divorce a party's `active` flag and the void note of the
#   marriage certificate and its reissues);
# - archive_file: no SELECT on `data`: a counter confirms hashes, it never reads
#   archive files back, its own office's or any other's;
# - SELECT elsewhere: the national check reads other offices' marriages by design.
COUNTER_GRANTS: dict[str, tuple[str, ...]] = {
    VERSION_TABLE: ("SELECT",),
    "central_setting": ("SELECT",),
    "registration": ("SELECT", "INSERT"),
    "certificate_serial": ("SELECT", "INSERT", "UPDATE (last_serial)"),
    "certificate": ("SELECT", "INSERT", "UPDATE (void_note)"),
    "certificate_reissue": ("SELECT", "INSERT"),
    "marriage": ("SELECT", "INSERT", "UPDATE (status)"),
    "marriage_party": ("SELECT", "INSERT", "UPDATE (active)"),
    "divorce_application": ("SELECT", "INSERT", "UPDATE (status)"),
    "divorce_completion": ("SELECT", "INSERT"),
    "archive_file": ("SELECT (reg_uuid, name, office_code, sha256, size, stored_at)", "INSERT"),
    # Accounts are managed by IT (admin role); counters read them for the offline cache.
    # A role of one office (counter_office_role, `init --office`) sees only its office's
    # accounts and the administrators' (row-level security, migration 0005).
    "operator": ("SELECT",),
    "counter_office_role": ("SELECT",),  # the policy on `operator` reads it as the counter
    # A counter registers its own key once (IT revokes); the store verifies archives with it.
    "counter_key": ("SELECT", "INSERT"),
    # A counter moves its own audit head (#10). On PostgreSQL a trigger (migration 0005)
    # lets it move only forward; that the new head continues the stored one is the
    # client's check (app.central.audit_heads), which needs the counter's HMAC key.
    "audit_head": ("SELECT", "INSERT", "UPDATE (seq, head_hash, shipped_at)"),
}

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Role attributes that make a role more than a counter; init refuses to reuse such a role.
_POWERFUL_ATTRIBUTES = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")


class CentralAdminError(AppError):
    """Setting up the central store failed (IT's command line only, never shown at a counter,
    hence a plain English template outside the translation catalogue)."""

    code = "CEN-007"
    template = "Central store administration failed: {detail}"
    exit_code = 3


def init_central(
    admin_url: str,
    *,
    counter_role: str = DEFAULT_COUNTER_ROLE,
    counter_password: str | None = None,
    office_code: str | None = None,
) -> list[str]:
    """Migrates the central schema to the newest revision, then on PostgreSQL creates or
    updates the counter role (LOGIN; password only when given, stored as a SCRAM verifier
    computed here so the clear password never reaches the server's logs) and grants it
    exactly COUNTER_GRANTS. With `office_code` the role becomes that office's
    (counter_office_role): it reads only that office's operator accounts and the
    administrators'. Idempotent. Returns what was done, one line each.

    Raises CentralUnavailableError (cannot connect) or CentralAdminError.
    """
    if not _ROLE_NAME.match(counter_role):
        raise CentralAdminError(detail=f"counter role {counter_role!r}: use lower-case letters, digits and _")
    if office_code is not None:
        try:
            check_office_code(office_code)
        except ValueError as error:
            raise CentralAdminError(detail=f"--office: {error}") from error
    with _admin_engine(admin_url) as engine:
        lines = _migrate(engine)
        if engine.dialect.name == "sqlite":
            if counter_password is not None:
                lines.append("SQLite: --counter-password ignored")
            if office_code is not None:
                lines.append("SQLite: --office ignored (no roles)")
            lines.append("SQLite: database roles do not apply; protect the file with file-system permissions")
            return lines
        if not isinstance(engine.dialect, PGDialect):
            lines.append(f"{engine.dialect.name}: roles not managed here; grant COUNTER_GRANTS by hand")
            return lines
        with _admin_guard("set up roles"), engine.begin() as conn:
            lines += _ensure_counter_role(conn, counter_role, counter_password)
            lines += _grant_counter(conn, counter_role)
            if office_code is not None:
                lines += _set_office(conn, counter_role, office_code)
            upsert = dialect_insert(conn, CentralSettingRow).values(key=COUNTER_ROLE_SETTING, value=counter_role)
            conn.execute(
                upsert.on_conflict_do_update(index_elements=[CentralSettingRow.key], set_={"value": counter_role})
            )
            admin = conn.exec_driver_sql("SELECT current_user").scalar()
        lines.append(f"admin role {admin}: owns the schema and runs `central migrate`; keep it off the counters")
    for line in lines:
        log.info("central init: %s", line)
    return lines


def migrate_central(url: str) -> list[str]:
    """Migrates the central schema to the newest revision; on PostgreSQL re-grants the
    counter role recorded by `init_central` (a new revision may add tables)."""
    with _admin_engine(url) as engine:
        lines = _migrate(engine)
        if isinstance(engine.dialect, PGDialect):
            with _admin_guard("grant counter role"), engine.begin() as conn:
                role = conn.execute(
                    select(CentralSettingRow.value).where(CentralSettingRow.key == COUNTER_ROLE_SETTING)
                ).scalar()
                # Every office's own role too (`init --office`), not only the last one set up.
                roles = {role} if role is not None else set()
                roles.update(conn.execute(select(CounterOfficeRoleRow.role_name)).scalars())
                for each in sorted(roles):
                    if _role_exists(conn, each):
                        lines += _grant_counter(conn, each)
    for line in lines:
        log.info("central migrate: %s", line)
    return lines


def scram_sha256_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, in
    the format of libpq's PQencryptPasswordConn), for drivers other than psycopg 3.

    Only for ASCII passwords: PostgreSQL applies SASLprep to others, which is not
    reimplemented here (psycopg 3 uses libpq's own function instead).
    """
    if not password.isascii():
        raise CentralAdminError(detail="a non-ASCII counter password needs the psycopg (3) driver")
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@contextmanager
def _admin_engine(url: str) -> Iterator[Engine]:
    with _admin_guard("connect"):
        # No statement timeout: a migration may build an index on a large table.
        engine = make_engine(url, statement_timeout_ms=None)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _admin_guard(action: str) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise CentralUnavailableError(detail=f"{action}: {describe_db_error(exc)}") from exc
    except (SQLAlchemyError, CommandError, ArgumentError, OSError) as exc:
        raise CentralAdminError(detail=f"{action}: {describe_db_error(exc)}") from exc


def _migrate(engine: Engine) -> list[str]:
    """A SQLite file is backed up first and restored if the upgrade fails (app.store.upgrade);
    a PostgreSQL database is IT's to back up (pg_dump) before `central migrate`."""
    with _admin_guard("migrate"):
        report = upgrade_with_backup(engine, MIGRATIONS_DIR, version_table=VERSION_TABLE)
    where = make_url(engine.url).render_as_string(hide_password=True)
    lines = [f"central schema at revision {schema_head()} ({where})"]
    if report is not None and report.backup is not None:
        lines.append(f"backup of schema {report.from_revision} taken before the upgrade: {report.backup}")
    return lines


def _quote(conn: Connection, identifier: str) -> str:
    return conn.dialect.identifier_preparer.quote(identifier)


def _role_exists(conn: Connection, role: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is not None


def _ensure_counter_role(conn: Connection, role: str, password: str | None) -> list[str]:
    quoted = _quote(conn, role)
    attributes = conn.execute(
        text(f"SELECT {', '.join(_POWERFUL_ATTRIBUTES)} FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if attributes is None:
        # The defaults are what a counter needs: no superuser, CREATEDB, CREATEROLE,
        # REPLICATION or BYPASSRLS. Naming them would need superuser on some versions.
        conn.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN")
        lines = [f"counter role {role}: created (LOGIN)"]
    else:
        powerful = [name.removeprefix("rol") for name, value in attributes._mapping.items() if value]
        if powerful:
            raise CentralAdminError(
                detail=f"role {role} exists with {', '.join(powerful)}: a counter role must have none; "
                "choose another --counter-role or remove them"
            )
        conn.exec_driver_sql(f"ALTER ROLE {quoted} LOGIN")
        lines = [f"counter role {role}: exists, kept"]
    memberships = conn.execute(
        text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :r ORDER BY 1"
        ),
        {"r": role},
    ).scalars()
    if member_of := list(memberships):
        lines.append(f"WARNING: {role} is a member of {', '.join(member_of)}; their privileges add to the grants below")
    if password is not None:
        verifier = _password_verifier(conn, role, password)
        conn.exec_driver_sql(f"ALTER ROLE {quoted} PASSWORD '{verifier}'")
        lines.append(f"counter role {role}: password set (stored as a SCRAM-SHA-256 verifier)")
    else:
        lines.append(
            f"counter role {role}: password unchanged; set one with --counter-password, or authenticate "
            "counters by client certificate (pg_hba.conf `hostssl … cert`)"
        )
    # Also bound sessions that bypass the client's startup options (e.g. behind PgBouncer).
    timeout = f"{DEFAULT_STATEMENT_TIMEOUT_MS}ms"
    conn.exec_driver_sql(f"ALTER ROLE {quoted} SET statement_timeout = '{timeout}'")
    conn.exec_driver_sql(f"ALTER ROLE {quoted} SET idle_in_transaction_session_timeout = '{timeout}'")
    return lines


def _password_verifier(conn: Connection, role: str, password: str) -> str:
    if "\x00" in password:
        raise CentralAdminError(detail="the counter password contains a NUL character")
    pgconn = getattr(conn.connection.driver_connection, "pgconn", None)
    if pgconn is not None:  # psycopg 3: libpq's PQencryptPasswordConn, SASLprep included
        verifier = bytes(pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")).decode()
    else:
        verifier = scram_sha256_verifier(password)
    # Base64 and '$:' only: safe inside a literal; checked rather than assumed.
    if not re.fullmatch(r"SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+", verifier):
        raise CentralAdminError(detail="unexpected password verifier format")
    return verifier


def _set_office(conn: Connection, role: str, office_code: str) -> list[str]:
    upsert = dialect_insert(conn, CounterOfficeRoleRow).values(role_name=role, office_code=office_code)
    conn.execute(
        upsert.on_conflict_do_update(index_elements=[CounterOfficeRoleRow.role_name], set_={"office_code": office_code})
    )
    return [
        f"counter role {role}: office {office_code}; it reads only that office's operator accounts and the IT "
        "administrators' (set [central] url of that office's counters to this role)"
    ]


def _grant_counter(conn: Connection, role: str) -> list[str]:
    quoted = _quote(conn, role)
    database = _quote(conn, str(conn.exec_driver_sql("SELECT current_database()").scalar()))
    schema = _quote(conn, str(conn.exec_driver_sql("SELECT current_schema()").scalar()))
    missing = set(CentralBase.metadata.tables) - set(COUNTER_GRANTS)
    if missing:  # a new table must get an explicit decision here (a test checks it too)
        raise CentralAdminError(detail=f"no counter grants decided for {', '.join(sorted(missing))}")
    conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {database} TO {quoted}")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {quoted}")
    # Start from nothing (table and column privileges alike), so the result is exactly
    # the table below whatever was granted by hand before.
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {quoted}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {quoted}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM {quoted}")
    lines = []
    for table, privileges in COUNTER_GRANTS.items():
        for privilege in privileges:
            conn.exec_driver_sql(f"GRANT {privilege} ON TABLE {schema}.{_quote(conn, table)} TO {quoted}")
        lines.append(f"granted {role} on {table}: {', '.join(privileges)}")
    lines.append(f"{role} may not UPDATE or DELETE registrations, nor read archive file contents")
    # Before PostgreSQL 15 every role may create tables in `public`; a counter must not.
    # Only the schema's owner can take that from PUBLIC (anyone else gets a warning, not an
    # error), so the outcome is checked rather than assumed.
    with conn.begin_nested():
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    may_create = conn.execute(
        text("SELECT has_schema_privilege(:role, current_schema(), 'CREATE')"), {"role": role}
    ).scalar()
    if may_create:
        lines.append(f"WARNING: {role} may create objects in schema {schema}: its owner must REVOKE CREATE FROM PUBLIC")
    return lines
