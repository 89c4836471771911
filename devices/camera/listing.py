"""Which cameras the computer has, by name where the platform tells it.

OpenCV cannot list cameras or their names (notes/devices.md §4); indices can also
reorder when USB devices change, so IT picks a camera once and the choice is stored
as a spec string (`opencv:0`).

- Linux: /sys/class/video4linux/video<N>/name gives each node's name without opening
  the device. A UVC camera has two nodes (capture and metadata); only capture nodes
  are listed: the device caps from VIDIOC_QUERYCAP when /dev/video<N> can be opened
  read-only (it does not start streaming), else the sysfs `index` attribute (0 is the
  first node of a device, the capture node on UVC cameras).
- Windows and macOS: names need QtMultimedia (`QMediaDevices.videoInputs()`), which
  the app does not ship (PySide6-Essentials only: Addons is +430 MB, packaging notes
  §7). Only when asked (`probe=True`) are the first few indices opened with the fast
  backend (DSHOW on Windows, AVFoundation on macOS) to see which exist, as "camera N".
  Probing opens the camera: never while the counter uses it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

SYSFS_VIDEO: Final = Path("/sys/class/video4linux")
DEV: Final = Path("/dev")
PROBE_INDICES: Final = 4

# linux/videodev2.h: VIDIOC_QUERYCAP = _IOR('V', 0, struct v4l2_capability), 104 bytes:
# driver[16] card[32] bus_info[32] version capabilities device_caps reserved[3] (u32 each)
VIDIOC_QUERYCAP: Final = 0x80685600
_CAPABILITY_STRUCT: Final = struct.Struct("16s32s32sIII12x")
V4L2_CAP_VIDEO_CAPTURE: Final = 0x00000001
V4L2_CAP_VIDEO_CAPTURE_MPLANE: Final = 0x00001000
V4L2_CAP_DEVICE_CAPS: Final = 0x80000000

_NODE = re.compile(r"video(\d+)")


@dataclass(frozen=True, slots=True)
class CameraInfo:
    index: int  # what cv2.VideoCapture takes
    name: str
    spec: str  # the configuration's device spec, e.g. "opencv:0"
    path: str = ""  # /dev/video0 on Linux

    def line(self) -> str:
        return "\t".join(part for part in (self.spec, self.name, self.path) if part)


def list_cameras(
    *,
    probe: bool = False,
    max_probe: int = PROBE_INDICES,
    platform: str = sys.platform,
    sysfs_root: Path = SYSFS_VIDEO,
    dev_root: Path = DEV,
) -> list[CameraInfo]:
    """The cameras found, by index. Linux reads sysfs (names, no device opened); other
    platforms return nothing unless `probe` (see the module's docstring)."""
    if platform.startswith("linux") and sysfs_root.is_dir():
        return linux_cameras(sysfs_root, dev_root)
    if probe:
        return probe_cameras(max_probe, platform)
    return []


def listing_limit(platform: str = sys.platform) -> str:
    """Why a listing may be incomplete, for diagnostics ("" when names are listed)."""
    if platform.startswith("linux"):
        return ""
    return (
        "camera names cannot be listed on this platform without QtMultimedia; "
        "cameras are numbered from 0 (opencv:0, opencv:1, ...) in the order the system reports them"
    )


def linux_cameras(sysfs_root: Path = SYSFS_VIDEO, dev_root: Path = DEV) -> list[CameraInfo]:
    cameras: list[CameraInfo] = []
    try:
        entries = list(sysfs_root.iterdir())
    except OSError as error:
        log.info("cannot list %s: %s", sysfs_root, error)
        return []
    for entry in entries:
        match = _NODE.fullmatch(entry.name)
        if match is None:
            continue
        index = int(match.group(1))
        node = dev_root / entry.name
        if not _is_capture_node(entry, node):
            continue
        name = _read_text(entry / "name") or entry.name
        cameras.append(CameraInfo(index, name, f"opencv:{index}", str(node)))
    return sorted(cameras, key=lambda camera: camera.index)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _is_capture_node(sysfs_entry: Path, node: Path) -> bool:
    caps = device_caps(node)
    if caps is not None:
        return bool(caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE))
    index = _read_text(sysfs_entry / "index")
    return index in ("", "0")  # no attribute (old kernels): assume a capture node


def device_caps(node: Path) -> int | None:
    """The node's V4L2 device caps, or None when the node cannot be opened or queried
    (no permission: not in the `video` group; not a V4L2 device)."""
    if sys.platform == "win32":
        return None
    import fcntl  # POSIX only

    try:
        fd = os.open(node, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        buffer = bytearray(_CAPABILITY_STRUCT.size)
        fcntl.ioctl(fd, VIDIOC_QUERYCAP, buffer)
    except OSError:
        return None
    finally:
        os.close(fd)
    _driver, _card, _bus, _version, capabilities, caps = _CAPABILITY_STRUCT.unpack(bytes(buffer))
    return int(caps) if capabilities & V4L2_CAP_DEVICE_CAPS else int(capabilities)


def probe_cameras(max_probe: int = PROBE_INDICES, platform: str = sys.platform) -> list[CameraInfo]:
    """Opens indices 0..max_probe-1 with the platform's fast backend; the ones that
    open are listed as "camera N". Slow (each open can take a second) and it opens the
    camera: call it from a worker, never while the counter uses a camera."""
    import cv2  # only here: the rest of this module must stay cheap to import

    api = cv2.CAP_DSHOW if platform.startswith("win") else cv2.CAP_AVFOUNDATION if platform == "darwin" else cv2.CAP_ANY
    cameras: list[CameraInfo] = []
    for index in range(max_probe):
        capture = cv2.VideoCapture(index, api)
        try:
            if capture.isOpened():
                cameras.append(CameraInfo(index, f"camera {index}", f"opencv:{index}"))
        finally:
            with contextlib.suppress(Exception):
                capture.release()
    return cameras
