"""`marriage-counter security rewrap --to keyring|file`: moves a counter's keys to the
other key store (IT, on the counter, with the counter program closed).

The local store's personal values are sealed under a data key (DEK) that is stored in
the database wrapped by the key-encryption key (KEK) "local-store" of the key store
(app.store.protection). Moving to another key store therefore does not re-encrypt a
single value: the DEK is wrapped under a NEW random KEK made in the new store (a KEK
copied as it is would still be as exposed as the file it came from). The counter's
other keys (the audit chain's HMAC key, the archive signing seed, the lockout key, the
embedded central store's key) are used as they are, so they are copied as they are.

Order, each step safe to be interrupted (running the command again finishes the job):

1. copy the other keys to the new store, each read back (a different key already
   there under the same name stops everything: never overwritten);
2. make the new KEK in the new store;
3. re-wrap the DEK in one database transaction, and prove before the commit and again
   after it that it unwraps under the new KEK to the very same bytes;
4. retire the old store: a note saying where the keys went (`MOVED` file / keyring
   entry "moved"); from now on it gives no key and makes none (SEC-010);
5. delete the old keys (key files overwritten first).

Until step 3 the old store is complete and the configuration still right; from step 3
on the new store is complete. Afterwards IT sets `[security] key_store` to the new
store; a counter still configured for the old one stops with SEC-010 naming it (between
steps 3 and 4, with SEC-003: run the command again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from app.audit import os_account
from app.security.crypto import new_key
from app.security.keys import FileKeyStore, KeyringKeyStore, keyring_service

if TYPE_CHECKING:
    from app.config import Config

log = logging.getLogger(__name__)

KeyStoreKind = Literal["file", "keyring"]
KEK_NAME = "local-store"  # app.store.protection.KEK_NAME (not imported: SQLAlchemy)


class MovableKeyStore(Protocol):
    @property
    def location(self) -> str: ...

    def moved_note(self) -> str | None: ...

    def mark_moved(self, note: str) -> None: ...

    def clear_moved(self) -> None: ...

    def names(self) -> set[str]: ...

    def load(self, name: str) -> bytes | None: ...

    def put(self, name: str, data: bytes) -> None: ...

    def delete(self, name: str) -> None: ...


def key_store_of_kind(config: Config, kind: KeyStoreKind) -> FileKeyStore | KeyringKeyStore:
    """The store `[security] key_store = kind` would give this counter (app.security.keys.open_key_store)."""
    if kind == "keyring":
        return KeyringKeyStore(keyring_service(config.data_dir))
    return FileKeyStore(config.security.key_dir or config.data_dir / "keys")


class NothingToMoveError(Exception):
    """The other store holds no key and was never retired: a wrong --to, most likely."""


@dataclass
class KeyMove:
    source: str
    target: str
    copied: list[str] = field(default_factory=list)
    new_kek: bool = False  # made now (False: there already, from an interrupted run)
    data_keys: int = 0
    rewrapped: int = 0
    deleted: list[str] = field(default_factory=list)
    already_retired: bool = False  # the source was retired before this run


def move_keys(
    config: Config,
    to: KeyStoreKind,
    *,
    source: MovableKeyStore | None = None,
    target: MovableKeyStore | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> KeyMove:
    """Moves the keys from the other store to `to` (see the module text). `source` and
    `target` default to the stores of the configuration's data and key folders."""
    from app.store.protection import rewrap_database

    other: KeyStoreKind = "file" if to == "keyring" else "keyring"
    source = source if source is not None else key_store_of_kind(config, other)
    target = target if target is not None else key_store_of_kind(config, to)
    move = KeyMove(source.location, target.location)
    names = source.names()  # SEC-001 here when the source cannot be asked: nothing changed
    move.already_retired = source.moved_note() is not None
    if not names and not move.already_retired:
        raise NothingToMoveError(f"{source.location} holds none of the counter's keys: nothing to move")
    if target.moved_note() is not None:  # keys moved out of it once, moving back now
        target.clear_moved()
        progress(f"{target.location}: the note of an earlier move away from it removed")

    for name in sorted(names - {KEK_NAME}):
        data = source.load(name)
        if data is None:
            continue
        target.put(name, data)
        if target.load(name) != data:
            raise OSError(f"{name} did not read back from {target.location} as written")
        move.copied.append(name)
    if move.copied:
        progress(f"copied to {target.location}: {', '.join(move.copied)}")

    new_kek = target.load(KEK_NAME)
    if new_kek is None:
        target.put(KEK_NAME, new_key())
        new_kek = target.load(KEK_NAME)
        move.new_kek = True
    if new_kek is None:
        raise OSError(f"{KEK_NAME} did not read back from {target.location}")
    progress(f"key-encryption key {KEK_NAME} in {target.location}: {'new' if move.new_kek else 'there already'}")

    result = rewrap_database(
        config.store_url, source.load(KEK_NAME), new_kek, old_label=source.location, new_label=target.location
    )
    move.data_keys, move.rewrapped = result.data_keys, result.rewrapped
    if result.data_keys:
        progress(
            f"local store: {result.rewrapped} of {result.data_keys} data key(s) re-wrapped now; every one unwraps "
            f"under the new key to the same key (no value re-encrypted)"
        )
    else:
        progress("local store: no data key to re-wrap (no store yet, or encryption at rest is off)")

    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    source.mark_moved(
        f'the keys were moved to {target.location} on {stamp} by `marriage-counter security rewrap --to {to}` '
        f'(account {os_account()}); set [security] key_store = "{to}"'
    )
    for name in sorted(source.names()):
        source.delete(name)
        move.deleted.append(name)
    progress(
        f"{source.location} retired (a note says where the keys went)"
        + (f"; deleted: {', '.join(move.deleted)}" if move.deleted else "")
    )
    log.warning("keys moved from %s to %s (%d data key(s) re-wrapped)", source.location, target.location,
                move.rewrapped)
    return move
