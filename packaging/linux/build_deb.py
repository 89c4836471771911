"""Builds dist/marriage-counter_<version>_<arch>.deb from the PyInstaller folder.

    make deb        (= python packaging/linux/build_deb.py)

Plain `dpkg-deb --build -Zxz`, no debhelper: the payload is a finished folder. xz, not
zstd: dpkg before 1.21.18 (Debian 10/11-based UOS, Ubuntu-20.04-based Kylin) cannot
unpack zstd members. Layout and the reasons: packaging/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_ROOT / "packaging" / "pyinstaller"))
from bundle_plan import glibc_floor, is_excluded  # noqa: E402

PACKAGE = "marriage-counter"
INSTALL_DIR = Path("opt") / PACKAGE
CONFFILE = Path("etc") / PACKAGE / "config.toml"

# What the bundle does not carry. PyInstaller copies the build host's X11/xcb, fontconfig,
# freetype, glib, dbus and zbar libraries into the bundle, but not libGL/libEGL (they
# must match the PC's graphics driver), nor libpcsclite (it must match the pcscd that
# runs there), nor fonts. Measured in a minimal Debian chroot: the bundle starts with
# only libgl1 and libegl1 added (shared/docs/notes/packaging-and-qt.md §4a, §4d).
DEPENDS = [
    "libgl1",
    "libegl1",
    # the bundled fontconfig reads the system's /etc/fonts configuration
    "libfontconfig1",
    # the screen's CJK font (printed forms use the font inside the bundle)
    "fonts-noto-cjk | fonts-wqy-microhei",
]
# PC/SC chip readers (passports, "pcsc:"): pyscard loads libpcsclite at run time.
RECOMMENDS = ["pcscd", "libpcsclite1"]

DESCRIPTION = """\
Marriage registration counter (婚姻登记柜台)
 The counter application for marriage registrars: marriage registration, the
 two-visit divorce registration, withdrawal, and certificate reissue, driving ID card
 readers, document cameras and printers. Includes the simulated devices and
 scenarios QA uses; /etc/marriage-counter/config.toml says which devices a counter uses.
 .
 Self-contained: Python, Qt and the other libraries are inside /opt/marriage-counter."""


def project_version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def debian_architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # same file system: no 500 MB copy
    except OSError:
        shutil.copy2(source, target)


def _installed_size_kib(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.relative_to(root).parts[:1]:
            total += (path.stat().st_size + 1023) // 1024
    return total


def _md5sums(root: Path, skip: set[Path]) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == "DEBIAN" or relative in skip or path.is_symlink() or not path.is_file():
            continue
        digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        lines.append(f"{digest}  {relative.as_posix()}\n")
    return "".join(lines)


def stage(bundle: Path, staging: Path, version: str, architecture: str, maintainer: str) -> dict[str, str]:
    """Lays out the package tree in `staging`; returns the control fields."""
    if staging.exists():
        shutil.rmtree(staging)
    target = staging / INSTALL_DIR
    target.parent.mkdir(parents=True)
    shutil.copytree(bundle, target, symlinks=True, copy_function=_link_or_copy)
    leaked = [str(path) for path in target.rglob("*") if is_excluded(path)]
    if leaked:
        raise SystemExit(f"files excluded by packaging/pyinstaller/bundle_plan.py are in the bundle: {leaked}")

    (staging / "usr" / "bin").mkdir(parents=True)
    (staging / "usr" / "bin" / PACKAGE).symlink_to(f"/{INSTALL_DIR}/{PACKAGE}")
    _install(HERE / f"{PACKAGE}.desktop", staging / "usr/share/applications" / f"{PACKAGE}.desktop")
    _install(HERE / f"{PACKAGE}.svg", staging / "usr/share/icons/hicolor/scalable/apps" / f"{PACKAGE}.svg")
    _install(HERE / "udev" / "60-marriage-counter.rules", staging / "lib/udev/rules.d/60-marriage-counter.rules")
    _install(HERE / "config.toml", staging / CONFFILE)
    doc = staging / "usr/share/doc" / PACKAGE
    _install(REPO_ROOT / "packaging" / "README.md", doc / "README.md")
    _install(HERE / "udev" / "README.md", doc / "udev-README.md")
    _install(HERE / "copyright", doc / "copyright")
    example = REPO_ROOT / "packaging" / "config.example.toml"
    if example.exists():
        _install(example, doc / "config.example.toml")

    floor = glibc_floor(target)
    control = {
        "Package": PACKAGE,
        "Version": version,
        "Architecture": architecture,
        "Maintainer": maintainer,
        "Installed-Size": str(_installed_size_kib(staging)),
        "Depends": ", ".join([f"libc6 (>= {floor})", *DEPENDS]),
        "Recommends": ", ".join(RECOMMENDS),
        "Section": "misc",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    debian = staging / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text("".join(f"{key}: {value}\n" for key, value in control.items()), encoding="utf-8")
    (debian / "conffiles").write_text(f"/{CONFFILE.as_posix()}\n", encoding="utf-8")
    for script in ("postinst", "prerm", "postrm"):
        _install(HERE / "debian" / script, debian / script, mode=0o755)
    (debian / "md5sums").write_text(_md5sums(staging, {CONFFILE}), encoding="utf-8")
    return control


def _install(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO_ROOT / "dist" / PACKAGE, help="PyInstaller folder")
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "dist")
    parser.add_argument("--staging", type=Path, default=REPO_ROOT / "build" / "deb" / PACKAGE)
    parser.add_argument("--version", default=None, help="package version (default: pyproject's)")
    parser.add_argument(
        "--xz-level", type=int, default=int(os.environ.get("DEB_XZ_LEVEL", "6")), help="xz preset 0-9 (default 6)"
    )
    maintainer = os.environ.get("DEB_MAINTAINER", "Marriage counter IT <marriage-counter@example.invalid>")
    parser.add_argument("--maintainer", default=maintainer, help="Maintainer field (default: $DEB_MAINTAINER)")
    args = parser.parse_args(argv)
    if not (args.bundle / PACKAGE).is_file():
        parser.error(f"{args.bundle / PACKAGE} not found: build the bundle first (make dist)")
    version = args.version or project_version()
    architecture = debian_architecture()
    control = stage(args.bundle, args.staging, version, architecture, args.maintainer)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    deb = args.out_dir / f"{PACKAGE}_{version}_{architecture}.deb"
    partial = deb.with_name(deb.name + ".partial")  # a failed build leaves no .deb behind
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{args.xz_level}", "--build", str(args.staging), str(partial)],
        check=True,
    )
    partial.replace(deb)
    print(f"{deb}: {deb.stat().st_size / 1e6:.1f} MB; Depends: {control['Depends']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
