"""Helpers to build registration requests against an embedded central store."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest, RegistrationParty
from app.domain.case import DeviceMode, Role

RequestFactory = Callable[..., MarriageRegistrationRequest]


def person_key(n: int) -> str:
    return f"resident_id:CHN:1101011990{n:07d}X"


def make_request(
    a: int = 1,
    b: int = 2,
    *,
    reg_uuid: str | None = None,
    office_code: str = "110101",
    registered_on: date = date(2026, 5, 20),
    device_mode: str = DeviceMode.REAL,
    counter_id: str = "counter-01",
) -> MarriageRegistrationRequest:
    return MarriageRegistrationRequest.create(
        reg_uuid=reg_uuid or str(uuid.uuid4()),
        office_code=office_code,
        counter_id=counter_id,
        registered_on=registered_on,
        device_mode=device_mode,
        parties=(
            RegistrationParty(Role.A, person_key(a), f"甲{a}"),
            RegistrationParty(Role.B, person_key(b), f"乙{b}"),
        ),
    )


@pytest.fixture
def central_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'central' / 'central.sqlite'}"


@pytest.fixture
def central(central_url: str) -> Iterator[CentralStore]:
    with CentralStore(central_url) as store:
        yield store


@pytest.fixture
def request_for() -> RequestFactory:
    """Builds a request marrying person `a` (role A) to person `b` (role B)."""
    return make_request


@pytest.fixture
def key_of() -> Callable[[int], str]:
    """The person key of test person `n`."""
    return person_key
