from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Config
from tests.counter_fixtures import simulated_config


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`main()` installs a file handler in the data dir; close it after the test."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CLI runs in this process see only the environment set here (no user config file)."""
    directory = tmp_path / "data"
    for name in list(os.environ):
        if name.startswith("MARRIAGE_COUNTER_") and name != "MARRIAGE_COUNTER_LOG_LEVEL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("MARRIAGE_COUNTER_DATA_DIR", str(directory))
    monkeypatch.setattr("app.config.machine_config_path", lambda: tmp_path / "no-machine.toml")
    monkeypatch.setattr("app.config.user_config_path", lambda: tmp_path / "no-user.toml")
    return directory


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return simulated_config(tmp_path / "data")
