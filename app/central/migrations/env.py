"""Alembic environment of the central store (see app.store.engine.migration_environment).

Its own version table, so the central schema can share a database with other
schemas (or a test database with the local store) without mixing revision histories.
"""

from app.central.models import CentralBase
from app.store.engine import migration_environment

migration_environment(CentralBase.metadata, version_table="central_alembic_version")
