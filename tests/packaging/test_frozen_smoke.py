"""The frozen smoke test (issue #9): the .deb installed into a scratch root with
`dpkg --root`, and the frozen app run from there, headless.

`make test` builds the bundle, the .deb and the stand-in Windows installer before
pytest, so the `make deb nsis` below is a no-op there; run alone, it builds them
(a few minutes). dpkg runs the maintainer scripts without chroot
(--force-script-chrootless, with DPKG_ROOT set), which is why they honour DPKG_ROOT.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.counter_fixtures import REPO_ROOT

pytestmark = pytest.mark.slow

APP = "marriage-counter"
FORBIDDEN = "shape_predictor_68_face_landmarks.dat"


@dataclass(frozen=True)
class Artifacts:
    bundle: Path
    deb: Path
    nsis: Path


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    if shutil.which("dpkg") is None or shutil.which("makensis") is None:
        pytest.fail("the packaging tests need dpkg and makensis (scripts/install-system-deps.sh installs nsis)")
    subprocess.run(["make", "--no-print-directory", "deb", "nsis"], cwd=REPO_ROOT, check=True, timeout=1800)
    debs = sorted((REPO_ROOT / "dist").glob(f"{APP}_*.deb"), key=lambda p: p.stat().st_mtime)
    installers = sorted((REPO_ROOT / "build" / "nsis").glob(f"{APP}-*-setup-linux-standin.exe"))
    assert debs and installers
    return Artifacts(REPO_ROOT / "dist" / APP, debs[-1], installers[-1])


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        "dpkg", f"--root={root}", f"--log={root}/var/log/dpkg.log", "--force-script-chrootless",
        "--force-not-root", "--force-depends", "--force-confold", *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def root(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clean root with an empty dpkg database and the .deb installed in it."""
    root = tmp_path_factory.mktemp("root")
    for folder in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/log"):
        (root / folder).mkdir(parents=True)
    for name in ("status", "available"):
        (root / "var/lib/dpkg" / name).touch()
    _dpkg(root, "-i", str(artifacts.deb))
    yield root
    shutil.rmtree(root, ignore_errors=True)  # half a gigabyte


def _frozen_env(home: Path) -> dict[str, str]:
    """A registrar's session pointed into the scratch root: nothing from the developer's
    environment (PYTHONPATH, a venv, MARRIAGE_COUNTER_* overrides) reaches the bundle."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(home / ".runtime"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    (home / ".runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def _run(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    home = root / "home" / "registrar"
    return subprocess.run(
        [str(root / "opt" / APP / APP), *args],
        cwd=root,
        env=_frozen_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _ar_members(deb: Path) -> list[str]:
    """Member names of the .deb's ar archive (no binutils needed)."""
    names = []
    with deb.open("rb") as handle:
        assert handle.read(8) == b"!<arch>\n"
        while header := handle.read(60):
            names.append(header[:16].decode().strip().rstrip("/"))
            size = int(header[48:58])
            handle.seek(size + size % 2, os.SEEK_CUR)
    return names


def test_bundle_holds_no_landmark_model(artifacts: Artifacts) -> None:
    assert not list(artifacts.bundle.rglob(FORBIDDEN))
    models = artifacts.bundle / "_internal" / "face_recognition_models" / "models"
    if models.exists():  # the face extra was installed: its other models ship
        assert (models / "shape_predictor_5_face_landmarks.dat").is_file()


def test_deb_is_xz_and_declares_its_dependencies(artifacts: Artifacts) -> None:
    assert _ar_members(artifacts.deb) == ["debian-binary", "control.tar.xz", "data.tar.xz"]
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(artifacts.deb), "Depends", "Version"], capture_output=True, text=True, check=True
    ).stdout
    assert "libc6 (>= 2." in fields and "libgl1" in fields and "fonts-noto-cjk | fonts-wqy-microhei" in fields
    listing = subprocess.run(["dpkg-deb", "--contents", str(artifacts.deb)], capture_output=True, text=True).stdout
    assert FORBIDDEN not in listing
    conffiles = subprocess.run(
        ["dpkg-deb", "--info", str(artifacts.deb), "conffiles"], capture_output=True, text=True, check=True
    ).stdout
    assert conffiles.split() == [f"/etc/{APP}/config.toml"]


def test_frozen_app_runs_from_the_installed_package(root: Path) -> None:
    opt = root / "opt" / APP
    assert (root / "usr/bin" / APP).readlink() == Path(f"/opt/{APP}/{APP}")
    assert (root / "etc" / APP / "config.toml").is_file()
    assert (root / "lib/udev/rules.d/60-marriage-counter.rules").is_file()
    assert (root / "usr/share/applications" / f"{APP}.desktop").is_file()
    assert not list(opt.rglob(FORBIDDEN))

    version = _run(root, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip().startswith(f"{APP} ") and "unknown" not in version.stdout

    check = _run(root, "--bundle-check")
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["failed"] == [], check.stdout + check.stderr
    assert report["frozen"] and report["modules"]["psycopg"] == "ok (binary)"
    assert report["modules"]["pyzbar.pyzbar"] == "ok"  # the bundled zbar, through the runtime hook

    # The shipped machine configuration is valid for the frozen app.
    config = _run(root, "--config", str(root / "etc" / APP / "config.toml"), "config")
    assert config.returncode == 0, config.stderr

    out = root / "home" / "registrar" / "demo-output"
    demo = _run(root, "demo", "--out", str(out), timeout=600)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_scripted"]
    statuses = {case["label"]: case["status"] for case in summary["cases"]}
    assert statuses["couple-1"] == statuses["couple-2"] == "issued"
    assert statuses["under-age"] == "refused" and statuses["divorce-registration"] == "issued"
    issued = [case for case in summary["cases"] if case["status"] == "issued"]
    assert all(case["certificate_no"] for case in issued)
    pdfs = sorted((out / "pdf").rglob("*.pdf"))
    assert len(pdfs) >= len(issued) and all(pdf.stat().st_size > 1000 for pdf in pdfs)
    certificate = next(pdf for pdf in pdfs if pdf.parent.name.startswith("case1-") and "certificate" in pdf.name)
    reader = PdfReader(certificate)
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("CounterKai" in font for font in fonts), fonts  # the bundled font, not a system one
    assert sorted((out / "screenshots").glob("*.png"))

    # IT's support bundle from the frozen app (the registrar's data folder, default devices).
    bundle = root / "home" / "registrar" / "support.zip"
    support = _run(root, "support-bundle", "--out", str(bundle))
    assert support.returncode == 0, support.stdout + support.stderr
    with zipfile.ZipFile(bundle) as archive:
        assert {"manifest.json", "config.json", "versions.json"} <= set(archive.namelist())


def test_upgrade_remove_and_purge_keep_the_data(artifacts: Artifacts, root: Path) -> None:
    conffile = root / "etc" / APP / "config.toml"
    conffile.write_text('[office]\ncode = "320102"\n', encoding="utf-8")  # IT's edit
    machine_data = root / "var" / "lib" / APP / "counter.sqlite3"
    user_data = root / "home" / "registrar" / ".local" / "share" / APP / "counter.sqlite3"
    for path in (machine_data, user_data):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"registrations")

    _dpkg(root, "-i", str(artifacts.deb))  # upgrade (same version): conffile kept
    assert conffile.read_text(encoding="utf-8") == '[office]\ncode = "320102"\n'
    assert (root / "opt" / APP / APP).is_file()

    _dpkg(root, "--remove", APP)
    assert not (root / "opt" / APP / APP).exists()
    assert conffile.is_file()  # remove keeps conffiles
    _dpkg(root, "--purge", APP)
    assert not conffile.exists()
    assert machine_data.read_bytes() == user_data.read_bytes() == b"registrations"


def test_nsis_installer_compiled_from_the_stand_in_payload(artifacts: Artifacts, tmp_path: Path) -> None:
    with artifacts.nsis.open("rb") as handle:
        head = handle.read(4 << 20)
    assert head[:2] == b"MZ" and b"NullsoftInst" in head
    # The script also compiles with a tiny payload and an icon, warnings as errors.
    result = subprocess.run(
        [
            "makensis", "-V2", "-WX", f"-DPAYLOAD={REPO_ROOT / 'packaging' / 'linux'}", "-DVERSION=1.2.3",
            f"-DICON={REPO_ROOT / 'build' / 'icon' / 'marriage-counter.ico'}",
            f"-DOUTFILE={tmp_path / 'compile-check.exe'}",
            str(REPO_ROOT / "packaging" / "windows" / "installer.nsi"),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "compile-check.exe").read_bytes()[:2] == b"MZ"
