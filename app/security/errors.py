"""Errors of the counter's key stores and of the local store's encryption key (#10).

They name files, key stores and revisions, never a key or a personal value.
"""

from __future__ import annotations

from app.errors import AppError
from devices.errors import QT_TRANSLATE_NOOP


class KeyStoreError(AppError):
    """The counter cannot get its keys: nothing is read or written without them."""

    exit_code = 3


class KeyStoreUnavailableError(KeyStoreError):
    code = "SEC-001"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The key store {key_store} is not available: {detail}. The counter's data stays encrypted and "
        "unread. Contact IT support: check [security] key_store in the configuration.",
    )


class KeyFileRefusedError(KeyStoreError):
    code = "SEC-002"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The key {key} is refused: {reason}. Contact IT support; do not delete it.",
    )


class WrongStoreKeyError(KeyStoreError):
    """The key-encryption key does not open the local store's data key: another key
    store, another key directory, a replaced key file, or a database from another PC."""

    code = "SEC-003"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The local database {database} cannot be opened with the key from {key_store} ({detail}). "
        "The key store is wrong or missing: this database was encrypted with another key. Contact IT "
        "support; do not delete anything.",
    )


class EmbeddedCentralKeyError(KeyStoreError):
    """The embedded central store (app.central.embedded) is encrypted with a key this
    counter's key store does not hold."""

    code = "SEC-004"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The embedded central store {database} cannot be opened with the key from {key_store} ({detail}). "
        "It was encrypted with another key: the key store is wrong or missing. Contact IT support; do not "
        "delete anything.",
    )


class KeyStoreMovedError(KeyStoreError):
    """The configured key store was retired by `marriage-counter security rewrap`: the
    keys are in the other store now and the configuration still names this one."""

    code = "SEC-010"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The counter's keys are no longer in {key_store}: {note}. Contact IT support: [security] key_store in "
        "the configuration must name the key store the keys were moved to.",
    )
