"""The central marriage registry: schema, migrations and client (architecture §4).

An embedded SQLite file by default (single office, demo, QA); the same code runs on
PostgreSQL. `app.central.types` holds the values exchanged with it (no SQLAlchemy, so
the workflow may import them); `app.central.store.CentralStore` is the client.
"""
