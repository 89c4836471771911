from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.archive.package import MANIFEST, build_archive_package, verify_package
from app.domain.case import CapturedDocument, Registration, Role, Signature
from app.domain.identity import Sex
from tests.factories import empty_case, identity, party

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def registered_case():  # type: ignore[no-untyped-def]
    a = replace(party(Role.A, identity("甲测", Sex.MALE, date(1990, 1, 1))), photo_png=b"\x89PNG card-a")
    b = party(Role.B, identity("乙测", Sex.FEMALE, date(1991, 1, 1)))
    photo = CapturedDocument("d1", "joint_photo", b"\x89PNG joint", "x", NOW, "cam")
    signature = Signature(Role.A, "[[[1.0,2.0,0,0.5]]]", b"\x89PNG sig", "ab" * 32, NOW, "pad")
    return replace(
        empty_case(), parties={Role.A: a, Role.B: b}, documents=(photo,), signatures={Role.A: signature},
        registration_uuid="0f0e", registration=Registration("J110101-2026-000001", NOW, NOW.date()),
    )


def test_package_holds_every_file_and_a_manifest_of_their_hashes() -> None:
    package = build_archive_package(registered_case(), {"certificate-A.pdf": b"%PDF-1.4 cert"})
    names = [f.name for f in package.files]
    assert names == ["documents/01-joint_photo.png", "parties/A-card-photo.png", "signatures/A.png",
                     "signatures/A-pen.json", "forms/certificate-A.pdf", "case.json", MANIFEST]
    manifest = json.loads(package.manifest_json)
    assert manifest["certificate_no"] == "J110101-2026-000001" and len(manifest["files"]) == 6
    assert verify_package((f.name, f.data) for f in package.files) == []
    record = json.loads(next(f.data for f in package.files if f.name == "case.json"))
    assert [p["name"] for p in record["parties"]] == ["甲测", "乙测"]


def test_tampering_and_loss_are_found() -> None:
    files = {f.name: f.data for f in build_archive_package(registered_case(), {}).files}
    files["signatures/A.png"] = b"forged"
    del files["case.json"]
    files["extra.bin"] = b"?"
    problems = verify_package(files.items())
    assert "signatures/A.png: SHA-256 differs from the manifest" in problems
    assert "case.json: missing" in problems and "extra.bin: not in the manifest" in problems


def test_unregistered_case_has_no_archive() -> None:
    with pytest.raises(ValueError, match="not registered"):
        build_archive_package(empty_case(), {})
