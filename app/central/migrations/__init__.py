"""Alembic migrations of the central store (a package so that env.py is installed with it)."""
