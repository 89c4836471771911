"""Hostile chip data: the LDS parsers and the MRZ parser answer with the documented
errors only (CorruptDataError / InvalidMrzError), quickly, never anything else."""

from __future__ import annotations

import contextlib
import io
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.errors import CorruptDataError
from devices.id_reader.pcsc import lds
from devices.id_reader.pcsc.errors import InvalidMrzError
from devices.id_reader.pcsc.mrz import parse_mrz
from tests.devices.pcsc.emulator import mrz_check

PARSERS = [lds.parse_tlvs, lds.parse_dg1, lds.parse_dg2, lds.parse_dg12, lds.parse_sod, lds.decode_oid]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), index=st.integers(min_value=0, max_value=len(PARSERS) - 1))
def test_arbitrary_bytes_give_only_corrupt_data_errors(data: bytes, index: int) -> None:
    with contextlib.suppress(CorruptDataError):
        PARSERS[index](data)


def test_a_truncated_oid_is_corrupt_data() -> None:
    with pytest.raises(CorruptDataError):
        lds.decode_oid(b"\x80")


def test_padding_of_a_large_file_is_linear() -> None:
    started = time.monotonic()
    assert lds.parse_tlvs(b"\x00" * 32_000) == []
    assert time.monotonic() - started < 0.5


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    header = bytearray(buffer.getvalue())
    header[16:24] = (60_000).to_bytes(4, "big") + (60_000).to_bytes(4, "big")  # IHDR width, height
    with pytest.raises(CorruptDataError, match=r"implausibly large|cannot be decoded"):
        lds.face_to_png(lds.FaceImage("image/jpeg", bytes(header)))


def test_an_unknown_day_of_birth_is_accepted() -> None:
    """ICAO 9303-3: an unknown day of birth is "<<"; the specimen with its check digits redone."""
    number, birth, expiry, optional = "L898902C<", "6908<<", "940623", "ZE184226B<<<<<"
    fields = [number + mrz_check(number), birth + mrz_check(birth), expiry + mrz_check(expiry)]
    optional += mrz_check(optional)
    composite = mrz_check(fields[0] + fields[1] + fields[2] + optional)
    line2 = f"{fields[0]}UTO{fields[1]}F{fields[2]}{optional}{composite}"
    parsed = parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + line2)
    assert parsed.birth_date().isoformat() == "1969-08-01"


def test_mrz_errors_name_the_field_not_its_value() -> None:
    with pytest.raises(InvalidMrzError) as caught:
        parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO69AB061F9406236ZE184226B<<<<<14")
    assert "69AB06" not in caught.value.message and "ERIKSSON" not in caught.value.message
