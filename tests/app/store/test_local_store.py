"""The counter's local store: exact round trips, overwrites, the queue, failures."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event

from app.domain.case import CaseStatus, MarriageCase, MarriageStep, Role
from app.errors import LocalStoreError
from app.store.engine import make_engine, run_migrations
from app.store.local import MIGRATIONS_DIR, CaseSummary, LocalStore
from app.store.models import LocalBase

CaseFactory = Callable[..., MarriageCase]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "counter.sqlite"


@pytest.fixture
def store(db_path: Path) -> Iterator[LocalStore]:
    with LocalStore(f"sqlite:///{db_path}") as opened:
        yield opened


def test_full_case_round_trips_exactly(store: LocalStore, full_case: CaseFactory) -> None:
    case = full_case()
    store.save_case(case)
    loaded = store.load_case(case.case_id)

    assert loaded == case
    assert loaded is not None
    # Equality of aware datetimes ignores the offset; the offset must survive too.
    assert loaded.parties[Role.A].read_at.utcoffset() == timedelta(hours=8)
    assert loaded.created_at.utcoffset() == timedelta(hours=8)
    assert loaded.registration is not None
    assert loaded.registration.registered_at.utcoffset() == timedelta(0)
    assert list(loaded.parties) == [Role.A, Role.B]
    assert [d.document_id for d in loaded.documents] == ["doc-0", "doc-1", "doc-2"]
    assert isinstance(loaded.step, MarriageStep)
    assert loaded.parties[Role.B].central_active_marriage is None
    assert loaded.parties[Role.A].central_active_marriage == ""


def test_minimal_case_round_trips(store: LocalStore, full_case: CaseFactory) -> None:
    case = dataclasses.replace(
        full_case("bare"),
        parties={},
        documents=(),
        signatures={},
        rule_outcomes=(),
        registration=None,
        registration_uuid=None,
        printed_forms=(),
        updated_at=None,
        central_error="",
    )
    store.save_case(case)
    assert store.load_case("bare") == case


def test_unknown_case_is_none(store: LocalStore) -> None:
    assert store.load_case("nope") is None
    assert store.latest_open_case() is None
    assert store.list_cases() == []


def test_second_save_overwrites_everything(store: LocalStore, full_case: CaseFactory) -> None:
    first = full_case()
    store.save_case(first)
    party_b = first.parties[Role.B]
    second = dataclasses.replace(
        first,
        step=MarriageStep.DONE,
        status=CaseStatus.ISSUED,
        parties={
            Role.A: first.parties[Role.A],
            Role.B: dataclasses.replace(party_b, photo_png=None, occupation="医生"),
        },
        documents=(first.documents[2], dataclasses.replace(first.documents[0], document_class="other")),
        signatures={Role.A: first.signatures[Role.A]},
        rule_outcomes=first.rule_outcomes[:2],
        registration=None,
        printed_forms=("registration_form",),
        central_error="",
        updated_at=first.updated_at + timedelta(minutes=5) if first.updated_at else None,
    )
    store.save_case(second)
    assert store.load_case(first.case_id) == second
    store.save_case(first)
    assert store.load_case(first.case_id) == first


def test_unchanged_blobs_are_not_rewritten(store: LocalStore, full_case: CaseFactory) -> None:
    case = full_case()
    store.save_case(case)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split("(")[0].strip())

    engine = store._engine  # the statement log is the only way to see what was written
    assert engine is not None
    event.listen(engine, "before_cursor_execute", record)
    try:
        store.save_case(dataclasses.replace(case, step=MarriageStep.DONE))
    finally:
        event.remove(engine, "before_cursor_execute", record)

    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(writes) == 1 and writes[0].startswith("UPDATE counter_case"), writes


def test_list_cases_newest_first_and_open_filter(store: LocalStore, full_case: CaseFactory) -> None:
    base = full_case()
    assert base.updated_at is not None
    older_open = dataclasses.replace(
        full_case("c-old"),
        status=CaseStatus.OPEN,
        registration=None,
        registration_uuid=None,
        updated_at=base.updated_at - timedelta(minutes=10),  # still after created_at
    )
    newer_issued = dataclasses.replace(
        full_case("c-issued"),
        status=CaseStatus.ISSUED,
        registration_uuid="other-uuid",
        updated_at=base.updated_at + timedelta(hours=1),
    )
    waiting = dataclasses.replace(
        full_case("c-wait"),
        status=CaseStatus.WAITING_CENTRAL,
        registration=None,
        registration_uuid="wait-uuid",
        central_error="中心库无法连接",
        parties={},
        updated_at=None,  # never updated: sorts by created_at
    )
    for case in (older_open, newer_issued, waiting):
        store.save_case(case)

    summaries = store.list_cases()
    assert [s.case_id for s in summaries] == ["c-issued", "c-old", "c-wait"]
    issued = summaries[0]
    assert issued == CaseSummary(
        case_id="c-issued",
        title="张三 · 李四",
        step=MarriageStep.ISSUE,
        status=CaseStatus.ISSUED,
        certificate_no="J110105-2026-000042",
        updated_at=newer_issued.updated_at or newer_issued.created_at,
        central_error="上次提交超时",
        business=newer_issued.business,
    )
    assert summaries[2].title == "新案件"
    assert summaries[2].updated_at == waiting.created_at
    assert summaries[2].central_error == "中心库无法连接"
    assert summaries[1].certificate_no is None

    assert [s.case_id for s in store.list_cases(include_closed=False)] == ["c-old", "c-wait"]
    assert store.latest_open_case() == older_open


def test_data_survives_reopen(db_path: Path, full_case: CaseFactory) -> None:
    case = full_case()
    with LocalStore(f"sqlite:///{db_path}") as first:
        first.save_case(case)
    with LocalStore(f"sqlite:///{db_path}") as second:
        assert second.load_case(case.case_id) == case


def test_connections_use_wal_full_sync_and_foreign_keys(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def test_migrations_match_the_models(db_path: Path) -> None:
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        run_migrations(engine, MIGRATIONS_DIR)
        run_migrations(engine, MIGRATIONS_DIR)  # a second open finds nothing to do
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, LocalBase.metadata) == []
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0004"
    finally:
        engine.dispose()


def test_backup_is_a_verified_standalone_copy(store: LocalStore, full_case: CaseFactory, tmp_path: Path) -> None:
    case = full_case()
    store.save_case(case)
    target = store.backup(tmp_path / "backups" / "counter-backup.sqlite")

    assert target.exists()
    assert not Path(f"{target}-wal").exists()
    assert not target.with_name(target.name + ".partial").exists()
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("SELECT count(*) FROM case_document").fetchone() == (3,)
    finally:
        copy.close()
    # The copy is encrypted like the store: it opens with the store's key store only.
    with LocalStore(f"sqlite:///{target}", protection=store.protection) as restored:
        assert restored.load_case(case.case_id) == case

    # A second backup over the first replaces it.
    store.save_case(dataclasses.replace(case, case_id="case-0002", registration_uuid=None))
    store.backup(target)
    with LocalStore(f"sqlite:///{target}", protection=store.protection) as restored:
        assert {s.case_id for s in restored.list_cases()} == {"case-0001", "case-0002"}


def test_garbage_file_raises_local_store_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"this is not a database, just some bytes " * 100)
    with pytest.raises(LocalStoreError) as raised:
        LocalStore(f"sqlite:///{path}").open()
    assert raised.value.code == "LOC-001"
    assert "not a database" in raised.value.message


def test_directory_in_place_of_file_raises_local_store_error(tmp_path: Path) -> None:
    (tmp_path / "counter.sqlite").mkdir()
    with pytest.raises(LocalStoreError):
        LocalStore(f"sqlite:///{tmp_path / 'counter.sqlite'}").open()


def test_parent_that_is_a_file_raises_local_store_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(LocalStoreError):
        LocalStore(f"sqlite:///{tmp_path / 'blocker' / 'counter.sqlite'}").open()


def test_lock_held_longer_than_busy_timeout_raises(db_path: Path, full_case: CaseFactory) -> None:
    with LocalStore(f"sqlite:///{db_path}", busy_timeout_ms=200) as store:
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(LocalStoreError) as raised:
                store.save_case(full_case())
            assert "locked" in raised.value.message
            other.execute("ROLLBACK")
        finally:
            other.close()
        # The failed save left nothing behind and the store still works.
        assert store.load_case("case-0001") is None
        store.save_case(full_case())
        assert store.load_case("case-0001") == full_case()


def test_error_detail_carries_no_personal_data(db_path: Path, full_case: CaseFactory) -> None:
    with LocalStore(f"sqlite:///{db_path}") as store:
        store.save_case(full_case("a"))
        # Same registration UUID on another case violates the UNIQUE constraint.
        with pytest.raises(LocalStoreError) as raised:
            store.save_case(full_case("b"))
    message = raised.value.message
    assert "UNIQUE" in message
    assert "张三" not in message and "11010519900307001X" not in message


def test_using_a_closed_store_is_a_programming_error(db_path: Path) -> None:
    store = LocalStore(f"sqlite:///{db_path}")
    with pytest.raises(RuntimeError):
        store.list_cases()


def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    with LocalStore(f"sqlite:///{db_path}"):
        pass
    db = sqlite3.connect(db_path)
    try:
        with db:
            db.execute("UPDATE alembic_version SET version_num = '0099'")
    finally:
        db.close()
    with pytest.raises(LocalStoreError) as raised:
        LocalStore(f"sqlite:///{db_path}").open()
    assert "0099" in raised.value.message
