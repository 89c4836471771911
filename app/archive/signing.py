"""The counter's archive signing key and the detached signature of a package's manifest.

Each counter holds an Ed25519 key pair derived from the 32-byte seed its key store
keeps under `archive-signing` (app.security.keys): the same seed gives the same key
for as long as the counter's key store lives. The public key is registered once in the
central store (`counter_key`, app.central.keys); the private key never leaves the key
store's process.

A package is signed by adding `manifest.sig` next to `manifest.json`: a small JSON
document naming the algorithm, the counter, the key (its id: the first 128 bits of the
SHA-256 of the raw public key, in hex) and the base64 Ed25519 signature over the exact
bytes of `manifest.json`. The manifest lists every other file with its SHA-256 and
size, the case and registration ids, the office and the counter, so one signature
covers the whole package; `manifest.sig` itself is the only file the manifest does not
list. Ed25519 signatures are deterministic: signing the same manifest again gives the
same bytes, so a resent package is the same package.

`check_signed_package` checks a package offline (`marriage-counter archive verify`);
the central store runs the same checks on receipt (app.central.keys).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from app.archive.package import (
    MANIFEST,
    SIGNATURE_FILE,
    ArchiveFile,
    ArchivePackage,
    package_prefix,
    supplement_number,
)
from app.central.errors import CounterKeyConflictError

if TYPE_CHECKING:
    from app.config import Config
    from app.security.keys import KeyStore

log = logging.getLogger(__name__)

SIGNATURE: Final = SIGNATURE_FILE
SIGNATURE_VERSION: Final = 1
ALGORITHM: Final = "Ed25519"
KEY_NAME: Final = "archive-signing"  # the key store's name of the seed
SEED_BYTES: Final = 32


class ArchiveProblem(ValueError):
    """A package fails a check; the message names the first problem (English, for IT)."""


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo); ValueError otherwise."""
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError("not an Ed25519 public key in PEM form") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"not an Ed25519 public key ({type(key).__name__})")
    return key


def normalized_pem(pem: str | bytes) -> str:
    """The PEM text this program writes for the same key (so two spellings compare equal)."""
    return public_key_pem(load_public_key(pem))


@dataclass(frozen=True, slots=True)
class ArchiveSigner:
    """Signs manifests as `counter_id` of `office_code` with the counter's private key."""

    counter_id: str
    office_code: str
    private_key: Ed25519PrivateKey

    @classmethod
    def from_seed(cls, seed: bytes, *, counter_id: str, office_code: str) -> ArchiveSigner:
        if len(seed) != SEED_BYTES:
            raise ValueError(f"the archive signing seed must be {SEED_BYTES} bytes, not {len(seed)}")
        return cls(counter_id, office_code, Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_key_pem(self) -> str:
        return public_key_pem(self.public_key)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def signature_file(self, manifest: bytes) -> bytes:
        """The bytes of `manifest.sig` for these exact manifest bytes."""
        envelope = {
            "version": SIGNATURE_VERSION,
            "algorithm": ALGORITHM,
            "counter_id": self.counter_id,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.private_key.sign(manifest)).decode("ascii"),
        }
        return json.dumps(envelope, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    def sign_package(self, package: ArchivePackage) -> ArchivePackage:
        """The package with `manifest.sig` appended; a package signed already is returned as is."""
        name = package.prefix + SIGNATURE
        if any(f.name == name for f in package.files):
            return package
        signature = ArchiveFile.of(name, self.signature_file(package.manifest_json))
        return ArchivePackage(package.case_id, package.reg_uuid, (*package.files, signature), package.prefix)


def counter_signer(config: Config, key_store: KeyStore | None = None) -> ArchiveSigner:
    """This counter's signer: the seed from the configured key store, the counter and
    office from `[office]`."""
    if key_store is None:
        key_store = _configured_key_store(config)
    return ArchiveSigner.from_seed(
        key_store.secret(KEY_NAME), counter_id=config.office.counter_id, office_code=config.office.code
    )


def _configured_key_store(config: Config) -> KeyStore:
    from app.security import keys

    # `open_key_store(config)` chooses the backend of `[security] key_store`; until it
    # exists the file backend in `[security] key_dir` (default <data_dir>/keys) is used.
    opener: Any = getattr(keys, "open_key_store", None)
    if callable(opener):
        store: KeyStore = opener(config)
        return store
    return keys.FileKeyStore(config.security.key_dir or config.data_dir / "keys")


# --- reading and checking -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a `manifest.json` says; `entries` maps each listed file to (sha256, size)."""

    registration_uuid: str
    case_id: str
    office_code: str | None  # None in version-1 manifests
    counter_id: str | None
    entries: dict[str, tuple[str, int]]
    supplement: int | None = None  # n of a `supplement-<n>/manifest.json`

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data.decode("utf-8"))
            entries: dict[str, tuple[str, int]] = {}
            for entry in document["files"]:
                name, sha256, size = entry["name"], entry["sha256"], entry["size"]
                if not isinstance(name, str) or not isinstance(sha256, str) or type(size) is not int:
                    raise TypeError(f"entry {entry!r}")
                if name in entries or name in (MANIFEST, SIGNATURE):
                    raise ValueError(f"{name!r} listed twice or listing itself")
                entries[name] = (sha256, size)
            office_code, counter_id = document.get("office_code"), document.get("counter_id")
            supplement = document.get("supplement")
            if supplement is not None and type(supplement) is not int:
                raise TypeError(f"supplement {supplement!r}")
            return cls(
                str(document["registration_uuid"]),
                str(document["case_id"]),
                None if office_code is None else str(office_code),
                None if counter_id is None else str(counter_id),
                entries,
                supplement,
            )
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise ArchiveProblem(f"{MANIFEST} is unreadable: {error}") from error


@dataclass(frozen=True, slots=True)
class ManifestSignature:
    """What a `manifest.sig` says."""

    counter_id: str
    key_id: str
    signature: bytes

    @classmethod
    def parse(cls, data: bytes) -> ManifestSignature:
        try:
            document = json.loads(data.decode("utf-8"))
            if document["version"] != SIGNATURE_VERSION or document["algorithm"] != ALGORITHM:
                raise ValueError(f"version {document['version']!r} / algorithm {document['algorithm']!r} unknown")
            counter_id, key_id = document["counter_id"], document["key_id"]
            if not isinstance(counter_id, str) or not counter_id or not isinstance(key_id, str) or not key_id:
                raise TypeError("counter_id and key_id must be text")
            signature = base64.b64decode(document["signature"], validate=True)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error) as error:
            raise ArchiveProblem(f"{SIGNATURE} is unreadable: {error}") from error
        return cls(counter_id, key_id, signature)

    def verify(self, manifest: bytes, public_key: Ed25519PublicKey) -> None:
        """Raises ArchiveProblem unless this signature over `manifest` is `public_key`'s."""
        if key_id_of(public_key) != self.key_id:
            raise ArchiveProblem(
                f"{SIGNATURE} names key {self.key_id}, the public key given is {key_id_of(public_key)}"
            )
        try:
            public_key.verify(self.signature, manifest)
        except InvalidSignature:
            raise ArchiveProblem(
                f"the signature does not match {MANIFEST}: the manifest was changed after signing, or signed "
                "with another key"
            ) from None


def compare_with_manifest(manifest: Manifest, present: Mapping[str, tuple[str, int]]) -> list[str]:
    """Problems of the files `present` (name → sha256, size) against the manifest: listed
    files missing or different, files not listed. `manifest.json`/`.sig` are not files here."""
    problems: list[str] = []
    for name, (sha256, size) in manifest.entries.items():
        found = present.get(name)
        if found is None:
            problems.append(f"{name}: missing")
        elif found[0] != sha256:
            problems.append(f"{name}: SHA-256 differs from the manifest")
        elif found[1] != size:
            problems.append(f"{name}: {found[1]} bytes, the manifest says {size}")
    problems += [
        f"{name}: not in the manifest"
        for name in sorted(present)
        if name not in manifest.entries and name not in (MANIFEST, SIGNATURE)
    ]
    return problems


def check_signed_by_its_counter(manifest: Manifest, signature: ManifestSignature) -> None:
    """Raises ArchiveProblem when the manifest names another counter than the one whose
    key signed it: a counter's valid key must not vouch for a package that says it was
    made at another counter. (Version-1 manifests name no counter.)"""
    if manifest.counter_id is not None and manifest.counter_id != signature.counter_id:
        raise ArchiveProblem(
            f"{MANIFEST} names counter {manifest.counter_id}, but {SIGNATURE} is the signature of counter "
            f"{signature.counter_id}"
        )


PublicKeyFor = Callable[[ManifestSignature], Ed25519PublicKey]


def check_supplement(manifest: Manifest, prefix: str, package_registration: str | None) -> None:
    """Raises ArchiveProblem unless the manifest at `prefix` ("" or "supplement-<n>/") is
    what it says it is: a first package names no supplement; supplement n says n, lists
    only its own files, and belongs to the registration whose package it follows
    (`package_registration`; None: no package before it)."""
    number = supplement_number(prefix)
    if manifest.supplement != number:
        raise ArchiveProblem(f"{prefix}{MANIFEST} says supplement {manifest.supplement}, its place says {number}")
    outside = sorted(name for name in manifest.entries if package_prefix(name) != prefix)
    if outside:
        raise ArchiveProblem(f"{prefix}{MANIFEST} lists {outside[0]}, a file of another package")
    if number is not None:
        if package_registration is None:
            raise ArchiveProblem(f"{prefix}{MANIFEST}: a supplement with no package before it")
        if manifest.registration_uuid != package_registration:
            raise ArchiveProblem(f"{prefix}{MANIFEST} is a supplement of registration {manifest.registration_uuid}")


def check_signed_package(files: Mapping[str, bytes], public_key_for: PublicKeyFor) -> list[str]:
    """Problems of a whole package (name → bytes) and its supplements, first problem
    first; empty when each one's signature is the counter's and every file matches its
    manifest.

    `public_key_for` returns the key to check the signature with; it raises ArchiveProblem
    when the package's key is not acceptable (revoked, unknown) and anything else when
    no key can be had at all (the caller's "cannot check").
    """
    groups: dict[str, dict[str, bytes]] = {}
    for name, data in files.items():
        groups.setdefault(package_prefix(name), {})[name] = data
    problems: list[str] = []
    package: Manifest | None = None
    for prefix in sorted(groups, key=lambda p: supplement_number(p) or 0):
        group = groups[prefix]
        manifest_name, signature_name = prefix + MANIFEST, prefix + SIGNATURE
        if manifest_name not in group:
            return [*problems, f"{manifest_name} is missing"]
        if signature_name not in group:
            return [*problems, f"{signature_name} is missing: the package is not signed"]
        try:
            manifest = Manifest.parse(group[manifest_name])
            check_supplement(manifest, prefix, package.registration_uuid if package else None)
            signature = ManifestSignature.parse(group[signature_name])
            check_signed_by_its_counter(manifest, signature)
            signature.verify(group[manifest_name], public_key_for(signature))
        except ArchiveProblem as problem:
            text = str(problem)
            return [*problems, text if prefix in text else f"{prefix} {text}"]
        present = {
            name: (hashlib.sha256(data).hexdigest(), len(data))
            for name, data in group.items() if name not in (manifest_name, signature_name)
        }
        problems += compare_with_manifest(manifest, present)
        package = package or manifest
    return problems


# --- shipping (the sync service's hook) -----------------------------------------------


def register_signer(central: object, signer: ArchiveSigner) -> bool:
    """Registers the signer's public key with `central` when it takes keys (CentralStore
    and what wraps it); idempotent, so it is done before every archive upload, which
    also picks up a revocation without a restart. False when `central` takes none."""
    register = getattr(central, "register_counter_key", None)
    if not callable(register):
        return False
    try:
        register(signer.counter_id, signer.office_code, signer.public_key_pem)
    except ValueError as error:
        # The configuration's counter id or office code cannot be registered: IT's to fix
        # (a ValueError here must not pass for a damaged local file).
        raise CounterKeyConflictError(counter_id=signer.counter_id, reason=str(error)) from error
    return True


def missing_signature(signer: ArchiveSigner, files: Iterable[tuple[str, bytes | None]]) -> list[tuple[str, str, bytes]]:
    """The signature of each manifest (the package's `manifest.json`, a supplement's
    `supplement-<n>/manifest.json`) queued unsigned (before this version, or by a service
    without a signer) and still held locally; nothing otherwise. The signature is
    deterministic, so every resend carries the same bytes."""
    held = dict(files)
    added = []
    for name, data in held.items():
        prefix = package_prefix(name)
        if name != prefix + MANIFEST or data is None or prefix + SIGNATURE in held:
            continue
        signature = signer.signature_file(data)
        added.append((prefix + SIGNATURE, hashlib.sha256(signature).hexdigest(), signature))
    return added
