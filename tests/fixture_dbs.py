"""The fixture databases of released schemas (tests/fixtures/db, scripts/make_fixture_dbs.py)
and helpers for the upgrade tests of the local and the central store."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.operations import Operations

from app.security.keys import MemoryKeyStore
from app.store.protection import KEK_NAME, StoreProtection
from tests.counter_fixtures import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "db"


def fixture_copy(tmp_path: Path, store: str, revision: str) -> Path:
    target = tmp_path / "data" / f"{store}-{revision}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"{store}-{revision}.sqlite3", target)
    return target


def dump(path: Path) -> list[str]:
    """Schema and rows, for comparing a database before and after."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def raw(path: Path, query: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        has = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        table = query.split(" FROM ")[1].split()[0]
        return connection.execute(query).fetchall() if table in has else []
    finally:
        connection.close()


def fail_when_creating(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration step that raises after it has created `table`."""
    create_table = Operations.create_table

    def failing(self: Operations, name: str, *columns: Any, **kw: Any) -> Any:
        result = create_table(self, name, *columns, **kw)
        if name == table:
            raise RuntimeError(f"simulated failure after creating {table}")
        return result

    monkeypatch.setattr(Operations, "create_table", failing)


# The key-encryption key of the local fixtures from 0004 on (encrypted at rest): fixed and
# public, so the tests can open them. A counter's own key is random (app.security.keys).
LOCAL_FIXTURE_KEK = hashlib.sha256(b"marriage-counter test fixtures: local store key-encryption key").digest()


def local_fixture_protection() -> StoreProtection:
    return StoreProtection(MemoryKeyStore({KEK_NAME: LOCAL_FIXTURE_KEK}))
