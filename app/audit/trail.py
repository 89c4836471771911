"""The counter's audit trail: an append-only, HMAC hash-chained JSON Lines file.

One record per line, written whole with one append and made durable (fsync) before
`record` returns:

    {"action":"view","at":"2026-11-30T09:30:00+08:00","case":"c-1","counter":"counter-01",
     "detail":"review","mac":"…","operator":"op-7","prev":"…","seq":42}

`mac` = HMAC-SHA256(key, canonical JSON of the record without `mac`), canonical being
sorted keys, no spaces, UTF-8; the line itself is the canonical JSON with `mac`. `prev`
is the previous record's `mac` (the first record's is GENESIS, 64 zeros), `seq` counts
from 1. The chain's head is (seq, mac) of the last record: shipped to the central store
with every sync (app.sync.service), it lets `audit verify` catch a log cut short, which
no local check can (notes/central-store.md §6.3).

Where: `<data_dir>/audit/audit.jsonl` (0600, folder 0700), one file per counter, never
rotated: ~300 bytes a record, a few hundred records a working day, ~20 MB a year, which
`audit verify` checks in seconds. Old records are kept (≥ 6 months by law, in practice
the counter's life); IT archives the whole file, never a part of it, since a chain
verifies from its first record. The key is the key store's "audit-hmac"
(app.security.keys).

Power cuts: a line is written by one `write` and fsynced before `record` returns, so
only the record being written can be torn. At the next start (or the next record) an
unfinished last line is moved whole to `audit.jsonl.torn-<UTC time>` beside the log, the
file is cut back to its last complete line and a `torn_tail` record saying so is
chained: nothing complete is ever dropped, and the incident stays visible. A complete
last record that lost only its end of line is kept (the end of line is added).

Processes: every append (and every read of the head by another process, `sync run`)
holds an exclusive lock on `audit.jsonl.lock`, so a second process writing the same log
continues the chain instead of forking it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from app.audit import AuditEvent
from app.audit.errors import AuditWriteError
from app.file_lock import InterProcessLock, holding
from app.logging_setup import mask_personal_data

if TYPE_CHECKING:
    from app.config import Config
    from app.security.keys import KeyStore

log = logging.getLogger(__name__)

GENESIS = "0" * 64
KEY_NAME = "audit-hmac"
LOG_DIR_NAME = "audit"
LOG_FILE_NAME = "audit.jsonl"
MAX_DETAIL = 500  # characters; details are step names, form names, rule ids, codes
# Records the trail writes about itself (not AuditAction values).
TORN_TAIL_ACTION = "torn_tail"
SYSTEM_OPERATOR = "system"
REFUSED_SUFFIX = ".head-refused"  # beside the log: the central store refused its head (AUD-003)

FIELDS = frozenset({"seq", "at", "counter", "operator", "action", "case", "detail", "prev", "mac"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BLOCK = 8192
O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class AuditHead(NamedTuple):
    """The last link of a chain: its record's sequence number and MAC."""

    seq: int
    hash: str


EMPTY_HEAD = AuditHead(0, GENESIS)


# --- the record format ------------------------------------------------------------


def canonical(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_mac(key: bytes, record: Mapping[str, Any]) -> str:
    body = {name: value for name, value in record.items() if name != "mac"}
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def parse_record(line: bytes) -> dict[str, Any] | None:
    """The record on `line` (without its end of line) when it has the record's shape;
    None for anything else. Says nothing about its MAC or its place in the chain."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or set(record) != FIELDS:
        return None
    seq = record["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return None
    if not all(isinstance(record[name], str) for name in ("at", "counter", "operator", "action", "detail")):
        return None
    if record["case"] is not None and not isinstance(record["case"], str):
        return None
    if not all(isinstance(record[name], str) and _HEX64.match(record[name]) for name in ("prev", "mac")):
        return None
    return record


def head_of(record: Mapping[str, Any]) -> AuditHead:
    return AuditHead(int(record["seq"]), str(record["mac"]))


# --- files --------------------------------------------------------------------------


def _read_at(fd: int, offset: int, size: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    parts: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def complete_end(fd: int, size: int) -> int:
    """The offset just after the last end of line before `size` (0: none)."""
    position = size
    while position > 0:
        start = max(0, position - _BLOCK)
        index = _read_at(fd, start, position - start).rfind(b"\n")
        if index >= 0:
            return start + index + 1
        position = start
    return 0


def lines_backwards(fd: int, end: int) -> Iterator[bytes]:
    """The complete lines of the file before `end` (just after an end of line), last
    first, without their end of line."""
    position = end
    buffer = b""  # always [position, …) and ends with an end of line
    while position > 0:
        start = max(0, position - _BLOCK)
        buffer = _read_at(fd, start, position - start) + buffer
        position = start
        while True:
            index = buffer.rfind(b"\n", 0, len(buffer) - 1)
            if index < 0:
                break
            yield buffer[index + 1 : -1]
            buffer = buffer[: index + 1]
    if buffer:
        yield buffer[:-1]


def last_record(fd: int, end: int) -> dict[str, Any] | None:
    """The last line before `end` that has a record's shape."""
    for line in lines_backwards(fd, end):
        record = parse_record(line)
        if record is not None:
            return record
    return None


def hash_at(fd: int, end: int, seq: int) -> str | None:
    """The hash (mac) of the record numbered `seq` before `end`, searched from the end
    (the central store's head is near it); GENESIS for 0, None when there is none."""
    if seq == 0:
        return GENESIS
    for line in lines_backwards(fd, end):
        record = parse_record(line)
        if record is None:
            continue
        if record["seq"] == seq:
            return str(record["mac"])
        if record["seq"] < seq:
            return None
    return None


def _fsync_directory(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened; NTFS journals the entry
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + ".lock")


@contextmanager
def writers_excluded(log_path: Path) -> Iterator[None]:
    """Holds the writers' lock while a reader looks at the log, so it sees only records
    that are complete and durable. Without the lock file (no trail ever opened the log,
    or a read-only copy) the reader goes on unlocked."""
    with holding(lock_path(log_path), create=False):
        yield


def read_head(path: Path) -> AuditHead:
    """The head of the log at `path` as its writer left it, without writing anything
    (for a process that does not keep the trail: `sync run`). FileNotFoundError when
    there is no log."""
    with writers_excluded(path):
        fd = os.open(path, os.O_RDONLY | O_BINARY)
        try:
            record = last_record(fd, complete_end(fd, os.fstat(fd).st_size))
        finally:
            os.close(fd)
    return EMPTY_HEAD if record is None else head_of(record)


def read_hash_at(path: Path, seq: int) -> str | None:
    """hash_at on the log at `path`, without writing anything."""
    with writers_excluded(path):
        fd = os.open(path, os.O_RDONLY | O_BINARY)
        try:
            return hash_at(fd, complete_end(fd, os.fstat(fd).st_size), seq)
        finally:
            os.close(fd)


# A refusal of the central store (AUD-003) is kept beside the log until IT re-anchors
# the chain (the central head reset, this file removed): every process of the counter
# shows it (the GUI's sync, `sync run`, `sync status`) and none ships a head meanwhile.


def refusal_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + REFUSED_SUFFIX)


def read_refusal(log_path: Path) -> str:
    """The AUD-003 message kept for this log ("" when none)."""
    try:
        return refusal_path(log_path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        return f"[AUD-003] the refusal note {refusal_path(log_path)} cannot be read: {error}"


def write_refusal(log_path: Path, message: str) -> None:
    """Keeps the AUD-003 message (no personal data: counter id, sequence numbers)."""
    path = refusal_path(log_path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_BINARY, 0o600)
    try:
        os.write(fd, message.encode("utf-8") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


class AuditLogHead:
    """The head of a log another process writes: what `sync run` ships. Same shape as
    AuditTrail's counter_id, path, head() and hash_at() (app.sync.types.AuditHeadSource)."""

    def __init__(self, path: Path, counter_id: str) -> None:
        self.path = path
        self.counter_id = counter_id

    def head(self) -> AuditHead:
        return read_head(self.path)

    def hash_at(self, seq: int) -> str | None:
        return read_hash_at(self.path, seq)


# --- the trail ----------------------------------------------------------------------


class AuditTrail:
    """The AuditSink of a counter. Thread-safe (the GUI thread and the workers record);
    several processes may share the file (see the module's docstring).

    `record` raises AuditWriteError (AUD-001) when the record could not be made durable:
    the caller must then not perform the access it was recording (fail closed). It
    raises ValueError for an event of another counter or a naive time (a caller's bug).
    """

    def __init__(self, path: Path, key: bytes, counter_id: str) -> None:
        if len(key) < 16:
            raise ValueError("the audit key must have at least 16 bytes")
        if not counter_id:
            raise ValueError("the counter id is empty")
        self.path = path
        self.counter_id = counter_id
        self._key = key
        self._lock = threading.Lock()
        self._end = -1  # the file's size as this trail left it; anything else: look again
        self._head = EMPTY_HEAD
        self.torn_tails: list[str] = []  # side files of unfinished records moved aside, this session
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            created = not path.exists()
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | O_BINARY, 0o600)
        except OSError as error:
            raise AuditWriteError(f"{path}: {error.strerror or error}") from error
        try:
            self._file_lock = InterProcessLock(lock_path(path))
        except OSError as error:
            os.close(self._fd)
            raise AuditWriteError(f"{lock_path(path)}: {error.strerror or error}") from error
        try:
            if created:
                _fsync_directory(path.parent)
            with self._exclusive():
                self._refresh()
        except OSError as error:
            self.close()
            raise AuditWriteError(f"{path}: {error.strerror or error}") from error
        except BaseException:
            self.close()
            raise
        if self._head.seq:
            log.info("audit trail %s opened at seq %d", path, self._head.seq)

    def close(self) -> None:
        with self._lock:
            if self._fd < 0:
                return
            os.close(self._fd)
            self._file_lock.close()
            self._fd = -1

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- AuditSink ----------------------------------------------------------------

    def record(self, event: AuditEvent) -> None:
        if event.counter_id != self.counter_id:
            raise ValueError(f"an event of counter {event.counter_id!r} in the trail of {self.counter_id!r}")
        if event.at.tzinfo is None:
            raise ValueError("audit events need a timezone-aware time")
        # Details name steps, forms and codes; masked anyway, like the log (never personal data).
        detail = mask_personal_data(event.detail)[:MAX_DETAIL]
        with self._exclusive():
            self._refresh()
            self._append(str(event.action), event.operator_id, event.case_id, detail, event.at)

    def head(self) -> AuditHead:
        """(seq, mac) of the last durable record; (0, GENESIS) for an empty log."""
        with self._exclusive():
            self._refresh()
            return self._head

    def hash_at(self, seq: int) -> str | None:
        """The hash of this log's record numbered `seq` (GENESIS for 0; None: none)."""
        with self._exclusive():
            self._refresh()
            return hash_at(self._fd, self._end, seq)

    # --- inside the locks -----------------------------------------------------------

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._lock:
            if self._fd < 0:
                raise AuditWriteError(f"{self.path}: the audit trail is closed")
            try:
                self._file_lock.acquire()
            except OSError as error:
                raise AuditWriteError(f"{self.path}: {error.strerror or error}") from error
            try:
                yield
            except OSError as error:
                raise AuditWriteError(f"{self.path}: {error.strerror or error}") from error
            finally:
                self._file_lock.release()

    def _refresh(self) -> None:
        """Catches up with the file when it is not as this trail left it: the first
        look, another process's records, a torn tail after a power cut or a failed write."""
        size = os.fstat(self._fd).st_size
        if size == self._end:
            return
        end = complete_end(self._fd, size)
        record = last_record(self._fd, end)
        self._head = EMPTY_HEAD if record is None else head_of(record)
        self._end = end
        if record is not None and not hmac.compare_digest(record_mac(self._key, record), record["mac"]):
            # Edited, or the key is not the one the log was written with; `audit verify`
            # names the first broken link. The chain goes on from the record as it is.
            log.error("audit trail %s: the last record (seq %d) does not verify with this counter's key",
                      self.path, self._head.seq)
        if end < size:
            self._torn_tail(end, size)

    def _torn_tail(self, end: int, size: int) -> None:
        fragment = _read_at(self._fd, end, size - end)
        record = parse_record(fragment)
        if (
            record is not None
            and record["seq"] == self._head.seq + 1
            and record["prev"] == self._head.hash
            and hmac.compare_digest(record_mac(self._key, record), record["mac"])
        ):
            # Complete but for its end of line: keep it.
            self._write(b"\n")
            self._end = size + 1
            self._head = head_of(record)
            log.warning("audit trail %s: the last record (seq %d) lacked its end of line; completed",
                        self.path, self._head.seq)
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.torn-{stamp}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY, 0o600)
        try:
            os.write(fd, fragment)
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_directory(self.path.parent)
        os.ftruncate(self._fd, end)
        os.fsync(self._fd)
        self.torn_tails.append(aside.name)
        log.warning("audit trail %s: an unfinished last line (%d bytes) was moved to %s", self.path, len(fragment),
                    aside.name)
        detail = f"an unfinished last line of {len(fragment)} bytes was moved to {aside.name}"
        self._append(TORN_TAIL_ACTION, SYSTEM_OPERATOR, None, detail, datetime.now(UTC).astimezone())

    def _append(self, action: str, operator: str, case_id: str | None, detail: str, at: datetime) -> None:
        body: dict[str, Any] = {
            "seq": self._head.seq + 1,
            "at": at.isoformat(),
            "counter": self.counter_id,
            "operator": operator,
            "action": action,
            "case": case_id,
            "detail": detail,
            "prev": self._head.hash,
        }
        mac = record_mac(self._key, body)
        line = canonical({**body, "mac": mac}) + b"\n"
        try:
            self._write(line)
        except OSError:
            self._undo()
            raise
        self._end += len(line)
        self._head = AuditHead(body["seq"], mac)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)  # O_APPEND: always at the end
            view = view[written:]
        os.fsync(self._fd)

    def _undo(self) -> None:
        """Cuts a partly written record off again (disk full). If that fails too, the
        next record or start finds the torn tail and moves it aside."""
        try:
            os.ftruncate(self._fd, self._end)
            os.fsync(self._fd)
        except OSError:
            log.exception("audit trail %s: a failed record could not be cut off", self.path)


# --- the counter's trail ----------------------------------------------------------


def audit_log_path(config: Config) -> Path:
    return config.data_dir / LOG_DIR_NAME / LOG_FILE_NAME


def key_store_for(config: Config) -> KeyStore:
    """The configured key store (app.security's `open_key_store` when it exists; until
    then the file key store in [security] key_dir or <data_dir>/keys)."""
    import app.security
    from app.security import keys

    opener = getattr(app.security, "open_key_store", None) or getattr(keys, "open_key_store", None)
    if opener is not None:
        store: KeyStore = opener(config)
        return store
    return keys.FileKeyStore(config.security.key_dir or config.data_dir / "keys")


def open_audit_trail(config: Config, key_store: KeyStore | None = None) -> AuditTrail:
    """The counter's trail: <data_dir>/audit/audit.jsonl under the key "audit-hmac"."""
    store = key_store if key_store is not None else key_store_for(config)
    try:
        key = store.secret(KEY_NAME)
    except (OSError, ValueError) as error:
        raise AuditWriteError(f"the audit key: {error}") from error
    return AuditTrail(audit_log_path(config), key, config.office.counter_id)
