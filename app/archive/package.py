"""Builds and verifies the electronic archive package of a case.

Every file the archive needs to stand on its own: the captured documents by class,
the card photos, each signature with its pen data, the rendered forms, the case
record, and `manifest.json` listing every other file with its SHA-256 and size, so
the package can be checked offline and the central store can confirm each file by
hash before the counter deletes its local copy. The manifest also names the case,
the registration, the office and the counter; `manifest.sig` (app.archive.signing)
signs its exact bytes with the counter's key, which makes the package verifiable
offline and lets the central store refuse a tampered one.

What happens to an issued case later (a certificate blank voided and the certificate
printed again, 规范 2015 Art. 58) goes to the archive as a supplement: files under
`supplement-<n>/`, with their own `supplement-<n>/manifest.json` (naming the same
registration and its number n) and signature. The first package is never changed, and
each supplement is checked on its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.case import MarriageCase
from app.store.details import details_json

MANIFEST = "manifest.json"
SIGNATURE_FILE = "manifest.sig"  # app.archive.signing.SIGNATURE: the one file the manifest cannot list
# 2: adds office_code and counter_id (version 1 packages are still read and checked).
MANIFEST_VERSION = 2
_SUPPLEMENT = re.compile(r"^supplement-([1-9][0-9]{0,3})/")


def supplement_prefix(number: int) -> str:
    return f"supplement-{number}/"


def package_prefix(name: str) -> str:
    """The package a file name belongs to: "" for the first, "supplement-<n>/" for one
    added later."""
    match = _SUPPLEMENT.match(name)
    return match.group(0) if match else ""


def supplement_number(prefix: str) -> int | None:
    match = _SUPPLEMENT.match(prefix)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    name: str
    sha256: str
    data: bytes

    @classmethod
    def of(cls, name: str, data: bytes) -> ArchiveFile:
        return cls(name, hashlib.sha256(data).hexdigest(), data)


@dataclass(frozen=True, slots=True)
class ArchivePackage:
    case_id: str
    reg_uuid: str
    files: tuple[ArchiveFile, ...]  # the manifest after the files it lists (then manifest.sig, once signed)
    prefix: str = ""  # "supplement-<n>/" for a supplement (every name starts with it)

    @property
    def manifest_json(self) -> bytes:
        return next(f.data for f in self.files if f.name == self.prefix + MANIFEST)


def _case_record(case: MarriageCase) -> dict[str, Any]:
    """The registration's facts as the archive keeps them (personal data: the archive is
    the legal record, kept long-term under Reg. 2025 Art. 19)."""
    assert case.registration is not None
    return {
        "case_id": case.case_id,
        "business": case.business.value,
        "office_code": case.office_code,
        "counter_id": case.counter_id,
        "registrar": case.registrar,
        "device_mode": case.device_mode.value,
        "registration_uuid": case.registration_uuid,
        "certificate_no": case.registration.certificate_no,
        "registered_on": case.registration.registered_on.isoformat(),
        "registered_at": case.registration.registered_at.isoformat(),
        "voluntariness": case.voluntariness.value,
        "parties": [
            {
                "role": role.value,
                "document_type": party.identity.doc_type.value,
                "number": party.identity.number,
                "name": party.identity.name,
                "sex": party.identity.sex.value,
                "birth_date": party.identity.birth_date.isoformat(),
                "ethnicity": party.identity.ethnicity_code,
                "address": party.identity.address,
                "declared_status": party.declared_status.value,
                "read_at": party.read_at.isoformat(),
                "reader": party.reader_name,
            }
            for role, party in sorted(case.parties.items())
        ],
        "rule_outcomes": [
            {"rule": o.rule_id, "passed": o.passed, "party": o.party.value if o.party else None, "message": o.message}
            for o in case.rule_outcomes
        ],
        # Divorce and reissue facts (marriage and application on record, interviews,
        # agreement, reissued certificate) and voided certificate blanks, as the local
        # store keeps them; the forms' PDFs are files of their own (forms/).
        "details": json.loads(details_json(case, form_files=False) or "null"),
    }


def build_archive_package(case: MarriageCase, forms: Mapping[str, bytes]) -> ArchivePackage:
    """The package of a registered case; `forms` are the rendered PDFs by file name."""
    if case.registration is None or case.registration_uuid is None:
        raise ValueError(f"case {case.case_id} is not registered: nothing to archive")
    files: list[ArchiveFile] = []
    for index, document in enumerate(case.documents, start=1):
        # The camera writes PNG by default, JPEG when configured (devices/camera/document_output.py).
        suffix = ".jpg" if document.image_png.startswith(b"\xff\xd8") else ".png"
        files.append(ArchiveFile.of(f"documents/{index:02d}-{document.document_class}{suffix}", document.image_png))
    for role, party in sorted(case.parties.items()):
        if party.photo_png:
            files.append(ArchiveFile.of(f"parties/{role.value}-card-photo.png", party.photo_png))
    signatures = [(role.value, signature) for role, signature in sorted(case.signatures.items())]
    signatures += [(f"{s.form}-{s.role.value}", s) for s in case.form_signatures]
    for stem, signature in signatures:
        files.append(ArchiveFile.of(f"signatures/{stem}.png", signature.image_png))
        pen = {"declaration_sha256": signature.declaration_sha256, "signed_at": signature.signed_at.isoformat(),
               "device": signature.device_name, "strokes": json.loads(signature.strokes_json)}
        files.append(ArchiveFile.of(f"signatures/{stem}-pen.json", _json(pen)))
    for name, data in sorted(forms.items()):
        files.append(ArchiveFile.of(f"forms/{name}", data))
    files.append(ArchiveFile.of("case.json", _json(_case_record(case))))
    return package_of(
        files,
        case_id=case.case_id,
        reg_uuid=case.registration_uuid,
        certificate_no=case.registration.certificate_no,
        office_code=case.office_code,
        counter_id=case.counter_id,
    )


def build_supplement(case: MarriageCase, number: int, files: Mapping[str, bytes]) -> ArchivePackage:
    """Supplement `number` of an issued case's archive: `files` (name → bytes) under
    `supplement-<number>/`, with their manifest (unsigned)."""
    if case.registration is None or case.registration_uuid is None:
        raise ValueError(f"case {case.case_id} is not registered: nothing to archive")
    prefix = supplement_prefix(number)
    return package_of(
        (ArchiveFile.of(prefix + name, data) for name, data in files.items()),
        case_id=case.case_id, reg_uuid=case.registration_uuid, certificate_no=case.registration.certificate_no,
        office_code=case.office_code, counter_id=case.counter_id, supplement=number,
    )


def package_of(
    files: Iterable[ArchiveFile], *, case_id: str, reg_uuid: str, certificate_no: str, office_code: str,
    counter_id: str, supplement: int | None = None,
) -> ArchivePackage:
    """`files` and, after them, the manifest listing them (unsigned)."""
    listed = tuple(files)
    prefix = supplement_prefix(supplement) if supplement is not None else ""
    manifest: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "case_id": case_id,
        "registration_uuid": reg_uuid,
        "certificate_no": certificate_no,
        "office_code": office_code,
        "counter_id": counter_id,
        "files": [{"name": f.name, "sha256": f.sha256, "size": len(f.data)} for f in listed],
    }
    if supplement is not None:
        manifest["supplement"] = supplement
    return ArchivePackage(case_id, reg_uuid, (*listed, ArchiveFile.of(prefix + MANIFEST, _json(manifest))), prefix)


def verify_package(files: Iterable[tuple[str, bytes]]) -> list[str]:
    """Problems found checking a package against its manifest; empty when intact. The
    signature is not checked here (app.archive.signing.check_signed_package does)."""
    contents = dict(files)
    if MANIFEST not in contents:
        return [f"{MANIFEST} is missing"]
    try:
        manifest = json.loads(contents[MANIFEST])
        listed = {entry["name"]: (entry["sha256"], entry["size"]) for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST} is unreadable: {error}"]
    problems = [f"{name}: missing" for name in listed if name not in contents]
    problems += [
        f"{name}: SHA-256 differs from the manifest" if hashlib.sha256(contents[name]).hexdigest() != digest
        else f"{name}: {len(contents[name])} bytes, the manifest says {size}"
        for name, (digest, size) in listed.items()
        if name in contents
        and (hashlib.sha256(contents[name]).hexdigest() != digest or len(contents[name]) != size)
    ]
    problems += [
        f"{name}: not in the manifest"
        for name in contents
        if name not in listed and name not in (MANIFEST, SIGNATURE_FILE)
    ]
    return problems


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
