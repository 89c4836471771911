"""The simulated face matcher, the camera's live face and the scenario's `person:`."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devices.camera.sim import SimDocumentCamera
from devices.camera.types import DocumentClass
from devices.errors import DeviceError, NoDocumentFaceError, NoLiveFaceError, ScenarioError
from devices.face.sim import MODEL, SimFaceMatcher
from devices.id_reader.sim import SimIdReader
from devices.registry import open_simulated_devices
from devices.sim import common
from devices.sim.common import counter_state
from devices.sim.scenario import Scenario, load_scenario
from devices.status import DeviceState
from tests.devices import face_images

Write = Callable[[dict[str, Any] | str], Path]
COLOURS = {"p1.png": (30, 90, 200), "p2.png": (200, 90, 30), "live-p1.png": (40, 160, 60),
           "stranger.png": (90, 90, 90), "unknown.png": (255, 255, 0)}  # fmt: skip


@pytest.fixture
def faces_data(scenario_data: dict[str, Any], write_scenario: Write, tmp_path: Path) -> dict[str, Any]:
    """The shared test scenario (its `write_scenario` has drawn img/) with distinct
    photos (the base ones are identical), a live face of p1 and a stranger."""
    for name, colour in COLOURS.items():
        Image.new("RGB", (102, 126), colour).save(tmp_path / "img" / name)
    scenario_data["camera"]["documents"] += [
        {"id": "live_p1", "class": "live_face", "person": "p1", "image": "img/live-p1.png"},
        {"id": "stranger", "class": "live_face", "image": "img/stranger.png"},
    ]
    return scenario_data


@pytest.fixture
def faces(faces_data: dict[str, Any], write_scenario: Write) -> Scenario:
    return load_scenario(write_scenario(faces_data))


@pytest.fixture
def matcher(faces: Scenario) -> Iterator[SimFaceMatcher]:
    device = SimFaceMatcher(faces)
    yield device
    device.close()


def image(scenario: Scenario, relative: str) -> bytes:
    return scenario.resolve(relative).read_bytes()


def test_same_different_and_the_stranger(faces: Scenario, matcher: SimFaceMatcher) -> None:
    live_p1, photo_p1, photo_p2 = (image(faces, f"img/{name}") for name in ("live-p1.png", "p1.png", "p2.png"))
    same = matcher.compare(live_p1, photo_p1).result(timeout=5)
    assert (same.distance, same.threshold, same.same_person, same.live_faces, same.model) == (
        0.35, 0.6, True, 1, MODEL
    )
    different = matcher.compare(live_p1, photo_p2).result(timeout=5)
    assert (different.distance, different.same_person) == (0.85, False)
    # A card photo shown to the camera is that person's face as well.
    assert matcher.compare(photo_p2, photo_p2).result(timeout=5).same_person
    # A live face that names nobody belongs to nobody on file: never the same person.
    stranger = image(faces, "img/stranger.png")
    assert not any(matcher.compare(stranger, photo).result(timeout=5).same_person for photo in (photo_p1, photo_p2))
    assert matcher.history[:2] == [("compare_faces", "p1 vs p1: 0.35"), ("compare_faces", "p1 vs p2: 0.85")]
    assert matcher.threshold == 0.6 and matcher.info.kind == "face_matcher" and matcher.simulated


def test_an_image_the_scenario_does_not_know_has_no_face(faces: Scenario, matcher: SimFaceMatcher) -> None:
    unknown, photo = image(faces, "img/unknown.png"), image(faces, "img/p1.png")
    with pytest.raises(NoLiveFaceError) as live:
        matcher.compare(unknown, photo).result(timeout=5)
    assert live.value.code == "DEV-071" and "live image" in live.value.message
    with pytest.raises(NoDocumentFaceError) as document:
        matcher.compare(photo, unknown).result(timeout=5)
    assert document.value.code == "DEV-072" and "document photo" in document.value.message
    assert matcher.status.state is DeviceState.READY


def test_distances_and_threshold_come_from_the_scenario(faces_data: dict[str, Any], write_scenario: Write) -> None:
    # A same-person distance above the threshold: a wrong verdict on purpose (QA
    # rehearses the supervisor override with it).
    faces_data["face_matcher"] = {"threshold": 0.5, "same_distance": 0.7, "different_distance": 0.2,
                                  "compare_delay_s": 0}  # fmt: skip
    scenario = load_scenario(write_scenario(faces_data))
    device = SimFaceMatcher(scenario)
    try:
        live, photo = image(scenario, "img/live-p1.png"), image(scenario, "img/p1.png")
        result = device.compare(live, photo).result(timeout=5)
        assert (result.distance, result.threshold, result.same_person) == (0.7, 0.5, False)
        assert device.compare(live, image(scenario, "img/p2.png")).result(timeout=5).same_person
    finally:
        device.close()


def test_faults_and_warm_up(faces: Scenario, matcher: SimFaceMatcher) -> None:
    live, photo = image(faces, "img/live-p1.png"), image(faces, "img/p1.png")
    matcher.inject_fault("compare_faces", "no_face")
    matcher.warm_up().result(timeout=5)  # neither uses up the fault nor counts as a call
    assert matcher.calls == 0
    with pytest.raises(NoLiveFaceError, match="simulated: nobody faces the camera"):
        matcher.compare(live, photo).result(timeout=5)
    matcher.inject_fault("compare_faces", "timeout", delay_s=0.01)
    with pytest.raises(DeviceError) as caught:
        matcher.compare(live, photo).result(timeout=5)
    assert caught.value.code == "DEV-002"
    assert matcher.compare(live, photo).result(timeout=5).same_person
    assert [outcome for _, outcome in matcher.history] == ["DEV-071", "DEV-002", "p1 vs p1: 0.35"]
    with pytest.raises(ValueError, match="cannot happen"):
        matcher.inject_fault("compare_faces", "paper_jam")
    matcher.set_connected(False).result(timeout=5)
    with pytest.raises(DeviceError) as unplugged:
        matcher.warm_up().result(timeout=5)
    assert unplugged.value.code == "DEV-001"


# --- the scenario's `person:` and `face_matcher:` -----------------------------------------


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (lambda d: d["camera"]["documents"][-1].update(person="p9"), "camera.documents[4].person",
         "unknown person id 'p9' (not in people)"),
        (lambda d: d["camera"]["documents"][0].update(person="p1"), "camera.documents[0].person",
         "only a live_face document shows a person"),
        (lambda d: d["camera"]["documents"][-1].update(person=""), "camera.documents[4].person", "at least 1"),
        (lambda d: d.update(face_matcher={"threshold": 0}), "face_matcher.threshold", "greater than 0"),
        (lambda d: d.update(face_matcher={"treshold": 0.5}), "face_matcher.treshold", "did you mean 'threshold'"),
        (lambda d: d.update(face_matcher={"same_distance": -1}), "face_matcher.same_distance", ""),
        (lambda d: d.update(face_matcher={"faults": [{"operation": "decode", "error": "timeout", "times": 1}]}),
         "face_matcher.faults[0].operation", "only performs 'compare_faces'"),
        (lambda d: d.update(face_matcher={"faults": [{"operation": "compare_faces", "error": "no_card",
                                                      "times": 1}]}),
         "face_matcher.faults[0]", "cannot happen during compare_faces"),
    ],
)  # fmt: skip
def test_scenario_errors_name_the_key(
    faces_data: dict[str, Any], write_scenario: Write, change: Callable[[dict[str, Any]], None], key: str, reason: str
) -> None:
    change(faces_data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(faces_data))
    assert caught.value.params["key"] == key and reason in str(caught.value.params["reason"])


def test_the_face_section_has_defaults(scenario: Scenario) -> None:
    spec = scenario.face_matcher
    assert (spec.threshold, spec.same_distance, spec.different_distance) == (0.6, 0.35, 0.85)
    assert load_scenario(Path(__file__).parents[2] / "resources/sim/default.yaml").face_matcher.name == "模拟人脸比对"


# --- the camera's live face ----------------------------------------------------------------


@pytest.fixture
def counter(faces: Scenario) -> Iterator[tuple[SimIdReader, SimDocumentCamera]]:
    reader, camera = SimIdReader(faces), SimDocumentCamera(faces)
    yield reader, camera
    reader.close()
    camera.close()


def test_the_camera_shows_the_face_of_the_card_read_last(
    faces: Scenario, counter: tuple[SimIdReader, SimDocumentCamera]
) -> None:
    reader, camera = counter
    # No card read yet: the first live_face document, as for any class asked for.
    assert camera.capture(DocumentClass.LIVE_FACE).result(timeout=5).image_png == image(faces, "img/live-p1.png")
    reader.present_card("p2")
    record = reader.read_card().result(timeout=5)
    captured = camera.capture(DocumentClass.LIVE_FACE).result(timeout=5)
    # p2 has no live_face document: their card photo stands in, byte for byte.
    assert captured.image_png == record.photo_png == image(faces, "img/p2.png")
    assert captured.document_class is DocumentClass.LIVE_FACE and camera.history[-1] == ("capture", "photo:p2")
    reader.present_card("p1")
    reader.read_card().result(timeout=5)
    assert camera.capture(DocumentClass.LIVE_FACE).result(timeout=5).image_png == image(faces, "img/live-p1.png")
    assert camera.history[-1] == ("capture", "live_p1")
    # Other classes are not affected; a presented document still wins (an impostor).
    assert camera.capture(DocumentClass.JOINT_PHOTO).result(timeout=5).document_class is DocumentClass.JOINT_PHOTO
    camera.present_document("stranger")
    assert camera.capture(DocumentClass.LIVE_FACE).result(timeout=5).image_png == image(faces, "img/stranger.png")
    # p3 has neither a live face nor a photo: the first live_face document again.
    camera.remove_document()
    reader.present_card("p3")
    reader.read_card().result(timeout=5)
    assert camera.capture(DocumentClass.LIVE_FACE).result(timeout=5).image_png == image(faces, "img/live-p1.png")


def test_a_failed_read_leaves_the_last_card(faces: Scenario, counter: tuple[SimIdReader, SimDocumentCamera]) -> None:
    reader, _camera = counter
    reader.present_card("p1")
    reader.read_card().result(timeout=5)
    reader.present_card("p2")
    reader.inject_fault("read_card", "no_card")
    with pytest.raises(DeviceError):
        reader.read_card().result(timeout=5)
    assert counter_state(faces).last_card == "p1"


def test_state_is_shared_per_scenario_object(faces_data: dict[str, Any], write_scenario: Write) -> None:
    path = write_scenario(faces_data)
    one, other = load_scenario(path), load_scenario(path)
    counter_state(one).card_read("p2")
    assert counter_state(one) is counter_state(one) and counter_state(other).last_card is None
    key = id(one)
    assert key in common._counter_states
    del one
    gc.collect()  # other tests' dead scenarios may go too: only this one is asserted
    assert key not in common._counter_states  # forgotten with its scenario


# --- the whole counter, on the shipped scenarios ----------------------------------------------


def test_registrar_flow_on_the_default_scenario(repo_root: Path) -> None:
    devices = open_simulated_devices(repo_root / "resources" / "sim" / "default.yaml")
    try:
        reader, camera, matcher = devices["id_reader"], devices["camera"], devices["face_matcher"]
        assert isinstance(reader, SimIdReader) and isinstance(camera, SimDocumentCamera)
        assert isinstance(matcher, SimFaceMatcher)
        for expected_name in ("李明轩", "王雨桐"):
            record = reader.read_card().result(timeout=5)
            assert record.name == expected_name and record.photo_png is not None
            live = camera.capture(DocumentClass.LIVE_FACE).result(timeout=5)
            result = matcher.compare(live.image_png, record.photo_png).result(timeout=5)
            assert result.same_person and result.distance == 0.35
        camera.present_document("live_face_stranger")  # QA: an impostor steps up
        impostor = camera.capture(DocumentClass.LIVE_FACE).result(timeout=5)
        refused = matcher.compare(impostor.image_png, record.photo_png).result(timeout=5)
        assert not refused.same_person and refused.distance == 0.85
        camera.present_document("live_face_groom1")  # the groom instead of the bride
        swapped = camera.capture(DocumentClass.LIVE_FACE).result(timeout=5)
        assert not matcher.compare(swapped.image_png, record.photo_png).result(timeout=5).same_person
    finally:
        for device in devices.values():
            device.close()


@pytest.mark.parametrize("name", ["default", "normal-day", "bad-hardware-day", "rush-day"])
def test_every_shipped_person_has_a_live_face_and_there_is_a_stranger(repo_root: Path, name: str) -> None:
    scenario = load_scenario(repo_root / "resources" / "sim" / f"{name}.yaml")
    live = [d for d in scenario.camera.documents if d.document_class is DocumentClass.LIVE_FACE]
    assert {d.person for d in live} == {p.id for p in scenario.people} | {None}
    stranger = scenario.document("live_face_stranger")
    assert stranger.person is None
    photos = {scenario.resolve(p.photo).read_bytes() for p in scenario.people if p.photo}
    assert scenario.resolve(stranger.image).read_bytes() not in photos  # a face of nobody on file


def test_the_face_test_scenario_pairs_by_identity(tmp_path: Path) -> None:
    """The scenario the dlib test uses (test_face.py), judged by the simulator: the same
    verdicts, whatever the pixels."""
    scenario = load_scenario(face_images.write_face_scenario(tmp_path))
    device = SimFaceMatcher(scenario)
    try:
        for document in scenario.camera.documents:
            for person in scenario.people:
                assert person.photo is not None
                live, photo = image(scenario, document.image), image(scenario, person.photo)
                assert device.compare(live, photo).result(timeout=5).same_person == (document.person == person.id)
    finally:
        device.close()
