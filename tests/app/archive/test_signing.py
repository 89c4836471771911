"""The counter's archive signing key and the manifest signature, checked offline."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.archive.package import MANIFEST, ArchiveFile, ArchivePackage, build_archive_package, verify_package
from app.archive.signing import (
    KEY_NAME,
    SIGNATURE,
    ArchiveProblem,
    ArchiveSigner,
    ManifestSignature,
    check_signed_package,
    counter_signer,
    key_id_of,
    load_public_key,
    missing_signature,
    normalized_pem,
    register_signer,
)
from app.central.errors import CounterKeyConflictError
from app.config import load_config
from tests.app.archive.helpers import OTHER_SEED, make_signer
from tests.app.archive.test_package import registered_case


def _files(package: ArchivePackage) -> dict[str, bytes]:
    return {f.name: f.data for f in package.files}


def _signed() -> dict[str, bytes]:
    package = build_archive_package(registered_case(), {"certificate-A.pdf": b"%PDF-1.4 cert"})
    return _files(make_signer().sign_package(package))


def _check(files: dict[str, bytes], signer: ArchiveSigner | None = None) -> list[str]:
    key = (signer or make_signer()).public_key
    return check_signed_package(files, lambda _signature: key)


def test_sign_and_verify_round_trip() -> None:
    signer = make_signer()
    package = build_archive_package(registered_case(), {"certificate-A.pdf": b"%PDF-1.4 cert"})
    signed = signer.sign_package(package)
    assert [f.name for f in signed.files][-2:] == [MANIFEST, SIGNATURE]
    assert signed.manifest_json == package.manifest_json  # the manifest is not touched
    manifest = json.loads(signed.manifest_json)
    assert (manifest["version"], manifest["office_code"], manifest["counter_id"]) == (2, "110101", "counter-01")
    assert all({"name", "sha256", "size"} == set(entry) for entry in manifest["files"])
    envelope = json.loads(_files(signed)[SIGNATURE])
    assert envelope["algorithm"] == "Ed25519" and envelope["counter_id"] == "counter-01"
    assert envelope["key_id"] == signer.key_id == key_id_of(load_public_key(signer.public_key_pem))
    assert _check(_files(signed)) == []
    assert verify_package(_files(signed).items()) == []  # the signature file is not "an extra file"
    # Deterministic: a second signing (a resend) gives the same bytes; signing twice adds nothing.
    assert signer.sign_package(package) == signed and signer.sign_package(signed) is signed


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("content", "case.json: SHA-256 differs from the manifest"),
        ("added", "extra.bin: not in the manifest"),
        ("removed", "signatures/A.png: missing"),
        ("manifest", "the signature does not match manifest.json"),
        ("other key", "the signature does not match manifest.json"),
        ("unsigned", "manifest.sig is missing: the package is not signed"),
        ("envelope", "manifest.sig is unreadable"),
    ],
)
def test_every_kind_of_tampering_is_found_offline(tamper: str, problem: str) -> None:
    files = _signed()
    if tamper == "content":
        files["case.json"] = files["case.json"].replace(b"\xe7\x94\xb2", b"\xe4\xb9\x99")  # 甲 → 乙
    elif tamper == "added":
        files["extra.bin"] = b"?"
    elif tamper == "removed":
        del files["signatures/A.png"]
    elif tamper == "manifest":
        manifest = json.loads(files[MANIFEST])
        manifest["certificate_no"] = "J110101-2026-000002"
        files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    elif tamper == "other key":
        # Another key's signature presented under the counter's key id.
        forged = json.loads(files[SIGNATURE])
        other = json.loads(make_signer(seed=OTHER_SEED).signature_file(files[MANIFEST]))
        files[SIGNATURE] = json.dumps({**forged, "signature": other["signature"]}).encode()
    elif tamper == "unsigned":
        del files[SIGNATURE]
    elif tamper == "envelope":
        files[SIGNATURE] = b"{not json"
    problems = _check(files)
    assert problems and problems[0].startswith(problem), problems


def test_a_package_checked_with_another_counters_key_names_both_keys() -> None:
    other = make_signer(seed=OTHER_SEED)
    problems = _check(_signed(), other)
    assert problems == [f"manifest.sig names key {make_signer().key_id}, the public key given is {other.key_id}"]


def test_the_manifest_must_name_the_counter_that_signed_it() -> None:
    # counter-02 signs, with its own valid key, a manifest that says counter-01 made it.
    files = _signed()
    signer = make_signer("counter-02", seed=OTHER_SEED)
    files[SIGNATURE] = signer.signature_file(files[MANIFEST])
    assert _check(files, signer) == [
        "manifest.json names counter counter-01, but manifest.sig is the signature of counter counter-02"
    ]
    # A version-1 manifest names no counter: nothing to compare.
    manifest = json.loads(files[MANIFEST])
    del manifest["counter_id"]
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    files[SIGNATURE] = signer.signature_file(files[MANIFEST])
    assert _check(files, signer) == []


def test_size_must_match_too() -> None:
    files = _signed()
    manifest = json.loads(files[MANIFEST])
    entry = next(e for e in manifest["files"] if e["name"] == "case.json")
    entry["size"] += 1
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    signer = make_signer()
    files[SIGNATURE] = signer.signature_file(files[MANIFEST])  # signed by the counter with a wrong size in it
    assert _check(files) == [f"case.json: {entry['size'] - 1} bytes, the manifest says {entry['size']}"]


def test_signature_envelope_is_parsed_strictly() -> None:
    signer = make_signer()
    good = json.loads(signer.signature_file(b"{}"))
    for broken in ({**good, "algorithm": "RSA"}, {**good, "version": 9}, {**good, "signature": "**"},
                   {**good, "key_id": ""}, {k: v for k, v in good.items() if k != "counter_id"}):
        with pytest.raises(ArchiveProblem, match=r"manifest\.sig is unreadable"):
            ManifestSignature.parse(json.dumps(broken).encode())


def test_keys_come_from_the_seed_and_public_keys_from_pem() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ArchiveSigner.from_seed(b"short", counter_id="c", office_code="110101")
    assert make_signer().key_id == make_signer().key_id != make_signer(seed=OTHER_SEED).key_id
    pem = make_signer().public_key_pem
    assert normalized_pem(pem.replace("\n", "\r\n")) == pem
    with pytest.raises(ValueError, match="not an Ed25519 public key in PEM form"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_counter_signer_uses_the_key_store_seed(tmp_path: Path) -> None:
    config = load_config(environ={"MARRIAGE_COUNTER_DATA_DIR": str(tmp_path)}, read_system_files=False)
    first, again = counter_signer(config), counter_signer(config)
    assert first.key_id == again.key_id and first.counter_id == config.office.counter_id
    key_file = tmp_path / "keys" / f"{KEY_NAME}.key"
    assert key_file.stat().st_size == 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.office_code == config.office.code


def test_a_package_queued_unsigned_gets_its_signature_at_sending() -> None:
    signer = make_signer()
    package = build_archive_package(registered_case(), {})
    files = [(f.name, f.data) for f in package.files]
    [(name, digest, data)] = missing_signature(signer, files)
    assert name == SIGNATURE and data == _files(signer.sign_package(package))[SIGNATURE]
    assert ArchiveFile.of(name, data).sha256 == digest
    assert missing_signature(signer, [*files, (SIGNATURE, data)]) == []
    # The manifest was confirmed and dropped locally: the central store has it, nothing to sign.
    assert missing_signature(signer, [(n, None if n == MANIFEST else d) for n, d in files]) == []


def test_key_registration_hook_of_the_sync_service() -> None:
    signer = make_signer()
    calls: list[tuple[str, str, str]] = []

    class Central:
        def register_counter_key(self, counter_id: str, office_code: str, public_key_pem: str) -> None:
            calls.append((counter_id, office_code, public_key_pem))
            if len(calls) > 1:
                raise ValueError("counter_id must be 1-40 characters")

    assert register_signer(object(), signer) is False  # a central store that takes no keys
    assert register_signer(Central(), signer) is True
    assert calls == [("counter-01", "110101", signer.public_key_pem)]
    # A configuration the registry cannot take is IT's (ARC-003, retried), not a damaged file.
    with pytest.raises(CounterKeyConflictError, match="1-40 characters"):
        register_signer(Central(), signer)
