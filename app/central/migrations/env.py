"""Alembic environment of the central store (see app.store.engine.migration_environment).

Its own version table, so the central schema can share a database with other
schemas (or a test database with the local store) without mixing revision histories.
"""

from alembic import context

from app.central.models import CentralBase
from app.store.engine import migration_environment

# Any 64-bit key that no other application on the server uses: "mc_migra".
_MIGRATION_LOCK_KEY = 0x6D635F6D69677261

_connection = context.config.attributes.get("connection")
if _connection is not None and _connection.dialect.name == "postgresql":
    # Two processes migrating one server database at once (IT's `central migrate` and a
    # counter opening with an owner's URL): the second waits here until the first
    # commits, then finds the schema current instead of failing on "table exists".
    _connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")

migration_environment(CentralBase.metadata, version_table="central_alembic_version")
