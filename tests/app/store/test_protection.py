"""Encryption at rest of the local store (#10): every personal column sealed with
AES-256-GCM under a data key wrapped by the key store, each value bound to its case,
row and column."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import StatementError

from app.domain.case import MarriageCase, Role, Signature
from app.domain.divorce import SignedForm
from app.security.errors import KeyFileRefusedError, WrongStoreKeyError
from app.security.keys import FileKeyStore, MemoryKeyStore
from app.store.local import LocalStore, Settlement
from app.store.models import LocalBase
from app.store.protection import SEALED, SealedValueError, StoreProtection
from app.sync.types import ArchiveFileRecord, OutboxEntry, OutboxKind, OutboxState
from tests.counter_fixtures import REPO_ROOT

CaseFactory = Callable[..., MarriageCase]
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NAME, NUMBER, ADDRESS = "张三", "11010519900307001X", "北京市朝阳区某某路1号"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "counter.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[LocalStore]:
    with LocalStore(f"sqlite:///{db_path}") as opened:
        yield opened


def _everything(full_case: CaseFactory, case_id: str = "case-0001", reg_uuid: str | None = None) -> MarriageCase:
    """The full case with a form signature as well, so every sealed column gets a value."""
    case = full_case(case_id)
    if reg_uuid is not None:
        case = dataclasses.replace(case, registration_uuid=reg_uuid)
    signature = dataclasses.replace(case.signatures[Role.A], form=SignedForm.DIVORCE_APPLICATION)
    return dataclasses.replace(case, form_signatures=(signature,))


def _queue_everything(store: LocalStore, case: MarriageCase) -> tuple[str, str]:
    assert case.registration_uuid is not None
    registration = OutboxEntry(
        OutboxKind.REGISTRATION, case.case_id, case.registration_uuid,
        {"parties": [["A", f"resident_id:CHN:{NUMBER}", NAME]]},
    )
    files = (ArchiveFileRecord.of("forms/form.pdf", f"PDF {NAME} {NUMBER}".encode()),
             ArchiveFileRecord.of("manifest.json", b"{}"))
    archive = OutboxEntry(OutboxKind.ARCHIVE, case.case_id, case.registration_uuid, {"files": ["x"]}, files)
    store.save_case(case, enqueue=(registration, archive), now=T0)
    claimed = store.outbox_claim(registration.item_id, now=T0, lease_until=T0, force=True)
    assert claimed is not None
    store.outbox_settle(Settlement(registration.item_id, claimed.attempts, OutboxState.FAILED, T0,
                                   last_error="[CEN-002] a party already has an active marriage",
                                   result={"code": "CEN-002", "params": {"person": f"{NAME}（1101**0001X）"}}))
    return registration.item_id, archive.item_id


def _files_bytes(folder: Path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in folder.rglob("*") if file.is_file()}


def test_every_personal_column_is_sealed_and_round_trips(
    store: LocalStore, db_path: Path, full_case: CaseFactory
) -> None:
    case = _everything(full_case)
    registration_id, archive_id = _queue_everything(store, case)

    assert store.encrypted
    assert store.load_case(case.case_id) == case
    assert store.latest_open_case() == case
    summary = store.list_cases()[0]
    assert (summary.title, summary.central_error, summary.certificate_no) == (
        case.title, case.central_error, case.registration.certificate_no  # type: ignore[union-attr]
    )
    item = store.outbox_item(registration_id)
    assert item is not None and item.payload["parties"][0][2] == NAME
    assert item.result == {"code": "CEN-002", "params": {"person": f"{NAME}（1101**0001X）"}}
    assert item.last_error.startswith("[CEN-002]")
    assert store.outbox_item(archive_id) is not None
    assert [f.data for f in store.archive_files(case.case_id)] == [f"PDF {NAME} {NUMBER}".encode(), b"{}"]

    db = sqlite3.connect(db_path)
    try:
        for table, columns in SEALED.items():
            for column in columns:
                values = [row[0] for row in db.execute(f"SELECT {column} FROM {table}")]
                present = [value for value in values if value is not None]
                assert present, f"{table}.{column}: no value to check"
                for value in present:
                    assert isinstance(value, bytes) and value[:3] == b"\x01\x00\x01", f"{table}.{column}"
        assert db.execute("SELECT count(*) FROM store_key").fetchone() == (1,)
        index = db.execute("SELECT person_index FROM case_party WHERE role = 'A'").fetchone()[0]
        assert len(index) == 64 and NUMBER not in index
    finally:
        db.close()
    for name, data in _files_bytes(db_path.parent).items():
        for word in (NAME, NUMBER, ADDRESS, "李四", case.title):
            assert word.encode() not in data and word.encode("utf-16-le") not in data, (name, word)
        assert case.parties[Role.A].photo_png[:64] not in data  # type: ignore[index]


def test_a_value_moved_to_another_case_row_or_column_is_refused(
    store: LocalStore, db_path: Path, full_case: CaseFactory
) -> None:
    first = _everything(full_case, "case-0001")
    second = _everything(full_case, "case-0002", reg_uuid="0b6f1c2a-4d5e-4f60-8a7b-9c0d1e2f3a99")
    second = dataclasses.replace(second, parties={
        role: dataclasses.replace(p, identity=dataclasses.replace(p.identity, name=f"王{role}"))
        for role, p in second.parties.items()
    })
    store.save_case(first)
    store.save_case(second)

    def tamper(statement: str) -> None:
        db = sqlite3.connect(db_path)
        try:
            with db:
                db.execute(statement)
        finally:
            db.close()

    def refused(case_id: str, field: str) -> None:
        with pytest.raises(SealedValueError) as caught:
            store.load_case(case_id)
        error = caught.value
        assert error.code == "LOC-004" and error.exit_code == 3
        assert error.params == {"detail": "", "case_id": case_id, "field": field}
        assert case_id in str(error) and field in str(error)

    moves = [
        # another case's name, same party and column
        ("UPDATE case_party SET name = (SELECT name FROM case_party WHERE case_id = 'case-0002' AND role = 'A') "
         "WHERE case_id = 'case-0001' AND role = 'A'", "case_party.name [A]"),
        # the other party's name, same case
        ("UPDATE case_party SET name = (SELECT name FROM case_party WHERE case_id = 'case-0001' AND role = 'B') "
         "WHERE case_id = 'case-0001' AND role = 'A'", "case_party.name [A]"),
        # another column of the same row
        ("UPDATE case_party SET address = name WHERE case_id = 'case-0001' AND role = 'A'",
         "case_party.address [A]"),
        # one flipped bit in the ciphertext (below)
        # the plain text itself, as a hand edit would write it
        (f"UPDATE case_party SET occupation = X'00{'教师'.encode().hex()}' WHERE case_id = 'case-0001' AND role = 'A'",
         "case_party.occupation [A]"),
    ]
    db = sqlite3.connect(db_path)
    envelope = db.execute("SELECT number FROM case_party WHERE case_id = 'case-0001' AND role = 'B'").fetchone()[0]
    db.close()
    flipped = envelope[:20] + bytes([envelope[20] ^ 1]) + envelope[21:]
    moves.append(
        (f"UPDATE case_party SET number = X'{flipped.hex()}' WHERE case_id = 'case-0001' AND role = 'B'",
         "case_party.number [B]")
    )
    for statement, field in moves:
        store.save_case(first)  # put it right (the digests say what changed: re-save all)
        tamper("UPDATE case_party SET row_digest = '' WHERE case_id = 'case-0001'")
        store.save_case(first)
        assert store.load_case("case-0001") == first
        tamper(statement)
        refused("case-0001", field)

    tamper("UPDATE counter_case SET title = (SELECT title FROM counter_case WHERE case_id = 'case-0002') "
           "WHERE case_id = 'case-0001'")
    with pytest.raises(SealedValueError, match=r"counter_case\.title of case case-0001"):
        store.list_cases()
    assert store.load_case("case-0002") == second  # the other case is untouched


def test_a_wrong_or_missing_key_is_a_coded_error_naming_the_key_store(
    db_path: Path, full_case: CaseFactory
) -> None:
    with LocalStore(f"sqlite:///{db_path}") as store:
        store.save_case(full_case())
    other = StoreProtection(MemoryKeyStore())
    with pytest.raises(WrongStoreKeyError) as caught:
        LocalStore(f"sqlite:///{db_path}", protection=other).open()
    error = caught.value
    assert error.code == "SEC-003" and error.exit_code == 3
    assert "The key store is wrong or missing" in str(error) and str(db_path) in str(error)
    assert "memory" in str(error)

    key = db_path.parent / "keys" / "local-store.key"
    saved = key.read_bytes()
    key.unlink()  # deleted: said so, and no new key made in its place
    with pytest.raises(WrongStoreKeyError, match="holds no key local-store"):
        LocalStore(f"sqlite:///{db_path}").open()
    assert not key.exists()
    key.write_bytes(os.urandom(16))
    key.chmod(0o600)
    with pytest.raises(KeyFileRefusedError, match="16 bytes instead of 32"):
        LocalStore(f"sqlite:///{db_path}").open()
    key.write_bytes(saved)
    if os.name != "nt":
        key.chmod(0o640)
        with pytest.raises(KeyFileRefusedError, match=r"mode 0640\); it must be 0600"):
            LocalStore(f"sqlite:///{db_path}").open()
        key.chmod(0o600)
    # the key put back: everything is there
    with LocalStore(f"sqlite:///{db_path}") as store:
        assert store.load_case(full_case().case_id) == full_case()


def test_the_cli_reports_a_wrong_key_store_with_its_code(db_path: Path, full_case: CaseFactory) -> None:
    with LocalStore(f"sqlite:///{db_path}") as store:
        store.save_case(full_case())
    key = db_path.parent / "keys" / "local-store.key"
    key.write_bytes(os.urandom(32))  # another key in the right place
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MARRIAGE_COUNTER_DATA_DIR": str(db_path.parent)}
    result = subprocess.run([sys.executable, "-m", "app", "sync", "status"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "[SEC-003]" in output and "key store is wrong or missing" in output
    assert "Traceback" not in output


def test_sync_status_works_on_an_encrypted_store(db_path: Path, full_case: CaseFactory) -> None:
    with LocalStore(f"sqlite:///{db_path}") as store:
        _queue_everything(store, _everything(full_case))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MARRIAGE_COUNTER_DATA_DIR": str(db_path.parent)}
    result = subprocess.run([sys.executable, "-m", "app", "sync", "status"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=1" in result.stdout and "pending=1" in result.stdout and NAME not in result.stdout


def test_unchanged_rows_are_not_resealed(store: LocalStore, db_path: Path, full_case: CaseFactory) -> None:
    case = _everything(full_case)
    store.save_case(case)
    db = sqlite3.connect(db_path)
    try:
        photo = db.execute("SELECT photo_png FROM case_party WHERE role = 'A'").fetchone()[0]
        title = db.execute("SELECT title FROM counter_case").fetchone()[0]
        store.save_case(dataclasses.replace(case, central_error=""))
        assert db.execute("SELECT photo_png FROM case_party WHERE role = 'A'").fetchone()[0] == photo
        assert db.execute("SELECT title FROM counter_case").fetchone()[0] != title  # the case row is written
    finally:
        db.close()


def test_encryption_off_keeps_plain_values_and_needs_no_key(db_path: Path, full_case: CaseFactory) -> None:
    plain = StoreProtection(None, encrypt=False)
    case = _everything(full_case)
    with LocalStore(f"sqlite:///{db_path}", protection=plain) as store:
        store.save_case(case)
        assert not store.encrypted and store.load_case(case.case_id) == case
    assert not (db_path.parent / "keys").exists()
    data = b"".join(_files_bytes(db_path.parent).values())
    assert NAME.encode() in data and NUMBER.encode() in data


def test_changing_the_setting_converts_the_store_both_ways(db_path: Path, full_case: CaseFactory) -> None:
    case = _everything(full_case)
    protection = StoreProtection(MemoryKeyStore())
    with LocalStore(f"sqlite:///{db_path}", protection=protection) as store:
        _queue_everything(store, case)
    with LocalStore(f"sqlite:///{db_path}", protection=StoreProtection(protection.key_store, encrypt=False)) as store:
        assert not store.encrypted and store.load_case(case.case_id) == case
        assert store.cases_of_person(case.parties[Role.A].identity.person_key) == [case.case_id]
    assert NAME.encode() in db_path.read_bytes()
    with LocalStore(f"sqlite:///{db_path}", protection=protection) as store:
        assert store.encrypted and store.load_case(case.case_id) == case
        assert [item.result for item in store.outbox_items() if item.result] == [
            {"code": "CEN-002", "params": {"person": f"{NAME}（1101**0001X）"}}
        ]
        assert store.cases_of_person(case.parties[Role.A].identity.person_key) == [case.case_id]
        store.save_case(case)  # digests emptied by the conversion: rewritten once
        assert store.load_case(case.case_id) == case
    for name, data in _files_bytes(db_path.parent).items():  # free pages and -wal scrubbed too
        assert NAME.encode() not in data and NUMBER.encode() not in data, name


def test_rewrapping_moves_the_data_key_to_another_key_store(db_path: Path, full_case: CaseFactory) -> None:
    case = full_case()
    old = StoreProtection(FileKeyStore(db_path.parent / "keys"))
    new = StoreProtection(MemoryKeyStore())
    with LocalStore(f"sqlite:///{db_path}", protection=old) as store:
        store.save_case(case)
        before = sqlite3.connect(db_path).execute("SELECT name, photo_png FROM case_party").fetchall()
        assert store.rewrap_data_key(new) == 1
        assert store.load_case(case.case_id) == case
    assert sqlite3.connect(db_path).execute("SELECT name, photo_png FROM case_party").fetchall() == before
    with pytest.raises(WrongStoreKeyError):
        LocalStore(f"sqlite:///{db_path}", protection=old).open()
    with LocalStore(f"sqlite:///{db_path}", protection=new) as store:
        assert store.load_case(case.case_id) == case


def test_cases_of_a_person_through_the_blind_index(store: LocalStore, db_path: Path, full_case: CaseFactory) -> None:
    first = full_case("case-0001")
    second = dataclasses.replace(full_case("case-0002"), registration_uuid=None)
    store.save_case(first)
    store.save_case(second)
    groom = first.parties[Role.A].identity
    assert store.cases_of_person(groom.person_key) == ["case-0001", "case-0002"]
    assert store.cases_of_person(groom.person_key.replace("X", "x")) == []  # keys are normalised by the domain
    assert store.cases_of_person("resident_id:CHN:110101199001010000") == []
    other_path = db_path.with_name("other.sqlite3")
    with LocalStore(f"sqlite:///{other_path}", protection=StoreProtection(MemoryKeyStore())) as other:
        other.save_case(first)
        mine = sqlite3.connect(db_path).execute("SELECT person_index FROM case_party").fetchall()
        theirs = sqlite3.connect(other_path).execute("SELECT person_index FROM case_party")
        assert not set(mine) & set(theirs.fetchall())  # keyed: no match across stores


def test_a_sealed_column_refuses_plain_values(store: LocalStore) -> None:
    engine = store._engine  # the guard sits below the repository: only SQL can reach it
    assert engine is not None
    with pytest.raises(StatementError, match="sealed envelopes only"), engine.begin() as conn:
        conn.execute(insert(LocalBase.metadata.tables["counter_case"]).values(
            case_id="x", business="marriage", office_code="1", counter_id="c", registrar="r",
            created_at=T0, updated_at=None, sort_key="s", device_mode="simulated", step="identify",
            status="open", voluntariness="not_asked", registration_uuid=None, central_error=b"\x00",
            title="张三 · 李四", details=b"\x00",
        ))


def test_form_signatures_are_bound_to_their_form(store: LocalStore, db_path: Path, full_case: CaseFactory) -> None:
    case = full_case()
    signatures = tuple(
        Signature(Role.A, f'[[{{"x": {n}}}]]', b"png" * n, "sha", T0, "pad", form=form)
        for n, form in enumerate((SignedForm.AGREEMENT, SignedForm.INTERVIEW), start=1)
    )
    case = dataclasses.replace(case, form_signatures=signatures)
    store.save_case(case)
    assert store.load_case(case.case_id) == case
    db = sqlite3.connect(db_path)
    try:
        with db:
            for old, new in (("divorce_agreement", "swap"), ("interview_record", "divorce_agreement"),
                             ("swap", "interview_record")):
                db.execute("UPDATE case_form_signature SET form = ? WHERE form = ?", (new, old))
    finally:
        db.close()
    with pytest.raises(SealedValueError, match=r"case_form_signature\.\w+ \[(divorce_agreement|interview_record)/A\]"):
        store.load_case(case.case_id)


def test_the_configured_store_uses_the_configured_key_store(tmp_path: Path, full_case: CaseFactory) -> None:
    import keyring
    from keyring.backends import fail

    from app.config import Config
    from app.security.errors import KeyStoreUnavailableError
    from tests.app.security.test_keys import MemoryKeyring

    config = Config.model_validate({"data_dir": tmp_path / "data", "security": {"key_dir": tmp_path / "vault"}})
    with LocalStore.from_config(config) as store:
        store.save_case(full_case())
        assert store.encrypted
    assert (tmp_path / "vault" / "local-store.key").is_file() and not (tmp_path / "data" / "keys").exists()

    keyring_config = Config.model_validate({"data_dir": tmp_path / "k", "security": {"key_store": "keyring"}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyring, "get_keyring", fail.Keyring)
        with pytest.raises(KeyStoreUnavailableError) as caught:
            LocalStore.from_config(keyring_config).open()
        assert caught.value.code == "SEC-001"
        assert not (tmp_path / "k" / "counter.sqlite3").exists() or not sqlite3.connect(
            tmp_path / "k" / "counter.sqlite3").execute("SELECT name FROM sqlite_master").fetchall()
        backend = MemoryKeyring()
        patch.setattr(keyring, "get_keyring", lambda: backend)
        with LocalStore.from_config(keyring_config) as store:
            store.save_case(full_case())
            assert store.encrypted and store.load_case(full_case().case_id) == full_case()
        assert len(backend.passwords) == 1

    plain_config = Config.model_validate({"data_dir": tmp_path / "p", "security": {"encrypt_local_store": False}})
    with LocalStore.from_config(plain_config) as store:
        store.save_case(full_case())
        assert not store.encrypted
