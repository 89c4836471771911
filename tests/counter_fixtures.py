"""Builds a counter on simulated devices with stores in a temporary folder."""

from __future__ import annotations

from pathlib import Path

from app.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parents[1]


def simulated_config(data_dir: Path, **env: str) -> Config:
    environ = {f"MARRIAGE_COUNTER_{k}": v for k, v in env.items()}
    config = load_config(simulate=True, environ=environ, read_system_files=False)
    return config.model_copy(update={"data_dir": data_dir})
