"""Signers with fixed seeds and signed packages of loose files, for the archive and
central-store tests."""

from __future__ import annotations

from collections.abc import Mapping

from app.archive.package import ArchiveFile, ArchivePackage, package_of, supplement_prefix
from app.archive.signing import ArchiveSigner
from app.central.store import CentralStore

SEED = bytes(range(32))
OTHER_SEED = bytes(range(100, 132))
OFFICE = "110101"
COUNTER = "counter-01"

ArchiveBatch = list[tuple[str, str, bytes]]


def make_signer(counter_id: str = COUNTER, office_code: str = OFFICE, seed: bytes = SEED) -> ArchiveSigner:
    return ArchiveSigner.from_seed(seed, counter_id=counter_id, office_code=office_code)


def signed_package(
    reg_uuid: str, files: Mapping[str, bytes], signer: ArchiveSigner, *, office_code: str | None = None,
    case_id: str = "case-1",
) -> ArchivePackage:
    package = package_of(
        [ArchiveFile.of(name, data) for name, data in files.items()],
        case_id=case_id, reg_uuid=reg_uuid, certificate_no="J110101-2026-000001",
        office_code=office_code or signer.office_code, counter_id=signer.counter_id,
    )
    return signer.sign_package(package)


def signed_supplement(
    reg_uuid: str, number: int, files: Mapping[str, bytes], signer: ArchiveSigner, *, manifest_reg_uuid: str = ""
) -> ArchiveBatch:
    """Supplement `number` (files under supplement-<number>/), signed."""
    prefix = supplement_prefix(number)
    package = package_of(
        [ArchiveFile.of(prefix + name, data) for name, data in files.items()],
        case_id="case-1", reg_uuid=manifest_reg_uuid or reg_uuid, certificate_no="J110101-2026-000001",
        office_code=signer.office_code, counter_id=signer.counter_id, supplement=number,
    )
    return batch_of(signer.sign_package(package))


def batch_of(package: ArchivePackage) -> ArchiveBatch:
    """The package as store_archive_files takes it."""
    return [(f.name, f.sha256, f.data) for f in package.files]


def signed_batch(reg_uuid: str, files: Mapping[str, bytes], signer: ArchiveSigner | None = None) -> ArchiveBatch:
    return batch_of(signed_package(reg_uuid, files, signer or make_signer()))


def register(central: CentralStore, signer: ArchiveSigner | None = None) -> ArchiveSigner:
    """Registers the signer's key (default: the test counter's)."""
    signer = signer or make_signer()
    central.register_counter_key(signer.counter_id, signer.office_code, signer.public_key_pem)
    return signer
