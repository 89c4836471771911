"""Registrations committed per second by the central store vs pgbench, side by side.

Starts a private PostgreSQL (tests/pg.py) with durable commits (fsync and
synchronous_commit on, unlike the test server), runs `central init`, then measures in
one run, each for the same duration:

- CentralStore.register_marriage from 1 and from 8 concurrent counter clients (one
  process each, connected as the least-privilege counter role, each at its own office);
- pgbench with a custom script (-f) running the same statements as one registration
  (resend check, party pre-check, certificate serial upsert, registration, certificate,
  marriage, two parties) with 1 and 8 clients against the same database;

and prints both rates and their ratio. The gap is the client: SQLAlchemy and Python on
the same cores as the server (notes/central-store.md §4: Python clients CPU-bound).
A benchmark, not a test: it never fails on a number.

    .venv/bin/python -m benchmarks.central_throughput [--seconds 10] [--clients 1 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from app.central.admin import init_central
from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest, RegistrationParty
from app.domain.case import Role
from tests.pg import PostgresServer

COUNTER_ROLE = "mc_counter"
REGISTERED_ON = date(2026, 5, 20)
WARM_UP = 20  # registrations per client before the clock starts (compiled statements, prepared plans)

# The statements of CentralStore._register for a real-device marriage, in order.
PGBENCH_SCRIPT = r"""
\set office 120101 + :client_id
BEGIN;
SELECT CAST(gen_random_uuid() AS text) AS reg, CAST(gen_random_uuid() AS text) AS mid,
       'resident_id-CHN-' || CAST(gen_random_uuid() AS text) AS pa,
       'resident_id-CHN-' || CAST(gen_random_uuid() AS text) AS pb \gset
SELECT reg_uuid FROM registration WHERE reg_uuid = :reg;
SELECT person_key FROM marriage_party WHERE person_key IN (:pa, :pb) AND active;
INSERT INTO certificate_serial AS s (kind, office_code, year, last_serial) VALUES ('J', CAST(:office AS text), 2026, 1)
    ON CONFLICT (kind, office_code, year) DO UPDATE SET last_serial = s.last_serial + 1
    RETURNING last_serial AS serial,
        'J' || office_code || '-2026-' || lpad(CAST(last_serial AS text), 6, '0') AS cert \gset
INSERT INTO registration
    (reg_uuid, kind, office_code, counter_id, payload_sha256, device_mode, received_at, certificate_no)
    VALUES (:reg, 'marriage', CAST(:office AS text), 'pgbench', repeat('0', 64), 'real', now(), :cert)
    ON CONFLICT (reg_uuid) DO NOTHING RETURNING reg_uuid;
INSERT INTO certificate (certificate_no, kind, office_code, year, serial, reg_uuid)
    VALUES (:cert, 'J', CAST(:office AS text), 2026, :serial, :reg);
INSERT INTO marriage (marriage_id, reg_uuid, office_code, certificate_no, registered_on, status)
    VALUES (:mid, :reg, CAST(:office AS text), :cert, DATE '2026-05-20', 'active');
INSERT INTO marriage_party (marriage_id, role, person_key, name, active)
    VALUES (:mid, 'A', :pa, '甲', true), (:mid, 'B', :pb, '乙', true);
END;
"""


def _request(office: str) -> MarriageRegistrationRequest:
    # Person keys unique per registration, like pgbench's: every registration commits.
    a, b = (f"resident_id:CHN:{uuid.uuid4()}" for _ in range(2))
    return MarriageRegistrationRequest.create(
        reg_uuid=str(uuid.uuid4()),
        office_code=office,
        counter_id="bench",
        registered_on=REGISTERED_ON,
        device_mode="real",
        parties=(RegistrationParty(Role.A, a, "甲"), RegistrationParty(Role.B, b, "乙")),
    )


def _client(url: str, index: int, seconds: float, start: Any, results: Any) -> None:
    """One counter: registers as fast as it can for `seconds` after the common start."""
    office = f"{110101 + index}"
    with CentralStore(url) as central:
        for _ in range(WARM_UP):
            central.register_marriage(_request(office))
        start.wait()
        committed, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            central.register_marriage(_request(office))
            committed += 1
    results.put(committed)


def central_store_rate(url: str, clients: int, seconds: float) -> float:
    context = multiprocessing.get_context("forkserver")
    start, results = context.Barrier(clients + 1), context.Queue()
    processes = [context.Process(target=_client, args=(url, i, seconds, start, results)) for i in range(clients)]
    for process in processes:
        process.start()
    start.wait()
    total: int = sum(results.get(timeout=seconds + 60) for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def pgbench_rate(server: PostgresServer, database: str, clients: int, seconds: float, script: Path) -> float:
    pgbench = shutil.which("pgbench") or str(server.bin / "pgbench")
    command = [
        pgbench, "-n", "-M", "prepared", "-f", str(script), "-c", str(clients), "-j", str(min(clients, 2)),
        "-T", str(int(seconds)), "-h", "127.0.0.1", "-p", str(server.port), "-U", COUNTER_ROLE, database,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    if match is None:
        raise RuntimeError(f"unexpected pgbench output:\n{output}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8], help="concurrent clients per measurement")
    args = parser.parse_args()

    multiprocessing.get_context("forkserver").set_forkserver_preload(["app.central.store"])
    server = PostgresServer()
    server.start()
    try:
        with server.admin_connection() as admin:
            # The test server trades durability for speed; a benchmark of commits must not.
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                admin.execute(f"ALTER SYSTEM SET {setting} = on")
            admin.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)
            version = admin.execute("SHOW server_version").fetchone()
        database = server.create_database()
        init_central(server.url(database), counter_role=COUNTER_ROLE)
        counter_url = server.url(database, user=COUNTER_ROLE)
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "registration.sql"
            script.write_text(PGBENCH_SCRIPT, encoding="utf-8")
            rows = []
            for clients in args.clients:
                ours = central_store_rate(counter_url, clients, args.seconds)
                theirs = pgbench_rate(server, database, clients, args.seconds, script)
                rows.append((clients, ours, theirs))
        print(
            f"PostgreSQL {version[0] if version else '?'}, fsync and synchronous_commit on, "
            f"{args.seconds:g} s per measurement, one registration = 1 transaction of 7 statements"
        )
        print(f"{'clients':>7}  {'CentralStore/s':>14}  {'pgbench/s':>10}  {'ratio':>6}")
        for clients, ours, theirs in rows:
            print(f"{clients:>7}  {ours:>14.0f}  {theirs:>10.0f}  {ours / theirs:>6.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
