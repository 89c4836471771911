"""A simulated GA/T 467 SAM that speaks the protocol byte for byte.

It has its own frame encoder and command parser (deliberately not the reader's, so a
shared mistake cannot hide), cards built from a scenario's people and faults armed
per call. `SimulatedSam` is the protocol engine: `handle(bytes)` takes what the host
wrote and returns what the SAM answers. Three transports serve it to a real
`SamSerialIdReader`:

* `loop_port_factory()`: in-process over pyserial's ``loop://`` (pass it as the
  reader's `port_factory`, with ``port_url="loop://"``);
* `SamSocketServer`: a TCP server thread, for ``socket://127.0.0.1:<port>``;
* `SamPtyServer`: a pseudo-terminal (os.openpty) and a thread; the reader opens
  `path`, a real /dev/pts/N. POSIX only.

The servers can pace their answers at a baud rate (10 bits a byte, 8N1), as a real
serial line would. Cards: the person's `card_type` selects the text layout; a
foreigner PR card with a 15-character number uses the 2017 layout, with 18 the 2023
one; an all-ASCII name goes to the English-name field, any other to the Chinese one.
The photo is a 1024-byte placeholder (WLT is proprietary), the same for a person
every time.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import random
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from devices.id_reader.types import CardType
from devices.sim.scenario import PersonSpec, Scenario

_PREAMBLE: Final = bytes((0xAA, 0xAA, 0xAA, 0x96, 0x69))
WLT_SIZE: Final = 1024
FINGERPRINT_SIZE: Final = 1024


class SamCommand(enum.Enum):
    """Commands the simulated SAM understands, as (CMD, PARA)."""

    STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND = (0x20, 0x01)
    SELECT = (0x20, 0x02)
    READ = (0x30, 0x01)
    READ_WITH_FINGERPRINT = (0x30, 0x10)
    SET_MAX_RF = (0x61, 0xFF)


class SamFault(enum.StrEnum):
    NO_CARD = "no_card"  # find card answers 0x80
    CARD_REMOVED = "card_removed"  # select succeeded, then read answers 0x41 (the card is back after)
    CHECKSUM_ERROR = "checksum_error"  # the answer's CHK is wrong
    LENGTH_ERROR = "length_error"  # the answer's LEN is one short
    GARBAGE = "garbage"  # random bytes without a preamble instead of the answer
    SILENCE = "silence"  # no answer at all
    NOISE_BEFORE = "noise_before"  # garbage, then the right answer (resynchronisation)
    PARTIAL_BEFORE = "partial_before"  # half of a frame, then the right answer
    STATUS = "status"  # answer with the SW3 given to arm()


# Where a fault applies unless arm() says otherwise.
_DEFAULT_TARGET: Final = {SamFault.NO_CARD: SamCommand.FIND}


@dataclass(slots=True)
class _Armed:
    fault: SamFault
    on: SamCommand
    remaining: int
    sw3: int


# --- the simulator's own encoding ----------------------------------------------------------


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """A response frame: preamble, LEN, SW1 SW2 SW3, data, XOR checksum."""
    length = len(data) + 4
    body = bytearray((length >> 8, length & 0xFF, sw1, sw2, sw3)) + data
    chk = 0
    for byte in body:
        chk ^= byte
    return _PREAMBLE + bytes(body) + bytes((chk,))


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A command frame, as a host would send it (tests use it to talk to the simulator)."""
    body = bytearray(((len(data) + 3) >> 8, (len(data) + 3) & 0xFF, cmd, para)) + data
    chk = 0
    for byte in body:
        chk ^= byte
    return _PREAMBLE + bytes(body) + bytes((chk,))


def _ucs2(value: str, chars: int, what: str) -> bytes:
    if len(value) > chars:
        raise ValueError(f"{what} is longer than {chars} characters")
    return value.ljust(chars, " ").encode("utf-16-le")


def _ymd(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def encode_card_text(person: PersonSpec, *, pass_number: str = "H12345678", issue_count: str = "01") -> bytes:
    """The 256-byte text block of `person`'s card, in the layout its card type uses."""
    valid_to = "长期" if person.valid_to is None else _ymd(person.valid_to)
    ascii_name = person.name.isascii()
    parts: list[tuple[str, int, str]]  # (value, characters, field) in order
    if person.card_type in (CardType.RESIDENT_ID, CardType.HMT_RESIDENCE_PERMIT):
        hmt = person.card_type is CardType.HMT_RESIDENCE_PERMIT
        parts = [
            (person.name, 15, "name"),
            (person.sex, 1, "sex"),
            ("" if hmt else person.ethnicity, 2, "ethnicity"),
            (_ymd(person.birth_date), 8, "birth date"),
            (person.address, 35, "address"),
            (person.id_number, 18, "ID number"),
            (person.issuing_authority, 15, "issuing authority"),
            (_ymd(person.valid_from), 8, "valid from"),
            (valid_to, 8, "valid to"),
        ]
        if hmt:
            parts += [(pass_number, 9, "pass number"), (issue_count, 2, "issue count"), ("", 3, "reserved"),
                      ("J", 1, "flag"), ("", 3, "reserved")]
        else:
            parts += [("", 18, "reserved")]
    elif person.card_type is CardType.FOREIGN_PERMANENT_RESIDENT and len(person.id_number) == 15:
        parts = [
            (person.name if ascii_name else "", 60, "English name"),
            (person.sex, 1, "sex"),
            (person.id_number, 15, "PR number"),
            (person.nationality, 3, "nationality"),
            ("" if ascii_name else person.name, 15, "Chinese name"),
            (_ymd(person.valid_from), 8, "valid from"),
            (valid_to, 8, "valid to"),
            (_ymd(person.birth_date), 8, "birth date"),
            ("01", 2, "card version"),
            (person.issuing_authority, 4, "authority code"),
            ("I", 1, "flag"),
            ("", 3, "reserved"),
        ]
    elif person.card_type is CardType.FOREIGN_PERMANENT_RESIDENT:
        english = person.name if ascii_name else ""
        parts = [
            ("" if ascii_name else person.name, 15, "Chinese name"),
            (person.sex, 1, "sex"),
            ("00", 2, "renewals"),
            (_ymd(person.birth_date), 8, "birth date"),
            (english[:35], 35, "English name"),
            (person.id_number, 18, "PR number"),
            ("", 15, "reserved"),
            (_ymd(person.valid_from), 8, "valid from"),
            (valid_to, 8, "valid to"),
            (english[35:], 11, "English name (continued)"),
            (person.nationality, 3, "nationality"),
            ("Y", 1, "flag"),
            ("", 3, "previous card"),
        ]
    else:
        raise ValueError(f"a SAM reader cannot hold a {person.card_type.value} card")
    block = b"".join(_ucs2(value, chars, what) for value, chars, what in parts)
    assert len(block) == 256, len(block)
    return block


def placeholder_wlt(person_id: str) -> bytes:
    """1024 deterministic bytes standing in for the WLT photo."""
    seed = hashlib.sha256(person_id.encode()).digest()
    return (b"WLT0" + seed * 32)[:WLT_SIZE]


# --- the protocol engine ---------------------------------------------------------------------


class SimulatedSam:
    """The SAM and the card in its field. Thread-safe controls; `handle` is the wire."""

    def __init__(
        self,
        people: Scenario | Mapping[str, PersonSpec] | Iterable[PersonSpec],
        *,
        sam_id: bytes = bytes(range(1, 17)),
        seed: int = 0,
        fingerprint: bool = True,
    ) -> None:
        if isinstance(people, Scenario):
            self._people = {person.id: person for person in people.people}
        elif isinstance(people, Mapping):
            self._people = dict(people)
        else:
            self._people = {person.id: person for person in people}
        self.sam_id = sam_id
        self.fingerprint = fingerprint  # answers 30 10; False: 0x21 (command error)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._card: str | None = None
        self._selected = False
        # A real SAM finds a card only once per stay in the field: after a read, find
        # answers 0x80 until that card leaves (or another one is laid down).
        self._read_done = False
        self._armed: list[_Armed] = []
        self._rx = bytearray()
        self.commands: deque[SamCommand | tuple[int, int]] = deque(maxlen=1000)  # what the host sent
        self.bytes_in = 0
        self.bytes_out = 0

    # --- controls (any thread) ---------------------------------------------------------------

    def present_card(self, person_id: str) -> None:
        if person_id not in self._people:
            raise ValueError(f"unknown person id {person_id!r}")
        encode_card_text(self._people[person_id])  # fail here, not on the wire, for bad test data
        with self._lock:
            self._card = person_id
            self._selected = False
            self._read_done = False

    def remove_card(self) -> None:
        with self._lock:
            self._card = None
            self._selected = False
            self._read_done = False

    @property
    def card_on_reader(self) -> str | None:
        with self._lock:
            return self._card

    def arm(self, fault: SamFault | str, *, on: SamCommand | None = None, times: int = 1, sw3: int = 0) -> None:
        """The next `times` commands `on` (default: read, or find for no_card) meet `fault`."""
        fault = SamFault(fault)
        if fault is SamFault.STATUS and not sw3:
            raise ValueError("a status fault needs sw3")
        target = on or _DEFAULT_TARGET.get(fault, SamCommand.READ)
        with self._lock:
            self._armed.append(_Armed(fault, target, times, sw3))

    def disarm(self) -> None:
        with self._lock:
            self._armed.clear()

    @property
    def armed(self) -> int:
        with self._lock:
            return sum(armed.remaining for armed in self._armed)

    def reset_line(self) -> None:
        """Forgets half-received bytes (a new connection)."""
        with self._lock:
            self._rx.clear()

    # --- the wire --------------------------------------------------------------------------------

    def handle(self, data: bytes) -> list[bytes]:
        """Takes bytes the host wrote; returns the chunks the SAM sends back, in order."""
        out: list[bytes] = []
        with self._lock:
            self.bytes_in += len(data)
            self._rx += data
            while True:
                frame = self._next_command()
                if frame is None:
                    break
                out += self._answer(*frame)
            self.bytes_out += sum(len(chunk) for chunk in out)
        return out

    def _next_command(self) -> tuple[int, int, bytes, bool] | None:
        """(cmd, para, data, checksum_ok) of the next command frame in the input."""
        rx = self._rx
        at = rx.find(_PREAMBLE)
        if at < 0:
            del rx[: max(0, len(rx) - 4)]
            return None
        del rx[:at]
        if len(rx) < 7:
            return None
        length = rx[5] << 8 | rx[6]
        if length < 3 or length > 1024:
            del rx[:1]  # not a frame start; look again further on
            return self._next_command()
        if len(rx) < 7 + length:
            return None
        frame = bytes(rx[: 7 + length])
        del rx[: 7 + length]
        chk = 0
        for byte in frame[5:-1]:
            chk ^= byte
        return frame[7], frame[8], frame[9:-1], chk == frame[-1]

    def _answer(self, cmd: int, para: int, data: bytes, checksum_ok: bool) -> list[bytes]:
        try:
            command: SamCommand | None = SamCommand((cmd, para))
        except ValueError:
            command = None
        self.commands.append(command or (cmd, para))
        if not checksum_ok:
            return [encode_response(0x10)]
        if command is None:
            return [encode_response(0x21)]
        armed = self._take_fault(command)
        if armed is not None:
            match armed.fault:
                case SamFault.NO_CARD:
                    return [encode_response(0x80)]
                case SamFault.CARD_REMOVED:
                    self._selected = False
                    return [encode_response(0x41)]
                case SamFault.STATUS:
                    return [encode_response(armed.sw3)]
                case SamFault.SILENCE:
                    return []
                case SamFault.GARBAGE:
                    return [self._garbage(64)]
        answer = self._normal_answer(command, data)
        if armed is None:
            return [answer]
        # The answer is damaged on the wire: the host never got the card's data, so the
        # simulated SAM lets it read the card again (a lenient module; the host retries).
        self._read_done = False
        match armed.fault:
            case SamFault.CHECKSUM_ERROR:
                return [answer[:-1] + bytes((answer[-1] ^ 0x5A,))]
            case SamFault.LENGTH_ERROR:
                length = (answer[5] << 8 | answer[6]) - 1
                return [answer[:5] + bytes((length >> 8, length & 0xFF)) + answer[7:]]
            case SamFault.NOISE_BEFORE:
                return [self._garbage(37), answer]
            case SamFault.PARTIAL_BEFORE:
                other = encode_response(0x90, bytes(self._random.randrange(256) for _ in range(300)))
                return [other[:150], answer]
            case _:
                return [answer]

    def _normal_answer(self, command: SamCommand, data: bytes) -> bytes:
        match command:
            case SamCommand.STATUS | SamCommand.SET_MAX_RF:
                return encode_response(0x90)
            case SamCommand.SAM_ID:
                return encode_response(0x90, self.sam_id)
            case SamCommand.FIND:
                return encode_response(0x9F if self._card is not None and not self._read_done else 0x80)
            case SamCommand.SELECT:
                if self._card is None:
                    return encode_response(0x81)
                self._selected = True
                return encode_response(0x90)
            case SamCommand.READ | SamCommand.READ_WITH_FINGERPRINT:
                if self._card is None or not self._selected:
                    return encode_response(0x41)
                if command is SamCommand.READ_WITH_FINGERPRINT and not self.fingerprint:
                    return encode_response(0x21)
                person = self._people[self._card]
                text = encode_card_text(person)
                wlt = placeholder_wlt(person.id)
                if command is SamCommand.READ:
                    payload = b"\x01\x00\x04\x00" + text + wlt
                else:
                    finger = (b"FP" + hashlib.sha256(person.id.encode()).digest() * 32)[:FINGERPRINT_SIZE]
                    payload = b"\x01\x00\x04\x00\x04\x00" + text + wlt + finger
                self._read_done = True
                return encode_response(0x90, payload)

    def _take_fault(self, command: SamCommand) -> _Armed | None:
        for armed in self._armed:
            if armed.on is command:
                armed.remaining -= 1
                if armed.remaining <= 0:
                    self._armed.remove(armed)
                return armed
        return None

    def _garbage(self, size: int) -> bytes:
        return bytes(self._random.choice(range(0x00, 0xAA)) for _ in range(size))


# --- transports --------------------------------------------------------------------------------


def _send_paced(write: Callable[[bytes], None], chunks: list[bytes], baud: int | None, received: int = 0) -> None:
    """Writes `chunks`, no faster than `baud` (10 bits a byte, 8N1) when given.

    `received` bytes of command just read also count: a real line would have taken
    their time to deliver them, so the answer starts that much later.
    """
    if not baud:
        for chunk in chunks:
            write(chunk)
        return
    data = b"".join(chunks)
    byte_time = 10.0 / baud
    step = max(1, int(0.002 / byte_time))  # about 2 ms of bytes at a time
    started = time.perf_counter() + received * byte_time
    for offset in range(0, len(data), step):
        due = started + offset * byte_time
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        write(data[offset : offset + step])
    delay = started + len(data) * byte_time - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


class _LoopSamPort:
    """A pyserial loop:// port whose far end is the simulator instead of a mirror."""

    def __init__(self, sam: SimulatedSam, url: str, baud: int) -> None:
        import serial

        self._sam = sam
        self._port: Any = serial.serial_for_url(url, baudrate=baud, timeout=0.01)
        if not url.startswith("loop://"):
            raise ValueError("the loop transport needs a loop:// URL")

    @property
    def in_waiting(self) -> int:
        return int(self._port.in_waiting)

    def read(self, size: int = 1) -> bytes:
        return bytes(self._port.read(size))

    def write(self, data: bytes, /) -> int:
        for chunk in self._sam.handle(bytes(data)):
            self._port.write(chunk)  # into the loop's queue: what the host reads next
        return len(data)

    def reset_input_buffer(self) -> None:
        self._port.reset_input_buffer()

    def close(self) -> None:
        self._port.close()


def loop_port_factory(sam: SimulatedSam) -> Callable[[str, int], _LoopSamPort]:
    """A `port_factory` for SamSerialIdReader("loop://", ...) that talks to `sam`."""

    def factory(url: str, baud: int) -> _LoopSamPort:
        return _LoopSamPort(sam, url, baud)

    return factory


class _Server:
    """A thread serving the simulator; start() / stop() or a with-block."""

    def __init__(self, sam: SimulatedSam, baud: int | None, name: str) -> None:
        self.sam = sam
        self.baud = baud
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def __enter__(self) -> _Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._close()

    def _serve(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class SamSocketServer(_Server):
    """The simulator on a TCP port of 127.0.0.1: `url` is ``socket://127.0.0.1:<port>``.

    One connection at a time; a new one starts with an empty receive buffer.
    """

    def __init__(self, sam: SimulatedSam, *, baud: int | None = None, host: str = "127.0.0.1") -> None:
        super().__init__(sam, baud, "sam-sim-socket")
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.02)
        self.host = host
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def __enter__(self) -> SamSocketServer:
        self.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sam.reset_line()
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([connection], [], [], 0.02)
            if not ready:
                continue
            try:
                data = connection.recv(4096)
            except OSError:
                return
            if not data:
                return
            try:
                _send_paced(connection.sendall, self.sam.handle(data), self.baud, len(data))
            except OSError:
                return

    def _close(self) -> None:
        self._listener.close()


class SamPtyServer(_Server):
    """The simulator on the master side of a pseudo-terminal; open `path` as the port."""

    def __init__(self, sam: SimulatedSam, *, baud: int | None = None) -> None:
        import tty  # POSIX only, like openpty

        super().__init__(sam, baud, "sam-sim-pty")
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing, before anyone writes
        self.path = os.ttyname(self._slave)

    def __enter__(self) -> SamPtyServer:
        self.start()
        return self

    def _serve(self) -> None:
        master = self._master
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if data:
                _send_paced(lambda chunk: _write_all(master, chunk), self.sam.handle(data), self.baud, len(data))

    def _close(self) -> None:
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
