"""Central-store URLs given to the command line (`--url`, `--central-url`) without
typing a password where others can read it.

A URL with a password typed as an argument is visible to every account on the machine
(`ps`, /proc/<pid>/cmdline) and stays in the shell history. So each such option also
takes its URL from

- the environment variable MARRIAGE_COUNTER_ADMIN_URL, when the option is not given
  (IT exports it once in its shell, or a service unit sets it from a file only root
  reads), or
- standard input, when the option's value is "-" (`… --url - < admin-url.txt`, or
  typed at a prompt without echo when standard input is a terminal).

Precedence: the option's value, then the variable, then the option's default
([central] url, where it has one). A URL with a password typed on the command line
still works, with a warning on standard error naming the variable.

The variable is deliberately not MARRIAGE_COUNTER_CENTRAL__URL (that one sets the
counter's own [central] url in the configuration): the URL here is usually an
administrator's, and no counter should pick it up by accident.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from app.errors import AppError

URL_ENV = "MARRIAGE_COUNTER_ADMIN_URL"
FROM_STDIN = "-"
URL_SOURCES_HELP = (
    f"; or set the environment variable {URL_ENV}; '{FROM_STDIN}' reads it from standard input "
    "(never type a password on the command line: others can see it in the process list)"
)


class UrlInputError(AppError):
    """A URL option with no URL anywhere, or "-" with nothing on standard input."""

    code = "CFG-002"
    template = "{option}: {reason}"
    exit_code = 2


def add_url_argument(
    parser: argparse.ArgumentParser, option: str, help_text: str, *, required: bool = False
) -> None:
    """`option` (--url or --central-url) with the other sources named in its help. Not
    `required` for argparse even when it is: the variable may hold it
    (resolve_url checks)."""
    suffix = " (required)" if required else ""
    parser.add_argument(option, metavar="URL", help=help_text + URL_SOURCES_HELP + suffix)


def has_password(url: str) -> bool:
    """Whether the URL carries a password (user:password@, or ?password=)."""
    from app.diagnostics.redact import redact_text

    return redact_text(url) != url


def resolve_url(
    value: str | None,
    option: str,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> str | None:
    """The URL an option stands for (see the module text); None when it was not given
    anywhere and is not `required` (the caller's default then applies)."""
    environ = os.environ if environ is None else environ
    stderr = stderr if stderr is not None else sys.stderr
    if value == FROM_STDIN:
        url = _read_stdin(option, stdin if stdin is not None else sys.stdin)
    elif value is not None:
        if has_password(value):
            print(
                f"marriage-counter: warning: {option} holds a password, which other accounts can see in the process "
                f"list and which stays in the shell history; set {URL_ENV} or pass {option} {FROM_STDIN} "
                "(standard input) instead",
                file=stderr,
            )
        url = value.strip()
    else:
        url = environ.get(URL_ENV, "").strip()
    if not url:
        if value is None and not required:
            return None
        reason = "the URL is empty" if value is not None else (
            f"no URL: give {option} URL, set {URL_ENV} or pass {option} {FROM_STDIN} (standard input)"
        )
        raise UrlInputError(option=option, reason=reason)
    return url


def _read_stdin(option: str, stdin: TextIO) -> str:
    if stdin.isatty():
        return getpass.getpass(f"{option}: ").strip()
    line = stdin.readline().strip()
    if not line:
        raise UrlInputError(option=option, reason="nothing on standard input")
    return line


def resolve_secret_option(value: str | None, option: str, *, stdin: TextIO | None = None,
                          stderr: TextIO | None = None) -> str | None:
    """A password option (`central init --counter-password`): "-" reads it from
    standard input (after a URL read from there; a prompt without echo at a terminal);
    a password typed as the argument works, with the same warning as a URL's."""
    if value == FROM_STDIN:
        return _read_stdin(option, stdin if stdin is not None else sys.stdin)
    if value:
        print(f"marriage-counter: warning: {option} typed on the command line can be seen by other accounts in the "
              f"process list and stays in the shell history; pass {option} {FROM_STDIN} (standard input) instead",
              file=stderr if stderr is not None else sys.stderr)
    return value
