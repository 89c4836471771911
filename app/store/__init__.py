"""The counter's local store (SQLite via SQLAlchemy; see architecture §4).

`app.store.local.LocalStore` takes and returns domain objects; `app.store.engine` is
shared with app.central. Only app.store, app.central and app.sync import SQLAlchemy.
"""
