"""Test people for the SAM reader tests: one card of each of the four layouts."""

from __future__ import annotations

from datetime import date

from devices.id_reader.types import CardType
from devices.sim.scenario import PersonSpec

RESIDENT = PersonSpec(
    id="resident",
    name="测试甲",
    sex="1",
    ethnicity="01",
    birth_date=date(1970, 1, 2),
    address="北京市东城区某街1号",
    id_number="110101197001020011",
    issuing_authority="北京市公安局东城分局",
    valid_from=date(2020, 1, 1),
    valid_to="长期",  # type: ignore[arg-type]  # the loader's own spelling
)
HMT = PersonSpec(
    id="hmt",
    name="测试港",
    sex="2",
    ethnicity="00",
    birth_date=date(1995, 3, 4),
    address="广东省深圳市福田区某路3号",
    id_number="810000199503040028",
    issuing_authority="深圳市公安局",
    valid_from=date(2023, 5, 6),
    valid_to=date(2028, 5, 6),
    card_type=CardType.HMT_RESIDENCE_PERMIT,
)
PR_2017 = PersonSpec(
    id="pr2017",
    name="约翰",
    sex="1",
    ethnicity="00",
    birth_date=date(1980, 7, 8),
    address="",
    id_number="USA110080070801",
    issuing_authority="1100",
    valid_from=date(2018, 1, 1),
    valid_to=date(2028, 1, 1),
    nationality="USA",
    card_type=CardType.FOREIGN_PERMANENT_RESIDENT,
)
PR_2023 = PersonSpec(
    id="pr2023",
    name="MARGARETHE ALEXANDRA VON UND ZU LICHTENSTEINBE",  # 46 characters: both name fields
    sex="2",
    ethnicity="00",
    birth_date=date(1990, 12, 31),
    address="",
    id_number="934011199012310023",
    issuing_authority="",
    valid_from=date(2024, 1, 1),
    valid_to=date(2034, 1, 1),
    nationality="DEU",
    card_type=CardType.FOREIGN_PERMANENT_RESIDENT,
)
PEOPLE = (RESIDENT, HMT, PR_2017, PR_2023)
