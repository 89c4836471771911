"""Sync between the counter and the central store: a transactional outbox in the local
store, resent by a worker until the central store acknowledges it.

`app.sync.types` holds the plain values (the local store imports them, so this package
imports nothing at its top level: no import cycle with app.store);
`app.sync.service.SyncService` sends; `app.sync.cli` backs `marriage-counter sync`.
"""
