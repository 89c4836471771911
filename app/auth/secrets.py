"""Operators' secrets, stored only as scrypt hashes in a PHC-style string.

    $scrypt$ln=15,r=8,p=1$<salt>$<hash>

`ln` is log2 of scrypt's cost N, `r` the block size, `p` the parallelism; salt (16
random bytes) and hash (32 bytes) are unpadded standard base64, as in the PHC string
format and passlib's scrypt hashes. The default N = 2^15, r = 8, p = 1 takes 32 MiB
and about 0.1 s on a counter PC: slow enough to make guessing a stolen cache file
expensive (every operator has their own salt), fast enough for a login. The
parameters travel with each hash, so raising them later needs no migration: new and
reset secrets get the new cost, old hashes keep verifying.

A comparison runs in constant time (hmac.compare_digest); a hash that cannot be read,
or whose cost is outside what a counter accepts, verifies nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as random
from dataclasses import dataclass

DEFAULT_LOG2_N = 15
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Bounds on what a stored hash may ask for: below, a hash is too cheap to be ours;
# above, verifying it would take seconds and gigabytes (a damaged or hostile cache file).
MIN_LOG2_N, MAX_LOG2_N = 10, 20
MAX_R, MAX_P = 32, 4
MIN_SECRET_LENGTH = 8  # for secrets IT sets (`operators add`, `reset-secret`)

_PHC = re.compile(r"^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


@dataclass(frozen=True, slots=True)
class ScryptParameters:
    log2_n: int = DEFAULT_LOG2_N
    r: int = DEFAULT_R
    p: int = DEFAULT_P

    def check(self) -> None:
        if not (MIN_LOG2_N <= self.log2_n <= MAX_LOG2_N and 1 <= self.r <= MAX_R and 1 <= self.p <= MAX_P):
            raise ValueError(f"scrypt parameters out of range: {self}")

    @property
    def max_memory(self) -> int:
        # scrypt needs 128 * r * N bytes for V plus 128 * r * p for B; leave room for both.
        return 128 * self.r * ((1 << self.log2_n) + self.p + 2) + (1 << 20)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _derive(secret: str, salt: bytes, parameters: ScryptParameters) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=1 << parameters.log2_n, r=parameters.r, p=parameters.p,
        maxmem=parameters.max_memory, dklen=HASH_BYTES,
    )


def hash_secret(secret: str, parameters: ScryptParameters | None = None, *, salt: bytes | None = None) -> str:
    """The PHC string of `secret` with a fresh random salt."""
    if not secret:
        raise ValueError("an empty secret cannot be hashed")
    parameters = parameters or ScryptParameters()
    parameters.check()
    salt = random.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _derive(secret, salt, parameters)
    return f"$scrypt$ln={parameters.log2_n},r={parameters.r},p={parameters.p}${_b64(salt)}${_b64(digest)}"


def parse_hash(phc: str) -> tuple[ScryptParameters, bytes, bytes] | None:
    """(parameters, salt, hash) of a PHC string, or None when it is not one we accept."""
    match = _PHC.match(phc.strip())
    if match is None:
        return None
    parameters = ScryptParameters(int(match[1]), int(match[2]), int(match[3]))
    try:
        parameters.check()
        salt, digest = _unb64(match[4]), _unb64(match[5])
    except (ValueError, binascii.Error):
        return None
    if len(salt) < 8 or len(digest) < 16:
        return None
    return parameters, salt, digest


def verify_secret(secret: str, phc: str) -> bool:
    parsed = parse_hash(phc)
    if parsed is None or not secret:
        return False
    parameters, salt, expected = parsed
    try:
        actual = hashlib.scrypt(
            secret.encode("utf-8"), salt=salt, n=1 << parameters.log2_n, r=parameters.r, p=parameters.p,
            maxmem=parameters.max_memory, dklen=len(expected),
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def burn_time(secret: str) -> None:
    """As long as a verification with the default cost, for an unknown account: the
    time a login takes does not tell whether the operator id exists."""
    _derive(secret or "-", b"\x00" * SALT_BYTES, ScryptParameters())
