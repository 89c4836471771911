"""The document camera's per-frame pipeline at 1920×1080, from a generated file source.

A video (MJPG .avi, written to a temporary folder) of an A4 page carrying a receipt
QR code, sliding in and lying still, is played through OpenCvCamera as fast as it
decodes. Every frame: preview conversion (BGR -> RGB, what Qt would display), page
detection, sharpness and the auto-capture state machine; every 5th frame a barcode
decode with devices.barcode.zxing on a half-size grey image (never full size, never
every frame). Prints frames per second and CPU time per frame (time.process_time,
every thread of the process, so the decoder's thread counts too).

    .venv/bin/python benchmarks/camera_pipeline.py [frames]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import segno

from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.camera.opencv_camera import Frame, OpenCvCamera
from devices.camera.page_detect import AutoCapture, find_page, order_corners, sharpness

W, H, FPS = 1920, 1080, 30
RECEIPT_NO = "LH110101-2026-000123"
DECODE_EVERY = 5
DECODE_WIDTH = 960


def _page() -> np.ndarray:
    rng = np.random.default_rng(1)
    page = np.full((891, 630, 3), 235, np.uint8)  # A4 at ~76 dpi: ~630 px wide in a 1080p frame
    for y in range(50, 700, 26):
        x = 45
        while x < 580:
            word = int(rng.integers(15, 70))
            cv2.rectangle(page, (x, y), (min(x + word, 585), y + 9), (40, 40, 40), -1)
            x += word + 12
    qr = segno.make_qr(RECEIPT_NO, error="m")
    matrix = np.array(qr.matrix, dtype=np.uint8)
    code = np.where(np.kron(matrix, np.ones((5, 5), np.uint8)) > 0, 0, 255).astype(np.uint8)
    code = cv2.copyMakeBorder(code, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    page[710 : 710 + code.shape[0], 420 : 420 + code.shape[1]] = code[:, :, None]
    return page


def _write_video(path: Path, frames: int) -> None:
    rng = np.random.default_rng(3)
    desk = np.clip(np.linspace(70, 105, W)[None, :, None] + rng.integers(-12, 12, (H, W, 1)), 0, 255)
    desk = (desk + np.array([0, 8, 20])).clip(0, 255).astype(np.uint8)
    page = _page()
    ph, pw = page.shape[:2]
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (W, H))
    for i in range(frames):
        t = max(0.0, 1 - i / (frames / 3))  # slides in over the first third, then lies still
        a = np.deg2rad(6 + 20 * t)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        half = np.array([[-pw, -ph], [pw, -ph], [pw, ph], [-pw, ph]]) / 2
        corners = order_corners(half @ rot.T + [960 + 700 * t, 540])
        matrix = cv2.getPerspectiveTransform(src, corners)
        frame = desk.copy()
        mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (W, H)) > 127
        frame[mask] = cv2.warpPerspective(page, matrix, (W, H))[mask]
        writer.write(frame)
    writer.release()


def main(frames: int = 90) -> None:
    decoder = ZxingBarcodeDecoder()
    auto = AutoCapture(stable_ms=500, motion_fraction=0.01, min_sharpness=150)
    stats = {"found": 0, "decoded": 0, "decodes": 0, "fired": 0}
    times = {"preview": 0.0, "detect": 0.0, "decode": 0.0}

    def process(frame: Frame) -> None:
        t0 = time.perf_counter()
        cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)  # what the preview hands to Qt
        t1 = time.perf_counter()
        corners = find_page(frame.image)
        score = sharpness(frame.image, corners) if corners is not None else 0.0
        stats["found"] += corners is not None
        stats["fired"] += auto.feed(corners, score, frame.timestamp_ms)
        t2 = time.perf_counter()
        if frame.index % DECODE_EVERY == 0:
            gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
            small = cv2.resize(gray, (DECODE_WIDTH, DECODE_WIDTH * H // W), interpolation=cv2.INTER_AREA)
            png = cv2.imencode(".png", small, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes()
            codes = decoder.decode(png).result(timeout=10)
            stats["decodes"] += 1
            stats["decoded"] += any(c.text == RECEIPT_NO for c in codes)
        t3 = time.perf_counter()
        times["preview"] += t1 - t0
        times["detect"] += t2 - t1
        times["decode"] += t3 - t2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pipeline.avi"
        _write_video(path, frames)
        camera = OpenCvCamera(path, width=W, height=H, fps=FPS, realtime=False)
        camera.frame_did_arrive.connect(process)
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            camera.start()
            camera.ended.wait(300)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            count = (camera.latest_frame().index + 1) if camera.latest_frame() else 0
        finally:
            camera.close()
            decoder.close()
    if not count:
        sys.exit("no frames were read")
    print(f"{count} frames {W}x{H} from an MJPG file, barcode decode every {DECODE_EVERY}th at {DECODE_WIDTH} px")
    print(f"  frames per second: {count / wall:.1f} (file decode included)")
    print(f"  CPU time per frame: {cpu / count * 1000:.1f} ms (all threads)")
    print(
        "  wall per frame: "
        + ", ".join(f"{k} {v / count * 1000:.1f} ms" for k, v in times.items())
        + f", per decode {times['decode'] / max(1, stats['decodes']) * 1000:.1f} ms"
        + f", video read + rest {(wall - sum(times.values())) / count * 1000:.1f} ms"
    )
    print(
        f"  page found {stats['found']}/{count}, auto-capture fired {stats['fired']}x, "
        f"QR decoded {stats['decoded']}/{stats['decodes']}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 90)
