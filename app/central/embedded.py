"""The embedded central store: encrypted at rest with SQLCipher (#10).

With no `[central] url` the counter keeps the registry itself, in `central.sqlite3` in
its data directory (one office on one PC, demos, QA). That file holds what the national
registry holds: names, ID numbers, every archived image. Issue #10 requires the counter's
data directory to hold no personal data in the clear, so this file is encrypted as a
whole with SQLCipher (AES-256 per page, an HMAC per page: a changed page fails to open),
under a random 256-bit key of its own kept in the counter's key store (`KEY_NAME`,
beside the local store's key-encryption key; never in the configuration). Whole-file
encryption, not per-column encryption as in the local store: the registry's checks live
in SQL constraints and indexes on ID numbers (one active marriage per person), which
must see the values.

A file from a version that kept it in the clear is converted on first open
(`encrypt_in_place`): exported with `sqlcipher_export`, checked, swapped in, and the
plaintext (and every plaintext upgrade backup) overwritten and removed. A crash at any
point leaves either the plaintext or the encrypted file in place, and the next start
finishes the job.

An explicit `[central] url` (PostgreSQL in production; a `sqlite:` URL for tests and
development) is used as it is: a server database is protected on its server, in transit
by TLS (app.central.tls).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from app.central.store import CentralStore
from app.file_lock import holding
from app.security.errors import EmbeddedCentralKeyError
from app.security.keys import describe_key_store, key_exists, open_key_store
from app.store.engine import connect_sqlite, sqlite_errors
from app.store.upgrade import backups_of, shred_file

if TYPE_CHECKING:
    from app.config import Config

log = logging.getLogger(__name__)

EMBEDDED_FILE: Final = "central.sqlite3"
KEY_NAME: Final = "central-store"
_PLAINTEXT_HEADER: Final = b"SQLite format 3\x00"
_ENCRYPTING_SUFFIX: Final = ".encrypting"
_PLAINTEXT_SUFFIX: Final = ".plaintext"


def embedded_path(config: Config) -> Path:
    return config.data_dir / EMBEDDED_FILE


def central_store(config: Config, url: str | None = None, **options: Any) -> CentralStore:
    """The central store of `url`, else of the configuration: the embedded one (keyed,
    converted from plaintext first if needed) when `[central] url` is empty. `options`
    go to CentralStore (timeouts, clock). Raises SEC-001/002 (no key store) and SEC-004
    (the file's key is not in this counter's key store)."""
    if url or config.central.url:
        return CentralStore(url or config.central.url, **options)
    path = embedded_path(config)
    store = open_key_store(config)
    if is_encrypted(path) and key_exists(store, KEY_NAME) is False:
        # A new random key would never open it: say so instead of making one.
        raise EmbeddedCentralKeyError(
            database=str(path), key_store=describe_key_store(store), detail=f"no key {KEY_NAME}"
        )
    key = store.secret(KEY_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)  # a first command on a new PC: its lock file goes there
    encrypt_in_place(path, key)
    if path.exists():
        _check_key(path, key, describe_key_store(store))
    return CentralStore(f"sqlite:///{path}", cipher_key=key, **options)


def is_plaintext(path: Path) -> bool:
    """True for a SQLite file in the clear (its 16-byte header is readable)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_PLAINTEXT_HEADER)) == _PLAINTEXT_HEADER
    except FileNotFoundError:
        return False


def is_encrypted(path: Path) -> bool:
    """True for a non-empty file whose header is not SQLite's: SQLCipher's first page
    begins with its random salt."""
    try:
        return path.stat().st_size > 0 and not is_plaintext(path)
    except FileNotFoundError:
        return False


def _check_key(path: Path, key: bytes, key_store: str) -> None:
    try:
        connection = connect_sqlite(path, key=key)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite_errors() as error:
        raise EmbeddedCentralKeyError(database=str(path), key_store=key_store, detail=str(error)) from error


def encrypt_in_place(path: Path, key: bytes) -> bool:
    """Converts a plaintext registry file to SQLCipher under `key`; True when it did.

    Under a lock between processes (`<file>.lock`: the GUI and a command started together
    convert it once), and only while no other program has the file open (switching it to
    journal mode DELETE needs that). Order, each step surviving a crash: export to
    `<file>.encrypting` and check it; move the plaintext aside to `<file>.plaintext`;
    move the encrypted file into place; overwrite and remove the plaintext and its
    plaintext upgrade backups. Run before the store's own connections open."""
    with holding(lock_path(path)):
        return _encrypt_locked(path, key)


def lock_path(path: Path) -> Path:
    """The lock file of a database's conversion and upgrades (app.store.upgrade too)."""
    return path.with_name(path.name + ".lock")


def _encrypt_locked(path: Path, key: bytes) -> bool:
    aside = path.with_name(path.name + _PLAINTEXT_SUFFIX)
    staged = path.with_name(path.name + _ENCRYPTING_SUFFIX)
    if aside.exists() and not path.exists():
        os.replace(aside, path)  # a crash between the two moves: start again
    if not is_plaintext(path):
        _remove_plaintext_leftovers(path, aside)
        return False
    staged.unlink(missing_ok=True)
    plain = connect_sqlite(path, timeout_s=0.5)
    try:
        try:
            # Leaving WAL needs the only connection: another program using the file
            # (an older counter still running) makes this fail instead of losing its writes.
            plain.execute("PRAGMA journal_mode=DELETE").fetchall()
        except sqlite_errors() as error:
            raise OSError(f"{path} is open in another program ({error}); close every counter program and "
                          "start again") from error
        tables = _row_counts(plain)
    finally:
        plain.close()
    exporter = connect_sqlite(path, sqlcipher=True)  # no key: SQLCipher reads the plain file
    try:
        exporter.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(staged),))
        exporter.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        exporter.execute("DETACH DATABASE encrypted")
    finally:
        exporter.close()
    encrypted = connect_sqlite(staged, key=key)
    try:
        copied = _row_counts(encrypted)
        check = [str(row[0]) for row in encrypted.execute("PRAGMA integrity_check").fetchall()]
    finally:
        encrypted.close()
    if copied != tables or check != ["ok"]:
        staged.unlink(missing_ok=True)
        raise OSError(f"the encrypted copy of {path} does not match it ({check[:3]})")
    _fsync(staged)
    os.replace(path, aside)
    os.replace(staged, path)
    _fsync(path.parent)  # both moves on disk before the plaintext is destroyed
    _remove_plaintext_leftovers(path, aside)
    log.info("embedded central store %s encrypted (%d tables)", path, len(tables))
    return True


def _fsync(path: Path) -> None:
    if path.is_dir() and os.name == "nt":
        return  # Windows cannot open a folder for fsync; NTFS journals the renames
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _row_counts(connection: Any) -> dict[str, int]:
    names = [
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    # Names come from sqlite_master itself, quoted as identifiers.
    return {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names
    }


def _remove_plaintext_leftovers(path: Path, aside: Path) -> None:
    if aside.exists():
        shred_file(aside)
    for backup in backups_of(path):  # upgrade backups taken while the file was plaintext
        if is_plaintext(backup):
            shred_file(backup)
