"""The scenarios shipped in resources/sim: all load, open and say what the README says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from devices.registry import ALL_KINDS, open_simulated_devices
from devices.sim.scenario import (
    CentralFaultKind,
    CentralOperation,
    FaultKind,
    FaultOperation,
    Scenario,
    SimDeviceKind,
    TimelineEvent,
    load_scenario,
)
from tests.devices.test_sim_default_scenario import age_on, check_digit_ok

SIM_DIR = Path(__file__).resolve().parents[2] / "resources" / "sim"
SCENARIOS = sorted(SIM_DIR.glob("*.yaml"))


def test_the_counter_days_are_shipped() -> None:
    names = {path.name for path in SCENARIOS}
    assert {"default.yaml", "normal-day.yaml", "bad-hardware-day.yaml", "rush-day.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_every_scenario_loads_and_opens(path: Path) -> None:
    scenario = load_scenario(path)
    for person in scenario.people:
        number = person.id_number
        assert number[6:14] == person.birth_date.strftime("%Y%m%d"), person.id
        assert int(number[16]) % 2 == (1 if person.sex == "1" else 0), person.id
        assert check_digit_ok(number) == (person.id != "bad_checksum"), person.id
    devices = open_simulated_devices(path, kinds=ALL_KINDS)  # at_s timers start, and stop on close
    for device in devices.values():
        device.close()


def _load(name: str) -> Scenario:
    return load_scenario(SIM_DIR / name)


def test_rush_day() -> None:
    rush = _load("rush-day.yaml")
    assert len(rush.people) >= 12 and len(rush.id_reader.cards) == len(rush.people)
    assert len({person.id_number for person in rush.people}) == len(rush.people)
    assert len({person.name for person in rush.people}) == len(rush.people)
    for person in rush.people:
        assert person.photo is not None and rush.resolve(person.photo).is_file()
        for day in (date(2026, 1, 1), date(2035, 12, 31)):
            assert age_on(person, day) >= (22 if person.sex == "1" else 20), person.id
            assert person.valid_to is None or person.valid_to > day, person.id
    assert rush.printer.paper_sheets is not None  # the tray runs out during the day


def test_bad_hardware_day() -> None:
    bad = _load("bad-hardware-day.yaml")
    events = {(entry.device, entry.event) for entry in bad.timeline}
    assert (SimDeviceKind.ID_READER, TimelineEvent.UNPLUGGED) in events
    assert (SimDeviceKind.ID_READER, TimelineEvent.REPLUGGED) in events
    assert any(f.error is CentralFaultKind.UNREACHABLE and f.probability for f in bad.central.faults)
    for kind in SimDeviceKind:
        assert bad.faults_of(kind), kind  # every device misbehaves
    assert {f.error for f in bad.printer.faults} >= {FaultKind.PAPER_JAM}


def test_normal_day_is_mostly_quiet() -> None:
    normal = _load("normal-day.yaml")
    assert not normal.timeline and not normal.central.faults
    for kind in SimDeviceKind:
        assert all((f.probability or 0) <= 0.05 and f.times is None for f in normal.faults_of(kind))


def test_readme_names_every_key_and_value() -> None:
    readme = (SIM_DIR / "README.md").read_text(encoding="utf-8")
    words = [
        *FaultOperation, *FaultKind, *SimDeviceKind, *TimelineEvent, *CentralOperation, *CentralFaultKind,
        "at_s", "after_calls", "paper_sheets", "print_delay_s", "quality", "decode_delay_s", "central:",
        "timeline:", "normal-day.yaml", "bad-hardware-day.yaml", "rush-day.yaml",
    ]  # fmt: skip
    missing = [str(word) for word in words if f"{word}" not in readme]
    assert missing == []
