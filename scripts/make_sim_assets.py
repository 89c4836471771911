"""Regenerate the simulator's scenarios and their fake images.

    .venv/bin/python scripts/make_sim_assets.py

Writes resources/sim/assets/*.png and the shipped scenarios resources/sim/default.yaml,
normal-day.yaml, bad-hardware-day.yaml and rush-day.yaml. Everything is
drawn with Pillow from fixed data and fixed seeds, so the output is the same on every
run (same Pillow/FreeType) and is committed. All people are invented: drawn cartoon
faces, made-up addresses, ID numbers built here with valid GB 11643 check digits
(except `bad_checksum`, deliberately wrong). Every image says "样本" (sample).

Why dates are fixed, not relative to today: a scenario is static data, so birth and
validity dates are chosen to keep the demo's outcomes true from 2026 to 2035 (cards
valid until at least 2036, all adults of age). One outcome cannot last that long:
`groom_underage` (born 2008-05-01) is under the legal age of 22 for men only until
2030-04-30; after that the under-age demo step needs a new birth date here.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
SIM_DIR = ROOT / "resources" / "sim"
ASSETS = SIM_DIR / "assets"
FONT = ROOT / "resources" / "fonts" / "CounterKai-GB2312.ttf"
REGIONS = ROOT / "resources" / "data" / "regions-gbt2260.csv"

SUPERSAMPLE = 4  # faces are drawn 4x larger, then shrunk: smooth edges in tiny images
RGB = tuple[int, int, int]

# --- people ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    skin: RGB
    hair: RGB
    hair_style: str  # short, side, receding, long, bob, bun
    clothes: RGB
    shirt_collar: bool = True
    glasses: bool = False


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    sex: str  # "1" male, "2" female
    ethnicity: str
    birth: date
    region: str  # GB/T 2260 county code: first 6 digits of the ID number
    sequence: str  # 3 digits, odd for men, even for women
    address: str
    authority: str
    valid_from: date
    valid_to: date | None  # None = 长期
    look: Look | None  # None: no portrait of their own, `photo_of` lends one
    note: str
    wrong_check_digit: bool = False
    photo_of: str = ""  # the person whose portrait this one reuses

    @property
    def photo(self) -> str:
        return f"assets/portrait-{(self.photo_of or self.id).replace('_', '-')}.png"


PEOPLE = [
    Person(
        "groom1", "李明轩", "1", "01", date(1995, 3, 12), "110101", "031",
        "北京市东城区东四北大街107号院3号楼2单元501号", "北京市公安局东城分局",
        date(2021, 4, 10), date(2041, 4, 10),
        Look((238, 200, 170), (30, 28, 28), "short", (40, 52, 80)),
        "couple 1 (marries bride1); later bride4 tries to marry him",
    ),
    Person(
        "bride1", "王雨桐", "2", "01", date(1997, 8, 23), "310104", "062",
        "上海市徐汇区漕溪北路88弄12号1103室", "上海市公安局徐汇分局",
        date(2024, 1, 15), date(2044, 1, 15),
        Look((245, 212, 188), (45, 30, 25), "long", (200, 70, 90)),
        "couple 1 (marries groom1)",
    ),
    Person(
        "groom2", "陈志强", "1", "01", date(1975, 6, 18), "440106", "015",
        "广东省广州市天河区林和西路和风里15号602房", "广州市公安局天河区分局",
        date(2022, 7, 5), None,
        Look((214, 170, 135), (55, 55, 58), "receding", (70, 90, 70), glasses=True),
        "couple 2; long-term (长期) card, issued at 47",
    ),
    Person(
        "bride2", "刘晓燕", "2", "01", date(1978, 11, 2), "510107", "028",
        "四川省成都市武侯区玉林南路23号4栋2单元8号", "成都市公安局武侯区分局",
        date(2020, 12, 1), date(2040, 12, 1),
        Look((236, 196, 165), (60, 38, 30), "bun", (90, 60, 120)),
        "couple 2",
    ),
    Person(
        "groom_underage", "张浩然", "1", "01", date(2008, 5, 1), "420106", "057",
        "湖北省武汉市武昌区中北路156号金桥花园7栋1单元1602室", "武汉市公安局武昌区分局",
        date(2026, 3, 1), date(2036, 3, 1),
        Look((232, 190, 160), (20, 20, 22), "side", (30, 110, 170), shirt_collar=False),
        "under the legal age (22 for men) until 2030-04-30",
    ),
    Person(
        "bride3", "赵思琪", "2", "03", date(1999, 2, 14), "330106", "044",
        "浙江省杭州市西湖区文三路478号华星小区5幢302室", "杭州市公安局西湖区分局",
        date(2025, 3, 20), date(2045, 3, 20),
        Look((242, 206, 180), (35, 25, 22), "bob", (230, 160, 60)),
        "partner of groom_underage",
    ),
    Person(
        "bride4", "孙佳怡", "2", "01", date(1996, 10, 5), "110105", "086",
        "北京市朝阳区望京西园三区312号楼9层901", "北京市公安局朝阳分局",
        date(2022, 11, 8), date(2042, 11, 8),
        Look((226, 186, 152), (70, 45, 35), "long", (60, 140, 130), glasses=True),
        "tries to marry groom1 after he has married",
    ),
    Person(
        "expired_card", "周建华", "1", "01", date(1988, 4, 16), "320102", "073",
        "江苏省南京市玄武区珠江路650号4幢201室", "南京市公安局玄武分局",
        date(2010, 6, 30), date(2020, 6, 30),
        Look((220, 178, 140), (25, 25, 25), "short", (110, 110, 115)),
        "card expired on 2020-06-30",
    ),
    Person(
        "bad_checksum", "吴丽娟", "2", "01", date(1993, 7, 21), "440106", "020",
        "广东省广州市天河区五山路372号华农新村11栋504房", "广州市公安局天河区分局",
        date(2020, 9, 1), date(2040, 9, 1),
        Look((240, 204, 176), (40, 28, 24), "bob", (150, 50, 60)),
        "ID number with a wrong check digit",
        wrong_check_digit=True,
    ),
]  # fmt: skip

CARD_ORDER = ["groom1", "bride1", "groom2", "bride2", "groom_underage", "bride3", "groom1", "bride4"]

# The face of nobody in any scenario: the `live_face_stranger` document, which QA
# presents to the camera to show the face check refusing an impostor.
STRANGER = Look((224, 182, 150), (48, 40, 36), "side", (120, 40, 40), glasses=True)
STRANGER_PHOTO = "assets/portrait-stranger.png"


def _couple(
    n: int, groom: tuple[str, str, date, str, str, str, str, date, str],
    bride: tuple[str, str, date, str, str, str, str, date, str],
) -> list[Person]:
    """Two people of the rush day: (name, ethnicity, birth, region, sequence, address,
    authority, valid_from, photo_of). Cards issued at 26-45 are valid for 20 years."""
    people = []
    for role, sex, data in (("groom", "1", groom), ("bride", "2", bride)):
        name, ethnicity, birth, region, sequence, address, authority, valid_from, photo_of = data
        valid_to = valid_from.replace(year=valid_from.year + 20)
        note = f"rush-day couple {n}"
        people.append(Person(
            f"r{n:02}_{role}", name, sex, ethnicity, birth, region, sequence, address, authority,
            valid_from, valid_to, None, note, photo_of=photo_of,
        ))
    return people


# The rush day's couples (a 520 or 七夕 morning): all invented, all of age, all cards
# valid; they reuse the default people's portraits, so no new images are committed.
RUSH_PEOPLE = [
    *_couple(1,
        ("何俊杰", "01", date(1994, 5, 17), "110108", "013", "北京市海淀区学院路35号院6号楼1203室",
         "北京市公安局海淀分局", date(2021, 6, 2), "groom1"),
        ("郭雅琳", "01", date(1996, 9, 3), "110102", "024", "北京市西城区西直门南大街17号院2号楼805室",
         "北京市公安局西城分局", date(2023, 3, 15), "bride1")),
    *_couple(2,
        ("马文博", "03", date(1990, 12, 8), "370102", "035", "山东省济南市历下区文化东路59号3号楼2单元401室",
         "济南市公安局历下区分局", date(2020, 8, 19), "groom2"),
        ("林晓雯", "01", date(1992, 4, 26), "350203", "048", "福建省厦门市思明区湖滨南路388号12楼",
         "厦门市公安局思明分局", date(2019, 11, 11), "bride2")),
    *_couple(3,
        ("黄子豪", "01", date(1997, 2, 11), "440304", "057", "广东省深圳市福田区福华三路168号1栋2306",
         "深圳市公安局福田分局", date(2023, 5, 20), "groom_underage"),
        ("杨欣怡", "01", date(1998, 7, 30), "440106", "062", "广东省广州市天河区体育西路103号B塔1508",
         "广州市公安局天河区分局", date(2025, 1, 9), "bride3")),
    *_couple(4,
        ("周宇航", "01", date(1992, 10, 22), "500103", "071", "重庆市渝中区民族路188号2204室",
         "重庆市公安局渝中区分局", date(2022, 2, 14), "expired_card"),
        ("徐梦瑶", "01", date(1995, 1, 19), "500103", "086", "重庆市渝中区中山三路131号9楼",
         "重庆市公安局渝中区分局", date(2021, 10, 8), "bride4")),
    *_couple(5,
        ("高建国", "01", date(1986, 3, 5), "610113", "093", "陕西省西安市雁塔区小寨东路126号3单元1702室",
         "西安市公安局雁塔分局", date(2018, 4, 2), "groom2"),
        ("罗静怡", "01", date(1989, 6, 14), "610113", "102", "陕西省西安市雁塔区科技路48号B座607",
         "西安市公安局雁塔分局", date(2019, 7, 25), "bad_checksum")),
    *_couple(6,
        ("梁浩宇", "01", date(1996, 8, 9), "430104", "115", "湖南省长沙市岳麓区麓山南路932号6栋302室",
         "长沙市公安局岳麓分局", date(2023, 9, 1), "groom1"),
        ("宋佳琪", "01", date(1997, 12, 1), "430104", "126", "湖南省长沙市岳麓区桐梓坡路86号12栋1单元501",
         "长沙市公安局岳麓分局", date(2024, 12, 20), "bride1")),
    *_couple(7,
        ("郑凯文", "01", date(1991, 4, 23), "310115", "137", "上海市浦东新区张杨路500号18楼1806室",
         "上海市公安局浦东分局", date(2020, 5, 6), "groom_underage"),
        ("谢雨萱", "01", date(1993, 11, 27), "310104", "148", "上海市徐汇区天钥桥路123号1102室",
         "上海市公安局徐汇分局", date(2021, 2, 3), "bride2")),
    *_couple(8,
        ("韩磊", "01", date(1988, 7, 7), "230103", "159", "黑龙江省哈尔滨市南岗区西大直街92号7单元602室",
         "哈尔滨市公安局南岗分局", date(2017, 9, 12), "expired_card"),
        ("冯丽华", "01", date(1990, 2, 18), "230103", "160", "黑龙江省哈尔滨市南岗区果戈里大街301号3单元1101室",
         "哈尔滨市公安局南岗分局", date(2018, 3, 30), "bride3")),
    *_couple(9,
        ("曹志远", "01", date(1995, 9, 29), "410105", "173", "河南省郑州市金水区花园路139号2号楼1508",
         "郑州市公安局金水分局", date(2022, 10, 10), "groom2"),
        ("彭诗涵", "01", date(1996, 3, 8), "410105", "184", "河南省郑州市金水区经三路68号1203",
         "郑州市公安局金水分局", date(2022, 6, 6), "bride4")),
    *_couple(10,
        ("袁明辉", "03", date(1993, 6, 2), "130102", "195", "河北省石家庄市长安区中山东路508号3单元904",
         "石家庄市公安局长安分局", date(2020, 11, 23), "groom1"),
        ("唐婉清", "03", date(1994, 10, 15), "130102", "206", "河北省石家庄市长安区建设北大街86号4号楼2单元302",
         "石家庄市公安局长安分局", date(2021, 5, 17), "bad_checksum")),
    *_couple(11,
        ("许嘉诚", "01", date(1998, 1, 25), "320506", "217", "江苏省苏州市吴中区东吴北路299号1606",
         "苏州市公安局吴中分局", date(2024, 4, 18), "groom_underage"),
        ("邓思雨", "01", date(1998, 5, 6), "320506", "228", "江苏省苏州市吴中区宝带西路1033号7幢402室",
         "苏州市公安局吴中分局", date(2024, 8, 22), "bride1")),
    *_couple(12,
        ("蒋立新", "01", date(1984, 11, 11), "330106", "231", "浙江省杭州市西湖区天目山路181号901室",
         "杭州市公安局西湖区分局", date(2016, 12, 5), "expired_card"),
        ("吕欣然", "01", date(1987, 8, 20), "330106", "242", "浙江省杭州市西湖区文二路391号A座1203",
         "杭州市公安局西湖区分局", date(2019, 9, 9), "bride2")),
]  # fmt: skip
ETHNICITY_NAMES = {"01": "汉", "03": "回"}


def check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def id_number(person: Person) -> str:
    first17 = person.region + person.birth.strftime("%Y%m%d") + person.sequence
    digit = check_digit(first17)
    if person.wrong_check_digit:
        digit = "10X98765432"[("10X98765432".index(digit) + 3) % 11]
    return first17 + digit


def check_people() -> None:
    """Guards the data above against typos that would quietly break the demo."""
    with REGIONS.open(encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        counties = {row[0]: row[1] for row in rows if len(row) > 2 and row[2] == "county"}
    ids = [person.id for person in PEOPLE + RUSH_PEOPLE]
    assert len(ids) == len(set(ids))
    for person in PEOPLE + RUSH_PEOPLE:
        assert person.region in counties, person.id
        assert counties[person.region] in person.address, (person.id, counties[person.region])
        assert (int(person.sequence[-1]) % 2 == 1) == (person.sex == "1"), person.id
        person.name.encode("gb2312")  # names must print with the bundled GB 2312 font
        person.address.encode("gb2312")
        assert person.valid_to is None or person.valid_to >= date(2036, 1, 1) or person.id == "expired_card"
        assert (person.look is None) == bool(person.photo_of), person.id
    by_id = {person.id: person for person in PEOPLE}
    for person in RUSH_PEOPLE:
        assert by_id[person.photo_of].sex == person.sex, person.id
        issued_at = person.valid_from.year - person.birth.year
        assert 26 <= issued_at <= 45, person.id  # 20-year cards
        legal_age = 22 if person.sex == "1" else 20
        assert date(2026, 1, 1).year - person.birth.year - 1 >= legal_age, person.id


# --- drawing ---------------------------------------------------------------------------


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def shade(color: RGB, factor: float) -> RGB:
    r, g, b = (min(255, max(0, round(c * factor))) for c in color)
    return (r, g, b)


def draw_figure(draw: ImageDraw.ImageDraw, cx: float, top: float, head_w: float, look: Look) -> None:
    """A half-length cartoon person: shoulders, neck, head, hair, face."""
    hw, hh = head_w, head_w * 1.28
    # Long hair falls behind the shoulders, so it is drawn first.
    if look.hair_style == "long":
        draw.rounded_rectangle(
            (cx - 0.62 * hw, top + 0.05 * hh, cx + 0.62 * hw, top + 1.45 * hh),
            radius=0.5 * hw,
            fill=look.hair,
        )
    body_top = top + 1.12 * hh
    # Rounded shoulders over a torso that runs off the bottom of the picture.
    draw.ellipse((cx - 1.45 * hw, body_top, cx + 1.45 * hw, body_top + 1.3 * hh), fill=look.clothes)
    draw.rectangle(
        (cx - 1.45 * hw, body_top + 0.65 * hh, cx + 1.45 * hw, body_top + 4 * hh), fill=look.clothes
    )
    neck = shade(look.skin, 0.9)
    draw.rectangle((cx - 0.2 * hw, top + 0.8 * hh, cx + 0.2 * hw, body_top + 0.12 * hh), fill=neck)
    if look.shirt_collar:
        white = (245, 245, 245)
        draw.polygon(
            [(cx - 0.42 * hw, body_top + 0.02 * hh), (cx, body_top + 0.42 * hh), (cx - 0.1 * hw, body_top)],
            fill=white,
        )
        draw.polygon(
            [(cx + 0.42 * hw, body_top + 0.02 * hh), (cx, body_top + 0.42 * hh), (cx + 0.1 * hw, body_top)],
            fill=white,
        )
    else:  # round neckline of a T-shirt
        draw.chord(
            (cx - 0.3 * hw, body_top - 0.12 * hh, cx + 0.3 * hw, body_top + 0.22 * hh), 0, 180, fill=neck
        )
    # Ears, head, then hair over the forehead.
    for side in (-1, 1):
        ex = cx + side * 0.5 * hw
        draw.ellipse((ex - 0.08 * hw, top + 0.42 * hh, ex + 0.08 * hw, top + 0.62 * hh), fill=neck)
    if look.hair_style == "bob":
        draw.rounded_rectangle(
            (cx - 0.6 * hw, top - 0.06 * hh, cx + 0.6 * hw, top + 0.9 * hh), radius=0.45 * hw, fill=look.hair
        )
    # Hair behind the head shows around its top and temples, so short hair is not a cap.
    back = 0.5 if look.hair_style == "receding" else 0.62
    draw.ellipse((cx - 0.54 * hw, top - 0.07 * hh, cx + 0.54 * hw, top + back * hh), fill=look.hair)
    draw.ellipse((cx - 0.5 * hw, top, cx + 0.5 * hw, top + hh), fill=look.skin)
    if look.hair_style == "bun":
        draw.ellipse((cx - 0.2 * hw, top - 0.28 * hh, cx + 0.2 * hw, top + 0.05 * hh), fill=look.hair)
    fringe_depth = {"receding": 0.34, "side": 0.62, "short": 0.55}.get(look.hair_style, 0.6)
    draw.chord(
        (cx - 0.55 * hw, top - 0.08 * hh, cx + 0.55 * hw, top + fringe_depth * hh), 180, 360, fill=look.hair
    )
    if look.hair_style == "side":  # a swept side parting
        draw.polygon(
            [
                (cx - 0.5 * hw, top + 0.25 * hh),
                (cx + 0.1 * hw, top + 0.05 * hh),
                (cx + 0.45 * hw, top + 0.32 * hh),
            ],
            fill=look.hair,
        )
    if look.hair_style in ("long", "bob"):  # hair framing the cheeks
        for side in (-1, 1):
            x0 = cx + side * 0.5 * hw
            draw.polygon(
                [(x0, top + 0.2 * hh), (x0 - side * 0.12 * hw, top + 0.3 * hh), (x0, top + 0.8 * hh)],
                fill=look.hair,
            )
    # Face.
    dark = (35, 30, 30)
    eye_y = top + 0.5 * hh
    for side in (-1, 1):
        ex = cx + side * 0.2 * hw
        draw.ellipse((ex - 0.05 * hw, eye_y - 0.03 * hh, ex + 0.05 * hw, eye_y + 0.03 * hh), fill=dark)
        draw.line(
            (ex - 0.09 * hw, eye_y - 0.09 * hh, ex + 0.08 * hw, eye_y - 0.1 * hh),
            fill=shade(look.hair, 0.9),
            width=max(1, round(0.035 * hw)),
        )
        if look.glasses:
            draw.ellipse(
                (ex - 0.12 * hw, eye_y - 0.08 * hh, ex + 0.12 * hw, eye_y + 0.08 * hh),
                outline=(60, 60, 70),
                width=max(1, round(0.02 * hw)),
            )
    if look.glasses:
        draw.line(
            (cx - 0.08 * hw, eye_y, cx + 0.08 * hw, eye_y), fill=(60, 60, 70), width=max(1, round(0.02 * hw))
        )
    draw.line(
        (cx, top + 0.56 * hh, cx - 0.03 * hw, top + 0.66 * hh, cx + 0.02 * hw, top + 0.67 * hh),
        fill=shade(look.skin, 0.75),
        width=max(1, round(0.02 * hw)),
    )
    draw.arc(
        (cx - 0.13 * hw, top + 0.68 * hh, cx + 0.13 * hw, top + 0.8 * hh),
        20,
        160,
        fill=(170, 70, 70),
        width=max(1, round(0.03 * hw)),
    )


def save_png(image: Image.Image, name: str, colors: int = 0) -> None:
    """`colors` > 0 stores a palette image: the document shots are flat drawings, and
    a palette keeps the committed assets small (the camera returns the PNG as is)."""
    if colors:
        image = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(ASSETS / name, format="PNG", optimize=True)


def portrait(person: Person) -> Image.Image:
    """102 x 126 px, the size of the photo decoded from a second-generation ID card."""
    assert person.look is not None, person.id
    return portrait_of(person.look)


def portrait_of(look: Look) -> Image.Image:
    w, h = 102 * SUPERSAMPLE, 126 * SUPERSAMPLE
    image = Image.new("RGB", (w, h), (250, 250, 250))
    draw_figure(ImageDraw.Draw(image), w / 2, h * 0.15, w * 0.46, look)
    return image.resize((102, 126), Image.Resampling.LANCZOS)


def joint_photo(left: Person, right: Person) -> Image.Image:
    """626 x 413 px (2-inch at 300 dpi), red background, as a 结婚登记照."""
    w, h = 626 * SUPERSAMPLE, 413 * SUPERSAMPLE
    image = Image.new("RGB", (w, h), (206, 28, 40))
    draw = ImageDraw.Draw(image)
    assert left.look is not None and right.look is not None
    # The man on the left and slightly taller; the woman drawn second so she overlaps.
    draw_figure(draw, w * 0.37, h * 0.17, w * 0.17, left.look)
    draw_figure(draw, w * 0.63, h * 0.22, w * 0.16, right.look)
    return image.resize((626, 413), Image.Resampling.LANCZOS)


def sample_watermark(image: Image.Image, size: int = 150) -> Image.Image:
    """Stamps a big, translucent, rotated 样本 (SAMPLE) over the image."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    text_font = font(size)
    box = draw.textbbox((0, 0), "样本", font=text_font)
    x = (image.width - (box[2] - box[0])) / 2
    y = (image.height - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), "样本", font=text_font, fill=(220, 30, 30, 110))
    layer = layer.rotate(18, resample=Image.Resampling.BICUBIC)
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def card_canvas() -> tuple[Image.Image, ImageDraw.ImageDraw, tuple[int, int, int, int]]:
    """800 x 560 px shot of an ID card lying on the camera's grey base plate."""
    image = Image.new("RGB", (800, 560), (96, 98, 104))
    draw = ImageDraw.Draw(image)
    card = (50, 59, 750, 501)  # 85.6 x 54 mm at about 8.2 px/mm
    draw.rounded_rectangle((card[0] + 6, card[1] + 8, card[2] + 6, card[3] + 8), radius=28, fill=(70, 72, 78))
    draw.rounded_rectangle(card, radius=28, fill=(236, 240, 244))
    # Faint guilloche-like waves, printed on real cards against copying.
    rng = random.Random(11643)
    for i in range(14):
        phase, amp = rng.uniform(0, 6.28), rng.uniform(6, 14)
        y0 = card[1] + 25 + i * 30
        points = [(x, y0 + amp * math.sin(x / 55 + phase)) for x in range(card[0] + 20, card[2] - 20, 8)]
        draw.line(points, fill=(214, 226, 236), width=2)
    return image, draw, card


def id_card_front(person: Person, photo: Image.Image) -> Image.Image:
    """The portrait side (人像面) with the person's fields."""
    image, draw, (x0, y0, _x1, _y1) = card_canvas()
    label, value = (60, 100, 160), (20, 20, 20)
    small, big = font(21), font(25)
    b = person.birth
    rows = [
        ("姓  名", person.name),
        (
            "性  别",
            ("男" if person.sex == "1" else "女") + "      民  族  " + ETHNICITY_NAMES[person.ethnicity],
        ),
        ("出  生", f"{b.year}  年  {b.month}  月  {b.day}  日"),
    ]
    y = y0 + 45
    for name, text in rows:
        draw.text((x0 + 40, y + 3), name, font=small, fill=label)
        draw.text((x0 + 125, y), text, font=big, fill=value)
        y += 52
    draw.text((x0 + 40, y + 3), "住  址", font=small, fill=label)
    address = person.address
    for start in range(0, len(address), 13):
        draw.text((x0 + 125, y), address[start : start + 13], font=big, fill=value)
        y += 34
    draw.text((x0 + 40, y0 + 370), "公民身份号码", font=small, fill=label)
    draw.text((x0 + 200, y0 + 364), id_number(person), font=font(30), fill=value)
    image.paste(photo.resize((184, 227), Image.Resampling.BICUBIC), (x0 + 480, y0 + 60))
    return sample_watermark(image)


def id_card_back(person: Person) -> Image.Image:
    """The emblem side (国徽面) with issuing authority and validity."""
    image, draw, (x0, y0, _x1, _y1) = card_canvas()
    # A plain placeholder badge, deliberately not the national emblem.
    draw.ellipse((x0 + 40, y0 + 35, x0 + 150, y0 + 145), outline=(200, 40, 40), width=6)
    _star(draw, x0 + 95, y0 + 90, 30, (220, 170, 30))
    draw.text((x0 + 220, y0 + 60), "中华人民共和国", font=font(46), fill=(30, 30, 30))
    draw.text((x0 + 220, y0 + 140), "居 民 身 份 证", font=font(62), fill=(30, 30, 30))
    label, value = (60, 100, 160), (20, 20, 20)
    draw.text((x0 + 120, y0 + 300), "签发机关", font=font(21), fill=label)
    draw.text((x0 + 230, y0 + 296), person.authority, font=font(25), fill=value)
    valid_to = "长期" if person.valid_to is None else person.valid_to.strftime("%Y.%m.%d")
    draw.text((x0 + 120, y0 + 350), "有效期限", font=font(21), fill=label)
    draw.text((x0 + 230, y0 + 346), f"{person.valid_from:%Y.%m.%d}-{valid_to}", font=font(25), fill=value)
    return sample_watermark(image)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: RGB) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def hukou_page(person: Person) -> Image.Image:
    """A 常住人口登记卡 page of a household register (户口簿)."""
    image = Image.new("RGB", (800, 560), (96, 98, 104))
    draw = ImageDraw.Draw(image)
    page = (30, 20, 770, 540)
    draw.rectangle(page, fill=(250, 247, 236))
    title = font(32)
    width = draw.textlength("常住人口登记卡", font=title)
    draw.text(((800 - width) / 2, 36), "常住人口登记卡", font=title, fill=(40, 40, 40))
    b = person.birth
    rows = [
        ("姓名", person.name, "户主或与户主关系", "户主"),
        ("曾用名", "", "性别", "男" if person.sex == "1" else "女"),
        ("出生地", person.address[:6], "民族", ETHNICITY_NAMES[person.ethnicity] + "族"),
        ("籍贯", person.address[:3], "出生日期", f"{b.year}年{b.month}月{b.day}日"),
        ("公民身份证件编号", id_number(person), "身高", "175厘米"),
        ("文化程度", "大学本科", "婚姻状况", "未婚"),
        ("服务处所", "某某科技有限公司", "职业", "工程技术人员"),
        ("迁来本址日期", "", "", ""),
    ]
    left, top, right = 60, 95, 740
    cols = [left, 235, 450, 612, right]
    row_h = 48
    line = (120, 90, 80)
    text_font, value_font = font(19), font(21)
    for r, row in enumerate(rows):
        y = top + r * row_h
        draw.line((left, y, right, y), fill=line, width=2)
        for c, text in enumerate(row):
            if text:
                color = (90, 60, 50) if c % 2 == 0 else (20, 20, 20)
                cell_font = text_font if c % 2 == 0 else value_font
                size = cell_font.size
                while draw.textlength(text, font=cell_font) > cols[c + 1] - cols[c] - 12 and size > 12:
                    size -= 1  # shrink long values (the ID number) to fit their cell
                    cell_font = font(size)
                draw.text((cols[c] + 6, y + 13), text, font=cell_font, fill=color)
    bottom = top + len(rows) * row_h
    draw.line((left, bottom, right, bottom), fill=line, width=2)
    for x in (left, *cols[1:-1], right):
        draw.line((x, top, x, bottom - (row_h if x in cols[2:-1] else 0)), fill=line, width=2)
    draw.text((left, bottom + 20), "承办人签章：", font=text_font, fill=(90, 60, 50))
    draw.text((430, bottom + 20), "登记日期：2013年9月2日", font=text_font, fill=(90, 60, 50))
    return sample_watermark(image, size=170)


# --- scenario --------------------------------------------------------------------------

DOCUMENTS = [
    ("joint_photo_couple1", "joint_photo", "joint-couple1.png", 320),
    ("joint_photo_couple2", "joint_photo", "joint-couple2.png", 310),
    ("id_card_front_sample", "id_card_front", "id-card-front.png", 260),
    ("id_card_back_sample", "id_card_back", "id-card-back.png", 250),
    ("hukou_page_sample", "hukou_page", "hukou-page.png", 190),
]


def people_yaml(people: list[Person]) -> list[str]:
    lines = ["people:"]
    for person in people:
        valid_to = '"长期"' if person.valid_to is None else person.valid_to.isoformat()
        lines += [
            f"  # {person.note}",
            f"  - id: {person.id}",
            f"    name: {person.name}",
            f'    sex: "{person.sex}"',
            f'    ethnicity: "{person.ethnicity}"',
            f"    birth_date: {person.birth.isoformat()}",
            f"    address: {person.address}",
            f'    id_number: "{id_number(person)}"',
            f"    issuing_authority: {person.authority}",
            f"    valid_from: {person.valid_from.isoformat()}",
            f"    valid_to: {valid_to}",
            f"    photo: {person.photo}",
        ]
    return lines


def documents_yaml(people: list[Person]) -> list[str]:
    """The shared documents, then a live face per person (人证合一) and the stranger's."""
    lines = ["  documents:"]
    for doc_id, doc_class, file, sharpness in DOCUMENTS:
        lines += [
            f"    - id: {doc_id}",
            f"      class: {doc_class}",
            f"      image: assets/{file}",
            f"      sharpness: {sharpness}",
        ]
    lines.append("    # The person at the counter, for the face check: the camera shows the face of the")
    lines.append("    # person whose card was read last. The simulated matcher knows faces by identity,")
    lines.append("    # so each live face is the person's own portrait.")
    for person in people:
        lines.append(
            f"    - {{id: live_face_{person.id}, class: live_face, person: {person.id}, image: {person.photo}}}"
        )
    lines.append("    # Nobody in `people`: present it to show the face check refusing an impostor.")
    lines.append(f"    - {{id: live_face_stranger, class: live_face, image: {STRANGER_PHOTO}}}")
    return lines


def header(description: str, seed: int) -> list[str]:
    return [
        "# Simulator scenario shipped with the app (format: resources/sim/README.md).",
        "# GENERATED by scripts/make_sim_assets.py: edit the script, then run it again.",
        "# Every person is invented; ID numbers carry valid check digits except bad_checksum.",
        "spec: 1",
        f'description: "{description}"',
        f"seed: {seed}",
        "",
    ]


def scenario_yaml() -> str:
    lines = [
        "# Default simulator scenario, shipped with the app (format: resources/sim/README.md).",
        "# GENERATED by scripts/make_sim_assets.py: edit the script, then run it again.",
        "# Every person is invented; ID numbers carry valid check digits except bad_checksum.",
        "spec: 1",
        'description: "Default demo: two couples marry, an under-age groom, a second marriage attempt"',
        "seed: 20261129",
        "",
        *people_yaml(PEOPLE),
    ]
    lines += [
        "",
        "id_reader:",
        "  name: 模拟身份证阅读器",
        "  # Read in this order unless QA presents a card by hand.",
        "  cards: [" + ", ".join(CARD_ORDER) + "]",
        "  read_delay_s: 0.15",
        "  faults: []",
        "",
        "camera:",
        "  name: 模拟高拍仪",
        "  capture_delay_s: 0.1",
        *documents_yaml(PEOPLE),
        "  faults: []",
        "",
        "signature_pad:",
        "  name: 模拟签批屏",
        "  width_mm: 120",
        "  height_mm: 60",
        "  sign_delay_s: 0.2",
        "  # No recorded signatures: each signer gets synthetic strokes seeded from the name.",
        "  signatures: {}",
        "  faults: []",
        "",
        "face_matcher:",
        "  name: 模拟人脸比对",
        "  compare_delay_s: 0.3",
        "  threshold: 0.6",
        "  same_distance: 0.35       # the live face against the same person's card photo",
        "  different_distance: 0.85  # against anyone else's",
        "  faults: []",
        "",
    ]
    return "\n".join(lines)


def day_yaml(
    description: str, seed: int, people: list[Person], sections: str, cards: list[str] | None = None
) -> str:
    """A counter-day scenario: generated people and documents, hand-written behaviour.
    The reader reads `cards` (by default everyone, in order)."""
    order = cards if cards is not None else [person.id for person in people]
    if len(order) <= 8:
        cards_line = "  cards: [" + ", ".join(order) + "]"
    else:  # a couple a line
        pairs = [", ".join(order[i : i + 2]) for i in range(0, len(order), 2)]
        cards_line = "  cards: [\n    " + ",\n    ".join(pairs) + ",\n  ]"
    text = "\n".join([*header(description, seed), *people_yaml(people), ""])
    documents = "\n".join(documents_yaml(people))
    return text + sections.replace("  cards: CARDS", cards_line).replace("  documents: DOCUMENTS", documents)


NORMAL_DAY = """
# A normal day: hardware works, people are people. Delays are those of real devices.
id_reader:
  name: 模拟身份证阅读器
  cards: CARDS
  read_delay_s: 0.6
  faults:
    - {operation: read_card, error: no_card, probability: 0.03}     # card not flat on the reader

camera:
  name: 模拟高拍仪
  capture_delay_s: 0.4
  documents: DOCUMENTS
  faults:
    - {operation: capture, error: low_quality, probability: 0.03}   # someone leaned on the desk

signature_pad:
  name: 模拟签批屏
  sign_delay_s: 1.5
  faults:
    - {operation: capture_signature, error: cancelled, probability: 0.02}

fingerprint:
  name: 模拟指纹仪
  capture_delay_s: 0.8
  quality: 82
  faults:
    - {operation: capture_fingerprint, error: low_quality, probability: 0.05}   # dry finger

face_matcher:
  name: 模拟人脸比对
  compare_delay_s: 0.4
  faults:
    - {operation: compare_faces, error: no_face, probability: 0.03}   # looked away from the camera

printer:
  name: 模拟打印机
  print_delay_s: 1.0
  paper_sheets: 40          # a half-full tray: QA reloads it once in a while
  faults: []

barcode:
  faults: []

central:
  faults: []

timeline: []
"""

BAD_HARDWARE_DAY = """
# Everything that can go wrong at a counter, often. Probabilities draw from `seed`, so
# a QA run fails on the same calls every time.
id_reader:
  name: 模拟身份证阅读器
  cards: CARDS
  read_delay_s: 0.8
  faults:
    - {operation: read_card, error: card_removed, times: 1}               # the first read: card pulled away
    - {operation: read_card, error: timeout, probability: 0.15, delay_s: 3}
    - {operation: read_card, error: garbage, probability: 0.1}            # checksum mismatch

camera:
  name: 模拟高拍仪
  capture_delay_s: 0.5
  documents: DOCUMENTS
  faults:
    - {operation: capture, error: low_quality, probability: 0.3}
    - {operation: capture, error: timeout, probability: 0.05, delay_s: 2}

signature_pad:
  name: 模拟签批屏
  sign_delay_s: 1.5
  faults:
    - {operation: capture_signature, error: unplugged, probability: 0.15, delay_s: 1}   # drops out mid-signature
    - {operation: capture_signature, error: cancelled, probability: 0.1}

fingerprint:
  name: 模拟指纹仪
  capture_delay_s: 0.8
  quality: 64
  faults:
    - {operation: capture_fingerprint, error: timeout, times: 1, delay_s: 2}
    - {operation: capture_fingerprint, error: low_quality, probability: 0.4}

face_matcher:
  name: 模拟人脸比对
  compare_delay_s: 0.6
  faults:
    - {operation: compare_faces, error: timeout, times: 1, delay_s: 2}
    - {operation: compare_faces, error: no_face, probability: 0.2}   # backlit window behind the party

printer:
  name: 模拟打印机
  print_delay_s: 1.5
  paper_sheets: 15
  faults:
    - {operation: print, error: paper_jam, times: 1}                      # the first job jams
    - {operation: print, error: garbage, probability: 0.05}

barcode:
  faults:
    - {operation: decode, error: timeout, times: 1, delay_s: 1}
    - {operation: decode, error: garbage, probability: 0.2}

central:
  faults:
    - {operation: register, error: unreachable, probability: 0.2}
    - {operation: any, error: timeout, probability: 0.1, delay_s: 5}

timeline:
  # The previous party's card is left on the reader: the third read returns it.
  - {after_calls: 2, device: id_reader, event: card_inserted, person: expired_card}
  - {after_calls: 3, device: id_reader, event: card_removed}
  # Someone kicks the reader's USB cable a minute and a half in; IT plugs it back.
  - {at_s: 90, device: id_reader, event: unplugged}
  - {at_s: 105, device: id_reader, event: replugged}
  # The camera drops off the bus after its 4th capture; captures 5 and 6 fail, then it is back.
  - {after_calls: 4, device: camera, event: unplugged}
  - {after_calls: 6, device: camera, event: replugged}
  # The tray is found empty after the third job, whatever the sheet count says.
  - {after_calls: 3, device: printer, event: paper_out}
"""

RUSH_DAY = """
# A rush day (520, 七夕): twelve couples in a row. Hardware works; the tray and the
# network struggle with the load.
id_reader:
  name: 模拟身份证阅读器
  cards: CARDS
  read_delay_s: 0.3
  faults:
    - {operation: read_card, error: no_card, probability: 0.02}

camera:
  name: 模拟高拍仪
  capture_delay_s: 0.3
  documents: DOCUMENTS
  faults:
    - {operation: capture, error: low_quality, probability: 0.05}

signature_pad:
  name: 模拟签批屏
  sign_delay_s: 1.0
  faults:
    - {operation: capture_signature, error: cancelled, probability: 0.03}

fingerprint:
  name: 模拟指纹仪
  capture_delay_s: 0.5
  quality: 75
  faults: []

face_matcher:
  name: 模拟人脸比对
  compare_delay_s: 0.3
  faults: []

printer:
  name: 模拟打印机
  print_delay_s: 0.8
  paper_sheets: 60          # runs out before the last couples: QA loads paper
  faults: []

barcode:
  faults: []

central:
  faults:
    - {operation: any, error: timeout, probability: 0.05, delay_s: 4}   # the network is busy too

timeline: []
"""


def day_scenarios() -> dict[str, str]:
    by_id = {person.id: person for person in PEOPLE + RUSH_PEOPLE}
    normal = [by_id[i] for i in ("groom1", "bride1", "groom2", "bride2", "r01_groom", "r01_bride")]
    bad = [by_id[i] for i in ("groom1", "bride1", "groom2", "bride2", "expired_card")]
    return {
        "normal-day.yaml": day_yaml(
            "A normal day: three couples, working hardware, the odd misplaced card", 20260110, normal, NORMAL_DAY
        ),
        "bad-hardware-day.yaml": day_yaml(
            "A bad-hardware day: timeouts, garbage, jams, an unplugged reader, an unreachable central registry",
            20260211, bad, BAD_HARDWARE_DAY, cards=["groom1", "bride1", "groom2", "bride2"],
        ),
        "rush-day.yaml": day_yaml("A rush day: twelve couples in a row", 20260520, RUSH_PEOPLE, RUSH_DAY),
    }


def main() -> None:
    check_people()
    ASSETS.mkdir(parents=True, exist_ok=True)
    by_id = {person.id: person for person in PEOPLE}
    photos: dict[str, Image.Image] = {}
    for person in PEOPLE:
        photos[person.id] = portrait(person)
        save_png(photos[person.id], f"portrait-{person.id.replace('_', '-')}.png")
    save_png(portrait_of(STRANGER), STRANGER_PHOTO.removeprefix("assets/"))
    save_png(joint_photo(by_id["groom1"], by_id["bride1"]), "joint-couple1.png")
    save_png(joint_photo(by_id["groom2"], by_id["bride2"]), "joint-couple2.png")
    save_png(id_card_front(by_id["groom1"], photos["groom1"]), "id-card-front.png", colors=96)
    save_png(id_card_back(by_id["groom1"]), "id-card-back.png", colors=96)
    save_png(hukou_page(by_id["groom1"]), "hukou-page.png", colors=96)
    (SIM_DIR / "default.yaml").write_text(scenario_yaml(), encoding="utf-8")
    for name, text in day_scenarios().items():
        (SIM_DIR / name).write_text(text, encoding="utf-8")

    total = sum(path.stat().st_size for path in ASSETS.glob("*.png"))
    print(f"wrote {len(list(ASSETS.glob('*.png')))} images ({total / 1024:.0f} KB) and the scenarios")
    for person in PEOPLE + RUSH_PEOPLE:
        print(f"  {person.id:15} {person.name}  {person.birth}  {id_number(person)}")


if __name__ == "__main__":
    main()
