"""ICAO 9303-10 logical data structure: EF.COM, DG1, DG2, DG12 and EF.SOD hashes.

BER-TLV parsing is done here (no ASN.1 library): the LDS files and the parts of the
CMS SignedData in EF.SOD that carry the data-group hashes need only tag, length and
value. The document signer's signature is not checked (no CSCA master list here).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from PIL import Image, UnidentifiedImageError

from devices.errors import CorruptDataError

# File identifiers (ICAO 9303-10 §4.6.1) and the LDS tags EF.COM lists.
EF_COM = 0x011E
EF_SOD = 0x011D
DG_FILES = {n: 0x0100 + n for n in range(1, 17)}
DG_TAGS = {
    0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
    0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}  # fmt: skip

_HASHES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_OID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"


@dataclass(frozen=True, slots=True)
class Tlv:
    tag: int
    value: bytes
    constructed: bool

    def children(self) -> list[Tlv]:
        return parse_tlvs(self.value)

    def find(self, tag: int) -> Tlv | None:
        return next((child for child in self.children() if child.tag == tag), None)

    def require(self, tag: int, what: str) -> Tlv:
        found = self.find(tag)
        if found is None:
            raise CorruptDataError(detail=f"{what}: tag {tag:X} missing")
        return found


def read_tlv(buffer: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """One BER-TLV at `pos`: (the TLV, the position after it). Definite lengths only."""
    try:
        first = buffer[pos]
        tag = first
        pos += 1
        if first & 0x1F == 0x1F:
            while True:
                byte = buffer[pos]
                tag = (tag << 8) | byte
                pos += 1
                if not byte & 0x80:
                    break
                if tag > 0xFFFFFF:
                    raise CorruptDataError(detail="tag too long")
        length = buffer[pos]
        pos += 1
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4:
                raise CorruptDataError(detail="unsupported length encoding")
            length = int.from_bytes(buffer[pos : pos + count], "big")
            if len(buffer[pos : pos + count]) != count:
                raise IndexError
            pos += count
    except IndexError:
        raise CorruptDataError(detail="truncated TLV") from None
    end = pos + length
    if end > len(buffer):
        raise CorruptDataError(detail=f"TLV {tag:X} is {length} bytes but only {len(buffer) - pos} remain")
    return Tlv(tag, bytes(buffer[pos:end]), bool(first & 0x20)), end


def parse_tlvs(buffer: bytes) -> list[Tlv]:
    items: list[Tlv] = []
    pos = 0
    while pos < len(buffer):
        if buffer[pos] in (0x00, 0xFF) and buffer[pos:].count(buffer[pos]) == len(buffer) - pos:
            break  # padding at the end of a file (one pass: a hostile file of 00 00… stays linear)
        item, pos = read_tlv(buffer, pos)
        items.append(item)
    return items


def total_length(header: bytes) -> int | None:
    """The length of a whole TLV file from its first bytes, or None if more are needed."""
    pos = 1
    if not header:
        return None
    if header[0] & 0x1F == 0x1F:
        while pos < len(header) and header[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= len(header):
        return None
    length = header[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise CorruptDataError(detail="unsupported length encoding")
        if pos + count > len(header):
            return None
        length = int.from_bytes(header[pos : pos + count], "big")
        pos += count
    return pos + length


def _file(data: bytes, tag: int, what: str) -> Tlv:
    items = parse_tlvs(data)
    if not items or items[0].tag != tag:
        raise CorruptDataError(detail=f"{what}: expected tag {tag:X}")
    return items[0]


@dataclass(frozen=True, slots=True)
class EfCom:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def parse_ef_com(data: bytes) -> EfCom:
    com = _file(data, 0x60, "EF.COM")
    version = com.find(0x5F01)
    unicode_version = com.find(0x5F36)
    tags = com.require(0x5C, "EF.COM").value
    groups = tuple(sorted({DG_TAGS[t] for t in tags if t in DG_TAGS}))
    return EfCom(
        version.value.decode("ascii", "replace") if version else "",
        unicode_version.value.decode("ascii", "replace") if unicode_version else "",
        groups,
    )


def parse_dg1(data: bytes) -> str:
    """The MRZ text of DG1, lines joined by newlines (TD1 3x30, TD2 2x36, TD3 2x44)."""
    mrz = _file(data, 0x61, "DG1").require(0x5F1F, "DG1").value.decode("ascii", "replace")
    width = {90: 30, 72: 36, 88: 44}.get(len(mrz))
    if width is None:
        raise CorruptDataError(detail=f"DG1: an MRZ of {len(mrz)} characters")
    return "\n".join(mrz[i : i + width] for i in range(0, len(mrz), width))


@dataclass(frozen=True, slots=True)
class FaceImage:
    mime: str  # "image/jpeg" or "image/jp2"
    data: bytes


_JPEG = b"\xff\xd8\xff"
_JP2 = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K = b"\xff\x4f\xff\x51"


def parse_dg2(data: bytes) -> FaceImage:
    """The first face image of DG2 (ISO/IEC 19794-5 record inside CBEFF templates)."""
    group = _file(data, 0x75, "DG2").require(0x7F61, "DG2")
    template = group.require(0x7F60, "DG2 biometric information template")
    block = template.find(0x5F2E) or template.find(0x7F2E)
    if block is None:
        raise CorruptDataError(detail="DG2: no biometric data block")
    return _face_from_record(block.value)


def _face_from_record(record: bytes) -> FaceImage:
    if record[:4] == b"FAC\x00" and len(record) >= 14 + 20:
        # general header 14 bytes; facial record header 20; feature points 8 each; image info 12
        points = int.from_bytes(record[14 + 4 : 14 + 6], "big")
        info = 14 + 20 + 8 * points
        if len(record) >= info + 12:
            kind = record[info + 1]
            image = record[info + 12 :]
            if kind == 0 and image.startswith(_JPEG):
                return FaceImage("image/jpeg", image)
            if kind == 1 and (image.startswith(_JP2) or image.startswith(_J2K)):
                return FaceImage("image/jp2", image)
    # a non-conforming header: find the image by its signature
    for magic, mime in ((_JPEG, "image/jpeg"), (_JP2, "image/jp2"), (_J2K, "image/jp2")):
        at = record.find(magic)
        if at >= 0:
            return FaceImage(mime, record[at:])
    raise CorruptDataError(detail="DG2: no JPEG or JPEG 2000 image in the facial record")


# A passport face is about 400x500 px (ICAO 9303-9); anything near this is not one.
MAX_FACE_PIXELS = 4000 * 4000


def face_to_png(face: FaceImage) -> bytes:
    """Decodes JPEG or JPEG 2000 with Pillow and re-encodes as PNG."""
    try:
        with Image.open(io.BytesIO(face.data)) as image:
            if image.width * image.height > MAX_FACE_PIXELS:  # before decoding: no memory bomb
                size = f"{image.width}x{image.height}"
                raise CorruptDataError(detail=f"DG2: the face image is {size} px, implausibly large")
            image.load()
            converted = image.convert("RGB") if image.mode not in ("RGB", "L") else image
            out = io.BytesIO()
            converted.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise CorruptDataError(detail=f"DG2: the face image cannot be decoded ({type(error).__name__})") from error
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Dg12:
    issue_date: date | None = None
    issuing_authority: str = ""


def parse_dg12(data: bytes) -> Dg12:
    """Additional document details: date of issue (5F26) and issuing authority (5F19)."""
    group = _file(data, 0x6C, "DG12")
    authority = group.find(0x5F19)
    issued = group.find(0x5F26)
    issue_date: date | None = None
    if issued is not None:
        text = issued.value.decode("ascii", "replace")
        if len(text) == 4 and issued.value.hex().isdigit():  # BCD YYYYMMDD (early LDS)
            text = issued.value.hex()
        try:
            issue_date = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            issue_date = None
    return Dg12(issue_date, authority.value.decode("utf-8", "replace").strip() if authority else "")


@dataclass(frozen=True, slots=True)
class SecurityObject:
    hash_algorithm: str  # hashlib name
    hashes: dict[int, bytes] = field(default_factory=dict)

    def verify(self, group: int, content: bytes) -> None:
        """Raises CorruptDataError if the data group's hash differs from EF.SOD's."""
        expected = self.hashes.get(group)
        if expected is None:
            raise CorruptDataError(detail=f"DG{group} has no hash in EF.SOD")
        if hashlib.new(self.hash_algorithm, content).digest() != expected:
            raise CorruptDataError(detail=f"DG{group} does not match its hash in EF.SOD")


def decode_oid(value: bytes) -> str:
    if not value:
        raise CorruptDataError(detail="empty OID")
    parts: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(current)
            current = 0
    if not parts:  # the last byte still says "more follows"
        raise CorruptDataError(detail="truncated OID")
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first, *parts[1:]])


def parse_sod(data: bytes) -> SecurityObject:
    """The data-group hashes of EF.SOD (tag 77: CMS ContentInfo with SignedData whose
    eContent is an LDSSecurityObject)."""
    content_info = _file(data, 0x77, "EF.SOD").require(0x30, "EF.SOD ContentInfo")
    explicit = content_info.require(0xA0, "EF.SOD ContentInfo")
    signed_data = explicit.require(0x30, "EF.SOD SignedData")
    encap = next((c for c in signed_data.children()[2:] if c.tag == 0x30), None)
    if encap is None:
        raise CorruptDataError(detail="EF.SOD: no encapsulated content")
    children = encap.children()
    if not children or children[0].tag != 0x06:
        raise CorruptDataError(detail="EF.SOD: no content type")
    if decode_oid(children[0].value) != _OID_LDS_SECURITY_OBJECT:
        raise CorruptDataError(detail="EF.SOD: the content is not an LDS security object")
    e_content = encap.require(0xA0, "EF.SOD eContent").require(0x04, "EF.SOD eContent")
    lds_object = _file(e_content.value, 0x30, "LDSSecurityObject").children()
    if len(lds_object) < 3:
        raise CorruptDataError(detail="LDSSecurityObject: too few fields")
    algorithm_id = lds_object[1].require(0x06, "LDSSecurityObject hash algorithm")
    oid = decode_oid(algorithm_id.value)
    algorithm = _HASHES.get(oid)
    if algorithm is None:
        raise CorruptDataError(detail=f"EF.SOD: unknown hash algorithm {oid}")
    hashes: dict[int, bytes] = {}
    for entry in lds_object[2].children():
        number = entry.require(0x02, "DataGroupHash").value
        value = entry.require(0x04, "DataGroupHash").value
        hashes[int.from_bytes(number, "big")] = value
    return SecurityObject(algorithm, hashes)
