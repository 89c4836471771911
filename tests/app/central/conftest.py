"""The central-store suite runs against both backends: every test that takes `central`
or `central_url` runs once on an embedded SQLite file and once on a fresh database of
the private PostgreSQL server (tests/pg.py). Tests of one backend's specifics take
`sqlite_central_url` or `postgres_url` instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.central.store import CentralStore
from app.central.types import MarriageRegistrationRequest
from app.store.engine import make_engine
from tests.app.central.helpers import make_request, person_key

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
def sqlite_central_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'central' / 'central.sqlite'}"


@pytest.fixture(params=BACKENDS)
def central_url(request: pytest.FixtureRequest) -> str:
    # Resolved lazily so that SQLite-only runs (-k sqlite) never start PostgreSQL.
    fixture = "sqlite_central_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(fixture)
    assert isinstance(url, str)
    return url


@pytest.fixture
def central(central_url: str) -> Iterator[CentralStore]:
    with CentralStore(central_url) as store:
        yield store


@pytest.fixture
def raw_engine(central: CentralStore, central_url: str) -> Iterator[Engine]:
    """An engine on the same database, for tests that bypass the application code
    (raw SQL / Core inserts), connected as the schema's owner."""
    engine = make_engine(central_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def request_for() -> Callable[..., MarriageRegistrationRequest]:
    """Builds a request marrying person `a` (role A) to person `b` (role B)."""
    return make_request


@pytest.fixture
def key_of() -> Callable[[int], str]:
    """The person key of test person `n`."""
    return person_key
