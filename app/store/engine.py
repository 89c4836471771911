"""Engines, transactions and migrations shared by the local and the central store.

SQLite is used in the one configuration that held under concurrency and kill -9 in
the probes (notes/central-store.md §2.4, §3.4): pysqlite's own transaction handling
switched off (`isolation_level=None`), `BEGIN IMMEDIATE` emitted by us for every
write transaction, WAL with `synchronous=FULL`, and a busy timeout so writers queue
instead of failing. Other URLs (PostgreSQL) run at READ COMMITTED, where the
`ON CONFLICT DO NOTHING` idempotency pattern returns "duplicate" instead of 40001.

On PostgreSQL (and the PostgreSQL-compatible CockroachDB / YugabyteDB) every call is
bounded: libpq's `connect_timeout`, TCP keepalives and `tcp_user_timeout` bound a dead
network, the server's `statement_timeout` and `idle_in_transaction_session_timeout`
bound a lock wait or a client that froze inside a transaction (notes §3.2: without
them a blackholed connection hangs forever). `retry_transaction` re-runs a write that
the server aborted with 40001/40P01, which distributed SQL engines raise routinely.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Self, TypeVar

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL: how long a connection attempt and one statement may take before the
# caller gets "unreachable" rather than a frozen counter. A statement includes its lock
# waits, e.g. for the certificate serial row another counter of the office holds.
DEFAULT_CONNECT_TIMEOUT_S = 5
DEFAULT_STATEMENT_TIMEOUT_MS = 10_000

# libpq drivers, which take the connection parameters below.
_LIBPQ_DRIVERS = frozenset({"psycopg", "psycopg2"})
# SQLSTATEs after which the server has rolled the transaction back and a re-run may
# succeed: serialization_failure (CockroachDB's "restart transaction" too) and
# deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})

# Named constraints, so later migrations can alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Connection execution option read by the `begin` hook: a read-only unit of work
# starts a DEFERRED transaction (a WAL snapshot that neither takes nor waits for the
# write lock), so screens and live checks never queue behind a writer.
_READ_ONLY_OPTION = "marriage_counter_read_only"


# The SQLCipher key of each engine on an encrypted SQLite file (see make_engine), for the
# backups and restores of app.store.upgrade, which open the file with their own connections.
_CIPHER_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def _sqlcipher() -> ModuleType:
    # Imported only where an encrypted file is opened: counters on PostgreSQL never load it.
    from sqlcipher3 import dbapi2

    return dbapi2


def sqlite_errors() -> tuple[type[Exception], ...]:
    """The exceptions of both SQLite drivers (sqlcipher3's do not derive from sqlite3's)."""
    return (sqlite3.Error, _sqlcipher().Error)


def _key_pragma(key: bytes) -> str:
    # A raw 256-bit key (x'…'): SQLCipher skips its PBKDF2 passphrase derivation, so a
    # connection opens in microseconds; the key is random, not a password.
    if len(key) != 32:
        raise ValueError("a SQLCipher key is 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def cipher_key_of(engine: Engine) -> bytes | None:
    """The SQLCipher key an engine opens its file with; None for a plain database."""
    return _CIPHER_KEYS.get(engine)


def connect_sqlite(path: Path, *, key: bytes | None = None, timeout_s: float = 5.0, sqlcipher: bool = False) -> Any:
    """A DB-API connection of its own to a SQLite file (autocommit), keyed when the file
    is encrypted: for the backup API, restores and schema probes outside SQLAlchemy.
    `sqlcipher` without a key: SQLCipher's driver on a plain file (for sqlcipher_export)."""
    if key is None and not sqlcipher:
        return sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
    connection = _sqlcipher().connect(str(path), timeout=timeout_s, isolation_level=None)
    try:
        if key is not None:
            connection.execute(_key_pragma(key))
    except BaseException:
        connection.close()
        raise
    return connection


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    connect_timeout_s: int = DEFAULT_CONNECT_TIMEOUT_S,
    statement_timeout_ms: int | None = DEFAULT_STATEMENT_TIMEOUT_MS,
    cipher_key: bytes | None = None,
) -> Engine:
    """Creates an engine configured for this application's stores.

    `connect_timeout_s` and `statement_timeout_ms` apply to server databases only
    (None or 0: no statement timeout, for migrations); SQLite waits `busy_timeout_ms`
    for a lock. Parameters already in the URL's query win over these defaults, so IT
    can tune them in the connection string.

    Raises OSError when the parent directory of a SQLite file cannot be created and
    sqlalchemy's ArgumentError for a malformed URL; the stores translate both into
    their own error.

    `cipher_key` opens a SQLite file encrypted with SQLCipher (the embedded central
    store, app.central.embedded); a wrong key fails at the first statement with "file is
    not a database".
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            parsed,
            isolation_level="READ COMMITTED",
            # A pooled connection may have been cut by a failover or a NAT timeout.
            pool_pre_ping=True,
            connect_args=_server_connect_args(parsed, connect_timeout_s, statement_timeout_ms),
        )

    database = parsed.database or ""
    if database and database != ":memory:" and not parsed.query.get("uri"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)

    if cipher_key is None:
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout_ms / 1000})
    else:
        _key_pragma(cipher_key)  # a bad key length fails here, not in every connect
        # sqlcipher3 is a drop-in pysqlite module, so the pysqlite dialect drives it.
        engine = create_engine(parsed, module=_sqlcipher(), connect_args={"timeout": busy_timeout_ms / 1000})
        _CIPHER_KEYS[engine] = cipher_key

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # pysqlite would otherwise BEGIN lazily before the first DML only, so a
        # SELECT-then-INSERT ran as two transactions (50 winners in the probe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if cipher_key is not None:  # the key comes before any other statement
                cursor.execute(_key_pragma(cipher_key))
            # busy_timeout first: switching to WAL may itself wait for a lock.
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")
            # A registration the registrar saw as saved must survive a power cut.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_sqlite(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN DEFERRED")
        else:
            # Take the write lock up front: writers serialise, and a constraint
            # decided inside the transaction cannot be raced by another writer.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _server_connect_args(url: URL, connect_timeout_s: int, statement_timeout_ms: int | None) -> dict[str, Any]:
    if url.get_driver_name() not in _LIBPQ_DRIVERS:
        return {}
    query = url.query
    defaults: dict[str, Any] = {
        # libpq counts whole seconds and treats anything below 2 as 2.
        "connect_timeout": max(2, int(connect_timeout_s)),
        # A peer that vanished (cable, VPN, failover) is noticed in about a minute
        # instead of the kernel's two hours...
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        # ...and data the server never acknowledges fails the call after 30 s.
        "tcp_user_timeout": 30_000,
    }
    args = {key: value for key, value in defaults.items() if key not in query}
    if statement_timeout_ms:
        # Server-side limits, sent as startup options so they hold from the first
        # statement (the migration check included); the URL's own options come first
        # and win for any setting they name.
        url_options = query.get("options", "")
        if isinstance(url_options, tuple):
            url_options = " ".join(url_options)
        settings = [
            f"-c {name}={int(statement_timeout_ms)}"
            for name in ("statement_timeout", "idle_in_transaction_session_timeout")
            if f"{name}=" not in url_options
        ]
        if settings:
            args["options"] = " ".join([url_options, *settings]).strip()
    return args


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (psycopg 3 `sqlstate`, psycopg2 `pgcode`), if any."""
    original = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state if isinstance(state, str) else None


def is_retryable(exc: BaseException) -> bool:
    """True for a transaction the server aborted in a way that a plain re-run resolves."""
    return isinstance(exc, sa_exc.DBAPIError) and sqlstate_of(exc) in RETRYABLE_SQLSTATES


def retry_transaction(
    unit: Callable[[], T],
    *,
    attempts: int = 5,
    base_delay_s: float = 0.02,
    max_delay_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """Runs `unit` (one whole transaction) again when the server aborted it with 40001/40P01.

    Bounded: after `attempts` runs the last error propagates (the caller reports the
    central store as unavailable). The delay is "full jitter" exponential backoff,
    uniform in [0, min(max_delay, base * 2^n)), so clients that collided once do not
    collide again in lockstep. Only safe for idempotent units: every central write is
    keyed by a client UUID, so a re-run after an ambiguous abort answers "duplicate".
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return unit()
        except sa_exc.DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            delay = jitter() * min(max_delay_s, base_delay_s * 2 ** (attempt - 1))
            state = sqlstate_of(exc)
            log.info("transaction aborted with %s; attempt %d of %d in %.3f s", state, attempt + 1, attempts, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: a consistent snapshot that does not take the write lock."""
    with engine.connect() as conn:
        conn.execution_options(**{_READ_ONLY_OPTION: True})
        with conn.begin():
            yield conn


def dialect_insert(conn: Connection, table: Any) -> sqlite.Insert | postgresql.Insert:
    """INSERT with the dialect's ON CONFLICT clauses (SQLite and PostgreSQL share the syntax).

    PostgreSQL-derived dialects (CockroachDB's, YugabyteDB's) compile PostgreSQL's form.
    """
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    if isinstance(conn.dialect, PGDialect):
        return postgresql.insert(table)
    raise NotImplementedError(f"no ON CONFLICT support for the {conn.dialect.name} dialect")


def describe_db_error(exc: BaseException) -> str:
    """A short description of a database failure that is safe to show and to log.

    SQLAlchemy's own message appends the SQL statement and its bound parameters,
    which carry names and identity numbers; PostgreSQL's DETAIL line quotes the
    conflicting key. Only the driver's first message line is kept.
    """
    original: BaseException = exc
    # DBAPIError is a StatementError; both keep the driver's exception in .orig.
    if isinstance(exc, sa_exc.StatementError) and exc.orig is not None:
        original = exc.orig
    text = str(original).strip()
    first_line = text.splitlines()[0] if text else ""
    return f"{type(original).__name__}: {first_line}" if first_line else type(original).__name__


def run_migrations(
    engine_or_url: Engine | str,
    script_location: str | Path,
    revision: str = "head",
    *,
    attributes: Mapping[str, object] | None = None,
    foreign_keys_off: bool = False,
    downgrade: bool = False,
) -> None:
    """Upgrades the database to the newest revision found in `script_location` (or to
    `revision`: scripts/make_fixture_dbs.py builds databases of released schemas;
    `downgrade` goes back to `revision` instead).

    The Alembic configuration is built here, not read from an alembic.ini, so the
    installed application migrates itself on open. The whole upgrade runs in one
    write transaction (SQLite has transactional DDL), so a crash mid-migration leaves
    the previous schema and two counters opening one file do not migrate it twice.

    `attributes` reach the migration scripts as `context.config.attributes` (the local
    store hands its key store to the migration that encrypts it). `foreign_keys_off`
    (SQLite) runs the migration with foreign key enforcement off, as SQLite's own
    procedure for rebuilding a table prescribes: Alembic's batch mode drops and recreates
    a table, and dropping a parent table with enforcement on would delete its children
    (ON DELETE CASCADE) or fail. `PRAGMA foreign_key_check` must then come back empty
    before the transaction commits.
    """
    # No statement timeout: building an index on a large table may take minutes.
    engine = make_engine(engine_or_url, statement_timeout_ms=None) if isinstance(engine_or_url, str) else engine_or_url
    try:
        config = Config()
        config.set_main_option("script_location", str(script_location))
        # Stated explicitly: Alembic warns (an error under our test settings) when
        # it has to guess how to split path lists.
        config.set_main_option("path_separator", "os")
        config.attributes.update(attributes or {})
        with engine.connect() as conn:
            raw = conn.connection.driver_connection if foreign_keys_off and conn.dialect.name == "sqlite" else None
            if raw is not None:
                # Before BEGIN: inside a transaction this pragma is silently ignored.
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    config.attributes["connection"] = conn
                    if downgrade:
                        command.downgrade(config, revision)
                    else:
                        command.upgrade(config, revision)
                    if raw is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise RuntimeError(f"the migration broke {len(broken)} foreign keys ({broken[0][0]})")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def migration_environment(target_metadata: MetaData, *, version_table: str = "alembic_version") -> None:
    """The body of a migrations package's env.py (the local and the central store share it).

    The application passes its open connection, inside its write transaction, in
    `config.attributes["connection"]` (see run_migrations). Developers generating a
    revision pass a URL instead:
    `alembic -c app/<store|central>/migrations/alembic.ini -x url=sqlite:///scratch.db
    revision --autogenerate -m "..."`.
    """
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; migrate a database")
    config = context.config

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise RuntimeError("pass -x url=<database URL>, or migrate through run_migrations()")
    engine = make_engine(url, statement_timeout_ms=None)
    try:
        with engine.begin() as conn:
            migrate(conn)
    finally:
        engine.dispose()


class MigratedDatabase:
    """A database opened on demand and migrated to its newest schema: the shared life
    cycle of the local and the central store. Subclasses name their migrations and
    turn failures into their own coded errors in `_guard`.

    A SQLite file at an older schema is backed up before it is migrated and restored if
    the migration fails (app.store.upgrade: DatabaseUpgradeError, LOC-002)."""

    migrations_dir: Path
    version_table = "alembic_version"

    def __init__(
        self, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, cipher_key: bytes | None = None
    ) -> None:
        self._url = url
        self._busy_timeout_ms = busy_timeout_ms
        self._cipher_key = cipher_key
        self._engine: Engine | None = None

    def open(self) -> None:
        if self._engine is not None:
            return
        with self._guard("open"):
            engine = make_engine(self._url, busy_timeout_ms=self._busy_timeout_ms, cipher_key=self._cipher_key)
        try:
            with self._guard("open"):
                self._upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        self._engine = engine

    def _upgrade(self, engine: Engine) -> None:
        from app.store.upgrade import upgrade_with_backup  # it builds on this module

        upgrade_with_backup(engine, self.migrations_dir, version_table=self.version_table)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _engine_or_fail(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} is not open")
        return self._engine

    def _guard(self, action: str) -> AbstractContextManager[None]:
        raise NotImplementedError
