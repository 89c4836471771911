"""The real PC/SC stack for the passport-reader tests: a private pcscd in the
foreground with only vsmartcard's vpcd driver configured, and the eMRTD emulator of
emulator.py plugged into vpcd's first slot.

pcscd is started once per session from the installed binary (like tests/pg.py does
for PostgreSQL), with its own reader.conf.d in a temporary directory, waited for until
its vpcd slots are listed, and killed at the end. Tests that need it skip, with the
reason printed, only where pcscd, the vpcd driver or pyscard is not installed (or the
daemon cannot be started: pcscd needs write access to /run/pcscd).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.devices.pcsc.emulator import EmrtdCard, Passport, VpcdCard

DEFAULT_VPCD_PORT = 35963  # vsmartcard's default (CHANNELID 0x8C7B)
INSTALL_HINT = (
    "`make test` installs them on Debian as root (apt-get install pcscd vsmartcard-vpcd swig libpcsclite-dev, "
    "then pip install pyscard)"
)


@dataclass(frozen=True)
class PcscDaemon:
    process: subprocess.Popen[bytes] | None  # None: the system's pcscd, already running
    port: int  # vpcd slot 0; slot 1 is port + 1
    log: Path
    reader: str = "Virtual PCD 00 00"


def _vpcd_driver() -> str | None:
    found = sorted(glob.glob("/usr/lib*/pcsc/drivers/serial/libifdvpcd.so*") + glob.glob(
        "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*"))
    return found[0] if found else None


def _port_pair_free(port: int) -> bool:
    for candidate in (port, port + 1):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("0.0.0.0", candidate))
            except OSError:
                return False
    return True


def _free_port_pair() -> int:
    if _port_pair_free(DEFAULT_VPCD_PORT):
        return DEFAULT_VPCD_PORT
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port < 65535 and _port_pair_free(port):
            return port
    raise RuntimeError("no two consecutive free TCP ports for vpcd")


def missing_stack() -> str | None:
    """Why the PC/SC stack cannot run here, or None."""
    from devices.id_reader.pcsc import _scard

    if _scard.LOAD_ERROR is not None:
        return f"pyscard is not installed ({_scard.LOAD_ERROR}); {INSTALL_HINT}"
    if shutil.which("pcscd") is None and not Path("/usr/sbin/pcscd").exists():
        return f"pcscd is not installed; {INSTALL_HINT}"
    if _vpcd_driver() is None:
        return f"the vsmartcard vpcd driver (libifdvpcd.so) is not installed; {INSTALL_HINT}"
    return None


def _pcscd_already_running() -> bool:
    sock = Path("/run/pcscd/pcscd.comm")
    if not sock.exists():
        return False
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(sock))
        except OSError:
            return False
    return True


def _system_vpcd_port() -> int | None:
    try:
        text = Path("/etc/reader.conf.d/vpcd").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key == "CHANNELID":
            return int(value.strip(), 0)
    return None


def _lists(reader: str) -> bool:
    from devices.id_reader.pcsc import _scard

    try:
        context = _scard.establish_context()
    except _scard.ScardError:
        return False
    try:
        return reader in _scard.list_readers(context)
    except _scard.ScardError:
        return False
    finally:
        _scard.release_context(context)


def _wait_for_slots(process: subprocess.Popen[bytes], reader: str, log: Path, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pcscd exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        if _lists(reader):
            return
        time.sleep(0.02)
    raise RuntimeError(f"pcscd did not list {reader!r} within {timeout_s} s: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    """A private pcscd with vpcd on a free port pair (35963/35964 when free)."""
    reason = missing_stack()
    if reason is not None:
        pytest.skip(reason)
    if _pcscd_already_running():
        # pcsc-lite's server socket is fixed, so a second pcscd cannot start: use the
        # system's (systemd socket activation) with the vpcd slots vsmartcard-vpcd configures
        port = _system_vpcd_port()
        if port is None or not _lists("Virtual PCD 00 00"):
            pytest.skip("a pcscd without the vpcd reader is already running (socket /run/pcscd/pcscd.comm); "
                        "install vsmartcard-vpcd and restart it, or stop it (systemctl stop pcscd.socket pcscd)")
        yield PcscDaemon(None, port, Path("/dev/null"))
        return
    if os.geteuid() != 0 and not os.access("/run/pcscd" if Path("/run/pcscd").exists() else "/run", os.W_OK):
        pytest.skip("pcscd needs write access to /run/pcscd: run the tests as root")
    root = Path(tempfile.mkdtemp(prefix="mc-pcscd-"))
    conf = root / "reader.conf.d"
    conf.mkdir()
    port = _free_port_pair()
    (conf / "vpcd").write_text(
        f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x{port:04X}\n'
        f"LIBPATH      {_vpcd_driver()}\nCHANNELID    0x{port:04X}\n"
    )
    log = root / "pcscd.log"
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "--foreground", "--config", str(conf), "--info"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    daemon = PcscDaemon(process, port, log)
    try:
        _wait_for_slots(process, daemon.reader, log)
        yield daemon
    finally:
        process.terminate()  # pcscd removes its socket and pid file on SIGTERM
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


def wait_for_slot(reader: str, *, present: bool, timeout_s: float = 5.0) -> None:
    """Waits until pcscd itself sees the card in (or out of) the slot: vpcd notices a
    card's departure only at its next presence poll."""
    from devices.id_reader.pcsc import _scard

    context = _scard.establish_context()
    try:
        deadline = time.monotonic() + timeout_s
        known = _scard.STATE_UNAWARE
        while time.monotonic() < deadline:
            try:
                (state,) = _scard.get_status_change(context, 50, [(reader, known)])
            except _scard.ScardError as error:
                if error.code != _scard.E_TIMEOUT:
                    raise
                continue
            known = state.event_state & ~_scard.STATE_CHANGED
            if state.present == present:
                return
        raise RuntimeError(f"pcscd did not see the card {'arrive' if present else 'leave'} in {timeout_s} s")
    finally:
        _scard.release_context(context)


@pytest.fixture
def passport() -> Passport:
    return Passport()


@pytest.fixture
def chip(passport: Passport) -> EmrtdCard:
    return EmrtdCard(passport)


@pytest.fixture
def card(pcscd: PcscDaemon, chip: EmrtdCard) -> Iterator[VpcdCard]:
    """The emulated passport for vpcd slot 0, not yet in the field: call insert()."""
    vpcd = VpcdCard(chip, pcscd.port)
    try:
        yield vpcd
    finally:
        if vpcd.inserted:
            vpcd.close()
            wait_for_slot(pcscd.reader, present=False)
