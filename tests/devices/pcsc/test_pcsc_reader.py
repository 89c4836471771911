"""PcscIdReader through the real pcscd + vpcd with the emulated passport (conftest.py)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from devices.errors import CardRemovedError, DeviceUnavailableError, NoCardError
from devices.id_reader.pcsc import _scard
from devices.id_reader.pcsc.errors import AccessDeniedError, InvalidMrzError, MrzRequiredError
from devices.id_reader.pcsc.reader import REASON_NO_CARD, REASON_NO_READER, REASON_NO_SERVICE, PcscIdReader
from devices.id_reader.types import CardType
from devices.registry import open_device
from devices.status import DeviceState, DeviceStatus
from tests.devices.pcsc.conftest import PcscDaemon, wait_for_slot
from tests.devices.pcsc.emulator import ATR, EmrtdCard, Passport, VpcdCard

pytestmark = pytest.mark.slow


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@pytest.fixture
def reader(pcscd: PcscDaemon) -> Iterator[PcscIdReader]:
    device = PcscIdReader(pcscd.reader, poll_interval_s=0.05)
    try:
        yield device
    finally:
        device.close()


def test_reads_dg1_and_dg2_through_pcscd_after_bac(reader: PcscIdReader, card: VpcdCard, passport: Passport) -> None:
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    assert reader.atr == ATR
    reader.set_mrz(passport.mrz)
    started = time.monotonic()
    record = reader.read_card().result(timeout=20)
    elapsed = time.monotonic() - started
    assert record.card_type is CardType.PASSPORT and record.name == "TESTER, ALICE MARIE"
    assert (record.id_number, record.nationality, record.sex_code) == ("C01X00T47", "UTO", "2")
    assert record.reader_name == "Virtual PCD 00 00"
    assert record.photo_png is not None
    assert Image.open(io.BytesIO(record.photo_png)).size == (240, 320)
    assert "0C82" not in card.card.log and "0082" in card.card.log and "0CB0" in card.card.log
    assert reader.status.state is DeviceState.READY
    assert elapsed < 5, elapsed


def test_a_wrong_mrz_is_refused_then_the_right_one_reads(reader: PcscIdReader, card: VpcdCard) -> None:
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    reader.set_mrz(Passport(document_number="ZZ9999999").mrz)
    with pytest.raises(AccessDeniedError) as caught:
        reader.read_card().result(timeout=10)
    assert caught.value.code == "DEV-062" and "MRZ does not match" in caught.value.message
    assert reader.status.state is DeviceState.READY  # retry possible: the card is still there
    reader.set_mrz(Passport().mrz)
    assert reader.read_card().result(timeout=20).id_number == "C01X00T47"


def test_insert_and_remove_change_the_status(reader: PcscIdReader, card: VpcdCard) -> None:
    seen: list[DeviceStatus] = []
    reader.status_did_change.connect(seen.append)
    assert reader.status.state is DeviceState.NOT_READY and reader.status.reason == REASON_NO_CARD
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    card.remove()
    wait_until(lambda: reader.status.state is DeviceState.NOT_READY)
    assert reader.atr is None
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    assert [s.state for s in seen] == [DeviceState.READY, DeviceState.NOT_READY, DeviceState.READY]


def test_a_card_leaving_the_field_mid_read_is_card_removed(
    reader: PcscIdReader, card: VpcdCard, passport: Passport
) -> None:
    card.card.leave_after = 12  # during the DG2 reads
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    reader.set_mrz(passport.mrz)
    with pytest.raises(CardRemovedError):
        reader.read_card().result(timeout=10)
    wait_until(lambda: reader.status.state is DeviceState.NOT_READY)
    card.remove()
    card.card.leave_after = None
    card.insert()
    wait_until(lambda: reader.status.state is DeviceState.READY)
    assert reader.read_card().result(timeout=10).id_number == "C01X00T47"


def test_no_mrz_no_card_and_a_bad_mrz(reader: PcscIdReader, passport: Passport) -> None:
    with pytest.raises(MrzRequiredError):
        reader.read_card().result(timeout=10)
    with pytest.raises(InvalidMrzError):
        reader.set_mrz("P<UTO\nnot an MRZ")
    reader.set_mrz(passport.mrz)
    with pytest.raises(NoCardError):
        reader.read_card().result(timeout=10)
    assert reader.status.state is DeviceState.NOT_READY


def test_a_tampered_chip_is_corrupt_data(pcscd: PcscDaemon, reader: PcscIdReader, passport: Passport) -> None:
    from devices.errors import CorruptDataError

    tampered = VpcdCard(EmrtdCard(passport, tamper_dg2_hash=True), pcscd.port)
    try:
        tampered.insert()
        wait_until(lambda: reader.status.state is DeviceState.READY)
        reader.set_mrz(passport.mrz)
        with pytest.raises(CorruptDataError, match="DG2"):
            reader.read_card().result(timeout=20)
    finally:
        tampered.close()
        wait_for_slot(pcscd.reader, present=False)


def test_a_missing_reader_is_unavailable(pcscd: PcscDaemon, passport: Passport) -> None:
    reader = PcscIdReader("No Such Reader", mrz=passport.mrz)
    try:
        assert reader.status.state is DeviceState.UNAVAILABLE and reader.status.reason == REASON_NO_READER
        with pytest.raises(DeviceUnavailableError):
            reader.read_card().result(timeout=10)
    finally:
        reader.close()


def test_the_registry_opens_pcsc_specs(pcscd: PcscDaemon, tmp_path: Path) -> None:
    for spec in ("pcsc:", "pcsc:virtual pcd 00 00"):
        device = open_device("id_reader", spec, base_dir=tmp_path)
        try:
            assert isinstance(device, PcscIdReader) and device.info.backend == "pcsc"
            assert device.status.state is DeviceState.NOT_READY
            assert device.reader_name == "Virtual PCD 00 00"
        finally:
            device.close()


def test_pcscd_not_running_is_unavailable(monkeypatch: pytest.MonkeyPatch, passport: Passport) -> None:
    if _scard.LOAD_ERROR is not None:
        pytest.skip(f"pyscard is not installed ({_scard.LOAD_ERROR})")

    def no_service() -> int:
        raise _scard.ScardError(_scard.E_NO_SERVICE, "SCardEstablishContext")

    monkeypatch.setattr(_scard, "establish_context", no_service)
    reader = PcscIdReader(mrz=passport.mrz, poll_interval_s=0.02)
    try:
        assert reader.status.state is DeviceState.UNAVAILABLE and reader.status.reason == REASON_NO_SERVICE
        with pytest.raises(DeviceUnavailableError, match="not running"):
            reader.read_card().result(timeout=10)
    finally:
        reader.close()
