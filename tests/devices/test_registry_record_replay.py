"""The "record:" and "replay:" specs: devices recording into one folder write one
session without real people in it; it replays through the registry to the same
results, in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.errors import DeviceSpecError
from devices.id_reader.base import IdReader
from devices.registry import OpenSessions, open_device
from devices.signature_pad.base import SignaturePad
from devices.sim.scenario import load_scenario
from tests.counter_fixtures import REPO_ROOT

SCENARIO = REPO_ROOT / "resources" / "sim" / "default.yaml"


def record_a_visit(folder: Path, sessions: OpenSessions) -> list[object]:
    """Reads two cards and has the first person sign a text naming them."""
    reader = open_device("id_reader", f"record:{folder}|sim:{SCENARIO}", base_dir=REPO_ROOT, sessions=sessions)
    pad = open_device("signature_pad", f"record:{folder}|sim:{SCENARIO}", base_dir=REPO_ROOT, sessions=sessions)
    assert isinstance(reader, IdReader) and isinstance(pad, SignaturePad)
    try:
        cards = [reader.read_card().result(timeout=10) for _ in range(2)]
        text = f"本人{cards[0].name}（公民身份号码{cards[0].id_number}）自愿结婚。"
        signature = pad.capture_signature(cards[0].name, text).result(timeout=10)
    finally:
        reader.close()
        pad.close()
    return [*cards, signature]


def test_one_folder_one_session_without_real_people(tmp_path: Path) -> None:
    record_a_visit(tmp_path, OpenSessions())
    (session,) = tmp_path.glob("session-*.yaml")
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    people = load_scenario(SCENARIO).people
    for person in people:
        assert person.name.encode() not in written, person.id
        assert person.id_number.encode() not in written, person.id
    assert b"contains_personal_data: false" in session.read_bytes()


def test_it_may_keep_real_people_explicitly(tmp_path: Path) -> None:
    cards = record_a_visit(tmp_path, OpenSessions(keep_personal_data=True))
    (session,) = tmp_path.glob("session-*.yaml")
    text = session.read_text(encoding="utf-8")
    assert "contains_personal_data: true" in text and cards[0].id_number in text  # type: ignore[attr-defined]


def test_a_recorded_session_replays_through_the_registry(tmp_path: Path) -> None:
    record_a_visit(tmp_path, OpenSessions())
    (session,) = tmp_path.glob("session-*.yaml")
    from devices.record import load_recording

    recorded = [call.result for call in load_recording(session).calls]
    replays = OpenSessions()
    reader = open_device("id_reader", f"replay:{session}", base_dir=REPO_ROOT, sessions=replays)
    pad = open_device("signature_pad", f"replay:{session}", base_dir=REPO_ROOT, sessions=replays)
    assert reader.simulated and pad.simulated
    try:
        replayed: list[object] = [reader.read_card().result(timeout=10) for _ in range(2)]
        first = replayed[0]
        text = f"本人{first.name}（公民身份号码{first.id_number}）自愿结婚。"  # type: ignore[attr-defined]
        replayed.append(pad.capture_signature(first.name, text).result(timeout=10))  # type: ignore[attr-defined]
    finally:
        reader.close()
        pad.close()
    assert replayed == recorded  # the recording's (pseudonymised) answers, in order, across devices


def test_diagnostics_open_the_inner_device_and_write_nothing(tmp_path: Path) -> None:
    reader = open_device(
        "id_reader", f"record:{tmp_path}|sim:{SCENARIO}", base_dir=REPO_ROOT, sessions=OpenSessions(record=False)
    )
    try:
        assert reader.backend == "sim"
    finally:
        reader.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spec", ["record:only-a-folder", "record:|sim:x.yaml", "record:a|record:b|sim:x.yaml"])
def test_bad_record_specs_say_what_is_expected(spec: str) -> None:
    with pytest.raises(DeviceSpecError):
        open_device("id_reader", spec, base_dir=REPO_ROOT)
