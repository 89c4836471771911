"""The counter's key stores: key files readable only by the counter's account, the
platform keyring, and the coded errors when either cannot give a key."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError

from app.config import Config
from app.security.errors import KeyFileRefusedError, KeyStoreUnavailableError
from app.security.keys import (
    KEY_BYTES,
    FileKeyStore,
    KeyringKeyStore,
    MemoryKeyStore,
    describe_key_store,
    key_exists,
    keyring_service,
    open_key_store,
)

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the folder's ACL")


class MemoryKeyring(KeyringBackend):
    """A keyring backend kept in a dict, as Credential Manager would keep it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("the Secret Service is locked")


@posix_only
def test_file_keys_are_private_random_and_stable(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys")
    first = store.secret("local-store")
    assert len(first) == KEY_BYTES and store.secret("local-store") == first
    assert store.secret("audit-chain") != first
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "keys" / "local-store.key").stat().st_mode) == 0o600
    assert FileKeyStore(tmp_path / "keys").secret("local-store") == first
    assert key_exists(store, "local-store") is True and key_exists(store, "other") is False
    assert not (tmp_path / "keys" / "other.key").exists()


@posix_only
def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys")
    store.secret("local-store")
    path = tmp_path / "keys" / "local-store.key"
    path.chmod(0o644)
    with pytest.raises(KeyFileRefusedError) as caught:
        store.secret("local-store")
    error = caught.value
    assert error.code == "SEC-002" and error.exit_code == 3
    assert str(path) in str(error) and "0644" in str(error) and "chmod 600" in str(error)
    path.chmod(0o600)
    assert len(store.secret("local-store")) == KEY_BYTES


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    path = folder / "local-store.key"
    path.write_bytes(b"k" * size)
    path.chmod(0o600)
    with pytest.raises(KeyFileRefusedError) as caught:
        FileKeyStore(folder).secret("local-store")
    assert caught.value.code == "SEC-002"
    assert f"{size} bytes instead of 32" in str(caught.value) and str(path) in str(caught.value)
    assert path.read_bytes() == b"k" * size  # never replaced


@posix_only
def test_a_link_in_place_of_a_key_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(os.urandom(KEY_BYTES))
    elsewhere.chmod(0o600)
    (folder / "local-store.key").symlink_to(elsewhere)
    with pytest.raises(KeyFileRefusedError, match="not a regular file"):
        FileKeyStore(folder).secret("local-store")


def test_a_key_folder_that_cannot_be_made_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    store = FileKeyStore(tmp_path / "blocker" / "keys")
    with pytest.raises(KeyStoreUnavailableError) as caught:
        store.secret("local-store")
    assert caught.value.code == "SEC-001" and str(tmp_path / "blocker" / "keys") in str(caught.value)


def test_keyring_keys_are_base64_per_data_directory(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    service = keyring_service(tmp_path / "data")
    assert service.startswith("marriage-counter/") and len(service) == len("marriage-counter/") + 16
    assert keyring_service(tmp_path / "other") != service
    assert keyring_service(tmp_path / "data" / ".." / "data") == service
    store = KeyringKeyStore(service, backend)
    key = store.secret("local-store")
    assert len(key) == KEY_BYTES and store.secret("local-store") == key
    assert base64.b64decode(backend.passwords[(service, "local-store")]) == key
    assert KeyringKeyStore(service, backend).secret("local-store") == key  # another process, same key
    assert KeyringKeyStore(keyring_service(tmp_path / "other"), backend).secret("local-store") != key
    assert describe_key_store(store) == f"keyring service {service}"
    assert key_exists(store, "local-store") is True and key_exists(store, "audit-chain") is False
    assert ("marriage-counter/" + service[-16:], "audit-chain") not in backend.passwords  # asking made none


def test_no_keyring_backend_is_a_coded_error() -> None:
    with pytest.raises(KeyStoreUnavailableError) as caught:
        KeyringKeyStore("marriage-counter/x", fail.Keyring()).secret("local-store")
    error = caught.value
    assert error.code == "SEC-001" and error.exit_code == 3
    assert "no secure keyring backend" in str(error) and 'key_store = "file"' in str(error)


def test_keyring_failures_and_damaged_keys_are_coded_errors() -> None:
    with pytest.raises(KeyStoreUnavailableError, match="Secret Service is locked"):
        KeyringKeyStore("marriage-counter/x", BrokenKeyring()).secret("local-store")
    backend = MemoryKeyring()
    for damaged, reason in (("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "5 bytes")):
        backend.passwords[("marriage-counter/x", "local-store")] = damaged
        with pytest.raises(KeyFileRefusedError, match=reason) as caught:
            KeyringKeyStore("marriage-counter/x", backend).secret("local-store")
        assert caught.value.code == "SEC-002" and "marriage-counter/x/local-store" in str(caught.value)


def test_the_machine_keyring_is_used_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    backend = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    key = KeyringKeyStore("marriage-counter/y").secret("audit-chain")
    assert base64.b64decode(backend.passwords[("marriage-counter/y", "audit-chain")]) == key


def test_open_key_store_follows_the_configuration(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path / "data")
    store: Any = open_key_store(config)
    assert isinstance(store, FileKeyStore) and store.directory == tmp_path / "data" / "keys"
    config = Config.model_validate({"data_dir": tmp_path / "data", "security": {"key_dir": tmp_path / "k"}})
    store = open_key_store(config)
    assert isinstance(store, FileKeyStore) and store.directory == tmp_path / "k"
    config = Config.model_validate({"data_dir": tmp_path / "data", "security": {"key_store": "keyring"}})
    store = open_key_store(config)
    assert isinstance(store, KeyringKeyStore) and store.service == keyring_service(tmp_path / "data")


def test_memory_keys_live_with_the_object() -> None:
    store = MemoryKeyStore({"local-store": b"\x01" * 32})
    assert store.secret("local-store") == b"\x01" * 32
    assert store.secret("other") == store.secret("other") != MemoryKeyStore().secret("other")
    with pytest.raises(ValueError):
        store.secret("../escape")
