"""Alembic migrations of the local store (a package so that env.py is installed with it)."""
