"""Fixtures for the simulated devices: a small scenario written to tmp_path.

Every device fixture closes its device, because the global fixture fails a test that
leaves a device thread running.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
import yaml
from PIL import Image

from devices.barcode.sim import SimBarcodeDecoder
from devices.camera.sim import SimDocumentCamera
from devices.face.sim import SimFaceMatcher
from devices.fingerprint.sim import SimFingerprintScanner
from devices.id_reader.sim import SimIdReader
from devices.printer.sim import SimPrinter
from devices.signature_pad.sim import SimSignaturePad
from devices.sim.scenario import Scenario, load_scenario

BASE_SCENARIO: dict[str, Any] = {
    "spec": 1,
    "seed": 42,
    "people": [
        {
            "id": "p1",
            "name": "测试甲",
            "sex": "1",
            "ethnicity": "01",
            "birth_date": "1970-01-02",
            "address": "北京市东城区某街1号",
            "id_number": "110101197001020011",
            "issuing_authority": "北京市公安局东城分局",
            "valid_from": "2020-01-01",
            "valid_to": "长期",
            "photo": "img/p1.png",
        },
        {
            "id": "p2",
            "name": "测试乙",
            "sex": "2",
            "ethnicity": "03",
            "birth_date": "1998-05-06",
            "address": "上海市徐汇区某路2号",
            "id_number": "31010419980506002X",
            "issuing_authority": "上海市公安局徐汇分局",
            "valid_from": "2024-01-01",
            "valid_to": "2044-01-01",
            "photo": "img/p2.png",
        },
        {
            "id": "p3",
            "name": "测试丙",
            "sex": "1",
            "ethnicity": "01",
            "birth_date": "2000-07-08",
            "address": "广东省广州市天河区某路3号",
            "id_number": "440106200007080031",
            "issuing_authority": "广州市公安局天河区分局",
            "valid_from": "2020-01-01",
            "valid_to": "2030-01-01",
        },
    ],
    "id_reader": {"name": "reader-under-test", "cards": ["p1", "p2", "p3"], "read_delay_s": 0},
    "camera": {
        "name": "camera-under-test",
        "capture_delay_s": 0,
        "documents": [
            {"id": "front", "class": "id_card_front", "image": "img/front.png", "sharpness": 250},
            {"id": "joint", "class": "joint_photo", "image": "img/joint.png"},
            {"id": "hukou", "class": "hukou_page", "image": "img/hukou.png", "sharpness": 90.5},
        ],
    },
    "signature_pad": {
        "name": "pad-under-test",
        "sign_delay_s": 0,
        "signatures": {"p2": [[[10, 10, 0, 0.5], [20, 12, 10, 0.6], [30, 15, 20, 0.4]]]},
    },
    "printer": {"name": "printer-under-test", "print_delay_s": 0},
    "fingerprint": {"name": "scanner-under-test", "capture_delay_s": 0, "quality": 77},
    "barcode": {"name": "barcode-under-test"},
    "face_matcher": {"name": "matcher-under-test", "compare_delay_s": 0},
}

IMAGES = {
    "p1.png": (102, 126),
    "p2.png": (102, 126),
    "front.png": (80, 50),
    "joint.png": (60, 40),
    "hukou.png": (70, 90),
}


def write_images(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in IMAGES.items():
        Image.new("RGB", size, (200, 30, 40)).save(folder / name)


@pytest.fixture
def scenario_data() -> dict[str, Any]:
    """A deep copy of the base scenario, free to mutate before `write_scenario`."""
    return copy.deepcopy(BASE_SCENARIO)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[dict[str, Any] | str], Path]:
    """Writes a scenario (dict or raw YAML text) next to an img/ folder of PNGs."""
    write_images(tmp_path / "img")
    counter = iter(range(1000))

    def write(content: dict[str, Any] | str) -> Path:
        path = tmp_path / f"scenario-{next(counter)}.yaml"
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def scenario(
    write_scenario: Callable[[dict[str, Any] | str], Path], scenario_data: dict[str, Any]
) -> Scenario:
    return load_scenario(write_scenario(scenario_data))


@pytest.fixture
def reader(scenario: Scenario) -> Iterator[SimIdReader]:
    device = SimIdReader(scenario)
    yield device
    device.close()


@pytest.fixture
def camera(scenario: Scenario) -> Iterator[SimDocumentCamera]:
    device = SimDocumentCamera(scenario)
    yield device
    device.close()


@pytest.fixture
def pad(scenario: Scenario) -> Iterator[SimSignaturePad]:
    device = SimSignaturePad(scenario)
    yield device
    device.close()


@pytest.fixture
def printer(scenario: Scenario) -> Iterator[SimPrinter]:
    device = SimPrinter(scenario)
    yield device
    device.close()


@pytest.fixture
def scanner(scenario: Scenario) -> Iterator[SimFingerprintScanner]:
    device = SimFingerprintScanner(scenario)
    yield device
    device.close()


@pytest.fixture
def barcode_sim(scenario: Scenario) -> Iterator[SimBarcodeDecoder]:
    device = SimBarcodeDecoder(scenario)
    yield device
    device.close()


@pytest.fixture
def face_sim(scenario: Scenario) -> Iterator[SimFaceMatcher]:
    device = SimFaceMatcher(scenario)
    yield device
    device.close()


def pdf_bytes(pages: int = 1) -> bytes:
    """A small PDF of `pages` blank A6 pages, as Pillow writes it."""
    images = [Image.new("RGB", (105, 148), "white") for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=25.4)
    return out.getvalue()


def qr_png(text: str, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
