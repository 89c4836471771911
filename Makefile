# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QM := resources/translations/marriage_counter_zh_CN.qm

.PHONY: run test setup system-deps lint typecheck imports pytest translations demo clean

run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/marriage-counter --simulate; \
	else \
		echo "No display found: running the scripted demo instead (marriage-counter demo --out demo-output)."; \
		QT_QPA_PLATFORM=offscreen $(BIN)/marriage-counter demo --out demo-output; \
	fi

test: setup lint typecheck imports pytest

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
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
