"""The counter's secret keys: the local store's key-encryption key, the audit chain's
HMAC key, the archive signing key's seed. Never in the configuration file.

`KeyStore.secret(name)` returns the 32-byte key of that name, created at random on
first use and the same ever after. Two backends, chosen by `[security] key_store`
(`open_key_store`):

- "file" (`FileKeyStore`): each key in its own file in `key_dir` (default
  `<data_dir>/keys`), readable only by the account running the counter: 0600 in a 0700
  folder, owned by that account. A key file that others may read or write, or that is
  not exactly 32 bytes, is refused (SEC-002) rather than used: a copied or replaced key
  is exactly what this check is for. On Windows the folder's ACL does this job (the
  installer sets it); POSIX mode bits mean nothing there and are not checked.
- "keyring" (`KeyringKeyStore`): the platform key store through `keyring`: Windows
  Credential Manager (DPAPI, per account), the Secret Service on a Linux desktop
  (Kylin/UOS with a session keyring). Keys are kept base64-encoded under the service
  `marriage-counter/<hash of data_dir>`, so two data directories on one PC (a test
  counter beside the real one) never share keys. Headless Linux has no keyring
  backend: that is SEC-001, never a silent fallback to a weaker store.

Moving a counter from one store to the other (`marriage-counter security rewrap`,
app.security.rewrap) copies the keys, re-wraps the local store's data key under a new
key-encryption key in the new store, and then retires the old store: a note (`MOVED`
file in the key folder, or the keyring entry "moved") saying where the keys went is
written before the old keys are deleted. A retired store gives no key and makes none
(SEC-010, naming the new store): a counter still configured for it stops with that
message instead of silently creating fresh keys that would break the audit chain and
leave the archive signing key unregistered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from app.security.errors import KeyFileRefusedError, KeyStoreMovedError, KeyStoreUnavailableError

if TYPE_CHECKING:
    from app.config import Config

KEY_BYTES: Final = 32
# Every key a counter keeps (the modules that use them name them too; a test keeps both
# in step): what a move to another key store copies. A keyring cannot list its entries.
COUNTER_KEY_NAMES: Final = (
    "local-store",  # app.store.protection: the local store's key-encryption key
    "audit-hmac",  # app.audit.trail
    "archive-signing",  # app.archive.signing: the Ed25519 seed
    "auth-lockout",  # app.bootstrap: the lockout entries' HMAC key
    "central-store",  # app.central.embedded: the embedded central store's SQLCipher key
)
MOVED_FILE: Final = "MOVED"  # the note of a retired file key store
MOVED_ENTRY: Final = "moved"  # the note of a retired keyring service
KEYRING_SERVICE_PREFIX: Final = "marriage-counter/"
# keyring backends that keep secrets in plain or weakly protected files: a key there
# is no better than a key file, and worse, nobody checks its permissions.
_WEAK_KEYRING_MODULES: Final = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class KeyStore(Protocol):
    def secret(self, name: str) -> bytes:
        """The key called `name` (created on first use; the same bytes every time after)."""
        ...


def key_exists(store: KeyStore, name: str) -> bool | None:
    """Whether the key store holds `name` already, without creating it; None when the
    store cannot tell. Where keys already protect data, a missing key must be reported,
    not silently replaced by a new one."""
    exists = getattr(store, "exists", None)
    return bool(exists(name)) if callable(exists) else None


def describe_key_store(store: KeyStore) -> str:
    """Where a key store keeps its keys, for messages (never a key)."""
    location = getattr(store, "location", None)
    return location if isinstance(location, str) else type(store).__name__


def _check_name(name: str) -> None:
    if not name or not name.replace("-", "").isalnum():
        raise ValueError(f"a key name is letters, digits and dashes, not {name!r}")


class FileKeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def location(self) -> str:
        return f"key directory {self.directory}"

    def exists(self, name: str) -> bool:
        _check_name(name)
        self._refuse_if_moved()
        path = self.directory / f"{name}.key"
        return path.exists() or path.is_symlink()

    def secret(self, name: str) -> bytes:
        _check_name(name)
        self._refuse_if_moved()
        path = self.directory / f"{name}.key"
        if path.exists() or path.is_symlink():
            return self._read(path)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise KeyStoreUnavailableError(key_store=self.location, detail=error.strerror or str(error)) from error
        data = secrets.token_bytes(KEY_BYTES)
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            return self._read(path)
        except OSError as error:
            raise KeyStoreUnavailableError(key_store=self.location, detail=error.strerror or str(error)) from error
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return data

    # --- moving the keys to another store (app.security.rewrap) ----------------------

    def moved_note(self) -> str | None:
        """Where the keys went when this store was retired (None: it is in use)."""
        try:
            return (self.directory / MOVED_FILE).read_text(encoding="utf-8").strip() or "moved"
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError) as error:
            return f"the note {self.directory / MOVED_FILE} cannot be read: {error}"

    def _refuse_if_moved(self) -> None:
        note = self.moved_note()
        if note is not None:
            raise KeyStoreMovedError(key_store=self.location, note=note)

    def mark_moved(self, note: str) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_file(self.directory / MOVED_FILE, note.encode("utf-8") + b"\n", mode=0o644)

    def clear_moved(self) -> None:
        (self.directory / MOVED_FILE).unlink(missing_ok=True)
        _fsync_directory(self.directory)

    def names(self) -> set[str]:
        """The keys this folder holds (without opening any)."""
        if not self.directory.is_dir():
            return set()
        return {path.stem for path in self.directory.glob("*.key") if path.stem.replace("-", "").isalnum()}

    def load(self, name: str) -> bytes | None:
        """The key `name` as it is (checked like `secret`), or None; never creates one and
        works on a retired store too."""
        _check_name(name)
        path = self.directory / f"{name}.key"
        return self._read(path) if path.exists() or path.is_symlink() else None

    def put(self, name: str, data: bytes) -> None:
        """Stores a key copied from another store. A key of that name already here must be
        the same bytes (a move run again); another key is never overwritten."""
        if _present_already(self.load, name, data, str(self.directory / f"{name}.key")):
            return
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_file(self.directory / f"{name}.key", data, mode=0o600)
        except OSError as error:
            raise KeyStoreUnavailableError(key_store=self.location, detail=error.strerror or str(error)) from error

    def delete(self, name: str) -> None:
        """Removes a key (moved elsewhere), overwritten first: a copy of the data folder
        taken later must not hold it. (On an SSD or a journalling file system the old
        blocks may survive; the key is still retired for the program.)"""
        _check_name(name)
        path = self.directory / f"{name}.key"
        if path.is_symlink():  # never write through a link: it is only removed
            path.unlink()
            _fsync_directory(self.directory)
            return
        try:
            with path.open("r+b") as handle:
                handle.write(b"\0" * max(KEY_BYTES, path.stat().st_size))
                handle.flush()
                os.fsync(handle.fileno())
        except FileNotFoundError:
            return
        path.unlink(missing_ok=True)
        _fsync_directory(self.directory)

    def _read(self, path: Path) -> bytes:
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                raise KeyFileRefusedError(key=str(path), reason="it is not a regular file (a link or a folder)")
            if os.name != "nt":
                _check_private(path, info)
            data = path.read_bytes()
        except OSError as error:
            raise KeyFileRefusedError(key=str(path), reason=error.strerror or str(error)) from error
        if len(data) != KEY_BYTES:
            raise KeyFileRefusedError(
                key=str(path), reason=f"it holds {len(data)} bytes instead of {KEY_BYTES}: damaged or not a key"
            )
        return data


def _write_file(path: Path, data: bytes, *, mode: int) -> None:
    """Writes a file whole or not at all: a temporary file, fsynced, renamed into place."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    if os.name == "nt" or not directory.is_dir():  # directories cannot be opened there
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _check_private(path: Path, info: os.stat_result) -> None:
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyFileRefusedError(
            key=str(path),
            reason=f"other accounts may read or change it (mode {mode:04o}); it must be 0600 "
            f"(chmod 600), readable only by the account running the counter",
        )
    if info.st_uid != os.geteuid():
        raise KeyFileRefusedError(
            key=str(path),
            reason=f"it belongs to another account (uid {info.st_uid}), not to the account running "
            f"the counter (uid {os.geteuid()})",
        )


def keyring_service(data_dir: Path) -> str:
    """The keyring service of one data directory: marriage-counter/<16 hex digits>."""
    resolved = str(Path(data_dir).expanduser().resolve())
    return KEYRING_SERVICE_PREFIX + hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:16]


class KeyringKeyStore:
    """Keys in the platform key store (see the module text). `backend` is a keyring
    backend object (tests pass one); None = the one keyring chooses for this machine."""

    def __init__(self, service: str, backend: Any = None) -> None:
        self.service = service
        self._backend = backend
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return f"keyring service {self.service}"

    def exists(self, name: str) -> bool:
        _check_name(name)
        with self._lock:
            if name in self._cache:
                return True
        self._refuse_if_moved()
        try:
            return self._keyring().get_password(self.service, name) is not None
        except KeyStoreUnavailableError:
            raise
        except Exception as error:  # as in _load_or_create
            detail = f"{type(error).__name__}: {error}"
            raise KeyStoreUnavailableError(key_store=self.location, detail=detail) from error

    def secret(self, name: str) -> bytes:
        _check_name(name)
        with self._lock:
            if name not in self._cache:
                self._cache[name] = self._load_or_create(name)
            return self._cache[name]

    def _keyring(self) -> Any:
        if self._backend is not None:
            backend = self._backend
        else:
            try:
                import keyring
            except ImportError as error:
                raise KeyStoreUnavailableError(
                    key_store=self.location, detail="the keyring package is not installed"
                ) from error
            backend = keyring.get_keyring()
        module = type(backend).__module__
        if module.startswith(_WEAK_KEYRING_MODULES):
            raise KeyStoreUnavailableError(
                key_store=self.location,
                detail=f"no secure keyring backend on this machine ({module}.{type(backend).__name__}); "
                'use key_store = "file" or start a Secret Service',
            )
        return backend

    # --- moving the keys to another store (app.security.rewrap) ----------------------

    def _get(self, name: str) -> str | None:
        try:
            stored = self._keyring().get_password(self.service, name)
        except KeyStoreUnavailableError:
            raise
        except Exception as error:  # as in _load_or_create
            detail = f"{type(error).__name__}: {error}"
            raise KeyStoreUnavailableError(key_store=self.location, detail=detail) from error
        return stored if isinstance(stored, str) else None

    def _set(self, name: str, value: str | None) -> None:
        backend = self._keyring()
        try:
            if value is not None:
                backend.set_password(self.service, name, value)
            elif backend.get_password(self.service, name) is not None:
                backend.delete_password(self.service, name)
        except Exception as error:  # as in _load_or_create
            detail = f"{type(error).__name__}: {error}"
            raise KeyStoreUnavailableError(key_store=self.location, detail=detail) from error

    def moved_note(self) -> str | None:
        """Where the keys went when this store was retired (None: it is in use)."""
        note = self._get(MOVED_ENTRY)
        return None if note is None else note.strip() or "moved"

    def _refuse_if_moved(self) -> None:
        note = self.moved_note()
        if note is not None:
            raise KeyStoreMovedError(key_store=self.location, note=note)

    def mark_moved(self, note: str) -> None:
        self._set(MOVED_ENTRY, note)

    def clear_moved(self) -> None:
        self._set(MOVED_ENTRY, None)

    def names(self) -> set[str]:
        """The counter's keys this service holds (a keyring cannot list its entries)."""
        return {name for name in COUNTER_KEY_NAMES if self._get(name) is not None}

    def load(self, name: str) -> bytes | None:
        """The key `name` as it is, or None; never creates one, works on a retired store."""
        _check_name(name)
        stored = self._get(name)
        return None if stored is None else self._decode(name, stored)

    def put(self, name: str, data: bytes) -> None:
        """Stores a key copied from another store; never overwrites another key."""
        if _present_already(self.load, name, data, f"{self.service}/{name}"):
            return
        self._set(name, base64.b64encode(data).decode("ascii"))
        if self.load(name) != data:
            raise KeyStoreUnavailableError(key_store=self.location, detail=f"{name} did not read back as written")

    def delete(self, name: str) -> None:
        _check_name(name)
        with self._lock:
            self._cache.pop(name, None)
        self._set(name, None)

    def _load_or_create(self, name: str) -> bytes:
        self._refuse_if_moved()
        backend = self._keyring()
        try:
            stored = backend.get_password(self.service, name)
            if stored is None:
                backend.set_password(self.service, name, base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode())
                # Read back: another process creating the key at the same moment may have
                # written last, and its key is the one that stays.
                stored = backend.get_password(self.service, name)
        except Exception as error:  # keyring raises KeyringError, dbus and OS errors alike
            raise KeyStoreUnavailableError(
                key_store=self.location, detail=f"{type(error).__name__}: {error}"
            ) from error
        if not isinstance(stored, str):
            raise KeyStoreUnavailableError(key_store=self.location, detail=f"{name} could not be stored")
        return self._decode(name, stored)

    def _decode(self, name: str, stored: str) -> bytes:
        key = f"{self.service}/{name}"
        try:
            data = base64.b64decode(stored.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as error:
            raise KeyFileRefusedError(key=key, reason="it is not base64: damaged or not a key") from error
        if len(data) != KEY_BYTES:
            raise KeyFileRefusedError(
                key=key, reason=f"it holds {len(data)} bytes instead of {KEY_BYTES}: damaged or not a key"
            )
        return data


class MemoryKeyStore:
    """Keys that live as long as the object: for a database that lives no longer
    (SQLite :memory:) and for tests."""

    location = "memory"

    def __init__(self, keys: dict[str, bytes] | None = None) -> None:
        self._keys = dict(keys or {})
        self._lock = threading.Lock()

    def secret(self, name: str) -> bytes:
        _check_name(name)
        with self._lock:
            return self._keys.setdefault(name, secrets.token_bytes(KEY_BYTES))

    def exists(self, name: str) -> bool:
        with self._lock:
            return name in self._keys


def _present_already(load: Callable[[str], bytes | None], name: str, data: bytes, where: str) -> bool:
    """For `put`: True when the very key is there already (a move run again); a different
    key of that name is refused, never overwritten."""
    _check_name(name)
    if len(data) != KEY_BYTES:
        raise ValueError(f"a key is {KEY_BYTES} bytes")
    present = load(name)
    if present is not None and present != data:
        raise KeyFileRefusedError(key=where, reason="another key of that name is there already; it is not overwritten")
    return present is not None


def open_key_store(config: Config) -> KeyStore:
    """The key store `[security] key_store` names: "file" = FileKeyStore(key_dir, default
    <data_dir>/keys); "keyring" = KeyringKeyStore for this data directory."""
    security = config.security
    if security.key_store == "keyring":
        return KeyringKeyStore(keyring_service(config.data_dir))
    return FileKeyStore(security.key_dir or config.data_dir / "keys")
