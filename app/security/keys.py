"""The counter's secret keys: the local store's encryption key, the audit chain's HMAC
key, the archive signing key's seed. Never in the configuration file.

`KeyStore.secret(name)` returns the 32-byte key of that name, created at random on
first use and the same ever after. `FileKeyStore` keeps each key in its own file,
readable only by the account running the counter (0600 in a 0700 folder); the
platform key store backends (keyring: Windows Credential Manager / DPAPI, the Linux
Secret Service) live beside it and are chosen by `[security] key_store`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final, Protocol

KEY_BYTES: Final = 32


class KeyStore(Protocol):
    def secret(self, name: str) -> bytes:
        """The key called `name` (created on first use; the same bytes every time after)."""
        ...


class FileKeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def secret(self, name: str) -> bytes:
        if not name.replace("-", "").isalnum():
            raise ValueError(f"a key name is letters, digits and dashes, not {name!r}")
        path = self.directory / f"{name}.key"
        if path.exists():
            data = path.read_bytes()
            if len(data) != KEY_BYTES:
                raise ValueError(f"{path} is damaged: {len(data)} bytes instead of {KEY_BYTES}")
            return data
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = secrets.token_bytes(KEY_BYTES)
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.secret(name)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return data
