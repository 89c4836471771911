"""The electronic archive of a registration: idempotent upload, confirmed by hash.
(Signatures and tampering: test_central_signed_archive.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from app.central.errors import RegistrationNotFoundError
from app.central.models import ArchiveFileRow
from app.central.store import CentralStore
from app.central.types import ArchiveFile, MarriageRegistrationRequest
from app.errors import PayloadConflictError
from tests.app.archive.helpers import register, signed_batch
from tests.app.central.helpers import archive_file, new_uuid

RequestFactory = Callable[..., MarriageRegistrationRequest]

PHOTO = archive_file("joint_photo.jpg", b"\xff\xd8" + bytes(range(256)) * 40)
FORM = archive_file("application_form.pdf", b"%PDF-1.7 " + b"x" * 5000)


def test_store_returns_what_the_registry_holds_and_is_idempotent(
    central: CentralStore, request_for: RequestFactory
) -> None:
    request = request_for(1, 2)
    central.register_marriage(request)
    register(central)
    package = signed_batch(request.reg_uuid, {PHOTO[0]: PHOTO[2], FORM[0]: FORM[2]})
    held = central.store_archive_files(request.reg_uuid, "110101", package)
    assert held == {name: digest for name, digest, _data in package}
    assert {PHOTO[0], FORM[0], "manifest.json", "manifest.sig"} == set(held)
    # A resend after a lost reply (the whole package, or what was not confirmed): nothing
    # rewritten, all confirmed.
    assert central.store_archive_files(request.reg_uuid, "110101", package) == held
    assert central.store_archive_files(request.reg_uuid, "110101", iter([ArchiveFile(*PHOTO)])) == held
    # Nothing to send: the answer is what is held (the sync worker can just ask).
    assert central.store_archive_files(request.reg_uuid, "110101", []) == held


def test_same_name_with_other_content_is_a_conflict_and_stores_nothing(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    request = request_for(1, 2)
    central.register_marriage(request)
    register(central)
    package = signed_batch(request.reg_uuid, {PHOTO[0]: PHOTO[2]})
    held = central.store_archive_files(request.reg_uuid, "110101", package)
    with pytest.raises(PayloadConflictError) as raised:
        central.store_archive_files(request.reg_uuid, "110101", [package[-1], archive_file(PHOTO[0], b"retouched")])
    assert request.reg_uuid in raised.value.message
    assert central.store_archive_files(request.reg_uuid, "110101", []) == held
    with raw_engine.connect() as conn:
        stored = conn.execute(select(ArchiveFileRow.data).where(ArchiveFileRow.name == PHOTO[0])).scalar_one()
    assert bytes(stored) == PHOTO[2]


def test_files_of_an_unknown_or_other_offices_registration_are_refused(
    central: CentralStore, request_for: RequestFactory
) -> None:
    request = request_for(1, 2)
    central.register_marriage(request)
    with pytest.raises(RegistrationNotFoundError):
        central.store_archive_files(new_uuid(), "110101", [PHOTO])
    with pytest.raises(RegistrationNotFoundError):
        central.store_archive_files(request.reg_uuid, "110102", [PHOTO])
    assert central.store_archive_files(request.reg_uuid, "110101", []) == {}


def test_bad_files_are_refused_before_anything_is_sent(central: CentralStore, request_for: RequestFactory) -> None:
    request = request_for(1, 2)
    central.register_marriage(request)
    name, digest, data = PHOTO
    with pytest.raises(ValueError, match="does not match"):
        central.store_archive_files(request.reg_uuid, "110101", [(name, digest, data + b"!")])
    with pytest.raises(ValueError, match="hex"):
        central.store_archive_files(request.reg_uuid, "110101", [(name, digest.upper(), data)])
    with pytest.raises(ValueError, match="twice"):
        central.store_archive_files(request.reg_uuid, "110101", [PHOTO, (name, *FORM[1:])])
    with pytest.raises(ValueError, match="name"):
        central.store_archive_files(request.reg_uuid, "110101", [("", digest, data)])
    assert central.store_archive_files(request.reg_uuid, "110101", []) == {}


def test_database_keeps_size_and_office_honest(
    central: CentralStore, raw_engine: Engine, request_for: RequestFactory
) -> None:
    request = request_for(1, 2)
    central.register_marriage(request)
    register(central)
    central.store_archive_files(request.reg_uuid, "110101", signed_batch(request.reg_uuid, {PHOTO[0]: PHOTO[2]}))
    with pytest.raises(IntegrityError), raw_engine.begin() as conn:
        conn.execute(update(ArchiveFileRow).values(size=ArchiveFileRow.size + 1))
    with pytest.raises(IntegrityError), raw_engine.begin() as conn:
        conn.execute(update(ArchiveFileRow).values(office_code="110102"))  # not that office's registration
