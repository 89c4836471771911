"""Operators' accounts in the central store (#10): IT manages them with the admin role
(`marriage-counter operators …`), counters read them into their offline cache.

A counter caches the active accounts of its own office plus the active IT
administrators, never the whole country's: a stolen counter PC gives away as few
secret hashes as possible (each is a slow salted scrypt hash anyway, app.auth.secrets).
That filter is the client's; on PostgreSQL a counter role of one office (`central init
--office`, migration 0005) cannot read other offices' accounts at all (row-level
security on `operator`), whatever it asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from app.auth.errors import OperatorAdminError
from app.auth.model import OPERATOR_ID_PATTERN, Account, Operator, OperatorRole
from app.auth.secrets import parse_hash
from app.central.models import OperatorRow
from app.central.store import CentralStore
from app.central.types import check_office_code
from app.store.engine import dialect_insert

log = logging.getLogger(__name__)


def _account(row: Any) -> Account:
    return Account(
        Operator(
            operator_id=row.operator_id,
            name=row.name,
            office_code=row.office_code,
            role=OperatorRole(row.role),
            training_valid_until=row.training_valid_until,
            active=bool(row.active),
        ),
        row.secret_hash,
    )


def check_account(account: Account) -> None:
    """What the schema cannot say about a new or changed account (AUTH-007)."""
    operator = account.operator
    if not OPERATOR_ID_PATTERN.match(operator.operator_id):
        raise OperatorAdminError(reason=(
            f"operator id {operator.operator_id!r}: letters, digits, '.', '_' and '-', at most 64, "
            "starting with a letter or digit"
        ))
    if not operator.name.strip() or len(operator.name) > 100:
        raise OperatorAdminError(reason="the name must be given, at most 100 characters")
    try:
        check_office_code(operator.office_code)
    except ValueError as error:
        raise OperatorAdminError(reason=str(error)) from error
    if parse_hash(account.secret_hash) is None:
        raise OperatorAdminError(reason="the secret hash is not a scrypt PHC string this version accepts")


class CentralOperators:
    """The `operator` table, through a CentralStore's connection and error handling."""

    def __init__(self, store: CentralStore, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self._clock = clock

    # The store's transaction helpers: one place for retries and CEN-001 on failure.
    def _read(self, action: str, unit: Callable[[Connection], Any]) -> Any:
        return self.store._read(action, unit)

    def _write(self, action: str, unit: Callable[[Connection], Any]) -> Any:
        return self.store._write(action, unit)

    def accounts(self, office_code: str | None = None) -> list[Account]:
        """Every account (of one office), active or not, by id."""

        def unit(conn: Connection) -> list[Account]:
            query = select(OperatorRow).order_by(OperatorRow.operator_id)
            if office_code is not None:
                query = query.where(OperatorRow.office_code == office_code)
            return [_account(row) for row in conn.execute(query)]

        result: list[Account] = self._read("list operators", unit)
        return result

    def get(self, operator_id: str) -> Account | None:
        def unit(conn: Connection) -> Account | None:
            row = conn.execute(select(OperatorRow).where(OperatorRow.operator_id == operator_id)).first()
            return _account(row) if row is not None else None

        result: Account | None = self._read("read operator", unit)
        return result

    def operators_for_counter(self, office_code: str) -> list[Account]:
        """What a counter of `office_code` caches: its office's active accounts and the
        active administrators."""

        def unit(conn: Connection) -> list[Account]:
            query = (
                select(OperatorRow)
                .where(OperatorRow.active.is_(True))
                .where(or_(OperatorRow.office_code == office_code, OperatorRow.role == OperatorRole.ADMIN.value))
                .order_by(OperatorRow.operator_id)
            )
            return [_account(row) for row in conn.execute(query)]

        result: list[Account] = self._read("read operators for a counter", unit)
        return result

    def add(self, account: Account) -> None:
        """A new account; AUTH-007 when the id exists already (active or not)."""
        check_account(account)
        operator = account.operator

        def unit(conn: Connection) -> int:
            statement = dialect_insert(conn, OperatorRow).values(
                operator_id=operator.operator_id, name=operator.name.strip(), office_code=operator.office_code,
                role=operator.role.value, training_valid_until=operator.training_valid_until,
                secret_hash=account.secret_hash, active=operator.active, updated_at=self._clock(),
            ).on_conflict_do_nothing(index_elements=[OperatorRow.operator_id])
            return conn.execute(statement).rowcount

        if self._write("add operator", unit) == 0:
            raise OperatorAdminError(reason=f"operator {operator.operator_id} exists already")
        log.info("operator %s added (%s, office %s)", operator.operator_id, operator.role.value, operator.office_code)

    def _change(self, operator_id: str, action: str, **values: Any) -> None:
        def unit(conn: Connection) -> int:
            statement = (
                update(OperatorRow)
                .where(OperatorRow.operator_id == operator_id)
                .values(**values, updated_at=self._clock())
            )
            return conn.execute(statement).rowcount

        if self._write(action, unit) == 0:
            raise OperatorAdminError(reason=f"no operator {operator_id}")
        log.info("operator %s: %s", operator_id, action)

    def set_training(self, operator_id: str, valid_until: date | None) -> None:
        self._change(operator_id, "set training", training_valid_until=valid_until)

    def deactivate(self, operator_id: str) -> None:
        self._change(operator_id, "deactivate", active=False)

    def reset_secret(self, operator_id: str, secret_hash: str, *, reactivate: bool = False) -> None:
        if parse_hash(secret_hash) is None:
            raise OperatorAdminError(reason="the secret hash is not a scrypt PHC string this version accepts")
        values: dict[str, Any] = {"secret_hash": secret_hash}
        if reactivate:
            values["active"] = True
        self._change(operator_id, "reset secret", **values)
