"""Deterministic pseudonymisation of recorded device data.

A recording made at a real counter holds real people. Unless IT explicitly keeps the
personal data, every identity read is replaced by a fake person before anything is
stored:

- the name comes from a fixed list of invented names (by sex, Latin names for Latin
  input), the address becomes an obviously invented one;
- a GB 11643 number keeps its region code and its layout, but the birth day moves
  within the same month and the sequence code is new (same parity, so the same sex);
  the check character is recomputed, and kept *wrong* when the real one was wrong,
  so a broken card is still broken in the replay; other numbers (passports, old
  foreign permits) keep their shape only (digits stay digits, letters letters);
- the portrait becomes a neutral generated silhouette of the same size;
- camera images (documents, joint photos) become a neutral placeholder of the same
  size; QR codes found in the real image are redrawn at the same place with their
  text pseudonymised, so a receipt still scans after replay;
- signer names are replaced like card names; pen strokes are kept;
- every free text that is stored (signature declaration text, barcode text, error
  details, status reasons) has the real names, numbers, addresses and birth dates
  seen so far in the session replaced by their fakes.

The same real person (same ID number, or same name when there is no number) maps to
the same fake within one session. Fakes are assigned in order of first appearance,
never derived from a hash of the real data, so a recording leaks nothing about the
real values. Nothing here logs a value.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from PIL import Image, ImageDraw

from devices.barcode.types import Barcode
from devices.camera.types import CapturedImage
from devices.id_reader.types import IdentityRecord
from devices.signature_pad.sim import render_signature, synthetic_strokes
from devices.signature_pad.types import SignatureCapture

# ISO 7064 MOD 11-2, GB 11643-1999 §7 (app.domain has its own copy; devices may not
# import app).
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_CITIZEN_NUMBER: Final = re.compile(r"^\d{17}[\dXx]$")
# An 18-digit (or old 15-digit) citizen number standing alone in free text.
_UNSEEN_NUMBER: Final = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")


def _masked(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]

# Invented names; none belongs to the shipped scenarios.
MALE_NAMES: Final = (
    "赵一鸣", "钱浩宇", "孙子涵", "周文博", "吴俊杰", "郑宇航", "冯子轩", "陈博远", "褚天佑", "卫明哲",
    "蒋思远", "沈皓然", "韩立诚", "杨景行", "朱承泽", "秦沐阳",
)  # fmt: skip
FEMALE_NAMES: Final = (
    "许梦瑶", "何欣怡", "吕诗涵", "施语嫣", "张若兮", "孔雨萱", "曹可馨", "严紫萱", "华静姝", "金晓岚",
    "魏清妍", "陶书瑶", "姜思语", "戚婉清", "谢初夏", "邹安然",
)  # fmt: skip
NEUTRAL_NAMES: Final = ("柏子墨", "水若尘", "窦知秋", "章一诺", "云清和", "苏念安", "潘亦辰", "葛以宁")
LATIN_NAMES: Final = ("SAMPLE, ALEX", "EXAMPLE, SAM", "PLACEHOLDER, JO", "DEMO, KIM", "TEST, ROBIN", "MOCK, LEE")
FAKE_ADDRESS: Final = "示例省示例市示例区虚构路{n}号"

PORTRAIT_SIZE: Final = (102, 126)  # the chip portrait's size, when the real one cannot be read
DOCUMENT_SIZE: Final = (640, 480)
_PORTRAIT_BACKGROUND: Final = (236, 239, 243)
_PORTRAIT_SILHOUETTE: Final = (178, 186, 198)
_DOCUMENT_BACKGROUND: Final = (228, 228, 228)
_DOCUMENT_LINES: Final = (200, 200, 200)


def citizen_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def shift_birth_day(real: date, index: int) -> date:
    """Another day of the same month (1..28), different from the real one."""
    day = (real.day - 1 + 7 + 5 * index) % 28 + 1
    if day == real.day:
        day = day % 28 + 1
    return real.replace(day=day)


def fake_id_number(real: str, real_birth: date, fake_birth: date, index: int) -> str:
    """A number shaped like `real`, different from it; see the module docstring."""
    if _CITIZEN_NUMBER.match(real):
        was_valid = real[17].upper() == citizen_check_char(real[:17])
        embedded = real[6:14]
        if embedded == real_birth.strftime("%Y%m%d"):
            date_part = fake_birth.strftime("%Y%m%d")
        else:  # a card whose number disagrees with its birth date: keep the disagreement
            try:
                parsed = date(int(embedded[:4]), int(embedded[4:6]), int(embedded[6:]))
            except ValueError:
                date_part = embedded
            else:
                date_part = shift_birth_day(parsed, index).strftime("%Y%m%d")
        real_sequence = int(real[14:17])
        sequence = 900 + (2 * index) % 100 + real_sequence % 2
        if sequence == real_sequence:
            sequence = 900 + (sequence - 900 + 2) % 100
        body = f"{real[:6]}{date_part}{sequence:03d}"
        check = citizen_check_char(body)
        if not was_valid:  # keep a broken card broken
            check = _CHECK_CHARS[(_CHECK_CHARS.index(check) + 1) % 11]
        if real[17] == "x" and check == "X":
            check = "x"
        return body + check
    return _shape_preserving(real, index)


def _shape_preserving(real: str, index: int) -> str:
    for attempt in range(100):
        rng = random.Random(f"fake-number:{index}:{attempt}")
        out = []
        for char in real:
            if char.isascii() and char.isdigit():
                out.append(str(rng.randrange(10)))
            elif char.isascii() and char.isupper():
                out.append(chr(ord("A") + rng.randrange(26)))
            elif char.isascii() and char.islower():
                out.append(chr(ord("a") + rng.randrange(26)))
            else:
                out.append(char)
        fake = "".join(out)
        if fake != real:
            return fake
    return "X" * len(real)  # only for a number with no letters or digits at all


def _date_forms(value: date) -> list[str]:
    """How a birth date appears in free text (ID numbers are replaced first, whole)."""
    return [
        value.isoformat(),
        value.strftime("%Y%m%d"),
        value.strftime("%Y.%m.%d"),
        value.strftime("%Y/%m/%d"),
        f"{value.year}年{value.month:02d}月{value.day:02d}日",
        f"{value.year}年{value.month}月{value.day}日",
    ]


def portrait_placeholder(size: tuple[int, int] = PORTRAIT_SIZE) -> bytes:
    """A neutral head-and-shoulders silhouette on a pale background, as PNG."""
    width, height = size
    image = Image.new("RGB", (width, height), _PORTRAIT_BACKGROUND)
    draw = ImageDraw.Draw(image)
    cx = width / 2
    head_r = width * 0.2
    head_cy = height * 0.38
    draw.ellipse((cx - head_r, head_cy - head_r * 1.2, cx + head_r, head_cy + head_r * 1.2), fill=_PORTRAIT_SILHOUETTE)
    draw.ellipse((cx - width * 0.45, height * 0.7, cx + width * 0.45, height * 1.3), fill=_PORTRAIT_SILHOUETTE)
    return _png(image)


def document_placeholder(size: tuple[int, int], codes: list[tuple[str, tuple[int, int, int, int]]]) -> bytes:
    """A grey, hatched page of `size`, with each (text, box) QR code redrawn in its box."""
    width, height = size
    image = Image.new("RGB", (width, height), _DOCUMENT_BACKGROUND)
    draw = ImageDraw.Draw(image)
    step = max(16, min(width, height) // 12)
    for offset in range(-height, width, step):
        draw.line((offset, 0, offset + height, height), fill=_DOCUMENT_LINES, width=1)
    draw.rectangle((0, 0, width - 1, height - 1), outline=_DOCUMENT_LINES, width=2)
    for text, box in codes:
        _draw_qr(image, text, box)
    return _png(image)


def _draw_qr(image: Image.Image, text: str, box: tuple[int, int, int, int]) -> None:
    import segno

    left, top, right, bottom = box
    qr = segno.make_qr(text, error="m")
    modules = qr.symbol_size(scale=1, border=0)[0]
    scale = max(1, round(min(right - left, bottom - top) / modules))
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    with Image.open(io.BytesIO(buffer.getvalue())) as code:
        code_rgb = code.convert("RGB")
    image.paste(code_rgb, (max(0, left - 4 * scale), max(0, top - 4 * scale)))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _image_size(data: bytes, default: tuple[int, int]) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # any unreadable image: the placeholder takes the default size
        return default


def _qr_codes(data: bytes) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(text, bounding box) of each QR code zxing-cpp finds; [] without zxing-cpp."""
    try:
        import zxingcpp
    except ImportError:
        return []
    try:
        with Image.open(io.BytesIO(data)) as image:
            results = zxingcpp.read_barcodes(image.convert("L"))
    except Exception:  # not an image: nothing to redraw
        return []
    codes = []
    for result in results:
        if not result.valid or result.format != zxingcpp.BarcodeFormat.QRCode:
            continue
        position = result.position
        corners = (position.top_left, position.top_right, position.bottom_left, position.bottom_right)
        xs = [point.x for point in corners]
        ys = [point.y for point in corners]
        codes.append((result.text, (min(xs), min(ys), max(xs), max(ys))))
    return codes


@dataclass(frozen=True, slots=True)
class _FakePerson:
    name: str
    id_number: str
    birth_date: date
    address: str


class Pseudonymiser:
    """Maps the real people of one session to fake ones; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._people: dict[str, _FakePerson] = {}
        self._names: dict[str, str] = {}
        self._name_counts: dict[str, int] = {}
        self._replacements: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._portraits: dict[tuple[int, int], bytes] = {}
        self._documents: dict[bytes, bytes] = {}

    # --- primitives ----------------------------------------------------------------------

    def name(self, real: str, sex_code: str = "") -> str:
        """The fake name of `real` (a new one at first sight)."""
        if not real.strip():
            return real
        with self._lock:
            fake = self._names.get(real)
            if fake is None:
                if real.isascii():
                    names: tuple[str, ...] = LATIN_NAMES
                elif sex_code == "1":
                    names = MALE_NAMES
                elif sex_code == "2":
                    names = FEMALE_NAMES
                else:
                    names = NEUTRAL_NAMES
                fake = real
                while fake == real or fake in self._names.values():
                    count = self._name_counts.get(names[0], 0)
                    self._name_counts[names[0]] = count + 1
                    lap = count // len(names)
                    fake = names[count % len(names)] + (str(lap + 1) if lap else "")
                self._names[real] = fake
                self._add_replacement(real, fake)
            return fake

    def text(self, text: str) -> str:
        """`text` with every real value seen so far replaced by its fake, and any other
        citizen number (one this session never read, e.g. typed into a form text)
        masked like the logs mask them."""
        with self._lock:
            if self._replacements and text:
                if self._pattern is None:
                    keys = sorted(self._replacements, key=len, reverse=True)
                    self._pattern = re.compile("|".join(re.escape(key) for key in keys))
                replacements = self._replacements
                text = self._pattern.sub(lambda match: replacements[match.group(0)], text)
            fakes = set(self._replacements.values())
        return _UNSEEN_NUMBER.sub(lambda m: m.group(0) if m.group(0) in fakes else _masked(m.group(0)), text)

    def portrait(self, real: bytes | None) -> bytes | None:
        if real is None:
            return None
        size = _image_size(real, PORTRAIT_SIZE)
        with self._lock:
            if size not in self._portraits:
                self._portraits[size] = portrait_placeholder(size)
            return self._portraits[size]

    def document_image(self, real: bytes) -> bytes:
        """Placeholder of the same size; QR codes redrawn with pseudonymised text."""
        digest = hashlib.sha256(real).digest()
        with self._lock:
            cached = self._documents.get(digest)
        if cached is not None:
            return cached
        size = _image_size(real, DOCUMENT_SIZE)
        codes = [(self.text(text), box) for text, box in _qr_codes(real)]
        placeholder = document_placeholder(size, codes)
        with self._lock:
            self._documents[digest] = placeholder
        return placeholder

    # --- per result type -----------------------------------------------------------------

    def identity(self, record: IdentityRecord) -> IdentityRecord:
        key = record.id_number or f"name:{record.name}"
        with self._lock:
            fake = self._people.get(key)
            if fake is None:
                index = len(self._people)
                birth = shift_birth_day(record.birth_date, index)
                number = fake_id_number(record.id_number, record.birth_date, birth, index) if record.id_number else ""
                address = FAKE_ADDRESS.format(n=index + 1) if record.address else ""
                fake = _FakePerson(self.name(record.name, record.sex_code), number, birth, address)
                self._people[key] = fake
                if record.id_number:
                    self._add_replacement(record.id_number, number)
                    self._add_replacement(record.id_number.upper(), number.upper())
                    self._add_replacement(record.id_number.lower(), number.lower())
                if record.address:
                    self._add_replacement(record.address, address)
                for real_form, fake_form in zip(_date_forms(record.birth_date), _date_forms(birth), strict=True):
                    self._add_replacement(real_form, fake_form)
        return replace(
            record,
            name=fake.name,
            id_number=fake.id_number,
            birth_date=fake.birth_date,
            address=fake.address,
            photo_png=self.portrait(record.photo_png),
        )

    def captured_image(self, image: CapturedImage) -> CapturedImage:
        # The placeholder is a PNG without the original's metadata, whatever the original was.
        return replace(image, image_png=self.document_image(image.image_png), mime="image/png")

    def signature(self, capture: SignatureCapture) -> SignatureCapture:
        """The fake person's signature: a handwritten name is personal data, so the pen
        data and the image are the simulator's synthetic handwriting of the fake name
        (same pad size), not the real strokes."""
        fake = self.name(capture.signer)
        strokes = synthetic_strokes(fake, capture.width_mm, capture.height_mm)
        image = render_signature(strokes, capture.width_mm, capture.height_mm)
        return replace(capture, signer=fake, strokes=strokes, image_png=image)

    def barcodes(self, barcodes: tuple[Barcode, ...]) -> tuple[Barcode, ...]:
        return tuple(replace(barcode, text=self.text(barcode.text)) for barcode in barcodes)

    def _add_replacement(self, real: str, fake: str) -> None:
        if real and real != fake and real not in self._replacements:
            self._replacements[real] = fake
            self._pattern = None
