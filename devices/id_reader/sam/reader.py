"""`SamSerialIdReader`: a second-generation ID card reader speaking GA/T 467 over serial.

The port is opened with `serial.serial_for_url`, so a device path (``/dev/ttyUSB0``,
``COM4``), ``socket://host:port``, ``loop://`` and ``spy://`` all work. A read is
find card -> select card -> read base message (text + WLT photo), each a command
frame answered by one response frame (protocol.py).

* Card presence: `read_card` polls find-card every `poll_interval_s` for up to
  `card_wait_s` (0: one attempt), sleeping between polls, so the port is idle most of
  the time and the read starts as soon as a card is laid down.
* Card-removal rule: after a successful read the same card must leave the field
  before the next read. Until a find-card has failed once, a card that is found is
  taken to be the card just read, and the read ends in CardNotRemovedError (a
  NoCardError, "take it off, then place the next card").
* Timeouts and resynchronisation: a response must come within
  `response_timeout_s`; garbage and broken or partial frames are skipped up to the
  next good frame, and when the line goes quiet with nothing but such bytes the read
  fails at once with CorruptDataError instead of waiting for the timeout.
* Status: BUSY while reading, NOT_READY while waiting for a card (or for the last
  card to leave), READY after, UNAVAILABLE when the port cannot be opened or fails;
  the next call opens it again (hot plug).
* Logs carry command names, status codes and byte counts, never card contents.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import ClassVar, Protocol

from devices.errors import CorruptDataError, DeviceError, DeviceTimeoutError, DeviceUnavailableError, NoCardError
from devices.id_reader.base import IdReader
from devices.id_reader.sam.errors import CardNotRemovedError
from devices.id_reader.sam.photo import PhotoDecoder, UnavailablePhotoDecoder
from devices.id_reader.sam.protocol import (
    Command,
    FrameDecoder,
    Response,
    Status,
    build_command,
    status_error,
)
from devices.id_reader.sam.text import TEXT_SIZE, parse_text
from devices.id_reader.types import IdentityRecord
from devices.status import DeviceState

log = logging.getLogger(__name__)

DEFAULT_BAUD = 115200
READ_SLICE_S = 0.01  # port read timeout: how often the receive loop looks at the clock
WRITE_TIMEOUT_S = 2.0


class SerialPort(Protocol):
    """What the reader needs of a pyserial port (serial.Serial and the URL handlers)."""

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


PortFactory = Callable[[str, int], SerialPort]


def open_serial_port(url: str, baud: int) -> SerialPort:
    """The default port factory: `serial.serial_for_url`, 8N1, short read timeout."""
    import serial

    try:
        port: SerialPort = serial.serial_for_url(
            url, baudrate=baud, timeout=READ_SLICE_S, write_timeout=WRITE_TIMEOUT_S
        )
    except (OSError, ValueError) as error:  # serial.SerialException is an OSError
        shown = _without_credentials(url)
        raise DeviceUnavailableError(detail=f"cannot open {shown}: {str(error).replace(url, shown)}") from error
    return port


class SamSerialIdReader(IdReader):
    backend: ClassVar[str] = "sam"

    def __init__(
        self,
        port_url: str,
        baud: int = DEFAULT_BAUD,
        photo_decoder: PhotoDecoder | None = None,
        name: str | None = None,
        *,
        card_wait_s: float = 3.0,
        poll_interval_s: float = 0.2,
        response_timeout_s: float = 2.0,
        with_fingerprint: bool = False,
        port_factory: PortFactory | None = None,
        probe_wait_s: float = 0.5,
    ) -> None:
        self.port_url = port_url
        # What messages, statuses and logs show: a socket:// URL may carry credentials.
        self.port_shown = _without_credentials(port_url)
        super().__init__(name or f"身份证阅读器 {self.port_shown}")
        self.baud = baud
        self.photo_decoder: PhotoDecoder = photo_decoder or UnavailablePhotoDecoder()
        self.card_wait_s = card_wait_s
        self.poll_interval_s = poll_interval_s
        self.response_timeout_s = response_timeout_s
        self.with_fingerprint = with_fingerprint
        self._port_factory = port_factory or open_serial_port
        self._port: SerialPort | None = None
        self._closing = threading.Event()
        self._awaiting_removal = False
        # Quiet gap that ends a wait for a frame when only garbage came: 20 byte times, >= 0.1 s.
        self._quiet_s = max(0.1, 20 * 10 / baud)
        self.bytes_sent = 0
        self.bytes_received = 0
        if probe_wait_s > 0:
            # Open the port and ask the SAM for its status now, so that the status (and
            # `devices list`) tells at once whether the reader is there; wait a little
            # for it, never long: a slow port finishes later and updates the status.
            probe = self._run("connect", self._do_probe)
            with contextlib.suppress(Exception):
                probe.result(timeout=probe_wait_s)

    # --- public calls beyond IdReader ------------------------------------------------------

    def read_sam_id(self) -> Future[str]:
        """The security module's number (安全模块号), e.g. for `devices test`."""
        return self._run("read_sam_id", self._do_read_sam_id)

    @property
    def awaiting_removal(self) -> bool:
        """True after a successful read until a find-card has failed once."""
        return self._awaiting_removal

    def close(self) -> None:
        self._closing.set()
        super().close()
        self._drop_port()

    # --- backend ---------------------------------------------------------------------------

    def _do_read_card(self) -> IdentityRecord:
        with self._port_errors():
            self._wait_for_card()
            self._set_status(DeviceState.BUSY, "read_card")
            self._exchange(Command.SELECT_CARD)
            command = Command.READ_BASE_FINGERPRINT if self.with_fingerprint else Command.READ_BASE
            response = self._exchange(command)
        text, wlt = _split_base_message(response.data, with_fingerprint=self.with_fingerprint)
        card = parse_text(text)
        self._awaiting_removal = True
        log.info("id_reader %s read a %s card", self.name, card.card_type.value)
        return card.record(photo_png=self._decode_photo(wlt), reader_name=self.name)

    def _do_probe(self) -> None:
        with self._port_errors():
            try:
                self._exchange(Command.SAM_STATUS, timeout_s=min(self.response_timeout_s, 0.3))
            except DeviceTimeoutError as error:
                raise DeviceUnavailableError(detail=f"no answer from the reader on {self.port_shown}") from error

    def _do_read_sam_id(self) -> str:
        with self._port_errors():
            response = self._exchange(Command.READ_SAM_ID)
        return format_sam_id(response.data)

    def _wait_for_card(self) -> None:
        deadline = time.monotonic() + self.card_wait_s
        while True:
            # The SAM itself finds a card once per stay in the field (domain.md §5.6): after
            # a read, "no card" may mean the card just read is still there, so the error
            # then says to lay down the next card, whichever it is.
            found = self._exchange(Command.FIND_CARD, allowed=(Status.FIND_CARD_FAILED,))
            if found.sw3 == Status.FIND_SUCCESS:
                self._awaiting_removal = False
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if self._awaiting_removal:
                    raise CardNotRemovedError()
                raise NoCardError(detail=f"{Status.FIND_CARD_FAILED.name} (SW3 0x80)")
            waiting_for = "remove the card just read" if self._awaiting_removal else "waiting for a card"
            self._set_status(DeviceState.NOT_READY, waiting_for)
            if self._closing.wait(min(self.poll_interval_s, remaining)):
                raise DeviceUnavailableError(detail="the device was closed")

    # --- frames ------------------------------------------------------------------------------

    def _exchange(
        self, command: Command, data: bytes = b"", *, allowed: tuple[int, ...] = (), timeout_s: float | None = None
    ) -> Response:
        """Sends one command, returns its response; raises the status code's error."""
        port = self._open_port()
        frame = build_command(command, data)
        port.reset_input_buffer()
        port.write(frame)
        self.bytes_sent += len(frame)
        response = self._receive(port, command, timeout_s or self.response_timeout_s)
        if response.ok or response.sw3 in allowed:
            return response
        error = status_error(response.sw3)
        assert error is not None
        log.info("id_reader %s: %s answered SW3 0x%02X", self.name, command.name, response.sw3)
        raise error

    def _receive(self, port: SerialPort, command: Command, timeout_s: float) -> Response:
        decoder = FrameDecoder()
        started = last_rx = time.monotonic()
        deadline = started + timeout_s
        while True:
            chunk = port.read(max(1, port.in_waiting))
            now = time.monotonic()
            if chunk:
                self.bytes_received += len(chunk)
                decoder.feed(chunk)
                last_rx = now
                response = decoder.next_frame()
                if response is not None:
                    if decoder.discarded:
                        log.info("id_reader %s: skipped %d bytes (%s)", self.name, decoder.discarded,
                                 decoder.discard_reason)
                    return response
            elif decoder.received and not decoder.pending and now - last_rx >= self._quiet_s:
                raise CorruptDataError(
                    detail=f"no valid frame in answer to {command.name}: {decoder.discard_reason}"
                )
            if now >= deadline:
                if not decoder.received:
                    raise DeviceTimeoutError(seconds=timeout_s, detail=command.name)
                reason = "incomplete frame" if decoder.pending else decoder.discard_reason
                raise CorruptDataError(detail=f"no valid frame in answer to {command.name}: {reason}")
            if self._closing.is_set():
                raise DeviceUnavailableError(detail="the device was closed")

    # --- port ----------------------------------------------------------------------------------

    def _open_port(self) -> SerialPort:
        if self._port is None:
            self._port = self._port_factory(self.port_url, self.baud)
            log.info("id_reader %s: opened %s at %d baud", self.name, self.port_shown, self.baud)
        return self._port

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        sock = getattr(port, "_socket", None)
        if isinstance(sock, socket.socket):
            # pyserial 3.5's socket:// close() sleeps 0.3 s and, when the peer has gone,
            # skips closing the socket (shutdown raises first): close it here instead.
            with contextlib.suppress(OSError):
                sock.close()
            port._socket = None  # type: ignore[attr-defined]
            port.is_open = False  # type: ignore[attr-defined]
            return
        try:
            port.close()
        except OSError:
            log.debug("closing %s failed", self.port_shown, exc_info=True)

    def _port_errors(self) -> _PortErrors:
        return _PortErrors(self)

    def _decode_photo(self, wlt: bytes) -> bytes | None:
        if not wlt:
            return None
        try:
            return self.photo_decoder.decode(wlt)
        except Exception:  # a decoder bug must not lose the text of the card
            log.exception("id_reader %s: the photo decoder failed", self.name)
            return None


class _PortErrors:
    """Turns OS and pyserial failures into DeviceUnavailableError and drops the port."""

    def __init__(self, reader: SamSerialIdReader) -> None:
        self._reader = reader

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if error is None or (isinstance(error, DeviceError) and not isinstance(error, DeviceUnavailableError)):
            return
        self._reader._drop_port()
        if isinstance(error, OSError):  # serial.SerialException and its timeouts are OSErrors
            reader = self._reader
            reason = str(error).replace(reader.port_url, reader.port_shown)
            raise DeviceUnavailableError(detail=f"{reader.port_shown}: {reason}") from error


def _split_base_message(data: bytes, *, with_fingerprint: bool = False) -> tuple[bytes, bytes]:
    """Text and WLT photo of a read-base answer, by its length fields.

    Read base (30 01): text length, photo length (2 bytes each, big-endian), text, photo.
    Read base + fingerprint (30 10): a third length (fingerprint) follows the first two,
    and the fingerprint data the photo (the common SDK layout; domain.md §5.6 marks it
    unconfirmed). The fingerprint data is not used yet.
    """
    header = 6 if with_fingerprint else 4
    if len(data) < header:
        raise CorruptDataError(detail="length fields: base message too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    finger_len = int.from_bytes(data[4:6], "big") if with_fingerprint else 0
    if text_len != TEXT_SIZE or photo_len > 1024 or header + text_len + photo_len + finger_len > len(data):
        raise CorruptDataError(detail="length fields: text or photo length disagrees with the data")
    return data[header : header + text_len], data[header + text_len : header + text_len + photo_len]


def format_sam_id(data: bytes) -> str:
    """The usual printed form of the 16-byte SAM number: 05.01-20101011-0012345678-1234567890."""
    if len(data) < 16:
        raise CorruptDataError(detail="SAM ID: fewer than 16 bytes")
    a = int.from_bytes(data[0:2], "little")
    b = int.from_bytes(data[2:4], "little")
    c = int.from_bytes(data[4:8], "little")
    d = int.from_bytes(data[8:12], "little")
    e = int.from_bytes(data[12:16], "little")
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


def _without_credentials(url: str) -> str:
    """`socket://user:secret@host:port` → `socket://user:***@host:port`."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)
