"""Encryption at rest of the counter's local store (#10): application-level AEAD of
every personal column, under a data key wrapped by the counter's key store.

Scheme (notes/central-store.md §6):

- Key hierarchy. A random 256-bit data key (DEK) per store, kept in `store_key`
  wrapped with AES-256-GCM by the key-encryption key (KEK) `local-store` of the key
  store (`[security] key_store`: a 0600 file, or Windows Credential Manager / Secret
  Service through keyring). The KEK never touches the database and the DEK never
  touches the disk unwrapped; moving the store to another key store re-wraps the DEK
  only (`rewrap_data_key`). HKDF-SHA256 derives three independent subkeys from the DEK:
  values, blind index, row digests.
- Values. Each `Sealed` column (app.store.models) holds an envelope:
  `0x01 ‖ key id (2 bytes) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)`. The
  associated data is the envelope header, the table, the column and the row's key
  (case id first, then the role, document id, form, position or item id), so a value
  copied to another case, party or column fails to decrypt: SealedValueError (LOC-004)
  naming case and field, never garbage. The version byte leaves room for another
  cipher (SM4-GCM where 密评 applies); the key id for a new data key.
- Blind index. `case_party.person_index` = HMAC-SHA256 of the person key under the
  index subkey: equal persons match (`LocalStore.cases_of_person`) and the number is
  not in the clear, nor guessable without the key (an ID number has ~10^9 values, so a
  plain hash would be reversed by enumeration).
- Row digests (dirty tracking of app.store.local) are HMACs over the plaintext under the
  digest subkey: stable across saves, so unchanged rows are not rewritten, and unlike a
  plain SHA-256 of a row they do not let anyone confirm a guessed name or number.

With `[security] encrypt_local_store = false` the columns hold plain envelopes
(`0x00 ‖ value`), the digests are plain SHA-256 as before #10 and the person index a
plain SHA-256 of the person key (the number is in the clear there anyway): no key. A
store whose mode differs from the configuration is converted when it opens, in one
transaction (`activate`).

What is not sealed, on purpose: case and item ids, states, steps, times, the business,
office and counter codes, the registrar's login, device names, SHA-256 of images and
archive files (of high-entropy bytes, not guessable), the outbox's `last_error` (the
sync service keeps names out of it; `sync status` prints it without the key), and the
fact that an optional value is absent (NULL).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from app.errors import LocalStoreError
from app.security.crypto import (
    Aead,
    DecryptionFailed,
    derive_key,
    key_check_value,
    keyed_hash,
    new_key,
    unwrap_key,
    wrap_key,
)
from app.security.errors import WrongStoreKeyError
from app.security.keys import FileKeyStore, KeyStore, MemoryKeyStore, describe_key_store, key_exists
from app.store.models import LocalBase
from app.store.sqltypes import Sealed, SealedKind
from devices.errors import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from app.config import Config

log = logging.getLogger(__name__)

PLAIN: Final = 0x00
AES_256_GCM: Final = 0x01
KEK_NAME: Final = "local-store"
# The config.attributes key under which LocalStore hands its protection to migrations.
MIGRATION_ATTRIBUTE: Final = "local_store_protection"
_AD_LABEL: Final = b"marriage-counter/local-store/value"
_HEADER_BYTES: Final = 3  # version + key id

# The key of each table's rows, as bound into every sealed value of the table. Part of
# the envelope format: changing it makes stored values unreadable.
ROW_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "counter_case": ("case_id",),
    "case_party": ("case_id", "role"),
    "case_document": ("case_id", "document_id"),
    "case_signature": ("case_id", "role"),
    "case_form_signature": ("case_id", "form", "role"),
    "case_rule_outcome": ("case_id", "position"),
    "case_registration": ("case_id",),
    "outbox": ("case_id", "item_id"),
    "archive_file": ("case_id", "name"),
}


class SealedValueError(LocalStoreError):
    """A sealed value does not decrypt under its own case and field: it was changed,
    damaged or copied from another row or column outside the program."""

    code = "LOC-004"
    template = QT_TRANSLATE_NOOP(
        "AppError",
        "The protected value {field} of case {case_id} cannot be decrypted: it was changed, damaged "
        "or copied from another case or field outside the program. The case cannot be opened; "
        "contact IT support (the local store's backup holds the original).",
    )


class FieldRef(NamedTuple):
    """Where a sealed value belongs: its table, column and row key (case id first)."""

    table: str
    column: str
    row_key: tuple[object, ...]

    def describe(self) -> str:
        rest = "/".join(str(part) for part in self.row_key[1:])
        return f"{self.table}.{self.column}" + (f" [{rest}]" if rest else "")

    def error(self) -> SealedValueError:
        return SealedValueError(case_id=str(self.row_key[0]), field=self.describe())


class FieldCodec(Protocol):
    encrypted: bool
    digest_key: bytes | None  # None: plain SHA-256 row digests

    def seal(self, payload: bytes, field: FieldRef) -> bytes: ...

    def open(self, envelope: bytes, field: FieldRef) -> bytes: ...

    def person_index(self, person_key: str) -> str: ...


class PlainCodec:
    """Encryption at rest switched off: `0x00 ‖ value`."""

    encrypted = False
    digest_key: bytes | None = None

    def seal(self, payload: bytes, field: FieldRef) -> bytes:
        return b"\x00" + payload

    def open(self, envelope: bytes, field: FieldRef) -> bytes:
        if envelope[:1] != b"\x00":
            raise field.error()
        return envelope[1:]

    def person_index(self, person_key: str) -> str:
        return hashlib.sha256(person_key.encode("utf-8")).hexdigest()


PLAIN_CODEC: Final = PlainCodec()


class AeadCodec:
    """AES-256-GCM under the store's data key(s); seals with the newest."""

    encrypted = True

    def __init__(self, data_keys: Mapping[int, bytes]) -> None:
        if not data_keys:
            raise ValueError("no data key")
        self._ciphers = {
            key_id: Aead(derive_key(key, "marriage-counter local-store values v1")) for key_id, key in data_keys.items()
        }
        self.key_id = max(data_keys)
        newest = data_keys[self.key_id]
        self._index_key = derive_key(newest, "marriage-counter local-store person index v1")
        self.digest_key: bytes | None = derive_key(newest, "marriage-counter local-store row digest v1")
        self._header = bytes([AES_256_GCM]) + self.key_id.to_bytes(2, "big")

    def seal(self, payload: bytes, field: FieldRef) -> bytes:
        return self._header + self._ciphers[self.key_id].seal(payload, _associated_data(self._header, field))

    def open(self, envelope: bytes, field: FieldRef) -> bytes:
        header = envelope[:_HEADER_BYTES]
        cipher = self._ciphers.get(int.from_bytes(header[1:], "big")) if header[:1] == b"\x01" else None
        if cipher is None or len(header) != _HEADER_BYTES:
            raise field.error()
        try:
            return cipher.open(envelope[_HEADER_BYTES:], _associated_data(header, field))
        except DecryptionFailed as error:
            raise field.error() from error

    def person_index(self, person_key: str) -> str:
        return keyed_hash(self._index_key, person_key.encode("utf-8"))


def _associated_data(header: bytes, field: FieldRef) -> bytes:
    parts = (_AD_LABEL, header, field.table.encode(), field.column.encode(), *(str(p).encode() for p in field.row_key))
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


# --- values <-> envelopes -----------------------------------------------------------------


def encode(kind: SealedKind, value: object) -> bytes:
    if kind == "bytes" and isinstance(value, bytes):
        return value
    if kind == "text" and isinstance(value, str):
        return value.encode("utf-8")
    if kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat().encode("ascii")
    raise TypeError(f"a sealed {kind} column cannot hold a {type(value).__name__}")


def decode(kind: SealedKind, payload: bytes) -> Any:
    if kind == "bytes":
        return payload
    text = payload.decode("utf-8")
    return date.fromisoformat(text) if kind == "date" else text


def _sealed_columns() -> dict[str, dict[str, SealedKind]]:
    found: dict[str, dict[str, SealedKind]] = {}
    for table in LocalBase.metadata.sorted_tables:
        columns = {column.name: column.type.kind for column in table.columns if isinstance(column.type, Sealed)}
        if columns:
            if table.name not in ROW_KEYS:
                raise RuntimeError(f"{table.name} has sealed columns but no row key in ROW_KEYS")
            found[table.name] = columns
    return found


# Table → sealed column → kind, from the models.
SEALED: Final[Mapping[str, Mapping[str, SealedKind]]] = _sealed_columns()


def seal_value(codec: FieldCodec, table: str, column: str, row_key: tuple[object, ...], value: object) -> bytes | None:
    if value is None:
        return None
    kind = SEALED[table][column]
    return codec.seal(encode(kind, value), FieldRef(table, column, row_key))


def open_value(codec: FieldCodec, table: str, column: str, row_key: tuple[object, ...], envelope: bytes | None) -> Any:
    if envelope is None:
        return None
    kind = SEALED[table][column]
    payload = codec.open(envelope, FieldRef(table, column, row_key))
    try:
        return decode(kind, payload)
    except ValueError as error:  # authentic, so written by a faulty program: still never garbage
        raise FieldRef(table, column, row_key).error() from error


def seal_row(codec: FieldCodec, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` (plain values, every column) with its sealed columns as envelopes."""
    sealed = SEALED.get(table)
    out = dict(row)
    if not sealed:
        return out
    row_key = tuple(row[column] for column in ROW_KEYS[table])
    for column in sealed:
        out[column] = seal_value(codec, table, column, row_key, row[column])
    return out


def open_row(codec: FieldCodec, table: str, row: Any) -> dict[str, Any]:
    """A result row (Row or mapping) as a dict of plain values."""
    values = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    sealed = SEALED.get(table)
    if not sealed:
        return values
    row_key = tuple(values[column] for column in ROW_KEYS[table])
    for column in sealed.keys() & values.keys():
        values[column] = open_value(codec, table, column, row_key, values[column])
    return values


# --- the data key ----------------------------------------------------------------------------


def _wrap_label(key_id: int) -> bytes:
    return b"local-store data key %d" % key_id


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_id: int
    wrapped: bytes
    kek_name: str
    kek_check: str


def stored_keys(conn: Connection) -> list[StoredKey]:
    """The wrapped data keys (none when encryption is off or the table is not there yet)."""
    exists = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_key'").first()
    if exists is None:
        return []
    rows = conn.exec_driver_sql("SELECT key_id, wrapped, kek_name, kek_check FROM store_key ORDER BY key_id")
    return [StoredKey(int(r[0]), bytes(r[1]), str(r[2]), str(r[3])) for r in rows]


class StoreProtection:
    """How a local store protects its personal values: the key store that holds the
    key-encryption key, and whether values are encrypted at all. Thread-safe."""

    def __init__(self, key_store: KeyStore | None, *, encrypt: bool = True) -> None:
        if encrypt and key_store is None:
            raise ValueError("encryption at rest needs a key store")
        self.key_store = key_store
        self.encrypt = encrypt
        self._kek: bytes | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_config(cls, config: Config) -> StoreProtection:
        """What `[security]` configures (app.security.keys.open_key_store)."""
        from app.security.keys import open_key_store

        return cls(open_key_store(config), encrypt=config.security.encrypt_local_store)

    @classmethod
    def default_for(cls, url: str) -> StoreProtection:
        """Encrypted, with the KEK in a key file in `keys/` beside the database: for a store
        in `<data_dir>/counter.sqlite3` that is the configuration's default
        (`key_store = "file"`, key_dir = `<data_dir>/keys`). A database without a file
        (:memory:) gets a key that lives as long as this object."""
        parsed = make_url(url)
        database = parsed.database or ""
        is_file = database and database != ":memory:" and not parsed.query.get("uri")
        if parsed.get_backend_name() == "sqlite" and is_file:
            return cls(FileKeyStore(Path(database).expanduser().resolve().parent / "keys"))
        return cls(MemoryKeyStore())

    @property
    def key_store_label(self) -> str:
        return "no key store" if self.key_store is None else describe_key_store(self.key_store)

    def kek(self, *, create: bool = True, database: str = "") -> bytes:
        """The key-encryption key (read once; raises the key store's coded errors). With
        `create` false a missing key is SEC-003: a store already encrypted needs its key,
        and a new one made in its place would only hide what happened."""
        with self._lock:
            if self._kek is None:
                if self.key_store is None:
                    raise WrongStoreKeyError(database=database, key_store="no key store", detail="no key store given")
                if not create and key_exists(self.key_store, KEK_NAME) is False:
                    raise WrongStoreKeyError(
                        database=database, key_store=self.key_store_label, detail=f"it holds no key {KEK_NAME}"
                    )
                self._kek = self.key_store.secret(KEK_NAME)
            return self._kek

    def unwrap(self, keys: Sequence[StoredKey], database: str) -> AeadCodec:
        """The codec of the stored data keys; SEC-003 when the key store holds another KEK."""
        if self.key_store is None:
            raise WrongStoreKeyError(
                database=database, key_store="no key store", detail="the store is encrypted and no key store was given"
            )
        kek = self.kek(create=False, database=database)
        data_keys: dict[int, bytes] = {}
        for stored in keys:
            if stored.kek_check != key_check_value(kek):
                raise WrongStoreKeyError(
                    database=database,
                    key_store=self.key_store_label,
                    detail=f"key {stored.kek_name} does not match the one data key {stored.key_id} was wrapped with",
                )
            try:
                data_keys[stored.key_id] = unwrap_key(kek, stored.wrapped, _wrap_label(stored.key_id))
            except DecryptionFailed as error:
                raise LocalStoreError(
                    detail=f"{database}: the wrapped data key {stored.key_id} is damaged (the key store's key is right)"
                ) from error
        return AeadCodec(data_keys)

    def create_data_key(self, conn: Connection, now: datetime | None = None) -> AeadCodec:
        """A new random data key, wrapped and stored in the caller's write transaction."""
        kek = self.kek()
        key = new_key()
        existing = [k.key_id for k in stored_keys(conn)]
        key_id = max(existing, default=0) + 1
        stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
        conn.exec_driver_sql(
            "INSERT INTO store_key (key_id, wrapped, kek_name, kek_check, created_at) VALUES (?, ?, ?, ?, ?)",
            (key_id, wrap_key(kek, key, _wrap_label(key_id)), KEK_NAME, key_check_value(kek),
             stamp.strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        log.info("local store: data key %d created, wrapped by %s", key_id, self.key_store_label)
        return AeadCodec({key_id: key})

    def write_codec(self, conn: Connection, database: str) -> FieldCodec:
        """The codec values are sealed with in this mode, creating the data key if needed
        (inside the caller's write transaction)."""
        if not self.encrypt:
            return PLAIN_CODEC
        keys = stored_keys(conn)
        return self.unwrap(keys, database) if keys else self.create_data_key(conn)


def rewrap_data_keys(conn: Connection, old: StoreProtection, new: StoreProtection, database: str) -> int:
    """Re-wraps every data key under `new`'s KEK (inside the caller's write transaction);
    the sealed values are untouched. Returns how many keys were re-wrapped."""
    keys = stored_keys(conn)
    if not keys:
        return 0
    old.unwrap(keys, database)  # proves `old` is the right key store first
    old_kek, new_kek = old.kek(create=False, database=database), new.kek()
    for stored in keys:
        key = unwrap_key(old_kek, stored.wrapped, _wrap_label(stored.key_id))
        conn.exec_driver_sql(
            "UPDATE store_key SET wrapped = ?, kek_name = ?, kek_check = ? WHERE key_id = ?",
            (wrap_key(new_kek, key, _wrap_label(stored.key_id)), KEK_NAME, key_check_value(new_kek), stored.key_id),
        )
    return len(keys)


@dataclass(frozen=True, slots=True)
class DatabaseRewrap:
    """What `rewrap_database` found and did."""

    data_keys: int  # wrapped data keys in the store (0: no store, or not encrypted)
    rewrapped: int  # re-wrapped just now; the others were under the new KEK already (a re-run)


def rewrap_database(
    url: str, old_kek: bytes | None, new_kek: bytes, *, old_label: str, new_label: str
) -> DatabaseRewrap:
    """Re-wraps the data keys of the local store at `url` from `old_kek` to `new_kek` in
    one write transaction (`marriage-counter security rewrap`, app.security.rewrap), and
    proves before the commit, and again on a fresh connection after it, that every data
    key unwraps under `new_kek` to the very bytes it had: the sealed values are not
    touched, so that is what keeps them readable. Keys already under `new_kek` are left
    as they are, so an interrupted move can be run again (`old_kek` may then be gone:
    None). SEC-003 when neither key opens a data key; nothing is changed then. A store
    file that does not exist is not created."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.store.engine import describe_db_error, make_engine, read_transaction

    parsed = make_url(url)
    database = parsed.database or ""
    is_file = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if is_file and not Path(database).expanduser().exists():
        return DatabaseRewrap(0, 0)
    new_check = key_check_value(new_kek)
    old_check = key_check_value(old_kek) if old_kek is not None else None
    label = database or url
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, OSError) as error:
        raise LocalStoreError(detail=f"{label}: {describe_db_error(error)}") from error
    try:
        with engine.begin() as conn:  # BEGIN IMMEDIATE: a counter process writes after or before
            keys = stored_keys(conn)
            data_keys: dict[int, bytes] = {}
            rewrapped = 0
            for stored in keys:
                label_bytes = _wrap_label(stored.key_id)
                if stored.kek_check == new_check:
                    data_keys[stored.key_id] = _unwrap_or_fail(new_kek, stored, label)
                    continue
                if old_kek is None or stored.kek_check != old_check:
                    raise WrongStoreKeyError(
                        database=label, key_store=f"{old_label} or {new_label}",
                        detail=f"neither key opens data key {stored.key_id}",
                    )
                data_key = _unwrap_or_fail(old_kek, stored, label)
                data_keys[stored.key_id] = data_key
                conn.exec_driver_sql(
                    "UPDATE store_key SET wrapped = ?, kek_name = ?, kek_check = ? WHERE key_id = ?",
                    (wrap_key(new_kek, data_key, label_bytes), KEK_NAME, new_check, stored.key_id),
                )
                rewrapped += 1
            _check_unwraps(stored_keys(conn), new_kek, data_keys, label)  # before the commit
        with read_transaction(engine) as conn:
            _check_unwraps(stored_keys(conn), new_kek, data_keys, label)  # and as stored
    except SQLAlchemyError as error:
        raise LocalStoreError(detail=f"{label}: {describe_db_error(error)}") from error
    finally:
        engine.dispose()
    if rewrapped:
        log.info("local store %s: %d data key(s) re-wrapped from %s to %s", label, rewrapped, old_label, new_label)
    return DatabaseRewrap(len(keys), rewrapped)


def _unwrap_or_fail(kek: bytes, stored: StoredKey, database: str) -> bytes:
    try:
        return unwrap_key(kek, stored.wrapped, _wrap_label(stored.key_id))
    except DecryptionFailed as error:
        raise LocalStoreError(
            detail=f"{database}: the wrapped data key {stored.key_id} is damaged (the key store's key is right)"
        ) from error


def _check_unwraps(keys: Sequence[StoredKey], kek: bytes, expected: Mapping[int, bytes], database: str) -> None:
    if {stored.key_id for stored in keys} != set(expected):
        raise LocalStoreError(detail=f"{database}: the data keys changed while they were re-wrapped")
    for stored in keys:
        unwrapped = _unwrap_or_fail(kek, stored, database)
        if stored.kek_check != key_check_value(kek) or unwrapped != expected[stored.key_id]:
            raise LocalStoreError(detail=f"{database}: data key {stored.key_id} does not unwrap as it was written")


# --- converting a whole store ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The sealed columns of one table as a conversion sees them."""

    row_key: tuple[str, ...]
    columns: Mapping[str, SealedKind]
    has_digest: bool


def current_specs() -> dict[str, TableSpec]:
    tables = LocalBase.metadata.tables
    return {
        name: TableSpec(ROW_KEYS[name], columns, "row_digest" in tables[name].c) for name, columns in SEALED.items()
    }


# Reads one stored value as its plain payload (None for NULL).
ReadValue = Callable[[object, FieldRef], bytes | None]
# Writes one plain payload as the value to store.
WriteValue = Callable[[bytes, FieldRef], object]
# A column computed from a row's plain payloads and some raw columns:
# (column, raw columns it needs, function).
Derived = tuple[str, Sequence[str], Callable[[Mapping[str, Any]], object]]


def codec_reader(codec: FieldCodec) -> ReadValue:
    def read(raw: object, field: FieldRef) -> bytes | None:
        if raw is None:
            return None
        if not isinstance(raw, bytes):
            raise field.error()
        return codec.open(raw, field)

    return read


def reseal(
    conn: Connection,
    specs: Mapping[str, TableSpec],
    read: ReadValue,
    write: WriteValue,
    *,
    derived: Derived | None = None,
    batch: int = 100,
) -> int:
    """Rewrites every sealed value of `specs` (`read` from its stored form, `write` to the
    new one) in the caller's transaction, `batch` rows at a time: a store of GBs of
    images never sits in memory whole. Child rows get an empty row digest (rewritten at
    their case's next save); `case_party` rows get the `derived` column (the blind
    index, or 0003's person key when going back). Returns the number of values rewritten."""
    count = 0
    for table, spec in specs.items():
        extra = list(derived[1]) if derived and table == "case_party" else []
        sealed = list(spec.columns)
        selected = [*spec.row_key, *sealed, *(column for column in extra if column not in sealed)]
        assignments = [f"{column} = ?" for column in sealed]
        if spec.has_digest:
            assignments.append("row_digest = ''")
        if derived and extra:
            assignments.append(f"{derived[0]} = ?")
        update = f"UPDATE {table} SET {', '.join(assignments)} WHERE rowid = ?"
        query = f"SELECT rowid, {', '.join(selected)} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        last = -(2**63)
        while rows := conn.exec_driver_sql(query, (last, batch)).fetchall():
            changes = []
            for row in rows:
                last = row[0]
                values = dict(zip(selected, row[1:], strict=True))
                row_key = tuple(values[column] for column in spec.row_key)
                plain: dict[str, Any] = {column: values[column] for column in extra}
                new: list[object] = []
                for column in sealed:
                    field = FieldRef(table, column, row_key)
                    payload = read(values[column], field)
                    plain[column] = payload
                    new.append(None if payload is None else write(payload, field))
                if derived and extra:
                    new.append(derived[2](plain))
                changes.append((*new, row[0]))
                count += len(sealed)
            conn.exec_driver_sql(update, changes)
    return count


def verify(conn: Connection, specs: Mapping[str, TableSpec], codec: FieldCodec, *, batch: int = 100) -> int:
    """Opens every sealed value; raises SealedValueError at the first that does not open."""
    read = codec_reader(codec)
    count = 0
    for table, spec in specs.items():
        selected = [*spec.row_key, *spec.columns]
        query = f"SELECT rowid, {', '.join(selected)} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        last = -(2**63)
        while rows := conn.exec_driver_sql(query, (last, batch)).fetchall():
            for row in rows:
                last = row[0]
                values = dict(zip(selected, row[1:], strict=True))
                row_key = tuple(values[column] for column in spec.row_key)
                for column in spec.columns:
                    read(values[column], FieldRef(table, column, row_key))
                    count += 1
    return count


def person_key_from_plain(plain: Mapping[str, Any]) -> str:
    """The domain's person key (document type, country, normalised number) of a
    case_party row whose `doc_type` is raw and `nationality`/`number` plain payloads."""
    from app.domain.identity import normalise_citizen_number

    nationality = bytes(plain["nationality"]).decode("utf-8")
    number = bytes(plain["number"]).decode("utf-8")
    return f"{plain['doc_type']}:{nationality}:{normalise_citizen_number(number)}"


@dataclass(frozen=True, slots=True)
class Activation:
    codec: FieldCodec
    converted: bool  # the values were re-sealed for another mode just now


def activate(engine: Engine, protection: StoreProtection, database: str) -> Activation:
    """The codec of an open store in the configured mode. A store in the other mode (the
    configuration changed) is converted in one write transaction: all or nothing."""
    from app.store.engine import read_transaction

    with read_transaction(engine) as conn:
        keys = stored_keys(conn)
    if protection.encrypt and keys:
        return Activation(protection.unwrap(keys, database), converted=False)
    if not protection.encrypt and not keys:
        return Activation(PLAIN_CODEC, converted=False)
    with engine.begin() as conn:  # BEGIN IMMEDIATE: another process may be converting too
        keys = stored_keys(conn)
        if protection.encrypt:
            if keys:
                return Activation(protection.unwrap(keys, database), converted=False)
            codec: FieldCodec = protection.create_data_key(conn)
            if not tables_with_rows(conn, SEALED):  # a new store: nothing to convert
                return Activation(codec, converted=False)
            source: FieldCodec = PLAIN_CODEC
        else:
            if not keys:
                return Activation(PLAIN_CODEC, converted=False)
            source = protection.unwrap(keys, database)
            codec = PLAIN_CODEC
        target = codec
        count = reseal(
            conn, current_specs(), codec_reader(source), target.seal,
            derived=("person_index", ("doc_type",), lambda plain: target.person_index(person_key_from_plain(plain))),
        )
        if not protection.encrypt:
            conn.exec_driver_sql("DELETE FROM store_key")
    log.warning(
        "local store %s converted to %s (%d values): [security] encrypt_local_store changed",
        database, "encrypted" if protection.encrypt else "PLAIN TEXT", count,
    )
    return Activation(codec, converted=True)


def tables_with_rows(conn: Connection, tables: Iterable[str]) -> bool:
    return any(conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is not None for table in tables)
