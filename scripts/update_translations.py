"""Refreshes resources/translations/*.ts from the source (English strings in tr(),
QCoreApplication.translate() and QT_TRANSLATE_NOOP()), keeping existing translations.

Run `make translations`, translate new entries (pyside6-linguist or any editor), commit
the .ts. `make` compiles the .qm; tests fail while a message is untranslated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS_FILES = [ROOT / "resources" / "translations" / "marriage_counter_zh_CN.ts"]


def source_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for pkg in ("app", "devices", "ui") for p in (ROOT / pkg).rglob("*.py"))


def lupdate(ts: Path, *extra: str) -> None:
    tool = Path(sys.executable).parent / "pyside6-lupdate"
    subprocess.run(
        [str(tool), *source_files(), "-ts", str(ts), "-target-language", "zh_CN", "-locations", "none", *extra],
        cwd=ROOT, check=True, capture_output=True,
    )


def main() -> None:
    for ts in TS_FILES:
        lupdate(ts, "-no-obsolete")
        print(f"updated {ts.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
