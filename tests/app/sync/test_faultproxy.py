"""The fault proxy itself, against the private PostgreSQL: each fault does what the chaos
test relies on (notes/central-store.md §3.2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from tests.faultproxy import FaultProxy
from tests.pg import PostgresServer


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    with postgres_server.admin_connection(name) as conn:
        conn.execute("CREATE TABLE t (n integer PRIMARY KEY)")
    yield name


@pytest.fixture
def proxy(postgres_server: PostgresServer) -> Iterator[FaultProxy]:
    with FaultProxy(postgres_server.port, lifetime_s=60, seed=1) as running:
        yield running


def _connect(proxy: FaultProxy, database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host="127.0.0.1", port=proxy.port, user="postgres", dbname=database,
                           sslmode="disable", connect_timeout=5)


def _rows(server: PostgresServer, database: str) -> list[object]:
    with server.admin_connection(database) as conn:
        return [row[0] for row in conn.execute("SELECT n FROM t ORDER BY n")]


def _insert_and_commit(proxy: FaultProxy, database: str, n: int) -> None:
    with _connect(proxy, database) as conn:
        conn.execute("INSERT INTO t VALUES (%s)", (n,))
        conn.commit()


def test_forwards_and_listens_on_loopback_only(proxy: FaultProxy, database: str,
                                               postgres_server: PostgresServer) -> None:
    assert proxy.address == ("127.0.0.1", proxy.port)
    _insert_and_commit(proxy, database, 1)
    assert _rows(postgres_server, database) == [1]
    assert proxy.stats["connections"] == 1


@pytest.mark.parametrize(
    ("fault", "committed"),
    [("cut_before_commit", False), ("cut_after_commit", True), ("drop_commit_reply", True)],
)
def test_commit_faults_leave_the_client_in_doubt(
    proxy: FaultProxy, database: str, postgres_server: PostgresServer, fault: str, committed: bool
) -> None:
    proxy.arm(fault)
    with pytest.raises(psycopg.OperationalError):
        _insert_and_commit(proxy, database, 7)
    time.sleep(0.1)  # the server notices the closed connection
    assert _rows(postgres_server, database) == ([7] if committed else [])
    assert proxy.stats[f"{fault}_fired"] == 1
    _insert_and_commit(proxy, database, 8)  # new connections work again
    assert 8 in _rows(postgres_server, database)


def test_reset_all_and_random_cut(proxy: FaultProxy, database: str) -> None:
    with _connect(proxy, database) as conn:
        conn.execute("SELECT 1")
        proxy.reset_all()
        time.sleep(0.05)
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    proxy.arm("random_cut")
    with pytest.raises(psycopg.OperationalError):
        _insert_and_commit(proxy, database, 3)
    assert proxy.stats["resets"] == 1 and proxy.stats["random_cut_fired"] == 1


def test_hang_is_bounded_then_resets_or_resumes(proxy: FaultProxy, database: str) -> None:
    with _connect(proxy, database) as conn:
        proxy.hang(0.4, then_reset=False)
        time.sleep(0.05)
        started = time.monotonic()
        conn.execute("SELECT 1")  # waits out the hang, then goes on
        assert 0.25 < time.monotonic() - started < 3
        proxy.hang(0.3)
        time.sleep(0.05)
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")


def test_latency_is_added_then_removed(proxy: FaultProxy, database: str) -> None:
    with _connect(proxy, database) as conn:
        proxy.set_latency(0.1)
        time.sleep(0.05)
        started = time.monotonic()
        conn.execute("SELECT 1")
        assert time.monotonic() - started >= 0.2  # one chunk each way
        proxy.calm()
        time.sleep(0.05)
        started = time.monotonic()
        conn.execute("SELECT 1")
        assert time.monotonic() - started < 0.1


def test_stops_by_itself_after_its_lifetime(postgres_server: PostgresServer) -> None:
    proxy = FaultProxy(postgres_server.port, lifetime_s=0.2)
    proxy.start()
    deadline = time.monotonic() + 5
    while any(t.name == "faultproxy" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.stats["lifetime_expired"] == 1
    proxy.stop()
