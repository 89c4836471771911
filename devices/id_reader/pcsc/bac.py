"""ICAO 9303-11 Basic Access Control and secure messaging (3DES, retail MAC, SSC).

Pure functions and a small session object over a `transmit` callable, so that the
crypto is checked against the worked example of ICAO 9303-11 Appendix D without any
card, and the same code runs behind pyscard.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from devices.errors import CorruptDataError
from devices.id_reader.pcsc.errors import AccessDeniedError

# transmit(apdu) -> (response data, SW1SW2)
Transmit = Callable[[bytes], tuple[bytes, int]]

ENC_COUNTER = b"\x00\x00\x00\x01"
MAC_COUNTER = b"\x00\x00\x00\x02"
_ZERO_IV = bytes(8)


class ApduError(Exception):
    """A card answered with a status word other than 9000 (the caller maps it)."""

    def __init__(self, sw: int, what: str) -> None:
        super().__init__(f"{what}: SW {sw:04X}")
        self.sw = sw
        self.what = what


def adjust_parity(key: bytes) -> bytes:
    """Sets the DES odd-parity bit (least significant) of every byte."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | (bin(high).count("1") + 1) % 2)
    return bytes(out)


def derive_key(seed: bytes, counter: bytes) -> bytes:
    """A 16-byte two-key 3DES key from a 16-byte seed (ICAO 9303-11 §9.7.1)."""
    return adjust_parity(hashlib.sha1(seed + counter).digest()[:16])


def key_seed(mrz_information: str) -> bytes:
    """Kseed: the first 16 bytes of SHA-1 over the MRZ information."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def bac_keys(mrz_information: str) -> tuple[bytes, bytes]:
    """(Kenc, Kmac) for "L898902C<369080619406236"-style MRZ information."""
    seed = key_seed(mrz_information)
    return derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER)


def _3des(key: bytes) -> TripleDES:
    return TripleDES(key + key[:8] if len(key) == 16 else key)


def tdes_encrypt(key: bytes, data: bytes) -> bytes:
    encryptor = Cipher(_3des(key), modes.CBC(_ZERO_IV)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def tdes_decrypt(key: bytes, data: bytes) -> bytes:
    decryptor = Cipher(_3des(key), modes.CBC(_ZERO_IV)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def _des_ecb(key8: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key8 * 3), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80, then zeros to a multiple of 8."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % 8)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise CorruptDataError(detail="secure messaging: bad padding in the decrypted data")
    return stripped[:-1]


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES (the 'retail MAC'); `data` is already padded."""
    if len(data) % 8:
        raise ValueError("retail_mac needs padded data")
    ka, kb = key[:8], key[8:16]
    y = bytes(8)
    for i in range(0, len(data), 8):
        block = bytes(a ^ b for a, b in zip(y, data[i : i + 8], strict=True))
        y = _des_ecb(ka, block)
    return _des_ecb(ka, _des_ecb(kb, y, decrypt=True))


@dataclass
class SessionKeys:
    ks_enc: bytes
    ks_mac: bytes
    ssc: int  # send sequence counter, 8 bytes big-endian

    def next_ssc(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << 64)
        return self.ssc.to_bytes(8, "big")


def mutual_authenticate_command(
    k_enc: bytes, k_mac: bytes, rnd_icc: bytes, rnd_ifd: bytes, k_ifd: bytes
) -> bytes:
    """The 40-byte data of MUTUAL AUTHENTICATE: E.IFD || M.IFD."""
    e_ifd = tdes_encrypt(k_enc, rnd_ifd + rnd_icc + k_ifd)
    return e_ifd + retail_mac(k_mac, pad(e_ifd))


def session_from_response(
    k_enc: bytes, k_mac: bytes, rnd_icc: bytes, rnd_ifd: bytes, k_ifd: bytes, response: bytes
) -> SessionKeys:
    """Checks the card's MUTUAL AUTHENTICATE answer and derives KSenc, KSmac and the SSC."""
    if len(response) != 40:
        raise CorruptDataError(detail=f"BAC: the chip answered {len(response)} bytes instead of 40")
    e_icc, m_icc = response[:32], response[32:]
    if retail_mac(k_mac, pad(e_icc)) != m_icc:
        raise CorruptDataError(detail="BAC: the chip's authentication MAC is wrong")
    plain = tdes_decrypt(k_enc, e_icc)
    if plain[0:8] != rnd_icc or plain[8:16] != rnd_ifd:
        raise CorruptDataError(detail="BAC: the chip's answer does not contain our challenge")
    k_icc = plain[16:32]
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc, strict=True))
    return SessionKeys(
        derive_key(seed, ENC_COUNTER),
        derive_key(seed, MAC_COUNTER),
        int.from_bytes(rnd_icc[4:8] + rnd_ifd[4:8], "big"),
    )


def perform_bac(
    transmit: Transmit, mrz_information: str, *, random: Callable[[int], bytes] = os.urandom
) -> SessionKeys:
    """GET CHALLENGE + MUTUAL AUTHENTICATE. Raises AccessDeniedError when the chip
    refuses the keys (wrong MRZ), ApduError for other status words."""
    k_enc, k_mac = bac_keys(mrz_information)
    rnd_icc, sw = transmit(bytes.fromhex("0084000008"))
    if sw != 0x9000 or len(rnd_icc) != 8:
        raise ApduError(sw, "GET CHALLENGE")
    rnd_ifd, k_ifd = random(8), random(16)
    data = mutual_authenticate_command(k_enc, k_mac, rnd_icc, rnd_ifd, k_ifd)
    response, sw = transmit(bytes.fromhex("00820000") + bytes([len(data)]) + data + b"\x28")
    if sw in (0x6300, 0x6982, 0x6988) or sw & 0xFFF0 == 0x63C0:
        raise AccessDeniedError(detail=f"SW {sw:04X}")
    if sw != 0x9000:
        raise ApduError(sw, "MUTUAL AUTHENTICATE")
    try:
        return session_from_response(k_enc, k_mac, rnd_icc, rnd_ifd, k_ifd, response)
    except CorruptDataError as error:
        # a chip that answers 9000 with a cryptogram we cannot check has other keys
        raise AccessDeniedError(detail=str(error.params.get("detail", ""))) from error


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + length + value


class SecureMessaging:
    """Wraps command APDUs and unwraps responses with the BAC session keys."""

    def __init__(self, keys: SessionKeys) -> None:
        self.keys = keys

    def wrap(self, apdu: bytes) -> bytes:
        """A short, case 1-4 plain APDU → its protected form (CLA | 0x0C)."""
        header = bytes([apdu[0] | 0x0C]) + apdu[1:4]
        body = apdu[4:]
        data = b""
        le: bytes | None = None
        if len(body) == 1:
            le = body
        elif len(body) > 1:
            lc = body[0]
            data = body[1 : 1 + lc]
            if len(body) == lc + 2:
                le = body[-1:]
            elif len(body) != lc + 1:
                raise ValueError("malformed APDU")
        do87 = _tlv(0x87, b"\x01" + tdes_encrypt(self.keys.ks_enc, pad(data))) if data else b""
        do97 = _tlv(0x97, le) if le is not None else b""
        ssc = self.keys.next_ssc()
        mac = retail_mac(self.keys.ks_mac, pad(ssc + pad(header) + do87 + do97))
        protected = do87 + do97 + _tlv(0x8E, mac)
        return header + bytes([len(protected)]) + protected + b"\x00"

    def unwrap(self, response: bytes, sw: int) -> tuple[bytes, int]:
        """Checks the MAC of a protected response and returns (plain data, SW).

        An unprotected *error* status (no data objects) is returned as it is; the SSC
        still advances, as the chip's did. A success without protection is refused: an
        attacker could otherwise answer for the chip (ICAO 9303-11 §9.8.6: DO99 and DO8E
        are mandatory in a protected response).
        """
        ssc = self.keys.next_ssc()
        if not response:
            if sw == 0x9000:
                raise CorruptDataError(detail="secure messaging: an unprotected success answer")
            return b"", sw
        objects: dict[int, bytes] = {}
        raw: list[bytes] = []
        pos = 0
        while pos < len(response):
            tag = response[pos]
            length, pos_value = _length(response, pos + 1)
            end = pos_value + length
            if end > len(response):
                raise CorruptDataError(detail="secure messaging: truncated response")
            objects[tag] = response[pos_value:end]
            if tag != 0x8E:
                raw.append(response[pos:end])
            pos = end
        mac = objects.get(0x8E)
        if mac is None:
            raise CorruptDataError(detail="secure messaging: the response has no MAC")
        if retail_mac(self.keys.ks_mac, pad(ssc + b"".join(raw))) != mac:
            raise CorruptDataError(detail="secure messaging: the response MAC is wrong")
        status = objects.get(0x99)
        if status is None or len(status) != 2:
            raise CorruptDataError(detail="secure messaging: the response has no protected status (DO99)")
        if int.from_bytes(status, "big") != sw:
            raise CorruptDataError(detail="secure messaging: the protected status differs from the card's")
        data = b""
        if 0x87 in objects:
            encrypted = objects[0x87]
            if not encrypted or encrypted[0] != 0x01 or (len(encrypted) - 1) % 8:
                raise CorruptDataError(detail="secure messaging: malformed encrypted data object")
            data = unpad(tdes_decrypt(self.keys.ks_enc, encrypted[1:]))
        return data, sw


def _length(buffer: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(buffer):
        raise CorruptDataError(detail="secure messaging: truncated length")
    first = buffer[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 3 or pos + 1 + count > len(buffer):
        raise CorruptDataError(detail="secure messaging: bad length")
    return int.from_bytes(buffer[pos + 1 : pos + 1 + count], "big"), pos + 1 + count
