"""Timeline events (after N calls, after N seconds, by hand) and the central fault table."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devices.camera.sim import SimDocumentCamera
from devices.errors import DeviceUnavailableError, ScenarioError
from devices.id_reader.sim import SimIdReader
from devices.printer.errors import OutOfPaperError
from devices.printer.sim import SimPrinter
from devices.signature_pad.sim import SimSignaturePad
from devices.sim.common import CentralFaultTable, FiredCentralFault, SimEvent
from devices.sim.scenario import CentralFaultKind, CentralOperation, TimelineEvent, load_scenario
from devices.status import DeviceState, DeviceStatus
from tests.devices.conftest import pdf_bytes

WriteScenario = Callable[[dict[str, Any] | str], Path]


def with_timeline(write_scenario: WriteScenario, scenario_data: dict[str, Any], *entries: dict[str, Any]) -> Any:
    scenario_data["timeline"] = list(entries)
    return load_scenario(write_scenario(scenario_data))


def read_name(reader: SimIdReader) -> str:
    return reader.read_card().result(timeout=5).name


def test_unplug_and_replug_after_calls(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario,
        scenario_data,
        {"after_calls": 1, "device": "id_reader", "event": "unplugged"},
        {"after_calls": 2, "device": "id_reader", "event": "replugged"},
        {"after_calls": 1, "device": "camera", "event": "unplugged"},  # another device's: ignored here
    )
    reader = SimIdReader(scenario)
    seen: list[DeviceStatus] = []
    fired: list[SimEvent] = []
    reader.status_did_change.connect(seen.append)
    reader.timeline_did_fire.connect(fired.append)
    try:
        assert len(reader.pending_timeline) == 2
        # Queued all at once: the event still lands between call 1 and call 2.
        futures = [reader.read_card() for _ in range(3)]
        assert futures[0].result(timeout=5).name == "测试甲"
        with pytest.raises(DeviceUnavailableError):
            futures[1].result(timeout=5)
        assert futures[2].result(timeout=5).name == "测试乙"
        reader.set_connected(True).result(timeout=5)  # flushes the queued status updates
        assert [outcome for _, outcome in reader.history] == ["p1", "DEV-001", "p2"]
        assert reader.calls == 3 and reader.pending_timeline == []
        assert [(e.event, e.source) for e in fired] == [
            (TimelineEvent.UNPLUGGED, "after_calls"),
            (TimelineEvent.REPLUGGED, "after_calls"),
        ]
        states = [status.state for status in seen]
        assert DeviceState.UNAVAILABLE in states and states[-1] is DeviceState.READY
    finally:
        reader.close()


def test_card_events_after_calls(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario,
        scenario_data,
        {"after_calls": 1, "device": "id_reader", "event": "card_inserted", "person": "p3"},
        {"after_calls": 3, "device": "id_reader", "event": "card_removed"},
    )
    reader = SimIdReader(scenario)
    try:
        names = [read_name(reader) for _ in range(4)]
        assert names == ["测试甲", "测试丙", "测试丙", "测试乙"]  # the left card, then the queue again
        assert reader.card_on_reader is None
    finally:
        reader.close()


def test_document_shown_after_calls(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario,
        scenario_data,
        {"after_calls": 1, "device": "camera", "event": "document_shown", "document": "hukou"},
    )
    camera = SimDocumentCamera(scenario)
    try:
        camera.capture().result(timeout=5)
        assert camera.document_under_camera == "hukou"
        assert camera.capture().result(timeout=5).sharpness == 90.5
    finally:
        camera.close()


def test_paper_events_after_calls(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario,
        scenario_data,
        {"after_calls": 1, "device": "printer", "event": "paper_out"},
        {"after_calls": 2, "device": "printer", "event": "paper_loaded"},
    )
    printer = SimPrinter(scenario)
    try:
        printer.print_pdf(pdf_bytes()).result(timeout=5)
        with pytest.raises(OutOfPaperError):
            printer.print_pdf(pdf_bytes()).result(timeout=5)
        assert printer.print_pdf(pdf_bytes()).result(timeout=5).pages == 1
        assert [outcome.split(":")[0] for _, outcome in printer.history] == ["untitled", "DEV-040", "untitled"]
    finally:
        printer.close()


def test_at_s_events_run_on_their_own(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario,
        scenario_data,
        {"at_s": 0.1, "device": "signature_pad", "event": "replugged"},  # file order is not time order
        {"at_s": 0.02, "device": "signature_pad", "event": "unplugged"},
    )
    pad = SimSignaturePad(scenario)
    seen: list[DeviceState] = []
    replugged = threading.Event()

    def on_status(status: DeviceStatus) -> None:
        seen.append(status.state)
        if status.state is DeviceState.READY and DeviceState.UNAVAILABLE in seen:
            replugged.set()

    pad.status_did_change.connect(on_status)
    try:
        assert replugged.wait(5)
        assert seen == [DeviceState.UNAVAILABLE, DeviceState.READY]
        assert pad.pending_timeline == []
        assert pad.capture_signature("测试甲", "声明").result(timeout=5).signer == "测试甲"
    finally:
        pad.close()


def test_at_zero_applies_to_a_fully_built_device(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(
        write_scenario, scenario_data, {"at_s": 0, "device": "id_reader", "event": "card_inserted", "person": "p2"}
    )
    reader = SimIdReader(scenario)
    try:  # the event may fire before a listener could be connected: poll the state
        deadline = time.monotonic() + 5
        while reader.card_on_reader is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert read_name(reader) == "测试乙"
    finally:
        reader.close()


def test_close_cancels_pending_at_s_events(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario = with_timeline(write_scenario, scenario_data, {"at_s": 600, "device": "id_reader", "event": "unplugged"})
    reader = SimIdReader(scenario)
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 2
    assert reader.connected  # never fired
    assert not [t for t in threading.enumerate() if t.name.startswith("sim-timeline-")]


def test_fire_event_by_hand(printer: SimPrinter, reader: SimIdReader) -> None:
    fired: list[SimEvent] = []
    printer.timeline_did_fire.connect(fired.append)
    printer.fire_event("paper_out").result(timeout=5)
    assert printer.status.state is DeviceState.NOT_READY and printer.status.reason == "缺纸"
    printer.fire_event(TimelineEvent.PAPER_LOADED).result(timeout=5)
    assert printer.status.state is DeviceState.READY
    assert fired == [
        SimEvent("printer", TimelineEvent.PAPER_OUT, source="manual"),
        SimEvent("printer", TimelineEvent.PAPER_LOADED, source="manual"),
    ]
    reader.fire_event("card_inserted", person="p3").result(timeout=5)
    assert reader.card_on_reader == "p3"
    reader.fire_event("unplugged").result(timeout=5)
    assert reader.status.state is DeviceState.UNAVAILABLE
    reader.fire_event("replugged").result(timeout=5)
    assert reader.status.state is DeviceState.READY


@pytest.mark.parametrize(
    ("event", "kwargs", "message"),
    [
        ("paper_out", {}, "has no event 'paper_out'"),
        ("card_inserted", {}, "needs person"),
        ("card_removed", {"person": "p1"}, "needs no argument"),
        ("card_inserted", {"person": "nobody"}, "unknown person id"),
        ("explode", {}, "explode"),
    ],
)
def test_fire_event_refuses_mistakes(reader: SimIdReader, event: str, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reader.fire_event(event, **kwargs)


# --- the schema ------------------------------------------------------------------------

BAD_TIMELINES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "at and after",
        {"at_s": 1, "after_calls": 2, "device": "id_reader", "event": "unplugged"},
        "timeline[1]",
        "exactly one of 'at_s' or 'after_calls'",
    ),
    ("neither", {"device": "id_reader", "event": "unplugged"}, "timeline[1]", "exactly one of"),
    (
        "after 0 calls",
        {"after_calls": 0, "device": "camera", "event": "unplugged"},
        "timeline[1].after_calls",
        "greater than or equal to 1",
    ),
    ("negative time", {"at_s": -1, "device": "camera", "event": "unplugged"}, "timeline[1].at_s", "greater than"),
    ("unknown device", {"at_s": 1, "device": "scanner", "event": "unplugged"}, "timeline[1].device", "printer"),
    ("unknown event", {"at_s": 1, "device": "camera", "event": "exploded"}, "timeline[1].event", "unplugged"),
    (
        "event of another device",
        {"at_s": 1, "device": "camera", "event": "card_inserted", "person": "p1"},
        "timeline[1].event",
        "a camera has no event 'card_inserted'",
    ),
    (
        "missing person",
        {"at_s": 1, "device": "id_reader", "event": "card_inserted"},
        "timeline[1].person",
        "required for 'card_inserted'",
    ),
    (
        "unknown person",
        {"at_s": 1, "device": "id_reader", "event": "card_inserted", "person": "p9"},
        "timeline[1].person",
        "unknown person id 'p9'",
    ),
    (
        "person not wanted",
        {"after_calls": 1, "device": "id_reader", "event": "card_removed", "person": "p1"},
        "timeline[1].person",
        "takes no person",
    ),
    (
        "unknown document",
        {"at_s": 1, "device": "camera", "event": "document_shown", "document": "passport"},
        "timeline[1].document",
        "unknown document id 'passport'",
    ),
    ("typo in key", {"at_s": 1, "device": "camera", "evnt": "unplugged"}, "timeline[1].evnt", "did you mean 'event'"),
]


@pytest.mark.parametrize(
    ("entry", "key", "reason"), [case[1:] for case in BAD_TIMELINES], ids=[case[0] for case in BAD_TIMELINES]
)
def test_bad_timeline_entries(
    write_scenario: WriteScenario, scenario_data: dict[str, Any], entry: dict[str, Any], key: str, reason: str
) -> None:
    scenario_data["timeline"] = [{"at_s": 5, "device": "printer", "event": "paper_out"}, entry]
    path = write_scenario(scenario_data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.params["key"] == key
    assert reason in str(caught.value.params["reason"])
    assert f"[SIM-001] Invalid scenario file {path}, at {key}: " in str(caught.value)


def test_timeline_and_central_load(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["timeline"] = [
        {"at_s": 1.5, "device": "id_reader", "event": "card_inserted", "person": "p1"},
        {"after_calls": 2, "device": "printer", "event": "paper_out"},
    ]
    scenario_data["central"] = {
        "faults": [
            {"operation": "register", "error": "unreachable", "times": 2},
            {"operation": "any", "error": "timeout", "probability": 0.5, "delay_s": 3},
        ]
    }
    scenario = load_scenario(write_scenario(scenario_data))
    assert [entry.event for entry in scenario.timeline_of("id_reader")] == [TimelineEvent.CARD_INSERTED]
    assert scenario.timeline_of("printer")[0].after_calls == 2
    faults = scenario.central.faults
    assert faults[0].operation is CentralOperation.REGISTER and faults[0].error is CentralFaultKind.UNREACHABLE
    assert faults[1].probability == 0.5 and faults[1].delay_s == 3


@pytest.mark.parametrize(
    ("fault", "key", "reason"),
    [
        ({"operation": "delete", "error": "timeout", "times": 1}, "central.faults[0].operation", "register"),
        ({"operation": "any", "error": "fire", "times": 1}, "central.faults[0].error", "unreachable"),
        ({"operation": "any", "error": "timeout"}, "central.faults[0]", "exactly one of"),
        ({"operation": "any", "error": "timeout", "times": 1, "delay_s": 601}, "central.faults[0].delay_s", "600"),
    ],
)
def test_bad_central_faults(
    write_scenario: WriteScenario, scenario_data: dict[str, Any], fault: dict[str, Any], key: str, reason: str
) -> None:
    scenario_data["central"] = {"faults": [fault]}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(scenario_data))
    assert caught.value.params["key"] == key
    assert reason in str(caught.value.params["reason"])


def test_central_fault_table(write_scenario: WriteScenario, scenario_data: dict[str, Any]) -> None:
    scenario_data["central"] = {
        "faults": [
            {"operation": "register", "error": "unreachable", "times": 2, "delay_s": 0.5},
            {"operation": "any", "error": "timeout", "times": 1},
        ]
    }
    table = CentralFaultTable.from_scenario(load_scenario(write_scenario(scenario_data)))
    assert table.draw("lookup") == FiredCentralFault(CentralFaultKind.TIMEOUT, 0.0)  # `any` matches lookups
    assert table.draw(CentralOperation.LOOKUP) is None
    assert table.draw("register") == FiredCentralFault(CentralFaultKind.UNREACHABLE, 0.5)
    assert table.draw("register") == FiredCentralFault(CentralFaultKind.UNREACHABLE, 0.5)
    assert table.draw("register") is None
    table.add("any", "unreachable", probability=1.0)
    assert table.draw("lookup") == FiredCentralFault(CentralFaultKind.UNREACHABLE, 0.0)
    table.clear()
    assert table.draw("register") is None
    with pytest.raises(ValueError):
        table.draw("any")
    with pytest.raises(ValueError):
        table.add("register", "timeout")


def test_central_probability_repeats_with_the_seed(
    write_scenario: WriteScenario, scenario_data: dict[str, Any]
) -> None:
    scenario_data["central"] = {"faults": [{"operation": "any", "error": "timeout", "probability": 0.5}]}
    scenario = load_scenario(write_scenario(scenario_data))

    def outcomes() -> list[bool]:
        table = CentralFaultTable.from_scenario(scenario)
        return [table.draw("register") is None for _ in range(40)]

    first = outcomes()
    assert first == outcomes() and 5 < first.count(True) < 35
