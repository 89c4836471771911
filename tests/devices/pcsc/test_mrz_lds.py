"""MRZ parsing, LDS parsing and a whole eMRTD read against the emulated chip, without pcscd."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from devices.errors import CorruptDataError
from devices.id_reader.pcsc import lds
from devices.id_reader.pcsc.emrtd import identity_record, read_passport
from devices.id_reader.pcsc.errors import AccessDeniedError, InvalidMrzError, UnsupportedCardError
from devices.id_reader.pcsc.mrz import check_digit, mrz_key, parse_mrz
from devices.id_reader.types import CardType
from tests.devices.pcsc.emulator import EmrtdCard, Passport, build_files, tlv

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"


def transmit_to(chip: EmrtdCard):  # type: ignore[no-untyped-def]
    def transmit(apdu: bytes) -> tuple[bytes, int]:
        answer = chip.process(apdu)
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    return transmit


def test_check_digits() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("<<<<<<<<<<<<<<") == "0"


def test_td3_specimen() -> None:
    mrz = parse_mrz(TD3)
    assert (mrz.format, mrz.document_code, mrz.issuing_state) == ("TD3", "P", "UTO")
    assert mrz.name == "ERIKSSON, ANNA MARIA"
    assert (mrz.document_number, mrz.nationality, mrz.sex) == ("L898902C3", "UTO", "F")
    assert mrz.birth_date(date(2026, 1, 1)) == date(1974, 8, 12) and mrz.expiry_date() == date(2012, 4, 15)
    assert mrz.optional_data == "ZE184226B"
    assert mrz.key.seed == "L898902C36" + "7408122" + "1204159"


def test_td1_specimen_and_run_together_lines() -> None:
    mrz = parse_mrz(TD1.replace("\n", ""))
    assert mrz.format == "TD1" and mrz.document_number == "D23145890" and mrz.name == "ERIKSSON, ANNA MARIA"
    assert mrz.key.seed == "D231458907" + "7408122" + "1204159"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (TD3.replace("C36UTO", "C37UTO"), "document number"),
        (TD3.replace("7408122F", "7408123F"), "date of birth"),
        (TD3.replace("<<<<<10", "<<<<<11"), "composite"),
        ("P<UTO\nL898", "expected 2x44"),
        (TD3.replace("ERIKSSON", "ERIKSSÖN"), "character"),
        ("L898902C<369080619406237", "date of expiry"),
    ],
)
def test_bad_mrz_is_refused_with_the_reason(text: str, detail: str) -> None:
    with pytest.raises(InvalidMrzError, match=detail) as caught:
        mrz_key(text)
    assert caught.value.code == "DEV-061"


def test_lds_files_of_the_emulated_passport() -> None:
    passport = Passport()
    files = build_files(passport)
    com = lds.parse_ef_com(files[0x011E])
    assert com.lds_version == "0107" and com.data_groups == (1, 2, 12)
    assert lds.parse_dg1(files[0x0101]) == passport.mrz
    face = lds.parse_dg2(files[0x0102])
    assert face.mime == "image/jpeg" and face.data == passport.face_jpeg
    png = lds.face_to_png(face)
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (240, 320)
    assert lds.parse_dg12(files[0x010C]) == lds.Dg12(date(2023, 4, 15), "UTOPIA PASSPORT OFFICE")
    sod = lds.parse_sod(files[0x011D])
    assert sod.hash_algorithm == "sha256" and set(sod.hashes) == {1, 2, 12}
    for number, fid in ((1, 0x0101), (2, 0x0102), (12, 0x010C)):
        sod.verify(number, files[fid])
    with pytest.raises(CorruptDataError, match="DG2"):
        lds.parse_sod(build_files(passport, tamper_dg2_hash=True)[0x011D]).verify(2, files[0x0102])
    assert lds.total_length(files[0x0102][:4]) == len(files[0x0102])


def test_a_jpeg2000_face_becomes_png() -> None:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 150, 120)).save(out, format="JPEG2000")
    record = b"FAC\x00010\x00" + bytes(6) + bytes(20) + bytes([1, 1]) + bytes(10) + out.getvalue()
    dg2 = tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + tlv(0x7F60, tlv(0xA1, b"") + tlv(0x5F2E, record))))
    face = lds.parse_dg2(dg2)
    assert face.mime == "image/jp2"
    assert Image.open(io.BytesIO(lds.face_to_png(face))).size == (60, 80)


@pytest.mark.parametrize("data", [b"", b"\x75", b"\x75\x82\x01", b"\x60\x05\x5c\x01", bytes(range(256))])
def test_malformed_lds_data_is_corrupt_data(data: bytes) -> None:
    for parse in (lds.parse_ef_com, lds.parse_dg1, lds.parse_dg2, lds.parse_sod):
        with pytest.raises(CorruptDataError):
            parse(data)


def test_read_passport_directly_from_the_chip() -> None:
    passport = Passport()
    chip = EmrtdCard(passport)
    data = read_passport(transmit_to(chip), mrz_key(passport.mrz))
    assert data.hashes_checked == (1, 2, 12)
    record = identity_record(data, reader_name="direct", today=date(2026, 1, 1))
    assert record.card_type is CardType.PASSPORT and record.name == "TESTER, ALICE MARIE"
    assert (record.sex_code, record.birth_date, record.nationality) == ("2", date(1990, 4, 15), "UTO")
    assert (record.id_number, record.valid_to, record.valid_from) == ("C01X00T47", date(2033, 4, 14), date(2023, 4, 15))
    assert record.issuing_authority == "UTOPIA PASSPORT OFFICE" and record.ethnicity_code == ""
    assert record.photo_png is not None and record.photo_png.startswith(b"\x89PNG")
    assert any(entry.startswith("0C") for entry in chip.log)


def test_without_dg12_and_sod_the_record_falls_back() -> None:
    passport = Passport()
    chip = EmrtdCard(passport, with_sod=False)
    del chip.files[0x010C]
    data = read_passport(transmit_to(chip), mrz_key(passport.mrz), photo=False)
    record = identity_record(data, today=date(2026, 1, 1))
    assert data.hashes_checked == () and record.photo_png is None
    assert record.valid_from == record.birth_date and record.issuing_authority == "UTO"


def test_a_wrong_mrz_and_a_tampered_chip_are_refused() -> None:
    passport = Passport()
    other = Passport(document_number="C01X00T48")
    with pytest.raises(AccessDeniedError) as caught:
        read_passport(transmit_to(EmrtdCard(passport)), mrz_key(other.mrz))
    assert caught.value.code == "DEV-062"
    with pytest.raises(CorruptDataError, match="DG2 does not match"):
        read_passport(transmit_to(EmrtdCard(passport, tamper_dg2_hash=True)), mrz_key(passport.mrz))


def test_a_card_without_the_emrtd_application_is_unsupported() -> None:
    def transmit(apdu: bytes) -> tuple[bytes, int]:
        return b"", 0x6A82

    with pytest.raises(UnsupportedCardError):
        read_passport(transmit, mrz_key(Passport().mrz))
