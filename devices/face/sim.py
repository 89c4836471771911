"""Simulated face matcher: judges identity from the scenario, not from pixels.

Each image is known by its exact content (SHA-256): a person's card `photo` is that
person's face, a camera document of class `live_face` is the face of its `person:`, or
of a stranger when it names nobody. Two images that share a person are "the same
person" (`same_distance`, default 0.35), any others "different" (`different_distance`,
default 0.85), judged against `threshold` (default 0.6). An image it cannot place
shows no face, as far as it knows: NoLiveFaceError / NoDocumentFaceError.

So the card photo the simulated reader returns and the live face the simulated camera
shows when asked for one (devices/camera/sim.py) compare as the same person, and QA
shows an impostor by presenting someone else's `live_face` document. People who share
one portrait file share a face: the simulator cannot tell them apart.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from devices.camera.types import DocumentClass
from devices.errors import NoDocumentFaceError, NoLiveFaceError
from devices.face.base import FaceMatcher
from devices.face.types import FaceComparison
from devices.sim.common import SimDevice
from devices.sim.scenario import FaultOperation, Scenario

MODEL = "simulated (scenario identities)"
STRANGER = "stranger:"  # prefix of the identity of a live_face document that names nobody


class SimFaceMatcher(SimDevice, FaceMatcher):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.COMPARE_FACES

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.face_matcher
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self._spec = spec
        self._identities: dict[str, frozenset[str]] | None = None  # device thread only

    @property
    def threshold(self) -> float:
        return self._spec.threshold

    # --- backend (device thread) -------------------------------------------------------

    def _do_warm_up(self) -> None:
        # Not an operation: it neither draws the scenario's faults nor counts as a call.
        self._check_connected()
        self._index()

    def _do_compare(self, live_png: bytes, reference_png: bytes) -> FaceComparison:
        return self._simulate(lambda: self._compare(live_png, reference_png))

    def _compare(self, live_png: bytes, reference_png: bytes) -> tuple[FaceComparison, str]:
        self._pause(self._spec.compare_delay_s)
        identities = self._index()
        live = identities.get(_digest(live_png))
        if not live:
            raise NoLiveFaceError(self.name, detail="simulated: not a face of this scenario")
        reference = identities.get(_digest(reference_png))
        if not reference:
            raise NoDocumentFaceError(self.name, detail="simulated: not a face of this scenario")
        same = not live.isdisjoint(reference)
        distance = self._spec.same_distance if same else self._spec.different_distance
        comparison = FaceComparison(distance, self._spec.threshold, MODEL, live_faces=1)
        return comparison, f"{_shown(live)} vs {_shown(reference)}: {distance:g}"

    def _index(self) -> dict[str, frozenset[str]]:
        """SHA-256 of every face image in the scenario → whose face it is. Built on first
        use, on the device thread: it reads every image file once."""
        if self._identities is not None:
            return self._identities
        found: dict[str, set[str]] = {}
        for person in self.scenario.people:
            if person.photo is not None:
                found.setdefault(self._file_digest(person.photo), set()).add(person.id)
        for document in self.scenario.camera.documents:
            if document.document_class is DocumentClass.LIVE_FACE:
                who = document.person or STRANGER + document.id
                found.setdefault(self._file_digest(document.image), set()).add(who)
        self._identities = {digest: frozenset(people) for digest, people in found.items()}
        return self._identities

    def _file_digest(self, relative: str) -> str:
        return _digest(self.scenario.resolve(relative).read_bytes())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _shown(identities: frozenset[str]) -> str:
    return "/".join(sorted(identities))
