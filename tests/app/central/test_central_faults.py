"""Unreachable, slow and aborting central stores: short timeouts, a clear CEN-001, and a
bounded retry of transactions the server aborted (40001/40P01)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest
from app.errors import CentralUnavailableError
from app.store.engine import is_retryable, make_engine, retry_transaction
from tests.pg import PostgresServer

RequestFactory = Callable[..., MarriageRegistrationRequest]
KeyOf = Callable[[int], str]


def _db_error(error: Exception) -> OperationalError:
    return OperationalError("COMMIT", {}, error)


# -- the retry wrapper -----------------------------------------------------------------


def test_retry_reruns_serialization_failures_and_deadlocks_with_bounded_jittered_backoff() -> None:
    failures = [psycopg.errors.SerializationFailure("40001"), psycopg.errors.DeadlockDetected("40P01")]
    delays: list[float] = []
    calls = 0

    def unit() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise _db_error(failures.pop(0))
        return "done"

    assert retry_transaction(unit, attempts=3, base_delay_s=0.1, sleep=delays.append, jitter=lambda: 0.5) == "done"
    assert calls == 3
    assert delays == [0.05, 0.1]  # full jitter: uniform in [0, base * 2^n), here at its middle


def test_retry_gives_up_after_the_bound_and_never_retries_other_errors() -> None:
    calls = 0

    def always_aborted() -> None:
        nonlocal calls
        calls += 1
        raise _db_error(psycopg.errors.SerializationFailure("40001"))

    with pytest.raises(OperationalError):
        retry_transaction(always_aborted, attempts=4, sleep=lambda _s: None)
    assert calls == 4

    calls = 0

    def connection_lost() -> None:
        nonlocal calls
        calls += 1
        raise _db_error(psycopg.OperationalError("server closed the connection unexpectedly"))

    with pytest.raises(OperationalError):
        retry_transaction(connection_lost, sleep=lambda _s: None)
    assert calls == 1  # outcome unknown: the counter resends the UUID, not this loop
    assert not is_retryable(ValueError("x"))
    delays: list[float] = []
    with pytest.raises(OperationalError):
        retry_transaction(always_aborted, attempts=8, base_delay_s=0.1, max_delay_s=0.5, sleep=delays.append,
                          jitter=lambda: 0.999)
    assert max(delays) < 0.5


@pytest.fixture
def injected_aborts(postgres_url: str) -> Iterator[Callable[[int, str], None]]:
    """Makes the next `n` registration inserts fail with SQLSTATE `state`, like
    CockroachDB's inject_retry_errors_enabled (a sequence: not rolled back with them)."""
    with CentralStore(postgres_url):
        pass  # migrated
    engine = make_engine(postgres_url)

    def arm(n: int, state: str) -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SEQUENCE IF EXISTS injected_abort")
            conn.exec_driver_sql(f"CREATE SEQUENCE injected_abort MAXVALUE {n + 1_000_000}")
            conn.exec_driver_sql(
                f"""
                CREATE OR REPLACE FUNCTION inject_abort() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('injected_abort') <= {n} THEN
                        RAISE EXCEPTION 'injected for the test' USING ERRCODE = '{state}';
                    END IF;
                    RETURN NEW;
                END $$
                """
            )
            conn.exec_driver_sql(
                "CREATE OR REPLACE TRIGGER inject_abort BEFORE INSERT ON registration "
                "FOR EACH ROW EXECUTE FUNCTION inject_abort()"
            )

    try:
        yield arm
    finally:
        engine.dispose()


@pytest.mark.parametrize("state", ["40001", "40P01"])
def test_registration_survives_server_aborts(
    postgres_url: str, injected_aborts: Callable[[int, str], None], request_for: RequestFactory, key_of: KeyOf,
    state: str,
) -> None:
    injected_aborts(2, state)
    with CentralStore(postgres_url) as central:
        ack = central.register_marriage(request_for(1, 2))
        assert ack.certificate_no == "J110101-2026-000001"  # the aborted attempts returned their serials
        assert central.marital_status_of(key_of(1)) == "married"


def test_registration_gives_up_after_the_retry_bound(
    postgres_url: str, injected_aborts: Callable[[int, str], None], request_for: RequestFactory
) -> None:
    injected_aborts(3, "40001")
    with CentralStore(postgres_url, retry_attempts=3) as central:
        with pytest.raises(CentralUnavailableError) as raised:
            central.register_marriage(request_for(1, 2))
        assert "SerializationFailure" in raised.value.message
        assert central.list_marriages() == []
        # The counter resends later: the same request then goes through.
        assert central.register_marriage(request_for(1, 2)).duplicate is False


# -- unreachable and slow servers -------------------------------------------------------


def test_connection_refused_is_central_unavailable(postgres_server: PostgresServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    started = time.monotonic()
    with pytest.raises(CentralUnavailableError) as raised:
        CentralStore(f"postgresql+psycopg://counter@127.0.0.1:{port}/central").open()
    assert raised.value.code == "CEN-001"
    assert time.monotonic() - started < 2


@pytest.mark.slow
def test_a_server_that_never_answers_times_out() -> None:
    """Notes §3.2 scenario E (blackhole): without connect_timeout the counter would hang."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(CentralUnavailableError) as raised:
            CentralStore(f"postgresql+psycopg://counter@127.0.0.1:{port}/central", connect_timeout_s=2).open()
        elapsed = time.monotonic() - started
    assert "timeout" in raised.value.message.lower()
    assert elapsed < 5


def test_statement_timeout_bounds_a_lookup_behind_a_lock(
    postgres_url: str, postgres_server: PostgresServer, key_of: KeyOf
) -> None:
    with CentralStore(postgres_url, statement_timeout_ms=300) as central:
        assert central.marital_status_of(key_of(1)) == "unmarried"
        database = postgres_url.rpartition("/")[2]
        with postgres_server.admin_connection(database) as blocker:
            blocker.execute("BEGIN")
            blocker.execute("LOCK TABLE marriage_party IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(CentralUnavailableError) as raised:
                central.marital_status_of(key_of(1))
            elapsed = time.monotonic() - started
            blocker.execute("ROLLBACK")
        assert "statement timeout" in raised.value.message
        assert elapsed < 3
        assert central.marital_status_of(key_of(1)) == "unmarried"


def test_server_side_limits_are_set_and_the_url_may_override_them(postgres_url: str) -> None:
    def settings(url: str) -> tuple[str, str]:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                return (
                    str(conn.exec_driver_sql("SHOW statement_timeout").scalar()),
                    str(conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar()),
                )
        finally:
            engine.dispose()

    assert settings(postgres_url) == ("10s", "10s")
    assert settings(f"{postgres_url}?options=-c%20statement_timeout%3D2500") == ("2500ms", "10s")
    migrations = make_engine(postgres_url, statement_timeout_ms=None)
    try:
        with migrations.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
    finally:
        migrations.dispose()


def test_a_killed_connection_is_replaced_transparently(
    postgres_url: str, postgres_server: PostgresServer, request_for: RequestFactory
) -> None:
    with CentralStore(postgres_url) as central:
        central.register_marriage(request_for(1, 2))
        database = postgres_url.rpartition("/")[2]
        with postgres_server.admin_connection() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        # The pooled connection is dead; pre-ping notices and reconnects.
        assert len(central.list_marriages()) == 1
