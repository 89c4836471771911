"""The face-check test images, derived at test time from two public-domain photos.

    .venv/bin/python -m tests.devices.face_images OUT_DIR   # to look at them

tests/devices/fixtures/faces/ holds the two source photos (see its README.md) and
`scenario.yaml`, a scenario of two invented people who wear those faces. Everything
else is drawn here, deterministically (fixed seeds), so that the repository keeps two
small JPEGs instead of a dozen images:

- a card photo per person: the face cropped and shrunk to 102 x 126 px with a colour
  cast, like the photo a second-generation ID card reader decodes;
- two live images per person: the photo turned a few degrees, scaled, lighter or
  darker, one of them mirrored, laid on a noisy 1280 x 720 camera frame;
- a live image with both faces, one large and one small;
- images without any face, for the error cases.
"""

from __future__ import annotations

import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

FACES_DIR = Path(__file__).resolve().parent / "fixtures" / "faces"
SCENARIO = FACES_DIR / "scenario.yaml"
FRAME = (1280, 720)  # a document camera's live view
CARD_PHOTO = (102, 126)  # the photo decoded from a second-generation ID card


@dataclass(frozen=True)
class Source:
    file: str
    # Where the face lies in the photo (left, top, right, bottom), read once off dlib's
    # detector and fixed here, so that drawing the images needs no dlib.
    face: tuple[int, int, int, int]


SOURCES = {
    "astronaut": Source("astronaut.jpg", (179, 83, 266, 170)),
    "hopper": Source("grace_hopper.jpg", (170, 138, 370, 338)),
}


@dataclass(frozen=True)
class Live:
    """One rendering of a person in front of the camera."""

    person: str
    angle: float  # degrees, counter-clockwise
    face_px: int  # width of the face in the frame
    brightness: float
    mirror: bool
    centre: tuple[int, int]  # where the face's centre lands in the frame
    seed: int


# Image file name → what it shows; scenario.yaml names these files.
LIVE = {
    "live-astronaut-a.png": Live("astronaut", 7.0, 190, 1.25, False, (700, 330), 1),
    "live-astronaut-b.png": Live("astronaut", -5.0, 130, 0.75, True, (520, 300), 2),
    "live-hopper-a.png": Live("hopper", -6.0, 210, 1.2, False, (640, 340), 3),
    "live-hopper-b.png": Live("hopper", 4.0, 140, 0.8, True, (760, 320), 4),
}
CARD_PHOTOS = {"card-astronaut.png": "astronaut", "card-hopper.png": "hopper"}
TWO_FACES = "live-two-faces.png"  # the astronaut close up, Grace Hopper small behind


def _source(person: str) -> Image.Image:
    with Image.open(FACES_DIR / SOURCES[person].file) as image:
        return image.convert("RGB")


def _png(image: Image.Image, level: int = 6) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=level)
    return out.getvalue()


def card_photo(person: str) -> bytes:
    """A head-and-shoulders crop at the card's 102 x 126 px, with a warm colour cast and
    the softness of the card's printed photo."""
    image = _source(person)
    left, top, right, bottom = SOURCES[person].face
    face_w = right - left
    crop_w = face_w / 0.6  # the face fills about 60 % of the photo's width
    crop_h = crop_w * CARD_PHOTO[1] / CARD_PHOTO[0]
    cx, cy = (left + right) / 2, (top + bottom) / 2
    box = (cx - crop_w / 2, cy - crop_h * 0.45, cx + crop_w / 2, cy + crop_h * 0.55)
    photo = image.resize(CARD_PHOTO, Image.Resampling.LANCZOS, box=box)
    r, g, b = photo.split()
    r = r.point(lambda v: min(255, round(v * 1.06 + 6)))
    b = b.point(lambda v: round(v * 0.9))
    photo = Image.merge("RGB", (r, g, b))
    photo = ImageEnhance.Color(photo).enhance(0.85).filter(ImageFilter.GaussianBlur(0.35))
    return _png(photo)


def _noisy_frame(seed: int) -> tuple[Image.Image, np.random.Generator]:
    rng = np.random.default_rng(seed)
    width, height = FRAME
    # A lit desk: a horizontal light gradient, a colour tint, and sensor noise.
    gradient = np.linspace(70, 150, width, dtype=np.float32)[None, :, None]
    base = np.broadcast_to(gradient, (height, width, 3)) * np.array([1.0, 0.97, 0.92], dtype=np.float32)
    frame = base + rng.normal(0, 10, (height, width, 3))
    return Image.fromarray(np.clip(frame, 0, 255).astype(np.uint8)), rng


def _add_noise(image: Image.Image, rng: np.random.Generator, sigma: float = 6.0) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _place(frame: Image.Image, live: Live) -> None:
    """Draws the person's photo into `frame`, transformed as `live` says."""
    left, top, right, bottom = SOURCES[live.person].face
    size = right - left
    # Head and shoulders only, so that two people in one frame do not cover each other.
    image = _source(live.person)
    crop = (
        max(0, left - size), max(0, round(top - size * 0.8)),
        min(image.width, right + size), min(image.height, round(bottom + size * 1.5)),
    )
    image = image.crop(crop)
    left, top, right, bottom = left - crop[0], top - crop[1], right - crop[0], bottom - crop[1]
    scale = live.face_px / size
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    face_x, face_y = (left + right) / 2 * scale, (top + bottom) / 2 * scale
    if live.mirror:
        image = ImageOps.mirror(image)
        face_x = image.width - face_x
    image = ImageEnhance.Brightness(image).enhance(live.brightness)
    # Turn about the face's centre, so the face stays where `centre` says.
    turn = {"angle": live.angle, "resample": Image.Resampling.BICUBIC, "center": (face_x, face_y)}
    mask = Image.new("L", image.size, 255).rotate(**turn)
    image = image.rotate(**turn)
    frame.paste(image, (round(live.centre[0] - face_x), round(live.centre[1] - face_y)), mask)


def live_image(name: str) -> bytes:
    live = LIVE[name]
    frame, rng = _noisy_frame(live.seed)
    _place(frame, live)
    return _png(_add_noise(frame, rng), level=1)


def two_faces() -> bytes:
    frame, rng = _noisy_frame(5)
    _place(frame, Live("hopper", 0.0, 85, 0.9, False, (1050, 200), 0))  # someone waiting behind
    _place(frame, Live("astronaut", 3.0, 200, 1.05, False, (480, 360), 0))
    return _png(_add_noise(frame, rng), level=1)


def no_face_frame() -> bytes:
    """An empty desk: nothing but light and noise."""
    frame, rng = _noisy_frame(6)
    return _png(_add_noise(frame, rng), level=1)


def blank_card_photo() -> bytes:
    """A card photo that shows no face (a damaged or blank photo area)."""
    return _png(Image.new("RGB", CARD_PHOTO, (236, 240, 244)))


def write_face_scenario(folder: Path) -> Path:
    """Draws every image into `folder`, copies scenario.yaml beside them, returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, person in CARD_PHOTOS.items():
        (folder / name).write_bytes(card_photo(person))
    for name in LIVE:
        (folder / name).write_bytes(live_image(name))
    (folder / TWO_FACES).write_bytes(two_faces())
    return Path(shutil.copy(SCENARIO, folder / SCENARIO.name))


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "face-images")
    print(write_face_scenario(out))
    (out / "no-face.png").write_bytes(no_face_frame())
    (out / "blank-card-photo.png").write_bytes(blank_card_photo())
