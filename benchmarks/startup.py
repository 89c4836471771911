"""Size and start time of the frozen bundle next to a bare PySide6 window, in one run.

    make dist && .venv/bin/python benchmarks/startup.py [runs] [--drop-caches]

What is measured, each as wall time from process spawn, in fresh processes:

  bare window     venv Python: import PySide6, a QMainWindow with a label shown
                  offscreen, until its Show event (the floor any Qt app pays)
  app, venv       the counter from the source tree (packaging/pyinstaller/entry.py)
  app, frozen     dist/marriage-counter/marriage-counter
                  both: `--simulate` with MARRIAGE_COUNTER_STARTUP_PROBE=1, until the
                  main window's Show event: configuration, empty local and central
                  SQLite stores created (migrations), simulated devices opened, every
                  page built; a fresh data folder per run
  --version       the frozen bundle's bootloader + interpreter + argument parsing only

The first run of each is printed apart as "first"; the rest as the median. "First" is
cold only with --drop-caches (root; it empties the page cache of the whole machine):
otherwise the files were probably just written or read and are in the page cache, so
expect more on a counter PC with a cold HDD. Ratios are frozen app / bare window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLE = REPO_ROOT / "dist" / "marriage-counter"
FROZEN = BUNDLE / "marriage-counter"
MARKER = "first-window-shown"

BARE_WINDOW = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Show and watched is window:
            print("{MARKER}", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
window = QMainWindow()
window.setCentralWidget(QLabel("婚姻登记柜台"))
probe = Probe()
window.installEventFilter(probe)
window.resize(1280, 800)
window.show()
app.exec()
"""


def _env(home: Path, *, probe: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MARRIAGE_COUNTER_", "PYTHON"))}
    if probe:  # the first-window marker; never for --version, which must not start Qt
        env["MARRIAGE_COUNTER_STARTUP_PROBE"] = "1"
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        QT_QPA_PLATFORM="offscreen",
        MARRIAGE_COUNTER_DATA_DIR=str(home / "data"),
        MARRIAGE_COUNTER_LOG_LEVEL="WARNING",
    )
    return env


def time_to_marker(command: list[str], marker: str | None) -> float:
    """Seconds from spawn to the marker line on stdout (or to exit when None)."""
    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        home = Path(scratch)
        start = time.perf_counter()
        # stderr to a file: a chatty child must not fill a pipe nobody reads while stdout is looped
        errors = home / "stderr.txt"
        with errors.open("w") as error_file:
            process = subprocess.Popen(
                command, cwd=home, env=_env(home, probe=marker is not None), stdout=subprocess.PIPE,
                stderr=error_file, text=True,
            )
        seen = None
        assert process.stdout is not None
        for line in process.stdout:
            if marker is not None and line.strip() == marker and seen is None:
                seen = time.perf_counter() - start
        process.wait(timeout=120)
        ended = time.perf_counter() - start
        error = errors.read_text(errors="replace")
        if process.returncode != 0 or (marker is not None and seen is None):
            raise SystemExit(f"{command[0]} failed ({process.returncode}): {error[-2000:]}")
        return seen if seen is not None else ended


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def measure(label: str, command: list[str], marker: str | None, runs: int, cold: bool) -> float:
    if cold:
        drop_caches()
    first = time_to_marker(command, marker)
    rest = [time_to_marker(command, marker) for _ in range(runs - 1)]
    median = statistics.median(rest) if rest else first
    print(f"  {label:<28} first {first * 1000:7.0f} ms   median of {len(rest)} {median * 1000:7.0f} ms")
    return median


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    return sum(path.stat().st_size for path in files), len(files)


def main(argv: list[str]) -> int:
    cold = "--drop-caches" in argv
    numbers = [arg for arg in argv if not arg.startswith("--")]
    runs = int(numbers[0]) if numbers else 5
    if not FROZEN.is_file():
        print(f"{FROZEN} not found: run `make dist` first", file=sys.stderr)
        return 2
    size, count = folder_size(BUNDLE)
    print(f"bundle: {BUNDLE.relative_to(REPO_ROOT)}  {size / 1e6:.0f} MB in {count} files")
    for deb in sorted((REPO_ROOT / "dist").glob("marriage-counter_*.deb")):
        print(f"deb:    {deb.relative_to(REPO_ROOT)}  {deb.stat().st_size / 1e6:.0f} MB")
    print(f"start times ({runs} runs each, offscreen{', page cache dropped before each first run' if cold else ''}):")
    python = sys.executable
    bare = measure("bare PySide6 window (venv)", [python, "-c", BARE_WINDOW], MARKER, runs, cold)
    venv_app = measure(
        "app first window (venv)", [python, str(REPO_ROOT / "packaging/pyinstaller/entry.py"), "--simulate"],
        MARKER, runs, cold,
    )  # fmt: skip
    frozen_app = measure("app first window (frozen)", [str(FROZEN), "--simulate"], MARKER, runs, cold)
    version = measure("--version (frozen)", [str(FROZEN), "--version"], None, runs, cold)
    print(f"ratio frozen app / bare window: {frozen_app / bare:.1f}")
    print(f"ratio frozen app / venv app:    {frozen_app / venv_app:.2f}")
    print(f"ratio frozen --version / bare window: {version / bare:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
