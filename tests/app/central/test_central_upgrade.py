"""The embedded (SQLite) central store upgrades itself on open behind a backup: a fixture
database of every released central schema revision keeps every marriage, divorce and
reissue. A PostgreSQL registry is not backed up by a counter (IT's `central migrate`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.central.store import MIGRATIONS_DIR, VERSION_TABLE, CentralStore
from app.central.types import CentralMode
from app.cli import main
from app.errors import DatabaseUpgradeError
from app.store.upgrade import backups_of, file_revision, forget_failed_upgrades
from tests.fixture_dbs import FIXTURES, dump, fail_when_creating, fixture_copy, raw

REVISIONS = sorted(script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Failed upgrades are remembered per process; each test starts as a new program."""
    forget_failed_upgrades()
    yield
    forget_failed_upgrades()


def test_every_released_revision_has_a_fixture() -> None:
    assert REVISIONS[0] == "0001" and REVISIONS[-1] == HEAD
    for revision in REVISIONS:
        path = FIXTURES / f"central-{revision}.sqlite3"
        assert path.is_file(), f"add it: .venv/bin/python scripts/make_fixture_dbs.py central {revision}"
        assert path.stat().st_size < 250_000  # a page or two per table and index: 0005 is at 200 KB
        assert file_revision(path, VERSION_TABLE) == revision
        assert len(raw(path, "SELECT marriage_id FROM marriage")) >= 3


@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_upgrades_on_open_and_keeps_every_record(tmp_path: Path, revision: str) -> None:
    path = fixture_copy(tmp_path, "central", revision)
    marriages = raw(path, "SELECT certificate_no, registered_on, status FROM marriage")
    parties = raw(path, "SELECT m.certificate_no, p.person_key, p.name, p.active FROM marriage_party p "
                        "JOIN marriage m USING (marriage_id)")
    applications = raw(path, "SELECT app_uuid, status FROM divorce_application")
    certificates = raw(path, "SELECT certificate_no FROM certificate")
    reissues = raw(path, "SELECT certificate_no, original_certificate_no FROM certificate_reissue")

    with CentralStore(f"sqlite:///{path}") as central:
        assert file_revision(path, VERSION_TABLE) == HEAD
        assert central.mode() is CentralMode.TEST
        listed = {m.certificate_no: m for m in central.list_marriages()}
        assert {(no, on, status) for no, on, status in marriages} == {
            (m.certificate_no, m.registered_on.isoformat(), m.status) for m in listed.values()
        }
        for certificate_no, person_key, name, _active in parties:
            records = {r.certificate_no: r for r in central.marriage_records_of(person_key)}
            party = {p.person_key: p for p in records[certificate_no].parties}[person_key]
            assert party.name == name
            married = any(act for _, key, _, act in parties if key == person_key)
            assert central.marital_status_of(person_key) == ("married" if married else "divorced")
        for app_uuid, status in applications:
            detail = central.divorce_application(app_uuid)
            assert detail is not None and detail.record.status == status
        for (certificate_no,) in certificates:
            assert central.record_by_certificate(certificate_no) is not None, certificate_no
        for certificate_no, original in reissues:
            record = central.record_by_certificate(certificate_no)
            assert record is not None and record.certificate_no == original

    backups = backups_of(path)
    if revision == HEAD:
        assert backups == []
    else:
        assert len(backups) == 1 and file_revision(backups[0], VERSION_TABLE) == revision
        assert dump(backups[0]) == dump(FIXTURES / f"central-{revision}.sqlite3")


def test_failed_upgrade_restores_the_embedded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fixture_copy(tmp_path, "central", "0001")
    before = dump(path)
    fail_when_creating("certificate_reissue", monkeypatch)  # a step of 0003
    with pytest.raises(DatabaseUpgradeError) as caught:
        CentralStore(f"sqlite:///{path}").open()
    error = caught.value
    assert error.code == "LOC-002" and error.params["revision"] == "0001" and error.params["target"] == HEAD
    assert file_revision(path, VERSION_TABLE) == "0001" and dump(path) == before
    assert dump(Path(str(error.params["backup"]))) == before


def test_central_migrate_on_sqlite_backs_up_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixture_copy(tmp_path, "central", "0002")
    assert main(["central", "migrate", "--url", f"sqlite:///{path}"]) == 0
    out = capsys.readouterr().out
    [backup] = backups_of(path)
    assert f"central schema at revision {HEAD}" in out and str(backup) in out
    assert main(["central", "migrate", "--url", f"sqlite:///{path}"]) == 0
    assert "backup" not in capsys.readouterr().out and backups_of(path) == [backup]


def test_a_server_registry_is_not_backed_up_by_a_counter(postgres_url: str) -> None:
    with CentralStore(postgres_url) as central:  # migrated as before, no file to copy
        assert central.mode() is CentralMode.PRODUCTION


def test_backup_is_a_standalone_file(tmp_path: Path) -> None:
    path = fixture_copy(tmp_path, "central", "0001")
    with CentralStore(f"sqlite:///{path}"):
        pass
    [backup] = backups_of(path)
    assert not Path(f"{backup}-wal").exists()
    connection = sqlite3.connect(backup)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
