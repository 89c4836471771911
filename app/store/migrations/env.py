"""Alembic environment of the local store (see app.store.engine.migration_environment)."""

from app.store.engine import migration_environment
from app.store.models import LocalBase

migration_environment(LocalBase.metadata)
