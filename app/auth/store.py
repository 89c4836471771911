"""The two small files the counter keeps for its operators, in the data folder.

- `operators.json`: the offline cache of the accounts that may log in here (this
  office's and IT's), refreshed from the central store whenever it answers. It holds
  only ids, names, roles, office codes, training dates, the active flag and the scrypt
  hashes of the secrets, never a secret.
- `auth-lockout.json`: recent failed attempts and lockouts, by operator id, so a
  restart does not reset a lockout. An id typed that belongs to no account is kept as
  an HMAC of what was typed under a key of the counter's key store (it may be a secret
  typed into the wrong field, so the file alone must not let anyone guess it offline);
  without that key, all unknown ids share one entry.

Both are replaced atomically (a temporary file, fsync, os.replace) and readable only
by the account running the counter. A damaged file (not JSON, or a document of the
wrong shape: `operators` of the wrong type, a `refreshed_at` that is no date) is set
aside and treated as empty: a counter never fails to start or to log in over it (its
operators refresh the cache online; a lost lockout file starts the count afresh, which
is logged).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.auth.model import OPERATOR_ID_PATTERN, Account, Operator, OperatorRole

log = logging.getLogger(__name__)

CACHE_FILE = "operators.json"
LOCKOUT_FILE = "auth-lockout.json"
FILE_VERSION = 1


def write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def set_aside(path: Path, reason: str) -> None:
    """Renames a damaged file *.damaged (IT may look at it; the counter starts afresh).
    `reason` says what is wrong with its structure, never what it holds."""
    aside = path.with_name(path.name + ".damaged")
    log.warning("%s is damaged (%s): set aside as %s and treated as empty", path, reason, aside.name)
    with contextlib.suppress(OSError):
        os.replace(path, aside)


def read_json(path: Path) -> dict[str, Any] | None:
    """The document, None when there is none; a damaged file is renamed *.damaged."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        log.error("%s cannot be read: %s", path, error)
        return None
    try:
        document = json.loads(text)
    except ValueError:
        set_aside(path, "not JSON")
        return None
    if not isinstance(document, dict) or document.get("version") != FILE_VERSION:
        set_aside(path, f"expected a version {FILE_VERSION} document")
        return None
    return document


# --- the offline cache of accounts -------------------------------------------------------


def operator_to_json(operator: Operator) -> dict[str, Any]:
    """An account without its secret (the cache adds it; `operators list` shows this)."""
    return {
        "operator_id": operator.operator_id,
        "name": operator.name,
        "office_code": operator.office_code,
        "role": operator.role.value,
        "training_valid_until": operator.training_valid_until.isoformat() if operator.training_valid_until else None,
        "active": operator.active,
    }


def account_to_json(account: Account) -> dict[str, Any]:
    return {
        **operator_to_json(account.operator),
        "secret_hash": account.secret_hash,
    }


def account_from_json(item: dict[str, Any]) -> Account:
    training = item.get("training_valid_until")
    operator_id = str(item["operator_id"])
    if not OPERATOR_ID_PATTERN.match(operator_id):
        raise ValueError(f"invalid operator id {operator_id!r}")
    return Account(
        Operator(
            operator_id=operator_id,
            name=str(item["name"]),
            office_code=str(item["office_code"]),
            role=OperatorRole(item["role"]),
            training_valid_until=date.fromisoformat(training) if training else None,
            active=bool(item.get("active", True)),
        ),
        str(item["secret_hash"]),
    )


class OperatorCache:
    """The accounts this counter knows, by operator id. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] | None = None
        self.refreshed_at: datetime | None = None

    def _loaded(self) -> dict[str, Account]:
        if self._accounts is None:
            accounts: dict[str, Account] = {}
            refreshed_at: datetime | None = None
            document = read_json(self.path)
            if document is not None:
                items, refreshed = document.get("operators", []), document.get("refreshed_at")
                try:
                    if not isinstance(items, list):
                        raise TypeError("operators is not a list")
                    refreshed_at = datetime.fromisoformat(refreshed) if refreshed else None
                except (TypeError, ValueError) as error:
                    # Treated as empty: the next login refreshes it from the central store.
                    set_aside(self.path, "refreshed_at is not a date" if isinstance(error, ValueError) else str(error))
                    items, refreshed_at = [], None
                for item in items:
                    try:
                        account = account_from_json(item)
                    except (KeyError, ValueError, TypeError, AttributeError) as error:
                        log.error("an entry of %s is skipped: %s", self.path.name, type(error).__name__)
                        continue
                    accounts[account.operator_id] = account
            self.refreshed_at = refreshed_at
            self._accounts = accounts
        return self._accounts

    def get(self, operator_id: str) -> Account | None:
        with self._lock:
            return self._loaded().get(operator_id)

    def accounts(self) -> list[Account]:
        with self._lock:
            return sorted(self._loaded().values(), key=lambda a: a.operator_id)

    def replace(self, accounts: list[Account], refreshed_at: datetime) -> None:
        """The cache becomes exactly `accounts` (a refresh from the central store)."""
        with self._lock:
            write_json_atomically(self.path, {
                "version": FILE_VERSION,
                "refreshed_at": refreshed_at.isoformat(),
                "operators": [account_to_json(a) for a in sorted(accounts, key=lambda a: a.operator_id)],
            })
            self._accounts = {a.operator_id: a for a in accounts}
            self.refreshed_at = refreshed_at


# --- failed attempts and lockouts --------------------------------------------------------


UNKNOWN_BUCKET = "unknown"  # the one entry of every unknown id when there is no key


def lockout_key(operator_id: str, known: bool, key: bytes | None = None) -> str:
    """The id itself for an account. For an id that is no account, an HMAC-SHA256 of what
    was typed under `key` (a key-store key: the lockout file alone does not let anyone
    test guesses of what was typed); without a key one shared entry for all of them."""
    if known:
        return operator_id
    if key is None:
        return UNKNOWN_BUCKET
    return "unknown:" + hmac.new(key, operator_id.encode("utf-8"), "sha256").hexdigest()[:32]


@dataclass
class Attempts:
    failures: list[datetime] = field(default_factory=list)
    locked_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "failures": [moment.isoformat() for moment in self.failures],
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Attempts:
        until = item.get("locked_until")
        return cls([datetime.fromisoformat(f) for f in item.get("failures", [])],
                   datetime.fromisoformat(until) if until else None)


class LockoutBook:
    """Failed attempts per operator id: `max_failures` within `window` lock the id for
    `window` from the last one. Every change is written before the caller answers."""

    def __init__(self, path: Path, *, max_failures: int, window: timedelta) -> None:
        self.path = path
        self.max_failures = max_failures
        self.window = window
        self._lock = threading.Lock()
        self._entries: dict[str, Attempts] | None = None

    def _loaded(self) -> dict[str, Attempts]:
        if self._entries is None:
            entries: dict[str, Attempts] = {}
            document = read_json(self.path)
            items = (document or {}).get("operators", {})
            if not isinstance(items, dict):
                set_aside(self.path, "operators is not an object")
                items = {}
            for key, item in items.items():
                try:
                    entries[str(key)] = Attempts.from_json(item)
                except (ValueError, TypeError, AttributeError) as error:
                    log.error("a lockout entry is skipped: %s", type(error).__name__)
            self._entries = entries
        return self._entries

    def _save(self) -> None:
        entries = self._loaded()
        write_json_atomically(self.path, {
            "version": FILE_VERSION,
            "operators": {key: value.to_json() for key, value in sorted(entries.items())},
        })

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        with self._lock:
            entry = self._loaded().get(key)
            if entry is None or entry.locked_until is None or now >= entry.locked_until:
                return None
            return entry.locked_until

    def failed(self, key: str, now: datetime) -> datetime | None:
        """Records a failure; the end of the lockout it starts, or None."""
        with self._lock:
            entries = self._loaded()
            entry = entries.setdefault(key, Attempts())
            if entry.locked_until is not None and now >= entry.locked_until:
                entry.locked_until = None  # a lockout that ended starts a fresh count
            entry.failures = [f for f in entry.failures if timedelta(0) <= now - f < self.window] + [now]
            if len(entry.failures) >= self.max_failures:
                entry.locked_until = now + self.window
                entry.failures = []
            self._prune(entries, now)
            self._save()
            return entry.locked_until

    def succeeded(self, key: str) -> None:
        with self._lock:
            entries = self._loaded()
            if entries.pop(key, None) is not None:
                self._save()

    def _prune(self, entries: dict[str, Attempts], now: datetime) -> None:
        """Drops entries with nothing left to remember (the file stays small)."""
        for key in list(entries):
            entry = entries[key]
            recent = [f for f in entry.failures if timedelta(0) <= now - f < self.window]
            if not recent and (entry.locked_until is None or now >= entry.locked_until):
                del entries[key]
            else:
                entry.failures = recent
