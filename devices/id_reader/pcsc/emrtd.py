"""Reading an ICAO 9303 eMRTD over any `transmit` function: select the application,
BAC, secure-messaged SELECT / READ BINARY of EF.COM, DG1, DG2, DG12 and EF.SOD, hash
check, and the mapping of the result to an IdentityRecord."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from devices.errors import CorruptDataError
from devices.id_reader.pcsc import lds
from devices.id_reader.pcsc.bac import ApduError, SecureMessaging, Transmit, perform_bac
from devices.id_reader.pcsc.errors import InvalidMrzError, UnsupportedCardError
from devices.id_reader.pcsc.mrz import Mrz, MrzKey, parse_mrz
from devices.id_reader.types import CardType, IdentityRecord

EMRTD_AID = bytes.fromhex("A0000002471001")
CHUNK = 0xDF  # data bytes per READ BINARY: the protected answer still fits a short APDU
MAX_OFFSET = 0x7FFF  # READ BINARY with an even INS addresses 15 bits

_SEX_CODES = {"M": "1", "F": "2", "X": "9", "<": "0"}  # GB/T 2261.1


@dataclass(frozen=True, slots=True)
class PassportData:
    com: lds.EfCom
    mrz: Mrz
    face: lds.FaceImage | None
    dg12: lds.Dg12 | None
    hashes_checked: tuple[int, ...]  # data groups verified against EF.SOD (empty: no EF.SOD)


class EmrtdSession:
    def __init__(self, transmit: Transmit) -> None:
        self._plain = transmit
        self._sm: SecureMessaging | None = None

    def select_application(self) -> None:
        _, sw = self._plain(bytes.fromhex("00A4040C07") + EMRTD_AID)
        if sw != 0x9000:
            raise UnsupportedCardError(detail=f"no ICAO 9303 application (SW {sw:04X})")

    def authenticate(self, key: MrzKey, random: Callable[[int], bytes] = os.urandom) -> None:
        try:
            keys = perform_bac(self._plain, key.seed, random=random)
        except ApduError as error:
            raise UnsupportedCardError(
                detail=f"{error.what} answered SW {error.sw:04X} (a chip that needs PACE is not supported yet)"
            ) from None
        self._sm = SecureMessaging(keys)

    def _transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self._sm is None:
            raise RuntimeError("authenticate() first")
        response, sw = self._plain(self._sm.wrap(apdu))
        return self._sm.unwrap(response, sw)

    def read_file(self, fid: int, what: str) -> bytes | None:
        """The whole transparent file, or None when the chip has no such file."""
        _, sw = self._transmit(bytes([0x00, 0xA4, 0x02, 0x0C, 0x02, fid >> 8, fid & 0xFF]))
        if sw in (0x6A82, 0x6A80):
            return None
        if sw != 0x9000:
            raise CorruptDataError(detail=f"SELECT {what}: SW {sw:04X}")
        data = self._read_binary(0, 4, what)
        total = lds.total_length(data)
        if total is None:
            data += self._read_binary(len(data), 4, what)
            total = lds.total_length(data)
            if total is None:
                raise CorruptDataError(detail=f"{what}: unreadable file header")
        while len(data) < total:
            if len(data) > MAX_OFFSET:
                raise UnsupportedCardError(detail=f"{what} is larger than 32 KB")
            data += self._read_binary(len(data), min(CHUNK, total - len(data)), what)
        return data[:total]

    def _read_binary(self, offset: int, length: int, what: str) -> bytes:
        chunk, sw = self._transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length]))
        if sw not in (0x9000, 0x6282) or not chunk:
            raise CorruptDataError(detail=f"READ BINARY {what} at {offset}: SW {sw:04X}")
        return chunk


def read_passport(
    transmit: Transmit,
    key: MrzKey,
    *,
    photo: bool = True,
    random: Callable[[int], bytes] = os.urandom,
) -> PassportData:
    """Selects the eMRTD application, runs BAC and reads the data groups the counter uses."""
    session = EmrtdSession(transmit)
    session.select_application()
    session.authenticate(key, random)
    com_raw = session.read_file(lds.EF_COM, "EF.COM")
    if com_raw is None:
        raise CorruptDataError(detail="the chip has no EF.COM")
    com = lds.parse_ef_com(com_raw)
    raw: dict[int, bytes] = {}
    wanted = [1] + ([2] if photo and 2 in com.data_groups else []) + ([12] if 12 in com.data_groups else [])
    for group in wanted:
        content = session.read_file(lds.DG_FILES[group], f"DG{group}")
        if content is None:
            if group == 1:
                raise CorruptDataError(detail="the chip has no DG1")
            continue
        raw[group] = content
    sod_raw = session.read_file(lds.EF_SOD, "EF.SOD")
    checked: list[int] = []
    if sod_raw:
        sod = lds.parse_sod(sod_raw)
        for group, content in raw.items():
            sod.verify(group, content)
            checked.append(group)
    try:
        mrz = parse_mrz(lds.parse_dg1(raw[1]))
    except InvalidMrzError as error:
        raise CorruptDataError(detail=f"DG1: {error.message}") from None
    if mrz.key.seed != key.seed:
        raise CorruptDataError(detail="DG1 does not hold the MRZ used for access")
    return PassportData(
        com=com,
        mrz=mrz,
        face=lds.parse_dg2(raw[2]) if 2 in raw else None,
        dg12=lds.parse_dg12(raw[12]) if 12 in raw else None,
        hashes_checked=tuple(checked),
    )


def identity_record(data: PassportData, *, reader_name: str = "", today: date | None = None) -> IdentityRecord:
    """The counter's record of a passport.

    valid_from is DG12's date of issue; a chip without it gives the date of birth, the
    only date the chip guarantees to precede issue. issuing_authority is DG12's issuing
    authority, else the issuing state's code.
    """
    mrz = data.mrz
    issue = data.dg12.issue_date if data.dg12 else None
    authority = data.dg12.issuing_authority if data.dg12 else ""
    try:
        birth = mrz.birth_date(today)
        expiry = mrz.expiry_date()
    except InvalidMrzError as error:
        raise CorruptDataError(detail=f"DG1: {error.message}") from None
    return IdentityRecord(
        card_type=CardType.PASSPORT,
        name=mrz.name,
        sex_code=_SEX_CODES.get(mrz.sex, "0"),
        ethnicity_code="",
        birth_date=birth,
        address="",
        id_number=mrz.document_number,
        issuing_authority=authority or mrz.issuing_state,
        valid_from=issue or birth,
        valid_to=expiry,
        nationality=mrz.nationality,
        photo_png=lds.face_to_png(data.face) if data.face else None,
        reader_name=reader_name,
    )
