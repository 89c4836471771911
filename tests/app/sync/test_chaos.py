"""Exactly-once under chaos (notes/central-store.md §3.3).

Three counters (child processes, tests/app/sync/chaos_counter.py) register 300 cases
each against the private PostgreSQL through the fault proxy, which resets connections,
cuts them just before and just after COMMIT, drops the server's reply to COMMIT, cuts
streams at random points, hangs and adds latency, while the counters are killed with
SIGKILL and restarted. Every 10th case of every counter marries the same groom.
Then the chaos stops and each counter drains its outbox by itself. Afterwards:

- every case each counter queued is settled: registered or refused, nothing pending;
- the central store holds exactly the registrations the counters hold as registered,
  each once, with the same certificate number; no refused one;
- every contested groom has exactly one active marriage, and nobody has two.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.domain.case import CaseStatus
from app.store.local import LocalStore
from app.sync.types import OutboxState
from tests.app.sync.chaos_counter import CONTESTED_EVERY, contested_keys
from tests.faultproxy import FaultProxy
from tests.pg import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[3]
COUNTERS = 3
PER_COUNTER = 300
MAX_KILLS = 12
CHAOS_DEADLINE_S = 140.0  # the chaos phase ends earlier, when every counter queued all
DRAIN_DEADLINE_S = 40.0


class CounterProcess:
    """One counter child; its stdout is read without blocking (no reader threads)."""

    def __init__(self, number: int, data_dir: Path, central_url: str) -> None:
        self.number = number
        self.data_dir = data_dir
        self.central_url = central_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.all_queued = False
        self.drained = False
        self.starts = 0
        data_dir.mkdir(parents=True)

    def start(self) -> None:
        self.buffer = b""
        self.all_queued = self.drained = False
        self.starts += 1
        with open(self.data_dir / "stderr.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.app.sync.chaos_counter", str(self.data_dir), str(self.number),
                 self.central_url, str(PER_COUNTER)],
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=REPO_ROOT,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)

    def poll(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while chunk := self.proc.stdout.read(65536):
                self.buffer += chunk
        except BlockingIOError:
            pass
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        for line in lines:
            if line == b"all-queued":
                self.all_queued = True
            elif line == b"drained":
                self.drained = True

    def kill(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()

    def close(self) -> None:
        if self.running():
            self.kill()
        if self.proc is not None and self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def stderr_tail(self) -> str:
        return (self.data_dir / "stderr.log").read_text(errors="replace")[-3000:]

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def finish(self, timeout_s: float) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        code = self.proc.wait(timeout_s)
        self.poll()
        self.proc.stdout.close()
        return code


def _chaos_step(rng: random.Random, proxy: FaultProxy) -> None:
    action = rng.choices(
        ["reset", "cut_before_commit", "cut_after_commit", "drop_commit_reply", "random_cut", "hang", "latency"],
        weights=[2, 3, 3, 4, 2, 1, 1],
    )[0]
    if action == "reset":
        proxy.reset_all()
    elif action == "hang":
        proxy.hang(rng.uniform(0.2, 0.8), then_reset=rng.random() < 0.5)
    elif action == "latency":
        proxy.set_latency(rng.choice([0.0, 0.0, 0.002, 0.01]))
    else:
        proxy.arm(action)


@pytest.mark.slow
def test_exactly_once_under_chaos(postgres_server: PostgresServer, tmp_path: Path) -> None:
    started = time.monotonic()
    rng = random.Random(20261201)
    database = postgres_server.create_database()
    direct_url = postgres_server.url(database)
    with CentralStore(direct_url):
        pass  # migrated once, before the counters start (the proxy may cut a migration)

    kills = 0
    with FaultProxy(postgres_server.port, lifetime_s=CHAOS_DEADLINE_S + DRAIN_DEADLINE_S + 30, seed=7) as proxy:
        # Loopback without TLS (the proxy matches protocol frames); bounded connects.
        proxied_url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{database}?sslmode=disable&connect_timeout=3"
        counters = [CounterProcess(k, tmp_path / f"counter-{k}", proxied_url) for k in range(COUNTERS)]
        try:
            for counter in counters:
                counter.start()
            last_kill = time.monotonic()
            chaos_end = started + CHAOS_DEADLINE_S
            while time.monotonic() < chaos_end:
                time.sleep(rng.uniform(0.1, 0.3))
                for counter in counters:
                    counter.poll()
                    if not counter.running() and not counter.drained:
                        pytest.fail(f"counter {counter.number} died:\n{counter.stderr_tail()}")
                if all(c.all_queued for c in counters):
                    break
                _chaos_step(rng, proxy)
                if kills < MAX_KILLS and time.monotonic() - last_kill > rng.uniform(0.8, 2.5):
                    victim = rng.choice([c for c in counters if not c.drained])
                    victim.kill()
                    victim.start()
                    kills += 1
                    last_kill = time.monotonic()
            chaos_s = time.monotonic() - started
            assert all(c.all_queued for c in counters), "the counters did not get through their cases in time"
            proxy.calm()  # the network is back: the counters drain by themselves
            drain_end = time.monotonic() + DRAIN_DEADLINE_S
            for counter in counters:
                code = counter.finish(max(1.0, drain_end - time.monotonic()))
                assert code == 0, f"counter {counter.number} exited {code}:\n{counter.stderr_tail()}"
                assert counter.drained, f"counter {counter.number} did not drain"
        finally:
            for counter in counters:
                counter.close()
        faults = dict(proxy.stats)

    # --- what the counters hold -----------------------------------------------------
    registered: dict[str, str] = {}  # reg_uuid -> certificate number, all counters
    refused: set[str] = set()
    duplicates = 0
    outbox_states: collections.Counter[OutboxState] = collections.Counter()
    for counter in counters:
        with LocalStore(f"sqlite:///{counter.data_dir / 'counter.sqlite3'}") as local:
            outbox_states.update(local.outbox_counts())
            summaries = local.list_cases()
            assert len(summaries) == PER_COUNTER, "a counter lost or duplicated a case"
            for summary in summaries:
                case = local.load_case(summary.case_id)
                assert case is not None and case.registration_uuid is not None
                if case.status is CaseStatus.REGISTERED:
                    assert case.registration is not None
                    registered[case.registration_uuid] = case.registration.certificate_no
                    duplicates += case.registration.duplicate_ack
                else:
                    assert case.status is CaseStatus.REFUSED, f"{case.case_id} left {case.status.value}"
                    refused.add(case.registration_uuid)

    # --- what the central store holds --------------------------------------------------
    with CentralStore(direct_url) as central:
        marriages = central.list_marriages()
    central_uuids = [m.reg_uuid for m in marriages]
    active = collections.Counter(p.person_key for m in marriages for p in m.parties if p.active)
    contested = contested_keys(PER_COUNTER)

    print(
        f"\nchaos: {COUNTERS} counters x {PER_COUNTER} registrations, {kills} SIGKILLs "
        f"({sum(c.starts for c in counters)} starts), chaos {chaos_s:.1f} s, total {time.monotonic() - started:.1f} s"
        f"\nfaults: {faults}"
        f"\nlocal: {len(registered)} registered ({duplicates} acknowledged as duplicates after a lost reply), "
        f"{len(refused)} refused; outbox {{{', '.join(f'{s.value}: {n}' for s, n in outbox_states.items())}}}"
        f"\ncentral: {len(marriages)} marriages, {len(set(central_uuids))} distinct reg_uuids, "
        f"{len({m.certificate_no for m in marriages})} distinct certificate numbers"
        f"\ncontested persons: {len(contested)}, with exactly one marriage: "
        f"{sum(active[key] == 1 for key in contested)}; persons with two active marriages: "
        f"{sum(n > 1 for n in active.values())}"
    )
    assert outbox_states[OutboxState.PENDING] == outbox_states[OutboxState.SENDING] == 0, "stuck outbox items"
    assert len(central_uuids) == len(set(central_uuids)), "a registration is in the central store twice"
    assert set(central_uuids) == set(registered), "central store and counters disagree (lost or extra registration)"
    assert {m.reg_uuid: m.certificate_no for m in marriages} == registered
    assert not refused & set(central_uuids)
    assert all(active[key] == 1 for key in contested), "a contested person has no or several marriages"
    assert max(active.values()) == 1
    contested_cases = COUNTERS * len(range(0, PER_COUNTER, CONTESTED_EVERY))
    assert len(refused) == contested_cases - len(contested)  # one winner per contested person
    assert len(registered) == COUNTERS * PER_COUNTER - len(refused)
    # The run really was chaotic.
    assert kills >= 3 and faults.get("drop_commit_reply_fired", 0) + faults.get("cut_after_commit_fired", 0) >= 3
