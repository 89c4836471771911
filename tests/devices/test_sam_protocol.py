"""GA/T 467 frames: command bytes, response parsing, stream resynchronisation, status codes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import (
    CardRemovedError,
    CorruptDataError,
    DeviceError,
    DeviceUnavailableError,
    NoCardError,
)
from devices.id_reader.sam.errors import CardAuthenticationError, SamLinkError, UnrecognisedCardError
from devices.id_reader.sam.protocol import (
    Command,
    FrameDecoder,
    FrameError,
    Response,
    Status,
    build_command,
    parse_response,
    status_error,
)
from devices.id_reader.sam.simulator import encode_response

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    ("command", "frame"),
    [  # domain.md §5.6, complete frames with their checksums
        (Command.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
        (Command.READ_SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
        (Command.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (Command.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (Command.READ_BASE, "AA AA AA 96 69 00 03 30 01 32"),
        (Command.READ_BASE_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
    ],
)
def test_command_frames_match_the_spec(command: Command, frame: str) -> None:
    assert build_command(command) == bytes.fromhex(frame)


def test_command_with_data() -> None:
    assert build_command(Command.SET_MAX_RF_BYTES, b"\x50") == bytes.fromhex("AA AA AA 96 69 00 04 61 FF 50 CA")


def test_parse_response() -> None:
    assert parse_response(encode_response(0x9F)) == Response(0, 0, 0x9F, b"")
    assert parse_response(encode_response(0x90, b"abc")).data == b"abc"
    with pytest.raises(FrameError, match="checksum"):
        parse_response(encode_response(0x90, b"abc")[:-1] + b"\x00")
    with pytest.raises(FrameError, match="preamble"):
        parse_response(b"\x00" + encode_response(0x90)[1:])
    with pytest.raises(FrameError, match="disagrees"):
        parse_response(encode_response(0x90, b"abc")[:-2])
    assert issubclass(FrameError, CorruptDataError)


def test_decoder_resynchronises_after_garbage_and_a_partial_frame() -> None:
    good = encode_response(0x90, b"payload")
    partial = encode_response(0x90, bytes(300))[:100]
    decoder = FrameDecoder()
    for byte in b"\x01\x02\xaa\x55" + partial + good:  # one byte at a time, as a slow line delivers
        decoder.feed(bytes((byte,)))
        frame = decoder.next_frame()
        if frame is not None:
            break
    assert frame == Response(0, 0, 0x90, b"payload")
    assert decoder.discarded == 4 + len(partial) and decoder.buffered == 0


def test_decoder_reports_a_bad_checksum_and_keeps_nothing() -> None:
    decoder = FrameDecoder()
    bad = encode_response(0x90, b"x")
    decoder.feed(bad[:-1] + bytes((bad[-1] ^ 1,)))
    assert decoder.next_frame() is None
    assert "checksum" in decoder.discard_reason and not decoder.pending


def test_decoder_waits_for_a_split_frame() -> None:
    frame = encode_response(0x90, bytes(range(50)))
    decoder = FrameDecoder()
    decoder.feed(frame[:3])
    assert decoder.next_frame() is None and decoder.pending
    decoder.feed(frame[3:20])
    assert decoder.next_frame() is None and decoder.pending
    decoder.feed(frame[20:] + encode_response(0x9F))
    assert decoder.next_frame() == Response(0, 0, 0x90, bytes(range(50)))
    assert decoder.next_frame() == Response(0, 0, 0x9F, b"")


@pytest.mark.parametrize(
    ("sw3", "error"),
    [
        (0x91, CorruptDataError),
        (0x10, SamLinkError),
        (0x11, SamLinkError),
        (0x21, SamLinkError),
        (0x23, DeviceUnavailableError),
        (0x24, DeviceError),
        (0x31, CardAuthenticationError),
        (0x32, CardAuthenticationError),
        (0x33, CardAuthenticationError),
        (0x40, UnrecognisedCardError),
        (0x41, CardRemovedError),
        (0x47, CardRemovedError),
        (0x60, DeviceUnavailableError),
        (0x66, DeviceUnavailableError),
        (0x80, NoCardError),
        (0x81, CardRemovedError),
        (0x55, DeviceError),  # not in the table
    ],
)
def test_every_status_code_has_its_error(sw3: int, error: type[DeviceError]) -> None:
    raised = status_error(sw3)
    assert type(raised) is error
    assert f"0x{sw3:02X}" in str(raised.params["detail"])


def test_success_codes_are_not_errors() -> None:
    assert status_error(0x90) is None and status_error(0x9F) is None
    assert {int(code) for code in Status} <= set(range(256))


# --- Hypothesis: nothing but the documented protocol errors, ever ------------------------------

frames = st.builds(
    encode_response,
    st.integers(0, 255),
    st.binary(max_size=64),
    sw1=st.integers(0, 255),
    sw2=st.integers(0, 255),
)


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_frame_errors(data: bytes) -> None:
    with contextlib.suppress(FrameError):
        parse_response(data)


@FAST
@given(frames, st.data())
def test_every_single_byte_mutation_is_detected(frame: bytes, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(frame) - 1))
    flip = data.draw(st.integers(1, 255))
    mutated = bytearray(frame)
    mutated[index] ^= flip
    with pytest.raises(FrameError):
        parse_response(bytes(mutated))


@FAST
@given(frames, st.data())
def test_mutated_frames_parse_or_raise_frame_errors(frame: bytes, data: st.DataObject) -> None:
    mutated = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 4))):
        match data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"])):
            case "flip" if mutated:
                mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
            case "insert":
                mutated.insert(data.draw(st.integers(0, len(mutated))), data.draw(st.integers(0, 255)))
            case "delete" if mutated:
                del mutated[data.draw(st.integers(0, len(mutated) - 1))]
            case "truncate":
                del mutated[data.draw(st.integers(0, len(mutated))) :]
            case _:
                pass
    with contextlib.suppress(FrameError):
        parse_response(bytes(mutated))


@FAST
@given(st.lists(st.one_of(st.binary(max_size=40), frames), max_size=8), st.integers(1, 64))
def test_decoder_never_raises_and_yields_only_valid_frames(parts: list[bytes], chunk: int) -> None:
    stream = b"".join(parts)
    decoder = FrameDecoder()
    for offset in range(0, len(stream), chunk):
        decoder.feed(stream[offset : offset + chunk])
        while (frame := decoder.next_frame()) is not None:
            assert parse_response(encode_response(frame.sw3, frame.data, sw1=frame.sw1, sw2=frame.sw2)) == frame
            assert stream.find(encode_response(frame.sw3, frame.data, sw1=frame.sw1, sw2=frame.sw2)) >= 0


@FAST
@given(st.binary(max_size=80).map(lambda b: bytes(x for x in b if x != 0xAA)), frames)
def test_decoder_finds_the_frame_after_any_garbage(garbage: bytes, frame: bytes) -> None:
    decoder = FrameDecoder()
    decoder.feed(garbage + frame)
    assert decoder.next_frame() == parse_response(frame)
