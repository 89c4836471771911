"""What must not leave the counter in a support bundle: secrets and personal data.

Secrets: any value under a key that names one (password, secret, token, ...) and the
password of any URL (`postgresql://user:PASSWORD@host/db`, `?password=...`).
Personal data: identity numbers (the logging mask, 15- and 18-character numbers) and
the names of the parties this counter has seen, replaced wherever they occur.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.logging_setup import mask_identity_numbers

REDACTED = "***"

_SECRET_KEY = re.compile(r"pass(word|wd|phrase)|secret|token|credential|api[_-]?key|private[_-]?key", re.IGNORECASE)
# scheme://user:password@host → scheme://user:***@host (the user name stays: IT needs it).
# The password may hold an unencoded "/" (SQLAlchemy accepts it): everything up to the "@".
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<secret>[^@\s]*)(?P<tail>@)")
# key=value pairs in a URL's query or a libpq connection string
_QUERY_SECRET = re.compile(
    r"(?P<head>\b(?:[A-Za-z_]*(?:password|passwd|secret|token|sslkey)[A-Za-z_]*)\s*=\s*)(?P<secret>'[^']*'|[^&\s;'\"]+)",
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    """Removes the passwords of URLs and connection strings inside `text`."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED + m["tail"], text)
    return _QUERY_SECRET.sub(lambda m: m["head"] + REDACTED, text)


def redact_config(value: Any, key: str = "") -> Any:
    """A JSON-able configuration with every secret replaced by "***"."""
    if isinstance(value, dict):
        return {k: redact_config(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_config(item, key) for item in value]
    if key and _SECRET_KEY.search(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    return value


def mask_name(name: str) -> str:
    """李明轩 → 李**; Anna Müller → A**********: the first character, for IT to tell
    two parties apart, and the length."""
    return name[0] + "*" * (len(name) - 1)


class PersonalDataMasker:
    """Masks identity numbers and the given names in text.

    Names are matched literally, longest first (so 欧阳明 wins over a shorter name inside
    it); a one-character "name" is not masked, as it would blank ordinary words.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        unique = {name.strip() for name in names if len(name.strip()) >= 2}
        ordered = sorted(unique, key=lambda name: (-len(name), name))
        self._names = re.compile("|".join(re.escape(name) for name in ordered)) if ordered else None
        self.name_count = len(ordered)

    def __call__(self, text: str) -> str:
        text = mask_identity_numbers(text)
        if self._names is not None:
            text = self._names.sub(lambda m: mask_name(m.group(0)), text)
        return text
