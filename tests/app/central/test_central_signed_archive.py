"""Signed archives (#10): the central store stores a package only when its manifest is
signed by the counter's registered, valid key and every file matches the manifest; a
tampered, unsigned or unknown-key package is refused with nothing stored. Keys are
registered once per counter; another key is refused until IT revokes the old one."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from app.archive.package import MANIFEST
from app.archive.signing import SIGNATURE, ArchiveSigner
from app.central.errors import ArchiveRejectedError, CounterKeyConflictError, CounterKeyUnknownError
from app.central.models import ArchiveFileRow, CounterKeyRow
from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest
from app.errors import AppError
from tests.app.archive.helpers import (
    OFFICE,
    OTHER_SEED,
    ArchiveBatch,
    batch_of,
    make_signer,
    register,
    signed_batch,
    signed_package,
    signed_supplement,
)
from tests.app.central.helpers import archive_file

RequestFactory = Callable[..., MarriageRegistrationRequest]

FILES = {
    "documents/01-joint_photo.jpg": b"\xff\xd8" + bytes(range(256)) * 20,
    "signatures/A.png": b"\x89PNG" + b"a" * 200,
    "case.json": b'{"case_id": "case-1"}',
}


def _registered(central: CentralStore, request_for: RequestFactory, n: int = 1) -> str:
    request = request_for(2 * n - 1, 2 * n)
    central.register_marriage(request)
    return request.reg_uuid


def _stored(raw_engine: Engine) -> int:
    with raw_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ArchiveFileRow)).scalar_one())


def _replace(batch: ArchiveBatch, name: str, data: bytes) -> ArchiveBatch:
    return [archive_file(name, data) if n == name else (n, d, b) for n, d, b in batch]


def _resigned_manifest(batch: ArchiveBatch, signer: ArchiveSigner, edit: Callable[[dict[str, object]], None]) -> (
    ArchiveBatch
):
    manifest = json.loads(dict((n, b) for n, _d, b in batch)[MANIFEST])
    edit(manifest)
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    return _replace(_replace(batch, MANIFEST, data), SIGNATURE, signer.signature_file(data))


# -- keys --------------------------------------------------------------------------------


def test_key_registration_is_idempotent_and_another_key_is_refused(central: CentralStore) -> None:
    signer = make_signer()
    first = register(central, signer)
    key = central.counter_key("counter-01")
    assert key is not None and key.key_id == signer.key_id and key.valid and key.office_code == OFFICE
    # Again (every archive upload does it), also spelt with other line ends: no change.
    again = central.register_counter_key("counter-01", OFFICE, signer.public_key_pem.replace("\n", "\r\n"))
    assert again == key and first is signer
    other = make_signer(seed=OTHER_SEED)
    with pytest.raises(CounterKeyConflictError) as raised:
        register(central, other)
    assert raised.value.code == "ARC-003" and "revoke-key counter-01" in raised.value.message
    assert central.counter_key("counter-01") == key
    # One key is one counter's: a PC cloned with its key store is caught.
    with pytest.raises(CounterKeyConflictError, match="registered for counter counter-01"):
        register(central, make_signer("counter-02"))
    # A counter moved to another office keeps its id only once IT revoked the old key.
    with pytest.raises(CounterKeyConflictError, match="registered for office 110101"):
        central.register_counter_key("counter-01", "110102", signer.public_key_pem)
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        central.register_counter_key("counter-03", OFFICE, "not a key")
    with pytest.raises(ValueError, match="counter_id must be 1-40"):
        central.register_counter_key("c" * 41, OFFICE, make_signer(seed=bytes(32)).public_key_pem)


def test_revoking_frees_the_counter_for_its_new_key_and_never_takes_the_old_back(
    central: CentralStore, raw_engine: Engine
) -> None:
    old, new = make_signer(), make_signer(seed=OTHER_SEED)
    register(central, old)
    assert central.revoke_counter_key("counter-09") is None
    revoked = central.revoke_counter_key("counter-01")
    assert revoked is not None and revoked.key_id == old.key_id and not revoked.valid
    assert revoked.counter_id == "counter-01" and central.counter_key("counter-01") is None
    register(central, new)
    keys = [(k.key_id, k.valid) for k in central.counter_keys("counter-01")]
    assert keys == [(new.key_id, True), (old.key_id, False)]
    with pytest.raises(CounterKeyConflictError, match="revoked"):
        register(central, old)  # after a second revocation, too: a revoked key is never valid again
    central.revoke_counter_key("counter-01")
    with pytest.raises(CounterKeyConflictError, match="revoked"):
        register(central, old)
    with raw_engine.connect() as conn:
        rows = conn.execute(select(CounterKeyRow.counter_id, CounterKeyRow.revoked_at)).all()
    assert len(rows) == 2 and all(r.counter_id.startswith("counter-01!revoked-") and r.revoked_at for r in rows)


# -- packages ---------------------------------------------------------------------------


def test_a_signed_package_is_stored_and_resending_it_is_fine(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    batch = signed_batch(reg_uuid, FILES, signer)
    held = central.store_archive_files(reg_uuid, OFFICE, batch)
    assert held == {name: digest for name, digest, _ in batch} and _stored(raw_engine) == 5
    # Exactly once: the whole package again, or the part whose acknowledgement was lost.
    assert central.store_archive_files(reg_uuid, OFFICE, batch) == held
    assert central.store_archive_files(reg_uuid, OFFICE, batch[:2]) == held
    # Even once the key was revoked: nothing new would be stored by a resend.
    central.revoke_counter_key("counter-01")
    assert central.store_archive_files(reg_uuid, OFFICE, batch) == held
    assert _stored(raw_engine) == 5


TAMPERS = ("content changed", "file added", "file removed", "manifest edited", "signature from another key",
           "another key's signature under the counter's key id", "revoked key", "unsigned", "no manifest",
           "manifest of another registration", "key of another office", "unknown counter")


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_tampered_package_is_rejected_and_nothing_is_stored(
    tamper: str, central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    batch = signed_batch(reg_uuid, FILES, signer)
    expected: type[AppError] = ArchiveRejectedError
    if tamper == "content changed":
        batch = _replace(batch, "case.json", b'{"case_id": "case-2"}')
    elif tamper == "file added":
        batch.append(archive_file("documents/02-extra.png", b"\x89PNG extra"))
    elif tamper == "file removed":
        batch = [entry for entry in batch if entry[0] != "signatures/A.png"]
    elif tamper == "manifest edited":
        manifest = json.loads(dict((n, b) for n, _d, b in batch)[MANIFEST])
        manifest["certificate_no"] = "J110101-2026-999999"
        batch = _replace(batch, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    elif tamper == "signature from another key":
        batch = signed_batch(reg_uuid, FILES, make_signer(seed=OTHER_SEED))
        expected = CounterKeyUnknownError
    elif tamper == "another key's signature under the counter's key id":
        envelope = json.loads(dict((n, b) for n, _d, b in batch)[SIGNATURE])
        manifest = dict((n, b) for n, _d, b in batch)[MANIFEST]
        forged = json.loads(make_signer(seed=OTHER_SEED).signature_file(manifest))["signature"]
        batch = _replace(batch, SIGNATURE, json.dumps({**envelope, "signature": forged}).encode())
    elif tamper == "revoked key":
        central.revoke_counter_key("counter-01")
        register(central, make_signer(seed=OTHER_SEED))
    elif tamper == "unsigned":
        batch = [entry for entry in batch if entry[0] != SIGNATURE]
    elif tamper == "no manifest":
        batch = [entry for entry in batch if entry[0] not in (MANIFEST, SIGNATURE)]
    elif tamper == "manifest of another registration":
        batch = _resigned_manifest(batch, signer, lambda m: m.update(registration_uuid=request_for(5, 6).reg_uuid))
    elif tamper == "key of another office":
        elsewhere = make_signer("counter-07", "110102", seed=OTHER_SEED)
        register(central, elsewhere)
        batch = batch_of(signed_package(reg_uuid, FILES, elsewhere, office_code=OFFICE))
    elif tamper == "unknown counter":
        batch = signed_batch(reg_uuid, FILES, make_signer("counter-08", seed=OTHER_SEED))
        expected = CounterKeyUnknownError
    with pytest.raises(expected) as raised:
        central.store_archive_files(reg_uuid, OFFICE, batch)
    assert raised.value.code == ("ARC-002" if expected is CounterKeyUnknownError else "ARC-001")
    assert _stored(raw_engine) == 0 and central.store_archive_files(reg_uuid, OFFICE, []) == {}


def test_rejections_name_the_first_problem(central: CentralStore, request_for: RequestFactory) -> None:
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    batch = _replace(signed_batch(reg_uuid, FILES, signer), "case.json", b"{}")
    with pytest.raises(ArchiveRejectedError) as raised:
        central.store_archive_files(reg_uuid, OFFICE, batch)
    assert raised.value.message.startswith(f"The central registry refused the electronic archive of registration "
                                           f"{reg_uuid}: case.json: SHA-256 differs from the manifest.")
    central.revoke_counter_key("counter-01")
    with pytest.raises(ArchiveRejectedError, match=f"signed with key {signer.key_id} of counter counter-01, revoked"):
        central.store_archive_files(reg_uuid, OFFICE, signed_batch(reg_uuid, FILES, signer))


def test_a_counter_cannot_sign_for_another_counter(central: CentralStore, raw_engine: Engine,
                                                  request_for: RequestFactory) -> None:
    reg_uuid = _registered(central, request_for)
    register(central)  # counter-01
    other = register(central, make_signer("counter-02", seed=OTHER_SEED))  # same office, valid key
    batch = _resigned_manifest(signed_batch(reg_uuid, FILES, other), other,
                               lambda m: m.update(counter_id="counter-01"))
    with pytest.raises(ArchiveRejectedError) as raised:
        central.store_archive_files(reg_uuid, OFFICE, batch)
    assert "manifest.json names counter counter-01, but manifest.sig is the signature of counter counter-02" in (
        raised.value.message
    )
    assert raised.value.code == "ARC-001" and _stored(raw_engine) == 0


def test_nothing_can_be_added_to_a_stored_package(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    central.store_archive_files(reg_uuid, OFFICE, signed_batch(reg_uuid, FILES, signer))
    extra = archive_file("documents/02-late.png", b"\x89PNG late")
    with pytest.raises(ArchiveRejectedError, match="not in the signed manifest"):
        central.store_archive_files(reg_uuid, OFFICE, [extra])
    # Nor by a second, properly signed package for the same registration.
    with pytest.raises(ArchiveRejectedError, match="not in the signed manifest"):
        central.store_archive_files(reg_uuid, OFFICE, signed_batch(reg_uuid, {**FILES, extra[0]: extra[2]}, signer))
    assert _stored(raw_engine) == 5


def test_a_version_1_manifest_signed_later_is_accepted(central: CentralStore, request_for: RequestFactory) -> None:
    """Packages queued before this version: no office or counter in the manifest; the
    sync service signs them when it sends them."""
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    batch = _resigned_manifest(
        signed_batch(reg_uuid, FILES, signer), signer,
        lambda m: [m.pop("office_code"), m.pop("counter_id"), m.update(version=1)],
    )
    assert set(central.store_archive_files(reg_uuid, OFFICE, batch)) == {*FILES, MANIFEST, SIGNATURE}


VOIDED = {"voided-blank.json": b'{"form": "certificate-A.pdf", "print_no": "11000123456"}',
          "forms/certificate-A.pdf": b"%PDF-1.7 reprinted"}


def test_a_signed_supplement_follows_the_stored_package(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    """A voided blank and its reprint reach the archive later, as supplement-<n>/: checked
    on their own manifest, never changing the package."""
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    supplement = signed_supplement(reg_uuid, 1, VOIDED, signer)
    with pytest.raises(ArchiveRejectedError, match="package is not stored yet"):
        central.store_archive_files(reg_uuid, OFFICE, supplement)
    central.store_archive_files(reg_uuid, OFFICE, signed_batch(reg_uuid, FILES, signer))
    held = central.store_archive_files(reg_uuid, OFFICE, supplement)
    assert {name for name, _, _ in supplement} <= set(held) and _stored(raw_engine) == 5 + 4
    assert central.store_archive_files(reg_uuid, OFFICE, supplement) == held  # a resend
    second = signed_supplement(reg_uuid, 2, VOIDED, signer)
    central.store_archive_files(reg_uuid, OFFICE, second)
    assert _stored(raw_engine) == 5 + 8
    # Nothing is added to a stored supplement either.
    late = archive_file("supplement-1/forms/certificate-B.pdf", b"%PDF late")
    with pytest.raises(ArchiveRejectedError, match="not in the signed manifest"):
        central.store_archive_files(reg_uuid, OFFICE, [late])


SUPPLEMENT_TAMPERS = {
    "content changed": "SHA-256 differs",
    "unsigned": "is missing: the package is not signed",
    "another registration": "is a supplement of registration",
    "wrong number": "says supplement 2, its place says 1",
    "two packages": "belong to different packages",
    "file of the package": "belong to different packages",
}


@pytest.mark.parametrize("tamper", SUPPLEMENT_TAMPERS)
def test_a_tampered_supplement_is_rejected_and_nothing_is_stored(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory, tamper: str
) -> None:
    reg_uuid = _registered(central, request_for)
    signer = register(central)
    central.store_archive_files(reg_uuid, OFFICE, signed_batch(reg_uuid, FILES, signer))
    batch = signed_supplement(reg_uuid, 1, VOIDED, signer)
    if tamper == "content changed":
        batch = _replace(batch, "supplement-1/forms/certificate-A.pdf", b"%PDF-1.7 forged")
    elif tamper == "unsigned":
        batch = [entry for entry in batch if entry[0] != "supplement-1/" + SIGNATURE]
    elif tamper == "another registration":
        batch = signed_supplement(reg_uuid, 1, VOIDED, signer, manifest_reg_uuid=_registered(central, request_for, 2))
    elif tamper == "wrong number":  # supplement 2's manifest and signature put under supplement-1/
        two = {name.removeprefix("supplement-2/"): data for name, _, data in signed_supplement(reg_uuid, 2, {}, signer)}
        batch = [archive_file(f"supplement-1/{name}", data) for name, data in two.items()]
    elif tamper == "two packages":
        batch = [*batch, *signed_supplement(reg_uuid, 2, VOIDED, signer)]
    elif tamper == "file of the package":
        batch = [*batch, archive_file("documents/09-late.png", b"\x89PNG late")]
    with pytest.raises(ArchiveRejectedError, match=SUPPLEMENT_TAMPERS[tamper]):
        central.store_archive_files(reg_uuid, OFFICE, batch)
    assert _stored(raw_engine) == 5
