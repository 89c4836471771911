"""zxing-cpp against pyzbar on full 1920×1080 camera frames, side by side.

Two frames: a document-camera-like page of "text" on a desk with a receipt QR code
(5 px per module, ~165 px wide, turned 10°), and the same frame without it (the usual
case for preview frames: nothing to find). For each decoder two times, the median of
N runs:

  library   the decoder library alone on the frame already in memory (8-bit grey)
  decode()  the device's whole call: PNG bytes -> Pillow -> library, via its thread

    .venv/bin/python benchmarks/barcode.py [runs]

notes/devices.md §2 measured 47-49 ms (zxing) and 221-233 ms (zbar) per 1080p frame.
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

import segno
from PIL import Image, ImageDraw, ImageFilter

from devices.barcode.base import BarcodeDecoder
from devices.barcode.zxing import ZxingBarcodeDecoder

RECEIPT_NO = "LH110101-2026-000123"
WIDTH, HEIGHT = 1920, 1080


def frame(with_code: bool) -> Image.Image:
    rng = random.Random(7)
    image = Image.new("L", (WIDTH, HEIGHT), 90)  # the counter's dark desk
    draw = ImageDraw.Draw(image)
    draw.rectangle((260, 90, 1660, 1010), fill=225)  # an A4 page under the camera
    for line in range(30):  # lines of "text"
        y = 150 + line * 27
        x = 330
        while x < 1560:
            word = rng.randint(20, 90)
            draw.rectangle((x, y, x + word, y + 12), fill=rng.randint(40, 90))
            x += word + rng.randint(10, 18)
    if with_code:
        buffer = io.BytesIO()
        segno.make_qr(RECEIPT_NO, error="m").save(buffer, kind="png", scale=5, border=4)
        code = Image.open(io.BytesIO(buffer.getvalue())).convert("L").rotate(10, expand=True, fillcolor=255)
        image.paste(code, (1300, 620))
    # Sensor noise and a little defocus, as from a document camera.
    noise = Image.effect_noise((WIDTH, HEIGHT), 12)
    return Image.blend(image, noise, 0.08).filter(ImageFilter.GaussianBlur(0.8))


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def decode_now(device: BarcodeDecoder, data: bytes) -> object:
    return device.decode(data).result(timeout=60)


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    result = fn()  # warm-up, and the answer to show
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def library_calls() -> dict[str, Callable[[Image.Image], list[str]]]:
    import zxingcpp

    calls: dict[str, Callable[[Image.Image], list[str]]] = {
        "zxing": lambda image: [result.text for result in zxingcpp.read_barcodes(image)],
    }
    try:
        from pyzbar import pyzbar  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:
        print(f"pyzbar unavailable ({error}): install libzbar0 and pyzbar to compare")
    else:
        calls["pyzbar"] = lambda image: [result.data.decode() for result in pyzbar.decode(image)]
    return calls


def decoders(names: list[str]) -> dict[str, BarcodeDecoder]:
    opened: dict[str, BarcodeDecoder] = {"zxing": ZxingBarcodeDecoder()}
    if "pyzbar" in names:
        from devices.barcode.pyzbar import PyzbarBarcodeDecoder

        opened["pyzbar"] = PyzbarBarcodeDecoder()
    return opened


def main(runs: int = 7) -> None:
    frames = {"QR in frame": frame(with_code=True), "no code": frame(with_code=False)}
    calls = library_calls()
    devices = decoders(list(calls))
    try:
        rows: list[tuple[str, str, dict[str, float], dict[str, object]]] = []
        for frame_name, image in frames.items():
            data = png(image)
            library: dict[str, float] = {}
            whole: dict[str, float] = {}
            found: dict[str, object] = {}
            for name, call in calls.items():
                library[name], found[name] = median_ms(partial(call, image), runs)
                whole[name], _ = median_ms(partial(decode_now, devices[name], data), runs)
            rows.append((frame_name, "library", library, found))
            rows.append((frame_name, "decode()", whole, found))
    finally:
        for device in devices.values():
            device.close()

    names = list(calls)
    print(f"1920×1080 frames, median of {runs} runs, ms per frame")
    header = f"{'frame':<12} {'measure':<9}" + "".join(f"{name:>9}" for name in names)
    print(header + ("   pyzbar/zxing   decoded" if len(names) == 2 else "   decoded"))
    for frame_name, measure, times, found in rows:
        line = f"{frame_name:<12} {measure:<9}" + "".join(f"{times[name]:9.1f}" for name in names)
        if len(names) == 2:
            line += f"   {times['pyzbar'] / times['zxing']:10.1f}×"
        line += "   " + ", ".join(f"{name}={found[name]}" for name in names)
        print(line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
