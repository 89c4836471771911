"""The central registry: certificate numbers, idempotent resends, the one-marriage rule.

Tests taking `central` / `central_url` run on SQLite and on PostgreSQL (conftest)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.central.models import CentralBase
from app.central.store import (
    MIGRATIONS_DIR,
    CentralStore,
    active_marriage_query,
    open_application_query,
    past_marriage_query,
    schema_head,
)
from app.central.types import (
    CERTIFICATE_NO_PATTERN,
    ActiveMarriage,
    CentralMode,
    MarriageRegistrationRequest,
    RegistrationParty,
    format_certificate_no,
)
from app.domain.case import DeviceMode, Role
from app.errors import (
    CentralUnavailableError,
    PartyAlreadyMarriedError,
    PayloadConflictError,
    SimulatedDevicesRefusedError,
)
from app.store.engine import make_engine, run_migrations
from tests.app.central.helpers import new_uuid

RequestFactory = Callable[..., MarriageRegistrationRequest]
KeyOf = Callable[[int], str]


def _db_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def test_certificate_numbers_count_per_office_and_year(central: CentralStore, request_for: RequestFactory) -> None:
    first = central.register_marriage(request_for(1, 2))
    second = central.register_marriage(request_for(3, 4))
    other_office = central.register_marriage(request_for(5, 6, office_code="110102"))
    next_year = central.register_marriage(request_for(7, 8, registered_on=date(2027, 1, 4)))
    third = central.register_marriage(request_for(9, 10))

    assert first.certificate_no == "J110101-2026-000001"
    assert second.certificate_no == "J110101-2026-000002"
    assert other_office.certificate_no == "J110102-2026-000001"
    assert next_year.certificate_no == "J110101-2027-000001"
    assert third.certificate_no == "J110101-2026-000003"
    for ack in (first, second, other_office, next_year, third):
        assert CERTIFICATE_NO_PATTERN.match(ack.certificate_no)
        assert ack.duplicate is False
        assert ack.registered_at.tzinfo is UTC
    assert first.registered_on == date(2026, 5, 20)
    assert len(central.list_marriages()) == 5


def test_format_certificate_no() -> None:
    assert format_certificate_no("BL", "440305", 2026, 42) == "BL440305-2026-000042"
    with pytest.raises(ValueError):
        format_certificate_no("J", "1101", 2026, 1)
    with pytest.raises(ValueError):
        format_certificate_no("J", "110101", 2026, 1_000_000)


def test_resend_after_lost_reply_returns_the_original_ack(
    central_url: str, request_for: RequestFactory, key_of: KeyOf
) -> None:
    times = iter([datetime(2026, 5, 20, 9, 0, tzinfo=timezone(timedelta(hours=8))), datetime.now(UTC)])
    with CentralStore(central_url, clock=lambda: next(times)) as central:
        request = request_for(1, 2)
        original = central.register_marriage(request)
        resent = central.register_marriage(request)

        assert original.registered_at == datetime(2026, 5, 20, 1, 0, tzinfo=UTC)
        assert original.registered_at.tzinfo is UTC
        assert resent == dataclasses.replace(original, duplicate=True)
        assert resent.registered_at.tzinfo is UTC
        assert len(central.list_marriages()) == 1
        # The couple's own marriage does not make the resend "already married".
        assert central.active_marriage_of(key_of(1)) == ActiveMarriage(
            original.certificate_no, date(2026, 5, 20), "110101"
        )


def test_same_uuid_with_other_content_is_a_payload_conflict(
    central: CentralStore, request_for: RequestFactory, key_of: KeyOf
) -> None:
    request = request_for(1, 2)
    original = central.register_marriage(request)
    changed = request_for(1, 3, reg_uuid=request.reg_uuid)
    with pytest.raises(PayloadConflictError) as raised:
        central.register_marriage(changed)
    assert request.reg_uuid in raised.value.message
    assert central.active_marriage_of(key_of(3)) is None
    [marriage] = central.list_marriages()
    assert marriage.certificate_no == original.certificate_no


def test_a_person_in_an_active_marriage_cannot_marry_again(
    central: CentralStore, request_for: RequestFactory, key_of: KeyOf
) -> None:
    central.register_marriage(request_for(1, 2))
    for a, b, blocked in ((3, 2, 2), (1, 4, 1)):
        with pytest.raises(PartyAlreadyMarriedError) as raised:
            central.register_marriage(request_for(a, b))
        message = raised.value.message
        key_number = key_of(blocked).rpartition(":")[2]
        assert key_number not in message  # only the masked number is shown
        assert key_number[:4] in message and key_number[-4:] in message
        assert (f"甲{blocked}" if blocked == a else f"乙{blocked}") in message
    # Refused attempts wrote nothing and used no certificate serial.
    assert central.register_marriage(request_for(3, 4)).certificate_no == "J110101-2026-000002"
    assert len(central.list_marriages()) == 2


def test_nobody_marries_themselves(central: CentralStore, request_for: RequestFactory) -> None:
    with pytest.raises(PartyAlreadyMarriedError):
        central.register_marriage(request_for(1, 1))
    assert central.list_marriages() == []


def test_remarriage_after_the_marriage_ends(
    central: CentralStore, request_for: RequestFactory, key_of: KeyOf
) -> None:
    first = central.register_marriage(request_for(1, 2))
    app_uuid = new_uuid()
    central.accept_divorce_application(
        app_uuid, first.certificate_no, "110101", date(2026, 6, 1), counter_id="counter-01", device_mode="real"
    )
    central.complete_divorce(
        app_uuid, "110101", new_uuid(), date(2026, 7, 15), counter_id="counter-01", device_mode="real"
    )
    assert central.active_marriage_of(key_of(1)) is None
    second = central.register_marriage(request_for(1, 3))
    assert second.certificate_no != first.certificate_no
    active = central.active_marriage_of(key_of(1))
    assert active is not None and active.certificate_no == second.certificate_no


def _default_mode(url: str) -> CentralMode:
    # Migration 0001: an embedded SQLite registry is for demo and QA, a server is production.
    return CentralMode.TEST if url.startswith("sqlite") else CentralMode.PRODUCTION


def test_production_registry_refuses_simulated_devices(
    central: CentralStore, central_url: str, request_for: RequestFactory
) -> None:
    assert central.mode() is _default_mode(central_url)
    simulated = request_for(1, 2, device_mode=DeviceMode.SIMULATED)
    central.set_mode(CentralMode.PRODUCTION)
    assert central.mode() is CentralMode.PRODUCTION
    with pytest.raises(SimulatedDevicesRefusedError):
        central.register_marriage(simulated)
    assert central.list_marriages() == []
    assert central.register_marriage(request_for(3, 4)).certificate_no == "J110101-2026-000001"

    # Nothing was written for the refused request: in test mode it registers afresh.
    central.set_mode("test")
    ack = central.register_marriage(simulated)
    assert ack.duplicate is False and ack.certificate_no == "J110101-2026-000002"


def test_mode_persists_and_defaults_by_backend(central_url: str) -> None:
    with CentralStore(central_url) as central:
        assert central.mode() is _default_mode(central_url)
        central.set_mode(CentralMode.PRODUCTION)
    with CentralStore(central_url) as central:
        assert central.mode() is CentralMode.PRODUCTION
        central.set_mode(CentralMode.TEST)
    with CentralStore(central_url) as central:
        assert central.mode() is CentralMode.TEST
    with pytest.raises(ValueError):
        CentralMode("staging")


def test_active_marriage_of_unknown_person_is_none(central: CentralStore, key_of: KeyOf) -> None:
    assert central.active_marriage_of(key_of(99)) is None


def test_list_marriages_shows_both_parties(central: CentralStore, request_for: RequestFactory, key_of: KeyOf) -> None:
    request = request_for(1, 2)
    ack = central.register_marriage(request)
    [marriage] = central.list_marriages()
    assert marriage.reg_uuid == request.reg_uuid
    assert marriage.certificate_no == ack.certificate_no
    assert marriage.status == "active"
    assert [(p.role, p.person_key, p.name, p.active) for p in marriage.parties] == [
        (Role.A, key_of(1), "甲1", True),
        (Role.B, key_of(2), "乙2", True),
    ]


def test_schema_matches_models_and_has_the_partial_indexes(central_url: str) -> None:
    engine = make_engine(central_url)
    try:
        run_migrations(engine, MIGRATIONS_DIR)
        run_migrations(engine, MIGRATIONS_DIR)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": "central_alembic_version"}
            )
            assert compare_metadata(context, CentralBase.metadata) == []
            version = conn.exec_driver_sql("SELECT version_num FROM central_alembic_version").scalar()
            assert version == schema_head() == "0005"
            if conn.dialect.name == "sqlite":
                query = "SELECT sql FROM sqlite_master WHERE name = ?"
            else:
                query = "SELECT indexdef FROM pg_indexes WHERE indexname = %s"
            definitions = {
                name: str(conn.exec_driver_sql(query, (name,)).scalar())
                for name in (
                    "uq_one_active_marriage_per_person",
                    "ix_marriage_party_person_key_inactive",
                    "uq_one_open_divorce_application_per_marriage",
                )
            }
    finally:
        engine.dispose()
    active, past, open_application = definitions.values()
    assert "UNIQUE INDEX" in active and active.rstrip().endswith(("WHERE active", "WHERE active"))
    assert "UNIQUE" not in past and past.replace("(", "").replace(")", "").rstrip().endswith("WHERE NOT active")
    assert "UNIQUE INDEX" in open_application
    assert "marriage_id" in open_application and "'pending'" in open_application


@pytest.mark.parametrize(
    "make_bad_path",
    [
        pytest.param(lambda tmp: tmp / "dir-in-place-of-file", id="directory"),
        pytest.param(lambda tmp: tmp / "a-file" / "central.sqlite", id="parent-is-a-file"),
    ],
)
def test_unreachable_store_raises_central_unavailable(tmp_path: Path, make_bad_path: Callable[[Path], Path]) -> None:
    (tmp_path / "dir-in-place-of-file").mkdir()
    (tmp_path / "a-file").write_text("x")
    path = make_bad_path(tmp_path)
    with pytest.raises(CentralUnavailableError) as raised:
        CentralStore(f"sqlite:///{path}").open()
    assert raised.value.code == "CEN-001"


def test_locked_store_raises_central_unavailable(sqlite_central_url: str, request_for: RequestFactory) -> None:
    with CentralStore(sqlite_central_url, busy_timeout_ms=200) as central:
        blocker = sqlite3.connect(_db_file(sqlite_central_url), isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(CentralUnavailableError) as raised:
                central.register_marriage(request_for(1, 2))
            assert "locked" in raised.value.message
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()
        # The outcome was unknown to the counter; the resend of the same request works.
        assert central.register_marriage(request_for(1, 2)).duplicate is False


def test_store_file_gone_raises_central_unavailable(sqlite_central_url: str, request_for: RequestFactory) -> None:
    central = CentralStore(sqlite_central_url)
    central.open()
    central.register_marriage(request_for(1, 2))
    central.close()
    db = _db_file(sqlite_central_url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.mkdir()  # the file is gone and nothing can be created in its place
    with pytest.raises(CentralUnavailableError):
        central.open()


def test_requests_are_validated(request_for: RequestFactory, key_of: KeyOf) -> None:
    good = request_for(1, 2)
    with pytest.raises(ValueError, match="UUID"):
        dataclasses.replace(good, reg_uuid="not-a-uuid")
    with pytest.raises(ValueError, match="office_code"):
        dataclasses.replace(good, office_code="11010")
    with pytest.raises(ValueError, match="device_mode"):
        dataclasses.replace(good, device_mode="emulated")
    with pytest.raises(ValueError, match="payload_sha256"):
        dataclasses.replace(good, payload_sha256="abc")
    party_a = good.parties[0]
    with pytest.raises(ValueError, match="role A"):
        dataclasses.replace(good, parties=(party_a, party_a))
    # The hash covers the content: a changed party changes it.
    other = MarriageRegistrationRequest.create(
        reg_uuid=good.reg_uuid,
        office_code=good.office_code,
        counter_id=good.counter_id,
        registered_on=good.registered_on,
        device_mode=good.device_mode,
        parties=(party_a, RegistrationParty(Role.B, key_of(3), "乙3")),
    )
    assert other.payload_sha256 != good.payload_sha256
    assert request_for(1, 2, reg_uuid=good.reg_uuid).payload_sha256 == good.payload_sha256


def test_using_a_closed_store_is_a_programming_error(sqlite_central_url: str) -> None:
    with pytest.raises(RuntimeError):
        CentralStore(sqlite_central_url).list_marriages()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        pytest.param(active_marriage_query("resident_id:CHN:1"), "uq_one_active_marriage_per_person", id="active"),
        pytest.param(past_marriage_query("resident_id:CHN:1"), "ix_marriage_party_person_key_inactive", id="past"),
        pytest.param(
            open_application_query("J110101-2026-000001"), "uq_one_open_divorce_application_per_marriage", id="open"
        ),
    ],
)
def test_status_lookups_use_their_partial_index(central_url: str, query: object, index: str) -> None:
    engine = make_engine(central_url)
    try:
        run_migrations(engine, MIGRATIONS_DIR)
        with engine.connect() as conn:
            compiled = query.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
            if conn.dialect.name == "sqlite":
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
            else:
                # Empty tables: make a sequential scan look expensive, as it is at national scale.
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
            details = " | ".join(str(step[-1]) for step in plan.fetchall())
    finally:
        engine.dispose()
    assert f"INDEX {index}" in details or f"using {index}" in details or f"on {index}" in details, details


def test_plain_tuple_parties_and_a_resend_on_a_later_day(central: CentralStore, key_of: KeyOf) -> None:
    parties = (("A", key_of(1), "甲1"), ("B", key_of(2), "乙2"))
    request = MarriageRegistrationRequest.create(
        reg_uuid="0b6e1c9a-4f55-4a39-8a0e-6d1f2b3c4d5e",
        office_code="110101",
        counter_id="counter-01",
        registered_on=date(2026, 5, 20),
        device_mode="real",
        parties=parties,
    )
    original = central.register_marriage(request)
    # The network was down overnight: the counter resends the next day.
    next_day = dataclasses.replace(request, registered_on=date(2026, 5, 21))
    assert next_day.payload_sha256 == request.payload_sha256
    resent = central.register_marriage(next_day)
    assert resent == dataclasses.replace(original, duplicate=True)
    assert resent.registered_on == date(2026, 5, 20)


def test_a_schema_newer_than_the_counter_is_used_as_it_is(central_url: str, request_for: RequestFactory) -> None:
    """IT migrated before every counter was upgraded: revisions only add, so carry on."""
    with CentralStore(central_url) as central:
        central.register_marriage(request_for(1, 2))
    engine = make_engine(central_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE central_alembic_version SET version_num = '9999'")
    finally:
        engine.dispose()
    with CentralStore(central_url) as central:
        assert len(central.list_marriages()) == 1
        assert central.register_marriage(request_for(3, 4)).duplicate is False
