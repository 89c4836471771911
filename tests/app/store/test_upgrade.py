"""Upgrading the local store on open: a fixture database of every released schema revision
(tests/fixtures/db, built by scripts/make_fixture_dbs.py) opens with every case intact,
behind a backup that is restored when the upgrade fails. From 0004 on the store is
encrypted at rest: the upgrade encrypts the cases in place and removes the plaintext
left behind (free pages, the -wal file, the backup) once every value decrypts."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from app.errors import DatabaseRestoreError, DatabaseUpgradeError
from app.security.keys import MemoryKeyStore
from app.store import upgrade
from app.store.engine import make_engine, read_transaction, run_migrations
from app.store.local import MIGRATIONS_DIR, LocalStore
from app.store.protection import MIGRATION_ATTRIBUTE, ROW_KEYS, SEALED, FieldRef, StoreProtection, stored_keys
from app.store.upgrade import BACKUPS_KEPT, backups_of, file_revision
from tests.fixture_dbs import FIXTURES, dump, fail_when_creating, fixture_copy, local_fixture_protection, raw

REVISIONS = sorted(script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
OLDER = [revision for revision in REVISIONS if revision != HEAD]
ENCRYPTED_FROM = "0004"
PLAIN = StoreProtection(None, encrypt=False)


def _store(path: Path, protection: StoreProtection | None = None) -> LocalStore:
    """The store of a fixture copy: opened with the fixtures' key (the encrypted
    fixtures were sealed under it), or with `protection`."""
    return LocalStore(f"sqlite:///{path}", protection=protection or local_fixture_protection())


def plain(path: Path, query: str) -> list[tuple[Any, ...]]:
    """`raw`, with sealed values opened (text and dates as text, images as bytes) in a
    fixture of an encrypted revision: what 0003 and older fixtures hold in the clear."""
    rows = raw(path, query)
    revision = file_revision(path, "alembic_version")
    table = query.split(" FROM ")[1].split()[0]
    sealed = SEALED.get(table, {})
    if revision is None or revision < ENCRYPTED_FROM or not sealed:
        return rows
    columns = [column.strip() for column in query[len("SELECT "):query.index(" FROM ")].split(",")]
    engine = make_engine(f"sqlite:///{path}")
    try:
        with read_transaction(engine) as conn:
            codec = local_fixture_protection().unwrap(stored_keys(conn), str(path))
    finally:
        engine.dispose()
    opened = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        row_key = tuple(values[column] for column in ROW_KEYS[table])
        for column in sealed.keys() & values.keys():
            if values[column] is not None:
                payload = codec.open(values[column], FieldRef(table, column, row_key))
                values[column] = payload if sealed[column] == "bytes" else payload.decode()
        opened.append(tuple(values[column] for column in columns))
    return opened


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Failed upgrades are remembered per process; each test starts as a new program."""
    upgrade.forget_failed_upgrades()
    yield
    upgrade.forget_failed_upgrades()


def test_every_released_revision_has_a_fixture() -> None:
    assert REVISIONS[0] == "0001" and REVISIONS[-1] == HEAD
    for revision in REVISIONS:
        path = FIXTURES / f"local-{revision}.sqlite3"
        assert path.is_file(), f"add it: .venv/bin/python scripts/make_fixture_dbs.py local {revision}"
        assert path.stat().st_size < 200_000
        assert file_revision(path, "alembic_version") == revision
        assert len(raw(path, "SELECT case_id FROM counter_case")) >= 3


@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_upgrades_on_open_and_keeps_every_case(tmp_path: Path, revision: str) -> None:
    path = fixture_copy(tmp_path, "local", revision)
    cases = raw(path, "SELECT case_id, business, step, status, registration_uuid, created_at FROM counter_case")
    parties = plain(path, "SELECT case_id, role, number, name, birth_date, photo_png FROM case_party")
    documents = plain(path, "SELECT case_id, document_id, sha256, image_png FROM case_document")
    signatures = plain(path, "SELECT case_id, role, image_png FROM case_signature")
    form_signatures = raw(path, "SELECT case_id, form, role FROM case_form_signature")
    outcomes = raw(path, "SELECT case_id, rule_id, passed FROM case_rule_outcome ORDER BY case_id, position")
    certificates = plain(path, "SELECT case_id, certificate_no FROM case_registration")
    forms = raw(path, "SELECT case_id, form FROM case_printed_form ORDER BY case_id, position")
    outbox = raw(path, "SELECT item_id, kind, state, attempts FROM outbox")
    archive = raw(path, "SELECT case_id, name, sha256, confirmed FROM archive_file")

    with _store(path) as store:
        assert file_revision(path, "alembic_version") == HEAD
        assert sorted(summary.case_id for summary in store.list_cases()) == sorted(row[0] for row in cases)
        loaded = {row[0]: store.load_case(row[0]) for row in cases}
        for case_id, business, step, status, registration_uuid, created_at in cases:
            case = loaded[case_id]
            assert case is not None
            assert (case.business, case.step, case.status) == (business, step, status)
            assert case.registration_uuid == registration_uuid
            assert case.created_at == datetime.fromisoformat(created_at)
        for case_id, role, number, name, birth_date, photo in parties:
            party = loaded[case_id].parties[role]  # type: ignore[union-attr]
            assert (party.identity.number, party.identity.name) == (number, name)
            assert party.identity.birth_date.isoformat() == birth_date and party.photo_png == photo
        for case_id, document_id, sha256, image in documents:
            found = {d.document_id: d for d in loaded[case_id].documents}  # type: ignore[union-attr]
            assert found[document_id].sha256 == sha256 and found[document_id].image_png == image
        for case_id, role, image in signatures:
            assert loaded[case_id].signatures[role].image_png == image  # type: ignore[union-attr]
        for case_id, form, role in form_signatures:
            signed = {(s.form, s.role) for s in loaded[case_id].form_signatures}  # type: ignore[union-attr]
            assert (form, role) in signed
        for case_id in loaded:
            case = loaded[case_id]
            assert case is not None
            assert [(o.rule_id, o.passed) for o in case.rule_outcomes] == [
                (rule, bool(passed)) for cid, rule, passed in outcomes if cid == case_id
            ]
            assert list(case.printed_forms) == [form for cid, form in forms if cid == case_id]
            expected = [no for cid, no in certificates if cid == case_id]
            assert ([case.registration.certificate_no] if case.registration else []) == expected
            if case.business != "marriage":  # the business facts of 0003 and later
                assert (case.divorce or case.reissue) is not None
        items = {item.item_id: item for item in store.outbox_items()}
        assert {(i, k, s, a) for i, k, s, a in outbox} == {
            (item.item_id, item.kind, item.state, item.attempts) for item in items.values()
        }
        for case_id, name, sha256, confirmed in archive:
            record = {f.name: f for f in store.archive_files(case_id)}[name]
            assert record.sha256 == sha256 and record.confirmed == bool(confirmed)
            assert (record.data is None) == bool(confirmed)
        # Still a working store: a case saved again reads back the same.
        first = loaded[cases[0][0]]
        assert first is not None
        store.save_case(first)
        assert store.load_case(first.case_id) == first

    # Encrypted: the backup taken before the upgrade held every case in the clear; it
    # was removed once every value decrypted (from an encrypted revision: none taken).
    assert backups_of(path) == []
    _holds_no_name_or_number(path, FIXTURES / "local-0003.sqlite3")


@pytest.mark.parametrize("revision", OLDER)
def test_upgrade_with_encryption_off_keeps_the_backup(tmp_path: Path, revision: str) -> None:
    path = fixture_copy(tmp_path, "local", revision)
    names = [name for (name,) in raw(path, "SELECT name FROM case_party")]
    with _store(path, PLAIN) as store:
        assert not store.encrypted
        loaded = {s.case_id: store.load_case(s.case_id) for s in store.list_cases()}
        assert sorted(p.identity.name for c in loaded.values() for p in c.parties.values()) == sorted(names)  # type: ignore[union-attr]
    backups = backups_of(path)
    assert [b.name.split("-2")[0] for b in backups] == [f"local-{revision}.before-{revision}"]
    assert file_revision(backups[0], "alembic_version") == revision
    assert dump(backups[0]) == dump(FIXTURES / f"local-{revision}.sqlite3")
    assert names[0].encode() in path.read_bytes()  # plain envelopes: "keeps today's behaviour"


def _holds_no_name_or_number(path: Path, plaintext_fixture: Path) -> None:
    """No file of the store's folder holds a party's name, number or address, nor a title."""
    words = {word for row in raw(plaintext_fixture, "SELECT number, name, address FROM case_party") for word in row}
    words |= {title for (title,) in raw(plaintext_fixture, "SELECT title FROM counter_case") if title}
    assert words
    for file in path.parent.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            found = [word for word in words if word.encode() in data or word.encode("utf-16-le") in data]
            assert found == [], f"{file.name} holds {found}"


def test_a_database_at_head_or_new_gets_no_backup(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "local", HEAD)
    with _store(path):
        pass
    new = tmp_path / "data" / "new.sqlite3"
    with LocalStore(f"sqlite:///{new}"):
        pass
    assert file_revision(new, "alembic_version") == HEAD
    assert sorted(p.name for p in path.parent.iterdir() if ".before-" in p.name) == []


@pytest.mark.parametrize("revision", OLDER)
def test_failed_migration_step_restores_the_backup_and_says_so(
    tmp_path: Path, revision: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = fixture_copy(tmp_path, "local", revision)
    before = dump(path)
    fail_when_creating("store_key", monkeypatch)  # a step of 0004, the last revision
    caplog.set_level(logging.INFO)
    with pytest.raises(DatabaseUpgradeError) as caught:
        LocalStore(f"sqlite:///{path}").open()
    error = caught.value
    assert error.code == "LOC-002" and error.exit_code == 3
    assert error.params["revision"] == revision and error.params["target"] == HEAD
    backup = Path(str(error.params["backup"]))
    assert backup.is_file() and backup.parent == path.parent
    assert "simulated failure" in str(error) and f"schema {revision}" in str(error) and str(backup) in str(error)
    assert file_revision(path, "alembic_version") == revision
    assert dump(path) == before == dump(backup)
    _no_personal_data(caplog.text, path)
    # This process does not try again (no second backup), even once the fault is gone...
    monkeypatch.undo()
    with pytest.raises(DatabaseUpgradeError) as again:
        LocalStore(f"sqlite:///{path}").open()
    assert again.value.params == error.params and backups_of(path) == [backup]
    # ...the next start of the program does, and upgrades it.
    upgrade.forget_failed_upgrades()
    count = len(raw(backup, "SELECT case_id FROM counter_case"))
    with LocalStore(f"sqlite:///{path}") as store:
        assert len(store.list_cases()) == count
    assert file_revision(path, "alembic_version") == HEAD
    assert not backup.exists()  # the plaintext backups go once the store is encrypted


def test_failure_after_a_committed_step_is_undone_by_the_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that committed on its own (or a crash after a commit) leaves a half-upgraded
    file that a transaction rollback cannot undo; the backup can."""
    path = fixture_copy(tmp_path, "local", "0001")
    before = dump(path)

    def half_then_fail(engine: Any, script_location: Any, revision: str = "head", **options: Any) -> None:
        run_migrations(engine, script_location, "0002", **options)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(upgrade, "run_migrations", half_then_fail)
    with pytest.raises(DatabaseUpgradeError) as caught:
        LocalStore(f"sqlite:///{path}").open()
    assert caught.value.params["revision"] == "0001" and "No space left" in str(caught.value)
    assert file_revision(path, "alembic_version") == "0001" and dump(path) == before


def test_failed_restore_says_the_backup_must_be_put_back_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fixture_copy(tmp_path, "local", "0001")
    fail_when_creating("case_form_signature", monkeypatch)

    def broken_restore(backup: Path, database: Path, **_: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(upgrade, "restore_sqlite", broken_restore)
    with pytest.raises(DatabaseRestoreError) as caught:
        LocalStore(f"sqlite:///{path}").open()
    error = caught.value
    assert error.code == "LOC-003" and "disk I/O error" in str(error) and "simulated failure" in str(error)
    assert Path(str(error.params["backup"])).is_file()


def test_old_backups_are_pruned_to_the_newest_three(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "local", "0001")
    old = []
    for n in range(4):
        backup = path.with_name(f"local-0001.before-0001-2026010{n}T000000Z.sqlite3")
        backup.write_bytes(b"old backup")
        stamp = time.time() - 3600 * (10 - n)
        os.utime(backup, (stamp, stamp))
        old.append(backup)
    unrelated = [
        path.with_name("other.before-0001-20260101T000000Z.sqlite3"), path.with_name("local-0001.keep.sqlite3")
    ]
    for file in unrelated:
        file.write_bytes(b"not ours")
    with _store(path, PLAIN):  # encrypted, no plaintext backup is kept at all (below)
        pass
    kept = backups_of(path)
    assert len(kept) == BACKUPS_KEPT == 3
    assert kept[:2] == old[2:] and file_revision(kept[2], "alembic_version") == "0001"
    assert all(file.exists() for file in unrelated)


def test_backup_names_never_collide(tmp_path: Path) -> None:
    database = tmp_path / "counter.sqlite3"
    moment = datetime.fromisoformat("2027-01-05T08:30:00+00:00")
    first = upgrade.backup_path(database, "0002", moment)
    assert first.name == "counter.before-0002-20270105T083000Z.sqlite3"
    first.write_bytes(b"")
    assert upgrade.backup_path(database, "0002", moment).name == "counter.before-0002-20270105T083000Z-2.sqlite3"


def test_upgrade_log_names_files_and_revisions_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = fixture_copy(tmp_path, "local", "0001")
    caplog.set_level(logging.DEBUG)
    with LocalStore(f"sqlite:///{path}"):
        pass
    assert "upgraded from schema 0001" in caplog.text
    _no_personal_data(caplog.text, FIXTURES / "local-0001.sqlite3")


def _no_personal_data(text: str, path: Path) -> None:
    for number, name in raw(path, "SELECT number, name FROM case_party"):
        assert number not in text and name not in text


def test_the_backup_just_taken_is_never_pruned(tmp_path: Path) -> None:
    database = tmp_path / "counter.sqlite3"
    backups = [tmp_path / f"counter.before-0002-2027010{n}T000000Z.sqlite3" for n in range(4)]
    for n, backup in enumerate(backups):
        backup.write_bytes(b"")
        stamp = time.time() + 3600 * (n + 1)  # clocks move: some look newer than the new one
        os.utime(backup, (stamp, stamp))
    new = tmp_path / "counter.before-0002-20260101T000000Z.sqlite3"
    new.write_bytes(b"")
    deleted = upgrade.prune_backups(database, 3, protect=new)
    assert deleted == backups[:2] and backups_of(database) == [new, *backups[2:]]


def test_encrypting_upgrade_shreds_every_plaintext_backup_but_not_other_files(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "local", "0002")
    older = path.with_name("local-0002.before-0001-20260101T000000Z.sqlite3")
    older.write_bytes(FIXTURES.joinpath("local-0001.sqlite3").read_bytes())
    unrelated = path.with_name("other.before-0001-20260101T000000Z.sqlite3")
    unrelated.write_bytes(b"not ours")
    with _store(path) as store:
        assert store.encrypted and len(store.list_cases()) == 4
    assert backups_of(path) == [] and unrelated.read_bytes() == b"not ours"
    assert not path.with_name(path.name + "-wal").exists() or path.with_name(path.name + "-wal").stat().st_size == 0


def test_head_fixture_refuses_another_key_store(tmp_path: Path) -> None:
    from app.security.errors import WrongStoreKeyError

    path = fixture_copy(tmp_path, "local", HEAD)
    before = dump(path)
    with pytest.raises(WrongStoreKeyError) as caught:
        _store(path, StoreProtection(MemoryKeyStore())).open()
    assert caught.value.code == "SEC-003" and caught.value.exit_code == 3
    assert str(path) in str(caught.value) and "memory" in str(caught.value)
    assert dump(path) == before


def test_downgrade_decrypts_back_to_0003(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "local", "0003")
    protection = local_fixture_protection()
    with _store(path, protection) as store:
        cases = {s.case_id: store.load_case(s.case_id) for s in store.list_cases()}
    run_migrations(
        f"sqlite:///{path}", MIGRATIONS_DIR, "0003", attributes={MIGRATION_ATTRIBUTE: protection},
        foreign_keys_off=True, downgrade=True,
    )
    assert file_revision(path, "alembic_version") == "0003"
    original = FIXTURES / "local-0003.sqlite3"
    for query in (
        "SELECT case_id, role, number, person_key, name, birth_date, valid_to, photo_png, central_active_marriage "
        "FROM case_party ORDER BY case_id, role",
        "SELECT case_id, title, details, central_error FROM counter_case ORDER BY case_id",
        "SELECT item_id, payload, result FROM outbox ORDER BY item_id",
        "SELECT case_id, name, data FROM archive_file ORDER BY case_id, name",
        "SELECT case_id, form, role, strokes_json, image_png FROM case_form_signature ORDER BY case_id, form, role",
    ):
        assert raw(path, query) == raw(original, query), query
    # ...and the 0003 store opens again (encrypting it anew) with the same cases.
    with _store(path, protection) as store:
        assert {s.case_id: store.load_case(s.case_id) for s in store.list_cases()} == cases
