"""The embedded central store (no [central] url) is one SQLCipher file: no name or ID
number readable in it, converted from the plaintext of earlier versions on first open,
and refused with SEC-004 (never replaced) when the key store lacks its key."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.central.embedded import KEY_NAME, central_store, embedded_path, encrypt_in_place, is_encrypted
from app.central.store import VERSION_TABLE, CentralStore
from app.config import Config
from app.errors import DatabaseUpgradeError
from app.security.errors import EmbeddedCentralKeyError
from app.store.engine import connect_sqlite
from app.store.upgrade import backups_of, file_revision, forget_failed_upgrades
from tests.app.central.test_central_upgrade import HEAD
from tests.counter_fixtures import simulated_config
from tests.fixture_dbs import FIXTURES, fail_when_creating, raw


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    forget_failed_upgrades()
    yield
    forget_failed_upgrades()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return simulated_config(tmp_path / "data")


def key_of(config: Config) -> bytes:
    return (config.data_dir / "keys" / f"{KEY_NAME}.key").read_bytes()


def plaintext_registry(config: Config, revision: str) -> tuple[Path, list[tuple[object, ...]]]:
    """A central store of an earlier version, in the clear, where the counter keeps it."""
    path = embedded_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"central-{revision}.sqlite3", path)
    return path, raw(path, "SELECT p.person_key, p.name FROM marriage_party p ORDER BY p.person_key")


def test_a_new_embedded_store_is_encrypted_and_reopens(config: Config) -> None:
    with central_store(config) as central:
        central.set_mode("test")
    path = embedded_path(config)
    assert is_encrypted(path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        raw(path, "SELECT count(*) FROM sqlite_master")
    assert file_revision(path, VERSION_TABLE, key=key_of(config)) == HEAD
    with central_store(config) as central:
        assert central.mode().value == "test"


def test_an_explicit_url_is_used_as_given(config: Config, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    with central_store(config, url):
        pass
    assert file_revision(tmp_path / "registry.sqlite3", VERSION_TABLE) == HEAD  # plain sqlite3 reads it
    assert not (config.data_dir / "keys" / f"{KEY_NAME}.key").exists()


@pytest.mark.parametrize("revision", ["0001", HEAD])
def test_a_plaintext_registry_is_converted_and_its_plaintext_removed(config: Config, revision: str) -> None:
    path, people = plaintext_registry(config, revision)
    assert people and all(name for _, name in people)
    with central_store(config) as central:
        listed = central.list_marriages()
    assert len(listed) >= 3
    data = path.read_bytes()
    for person_key, name in people:
        assert str(person_key).rpartition(":")[2].encode() not in data
        assert str(name).encode() not in data
    backups = backups_of(path)  # an older fixture is upgraded behind a backup of the encrypted file
    leftovers = sorted(p.name for p in path.parent.iterdir() if p.is_file() and p not in backups)
    assert leftovers == ["central.sqlite3", "central.sqlite3.lock"], leftovers  # the lock file is empty
    assert all(is_encrypted(backup) for backup in backups)
    connection = connect_sqlite(path, key=key_of(config))
    try:
        converted = connection.execute(
            "SELECT p.person_key, p.name FROM marriage_party p ORDER BY p.person_key"
        ).fetchall()
    finally:
        connection.close()
    assert [tuple(row) for row in converted] == [tuple(row) for row in people]


def test_an_older_plaintext_registry_is_upgraded_behind_an_encrypted_backup(config: Config) -> None:
    path, _ = plaintext_registry(config, "0001")
    with central_store(config):
        pass
    backups = backups_of(path)
    assert len(backups) == 1 and is_encrypted(backups[0])
    assert file_revision(backups[0], VERSION_TABLE, key=key_of(config)) == "0001"


def test_a_crash_between_the_two_moves_is_finished_on_the_next_start(config: Config) -> None:
    path, people = plaintext_registry(config, HEAD)
    aside = path.with_name(path.name + ".plaintext")
    path.rename(aside)  # the plaintext was moved aside, the encrypted copy never moved in
    with central_store(config):
        pass
    assert is_encrypted(path) and not aside.exists()
    assert _people_in(path, key_of(config)) == people


def test_a_crash_after_the_encrypted_file_moved_in_finishes_removing_the_plaintext(config: Config) -> None:
    path, people = plaintext_registry(config, HEAD)
    aside = path.with_name(path.name + ".plaintext")
    shutil.copyfile(path, aside)
    key = bytes(range(32))
    assert encrypt_in_place(path, key) is True  # the copy stands for the moved-aside plaintext
    shutil.copyfile(FIXTURES / f"central-{HEAD}.sqlite3", aside)  # the crash left it there
    assert encrypt_in_place(path, key) is False
    assert not aside.exists() and _people_in(path, key) == people


def test_no_conversion_while_another_program_has_the_plaintext_open(config: Config) -> None:
    path, people = plaintext_registry(config, HEAD)
    older_counter = sqlite3.connect(path)
    try:
        older_counter.execute("PRAGMA journal_mode=WAL").fetchall()
        older_counter.execute("SELECT count(*) FROM marriage").fetchall()
        with pytest.raises(OSError, match="open in another program"):
            encrypt_in_place(path, bytes(range(32)))
    finally:
        older_counter.close()
    assert raw(path, "SELECT p.person_key, p.name FROM marriage_party p ORDER BY p.person_key") == people
    assert encrypt_in_place(path, bytes(range(32))) is True  # once it is closed


def test_a_failed_upgrade_of_the_encrypted_store_is_restored_with_its_key(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, people = plaintext_registry(config, "0004")
    fail_when_creating("counter_office_role", monkeypatch)
    with pytest.raises(DatabaseUpgradeError):
        central_store(config).open()
    key = key_of(config)
    assert is_encrypted(path) and file_revision(path, VERSION_TABLE, key=key) == "0004"
    assert _people_in(path, key) == people


def _people_in(path: Path, key: bytes) -> list[tuple[object, ...]]:
    connection = connect_sqlite(path, key=key)
    try:
        rows = connection.execute("SELECT p.person_key, p.name FROM marriage_party p ORDER BY p.person_key")
        return [tuple(row) for row in rows.fetchall()]
    finally:
        connection.close()


def test_converting_twice_does_nothing(config: Config) -> None:
    path, _ = plaintext_registry(config, HEAD)
    key = bytes(range(32))
    assert encrypt_in_place(path, key) is True
    before = path.read_bytes()
    assert encrypt_in_place(path, key) is False
    assert path.read_bytes() == before


def test_a_missing_key_is_reported_never_replaced(config: Config) -> None:
    with central_store(config):
        pass
    (config.data_dir / "keys" / f"{KEY_NAME}.key").unlink()
    with pytest.raises(EmbeddedCentralKeyError) as raised:
        central_store(config)
    assert raised.value.code == "SEC-004"
    assert not (config.data_dir / "keys" / f"{KEY_NAME}.key").exists()


def test_a_different_key_is_reported(config: Config) -> None:
    with central_store(config):
        pass
    key_file = config.data_dir / "keys" / f"{KEY_NAME}.key"
    key_file.write_bytes(bytes(32))
    with pytest.raises(EmbeddedCentralKeyError, match=r"SEC-004"):
        central_store(config)


def test_the_embedded_store_is_not_readable_by_a_plain_central_store(config: Config) -> None:
    with central_store(config):
        pass
    store = CentralStore(f"sqlite:///{embedded_path(config)}")
    with pytest.raises(Exception, match=r"not a database"):
        store.open()
    store.close()


def test_a_store_that_cannot_be_opened_is_an_outage_for_the_counter(config: Config) -> None:
    from app.bootstrap import CentralConnection
    from app.errors import CentralUnavailableError

    def in_use() -> CentralStore:
        raise OSError("central.sqlite3 is open in another program")

    connection = CentralConnection(config.central_url, open_store=in_use)
    with pytest.raises(CentralUnavailableError, match="open in another program"):
        connection.active_marriage_of("resident_id:CHN:110101199003077777")
    assert "open in another program" in connection.last_error


def test_a_first_command_on_a_new_pc_creates_the_data_directory(tmp_path: Path) -> None:
    config = simulated_config(tmp_path / "new" / "data")
    with central_store(config) as central:
        assert central.list_marriages() == []
    assert is_encrypted(embedded_path(config))

