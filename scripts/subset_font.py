"""Rebuild resources/fonts/CounterKai-GB2312.ttf from LXGW WenKai (OFL-1.1).

Why a subset: the full font is 15.7 MB; the GB 2312 repertoire (6,763 hanzi plus
ASCII and CJK punctuation) covers the forms and nearly all names at 3.6 MB.
Why WenKai: its TrueType outlines give a PDF ToUnicode map that pdftotext reads
back exactly (Noto CJK's CFF outlines lose digits after Latin letters and map
人/日/民 to radical code points, see shared/docs/notes/packaging-and-qt.md §6).
Why renamed: OFL-1.1 reserves the names "LXGW"/"霞鹜" for unmodified builds,
and a subset is a modified version.

Usage (on Debian: apt-get install fonts-lxgw-wenkai):
    python scripts/subset_font.py /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Counter Kai SC"
OUT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "CounterKai-GB2312.ttf"


def gb2312_repertoire() -> set[str]:
    chars: set[str] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([lead, trail]).decode("gb2312"))
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFF66)}
    # Radical code points share glyphs with ordinary hanzi; leaving them out keeps
    # the reverse map (glyph -> text) in generated PDFs unambiguous.
    chars -= {chr(c) for c in range(0x2E80, 0x2FE0)}
    return chars


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    options.name_IDs = ["*"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(gb2312_repertoire())))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
        elif record.nameID == 3:
            record.string = FAMILY + " Regular (GB2312 subset)"
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
