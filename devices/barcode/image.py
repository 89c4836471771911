"""The image a barcode decoder reads, opened once for every backend."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from devices.errors import CorruptDataError

# Guards Pillow against decompression bombs: a counter never scans anything this large.
_MAX_PIXELS = 80_000_000


def open_image(device: str, data: bytes) -> Image.Image:
    if not data:
        raise CorruptDataError(device, detail="the image is empty (0 bytes)")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > _MAX_PIXELS:
            raise CorruptDataError(device, detail=f"the image is too large ({image.width} × {image.height} px)")
        image.load()  # decode now: Image.open only reads the header
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        # Pillow reports truncated or malformed files with several exception types.
        raise CorruptDataError(device, detail=f"not a readable image ({type(error).__name__})") from error
    return image
