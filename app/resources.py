"""Locating shipped resources and loading reference tables (region codes)."""

from __future__ import annotations

import csv
import sys
from functools import cache
from pathlib import Path


def resources_dir() -> Path:
    """`resources/` next to the packages, or inside a PyInstaller bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


@cache
def region_codes() -> frozenset[str]:
    """Current and retired GB/T 2260 county codes: an ID number keeps the code it was
    assigned under for life (居民身份证法 Art. 3), so retired codes stay valid."""
    codes: set[str] = set()
    for name in ("regions-gbt2260.csv", "regions-gbt2260-retired.csv"):
        with (resources_dir() / "data" / name).open(encoding="utf-8") as handle:
            rows = (line for line in handle if not line.startswith("#"))
            codes.update(row["code"] for row in csv.DictReader(rows))
    return frozenset(codes)


@cache
def region_name(code: str) -> str:
    with (resources_dir() / "data" / "regions-gbt2260.csv").open(encoding="utf-8") as handle:
        rows = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(rows):
            if row["code"] == code:
                return row["name"]
    return ""
