"""GA/T 467 SAM frame protocol: building commands, parsing responses, status codes.

Frames (domain.md §5.6)::

    command : AA AA AA 96 69 | LEN_H LEN_L | CMD | PARA | [DATA...] | CHK
    response: AA AA AA 96 69 | LEN_H LEN_L | SW1 | SW2 | SW3 | [DATA...] | CHK

LEN counts the bytes after the LEN field, CHK included (big-endian); CHK is the XOR
of every byte from LEN_H to the last DATA byte.

Two parsers: `parse_frame` checks one complete frame and raises `FrameError` (a
`CorruptDataError`, DEV-012) for anything wrong; `FrameDecoder` is the stream side,
which never raises: it keeps bytes until they hold a complete frame with a good
checksum, discarding garbage and broken or partial frames (resynchronisation on the
next preamble), and remembers why it discarded the last bytes.

`status_error` maps every SW3 status code to the `DeviceError` with its meaning.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from devices.errors import (
    CardRemovedError,
    CorruptDataError,
    DeviceError,
    DeviceUnavailableError,
    NoCardError,
)
from devices.id_reader.sam.errors import CardAuthenticationError, SamLinkError, UnrecognisedCardError

PREAMBLE: Final = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN: Final = len(PREAMBLE) + 2  # preamble + LEN
MIN_RESPONSE_LEN: Final = 4  # SW1 SW2 SW3 CHK
MIN_COMMAND_LEN: Final = 3  # CMD PARA CHK
# Largest LEN accepted: base + fingerprint is 1288 + 2 + 1024; anything far above is noise.
MAX_LEN: Final = 4096


class Command(enum.Enum):
    """(CMD, PARA) of the commands the reader sends."""

    SAM_STATUS = (0x11, 0xFF)
    READ_SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)
    READ_BASE_FINGERPRINT = (0x30, 0x10)
    SET_MAX_RF_BYTES = (0x61, 0xFF)

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]


class Status(enum.IntEnum):
    """SW3 status codes (domain.md §5.6)."""

    SUCCESS = 0x90
    NO_CONTENT = 0x91
    FIND_SUCCESS = 0x9F
    RX_CHECKSUM_ERROR = 0x10
    RX_LENGTH_ERROR = 0x11
    RX_COMMAND_ERROR = 0x21
    UNAUTHORISED_OPERATION = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_AUTH_OF_SAM_FAILED = 0x31
    SAM_AUTH_OF_CARD_FAILED = 0x32
    INFO_VERIFICATION_ERROR = 0x33
    UNRECOGNISED_CARD_TYPE = 0x40
    READ_CARD_FAILED = 0x41
    GET_RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    FIND_CARD_FAILED = 0x80
    SELECT_CARD_FAILED = 0x81


SUCCESS_CODES: Final = frozenset({Status.SUCCESS, Status.FIND_SUCCESS})

# Meaning of each code, in English, for the error detail and the log (no personal data).
STATUS_MEANING: Final[dict[int, str]] = {
    Status.SUCCESS: "success",
    Status.NO_CONTENT: "no content for this item",
    Status.FIND_SUCCESS: "find card success",
    Status.RX_CHECKSUM_ERROR: "the reader received a command with a checksum error",
    Status.RX_LENGTH_ERROR: "the reader received a command with a length error",
    Status.RX_COMMAND_ERROR: "the reader received an unknown or damaged command",
    Status.UNAUTHORISED_OPERATION: "unauthorised operation",
    Status.UNRECOGNISED_ERROR: "unrecognised error",
    Status.CARD_AUTH_OF_SAM_FAILED: "the card's authentication of the security module failed",
    Status.SAM_AUTH_OF_CARD_FAILED: "the security module's authentication of the card failed",
    Status.INFO_VERIFICATION_ERROR: "information verification error",
    Status.UNRECOGNISED_CARD_TYPE: "unrecognised card type",
    Status.READ_CARD_FAILED: "read card failed",
    Status.GET_RANDOM_FAILED: "get random number failed",
    Status.SAM_SELF_TEST_FAILED: "security module self-test failed",
    Status.SAM_NOT_AUTHORISED: "security module not authorised",
    Status.FIND_CARD_FAILED: "find card failed (no card)",
    Status.SELECT_CARD_FAILED: "select card failed",
}


def status_error(sw3: int) -> DeviceError | None:
    """The error an SW3 code means; None for the success codes (0x90, 0x9F)."""
    if sw3 in SUCCESS_CODES:
        return None
    meaning = STATUS_MEANING.get(sw3, "unknown status code")
    detail = f"{meaning} (SW3 0x{sw3:02X})"
    match sw3:
        case Status.FIND_CARD_FAILED:
            return NoCardError(detail=detail)
        case Status.SELECT_CARD_FAILED | Status.READ_CARD_FAILED | Status.GET_RANDOM_FAILED:
            # The card answered find, then stopped answering: it moved or left the field.
            return CardRemovedError(detail=detail)
        case Status.RX_CHECKSUM_ERROR | Status.RX_LENGTH_ERROR | Status.RX_COMMAND_ERROR:
            return SamLinkError(detail=detail)
        case Status.CARD_AUTH_OF_SAM_FAILED | Status.SAM_AUTH_OF_CARD_FAILED | Status.INFO_VERIFICATION_ERROR:
            return CardAuthenticationError(detail=detail)
        case Status.UNRECOGNISED_CARD_TYPE:
            return UnrecognisedCardError(detail=detail)
        case Status.SAM_SELF_TEST_FAILED | Status.SAM_NOT_AUTHORISED | Status.UNAUTHORISED_OPERATION:
            return DeviceUnavailableError(detail=detail)
        case Status.NO_CONTENT:
            return CorruptDataError(detail=detail)
        case _:  # 0x24 unrecognised error and codes outside the table
            return DeviceError(detail=detail)


class FrameError(CorruptDataError):
    """A frame is malformed: preamble, length or checksum (DEV-012)."""

    def __init__(self, reason: str) -> None:
        super().__init__("", detail=reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw3 in SUCCESS_CODES


def checksum(body: bytes | bytearray) -> int:
    """XOR of `body` (LEN_H .. last DATA byte)."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def build_command(command: Command, data: bytes = b"") -> bytes:
    """The complete command frame, checksum included."""
    length = 2 + len(data) + 1
    body = length.to_bytes(2, "big") + bytes((command.cmd, command.para)) + data
    return PREAMBLE + body + bytes((checksum(body),))


def parse_frame(frame: bytes, *, min_len: int = MIN_RESPONSE_LEN) -> bytes:
    """Checks one complete frame and returns its payload (the bytes between LEN and CHK).

    Raises FrameError for a wrong preamble, a LEN out of range or disagreeing with the
    frame's size, or a wrong checksum. Nothing else, whatever the input.
    """
    if len(frame) < HEADER_LEN:
        raise FrameError(f"frame too short ({len(frame)} bytes)")
    if frame[: len(PREAMBLE)] != PREAMBLE:
        raise FrameError("no frame preamble")
    length = int.from_bytes(frame[5:7], "big")
    if not min_len <= length <= MAX_LEN:
        raise FrameError(f"frame length {length} out of range")
    if len(frame) != HEADER_LEN + length:
        raise FrameError(f"frame length {length} disagrees with the {len(frame) - HEADER_LEN} bytes received")
    body = frame[5:-1]
    if checksum(body) != frame[-1]:
        raise FrameError("checksum mismatch")
    return frame[HEADER_LEN:-1]


def parse_response(frame: bytes) -> Response:
    """A complete response frame as SW1 SW2 SW3 and data. Raises FrameError."""
    payload = parse_frame(frame, min_len=MIN_RESPONSE_LEN)
    return Response(payload[0], payload[1], payload[2], bytes(payload[3:]))


class FrameDecoder:
    """Finds complete, valid response frames in a byte stream; never raises.

    `feed` adds received bytes; `next_frame` returns the earliest complete frame whose
    checksum is right and drops every byte before and of it. A candidate that starts
    with the preamble but has a bad LEN or checksum is skipped (the scan goes on from
    its second byte), and a candidate still incomplete is passed over when a complete,
    valid frame follows it, so garbage or a partial frame before a good one never hides
    the good one. `discard_reason` says why bytes were last dropped, for the error a
    caller raises when no good frame comes; `pending` says a frame may still complete.
    """

    def __init__(self, *, min_len: int = MIN_RESPONSE_LEN) -> None:
        self._buffer = bytearray()
        self._min_len = min_len
        self.received = 0
        self.discarded = 0
        self.discard_reason = ""

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def pending(self) -> bool:
        """True when the buffer begins a frame (or a preamble) that more bytes may complete."""
        buffer = bytes(self._buffer)
        if not buffer:
            return False
        if len(buffer) < len(PREAMBLE):
            return PREAMBLE.startswith(buffer)
        return buffer.startswith(PREAMBLE)

    def next_frame(self) -> Response | None:
        buffer = self._buffer
        first_open = -1  # the earliest candidate that may still complete
        at = buffer.find(PREAMBLE)
        while at >= 0:
            if len(buffer) < at + HEADER_LEN:
                if first_open < 0:
                    first_open = at
                break
            length = int.from_bytes(buffer[at + 5 : at + 7], "big")
            end = at + HEADER_LEN + length
            if not self._min_len <= length <= MAX_LEN:
                self.discard_reason = f"frame length {length} out of range"
            elif end > len(buffer):
                if first_open < 0:
                    first_open = at
            elif checksum(buffer[at + 5 : end - 1]) != buffer[end - 1]:
                self.discard_reason = "checksum mismatch (or a wrong length)"
            else:
                if at > 0:
                    self._note_dropped(at, "partial frame" if first_open >= 0 else "bytes without a frame preamble")
                payload = bytes(buffer[at + HEADER_LEN : end - 1])
                del buffer[:end]
                return Response(payload[0], payload[1], payload[2], payload[3:])
            at = buffer.find(PREAMBLE, at + 1)
        if first_open >= 0:
            keep_from = first_open
        else:  # keep only a tail that may be the start of a preamble
            keep_from = len(buffer)
            for size in range(min(len(PREAMBLE) - 1, len(buffer)), 0, -1):
                if buffer[-size:] == PREAMBLE[:size]:
                    keep_from = len(buffer) - size
                    break
        if keep_from > 0:
            self._note_dropped(keep_from, "bytes without a frame preamble")
            del buffer[:keep_from]
        return None

    def _note_dropped(self, count: int, reason: str) -> None:
        self.discarded += count
        if not self.discard_reason:
            self.discard_reason = reason
