"""The counters' public signing keys in the central store, and the check of a signed
archive package on receipt (issue #10, "Signed archives").

`counter_key` holds one row per counter: the counter registers its Ed25519 public key
itself (the counter role may SELECT and INSERT, never UPDATE or DELETE), once:
registering the same key again is a no-op, another key for a counter that has a
valid one is refused (ARC-003) until IT revokes the old one with
`marriage-counter central revoke-key COUNTER_ID` (admin role). Revoking keeps the row
as the record of the revoked key, renamed `<counter id>!revoked-<12 hex digits>` with
`revoked_at` set, which frees the counter's id for its next key. A revoked key is never
accepted again, for any counter, and neither is one key for two counters (a PC image
cloned with its key store).

Every file of an archive is stored only with a package whose `manifest.sig` verifies
with the counter's registered, valid key, whose office is the registration's, whose
manifest names the counter that signed it, and whose files all match the signed
manifest by name, size and SHA-256 (`check_archive_batch`). A supplement
(`supplement-<n>/…`, app.archive.package: a voided blank and its reprint) is checked
the same way on its own manifest, after the registration's package is stored, and
one call stores files of one package only.
A resend of files already held is answered without a check: nothing new would be
stored, and the first send was checked in full (which is also why a package completed
before its key was revoked is still confirmed to a counter resending it).

The check runs inside the transaction that inserts the files, in the process that
writes them (the counter's, through CentralStore): it stops any counter running this
code, not a client that writes SQL with the counter role directly. The admin's
`archive verify` of an exported package catches that afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select, update

from app.archive.package import MANIFEST, package_prefix
from app.archive.signing import (
    SIGNATURE,
    ArchiveProblem,
    Manifest,
    ManifestSignature,
    check_signed_by_its_counter,
    check_supplement,
    compare_with_manifest,
    key_id_of,
    load_public_key,
    normalized_pem,
)
from app.central.errors import ArchiveRejectedError, CounterKeyConflictError, CounterKeyUnknownError
from app.central.models import ArchiveFileRow, CounterKeyRow
from app.central.types import check_office_code
from app.store.engine import dialect_insert

_KEY_COLUMNS = (
    CounterKeyRow.counter_id,
    CounterKeyRow.office_code,
    CounterKeyRow.public_key_pem,
    CounterKeyRow.registered_at,
    CounterKeyRow.revoked_at,
)

REVOKED_MARK = "!revoked-"
MAX_COUNTER_ID = 40  # counter_id is 64 characters: room for the revoked mark and 12 hex digits


@dataclass(frozen=True, slots=True)
class CounterKey:
    """A counter's public key as the registry holds it (a revoked one keeps its counter's id)."""

    counter_id: str
    office_code: str
    public_key_pem: str
    key_id: str
    registered_at: datetime
    revoked_at: datetime | None

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


def check_counter_id(counter_id: str) -> None:
    if not isinstance(counter_id, str) or not 1 <= len(counter_id) <= MAX_COUNTER_ID or REVOKED_MARK in counter_id:
        raise ValueError(f"counter_id must be 1-{MAX_COUNTER_ID} characters without {REVOKED_MARK!r}")


def _key(row: Row[str, str, str, datetime, datetime | None]) -> CounterKey:
    return CounterKey(
        counter_id=row.counter_id.partition(REVOKED_MARK)[0],
        office_code=row.office_code,
        public_key_pem=row.public_key_pem,
        key_id=key_id_of(load_public_key(row.public_key_pem)),
        registered_at=row.registered_at,
        revoked_at=row.revoked_at,
    )


def current_key(conn: Connection, counter_id: str) -> CounterKey | None:
    row = conn.execute(select(*_KEY_COLUMNS).where(CounterKeyRow.counter_id == counter_id)).first()
    return None if row is None else _key(row)


def keys_of(conn: Connection, counter_id: str) -> list[CounterKey]:
    """The counter's key and the keys revoked for it, newest registration first."""
    rows = conn.execute(
        select(*_KEY_COLUMNS).where(
            (CounterKeyRow.counter_id == counter_id)
            | CounterKeyRow.counter_id.startswith(counter_id[:MAX_COUNTER_ID] + REVOKED_MARK, autoescape=True)
        )
    ).all()
    # LIKE ignores case on SQLite: keep this counter's rows only.
    own_ids = (counter_id, counter_id[:MAX_COUNTER_ID])
    mine = [row for row in rows if row.counter_id.partition(REVOKED_MARK)[0] in own_ids]
    return sorted((_key(row) for row in mine), key=lambda k: k.registered_at, reverse=True)


def register_key(
    conn: Connection, counter_id: str, office_code: str, public_key_pem: str, now: datetime
) -> CounterKey:
    """Registers the counter's key once; the same key again returns the row as it is."""
    check_counter_id(counter_id)
    check_office_code(office_code)
    pem = normalized_pem(public_key_pem)  # ValueError: not an Ed25519 public key
    key_id = key_id_of(load_public_key(pem))
    holders = conn.execute(select(*_KEY_COLUMNS).where(CounterKeyRow.public_key_pem == pem)).all()
    for row in holders:
        if row.revoked_at is not None:
            raise CounterKeyConflictError(
                counter_id=counter_id,
                reason=f"key {key_id} was revoked; delete the counter's archive-signing key so that it makes a new one",
            )
        if row.counter_id != counter_id:
            raise CounterKeyConflictError(
                counter_id=counter_id,
                reason=f"key {key_id} is registered for counter {row.counter_id} (a PC copied with its keys?); delete "
                "this counter's archive-signing key so that it makes its own",
            )
    conn.execute(
        dialect_insert(conn, CounterKeyRow)
        .values(counter_id=counter_id, office_code=office_code, public_key_pem=pem, registered_at=now)
        .on_conflict_do_nothing(index_elements=[CounterKeyRow.counter_id])
    )
    stored = current_key(conn, counter_id)
    assert stored is not None
    if stored.key_id != key_id:
        raise CounterKeyConflictError(
            counter_id=counter_id,
            reason=f"the registry holds another key ({stored.key_id}) for it; if the counter's key was renewed, "
            f"IT revokes the old one: marriage-counter central revoke-key {counter_id}",
        )
    if not stored.valid:
        raise CounterKeyConflictError(
            counter_id=counter_id,
            reason=f"its key was marked revoked in place; IT frees the id: marriage-counter central revoke-key "
            f"{counter_id}",
        )
    if stored.office_code != office_code:
        raise CounterKeyConflictError(
            counter_id=counter_id,
            reason=f"its key is registered for office {stored.office_code}, not {office_code}; IT revokes it if "
            "the counter moved: marriage-counter central revoke-key " + counter_id,
        )
    return stored


def revoke_key(conn: Connection, counter_id: str, now: datetime) -> CounterKey | None:
    """Revokes the counter's key (admin role); None when it has none."""
    row = conn.execute(select(*_KEY_COLUMNS).where(CounterKeyRow.counter_id == counter_id)).first()
    if row is None:
        return None
    record_id = f"{counter_id[:MAX_COUNTER_ID]}{REVOKED_MARK}{uuid.uuid4().hex[:12]}"
    revoked_at = row.revoked_at or now
    conn.execute(
        update(CounterKeyRow)
        .where(CounterKeyRow.counter_id == counter_id)
        .values(counter_id=record_id, revoked_at=revoked_at)
    )
    revoked = current_key(conn, record_id)
    assert revoked is not None
    return revoked


def check_archive_batch(
    conn: Connection, reg_uuid: str, office_code: str, batch: Mapping[str, tuple[str, str, bytes]]
) -> None:
    """Raises unless the files of `batch` (name → (name, sha256, data), hashes already
    checked against their bytes) may be stored for the registration; see the module."""
    held = {
        row.name: (row.sha256, row.size)
        for row in conn.execute(
            select(ArchiveFileRow.name, ArchiveFileRow.sha256, ArchiveFileRow.size).where(
                ArchiveFileRow.reg_uuid == reg_uuid
            )
        )
    }
    new = [name for name in batch if name not in held]
    if not new:
        return  # a resend: the caller answers what is held (a different hash is a conflict there)

    def rejected(reason: str) -> ArchiveRejectedError:
        return ArchiveRejectedError(reg_uuid=reg_uuid, reason=reason)

    prefixes = sorted({package_prefix(name) for name in new})
    if len(prefixes) > 1:
        raise rejected(f"{new[0]} and {new[-1]} belong to different packages: one package (or supplement) a call")
    prefix = prefixes[0]
    manifest_name, signature_name = prefix + MANIFEST, prefix + SIGNATURE
    if manifest_name in held:
        # The manifest was stored with every file it lists: nothing can be added since.
        raise rejected(f"{new[0]}: not in the signed manifest of the package already stored")
    if prefix and MANIFEST not in held:
        raise rejected(f"{prefix} is a supplement, and the registration's package is not stored yet")
    if manifest_name not in batch or signature_name not in batch:
        missing = manifest_name if manifest_name not in batch else signature_name
        raise rejected(f"{missing} is missing: the package is not signed")
    manifest_bytes = batch[manifest_name][2]
    try:
        manifest = Manifest.parse(manifest_bytes)
        signature = ManifestSignature.parse(batch[signature_name][2])
        # A supplement's package is this registration's, stored (checked above).
        check_supplement(manifest, prefix, reg_uuid if prefix else None)
    except ArchiveProblem as problem:
        raise rejected(str(problem)) from None
    if manifest.registration_uuid != reg_uuid:
        raise rejected(f"the manifest is the manifest of registration {manifest.registration_uuid}")
    if manifest.office_code is not None and manifest.office_code != office_code:
        raise rejected(f"the manifest names office {manifest.office_code}")
    try:
        check_signed_by_its_counter(manifest, signature)
    except ArchiveProblem as problem:
        raise rejected(str(problem)) from None
    key = _signing_key(conn, signature, reg_uuid)
    if key.office_code != office_code:
        raise rejected(f"counter {key.counter_id}'s key is registered for office {key.office_code}")
    try:
        signature.verify(manifest_bytes, load_public_key(key.public_key_pem))
    except ArchiveProblem as problem:
        raise rejected(str(problem)) from None
    present = {name: found for name, found in held.items() if package_prefix(name) == prefix}
    present.update({name: (sha256, len(data)) for name, sha256, data in batch.values()})
    for own in (manifest_name, signature_name):
        present.pop(own, None)
    problems = compare_with_manifest(manifest, present)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise rejected(problems[0] + more)


def _signing_key(conn: Connection, signature: ManifestSignature, reg_uuid: str) -> CounterKey:
    """The registered, valid key the signature names; raises when there is none."""
    for key in keys_of(conn, signature.counter_id):
        if key.key_id != signature.key_id:
            continue
        if not key.valid:
            assert key.revoked_at is not None
            raise ArchiveRejectedError(
                reg_uuid=reg_uuid,
                reason=f"signed with key {key.key_id} of counter {key.counter_id}, revoked at "
                f"{key.revoked_at.isoformat(timespec='seconds')}",
            )
        return key
    raise CounterKeyUnknownError(counter_id=signature.counter_id, key_id=signature.key_id)
