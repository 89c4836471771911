"""The simulated ID card reader: card order, QA controls, faults, connection, threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.errors import (
    CardRemovedError,
    CorruptDataError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    NoCardError,
)
from devices.id_reader.sim import SimIdReader
from devices.id_reader.types import CardType
from devices.sim.scenario import Scenario, load_scenario
from devices.status import DeviceState, DeviceStatus

WriteScenario = Callable[[dict[str, Any] | str], Path]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def read_id(reader: SimIdReader) -> str:
    return reader.read_card().result(timeout=5).id_number


def test_identity(reader: SimIdReader) -> None:
    assert reader.info.backend == "sim" and reader.info.simulated and reader.info.kind == "id_reader"
    assert reader.name == "reader-under-test"
    record = reader.read_card().result(timeout=5)
    assert record.name == "测试甲" and record.sex_code == "1" and record.ethnicity_code == "01"
    assert record.card_type is CardType.RESIDENT_ID and record.nationality == "CHN"
    assert record.valid_to is None  # 长期
    assert record.photo_png is not None and record.photo_png.startswith(PNG_MAGIC)
    assert record.reader_name == "reader-under-test"


def test_cards_in_default_order_then_no_card(reader: SimIdReader) -> None:
    numbers = [read_id(reader) for _ in range(3)]
    assert numbers == ["110101197001020011", "31010419980506002X", "440106200007080031"]
    with pytest.raises(NoCardError):
        reader.read_card().result(timeout=5)
    assert reader.status.state is DeviceState.READY  # no card is not a device failure
    assert reader.history == [
        ("read_card", "p1"),
        ("read_card", "p2"),
        ("read_card", "p3"),
        ("read_card", "DEV-010"),
    ]


def test_person_without_photo(reader: SimIdReader) -> None:
    reader.present_card("p3")
    assert reader.read_card().result(timeout=5).photo_png is None


def test_presented_card_stays_until_removed(reader: SimIdReader) -> None:
    reader.present_card("p2")
    assert reader.card_on_reader == "p2"
    assert [read_id(reader) for _ in range(2)] == ["31010419980506002X"] * 2
    assert reader.remaining_cards == ["p1", "p2", "p3"]  # the default order did not move
    reader.remove_card()
    assert reader.card_on_reader is None
    assert read_id(reader) == "110101197001020011"


def test_queue_cards(reader: SimIdReader) -> None:
    reader.queue_cards(["p3"])
    assert read_id(reader) == "440106200007080031"
    reader.queue_cards([])
    with pytest.raises(NoCardError):
        reader.read_card().result(timeout=5)
    with pytest.raises(ValueError, match="unknown person id 'nobody'"):
        reader.queue_cards(["nobody"])
    with pytest.raises(ValueError, match="unknown person id"):
        reader.present_card("nobody")


def test_injected_faults_fire_the_given_number_of_times(reader: SimIdReader) -> None:
    reader.inject_fault("read_card", "timeout", times=2)
    reader.inject_fault("read_card", "garbage")
    for expected in (DeviceTimeoutError, DeviceTimeoutError, CorruptDataError):
        with pytest.raises(expected):
            reader.read_card().result(timeout=5)
    assert read_id(reader) == "110101197001020011"  # failed reads consumed no card
    assert [outcome for _, outcome in reader.history] == ["DEV-002", "DEV-002", "DEV-012", "p1"]


def test_fault_delay_and_timeout_seconds(reader: SimIdReader) -> None:
    reader.inject_fault("read_card", "timeout", delay_s=0.2)
    started = time.monotonic()
    with pytest.raises(DeviceTimeoutError) as caught:
        reader.read_card().result(timeout=5)
    assert time.monotonic() - started >= 0.2
    assert "0.2 s" in caught.value.message


def test_bad_fault_injection_is_refused(reader: SimIdReader) -> None:
    with pytest.raises(ValueError, match="performs 'read_card'"):
        reader.inject_fault("capture", "timeout")
    with pytest.raises(ValueError, match="cannot happen"):
        reader.inject_fault("read_card", "cancelled")
    with pytest.raises(ValueError):
        reader.inject_fault("read_card", "meteor")


def test_scenario_faults_with_times(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["id_reader"]["faults"] = [{"operation": "read_card", "error": "card_removed", "times": 1}]
    reader = SimIdReader(load_scenario(write_scenario(scenario_data)))
    try:
        with pytest.raises(CardRemovedError):
            reader.read_card().result(timeout=5)
        assert read_id(reader) == "110101197001020011"
    finally:
        reader.close()


def _outcomes(scenario: Scenario, seed: int | None, reads: int) -> list[str]:
    reader = SimIdReader(scenario, seed=seed)
    try:
        reader.present_card("p1")
        futures = [reader.read_card() for _ in range(reads)]
        for future in futures:
            future.exception(timeout=5)
        return [outcome for _, outcome in reader.history]
    finally:
        reader.close()


def test_probability_faults_repeat_with_the_seed(
    write_scenario: WriteScenario, scenario_data: dict[str, Any]
) -> None:
    scenario_data["id_reader"]["faults"] = [
        {"operation": "read_card", "error": "no_card", "probability": 0.5}
    ]
    scenario = load_scenario(write_scenario(scenario_data))
    first = _outcomes(scenario, None, 40)
    assert first == _outcomes(scenario, None, 40)  # the scenario's seed
    assert 5 < first.count("DEV-010") < 35 and 5 < first.count("p1") < 35
    assert _outcomes(scenario, 7, 40) != first


def test_disconnect_and_reconnect(reader: SimIdReader) -> None:
    seen: list[DeviceStatus] = []
    reader.status_did_change.connect(seen.append)
    reader.set_connected(False).result(timeout=5)
    assert not reader.connected
    assert reader.status.state is DeviceState.UNAVAILABLE
    assert "unplugged" in reader.status.reason
    assert seen[-1] == reader.status
    with pytest.raises(DeviceUnavailableError):
        reader.read_card().result(timeout=5)
    assert reader.status.state is DeviceState.UNAVAILABLE
    reader.set_connected(True).result(timeout=5)
    assert reader.status.state is DeviceState.READY
    assert seen[-1].state is DeviceState.READY
    assert read_id(reader) == "110101197001020011"
    assert reader.history == [("read_card", "DEV-001"), ("read_card", "p1")]


def test_status_events_of_a_read(reader: SimIdReader) -> None:
    seen: list[DeviceState] = []
    reader.status_did_change.connect(lambda status: seen.append(status.state))
    read_id(reader)
    assert seen == [DeviceState.BUSY, DeviceState.READY]


@pytest.fixture
def slow_reader(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> Iterator[SimIdReader]:
    scenario_data["id_reader"]["read_delay_s"] = 30  # every read is cut short by the test
    reader = SimIdReader(load_scenario(write_scenario(scenario_data)))
    yield reader
    reader.close()


def _wait_busy(reader: SimIdReader) -> threading.Event:
    busy = threading.Event()
    reader.status_did_change.connect(lambda status: busy.set() if status.state is DeviceState.BUSY else None)
    return busy


def test_card_removed_during_read(slow_reader: SimIdReader) -> None:
    busy = _wait_busy(slow_reader)
    future = slow_reader.read_card()
    assert busy.wait(5)
    slow_reader.remove_card()
    with pytest.raises(CardRemovedError):
        future.result(timeout=5)


def test_unplugged_during_read(slow_reader: SimIdReader) -> None:
    busy = _wait_busy(slow_reader)
    future = slow_reader.read_card()
    assert busy.wait(5)
    slow_reader.set_connected(False)
    with pytest.raises(DeviceUnavailableError):
        future.result(timeout=5)


def test_close_does_not_wait_for_a_slow_read(slow_reader: SimIdReader) -> None:
    busy = _wait_busy(slow_reader)
    future = slow_reader.read_card()
    assert busy.wait(5)
    started = time.monotonic()
    slow_reader.close()
    assert time.monotonic() - started < 2
    with pytest.raises(DeviceUnavailableError):
        future.result(timeout=1)
    slow_reader.close()  # twice is fine
    assert slow_reader.set_connected(True).done()  # controls stay harmless after close


def test_controls_from_many_threads(reader: SimIdReader) -> None:
    """The QA console calls the controls from the GUI thread while reads run."""
    reader.present_card("p1")
    futures = [reader.read_card() for _ in range(20)]
    workers = [
        threading.Thread(target=lambda: [reader.inject_fault("read_card", "garbage") for _ in range(5)])
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for future in futures:
        future.exception(timeout=5)
    for _ in range(25):  # more reads than faults: every injected fault has fired by now
        reader.read_card().exception(timeout=5)
    outcomes = [outcome for _, outcome in reader.history]
    assert len(outcomes) == 45 and outcomes.count("DEV-012") == 20
