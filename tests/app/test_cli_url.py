"""Central URLs on the command line: from MARRIAGE_COUNTER_ADMIN_URL or standard input
("-") instead of an argument that `ps` shows; a warning when an argument holds a
password (app.cli_url)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli_url import URL_ENV, UrlInputError, has_password, resolve_secret_option, resolve_url
from tests.counter_fixtures import REPO_ROOT

PG_URL = "postgresql+psycopg://admin:s3cret@db.example/registry?sslmode=verify-full"


def test_the_option_wins_then_the_variable_then_the_default() -> None:
    env = {URL_ENV: "sqlite:///from-env.sqlite3"}
    assert resolve_url("sqlite:///given.sqlite3", "--url", environ=env, stderr=io.StringIO()) == "sqlite:///given.sqlite3"
    assert resolve_url(None, "--url", environ=env) == "sqlite:///from-env.sqlite3"
    assert resolve_url(None, "--url", environ={}) is None  # the caller's default ([central] url)
    with pytest.raises(UrlInputError, match=URL_ENV) as refused:
        resolve_url(None, "--url", required=True, environ={URL_ENV: "  "})
    assert refused.value.exit_code == 2 and str(refused.value).startswith("[CFG-002] --url:")


def test_dash_reads_one_line_of_standard_input() -> None:
    stdin = io.StringIO(PG_URL + "\nthe operator's secret\n")
    assert resolve_url("-", "--url", environ={URL_ENV: "sqlite:///ignored"}, stdin=stdin) == PG_URL
    assert stdin.readline() == "the operator's secret\n"  # left for read_secret
    with pytest.raises(UrlInputError, match="nothing on standard input"):
        resolve_url("-", "--central-url", stdin=io.StringIO(""))


def test_a_password_on_the_command_line_is_warned_about_not_refused() -> None:
    stderr = io.StringIO()
    assert resolve_url(PG_URL, "--url", environ={}, stderr=stderr) == PG_URL
    warning = stderr.getvalue()
    assert "warning" in warning and URL_ENV in warning and "s3cret" not in warning
    quiet = io.StringIO()
    resolve_url("postgresql+psycopg://admin@db.example/registry?sslmode=verify-full", "--url", stderr=quiet)
    resolve_url("-", "--url", environ={}, stdin=io.StringIO(PG_URL), stderr=quiet)  # not an argument
    resolve_url(None, "--url", environ={URL_ENV: PG_URL}, stderr=quiet)
    assert quiet.getvalue() == ""
    assert has_password("postgresql://h/db?user=a&password=x") and not has_password("sqlite:///a/b.sqlite3")


def _cli(*args: str, data_dir: Path, env: dict[str, str] | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != URL_ENV}
    environ.update({"MARRIAGE_COUNTER_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=REPO_ROOT, env=environ, capture_output=True, text=True,
        timeout=120, input=stdin,
    )


def test_every_url_option_takes_the_variable_and_standard_input(tmp_path: Path) -> None:
    data = tmp_path / "data"
    central = tmp_path / "central.sqlite3"
    url = f"sqlite:///{central}"
    assert _cli("central", "init", data_dir=data, env={URL_ENV: url}).returncode == 0
    assert central.exists()
    migrated = _cli("central", "migrate", "--url", "-", data_dir=data, stdin=url + "\n")
    assert migrated.returncode == 0, migrated.stderr
    missing = _cli("central", "migrate", data_dir=data)
    assert missing.returncode == 2 and "[CFG-002]" in missing.stderr and URL_ENV in missing.stderr

    # operators: the URL on the first line, the secret on the second
    added = _cli("operators", "add", "wang", "--name", "王", "--office", "110101", "--role", "registrar",
                 "--url", "-", data_dir=data, stdin=f"{url}\nwang-secret-1\n")
    assert added.returncode == 0, added.stderr
    listed = _cli("operators", "list", data_dir=data, env={URL_ENV: url})
    assert listed.returncode == 0 and "wang" in listed.stdout, listed.stderr
    assert not (data / "central.sqlite3").exists()  # never the counter's embedded store

    revoked = _cli("central", "revoke-key", "counter-09", data_dir=data, env={URL_ENV: url})
    assert "[CFG-002]" not in revoked.stderr
    for command in (["archive", "verify", str(tmp_path / "none.zip")],
                    ["archive", "export", "case-x", "--out", str(tmp_path / "out")]):
        result = _cli(*command, "--central-url", "-", data_dir=data, stdin="\n")
        assert result.returncode == 2 and "[CFG-002] --central-url: nothing on standard input" in result.stderr


def test_every_url_option_names_the_other_sources_in_its_help(tmp_path: Path) -> None:
    for command in (["central", "init"], ["central", "migrate"], ["central", "revoke-key"], ["archive", "export"],
                    ["archive", "verify"], ["operators", "add"], ["operators", "list"]):
        result = _cli(*command, "--help", data_dir=tmp_path)
        assert result.returncode == 0 and URL_ENV in result.stdout, command


def test_the_counter_roles_password_comes_from_standard_input_too() -> None:
    stdin = io.StringIO(PG_URL + "\ncounter-pw\n")
    assert resolve_url("-", "--url", stdin=stdin) == PG_URL
    assert resolve_secret_option("-", "--counter-password", stdin=stdin) == "counter-pw"
    stderr = io.StringIO()
    assert resolve_secret_option("pw-S3cr3t", "--counter-password", stderr=stderr) == "pw-S3cr3t"
    assert "warning" in stderr.getvalue() and "S3cr3t" not in stderr.getvalue()
    assert resolve_secret_option(None, "--counter-password") is None
