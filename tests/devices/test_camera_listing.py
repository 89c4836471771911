"""Camera listing: names from a (fake) sysfs tree on Linux, capture nodes only."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.camera import listing
from devices.camera.listing import CameraInfo, device_caps, list_cameras, listing_limit


def _node(root: Path, node: str, name: str, index: str | None) -> None:
    folder = root / node
    folder.mkdir(parents=True)
    (folder / "name").write_text(name + "\n", encoding="utf-8")
    if index is not None:
        (folder / "index").write_text(index + "\n")


@pytest.fixture
def sysfs(tmp_path: Path) -> Path:
    root = tmp_path / "sys" / "class" / "video4linux"
    _node(root, "video0", "Integrated Camera: Integrated C", "0")
    _node(root, "video1", "Integrated Camera: Integrated C", "1")  # its metadata node
    _node(root, "video2", "良田高拍仪 S1800", "0")
    _node(root, "video3", "良田高拍仪 S1800", "1")
    _node(root, "video10", "old kernel camera", None)
    _node(root, "v4l-subdev0", "a sensor", "0")  # not a video node
    return root


def test_linux_lists_capture_nodes_by_name_in_index_order(sysfs: Path, tmp_path: Path) -> None:
    cameras = list_cameras(platform="linux", sysfs_root=sysfs, dev_root=tmp_path / "dev")
    assert cameras == [
        CameraInfo(0, "Integrated Camera: Integrated C", "opencv:0", str(tmp_path / "dev" / "video0")),
        CameraInfo(2, "良田高拍仪 S1800", "opencv:2", str(tmp_path / "dev" / "video2")),
        CameraInfo(10, "old kernel camera", "opencv:10", str(tmp_path / "dev" / "video10")),
    ]
    assert cameras[1].line() == f"opencv:2\t良田高拍仪 S1800\t{tmp_path / 'dev' / 'video2'}"
    assert listing_limit("linux") == ""


def test_device_caps_decide_when_the_node_can_be_queried(
    sysfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caps = {"video0": listing.V4L2_CAP_VIDEO_CAPTURE, "video1": 0x00800000,  # META_CAPTURE only
            "video2": 0x00800000, "video3": listing.V4L2_CAP_VIDEO_CAPTURE_MPLANE}
    monkeypatch.setattr(listing, "device_caps", lambda node: caps.get(node.name))
    cameras = list_cameras(platform="linux", sysfs_root=sysfs, dev_root=tmp_path / "dev")
    assert [c.index for c in cameras] == [0, 3, 10]  # video10: no caps, no index attribute


def test_a_node_that_is_not_a_v4l2_device_has_no_caps(tmp_path: Path) -> None:
    plain = tmp_path / "video0"
    plain.write_bytes(b"")
    assert device_caps(plain) is None  # ioctl fails (ENOTTY)
    assert device_caps(tmp_path / "missing") is None


def test_other_platforms_list_nothing_unless_asked_to_probe(sysfs: Path) -> None:
    assert list_cameras(platform="win32", sysfs_root=sysfs) == []
    assert list_cameras(platform="darwin", sysfs_root=sysfs) == []
    assert "QtMultimedia" in listing_limit("win32")
    assert list_cameras(platform="linux", sysfs_root=sysfs / "missing") == []
