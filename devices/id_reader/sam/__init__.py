"""GA/T 467 second-generation ID card reader over serial (SAM frame protocol).

Spec string: ``sam:<port>[?baud=<rate>][&wlt=<decoder library path>]``, see
`parse_sam_spec` and docs/sam-reader.md.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from devices.errors import DeviceSpecError
from devices.id_reader.sam.photo import PhotoDecoder, UnavailablePhotoDecoder, VendorLibraryPhotoDecoder
from devices.id_reader.sam.reader import DEFAULT_BAUD, SamSerialIdReader

__all__ = [
    "DEFAULT_BAUD",
    "PhotoDecoder",
    "SamSerialIdReader",
    "SamSpec",
    "UnavailablePhotoDecoder",
    "VendorLibraryPhotoDecoder",
    "open_sam_reader",
    "parse_sam_spec",
]

_OWN_KEYS = ("baud", "wlt")


class SamSpec:
    def __init__(self, port_url: str, baud: int, wlt_library: str | None) -> None:
        self.port_url = port_url
        self.baud = baud
        self.wlt_library = wlt_library


def parse_sam_spec(argument: str, spec: str = "") -> SamSpec:
    """Splits ``<port>[?baud=N][&wlt=PATH]`` into the port URL and the reader's options.

    `baud` and `wlt` are taken out of the query; any other query parameter stays on
    the port URL for pyserial (``socket://host:1234?logging=debug``). Raises
    DeviceSpecError for an empty port or a bad baud rate.
    """
    spec = spec or f"sam:{argument}"
    port, question, query = argument.strip().partition("?")
    if not port:
        raise DeviceSpecError("id_reader", spec, "expected 'sam:<port>', e.g. 'sam:/dev/ttyUSB0' or 'sam:COM4'")
    params = parse_qsl(query, keep_blank_values=True) if question else []
    own = {key: value for key, value in params if key in _OWN_KEYS}
    rest = [(key, value) for key, value in params if key not in _OWN_KEYS]
    baud = DEFAULT_BAUD
    if "baud" in own:
        try:
            baud = int(own["baud"])
        except ValueError:
            baud = 0
        if baud <= 0:
            raise DeviceSpecError("id_reader", spec, f"baud must be a positive whole number, not {own['baud']!r}")
    port_url = port + ("?" + urlencode(rest) if rest else "")
    return SamSpec(port_url, baud, own.get("wlt") or None)


def open_sam_reader(argument: str, spec: str = "") -> SamSerialIdReader:
    """The reader a ``sam:`` spec configures (the port opens on first use)."""
    parsed = parse_sam_spec(argument, spec)
    decoder: PhotoDecoder = (
        VendorLibraryPhotoDecoder(parsed.wlt_library) if parsed.wlt_library else UnavailablePhotoDecoder()
    )
    return SamSerialIdReader(parsed.port_url, parsed.baud, decoder)
