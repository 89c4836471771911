"""In transit (#10): the central store over TLS with `sslmode=verify-full`.

One PostgreSQL server for the module, started with a server certificate for
`localhost` signed by a throw-away CA (tests/tls_certs.py). The counter connects with
the CA as `sslrootcert`: TLS, verified. A wrong CA, a host name the certificate does
not carry, a missing CA file or a server without TLS give the coded, actionable
CEN-008, never a traceback or a silent plain-text connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.central.errors import CentralTlsError
from app.central.store import CentralStore
from app.errors import CentralUnavailableError
from app.store.engine import make_engine
from tests.app.central.helpers import make_request
from tests.pg import PostgresServer
from tests.tls_certs import make_ca, write_server_certificate


class TlsServer:
    def __init__(self, root: Path) -> None:
        ca = make_ca()
        self.ca_file = ca.write_certificate(root / "central-ca.pem")
        self.other_ca_file = make_ca("another CA").write_certificate(root / "other-ca.pem")
        self.server = PostgresServer(tls=write_server_certificate(ca, root, dns_names=("localhost",)))

    def url(self, database: str, *, host: str = "localhost", ca_file: Path | None = None) -> str:
        plain = self.server.url(database).replace("@127.0.0.1:", f"@{host}:")
        return f"{plain}?sslmode=verify-full&sslrootcert={ca_file or self.ca_file}"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    server = TlsServer(tmp_path_factory.mktemp("tls"))
    server.server.start()
    try:
        yield server
    finally:
        server.server.stop()


@pytest.fixture(scope="module")
def database(tls: TlsServer) -> str:
    return tls.server.create_database()


def test_verified_tls_connection_works(tls: TlsServer, database: str) -> None:
    url = tls.url(database)
    with CentralStore(url) as central:
        ack = central.register_marriage(make_request(1, 2))
        assert central.record_by_certificate(ack.certificate_no) is not None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).one()
    finally:
        engine.dispose()
    assert row.ssl is True and row.version.startswith("TLSv1.")


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong CA", "certificate verify failed"),
        ("wrong host name", 'does not match host name "127.0.0.1"'),
        ("missing CA file", "root certificate file"),
    ],
)
def test_failed_verification_is_a_coded_actionable_error(
    tls: TlsServer, database: str, tmp_path: Path, case: str, reason: str
) -> None:
    if case == "wrong CA":
        url = tls.url(database, ca_file=tls.other_ca_file)
    elif case == "wrong host name":
        url = tls.url(database, host="127.0.0.1")
    else:
        url = tls.url(database, ca_file=tmp_path / "absent-ca.pem")
    with pytest.raises(CentralTlsError) as raised, CentralStore(url):
        pass
    error = raised.value
    assert isinstance(error, CentralUnavailableError)  # the case waits, like any unreachable registry
    assert str(error).startswith("[CEN-008]") and error.exit_code == 3
    assert reason in error.message and "sslrootcert" in error.message
    assert "Traceback" not in error.message and "\n" not in error.message


def test_a_server_without_tls_is_refused_not_used_in_clear(postgres_server: PostgresServer, tls: TlsServer) -> None:
    plain = postgres_server.url("postgres").replace("@127.0.0.1:", "@localhost:")
    with pytest.raises(CentralTlsError, match="server does not support SSL"), CentralStore(
        f"{plain}?sslmode=verify-full&sslrootcert={tls.ca_file}"
    ):
        pass
