"""The central marriage registry: schema, migrations, client and administration.

An embedded SQLite file by default (single office, demo, QA); PostgreSQL in production,
through the same code. `app.central.types` holds the values exchanged with it (no
SQLAlchemy, so the workflow may import them); `app.central.store.CentralStore` is the
client; `app.central.admin` creates and upgrades the schema and the counter role
(`central init|migrate`). IT documentation: README.md next to this file.
"""
