"""`marriage-counter sync status` and `marriage-counter sync run`.

status: one line per outbox item (kind, case, state, attempts, next attempt, last
error), then the totals; exit 0. run: pushes every open item now, then whatever comes
due while it runs; exit 0 when nothing is left pending, 1 otherwise (the central store
is unreachable, or answered "later"). Neither prints personal data: items name cases
by id, and their errors are the central store's codes and connection messages.
"""

from __future__ import annotations

from datetime import datetime

from app.archive.signing import counter_signer
from app.audit.trail import AuditLogHead, audit_log_path, read_refusal, refusal_path
from app.central.embedded import central_store
from app.config import Config
from app.errors import AppError
from app.store.local import LocalStore
from app.sync.service import SyncService
from app.sync.types import OutboxItem, OutboxState

# Passes after the first when items keep coming due while `sync run` runs (short
# backoffs): bounded, so an endlessly failing item cannot keep the command running.
MAX_PASSES = 20


def _when(moment: datetime) -> str:
    return moment.astimezone().isoformat(timespec="seconds")


def item_line(item: OutboxItem) -> str:
    next_attempt = "-" if item.is_final else _when(item.next_attempt_at)
    error = " ".join(item.last_error.split()) or "-"  # one line, whatever the driver said
    return "\t".join(
        (item.kind.value, item.case_id, item.state.value, str(item.attempts), next_attempt, error)
    )


def totals_line(counts: dict[OutboxState, int]) -> str:
    return "total\t" + "\t".join(f"{state.value}={counts[state]}" for state in OutboxState)


def sync_status(config: Config) -> int:
    with LocalStore.from_config(config) as store:
        for item in store.outbox_items():
            print(item_line(item))
        print(totals_line(store.outbox_counts()))
    _print_audit_refusal(config, read_refusal(audit_log_path(config)))
    return 0


def _print_audit_refusal(config: Config, refused: str) -> None:
    if refused:
        print(f"audit head refused, none shipped until IT re-anchors the chain once the incident is closed "
              f"(`marriage-counter audit re-anchor {config.office.counter_id} --reason …`, which removes "
              f"{refusal_path(audit_log_path(config))}): {refused}")


def sync_run(config: Config) -> int:
    with LocalStore.from_config(config) as store:
        central = central_store(config)
        try:
            try:
                central.open()
            except AppError as error:
                # Nothing can be sent; the items keep their schedule for the worker.
                print(f"marriage-counter: {error}")
                counts = store.outbox_counts()
                print(totals_line(counts))
                return 0 if counts[OutboxState.PENDING] + counts[OutboxState.SENDING] == 0 else 1
            # One pass takes every open item (the worker works in smaller batches). Each
            # pass ships the head of the counter's audit chain too (read, never written here;
            # a refusal is kept beside it).
            audit_path = audit_log_path(config)
            audit = AuditLogHead(audit_path, config.office.counter_id) if audit_path.exists() else None
            service = SyncService(store, central, batch=10_000, audit=audit, signer=counter_signer(config))
            service.recover()
            report = service.run_once(force=True)
            attempted, acknowledged, failed = report.attempted, report.acknowledged, report.failed
            for _ in range(MAX_PASSES):
                if report.attempted == 0:
                    break
                report = service.run_once()
                attempted += report.attempted
                acknowledged += report.acknowledged
                failed += report.failed
            counts = store.outbox_counts()
        finally:
            central.close()
    left = counts[OutboxState.PENDING] + counts[OutboxState.SENDING]
    if service.audit_head_refused:
        _print_audit_refusal(config, service.audit_head_refused)
    elif service.audit_head_error:
        print(f"audit head not shipped (retried at the next sync): {service.audit_head_error}")
    elif service.audit_head_shipped is not None:
        print(f"audit head seq {service.audit_head_shipped[0]} held by the central store")
    print(f"attempts {attempted}: acknowledged {acknowledged}, failed {failed}; still pending {left}")
    print(totals_line(counts))
    return 0 if left == 0 else 1
