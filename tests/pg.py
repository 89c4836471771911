"""A private PostgreSQL server for the tests, started from the installed server
binaries in a temporary directory: no running server is assumed, nothing outside
the temporary directory is touched.

initdb and postgres refuse to run as root (CI runs as root), so then they run as the
`postgres` system user that Debian's server package creates.

`PostgresServer(tls=(certificate, key))` starts the server with TLS on (opt-in; the
default server is unchanged): both files are copied into its directory, owned by the
server's user, the key 0600 as PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SERVER_USER = "postgres"


def server_binaries() -> Path:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/<v>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: `make test` installs them on Debian "
        "(package postgresql); elsewhere install the PostgreSQL server"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.tls = tls
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="mc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._databases = 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout}")

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, SERVER_USER)
            self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        if self.tls is not None:
            options += " " + self._tls_options(*self.tls)
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def _tls_options(self, certificate: Path, key: Path) -> str:
        copies = (self.root / "server.crt", self.root / "server.key")
        for source, copy in zip((certificate, key), copies, strict=True):
            shutil.copyfile(source, copy)
            copy.chmod(0o600)
            if self.as_root:
                shutil.chown(copy, SERVER_USER, SERVER_USER)
        return f"-c ssl=on -c ssl_cert_file={copies[0]} -c ssl_key_file={copies[1]}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", *, user: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://{user}{secret}@127.0.0.1:{self.port}/{database}"

    def admin_connection(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)

    def create_database(self) -> str:
        """A fresh, empty database for one test."""
        self._databases += 1
        name = f"t{self._databases}_{int(time.time() * 1000) % 100000}"
        with self.admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return name
