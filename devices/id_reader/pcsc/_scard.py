"""A typed, minimal wrapper around pyscard's low-level `smartcard.scard` (PC/SC).

pyscard ships no type information; every untyped call stays in this module. Each
function raises `ScardError` with the PC/SC result code on failure; reader.py maps
those codes to DeviceErrors. Importing it never fails: without pyscard (or, on
Linux, libpcsclite) LOAD_ERROR says why and PcscIdReader refuses to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

_api: Any
LOAD_ERROR: str | None = None
try:
    import smartcard.scard as _pyscard  # type: ignore[import-untyped,import-not-found,unused-ignore]

    _api = _pyscard
except (ImportError, OSError) as _error:  # pyscard, or libpcsclite under it, missing
    _api = None
    LOAD_ERROR = f"{type(_error).__name__}: {_error}"

S_SUCCESS: Final = 0
E_CANCELLED: Final = 0x80100002
E_INVALID_HANDLE: Final = 0x80100003
E_UNKNOWN_READER: Final = 0x80100009
E_TIMEOUT: Final = 0x8010000A
E_SHARING_VIOLATION: Final = 0x8010000B
E_NO_SMARTCARD: Final = 0x8010000C
F_COMM_ERROR: Final = 0x80100013
E_NOT_TRANSACTED: Final = 0x80100016
E_READER_UNAVAILABLE: Final = 0x80100017
E_NO_SERVICE: Final = 0x8010001D
E_SERVICE_STOPPED: Final = 0x8010001E
E_NO_READERS_AVAILABLE: Final = 0x8010002E
W_UNRESPONSIVE_CARD: Final = 0x80100066
W_UNPOWERED_CARD: Final = 0x80100067
W_RESET_CARD: Final = 0x80100068
W_REMOVED_CARD: Final = 0x80100069

STATE_UNAWARE: Final = 0x0000
STATE_CHANGED: Final = 0x0002
STATE_UNKNOWN: Final = 0x0004
STATE_UNAVAILABLE: Final = 0x0008
STATE_EMPTY: Final = 0x0010
STATE_PRESENT: Final = 0x0020
STATE_MUTE: Final = 0x0200

# F_COMM_ERROR is pcsc-lite's "RPC transport error": the socket to pcscd broke
SERVICE_GONE: Final = frozenset({E_NO_SERVICE, E_SERVICE_STOPPED, E_INVALID_HANDLE, F_COMM_ERROR})
CARD_GONE: Final = frozenset({E_NO_SMARTCARD, W_REMOVED_CARD, W_RESET_CARD, W_UNPOWERED_CARD})
# a contactless transfer that breaks off: in practice the card left the field
TRANSFER_BROKEN: Final = frozenset({E_NOT_TRANSACTED})


class ScardError(Exception):
    def __init__(self, code: int, what: str) -> None:
        self.code = code & 0xFFFFFFFF
        self.what = what
        super().__init__(f"{what}: {message(self.code)} (0x{self.code:08X})")


def message(code: int) -> str:
    try:
        return str(_api.SCardGetErrorMessage(code))
    except Exception:  # pragma: no cover - pyscard formats every code
        return "PC/SC error"


def _check(result: int, what: str) -> None:
    if result != S_SUCCESS:
        raise ScardError(int(result), what)


@dataclass(frozen=True, slots=True)
class ReaderState:
    reader: str
    event_state: int
    atr: bytes

    @property
    def present(self) -> bool:
        return bool(self.event_state & STATE_PRESENT) and not self.event_state & STATE_MUTE


def establish_context() -> int:
    result, context = _api.SCardEstablishContext(_api.SCARD_SCOPE_USER)
    _check(result, "SCardEstablishContext")
    return int(context)


def release_context(context: int) -> None:
    _api.SCardReleaseContext(context)


def cancel(context: int) -> None:
    _api.SCardCancel(context)


def list_readers(context: int) -> list[str]:
    result, readers = _api.SCardListReaders(context, [])
    if result == E_NO_READERS_AVAILABLE:
        return []
    _check(result, "SCardListReaders")
    return [str(reader) for reader in readers]


def get_status_change(context: int, timeout_ms: int, states: list[tuple[str, int]]) -> list[ReaderState]:
    """Blocks until a state differs from the given one, or the timeout (E_TIMEOUT)."""
    result, new_states = _api.SCardGetStatusChange(context, timeout_ms, states)
    _check(result, "SCardGetStatusChange")
    return [ReaderState(str(r), int(state) & 0xFFFF, bytes(atr)) for r, state, atr in new_states]


@dataclass
class Card:
    handle: int
    protocol: int
    atr: bytes


def connect(context: int, reader: str) -> Card:
    result, handle, protocol = _api.SCardConnect(
        context, reader, _api.SCARD_SHARE_SHARED, _api.SCARD_PROTOCOL_T0 | _api.SCARD_PROTOCOL_T1
    )
    _check(result, f"SCardConnect({reader})")
    result, _reader, _state, _protocol, atr = _api.SCardStatus(handle)
    _check(result, "SCardStatus")
    return Card(int(handle), int(protocol), bytes(atr))


def disconnect(card: Card) -> None:
    _api.SCardDisconnect(card.handle, _api.SCARD_LEAVE_CARD)


def transmit(card: Card, apdu: bytes) -> tuple[bytes, int]:
    """Sends one APDU; follows 61xx (GET RESPONSE) and 6Cxx (repeat with Le=xx)."""
    data = b""
    command = apdu
    for _ in range(32):
        result, response = _api.SCardTransmit(card.handle, card.protocol, list(command))
        _check(result, "SCardTransmit")
        raw = bytes(response)
        if len(raw) < 2:
            raise ScardError(E_NOT_TRANSACTED, "SCardTransmit: answer shorter than a status word")
        sw1, sw2 = raw[-2], raw[-1]
        if sw1 == 0x61:
            data += raw[:-2]
            command = bytes([apdu[0] & 0x03, 0xC0, 0x00, 0x00, sw2])
            continue
        if sw1 == 0x6C:
            command = command[:4] + bytes([sw2]) if len(command) <= 5 else command[:-1] + bytes([sw2])
            continue
        return data + raw[:-2], (sw1 << 8) | sw2
    raise ScardError(E_NOT_TRANSACTED, "SCardTransmit: too many GET RESPONSE rounds")
