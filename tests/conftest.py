"""Shared fixtures. Qt must run offscreen, set before any QApplication exists."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MARRIAGE_COUNTER_LOG_LEVEL", "WARNING")

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _qthreads_running() -> list[str]:
    try:
        from PySide6.QtCore import QThread
    except ImportError:  # pragma: no cover
        return []
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return []
    return [t.objectName() or repr(t) for t in app.findChildren(QThread) if t.isRunning()]


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fails any test that leaves a Python thread or a QThread running (architecture §7)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    leaked: list[str] = []
    while time.monotonic() < deadline:
        leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
        leaked += _qthreads_running()
        if not leaked:
            return
        time.sleep(0.02)
    pytest.fail(f"test left threads running: {leaked}")


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One private PostgreSQL server for the session (tests/pg.py)."""
    from tests.pg import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: object) -> str:
    """A fresh database on the private server, as an SQLAlchemy URL."""
    from tests.pg import PostgresServer

    assert isinstance(postgres_server, PostgresServer)
    return postgres_server.url(postgres_server.create_database())
