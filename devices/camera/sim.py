"""Simulated document camera (高拍仪), showing the scenario's document images.

What lies under the camera: a document put there with `present_document` (it stays
until `remove_document`), otherwise the first scenario document of the class the
registrar asked for, otherwise the next document in scenario order (cycling), so a
scripted demo always gets something plausible.

Asked for the live face (人证合一) with nothing laid down, it shows the person whose
card the simulated ID reader of the same scenario read last: their `live_face`
document, else their card photo; then the rule above. QA shows an impostor by
presenting another `live_face` document.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import ClassVar

from PIL import Image

from devices.camera.base import DocumentCamera
from devices.camera.types import CapturedImage, DocumentClass
from devices.errors import CaptureQualityError
from devices.sim.common import SimDevice, counter_state
from devices.sim.scenario import DocumentSpec, FaultOperation, Scenario


class SimDocumentCamera(SimDevice, DocumentCamera):
    sim_operation: ClassVar[FaultOperation] = FaultOperation.CAPTURE

    def __init__(self, scenario: Scenario, name: str | None = None, *, seed: int | None = None) -> None:
        spec = scenario.camera
        super().__init__(name or spec.name, scenario, spec.faults, seed=seed)
        self._capture_delay_s = spec.capture_delay_s
        self._presented: str | None = None
        self._presented_image: tuple[bytes, DocumentClass | None] | None = None
        self._next_index = 0

    # --- QA / test controls (any thread) ---------------------------------------------

    def present_document(self, document_id: str) -> None:
        """Lays this document under the camera; every capture shows it until removed."""
        try:
            self.scenario.document(document_id)
        except KeyError:
            raise ValueError(f"unknown document id {document_id!r} in {self.scenario.source}") from None
        with self._lock:
            self._presented = document_id

    def present_image(self, image_png: bytes, document_class: DocumentClass | None = None) -> None:
        """Lays a paper made during the session under the camera (e.g. a receipt the
        counter printed, rendered to PNG): every capture shows it until removed."""
        with Image.open(io.BytesIO(image_png)) as image:
            image.verify()  # a broken image is the caller's mistake: say so now
        with self._lock:
            self._presented_image = (image_png, document_class)
            self._presented = None

    def remove_document(self) -> None:
        with self._lock:
            self._presented = None
            self._presented_image = None

    @property
    def document_under_camera(self) -> str | None:
        with self._lock:
            return self._presented

    # --- backend ----------------------------------------------------------------------

    def _do_capture(self, expected: DocumentClass | None) -> CapturedImage:
        return self._simulate(lambda: self._capture(expected))

    def _capture(self, expected: DocumentClass | None) -> tuple[CapturedImage, str]:
        with self._lock:
            presented = self._presented_image
        if presented is not None:
            self._pause(self._capture_delay_s)
            return self._image(presented[0], presented[1], sharpness=500.0), "presented-image"
        document = self._choose(expected)
        self._pause(self._capture_delay_s)
        png = self.scenario.resolve(document.image).read_bytes()
        return self._image(png, document.document_class, document.sharpness), document.id

    def _image(self, png: bytes, document_class: DocumentClass | None, sharpness: float) -> CapturedImage:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
        return CapturedImage(
            image_png=png,
            width=width,
            height=height,
            document_class=document_class,
            captured_at=datetime.now().astimezone(),
            device_name=self.name,
            sharpness=sharpness,
        )

    def _choose(self, expected: DocumentClass | None) -> DocumentSpec:
        documents = self.scenario.camera.documents
        with self._lock:
            if self._presented is not None:
                return self.scenario.document(self._presented)
            if expected is DocumentClass.LIVE_FACE:
                face = self._face_of_last_card()
                if face is not None:
                    return face
            if expected is not None:
                for document in documents:
                    if document.document_class == expected:
                        return document
            if not documents:
                raise CaptureQualityError(
                    self.name, detail="nothing under the camera (no scenario documents)"
                )
            document = documents[self._next_index % len(documents)]
            self._next_index += 1
            return document

    def _face_of_last_card(self) -> DocumentSpec | None:
        """The live face of the person whose card was read last, or their card photo
        standing in for it; None when no card was read or the person has neither."""
        person_id = counter_state(self.scenario).last_card
        if person_id is None:
            return None
        for document in self.scenario.camera.documents:
            if document.document_class is DocumentClass.LIVE_FACE and document.person == person_id:
                return document
        photo = self.scenario.person(person_id).photo
        if photo is None:
            return None
        return DocumentSpec.model_validate(
            {"id": f"photo:{person_id}", "class": DocumentClass.LIVE_FACE, "image": photo, "person": person_id}
        )
