"""Face matchers (人证合一): is the person at the counter the person on the document?

A matcher compares two still images: the live image of the person at the counter (a
camera capture) and the reference photo of their document (the photo decoded from an
ID card, a passport's DG2, or a scenario's photo). It returns a distance and the
threshold it was judged against; the registrar sees both and decides, and a supervisor
may override a "different person" result (the workflow records that, not the device).

Like every device, a matcher runs on its own thread: a comparison takes a few hundred
milliseconds of CPU, and loading a model longer, which the GUI thread must never wait for.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from typing import ClassVar

from devices.base import Device
from devices.face.types import FaceComparison

DEFAULT_THRESHOLD = 0.6  # dlib's: two descriptors of one person lie closer than this


class FaceMatcher(Device):
    kind: ClassVar[str] = "face_matcher"

    def compare(self, live_png: bytes, reference_png: bytes) -> Future[FaceComparison]:
        """Compares the face in `live_png` with the face in `reference_png`.

        Both are encoded images (PNG expected; anything Pillow reads works). When the
        live image shows several faces (someone behind the party), the largest is
        compared and `FaceComparison.live_faces` says how many there were.

        Raises (through the future): NoLiveFaceError / NoDocumentFaceError when that
        image shows no usable face or cannot be read; DeviceUnavailableError (its
        FaceCheckNotInstalledError when the optional libraries are missing).
        """
        return self._run("compare", lambda: self._do_compare(live_png, reference_png))

    def warm_up(self) -> Future[None]:
        """Loads what the first comparison would otherwise load (a model), on the device
        thread, so the registrar's first face check does not wait for it. Optional: a
        comparison loads it anyway, once."""
        return self._run("warm_up", self._do_warm_up)

    @property
    def threshold(self) -> float:
        """The distance up to which two faces count as the same person."""
        return DEFAULT_THRESHOLD

    @abstractmethod
    def _do_compare(self, live_png: bytes, reference_png: bytes) -> FaceComparison: ...

    def _do_warm_up(self) -> None:
        """Nothing to load by default."""
