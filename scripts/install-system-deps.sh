#!/usr/bin/env bash
# Installs the system packages the counter needs, when this is a Debian-family
# system and we may (root, or passwordless sudo). Elsewhere it says what to install.
# Qt's wheel does not bundle these (shared/docs/notes/packaging-and-qt.md §0.3, §3.3).
set -euo pipefail

PACKAGES=(
  python3-venv
  # Qt offscreen and X11 runtime libraries not shipped in the PySide6 wheel
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
  libx11-6 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libxcb-xkb1
  # CUPS client library used by QtPrintSupport
  libcups2
  # a CJK font for the screen (printed forms use the bundled font)
  fonts-wqy-microhei
  # the tests start a private PostgreSQL server from these binaries (and pgbench for
  # benchmarks/central_throughput.py); no running server is needed
  postgresql
  # PC/SC passport reading: the pcscd daemon, and for the tests vsmartcard's vpcd
  # virtual reader driver; pip builds pyscard (no Linux wheel) from its sdist with
  # swig, a C compiler and the libpcsclite and Python headers
  pcscd vsmartcard-vpcd swig libpcsclite-dev gcc python3-dev
  # the zbar library that pyzbar (the fallback barcode decoder, "pyzbar:") loads at
  # import; zxing-cpp, the default, needs nothing. Without it the pyzbar tests skip
  libzbar0
  # installers (make dist deb nsis, run by make test): PyInstaller needs objdump and
  # objcopy on Linux; makensis compiles the Windows installer script. dpkg-deb (package
  # dpkg, always present) builds the .deb with its own xz support, so xz-utils is not needed.
  binutils nsis
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "Not a Debian-family system: install Python >= 3.11 with venv, Qt 6's runtime libraries"
  echo "(OpenGL/EGL, xkbcommon, fontconfig, xcb-cursor) and a CJK font with your package manager."
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "Missing system packages: ${missing[*]}"
  echo "Install them with: sudo apt-get install ${missing[*]}"
  exit 0
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
