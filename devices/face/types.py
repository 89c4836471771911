"""The result of one face comparison (人证合一)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FaceComparison:
    """`distance` is the model's distance between the two faces (dlib's ResNet
    descriptor: Euclidean, 0 = identical, its authors' threshold 0.6); the faces are
    taken as the same person when `distance <= threshold`. The registrar sees both."""

    distance: float
    threshold: float
    model: str  # which backend and model produced the distance, for the record
    live_faces: int = 1  # faces found in the live image (the largest one is compared)

    @property
    def same_person(self) -> bool:
        return self.distance <= self.threshold
