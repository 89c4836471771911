"""Signed archives through the sync queue (#10): the counter signs the package when it
queues it, registers its key before uploading, and the central store refuses a package
tampered on the counter; the case stays issued, the counter keeps its files."""

from __future__ import annotations

import json
from pathlib import Path

from app.archive.package import MANIFEST, ArchiveFile, ArchivePackage, build_archive_package
from app.archive.signing import SIGNATURE
from app.domain.case import CaseStatus
from app.sync.types import OutboxKind, OutboxState
from tests.app.archive.counter import FORMS, open_counter
from tests.app.archive.helpers import OTHER_SEED, make_signer, register


def test_an_issued_case_ships_a_signed_package_and_registers_the_key(tmp_path: Path) -> None:
    with open_counter(tmp_path) as counter:
        issued = counter.issued()
        names = [f.name for f in counter.local.archive_files(issued.case_id)]
        assert names[-2:] == [MANIFEST, SIGNATURE] and "forms/certificate-A.pdf" in names
        assert counter.central.counter_key(counter.signer.counter_id) is None  # queued offline: nothing sent yet
        report = counter.sync.run_once(force=True)
        assert report.acknowledged == 1 and report.failed == 0
        key = counter.central.counter_key(counter.signer.counter_id)
        assert key is not None and key.key_id == counter.signer.key_id
        files = counter.local.archive_files(issued.case_id)
        assert all(f.data is None and f.confirmed for f in files)
        held = counter.central.archive_file_data(issued.registration_uuid or "")
        assert set(held) == set(names)
        envelope = json.loads(held[SIGNATURE])
        assert (envelope["counter_id"], envelope["key_id"]) == ("counter-01", counter.signer.key_id)


def test_a_package_tampered_on_the_counter_is_refused_and_kept(tmp_path: Path) -> None:
    with open_counter(tmp_path) as counter:
        case = counter.registered()
        signed = counter.signer.sign_package(build_archive_package(case, FORMS))
        # Changed after signing (its hash recomputed, so the local store's own check passes).
        tampered = ArchivePackage(signed.case_id, signed.reg_uuid, tuple(
            ArchiveFile.of(f.name, b"%PDF-1.7 forged") if f.name == "forms/certificate-A.pdf" else f
            for f in signed.files
        ))
        counter.sync.enqueue_archive(case, tampered)
        assert counter.sync.run_once(force=True).failed == 1
        item = counter.local.outbox_item_for(OutboxKind.ARCHIVE, case.registration_uuid or "")
        assert item is not None and item.state is OutboxState.FAILED
        assert "[ARC-001]" in item.last_error and "forms/certificate-A.pdf: SHA-256 differs" in item.last_error
        assert counter.central.archive_file_data(case.registration_uuid or "") == {}
        assert all(f.data is not None for f in counter.local.archive_files(case.case_id))
        stored = counter.local.load_case(case.case_id)
        assert stored is not None and stored.status is CaseStatus.REGISTERED


def test_a_conflicting_key_waits_until_it_revokes_the_old_one(tmp_path: Path) -> None:
    with open_counter(tmp_path) as counter:
        register(counter.central, make_signer(seed=OTHER_SEED))  # e.g. the counter before a reinstall
        issued = counter.issued()
        assert counter.sync.run_once(force=True).retrying == 1
        item = counter.local.outbox_item_for(OutboxKind.ARCHIVE, issued.registration_uuid or "")
        assert item is not None and item.state is OutboxState.PENDING
        assert "cannot be registered" in item.last_error and "revoke-key counter-01" in item.last_error
        assert counter.central.archive_file_data(issued.registration_uuid or "") == {}
        counter.central.revoke_counter_key("counter-01")  # IT, with the admin role
        assert counter.sync.run_once(force=True).acknowledged == 1
        key = counter.central.counter_key("counter-01")
        assert key is not None and key.key_id == counter.signer.key_id
