"""An ICAO 9303 eMRTD (passport chip) with BAC, served to pcscd through vsmartcard's vpcd.

Written for these tests, independently of devices.id_reader.pcsc (its own TLV builder,
key derivation, MAC and secure messaging), so that the reader is checked against a
second implementation and not against itself.

vpcd wire protocol: TCP to vpcd's port (pcscd's vpcd driver listens), every message
preceded by a 2-byte big-endian length; a 1-byte message is a control (0 power off,
1 power on, 2 reset, 4 "send the ATR"), anything longer is a C-APDU whose answer is
the R-APDU. The card is in the field while the connection is open.
"""

from __future__ import annotations

import hashlib
import io
import os
import select
import socket
import struct
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from PIL import Image, ImageDraw

ATR = bytes.fromhex("3B8880010000000000718100F9")  # contactless, ISO 14443-4 type B style
AID = bytes.fromhex("A0000002471001")
SW_OK = b"\x90\x00"


# --- encoding helpers ------------------------------------------------------------------


def tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    elif n < 0x10000:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    else:
        length = bytes([0x83]) + n.to_bytes(3, "big")
    return tag_bytes + length + value


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def der_int(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big"))


def mrz_check(text: str) -> str:
    values = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10)


# --- the fake passport -----------------------------------------------------------------


@dataclass
class Passport:
    """An invented person in the ICAO specimen state Utopia (UTO)."""

    surname: str = "TESTER"
    given_names: str = "ALICE MARIE"
    document_number: str = "C01X00T47"
    nationality: str = "UTO"
    birth: str = "900415"  # YYMMDD
    sex: str = "F"
    expiry: str = "330414"
    issue_date: str = "20230415"
    authority: str = "UTOPIA PASSPORT OFFICE"
    face_jpeg: bytes = field(default_factory=lambda: face_jpeg())

    @property
    def mrz_lines(self) -> tuple[str, str]:
        names = (self.surname + "<<" + self.given_names.replace(" ", "<")).ljust(39, "<")
        line1 = f"P<{self.nationality}{names}"
        number = self.document_number.ljust(9, "<")
        optional = "<" * 14
        part = (
            number + mrz_check(number) + self.nationality + self.birth + mrz_check(self.birth) + self.sex
            + self.expiry + mrz_check(self.expiry) + optional + mrz_check(optional)
        )
        composite = part[0:10] + part[13:20] + part[21:43]
        return line1, part + mrz_check(composite)

    @property
    def mrz(self) -> str:
        return "\n".join(self.mrz_lines)

    @property
    def mrz_information(self) -> str:
        number = self.document_number.ljust(9, "<")
        return number + mrz_check(number) + self.birth + mrz_check(self.birth) + self.expiry + mrz_check(self.expiry)


def face_jpeg(width: int = 240, height: int = 320) -> bytes:
    """A generated portrait: a face-like drawing on a light background, as JPEG."""
    image = Image.new("RGB", (width, height), (225, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((50, 50, 190, 230), fill=(231, 190, 160))
    draw.ellipse((85, 110, 105, 125), fill=(40, 40, 60))
    draw.ellipse((135, 110, 155, 125), fill=(40, 40, 60))
    draw.arc((90, 150, 150, 200), 20, 160, fill=(150, 60, 60), width=4)
    draw.rectangle((60, 240, 180, 320), fill=(40, 70, 120))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def facial_record(jpeg: bytes, width: int, height: int) -> bytes:
    """An ISO/IEC 19794-5 (2005) record with one JPEG face image."""
    face_header = struct.pack(">IHBBB3sH3s3s", 20 + 12 + len(jpeg), 0, 2, 0, 0, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")
    image_info = struct.pack(">BBHHBBHH", 1, 0, width, height, 1, 2, 0, 0)
    body = face_header + image_info + jpeg
    return b"FAC\x00" + b"010\x00" + struct.pack(">IH", 14 + len(body), 1) + body


def build_files(passport: Passport, *, tamper_dg2_hash: bool = False, with_sod: bool = True) -> dict[int, bytes]:
    line1, line2 = passport.mrz_lines
    dg1 = tlv(0x61, tlv(0x5F1F, (line1 + line2).encode("ascii")))
    with Image.open(io.BytesIO(passport.face_jpeg)) as image:
        width, height = image.size
    bht = tlv(0xA1, tlv(0x80, b"\x01\x01") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08"))
    bit = tlv(0x7F60, bht + tlv(0x5F2E, facial_record(passport.face_jpeg, width, height)))
    dg2 = tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + bit))
    dg12 = tlv(0x6C, tlv(0x5C, bytes.fromhex("5F195F26")) + tlv(0x5F19, passport.authority.encode())
               + tlv(0x5F26, passport.issue_date.encode()))
    com = tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, bytes([0x61, 0x75, 0x6C])))
    files = {0x011E: com, 0x0101: dg1, 0x0102: dg2, 0x010C: dg12}
    if with_sod:
        hashes = {1: dg1, 2: dg2, 12: dg12}
        entries = b""
        for number, content in hashes.items():
            digest = hashlib.sha256(content).digest()
            if tamper_dg2_hash and number == 2:
                digest = bytes([digest[0] ^ 1]) + digest[1:]
            entries += tlv(0x30, der_int(number) + tlv(0x04, digest))
        sha256 = tlv(0x30, der_oid("2.16.840.1.101.3.4.2.1"))
        lds_object = tlv(0x30, der_int(0) + sha256 + tlv(0x30, entries))
        encap = tlv(0x30, der_oid("2.23.136.1.1.1") + tlv(0xA0, tlv(0x04, lds_object)))
        signed = tlv(0x30, der_int(3) + tlv(0x31, sha256) + encap + tlv(0x31, b""))
        files[0x011D] = tlv(0x77, tlv(0x30, der_oid("1.2.840.113549.1.7.2") + tlv(0xA0, signed)))
    return files


# --- crypto, written out once more -----------------------------------------------------


def _parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | (1 - bin(b & 0xFE).count("1") % 2) for b in key)


def _kdf(seed: bytes, counter: int) -> bytes:
    return _parity(hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()[:16])


def _cbc(key: bytes, data: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key + key[:8]), modes.CBC(bytes(8)))
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(data) + ctx.finalize()


def _pad(data: bytes) -> bytes:
    return data + b"\x80" + bytes((7 - len(data)) % 8)


def _mac(key: bytes, data: bytes) -> bytes:
    """Retail MAC as CBC-3DES of the last block over single-DES CBC of the rest."""
    data = _pad(data)
    single = Cipher(TripleDES(key[:8] * 3), modes.CBC(bytes(8))).encryptor()
    chained = single.update(data[:-8]) + single.finalize() if len(data) > 8 else bytes(8)
    last = bytes(a ^ b for a, b in zip(chained[-8:], data[-8:], strict=True))
    full = Cipher(TripleDES(key + key[:8]), modes.ECB()).encryptor()
    return full.update(last) + full.finalize()


def _parse_dos(data: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(data):
        tag = data[pos]
        length = data[pos + 1]
        pos += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        out[tag] = data[pos : pos + length]
        pos += length
    return out


# --- the card --------------------------------------------------------------------------


class EmrtdCard:
    """The chip's APDU handler (ISO 7816-4 subset + ICAO 9303-11 BAC)."""

    def __init__(self, passport: Passport, *, tamper_dg2_hash: bool = False, with_sod: bool = True) -> None:
        self.passport = passport
        self.files = build_files(passport, tamper_dg2_hash=tamper_dg2_hash, with_sod=with_sod)
        seed = hashlib.sha1(passport.mrz_information.encode()).digest()[:16]
        self.k_enc, self.k_mac = _kdf(seed, 1), _kdf(seed, 2)
        self.log: list[str] = []
        self.leave_after: int | None = None  # leave the field after this many APDUs
        self.reset()

    def reset(self) -> None:
        self.app_selected = False
        self.selected: int | None = None
        self.rnd_icc: bytes | None = None
        self.session: tuple[bytes, bytes] | None = None
        self.ssc = 0

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins = apdu[0], apdu[1]
        self.log.append(f"{cla:02X}{ins:02X}")
        if cla & 0x0C == 0x0C:
            return self._secure(apdu)
        if self.session is not None:  # a plain command ends the secure session
            self.session = None
            self.selected = None
        if ins == 0xA4 and apdu[2] == 0x04:
            data = apdu[5 : 5 + apdu[4]]
            self.reset()
            self.app_selected = data == AID
            return SW_OK if self.app_selected else b"\x6a\x82"
        if not self.app_selected:
            return b"\x69\x85"
        if ins == 0x84:
            self.rnd_icc = os.urandom(8)
            return self.rnd_icc + SW_OK
        if ins == 0x82:
            return self._mutual_authenticate(apdu[5 : 5 + apdu[4]])
        if ins in (0xA4, 0xB0):
            return b"\x69\x82"  # security status not satisfied: BAC first
        return b"\x6d\x00"

    def _mutual_authenticate(self, data: bytes) -> bytes:
        rnd_icc, self.rnd_icc = self.rnd_icc, None
        if rnd_icc is None or len(data) != 40:
            return b"\x69\x85"
        e_ifd, m_ifd = data[:32], data[32:]
        if _mac(self.k_mac, e_ifd) != m_ifd:
            return b"\x63\x00"
        plain = _cbc(self.k_enc, e_ifd, decrypt=True)
        rnd_ifd, k_ifd = plain[0:8], plain[16:32]
        if plain[8:16] != rnd_icc:
            return b"\x63\x00"
        k_icc = os.urandom(16)
        e_icc = _cbc(self.k_enc, rnd_icc + rnd_ifd + k_icc)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc, strict=True))
        self.session = (_kdf(seed, 1), _kdf(seed, 2))
        self.ssc = int.from_bytes(rnd_icc[4:] + rnd_ifd[4:], "big")
        return e_icc + _mac(self.k_mac, e_icc) + SW_OK

    def _secure(self, apdu: bytes) -> bytes:
        if self.session is None:
            return b"\x69\x88"
        ks_enc, ks_mac = self.session
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        dos = _parse_dos(body)
        self.ssc += 1
        macced = _pad(self.ssc.to_bytes(8, "big") + apdu[:4])
        for tag in (0x87, 0x97):
            if tag in dos:
                macced += tlv(tag, dos[tag])
        if dos.get(0x8E) != _mac(ks_mac, macced):
            self.session = None
            return b"\x69\x88"
        data = b""
        if 0x87 in dos:
            decrypted = _cbc(ks_enc, dos[0x87][1:], decrypt=True).rstrip(b"\x00")
            data = decrypted[:-1]
        le = dos[0x97][0] if 0x97 in dos else None
        answer, sw = self._plain(apdu[1], apdu[2], apdu[3], data, le)
        self.ssc += 1
        response = tlv(0x87, b"\x01" + _cbc(ks_enc, _pad(answer))) if answer else b""
        response += tlv(0x99, sw)
        response += tlv(0x8E, _mac(ks_mac, self.ssc.to_bytes(8, "big") + response))
        return response + sw

    def _plain(self, ins: int, p1: int, p2: int, data: bytes, le: int | None) -> tuple[bytes, bytes]:
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big")
            if fid not in self.files:
                self.selected = None
                return b"", b"\x6a\x82"
            self.selected = fid
            return b"", SW_OK
        if ins == 0xB0:
            if self.selected is None:
                return b"", b"\x69\x86"
            content = self.files[self.selected]
            offset = (p1 << 8) | p2
            if offset > len(content):
                return b"", b"\x6b\x00"
            length = 256 if le in (None, 0) else le
            chunk = content[offset : offset + length]
            return chunk, (SW_OK if len(chunk) == length else b"\x62\x82")
        return b"", b"\x6d\x00"


# --- the vpcd connection ---------------------------------------------------------------


class VpcdCard:
    """Puts an EmrtdCard into vpcd's reader slot on `port` while inserted.

    insert() connects (the card enters the field), remove() disconnects. One thread
    serves the connection; remove() and close() join it.
    """

    def __init__(self, card: EmrtdCard, port: int, host: str = "127.0.0.1") -> None:
        self.card = card
        self.address = (host, port)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def insert(self) -> None:
        if self.inserted:
            return
        self._stop.clear()
        self._sock = socket.create_connection(self.address, timeout=2.0)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.card.reset()
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    close = remove

    def _recv(self, sock: socket.socket, count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            while not self._stop.is_set():
                ready, _, _ = select.select([sock], [], [], 0.05)
                if ready:
                    break
            if self._stop.is_set():
                return None
            chunk = sock.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
            # vpcd writes the length and the APDU separately: acknowledge at once, or
            # Nagle on its side waits for our delayed ACK (~40 ms per APDU)
            if hasattr(socket, "TCP_QUICKACK"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return data

    def _serve(self, sock: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                header = self._recv(sock, 2)
                if header is None:
                    return
                message = self._recv(sock, int.from_bytes(header, "big"))
                if message is None:
                    return
                if len(message) == 1:
                    if message[0] in (0, 1, 2):  # off, on, reset: no answer
                        self.card.reset()
                        continue
                    answer = ATR if message[0] == 4 else b""
                else:
                    if self.card.leave_after is not None and len(self.card.log) >= self.card.leave_after:
                        sock.shutdown(socket.SHUT_RDWR)  # the card leaves the field mid-read
                        return
                    answer = self.card.process(message)
                sock.sendall(len(answer).to_bytes(2, "big") + answer)
        except OSError:
            return
