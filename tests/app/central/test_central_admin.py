"""`central init` / `central migrate` and least privilege: the counter role can do what a
counter does (checked by running the real CentralStore paths connected as that role)
and nothing else."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from datetime import date

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert

from app.central.admin import COUNTER_GRANTS, CentralAdminError, init_central, migrate_central, scram_sha256_verifier
from app.central.models import CentralBase, MarriagePartyRow, MarriageRow
from app.central.store import MIGRATIONS_DIR, CentralStore
from app.central.types import MarriageRegistrationRequest
from app.errors import CentralUnavailableError, PartyAlreadyMarriedError, PayloadConflictError
from app.store.engine import make_engine
from tests.app.archive.helpers import make_signer, signed_batch, signed_supplement
from tests.app.central.helpers import archive_file, make_reissue, new_uuid
from tests.pg import PostgresServer

RequestFactory = Callable[..., MarriageRegistrationRequest]
KeyOf = Callable[[int], str]

_roles = itertools.count(1)
COUNTER = {"counter_id": "counter-01", "device_mode": "real"}


def _database(url: str) -> str:
    return url.rpartition("/")[2]


@pytest.fixture
def counter_role() -> str:
    # Roles are cluster-wide and the server is shared by the session: one name per test.
    return f"mc_counter_t{next(_roles)}"


def _as_role(server: PostgresServer, url: str, role: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=role, dbname=_database(url), autocommit=True)


def test_every_table_has_a_counter_grant_decision() -> None:
    assert set(COUNTER_GRANTS) == set(CentralBase.metadata.tables) | {"central_alembic_version"}
    assert COUNTER_GRANTS["registration"] == ("SELECT", "INSERT")
    assert not any("data" in privilege for privilege in COUNTER_GRANTS["archive_file"])


def test_init_on_sqlite_migrates_and_says_roles_do_not_apply(sqlite_central_url: str) -> None:
    lines = init_central(sqlite_central_url, counter_password="ignored")
    assert lines[0].startswith("central schema at revision 0005")
    assert any("roles do not apply" in line for line in lines)
    assert migrate_central(sqlite_central_url)[0].startswith("central schema at revision 0005")
    with CentralStore(sqlite_central_url) as central:
        assert central.list_marriages() == []


def test_counter_role_runs_every_counter_path(
    postgres_server: PostgresServer, postgres_url: str, counter_role: str, request_for: RequestFactory, key_of: KeyOf
) -> None:
    lines = init_central(postgres_url, counter_role=counter_role, counter_password="s3cret-for-counters")
    assert f"counter role {counter_role}: created (LOGIN)" in lines
    assert any("password set" in line for line in lines)
    assert any(line.startswith("admin role postgres") for line in lines)

    counter_url = postgres_server.url(_database(postgres_url), user=counter_role)
    with CentralStore(counter_url) as central:
        assert central.mode().value == "production"
        request = request_for(1, 2)
        ack = central.register_marriage(request)
        assert central.register_marriage(request).duplicate is True
        with pytest.raises(PartyAlreadyMarriedError):
            central.register_marriage(request_for(1, 3))
        assert central.active_marriage_of(key_of(1)) is not None
        assert central.marital_status_of(key_of(2)) == "married"
        app_uuid = new_uuid()
        central.accept_divorce_application(app_uuid, ack.certificate_no, "110101", date(2026, 6, 1), **COUNTER)
        assert central.open_divorce_application(ack.certificate_no) is not None
        reissued = central.reissue_certificate(make_reissue(ack.certificate_no, 1))
        assert central.reissue_certificate(make_reissue(ack.certificate_no, 1, reissue_uuid=reissued.reissue_uuid))
        detail = central.divorce_application(app_uuid)
        assert detail is not None and central.divorce_application_by_receipt(detail.receipt_no) == detail
        queue = central.divorce_applications_of_office("110101", since=date(2026, 1, 1))
        assert [d.record.app_uuid for d in queue] == [app_uuid]
        divorce = central.complete_divorce(app_uuid, "110101", new_uuid(), date(2026, 7, 15), **COUNTER)
        assert central.marital_status_of(key_of(1)) == "divorced"
        record = central.record_by_certificate(divorce.certificate_no)
        assert record is not None and record.certificate_no == ack.certificate_no
        assert record.certificate_void_note and central.record_by_certificate(reissued.certificate_no) == record
        assert central.reissue_certificate(make_reissue(divorce.certificate_no, 2)).certificate_no.startswith("BL")
        assert [r.certificate_no for r in central.marriage_records_of(key_of(1))] == [ack.certificate_no]
        remarriage = central.register_marriage(request_for(1, 3))
        withdrawn_uuid = new_uuid()
        central.accept_divorce_application(
            withdrawn_uuid, remarriage.certificate_no, "110101", date(2026, 8, 3), **COUNTER
        )
        withdrawal_uuid = new_uuid()
        for _ in range(2):
            central.withdraw_divorce_application(
                withdrawn_uuid, "110101", date(2026, 8, 4), withdrawal_uuid=withdrawal_uuid, **COUNTER
            )
        signer = make_signer()
        # The counter registers its own key (idempotent) and sends signed packages.
        for _ in range(2):
            central.register_counter_key(signer.counter_id, signer.office_code, signer.public_key_pem)
        form = signed_batch(withdrawal_uuid, {"withdrawal.pdf": b"form"}, signer)
        assert central.store_archive_files(withdrawal_uuid, "110101", form) == {n: d for n, d, _ in form}
        photo = signed_batch(request.reg_uuid, {"photo.jpg": b"jpeg" * 100}, signer)
        assert central.store_archive_files(request.reg_uuid, "110101", photo) == {n: d for n, d, _ in photo}
        assert central.store_archive_files(request.reg_uuid, "110101", photo) == {n: d for n, d, _ in photo}
        with pytest.raises(PayloadConflictError):
            central.store_archive_files(request.reg_uuid, "110101", [archive_file("photo.jpg", b"other")])
        # A voided blank's supplement, checked without reading stored contents back.
        supplement = signed_supplement(request.reg_uuid, 1, {"voided-blank.json": b"{}"}, signer)
        assert set(central.store_archive_files(request.reg_uuid, "110101", supplement)) >= {
            n for n, _, _ in supplement
        }
        with pytest.raises(CentralUnavailableError, match="permission denied"):
            central.set_mode("test")


REFUSED_TO_COUNTERS = (
    "UPDATE registration SET office_code = '110102'",
    "UPDATE registration SET certificate_no = NULL",
    "DELETE FROM registration",
    "TRUNCATE registration CASCADE",
    "DELETE FROM marriage_party",
    "UPDATE marriage_party SET person_key = 'someone else'",
    "DELETE FROM marriage",
    "DELETE FROM certificate",
    "UPDATE certificate SET serial = 2",
    "UPDATE certificate_reissue SET person_key = 'someone else'",
    "DELETE FROM certificate_reissue",
    "UPDATE divorce_completion SET office_code = '110102'",
    "DELETE FROM divorce_application",
    "SELECT data FROM archive_file",
    "SELECT * FROM archive_file",
    "UPDATE archive_file SET sha256 = sha256",
    "DELETE FROM archive_file",
    "UPDATE counter_key SET public_key_pem = ''",
    "UPDATE counter_key SET revoked_at = NULL",
    "DELETE FROM counter_key",
    "UPDATE central_setting SET value = 'test'",
    "DELETE FROM central_alembic_version",
    "CREATE TABLE counter_scratch (x int)",
)


def test_counter_role_is_refused_updates_deletes_and_archive_bytes(
    postgres_server: PostgresServer, postgres_url: str, counter_role: str, request_for: RequestFactory
) -> None:
    init_central(postgres_url, counter_role=counter_role)
    counter_url = postgres_server.url(_database(postgres_url), user=counter_role)
    with CentralStore(counter_url) as central:
        request = request_for(1, 2)
        central.register_marriage(request)
        signer = make_signer()
        central.register_counter_key(signer.counter_id, signer.office_code, signer.public_key_pem)
        central.store_archive_files(request.reg_uuid, "110101", signed_batch(request.reg_uuid, {"a.txt": b"a"}, signer))
    allowed = []
    with _as_role(postgres_server, postgres_url, counter_role) as conn:
        for statement in REFUSED_TO_COUNTERS:
            try:
                conn.execute(statement)
                allowed.append(statement)
            except psycopg.errors.InsufficientPrivilege:
                pass
    assert allowed == []
    with CentralStore(postgres_url) as central:
        [marriage] = central.list_marriages()
        assert marriage.office_code == "110101" and all(p.active for p in marriage.parties)


def test_init_as_a_non_superuser_admin_as_documented(
    postgres_server: PostgresServer, counter_role: str, request_for: RequestFactory
) -> None:
    """README §4: a DBA creates an admin role with CREATEROLE and a database it owns."""
    admin, database = f"mc_admin_{counter_role}", f"central_{counter_role}"
    with postgres_server.admin_connection() as superuser:
        superuser.execute(f"CREATE ROLE {admin} LOGIN CREATEROLE")
        superuser.execute(f"CREATE DATABASE {database} OWNER {admin} ENCODING 'UTF8' TEMPLATE template0")
    lines = init_central(postgres_server.url(database, user=admin), counter_role=counter_role, counter_password="pw")
    assert f"admin role {admin}: owns the schema and runs `central migrate`; keep it off the counters" in lines
    assert not any(line.startswith("WARNING") for line in lines), lines
    with CentralStore(postgres_server.url(database, user=counter_role)) as central:
        assert central.register_marriage(request_for(1, 2)).certificate_no == "J110101-2026-000001"
    assert migrate_central(postgres_server.url(database, user=admin))[0].startswith("central schema at revision")


def test_init_is_idempotent_and_resets_hand_made_grants(
    postgres_server: PostgresServer, postgres_url: str, counter_role: str
) -> None:
    init_central(postgres_url, counter_role=counter_role, counter_password="first")
    with postgres_server.admin_connection(_database(postgres_url)) as admin:
        admin.execute(f"GRANT DELETE, UPDATE ON registration TO {counter_role}")
        admin.execute(f"GRANT SELECT (data) ON archive_file TO {counter_role}")
    lines = init_central(postgres_url, counter_role=counter_role)
    assert f"counter role {counter_role}: exists, kept" in lines
    assert any("password unchanged" in line for line in lines)
    with postgres_server.admin_connection(_database(postgres_url)) as admin:
        table_grants = set(
            admin.execute(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
                (counter_role,),
            ).fetchall()
        )
        column_grants = set(
            admin.execute(
                "SELECT table_name, column_name, privilege_type FROM information_schema.column_privileges "
                "WHERE grantee = %s AND table_name = 'archive_file'",
                (counter_role,),
            ).fetchall()
        )
        password = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (counter_role,)).fetchone()
    assert ("registration", "DELETE") not in table_grants and ("registration", "UPDATE") not in table_grants
    assert ("registration", "INSERT") in table_grants and ("registration", "SELECT") in table_grants
    assert ("archive_file", "data", "SELECT") not in column_grants
    assert ("archive_file", "sha256", "SELECT") in column_grants
    assert password is not None and str(password[0]).startswith("SCRAM-SHA-256$4096:")


def test_migrate_regrants_the_recorded_counter_role(
    postgres_server: PostgresServer, postgres_url: str, counter_role: str
) -> None:
    init_central(postgres_url, counter_role=counter_role)
    with postgres_server.admin_connection(_database(postgres_url)) as admin:
        admin.execute(f"REVOKE ALL ON divorce_application FROM {counter_role}")
    lines = migrate_central(postgres_url)
    assert f"granted {counter_role} on divorce_application: SELECT, INSERT, UPDATE (status)" in lines
    with _as_role(postgres_server, postgres_url, counter_role) as conn:
        assert conn.execute("SELECT count(*) FROM divorce_application").fetchone() == (0,)


def test_init_refuses_a_powerful_existing_role(postgres_server: PostgresServer, postgres_url: str) -> None:
    role = f"mc_powerful_{next(_roles)}"
    with postgres_server.admin_connection() as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN CREATEDB")
    with pytest.raises(CentralAdminError, match="createdb"):
        init_central(postgres_url, counter_role=role)
    with pytest.raises(CentralAdminError, match="lower-case"):
        init_central(postgres_url, counter_role='bad"name')


def test_counter_on_an_old_schema_is_told_to_ask_it(
    postgres_server: PostgresServer, postgres_url: str, counter_role: str
) -> None:
    _upgrade_to(postgres_url, "0001")
    with postgres_server.admin_connection(_database(postgres_url)) as admin:
        admin.execute(f"CREATE ROLE {counter_role} LOGIN")
        admin.execute(f"GRANT SELECT ON central_alembic_version TO {counter_role}")
    with pytest.raises(CentralUnavailableError, match="central migrate"):
        CentralStore(postgres_server.url(_database(postgres_url), user=counter_role)).open()


def test_upgrade_from_0001_keeps_the_registrations(central_url: str, key_of: KeyOf) -> None:
    _upgrade_to(central_url, "0001")
    engine = make_engine(central_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO registration (reg_uuid, kind, office_code, counter_id, payload_sha256, device_mode, "
                "received_at, certificate_no) VALUES ('r1', 'marriage', '110101', 'c', "
                f"'{'0' * 64}', 'real', CURRENT_TIMESTAMP, 'J110101-2025-000001')"
            )
            conn.exec_driver_sql(
                "INSERT INTO certificate VALUES ('J110101-2025-000001', 'J', '110101', 2025, 1, 'r1')"
            )
            conn.execute(
                insert(MarriageRow).values(
                    marriage_id="m1", reg_uuid="r1", office_code="110101", certificate_no="J110101-2025-000001",
                    registered_on=date(2025, 3, 1), status="active",
                )
            )
            conn.execute(
                insert(MarriagePartyRow).values(
                    [
                        {"marriage_id": "m1", "role": "A", "person_key": key_of(1), "name": "甲", "active": True},
                        {"marriage_id": "m1", "role": "B", "person_key": key_of(2), "name": "乙", "active": True},
                    ]
                )
            )
    finally:
        engine.dispose()
    assert migrate_central(central_url)[0].startswith("central schema at revision 0005")
    with CentralStore(central_url) as central:
        assert central.marital_status_of(key_of(1)) == "married"
        record = central.record_by_certificate("J110101-2025-000001")
        assert record is not None and record.divorce is None


def test_scram_verifier_matches_libpq(postgres_server: PostgresServer) -> None:
    with postgres_server.admin_connection() as admin:
        libpq = admin.pgconn.encrypt_password(b"pass word", b"anyone", b"scram-sha-256").decode()
    iterations, salt = libpq.removeprefix("SCRAM-SHA-256$").split("$")[0].split(":")
    ours = scram_sha256_verifier("pass word", salt=base64.b64decode(salt), iterations=int(iterations))
    assert ours == libpq


def _upgrade_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("path_separator", "os")
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()
