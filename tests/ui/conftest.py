from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.bootstrap import CounterServices, build_services
from tests.counter_fixtures import simulated_config
from ui.app import ensure_application
from ui.main_window import MainWindow


@pytest.fixture
def services(tmp_path: Path, qapp: object) -> Iterator[CounterServices]:
    ensure_application("zh_CN")
    built = build_services(simulated_config(tmp_path / "data"))
    yield built
    built.close()


@pytest.fixture
def window(services: CounterServices, qtbot: QtBot) -> Iterator[MainWindow]:
    main = MainWindow(services)
    main.show()
    qtbot.waitUntil(lambda: not main.busy, timeout=10_000)
    yield main
    main.close()


@pytest.fixture(autouse=True, scope="session")
def compiled_translations() -> None:
    """`make` compiles the .qm; compile it here too when running pytest directly."""
    import subprocess
    import sys

    from scripts.update_translations import TS_FILES

    for ts in TS_FILES:
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            tool = Path(sys.executable).parent / "pyside6-lrelease"
            subprocess.run([str(tool), "-silent", str(ts), "-qm", str(qm)], check=True)
