"""`marriage-counter archive export|verify|public-key` and `central revoke-key`.

export CASE_ID --out DIR|FILE.zip: writes the case's archive package as the counter
queued it (files, manifest.json, manifest.sig). Files the central store confirmed are
no longer kept on the counter; they are read back from the central store, which only
the admin role (or the embedded SQLite registry) may do: `--central-url`.

verify PATH: checks a package (a folder or a zip) offline: the signature over the
manifest with the key given by `--public-key FILE` or, without it, the key the central
store holds for the signing counter (revoked keys are refused), then every file by
name, size and SHA-256. Exit 0 valid, 1 invalid (the first problem is printed), 2 no
such PATH, 3 cannot check (no key to be had: the central store unreachable).

public-key: prints this counter's archive signing public key (PEM) and its id, for IT
to keep next to exported packages.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.archive.package import package_prefix
from app.archive.signing import (
    ArchiveProblem,
    ManifestSignature,
    check_signed_package,
    counter_signer,
    key_id_of,
    load_public_key,
)
from app.config import Config
from app.errors import AppError


def _safe_name(name: str) -> str:
    """A package member name as a relative path that stays inside the package."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ValueError(f"unsafe file name in the package: {name!r}")
    return name


# --- export ---------------------------------------------------------------------------


def archive_export(config: Config, case_id: str, out: Path, central_url: str | None = None) -> int:
    from app.store.local import LocalStore
    from app.sync.types import OutboxKind

    with LocalStore.from_config(config) as store:
        records = store.archive_files(case_id)
        items = [i for i in store.outbox_items(case_id=case_id) if i.kind is OutboxKind.ARCHIVE]
    if not records or not items:
        print(f"marriage-counter: case {case_id} has no archive package on this counter", file=sys.stderr)
        return 2
    files = {r.name: r.data for r in records}
    dropped = [name for name, data in files.items() if data is None]
    if dropped:
        from app.central.embedded import central_store

        # Confirmed by the central store and dropped here: the registry has them.
        with central_store(config, central_url) as central:
            held = central.archive_file_data(str(items[0].payload.get("registration_uuid") or items[0].reg_uuid))
        lost = [name for name in dropped if name not in held]
        if lost:
            print(f"marriage-counter: {lost[0]} is neither on this counter nor in the central store", file=sys.stderr)
            return 3
        files.update({name: held[name] for name in dropped})
    contents = {_safe_name(name): data for name, data in files.items() if data is not None}
    if out.suffix.lower() == ".zip":
        if out.exists():
            print(f"marriage-counter: {out} exists already", file=sys.stderr)
            return 2
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in contents.items():
                archive.writestr(name, data)
    else:
        if out.exists() and any(out.iterdir()):
            print(f"marriage-counter: {out} is not empty: choose a new or empty folder", file=sys.stderr)
            return 2
        for name, data in contents.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    print(f"exported {len(contents)} file(s) of case {case_id} to {out}")
    return 0


# --- verify ---------------------------------------------------------------------------


def read_package(path: Path) -> dict[str, bytes]:
    """The files of a package folder or zip by their names in the package; ArchiveProblem
    when the zip is damaged."""
    if path.is_dir():
        return {
            file.relative_to(path).as_posix(): file.read_bytes()
            for file in sorted(path.rglob("*"))
            if file.is_file()
        }
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                _safe_name(info.filename): archive.read(info)
                for info in archive.infolist()
                if not info.is_dir()
            }
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ArchiveProblem(f"{path} is not a readable package folder or zip: {error}") from error


class _CannotCheck(Exception):
    pass


def _key_from_central(config: Config, central_url: str | None) -> Callable[[ManifestSignature], Ed25519PublicKey]:
    def key_for(signature: ManifestSignature) -> Ed25519PublicKey:
        from app.central.embedded import central_store

        try:
            with central_store(config, central_url) as central:
                keys = central.counter_keys(signature.counter_id)
        except (AppError, OSError) as error:  # unreachable, or the embedded store's key (SEC-004)
            raise _CannotCheck(str(error)) from error
        for key in keys:
            if key.key_id == signature.key_id:
                if key.revoked_at is not None:
                    raise ArchiveProblem(
                        f"signed with key {key.key_id} of counter {key.counter_id}, revoked at "
                        f"{key.revoked_at.isoformat(timespec='seconds')}"
                    )
                return load_public_key(key.public_key_pem)
        raise ArchiveProblem(
            f"the central store has no key {signature.key_id} for counter {signature.counter_id}"
        )

    return key_for


def archive_verify(config: Config, path: Path, public_key_file: Path | None, central_url: str | None = None) -> int:
    if not path.exists():
        print(f"marriage-counter: {path} does not exist", file=sys.stderr)
        return 2
    key_for: Callable[[ManifestSignature], Ed25519PublicKey]
    if public_key_file is not None:
        try:
            given = load_public_key(public_key_file.read_bytes())
        except (OSError, ValueError) as error:
            print(f"marriage-counter: cannot check: public key {public_key_file}: {error}", file=sys.stderr)
            return 3
        key_for = lambda _signature: given  # noqa: E731
    else:
        key_for = _key_from_central(config, central_url)
    try:
        files = read_package(path)
        problems = check_signed_package(files, key_for)
    except ArchiveProblem as problem:
        problems = [str(problem)]
    except _CannotCheck as error:
        print(f"marriage-counter: cannot check the signature: {error}", file=sys.stderr)
        return 3
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        print(f"invalid: {problems[0]}{more}")
        return 1
    signature = ManifestSignature.parse(files["manifest.sig"])
    manifests = len({package_prefix(name) for name in files})  # the package and its supplements
    supplements = f" and {manifests - 1} supplement(s)" if manifests > 1 else ""
    print(
        f"valid: {len(files) - 2 * manifests} file(s) and the manifest{supplements}, signed by counter "
        f"{signature.counter_id} with key {signature.key_id}"
    )
    return 0


def archive_public_key(config: Config) -> int:
    signer = counter_signer(config)
    print(f"# counter {signer.counter_id}, office {signer.office_code}, key {key_id_of(signer.public_key)}")
    print(signer.public_key_pem, end="")
    return 0


# --- central revoke-key ---------------------------------------------------------------


def central_revoke_key(config: Config, counter_id: str, url: str | None) -> int:
    from app.central.embedded import central_store

    with central_store(config, url) as central:
        revoked = central.revoke_counter_key(counter_id)
    if revoked is None:
        print(f"counter {counter_id} has no registered key: nothing revoked")
        return 1
    print(
        f"revoked key {revoked.key_id} of counter {counter_id} (office {revoked.office_code}, registered "
        f"{revoked.registered_at.isoformat(timespec='seconds')}); the counter registers its new key at its next "
        "archive upload"
    )
    return 0
