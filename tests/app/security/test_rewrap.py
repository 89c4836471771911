"""`marriage-counter security rewrap --to keyring|file`: the data key re-wrapped under a
new key-encryption key in the other store (values untouched), the other keys copied,
the old store retired (SEC-010 when still configured), interruptions finished by a
second run (app.security.rewrap)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from app.audit.trail import KEY_NAME as AUDIT_KEY_NAME
from app.audit.trail import open_audit_trail
from app.config import Config
from app.security.errors import KeyFileRefusedError, KeyStoreMovedError, WrongStoreKeyError
from app.security.keys import COUNTER_KEY_NAMES, MOVED_ENTRY, FileKeyStore, KeyringKeyStore, keyring_service
from app.security.rewrap import KEK_NAME, NothingToMoveError, move_keys
from app.store.local import LocalStore
from tests.app.security.test_keys import MemoryKeyring
from tests.app.store.conftest import make_full_case


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    yield memory


def _config(data: Path, key_store: str) -> Config:
    return Config.model_validate({"data_dir": data, "security": {"key_store": key_store}})


def _sealed(data: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(data / "counter.sqlite3")
    try:
        return connection.execute("SELECT name, number, photo_png FROM case_party ORDER BY role").fetchall()
    finally:
        connection.close()


def _wrapped(data: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(data / "counter.sqlite3")
    try:
        return connection.execute("SELECT key_id, wrapped, kek_check FROM store_key").fetchall()
    finally:
        connection.close()


def _counter_with_data(data: Path) -> Config:
    config = _config(data, "file")
    with LocalStore.from_config(config) as store:
        store.save_case(make_full_case())
    from datetime import UTC, datetime

    from app.audit import AuditAction, AuditEvent

    with open_audit_trail(config) as trail:
        trail.record(AuditEvent(AuditAction.VIEW, "wang", config.office.counter_id, datetime.now(UTC), "case-0001"))
    FileKeyStore(data / "keys").secret("archive-signing")
    return config


def test_the_keys_move_to_the_keyring_and_back(
    tmp_path: Path, backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    data = tmp_path / "data"
    config = _counter_with_data(data)
    files = FileKeyStore(data / "keys")
    old = {name: files.load(name) for name in ("local-store", "audit-hmac", "archive-signing")}
    sealed, wrapped = _sealed(data), _wrapped(data)

    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(data))
    assert main(["security", "rewrap", "--to", "keyring"]) == 0
    out = capsys.readouterr().out
    assert 'NOW set [security] key_store = "keyring"' in out and "1 of 1 data key(s) re-wrapped" in out

    ring = KeyringKeyStore(keyring_service(data))
    assert ring.load("audit-hmac") == old["audit-hmac"] and ring.load("archive-signing") == old["archive-signing"]
    assert ring.load(KEK_NAME) not in (None, old["local-store"])  # a new key-encryption key
    assert _sealed(data) == sealed  # not one value re-encrypted
    assert _wrapped(data) != wrapped  # only the wrapping changed
    assert sorted(path.name for path in (data / "keys").iterdir()) == ["MOVED"]
    with LocalStore.from_config(_config(data, "keyring")) as store:
        assert store.load_case("case-0001") == make_full_case()

    # The old setting: a clear refusal, never fresh keys made in the retired folder.
    with pytest.raises(KeyStoreMovedError) as refused:
        LocalStore.from_config(config).open()
    assert refused.value.code == "SEC-010" and "keyring" in str(refused.value)
    with pytest.raises(KeyStoreMovedError):
        open_audit_trail(config)
    assert sorted(path.name for path in (data / "keys").iterdir()) == ["MOVED"]
    monkeypatch.setenv("MARRIAGE_COUNTER_SECURITY__KEY_STORE", "keyring")
    assert main(["audit", "verify", "--no-central"]) == 0  # the chain goes on under the moved key
    assert main(["audit", "show"]) == 0 and "\tkeys_moved\t" in capsys.readouterr().out

    # and back to files
    assert main(["security", "rewrap", "--to", "file"]) == 0
    assert 'NOW set [security] key_store = "file"' in capsys.readouterr().out
    assert files.load("audit-hmac") == old["audit-hmac"] and files.load(KEK_NAME) not in (None, old["local-store"])
    assert not (data / "keys" / "MOVED").exists() and ring.moved_note() is not None
    assert {name for (_, name) in backend.passwords} == {MOVED_ENTRY}
    assert _sealed(data) == sealed
    monkeypatch.delenv("MARRIAGE_COUNTER_SECURITY__KEY_STORE")
    with LocalStore.from_config(config) as store:
        assert store.load_case("case-0001") == make_full_case()
    assert main(["audit", "verify", "--no-central"]) == 0


def test_an_interrupted_move_is_finished_by_running_it_again(tmp_path: Path, backend: MemoryKeyring) -> None:
    data = tmp_path / "data"
    config = _counter_with_data(data)
    sealed = _sealed(data)

    # Cut short while copying: the old store is whole, the configuration still right.
    calls = {"n": 0}
    real_put = KeyringKeyStore.put

    def failing_put(self: KeyringKeyStore, name: str, value: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("power cut")
        real_put(self, name, value)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(KeyringKeyStore, "put", failing_put)
        with pytest.raises(OSError, match="power cut"):
            move_keys(config, "keyring")
    with LocalStore.from_config(config) as store:
        assert store.load_case("case-0001") == make_full_case()

    # Cut short just after the data key was re-wrapped: SEC-003 with the old setting.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FileKeyStore, "mark_moved", lambda self, note: (_ for _ in ()).throw(OSError("power cut")))
        with pytest.raises(OSError, match="power cut"):
            move_keys(config, "keyring")
    with pytest.raises(WrongStoreKeyError):
        LocalStore.from_config(config).open()

    move = move_keys(config, "keyring")  # the same command again finishes the move
    assert move.rewrapped == 0 and move.data_keys == 1 and KEK_NAME in move.deleted
    assert _sealed(data) == sealed
    with LocalStore.from_config(_config(data, "keyring")) as store:
        assert store.load_case("case-0001") == make_full_case()
    with pytest.raises(NothingToMoveError):  # the other way round there is nothing left
        move_keys(_config(data, "keyring"), "keyring", source=FileKeyStore(tmp_path / "empty"))


def test_another_key_under_the_same_name_is_never_overwritten(tmp_path: Path, backend: MemoryKeyring) -> None:
    data = tmp_path / "data"
    config = _counter_with_data(data)
    KeyringKeyStore(keyring_service(data)).secret(AUDIT_KEY_NAME)  # someone's stray key
    with pytest.raises(KeyFileRefusedError, match="not overwritten"):
        move_keys(config, "keyring")
    assert not (data / "keys" / "MOVED").exists()
    with LocalStore.from_config(config) as store:
        assert store.load_case("case-0001") == make_full_case()


def test_a_move_from_an_empty_store_is_refused(
    tmp_path: Path, backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(tmp_path / "data"))
    assert main(["security", "rewrap", "--to", "file"]) == 2  # the keyring holds nothing
    assert "nothing to move" in capsys.readouterr().err
    assert backend.passwords == {} and not (tmp_path / "data" / "keys").exists()


def test_every_key_the_counter_uses_is_moved() -> None:
    from app.archive.signing import KEY_NAME as SIGNING
    from app.bootstrap import LOCKOUT_KEY_NAME
    from app.central.embedded import KEY_NAME as CENTRAL
    from app.store.protection import KEK_NAME as STORE_KEK

    assert STORE_KEK == KEK_NAME
    assert set(COUNTER_KEY_NAMES) == {STORE_KEK, AUDIT_KEY_NAME, SIGNING, LOCKOUT_KEY_NAME, CENTRAL}
