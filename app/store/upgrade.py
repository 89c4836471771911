"""Upgrading a SQLite database to this version's schema when it opens, behind a backup.

The counter's local store and the embedded central store (a SQLite `central.url`, the
default) are upgraded by the program itself on start, so a new version installed by IT
just works. Before the first migration step runs:

1. the database is copied next to itself with SQLite's backup API (never a file copy,
   which would miss whatever is still in the -wal file), as
   `<name>.before-<revision>-<UTC time>.sqlite3`, and the copy passes
   `PRAGMA integrity_check` before it counts as a backup;
2. the migrations run (app.store.engine.run_migrations: one write transaction);
3. if they fail, every connection is closed and the backup is copied back, again with
   the backup API; the restored file must be at the old revision and pass the integrity
   check. The error (LOC-002) says the upgrade failed, the revision the database is back
   at and where the backup is; the backup is kept. If even the restore fails, LOC-003
   says so and names the backup for IT to put back by hand.

SQLite runs DDL in the transaction, so a failing step is normally rolled back anyway;
the restore covers what a rollback cannot (a step that committed on its own, a crash
of the migration code after the commit, a damaged file).

Only the newest BACKUPS_KEPT backups of a database are kept: older ones are deleted
after an upgrade, or a failed one whose restore succeeded (the newest backup, the one the
error names, is always kept; nothing is deleted when the restore failed). A database
already at the newest revision, and a new empty one, get no backup. An upgrade that
failed is not tried again by the same process (the embedded central store is reopened
after every failure: each attempt would copy the whole file again); the error is raised
again at once, and the next start of the program tries anew. Server databases
(PostgreSQL) are not handled here: IT backs them up and runs
`marriage-counter central migrate`.

Backups of a database taken at a schema that kept personal data in the clear are removed
by their store once a later schema encrypts it (`shred_backups`; the local store from
0004 on, app.store.local): a plaintext copy left next to the encrypted database would undo
the encryption.

Logs name files, revisions and the driver's first error line only, never rows.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from app.errors import DatabaseRestoreError, DatabaseUpgradeError
from app.file_lock import holding
from app.store.engine import (
    DEFAULT_BUSY_TIMEOUT_MS,
    cipher_key_of,
    connect_sqlite,
    describe_db_error,
    read_transaction,
    run_migrations,
    sqlite_errors,
)

log = logging.getLogger(__name__)

BACKUPS_KEPT = 3
_BACKUP_SUFFIX = ".sqlite3"

# Upgrades that failed and were restored in this process: (file, from, to) → the error.
_FAILED: dict[tuple[Path, str, str], DatabaseUpgradeError] = {}
_FAILED_GUARD = threading.Lock()


def forget_failed_upgrades() -> None:
    """Lets this process try again the upgrades that failed (as a restart would)."""
    with _FAILED_GUARD:
        _FAILED.clear()


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    """An upgrade that ran: the database, from which revision (None: a new database) to
    which, and the backup taken first (None for a new database)."""

    database: Path
    from_revision: str | None
    to_revision: str
    backup: Path | None


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind a SQLite engine; None for a server database, :memory: and URI names."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if not database or database == ":memory:" or engine.url.query.get("uri"):
        return None
    return Path(database).expanduser().resolve()


def backup_path(database: Path, revision: str, now: datetime) -> Path:
    """counter.sqlite3 at revision 0002 → counter.before-0002-20270105T083000Z.sqlite3 (next
    to it; a second backup within the same second gets -2, -3, …)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{database.stem}.before-{revision}-{stamp}"
    candidate = database.with_name(base + _BACKUP_SUFFIX)
    number = 2
    while candidate.exists():
        candidate = database.with_name(f"{base}-{number}{_BACKUP_SUFFIX}")
        number += 1
    return candidate


def backups_of(database: Path) -> list[Path]:
    """The upgrade backups of `database`, oldest first."""
    pattern = re.compile(re.escape(database.stem) + r"\.before-[^/\\]+" + re.escape(_BACKUP_SUFFIX) + "$")
    found = [path for path in database.parent.glob(f"{database.stem}.before-*") if pattern.fullmatch(path.name)]
    return sorted(found, key=lambda path: (path.stat().st_mtime_ns, path.name))


def prune_backups(database: Path, keep: int = BACKUPS_KEPT, *, protect: Path | None = None) -> list[Path]:
    """Deletes all but the newest `keep` upgrade backups of `database` (by modification
    time), never `protect` (the backup just taken); returns the deleted."""
    found = [path for path in backups_of(database) if path != protect]
    keep_others = keep - 1 if protect is not None else keep
    doomed = found[: max(0, len(found) - max(0, keep_others))]
    deleted = []
    for path in doomed:
        try:
            path.unlink()
        except OSError as error:  # kept, and tried again after the next upgrade
            log.warning("old backup %s not deleted: %s", path, error.strerror or error)
            continue
        deleted.append(path)
    return deleted


def backup_revision(backup: Path) -> str:
    """The revision an upgrade backup was taken at, from its name (see backup_path)."""
    return backup.name.split(".before-", 1)[1].split("-", 1)[0]


def shred_backups(database: Path, revisions: frozenset[str]) -> list[Path]:
    """Overwrites with zeros, then deletes, the upgrade backups of `database` taken at one
    of `revisions`; returns them. For backups that hold what a later schema no longer
    keeps in the clear (the local store's plaintext before encryption at rest). The
    overwrite defeats undelete tools on ordinary file systems; SSDs and copy-on-write
    file systems may keep old blocks, which full-disk encryption (BitLocker, LUKS)
    covers. A backup that cannot be removed is logged and kept."""
    return [
        backup for backup in backups_of(database) if backup_revision(backup) in revisions and shred_file(backup)
    ]


def shred_file(path: Path) -> bool:
    """Overwrites `path` with zeros, then deletes it (see shred_backups for what this
    does and does not defeat); False, logged, when it could not be removed."""
    try:
        size = path.stat().st_size
        with path.open("r+b") as handle:
            for start in range(0, size, 1 << 20):
                handle.write(bytes(min(1 << 20, size - start)))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    except OSError as error:
        log.error("%s could not be removed: %s", path, error.strerror or error)
        return False
    return True


def backup_sqlite(source: Any, target: Path, *, key: bytes | None = None) -> Path:
    """Copies the database of `source` to `target` with SQLite's backup API and checks the copy.

    The copy is written beside the target and renamed into place only after `PRAGMA
    integrity_check` says ok, so a failed backup never replaces a good one. The copy is a
    standalone file (journal mode DELETE: no -wal/-shm companions). Raises sqlite3.Error
    or OSError. `source` is a sqlite3 or, with the file's `key`, a sqlcipher3 connection:
    the copy is then encrypted with the same key (SQLCipher's backup API needs both ends
    keyed alike).
    """
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        copy = connect_sqlite(partial, key=key)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE").close()
            check = [str(row[0]) for row in copy.execute("PRAGMA integrity_check").fetchall()]
        finally:
            copy.close()
        if check != ["ok"]:
            raise sqlite3.DatabaseError(f"integrity_check of the copy failed: {check[:3]}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore_sqlite(
    backup: Path, database: Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, key: bytes | None = None
) -> None:
    """Copies `backup` over `database` with the backup API (which takes the database's
    locks, so a reader elsewhere never sees half a file) and checks the result.
    Close this process's connections to `database` first. Raises sqlite3.Error or OSError."""
    if not backup.is_file():
        raise FileNotFoundError(f"no backup file {backup}")
    source = connect_sqlite(backup, key=key)
    try:
        target = connect_sqlite(database, key=key, timeout_s=busy_timeout_ms / 1000)
        try:
            source.backup(target)
            check = [str(row[0]) for row in target.execute("PRAGMA integrity_check").fetchall()]
        finally:
            target.close()
    finally:
        source.close()
    if check != ["ok"]:
        raise sqlite3.DatabaseError(f"integrity_check of the restored database failed: {check[:3]}")


def file_revision(database: Path, version_table: str, *, key: bytes | None = None) -> str | None:
    """The revision recorded in a SQLite file, read with a connection of its own."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", version_table):
        raise ValueError(f"bad version table name {version_table!r}")
    if not database.is_file():
        raise FileNotFoundError(f"no database file {database}")
    connection = connect_sqlite(database, key=key)
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (version_table,)
        ).fetchone()
        if exists is None:
            return None
        row = connection.execute(f"SELECT version_num FROM {version_table}").fetchone()  # a checked name
        return None if row is None else str(row[0])
    finally:
        connection.close()


def schema_state(engine: Engine, version_table: str) -> tuple[str | None, bool]:
    """The revision the database is at (None before the first migration) and whether it
    holds any table at all (a new, empty database holds none)."""
    with read_transaction(engine) as conn:
        heads = MigrationContext.configure(conn, opts={"version_table": version_table}).get_current_heads()
        has_tables = bool(inspect(conn).get_table_names())
    return (heads[0] if heads else None), has_tables


def upgrade_with_backup(
    engine: Engine,
    script_location: str | Path,
    *,
    version_table: str = "alembic_version",
    keep: int = BACKUPS_KEPT,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    attributes: Mapping[str, object] | None = None,
    foreign_keys_off: bool = False,
) -> UpgradeReport | None:
    """Brings the database of `engine` to the newest revision of `script_location`.

    For a SQLite file that holds an older schema: backup, migrate, and on failure restore
    and raise DatabaseUpgradeError (or DatabaseRestoreError when the restore failed too).
    Any other database is migrated as it is (run_migrations). Returns what was upgraded,
    None when nothing was. Other failures (the backup cannot be written: disk full,
    permissions) propagate before anything was changed.

    The engine's pooled connections are closed when a restore is needed; it stays usable.
    `attributes` and `foreign_keys_off` are passed to run_migrations.
    """

    def migrate() -> None:
        if attributes or foreign_keys_off:
            run_migrations(engine, script_location, attributes=attributes, foreign_keys_off=foreign_keys_off)
        else:
            run_migrations(engine, script_location)

    database = sqlite_file(engine)
    if database is None:
        migrate()
        return None
    # Two programs starting at once (the counter and a command) upgrade a file once: the
    # second waits here, then finds the schema current. Without the lock its backup,
    # migration and restore could interleave with the first's and undo them.
    with holding(database.with_name(database.name + ".lock")):
        return _upgrade_file(engine, database, script_location, version_table, keep, clock, migrate)


def _upgrade_file(
    engine: Engine,
    database: Path,
    script_location: str | Path,
    version_table: str,
    keep: int,
    clock: Callable[[], datetime],
    migrate: Callable[[], None],
) -> UpgradeReport | None:
    head = ScriptDirectory(str(script_location)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {script_location}")
    current, has_tables = schema_state(engine, version_table)
    if current == head:
        return None
    if current is None and not has_tables:  # a new database: nothing to keep
        migrate()
        log.info("new database %s created at schema %s", database, head)
        return UpgradeReport(database, None, head, None)
    known = {script.revision for script in ScriptDirectory(str(script_location)).walk_revisions()}
    if current not in known:
        # Newer than this program (or not ours): Alembic refuses without changing anything.
        migrate()
        return None

    with _FAILED_GUARD:
        failed = _FAILED.get((database, current or "", head))
    if failed is not None:
        log.warning("upgrade of %s from schema %s failed before; restart the program to try again", database, current)
        raise DatabaseUpgradeError(**failed.params)

    backup = backup_path(database, current or "none", clock())
    key = cipher_key_of(engine)
    with engine.connect() as conn:
        backup_sqlite(conn.connection.driver_connection, backup, key=key)
    log.info("database %s at schema %s, upgrading to %s; backup: %s", database, current, head, backup)
    try:
        migrate()
    except BaseException as exc:
        detail = describe_db_error(exc)
        log.error("upgrade of %s from schema %s to %s failed: %s; restoring it", database, current, head, detail)
        _restore_or_raise(engine, database, backup, version_table, current, head, detail, exc)
        log.warning("database %s restored from %s to schema %s", database, backup, current)
        _prune(database, keep, backup)
        if not isinstance(exc, Exception):
            raise  # KeyboardInterrupt, SystemExit: restored, then let it go on
        error = DatabaseUpgradeError(
            database=str(database), target=head, revision=current, detail=detail, backup=str(backup)
        )
        with _FAILED_GUARD:
            _FAILED[(database, current or "", head)] = error
        raise error from exc
    log.info("database %s upgraded from schema %s to %s", database, current, head)
    _prune(database, keep, backup)
    return UpgradeReport(database, current, head, backup)


def _prune(database: Path, keep: int, backup: Path) -> None:
    for old in prune_backups(database, max(1, keep), protect=backup):
        log.info("old backup %s deleted (the newest %d are kept)", old, keep)


def _restore_or_raise(
    engine: Engine,
    database: Path,
    backup: Path,
    version_table: str,
    revision: str | None,
    head: str,
    detail: str,
    cause: BaseException,
) -> None:
    engine.dispose()  # every pooled connection of this process closed before the copy
    key = cipher_key_of(engine)
    failures: tuple[type[Exception], ...] = (*sqlite_errors(), OSError)
    try:
        restore_sqlite(backup, database, key=key)
        restored = file_revision(database, version_table, key=key)
        if restored != revision:
            raise sqlite3.DatabaseError(f"restored database is at schema {restored}, not {revision}")
    except failures as restore_error:
        restore_detail = describe_db_error(restore_error)
        log.critical("restoring %s from %s failed: %s", database, backup, restore_detail)
        raise DatabaseRestoreError(
            database=str(database), target=head, detail=detail, restore_detail=restore_detail, backup=str(backup)
        ) from cause
