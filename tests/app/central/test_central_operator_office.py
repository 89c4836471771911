"""A counter role of one office (`central init --office CODE`, migration 0005) reads only
that office's operator accounts and the IT administrators' (PostgreSQL row-level
security); a role of no office (the shared role of a store set up before) still reads
all; the admin role manages all."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from app.auth.model import Account, Operator, OperatorRole
from app.auth.secrets import ScryptParameters, hash_secret
from app.central.admin import CentralAdminError, init_central, migrate_central
from app.central.operators import CentralOperators
from app.central.store import CentralStore
from tests.fixture_dbs import FIXTURES, fixture_copy
from tests.pg import PostgresServer

_roles = itertools.count(1)
CHEAP = ScryptParameters(log2_n=10)


def _account(operator_id: str, office: str, role: OperatorRole) -> Account:
    operator = Operator(operator_id, f"name {operator_id}", office, role, date(2027, 6, 30))
    return Account(operator, hash_secret(f"{operator_id}-secret", CHEAP))


def _ids(accounts: list[Account]) -> list[str]:
    return [account.operator.operator_id for account in accounts]


def test_an_office_role_reads_only_its_office_and_the_administrators(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    n = next(_roles)
    east, west, shared = f"mc_counter_east{n}", f"mc_counter_west{n}", f"mc_counter_shared{n}"
    database = postgres_url.rpartition("/")[2]
    init_central(postgres_url, counter_role=shared)
    lines = init_central(postgres_url, counter_role=east, office_code="110101")
    assert any(f"counter role {east}: office 110101" in line for line in lines)
    init_central(postgres_url, counter_role=west, office_code="310104")
    with CentralStore(postgres_url) as admin:
        operators = CentralOperators(admin)
        for account in (_account("wang", "110101", OperatorRole.REGISTRAR),
                        _account("li", "310104", OperatorRole.REGISTRAR),
                        _account("zhou", "310104", OperatorRole.SUPERVISOR),
                        _account("it-1", "440106", OperatorRole.ADMIN)):
            operators.add(account)
        assert _ids(operators.accounts()) == ["it-1", "li", "wang", "zhou"]  # the owner sees all

    def seen_by(role: str, office: str) -> tuple[list[str], list[str]]:
        with CentralStore(postgres_server.url(database, user=role)) as central:
            operators = CentralOperators(central)
            return _ids(operators.operators_for_counter(office)), _ids(operators.accounts())

    assert seen_by(east, "110101") == (["it-1", "wang"], ["it-1", "wang"])
    # Even asking for another office (a counter misconfigured or tampered with) gives nothing of it.
    assert seen_by(east, "310104") == (["it-1"], ["it-1", "wang"])
    assert seen_by(west, "310104") == (["it-1", "li", "zhou"], ["it-1", "li", "zhou"])
    assert seen_by(shared, "110101") == (["it-1", "wang"], ["it-1", "li", "wang", "zhou"])  # as before 0005

    # A later migrate re-grants every office's role, not only the last one set up.
    migrate_central(postgres_url)
    assert seen_by(east, "110101")[0] == ["it-1", "wang"]
    assert seen_by(west, "310104")[0] == ["it-1", "li", "zhou"]
    # An office role can still do a counter's reads of its own (the policy's table included).
    with CentralStore(postgres_server.url(database, user=east)) as central:
        assert central.list_marriages() == []


def test_an_office_code_is_checked_and_ignored_on_sqlite(sqlite_central_url: str) -> None:
    with pytest.raises(CentralAdminError, match="--office"):
        init_central(sqlite_central_url, office_code="11010x")
    lines = init_central(sqlite_central_url, office_code="110101")
    assert "SQLite: --office ignored (no roles)" in lines


def test_the_0005_fixture_keeps_its_accounts(tmp_path: Path) -> None:
    assert (FIXTURES / "central-0005.sqlite3").is_file()
    path = fixture_copy(tmp_path, "central", "0005")
    with CentralStore(f"sqlite:///{path}") as central:
        assert _ids(CentralOperators(central).operators_for_counter("110101")) == ["it-1", "wang"]
