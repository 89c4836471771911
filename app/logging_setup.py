"""Logging to a rotating file in the data directory. Personal data is masked at the
source (mask_number) and, as a safety net, on its way into the file:

- every 15/18-character identity number (`1101**********002X`);
- the names of the parties this session has seen (`李**`): the code that reads or loads
  a person registers the name with `PersonalDataFilter.add_names`, as nobody can
  recognise a name by its shape;
- images and other binary data: a long `b'…'` repr, a long base64 or hex run is
  replaced by a placeholder.

`PersonalDataFilter` masks each record's message before it is formatted and
`MaskingFormatter` masks the whole formatted line again, traceback included (an
exception's text may quote a person key or a name).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{7,10})(\d{3}[\dXx])(?![0-9A-Za-z])")

# A bytes/bytearray repr longer than a device's command frame (~30 bytes and more): a
# photo, a signature, a fingerprint, a card's data block.
_BYTES_REPR = re.compile(r"""(?<![A-Za-z0-9_])b(?:'(?:[^'\\\n]|\\.){96,}'|"(?:[^"\\\n]|\\.){96,}")""")
# Base64 (standard and URL-safe) long enough to be an image or a template. Encoded binary
# data mixes upper case, lower case and digits throughout; long paths and words do not,
# so they stay readable.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{100,}={0,2}")
# Hex dumps, with or without separators; SHA-256/512 digests (64/128 digits) stay.
_HEX_RUN = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{256,}|(?:[0-9A-Fa-f]{2}[ :]){128,}[0-9A-Fa-f]{2})(?![0-9A-Za-z])"
)
BINARY_PLACEHOLDER = "<binary data omitted>"
# Kept per process; a counter sees some dozens of people a day. Beyond this the oldest go.
MAX_NAMES = 20_000


def mask_identity_numbers(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_binary(text: str) -> str:
    """Replaces image bytes, base64 and hex dumps with a placeholder."""
    text = _BYTES_REPR.sub("b'" + BINARY_PLACEHOLDER + "'", text)
    text = _HEX_RUN.sub(BINARY_PLACEHOLDER, text)

    def base64_run(match: re.Match[str]) -> str:
        run = match.group(0)
        upper = sum(c.isupper() for c in run)
        lower = sum(c.islower() for c in run)
        digits = sum(c.isdigit() for c in run)
        encoded = upper * 10 >= len(run) and lower * 10 >= len(run) and digits * 20 >= len(run)
        return BINARY_PLACEHOLDER if encoded else run

    return _BASE64_RUN.sub(base64_run, text)


def _mask_name(name: str) -> str:
    # As the support bundle does (app.diagnostics.redact.mask_name): the first character
    # and the length, so IT can tell two parties apart.
    return name[0] + "*" * (len(name) - 1)


class PersonalDataFilter(logging.Filter):
    """Masks identity numbers, registered names and binary data in every record that
    reaches the handler it is attached to (configure_logging attaches it to the log file).

    The names are process-wide: whoever learns a party's name (an ID card read, a case
    loaded from the store) calls `PersonalDataFilter.add_names(...)` before anything is
    logged about that case. Any literal of two characters or more can be registered
    (a passport number, an address); one character would blank ordinary words.
    """

    _names: ClassVar[dict[str, None]] = {}  # insertion-ordered set
    _by_first: ClassVar[dict[str, tuple[str, ...]]] = {}  # first character → names, longest first
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def add_names(cls, *names: str | Iterable[str]) -> None:
        """Registers names (strings, or iterables of strings) to mask from now on."""
        flat: list[str] = []
        for item in names:
            flat.extend([item] if isinstance(item, str) else item)
        with cls._lock:
            for name in flat:
                name = name.strip()
                if len(name) >= 2:
                    cls._names.pop(name, None)
                    cls._names[name] = None
            while len(cls._names) > MAX_NAMES:
                del cls._names[next(iter(cls._names))]
            cls._rebuild()

    @classmethod
    def forget_names(cls) -> None:
        """Drops every registered name (tests; a new session)."""
        with cls._lock:
            cls._names = {}
            cls._by_first = {}

    @classmethod
    def _rebuild(cls) -> None:
        grouped: dict[str, list[str]] = {}
        for name in cls._names:
            grouped.setdefault(name[0], []).append(name)
        cls._by_first = {first: tuple(sorted(group, key=len, reverse=True)) for first, group in grouped.items()}

    @classmethod
    def mask_names(cls, text: str) -> str:
        by_first = cls._by_first  # replaced whole on change, so read without the lock
        if not by_first:
            return text
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            for name in by_first.get(text[i], ()):
                if text.startswith(name, i):
                    out.append(_mask_name(name))
                    i += len(name)
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    @classmethod
    def mask(cls, text: str) -> str:
        """Every kind of masking, in the order that keeps each one effective."""
        return cls.mask_names(mask_identity_numbers(mask_binary(text)))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg = self.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def mask_personal_data(text: str) -> str:
    """Identity numbers, registered names, binary data (what the log file never holds)."""
    return PersonalDataFilter.mask(text)


class MaskingFormatter(logging.Formatter):
    """Masks the whole formatted record, tracebacks included (an exception's text may
    quote a person key)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


def configure_logging(log_dir: Path, level: str | None = None) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "counter.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("MARRIAGE_COUNTER_LOG_LEVEL", "INFO"))
    return path
