"""The real SamSerialIdReader against the simulated SAM over loop://, socket:// and a pty."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.errors import (
    CardRemovedError,
    CorruptDataError,
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NoCardError,
)
from devices.id_reader.sam import SamSerialIdReader
from devices.id_reader.sam.errors import CardAuthenticationError, CardNotRemovedError, UnrecognisedCardError
from devices.id_reader.sam.simulator import (
    SamCommand,
    SamFault,
    SamPtyServer,
    SamSocketServer,
    SimulatedSam,
    loop_port_factory,
    placeholder_wlt,
)
from devices.id_reader.types import CardType
from devices.registry import open_device
from devices.status import DeviceState, DeviceStatus
from tests.devices.sam_people import HMT, PEOPLE, PR_2017, PR_2023, RESIDENT

TRANSPORTS = ["loop", "socket", pytest.param("pty", marks=pytest.mark.skipif(sys.platform == "win32", reason="no pty"))]
MakeReader = Callable[..., SamSerialIdReader]


@pytest.fixture
def sam() -> SimulatedSam:
    sam = SimulatedSam(PEOPLE)
    sam.present_card(RESIDENT.id)
    return sam


@pytest.fixture(params=TRANSPORTS)
def make_reader(request: pytest.FixtureRequest, sam: SimulatedSam) -> Iterator[MakeReader]:
    """Readers on the transport of the test's parameter; closed (and the server stopped) after."""
    readers: list[SamSerialIdReader] = []
    server: SamSocketServer | SamPtyServer | None = None
    if request.param == "socket":
        server = SamSocketServer(sam).__enter__()
    elif request.param == "pty":
        server = SamPtyServer(sam).__enter__()

    def make(**options: object) -> SamSerialIdReader:
        options = {"card_wait_s": 0.0, "poll_interval_s": 0.01, "response_timeout_s": 0.3, **options}
        if isinstance(server, SamSocketServer):
            reader = SamSerialIdReader(server.url, name="sam-under-test", **options)  # type: ignore[arg-type]
        elif isinstance(server, SamPtyServer):
            reader = SamSerialIdReader(server.path, name="sam-under-test", **options)  # type: ignore[arg-type]
        else:
            reader = SamSerialIdReader(
                "loop://", name="sam-under-test", port_factory=loop_port_factory(sam), **options  # type: ignore[arg-type]
            )
        readers.append(reader)
        return reader

    try:
        yield make
    finally:
        for reader in readers:
            reader.close()
        if server is not None:
            server.stop()


def read(reader: SamSerialIdReader):  # type: ignore[no-untyped-def]
    return reader.read_card().result(timeout=5)


def lift_and_lay(sam: SimulatedSam, person_id: str) -> None:
    """The last card leaves the field (one find fails), then `person_id`'s card is laid down."""
    sam.present_card(person_id)
    sam.arm(SamFault.NO_CARD)


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.id)
def test_reads_each_card_type(make_reader: MakeReader, sam: SimulatedSam, person) -> None:  # type: ignore[no-untyped-def]
    sam.present_card(person.id)
    record = read(make_reader())
    assert record.card_type is person.card_type
    assert (record.name, record.id_number, record.birth_date) == (person.name, person.id_number, person.birth_date)
    assert record.valid_to == person.valid_to and record.valid_from == person.valid_from
    assert record.reader_name == "sam-under-test" and record.photo_png is None  # no decoder configured
    if person is RESIDENT:
        assert record.ethnicity_code == "01" and record.address == RESIDENT.address and record.valid_to is None
    if person is HMT:
        assert record.card_type is CardType.HMT_RESIDENCE_PERMIT and record.nationality == "CHN"
    if person in (PR_2017, PR_2023):
        assert record.nationality == person.nationality and record.ethnicity_code == ""


FAULTS = [
    (SamFault.NO_CARD, None, NoCardError),
    (SamFault.CARD_REMOVED, None, CardRemovedError),
    (SamFault.CHECKSUM_ERROR, None, CorruptDataError),
    (SamFault.CHECKSUM_ERROR, SamCommand.SELECT, CorruptDataError),
    (SamFault.LENGTH_ERROR, None, CorruptDataError),
    (SamFault.LENGTH_ERROR, SamCommand.FIND, CorruptDataError),
    (SamFault.GARBAGE, None, CorruptDataError),
    (SamFault.SILENCE, None, DeviceTimeoutError),
    (SamFault.SILENCE, SamCommand.FIND, DeviceTimeoutError),
]


@pytest.mark.parametrize(("fault", "on", "error"), FAULTS, ids=lambda v: getattr(v, "value", None) or "")
def test_every_fault_ends_in_its_error_then_a_retry_reads(
    make_reader: MakeReader, sam: SimulatedSam, fault: SamFault, on: SamCommand | None, error: type[DeviceError]
) -> None:
    reader = make_reader()
    sam.arm(fault, on=on)
    with pytest.raises(error) as caught:
        read(reader)
    assert type(caught.value) is error and caught.value.device == "sam-under-test"
    assert reader.status.state is DeviceState.READY  # a card or line problem, not a dead reader
    assert read(reader).id_number == RESIDENT.id_number  # the retry
    assert sam.armed == 0


@pytest.mark.parametrize(
    ("sw3", "error", "state"),
    [
        (0x10, DeviceError, DeviceState.READY),
        (0x31, CardAuthenticationError, DeviceState.READY),
        (0x33, CardAuthenticationError, DeviceState.READY),
        (0x40, UnrecognisedCardError, DeviceState.READY),
        (0x47, CardRemovedError, DeviceState.READY),
        (0x60, DeviceUnavailableError, DeviceState.UNAVAILABLE),
        (0x66, DeviceUnavailableError, DeviceState.UNAVAILABLE),
        (0x24, DeviceError, DeviceState.READY),
    ],
)
@pytest.mark.parametrize("make_reader", ["loop"], indirect=True)
def test_status_codes_over_the_wire(
    make_reader: MakeReader, sam: SimulatedSam, sw3: int, error: type[DeviceError], state: DeviceState
) -> None:
    reader = make_reader()
    sam.arm(SamFault.STATUS, sw3=sw3, on=SamCommand.READ)
    with pytest.raises(error) as caught:
        read(reader)
    assert f"0x{sw3:02X}" in str(caught.value.params["detail"])
    assert reader.status.state is state
    assert read(reader).name == RESIDENT.name  # and the reader recovers (the port reopens)
    assert reader.status.state is DeviceState.READY


@pytest.mark.parametrize("fault", [SamFault.NOISE_BEFORE, SamFault.PARTIAL_BEFORE])
@pytest.mark.parametrize("on", [SamCommand.FIND, SamCommand.READ])
def test_resynchronises_after_garbage_or_a_partial_frame(
    make_reader: MakeReader, sam: SimulatedSam, fault: SamFault, on: SamCommand
) -> None:
    sam.arm(fault, on=on)
    assert read(make_reader()).name == RESIDENT.name


@pytest.mark.parametrize("make_reader", ["loop", "socket"], indirect=True)
def test_card_must_leave_the_field_before_the_next_read(make_reader: MakeReader, sam: SimulatedSam) -> None:
    reader = make_reader()
    assert read(reader).name == RESIDENT.name and reader.awaiting_removal
    with pytest.raises(CardNotRemovedError) as caught:
        read(reader)  # the same card is still there: the SAM does not find it again
    assert isinstance(caught.value, NoCardError) and caught.value.code == "DEV-053"
    sam.remove_card()
    with pytest.raises(CardNotRemovedError):
        read(reader)  # nothing laid down since: still "place the next card"
    sam.present_card(HMT.id)
    assert read(reader).card_type is CardType.HMT_RESIDENCE_PERMIT and reader.awaiting_removal
    sam.present_card(PR_2023.id)  # swapped without a find in between, as at the counter
    assert read(reader).card_type is CardType.FOREIGN_PERMANENT_RESIDENT
    lift_and_lay(sam, PR_2017.id)  # lifted and the next one laid down while the reader polls
    reader.card_wait_s = 1.0
    assert read(reader).id_number == PR_2017.id_number


@pytest.mark.parametrize("make_reader", ["loop"], indirect=True)
def test_polls_until_a_card_arrives_and_reports_not_ready(make_reader: MakeReader, sam: SimulatedSam) -> None:
    sam.remove_card()
    reader = make_reader(card_wait_s=2.0, poll_interval_s=0.02)
    states: list[DeviceStatus] = []
    reader.status_did_change.connect(states.append)
    timer = threading.Timer(0.15, sam.present_card, args=(PR_2023.id,))
    timer.start()
    try:
        assert read(reader).id_number == PR_2023.id_number
    finally:
        timer.join()
    finds = sum(1 for command in sam.commands if command is SamCommand.FIND)
    assert 3 <= finds <= 40  # polled at its interval, not in a tight loop
    assert [s.state for s in states][:2] == [DeviceState.BUSY, DeviceState.NOT_READY]
    assert states[-1].state is DeviceState.READY


@pytest.mark.parametrize("make_reader", ["loop"], indirect=True)
def test_no_card_after_the_wait(make_reader: MakeReader, sam: SimulatedSam) -> None:
    sam.remove_card()
    reader = make_reader(card_wait_s=0.1, poll_interval_s=0.02)
    with pytest.raises(NoCardError):
        read(reader)
    assert reader.status.state is DeviceState.READY


@pytest.mark.parametrize("make_reader", ["loop", "pty"], indirect=True)
def test_photo_decoder_gets_the_wlt_and_fingerprint_variant(make_reader: MakeReader, sam: SimulatedSam) -> None:
    seen: list[bytes] = []

    class Decoder:
        def decode(self, wlt: bytes) -> bytes | None:
            seen.append(wlt)
            return b"\x89PNG fake"

    reader = make_reader(photo_decoder=Decoder(), with_fingerprint=True)
    assert read(reader).photo_png == b"\x89PNG fake"
    assert seen == [placeholder_wlt(RESIDENT.id)]
    assert SamCommand.READ_WITH_FINGERPRINT in sam.commands


@pytest.mark.parametrize("make_reader", ["loop"], indirect=True)
def test_a_failing_decoder_loses_only_the_photo(make_reader: MakeReader) -> None:
    class Broken:
        def decode(self, wlt: bytes) -> bytes | None:
            raise RuntimeError("vendor crash")

    assert read(make_reader(photo_decoder=Broken())).photo_png is None


@pytest.mark.parametrize("make_reader", ["socket"], indirect=True)
def test_sam_id(make_reader: MakeReader) -> None:
    assert make_reader().read_sam_id().result(timeout=5) == "513.1027-134678021-0202050057-0269422093"


def test_a_silent_port_is_unavailable_at_once(sam: SimulatedSam) -> None:
    sam.arm(SamFault.SILENCE, on=SamCommand.STATUS)
    with SamSocketServer(sam) as server:
        reader = SamSerialIdReader(server.url, probe_wait_s=2.0)
        try:
            assert reader.status.state is DeviceState.UNAVAILABLE and "no answer" in reader.status.reason
            reader.card_wait_s = 0.0
            assert read(reader).name == RESIDENT.name and reader.status.state is DeviceState.READY
        finally:
            reader.close()


def test_unplugged_or_missing_port_is_unavailable(sam: SimulatedSam) -> None:
    with SamSocketServer(sam) as server:
        url = server.url
        reader = SamSerialIdReader(url, card_wait_s=0.0, response_timeout_s=0.3)
        try:
            assert read(reader).name == RESIDENT.name
            server.stop()  # unplugged
            with pytest.raises(DeviceUnavailableError):
                read(reader)
            assert reader.status.state is DeviceState.UNAVAILABLE
        finally:
            reader.close()
    reader = SamSerialIdReader(str(Path("/nonexistent/ttyUSB9")), card_wait_s=0.0)
    try:  # the probe at construction already knows
        assert reader.status.state is DeviceState.UNAVAILABLE and "ttyUSB9" in reader.status.reason
        with pytest.raises(DeviceUnavailableError) as caught:
            read(reader)
        assert "ttyUSB9" in str(caught.value) and reader.status.state is DeviceState.UNAVAILABLE
    finally:
        reader.close()


def test_registry_opens_a_sam_reader(sam: SimulatedSam, tmp_path: Path) -> None:
    with SamSocketServer(sam) as server:
        reader = open_device("id_reader", f"sam:{server.url}?baud=9600", base_dir=tmp_path)
        try:
            assert isinstance(reader, SamSerialIdReader) and reader.info.backend == "sam"
            assert reader.baud == 9600 and reader.port_url == server.url
            reader.card_wait_s = 0.0
            assert read(reader).name == RESIDENT.name
        finally:
            reader.close()
