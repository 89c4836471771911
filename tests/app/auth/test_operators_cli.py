"""`marriage-counter operators …` against the embedded central store, as real processes:
IT adds and changes accounts (secrets from standard input, never an argument), `sync`
fills the counter's offline cache, and the counter's login follows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.auth.errors import TrainingExpiredError, WrongCredentialsError
from app.auth.model import Permission
from app.auth.store import CACHE_FILE
from tests.app.auth.helpers import auth_service
from tests.counter_fixtures import REPO_ROOT


def operators(*args: str, data_dir: Path, secret: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MARRIAGE_COUNTER_DATA_DIR": str(data_dir), "MARRIAGE_COUNTER_OFFICE__CODE": "110101"}
    return subprocess.run(
        [sys.executable, "-m", "app", "operators", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=120, input=None if secret is None else secret + "\n",
    )


def test_it_manages_accounts_and_the_counter_follows(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = operators("add", "wang", "--name", "王登记员", "--office", "110101", "--role", "registrar",
                      "--training-until", "2027-06-30", data_dir=data, secret="wang-secret-1")
    assert added.returncode == 0, added.stderr
    again = operators("add", "wang", "--name", "王", "--office", "110101", "--role", "registrar", data_dir=data,
                      secret="wang-secret-2")
    assert again.returncode == 2 and "[AUTH-007]" in again.stderr and "exists already" in again.stderr
    short = operators("add", "li", "--name", "李", "--office", "110101", "--role", "registrar", data_dir=data,
                      secret="short")
    assert short.returncode == 2 and "at least 8" in short.stderr
    builtin = operators("add", "qa", "--name", "QA", "--office", "110101", "--role", "qa", data_dir=data,
                        secret="qa-secret-12")
    assert builtin.returncode == 2 and "built-in" in builtin.stderr

    listed = operators("list", "--json", data_dir=data)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [{
        "operator_id": "wang", "name": "王登记员", "office_code": "110101", "role": "registrar",
        "training_valid_until": "2027-06-30", "active": True,
    }]
    assert "scrypt" not in listed.stdout and "wang-secret-1" not in listed.stdout + listed.stderr

    assert operators("sync", data_dir=data).returncode == 0
    assert "wang-secret-1" not in (data / CACHE_FILE).read_text(encoding="utf-8")
    auth = auth_service(data, cached=())
    session = auth.login("wang", "wang-secret-1")  # offline: from the cache alone
    auth.require(session.operator, Permission.REGISTER)

    assert operators("set-training", "wang", "2026-01-31", data_dir=data).returncode == 0
    assert operators("reset-secret", "wang", data_dir=data, secret="wang-secret-new").returncode == 0
    assert operators("sync", data_dir=data).returncode == 0
    auth = auth_service(data, cached=())
    with pytest.raises(WrongCredentialsError):
        auth.login("wang", "wang-secret-1")
    session = auth.login("wang", "wang-secret-new")
    with pytest.raises(TrainingExpiredError):
        auth.require(session.operator, Permission.REGISTER)

    assert operators("deactivate", "wang", data_dir=data).returncode == 0
    missing = operators("deactivate", "nobody", data_dir=data)
    assert missing.returncode == 2 and "no operator nobody" in missing.stderr
    assert operators("sync", data_dir=data).returncode == 0
    with pytest.raises(WrongCredentialsError):
        auth_service(data, cached=()).login("wang", "wang-secret-new")


def test_a_secret_is_never_a_command_line_argument(tmp_path: Path) -> None:
    result = operators("add", "wang", "--name", "王", "--office", "110101", "--role", "registrar",
                       "--secret", "wang-secret-1", data_dir=tmp_path / "data")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr
