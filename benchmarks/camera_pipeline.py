"""The document camera's per-frame pipeline at 1920×1080, from a generated file source.

A video (MJPG .avi, written to a temporary folder) of an A4 page carrying a receipt
QR code, sliding in and lying still, is played through OpenCvCamera as fast as it
decodes, twice, through the preview's own code (ui/camera_capture.py):

1. every frame: `FramePipeline.step` on the camera's thread, i.e. page detection,
   sharpness, auto-capture, the display image (downscaled to a 960×540 preview, a
   QImage that owns its pixels), and the throttled barcode reading (a grey image of the
   page, at most 960 px wide, every 300 ms of video, decoded on the decoder's thread);
2. live: the `FrameWorker` thread taking the camera's newest frame whenever it is idle
   ("latest frame wins"): how many of the camera's frames it processed.

Prints frames per second and CPU time per frame (time.process_time, every thread of the
process, so the file decoding and the decoder's thread count too).

    .venv/bin/python benchmarks/camera_pipeline.py [frames]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
import segno

from devices.barcode.zxing import ZxingBarcodeDecoder
from devices.camera.live import BarcodeWatcher, PageTracker
from devices.camera.opencv_camera import Frame, OpenCvCamera
from devices.camera.page_detect import AutoCapture, order_corners
from ui.camera_capture import CaptureSettings, FramePipeline, FrameWorker

W, H, FPS = 1920, 1080, 30
RECEIPT_NO = "LH110101-2026-000123"
VIEW = (960, 540)


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


def every_frame(path: Path) -> None:
    decoder = ZxingBarcodeDecoder()
    auto = AutoCapture(stable_ms=500, motion_fraction=0.01, min_sharpness=150)
    pipeline = FramePipeline(PageTracker(auto), BarcodeWatcher(decoder))
    pipeline.view = VIEW
    stats = {"found": 0, "fired": 0, "decoded": 0}
    step_s = 0.0

    def process(frame: Frame) -> None:
        nonlocal step_s
        t0 = time.perf_counter()
        analysis, _preview = pipeline.step(frame)
        assert pipeline.watcher is not None
        stats["decoded"] += any(c.text == RECEIPT_NO for c in pipeline.watcher.take_new())
        step_s += time.perf_counter() - t0
        stats["found"] += analysis.corners is not None
        stats["fired"] += analysis.fired

    camera = OpenCvCamera(path, width=W, height=H, fps=FPS, realtime=False)
    camera.frame_did_arrive.connect(process)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        camera.start()
        camera.ended.wait(300)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        latest = camera.latest_frame()
        count = latest.index + 1 if latest else 0
    finally:
        camera.close()
        decoder.close()
    if not count:
        sys.exit("no frames were read")
    assert pipeline.watcher is not None
    print(f"1. every frame: {count} frames {W}x{H} from an MJPG file, preview {VIEW[0]}x{VIEW[1]}")
    print(f"  frames per second: {count / wall:.1f} (file decode included)")
    print(f"  CPU time per frame: {cpu / count * 1000:.1f} ms (all threads)")
    print(f"  FramePipeline.step wall per frame: {step_s / count * 1000:.1f} ms; "
          f"video read + rest {(wall - step_s) / count * 1000:.1f} ms")
    print(f"  page found {stats['found']}/{count}, auto-capture fired {stats['fired']}x, "
          f"barcode decodes {pipeline.watcher.decodes} (QR reported {stats['decoded']}x)")


def live(path: Path) -> None:
    decoder = ZxingBarcodeDecoder()
    camera = OpenCvCamera(path, width=W, height=H, fps=FPS, realtime=False)
    worker = FrameWorker(camera, decoder, settings=CaptureSettings(stable_ms=500, min_sharpness=150))
    worker.set_view_size(*VIEW)
    codes: list[str] = []
    worker.code_seen.connect(lambda text, _symbology: codes.append(text))  # direct: no event loop here
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        camera.start()
        worker.start()
        camera.ended.wait(300)
        time.sleep(0.1)  # the last frame
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        worker.stop(wait=True)
        latest = camera.latest_frame()
        count = latest.index + 1 if latest else 0
    finally:
        worker.stop(wait=True)
        camera.close()
        decoder.close()
    processed = worker.processed
    print(f"2. live worker (latest frame wins): camera {count / wall:.1f} frames/s, "
          f"worker processed {processed}/{count} ({processed / wall:.1f}/s)")
    print(f"  CPU time per camera frame: {cpu / max(1, count) * 1000:.1f} ms (all threads)")


def main(frames: int = 90) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pipeline.avi"
        _write_video(path, frames)
        every_frame(path)
        live(path)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 90)
