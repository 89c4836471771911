"""Authenticated encryption at rest: AES-256-GCM (cryptography), HKDF-SHA256 subkeys,
key wrapping and key check values.

AES-GCM with a random 96-bit nonce per value: with one data key, NIST SP 800-38D
allows 2^32 encryptions before the nonce collision risk matters; a counter writes a
few hundred thousand values a year. Where 密评 (GB/T 39786) applies, SM4-GCM
(cryptography has it) replaces AES here behind a new envelope version byte.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
_WRAP_LABEL: Final = b"marriage-counter key wrap\x00"
_CHECK_LABEL: Final = b"marriage-counter key check value"


class DecryptionFailed(Exception):
    """The ciphertext, its associated data or the key is not the one it was sealed with."""


class Aead:
    """AES-256-GCM with one key; the cipher object is made once (it is thread-safe)."""

    __slots__ = ("_cipher",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key is {KEY_BYTES} bytes, not {len(key)}")
        self._cipher = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        """nonce ‖ ciphertext ‖ tag."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, plaintext, associated_data)

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed("too short to be a sealed value")
        try:
            return self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
        except InvalidTag as error:
            raise DecryptionFailed("authentication failed") from error


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte subkey of `master` for one purpose (HKDF-SHA256, RFC 5869): one data key
    gives independent keys for values, the blind index and the row digests."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode("utf-8")).derive(master)


def keyed_hash(key: bytes, data: bytes) -> str:
    """HMAC-SHA256 in hex."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def key_check_value(key: bytes) -> str:
    """16 hex digits that tell whether a key is the expected one without revealing it,
    so "wrong key store" and "damaged wrapped key" are told apart."""
    return keyed_hash(key, _CHECK_LABEL)[:16]


def wrap_key(kek: bytes, key: bytes, label: bytes) -> bytes:
    """`key` encrypted under the key-encryption key, bound to `label`."""
    return Aead(kek).seal(key, _WRAP_LABEL + label)


def unwrap_key(kek: bytes, wrapped: bytes, label: bytes) -> bytes:
    """Raises DecryptionFailed when `kek` or `label` is not the one it was wrapped with."""
    key = Aead(kek).open(wrapped, _WRAP_LABEL + label)
    if len(key) != KEY_BYTES:
        raise DecryptionFailed(f"the wrapped key is {len(key)} bytes")
    return key


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
