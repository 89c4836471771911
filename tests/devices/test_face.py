"""The dlib face matcher on the face-check test scenario (tests/devices/fixtures/faces).

Needs the optional 'face' extra; without it this module skips, saying so. The checks
that need no dlib (not installed, spec parsing, the simulated matcher) live in
test_face_install.py and test_sim_face.py and always run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "dlib", reason="the face check is not installed: pip install -c constraints.txt -e '.[face]' (make setup tries)"
)

from devices.camera.types import DocumentClass
from devices.errors import NoDocumentFaceError, NoLiveFaceError
from devices.face.dlib_matcher import DESCRIPTOR_FILE, DlibFaceMatcher, missing_parts
from devices.face.types import FaceComparison
from devices.registry import open_device
from devices.sim.scenario import Scenario, load_scenario
from tests.devices import face_images

if missing_parts():
    pytest.skip(f"the face check is incomplete: {', '.join(missing_parts())}", allow_module_level=True)


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The test scenario with its images drawn (once for the module: no threads)."""
    return load_scenario(face_images.write_face_scenario(tmp_path_factory.mktemp("faces")))


@pytest.fixture
def matcher() -> Iterator[DlibFaceMatcher]:
    device = DlibFaceMatcher()
    yield device
    device.close()


def _live_faces(scenario: Scenario) -> list[tuple[str, str, bytes]]:
    """(document id, person, image) of every live_face document."""
    return [
        (doc.id, doc.person or "", scenario.resolve(doc.image).read_bytes())
        for doc in scenario.camera.documents
        if doc.document_class is DocumentClass.LIVE_FACE
    ]


def _photo(scenario: Scenario, person_id: str) -> bytes:
    photo = scenario.person(person_id).photo
    assert photo is not None
    return scenario.resolve(photo).read_bytes()


def test_every_pair_of_the_scenario_lands_on_the_right_side_of_the_threshold(
    faces: Scenario, matcher: DlibFaceMatcher
) -> None:
    """The issue's "done when": same person <= threshold < different person, for every
    (live face, card photo) pair. The distances are printed for the record (pytest -s)."""
    started = time.monotonic()
    matcher.warm_up().result(timeout=60)
    load_s = time.monotonic() - started
    rows: list[tuple[str, str, FaceComparison, float]] = []
    for doc_id, person, live in _live_faces(faces):
        for other in faces.people:
            began = time.monotonic()
            result = matcher.compare(live, _photo(faces, other.id)).result(timeout=30)
            rows.append((doc_id, other.id, result, time.monotonic() - began))
            assert result.same_person == (person == other.id), (doc_id, other.id, result.distance)
    assert len(rows) == 10 and sum(row[2].same_person for row in rows) == 5

    print(f"\nface models ready in {load_s * 1000:.0f} ms (load {(matcher.model_load_s or 0) * 1000:.0f} ms)")
    print(f"{'live image':18} {'card photo':10} {'distance':>8}  verdict    time")
    for doc_id, card, result, seconds in rows:
        verdict = "same" if result.same_person else "different"
        print(f"{doc_id:18} {card:10} {result.distance:8.3f}  {verdict:9} {seconds * 1000:5.0f} ms")
    same = [row[2].distance for row in rows if row[2].same_person]
    different = [row[2].distance for row in rows if not row[2].same_person]
    print(f"same person: {min(same):.3f}-{max(same):.3f}; different: {min(different):.3f}-{max(different):.3f}")
    # Not only on the right side: clearly so, with a margin for other renderings.
    assert max(same) < 0.45 and min(different) > 0.55
    for _doc, _card, result, _s in rows:
        assert result.threshold == 0.6 and DESCRIPTOR_FILE.removesuffix(".dat") in result.model


def test_the_largest_of_several_faces_is_compared(faces: Scenario, matcher: DlibFaceMatcher) -> None:
    live = faces.resolve(faces.document("live_two_faces").image).read_bytes()
    astronaut = matcher.compare(live, _photo(faces, "astronaut")).result(timeout=60)
    hopper = matcher.compare(live, _photo(faces, "hopper")).result(timeout=30)
    assert astronaut.live_faces == 2 and astronaut.same_person
    # Grace Hopper is in the frame too, small, behind: she is counted, not compared.
    assert hopper.live_faces == 2 and not hopper.same_person


def test_no_face_says_which_image(faces: Scenario, matcher: DlibFaceMatcher) -> None:
    live = faces.resolve(faces.document("live_hopper_a").image).read_bytes()
    photo = _photo(faces, "hopper")
    with pytest.raises(NoLiveFaceError) as no_live:
        matcher.compare(face_images.no_face_frame(), photo).result(timeout=60)
    assert no_live.value.code == "DEV-071" and no_live.value.image == "live"
    assert "live image" in no_live.value.message and "1280 × 720" in no_live.value.message
    with pytest.raises(NoDocumentFaceError) as no_document:
        matcher.compare(live, face_images.blank_card_photo()).result(timeout=30)
    assert no_document.value.code == "DEV-072" and no_document.value.image == "document"
    assert "document photo" in no_document.value.message and "102 × 126" in no_document.value.message
    # Bytes that are no image at all, or nothing: the same errors, saying why.
    with pytest.raises(NoDocumentFaceError, match="not a readable image"):
        matcher.compare(live, b"\x89PNG\r\n\x1a\n garbage").result(timeout=30)
    with pytest.raises(NoLiveFaceError, match="empty"):
        matcher.compare(b"", photo).result(timeout=30)
    assert matcher.status.state.value == "ready"  # a face problem is not a device problem
    assert matcher.compare(live, photo).result(timeout=30).same_person  # and it works on


def test_models_load_lazily_on_the_device_thread_once(faces: Scenario) -> None:
    live = faces.resolve(faces.document("live_astronaut_b").image).read_bytes()
    device = open_device("face_matcher", "dlib:threshold=0.55", base_dir=Path.cwd())
    try:
        assert isinstance(device, DlibFaceMatcher) and device.info.backend == "dlib"
        assert device.model_load_s is None  # opening loads nothing
        first = device.compare(live, _photo(faces, "astronaut")).result(timeout=60)
        loaded = device.model_load_s
        models = device._models
        assert loaded is not None and models is not None
        second = device.compare(live, _photo(faces, "hopper")).result(timeout=30)
        assert device._models is models and device.model_load_s == loaded  # loaded once
        assert first.threshold == second.threshold == device.threshold == 0.55
        assert first.same_person and not second.same_person
    finally:
        device.close()


def test_a_default_spec_opens_with_dlibs_threshold() -> None:
    device = open_device("face_matcher", "dlib:", base_dir=Path.cwd())
    try:
        assert isinstance(device, DlibFaceMatcher) and device.threshold == 0.6 and not device.simulated
    finally:
        device.close()
