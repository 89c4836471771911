"""The shipped default scenario: fake people whose outcomes the demo relies on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from devices.camera.types import DocumentClass
from devices.id_reader.sim import SimIdReader
from devices.sim.scenario import PersonSpec, Scenario, load_scenario

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_digit_ok(number: str) -> bool:
    """GB 11643 MOD 11-2, written out here so this test does not depend on `app`."""
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def age_on(person: PersonSpec, day: date) -> int:
    born = person.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def default(request: pytest.FixtureRequest) -> Scenario:
    root = Path(request.config.rootpath)
    return load_scenario(root / "resources" / "sim" / "default.yaml")


def test_people_and_card_order(default: Scenario) -> None:
    ids = [person.id for person in default.people]
    assert ids == [
        "groom1", "bride1", "groom2", "bride2", "groom_underage", "bride3", "bride4",
        "expired_card", "bad_checksum",
    ]  # fmt: skip
    assert default.id_reader.cards == [
        "groom1", "bride1", "groom2", "bride2", "groom_underage", "bride3", "groom1", "bride4"
    ]  # fmt: skip


def test_id_numbers_match_the_card_fields(default: Scenario) -> None:
    for person in default.people:
        number = person.id_number
        assert len(number) == 18 and number[:17].isdigit(), person.id
        assert number[6:14] == person.birth_date.strftime("%Y%m%d"), person.id
        assert int(number[16]) % 2 == (1 if person.sex == "1" else 0), person.id
        assert check_digit_ok(number) == (person.id != "bad_checksum"), person.id
        person.name.encode("gb2312")  # printable with the bundled font


@pytest.mark.parametrize("year", range(2026, 2036))
def test_outcomes_hold_for_a_decade(default: Scenario, year: int) -> None:
    # Checked on both ends of the year: outcomes must not flip within it.
    for day in (date(year, 1, 1), date(year, 12, 31)):
        for person in default.people:
            if person.id != "expired_card":
                assert person.valid_to is None or person.valid_to > day, (person.id, day)
            if person.id not in ("groom_underage", "bad_checksum", "expired_card"):
                legal_age = 22 if person.sex == "1" else 20
                assert age_on(person, day) >= legal_age, (person.id, day)
    assert default.person("expired_card").valid_to == date(2020, 6, 30)
    if year < 2030:  # born 2008-05-01: under 22 until 2030-04-30 (see make_sim_assets.py)
        assert age_on(default.person("groom_underage"), date(year, 12, 31)) < 22


def test_long_term_card(default: Scenario) -> None:
    groom2 = default.person("groom2")
    assert groom2.valid_to is None
    assert age_on(groom2, groom2.valid_from) >= 46  # 长期 is issued from 46 on


def test_assets(default: Scenario, request: pytest.FixtureRequest) -> None:
    for person in default.people:
        assert person.photo is not None
        with Image.open(default.resolve(person.photo)) as photo:
            assert photo.size == (102, 126)
    joint = [d for d in default.camera.documents if d.document_class is DocumentClass.JOINT_PHOTO]
    assert joint
    with Image.open(default.resolve(joint[0].image)) as image:
        assert image.size == (626, 413)
        red, green, blue = image.convert("RGB").getpixel((3, 3))  # type: ignore[misc]
        assert red > 150 and green < 80 and blue < 80
    classes = {d.document_class for d in default.camera.documents}
    assert {DocumentClass.ID_CARD_FRONT, DocumentClass.ID_CARD_BACK, DocumentClass.HUKOU_PAGE} <= classes
    assets = Path(request.config.rootpath) / "resources" / "sim" / "assets"
    assert sum(path.stat().st_size for path in assets.iterdir()) < 400 * 1024


def test_demo_reads_in_order(default: Scenario) -> None:
    reader = SimIdReader(default)
    try:
        names = [reader.read_card().result(timeout=5).name for _ in range(8)]
    finally:
        reader.close()
    assert names == ["李明轩", "王雨桐", "陈志强", "刘晓燕", "张浩然", "赵思琪", "李明轩", "孙佳怡"]
