"""Face check with dlib's ResNet face descriptor, fully offline (notes/devices.md §3.3).

Three pieces, none downloaded at run time:

- dlib's HOG frontal face detector, built into dlib (no model file);
- the 5-point shape predictor, which aligns the face for the descriptor;
- `dlib_face_recognition_resnet_model_v1.dat`, which maps an aligned face to a
  128-number descriptor; two descriptors of one person lie closer than 0.6
  (Euclidean), dlib's own threshold.

`dlib-bin` brings dlib as a wheel for Linux and Windows; `face-recognition-models`
(CC0) brings the model files. Both are the optional `face` extra: without them this
backend refuses to open with FaceCheckNotInstalledError and the counter runs without a
face check. The package also holds the 68-point predictor: it is never loaded or named
here, because its training data (iBUG 300-W) bars commercial use (davisking/dlib-models).

The models are located through the package's folder (importlib's spec), not by
importing the package: its `__init__` imports `pkg_resources`, which new setuptools
releases no longer have.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from devices.errors import (
    DeviceSpecError,
    FaceCheckNotInstalledError,
    NoDocumentFaceError,
    NoFaceFoundError,
    NoLiveFaceError,
)
from devices.face.base import DEFAULT_THRESHOLD, FaceMatcher
from devices.face.types import FaceComparison

log = logging.getLogger(__name__)

MODELS_PACKAGE = "face_recognition_models"
SHAPE_PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
DEFAULT_NAME = "dlib 人脸比对"

# Sizes the detector works on. dlib's HOG detector finds faces from about 80 px wide;
# the photo decoded from an ID card is 102 x 126 px with a face of about 60 px, so
# small images are enlarged (Lanczos, a whole factor) until their short side reaches
# MIN_SIDE. Large camera frames are reduced to MAX_SIDE: a face at the counter stays
# far above 80 px, and detection time grows with the pixel count.
MIN_SIDE = 400
MAX_SIDE = 1600
MAX_ENLARGE = 8
# Only images up to this size get a second, upsampled detection pass when the first
# finds nothing: it is four times slower and brings false detections in busy frames.
UPSAMPLE_MAX_SIDE = 1000
MAX_PIXELS = 80_000_000  # decompression-bomb guard, as for barcodes
CHIP_SIZE = 150  # the aligned face the ResNet model takes
DESCRIPTOR_LENGTH = 128


def _importable(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is not None  # None: import blocked (tests do this)
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def models_folder() -> Path | None:
    """The `models` folder of face-recognition-models, without importing the package."""
    if not _importable(MODELS_PACKAGE):
        return None
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) / "models" if locations else None


def missing_parts() -> list[str]:
    """What this backend needs and does not find, in words for IT; empty when complete."""
    missing: list[str] = []
    if not _importable("dlib"):
        missing.append("dlib (package dlib-bin)")
    folder = models_folder()
    if folder is None:
        missing.append("the model files (package face-recognition-models)")
    else:
        missing += [f"{name} (package face-recognition-models)" for name in (SHAPE_PREDICTOR_FILE, DESCRIPTOR_FILE)
                    if not (folder / name).is_file()]  # fmt: skip
    return missing


def availability() -> str | None:
    """None when the backend can run, else why not (for `devices list` and the status bar)."""
    missing = missing_parts()
    return FaceCheckNotInstalledError(detail=", ".join(missing)).message if missing else None


def parse_argument(kind: str, spec: str, argument: str) -> float:
    """The threshold that `"threshold=0.55"` (or nothing: dlib's 0.6) after `dlib:` sets;
    DeviceSpecError naming the key for anything else."""
    threshold = DEFAULT_THRESHOLD
    for item in filter(None, (part.strip() for part in argument.replace(";", ",").split(","))):
        key, equals, value = (text.strip() for text in item.partition("="))
        if key != "threshold":
            raise DeviceSpecError(kind, spec, f"unknown option {key!r} (known: threshold)")
        try:
            threshold = float(value) if equals else math.nan
        except ValueError:
            threshold = math.nan
        if not 0.0 < threshold < 2.0:  # descriptors are unit-length: distances lie in [0, 2]
            raise DeviceSpecError(kind, spec, f"threshold: expected a number between 0 and 2, got {value!r}")
    return threshold


@dataclass(frozen=True, slots=True)
class _Models:
    detector: Any
    shape_predictor: Any
    descriptor: Any
    label: str


@dataclass(frozen=True, slots=True)
class _Face:
    box: Any  # dlib.rectangle, in the coordinates of the normalised image
    score: float

    @property
    def area(self) -> int:
        return int(self.box.width()) * int(self.box.height())


class DlibFaceMatcher(FaceMatcher):
    backend: ClassVar[str] = "dlib"

    def __init__(self, name: str = DEFAULT_NAME, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 < threshold < 2.0:
            raise ValueError(f"threshold must lie between 0 and 2, not {threshold}")
        # At open time, so that the registry and the status bar say it before a registrar
        # needs the face check; the libraries themselves load on the device thread.
        missing = missing_parts()
        if missing:
            raise FaceCheckNotInstalledError(name, detail=", ".join(missing))
        super().__init__(name)
        self._threshold = threshold
        self._models: _Models | None = None  # device thread only
        self.model_load_s: float | None = None  # how long loading took, once loaded

    @property
    def threshold(self) -> float:
        return self._threshold

    # --- backend (device thread) -------------------------------------------------------

    def _do_warm_up(self) -> None:
        self._load()

    def _do_compare(self, live_png: bytes, reference_png: bytes) -> FaceComparison:
        models = self._load()
        live, live_size = self._image(live_png, NoLiveFaceError)
        reference, reference_size = self._image(reference_png, NoDocumentFaceError)
        live_faces = self._faces(models, live, live_size, NoLiveFaceError)
        reference_faces = self._faces(models, reference, reference_size, NoDocumentFaceError)
        # The party stands closest to the camera: their face is the largest. A face on
        # a poster or a person queueing behind is smaller, and only counted.
        live_descriptor = self._descriptor(models, live, _largest(live_faces))
        reference_descriptor = self._descriptor(models, reference, _largest(reference_faces))
        distance = float(np.linalg.norm(live_descriptor - reference_descriptor))
        return FaceComparison(distance, self._threshold, models.label, live_faces=len(live_faces))

    def _load(self) -> _Models:
        if self._models is not None:
            return self._models
        started = time.monotonic()
        folder = models_folder()
        try:
            dlib = importlib.import_module("dlib")
        except ImportError as error:  # found but broken (a wheel for another platform)
            raise FaceCheckNotInstalledError(self.name, detail=f"dlib (package dlib-bin): {error}") from error
        if folder is None:
            raise FaceCheckNotInstalledError(self.name, detail="the model files (package face-recognition-models)")
        try:
            models = _Models(
                detector=dlib.get_frontal_face_detector(),
                shape_predictor=dlib.shape_predictor(str(folder / SHAPE_PREDICTOR_FILE)),
                descriptor=dlib.face_recognition_model_v1(str(folder / DESCRIPTOR_FILE)),
                label=f"dlib {dlib.__version__} {DESCRIPTOR_FILE.removesuffix('.dat')}",
            )
            # One pass of the network on a blank aligned chip: proves the model runs (the
            # self-test relies on it) and takes the first call's set-up off the first check.
            check = models.descriptor.compute_face_descriptor(np.zeros((CHIP_SIZE, CHIP_SIZE, 3), np.uint8))
        except RuntimeError as error:  # dlib's own error for a missing or damaged file
            raise FaceCheckNotInstalledError(self.name, detail=f"model files unreadable: {error}") from error
        if len(check) != DESCRIPTOR_LENGTH or not np.all(np.isfinite(np.asarray(check))):
            raise FaceCheckNotInstalledError(self.name, detail=f"{DESCRIPTOR_FILE} gives no valid descriptor")
        self._models = models
        self.model_load_s = time.monotonic() - started
        log.info("face models loaded in %.0f ms from %s", self.model_load_s * 1000, folder)
        return models

    def _image(self, data: bytes, error: type[NoFaceFoundError]) -> tuple[NDArray[np.uint8], tuple[int, int]]:
        """The image as a contiguous RGB array, enlarged or reduced for the detector, and
        its size as given."""
        if not data:
            raise error(self.name, detail="the image is empty")
        try:
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise error(self.name, detail=f"the image is too large ({opened.width} × {opened.height} px)")
                # A phone or webcam JPEG may be stored sideways with an EXIF rotation.
                image = ImageOps.exif_transpose(opened).convert("RGB")
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as failure:
            raise error(self.name, detail=f"not a readable image ({type(failure).__name__})") from failure
        size = image.size
        short, long = sorted(size)
        if long > MAX_SIDE:
            scale = MAX_SIDE / long
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR,
                                 reducing_gap=2.0)  # fmt: skip
        elif short < MIN_SIDE:
            factor = min(MAX_ENLARGE, math.ceil(MIN_SIDE / max(short, 1)))
            image = image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)
        return np.ascontiguousarray(np.asarray(image, dtype=np.uint8)), size

    def _faces(
        self, models: _Models, image: NDArray[np.uint8], size: tuple[int, int], error: type[NoFaceFoundError]
    ) -> list[_Face]:
        passes = (0, 1) if max(image.shape[:2]) <= UPSAMPLE_MAX_SIDE else (0,)
        for upsample in passes:
            boxes, scores, _ = models.detector.run(image, upsample, 0.0)
            if len(boxes):
                return [_Face(box, float(score)) for box, score in zip(boxes, scores, strict=True)]
        raise error(self.name, detail=f"no frontal face in the {size[0]} × {size[1]} px image")

    def _descriptor(self, models: _Models, image: NDArray[np.uint8], face: _Face) -> NDArray[np.float64]:
        landmarks = models.shape_predictor(image, face.box)
        return np.asarray(models.descriptor.compute_face_descriptor(image, landmarks), dtype=np.float64)


def _largest(faces: list[_Face]) -> _Face:
    return max(faces, key=lambda face: (face.area, face.score))
