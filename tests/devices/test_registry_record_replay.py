"""The "record:" and "replay:" specs: a session recorded through the registry replays
through it to the same results, in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.errors import DeviceSpecError
from devices.id_reader.base import IdReader
from devices.registry import open_device
from tests.counter_fixtures import REPO_ROOT

SCENARIO = REPO_ROOT / "resources" / "sim" / "default.yaml"


def test_record_spec_then_replay_spec(tmp_path: Path) -> None:
    reader = open_device("id_reader", f"record:{tmp_path}|sim:{SCENARIO}", base_dir=REPO_ROOT)
    assert isinstance(reader, IdReader)
    try:
        real = [reader.read_card().result(timeout=10) for _ in range(2)]
        recorded = [call.result for call in reader.session.calls]  # type: ignore[attr-defined]
    finally:
        reader.close()
    (recording,) = tmp_path.glob("id_reader-*.yaml")
    replay = open_device("id_reader", f"replay:{recording}", base_dir=REPO_ROOT)
    assert isinstance(replay, IdReader) and replay.simulated
    try:
        replayed = [replay.read_card().result(timeout=10) for _ in range(2)]
    finally:
        replay.close()
    assert replayed == recorded  # the recording's (pseudonymised) answers, in order
    assert replay.calls == ["read_card", "read_card"]  # type: ignore[attr-defined]
    assert {r.id_number for r in replayed}.isdisjoint(r.id_number for r in real)  # no real person in the file


@pytest.mark.parametrize("spec", ["record:only-a-folder", "record:|sim:x.yaml", "record:a|record:b|sim:x.yaml"])
def test_bad_record_specs_say_what_is_expected(spec: str) -> None:
    with pytest.raises(DeviceSpecError):
        open_device("id_reader", spec, base_dir=REPO_ROOT)
