"""`marriage-counter audit re-anchor COUNTER_ID --reason TEXT` (IT, on the counter, with
the admin URL): ends an AUD-003 refusal once the incident is closed.

After the central store refused this counter's head (its log was cut short or
rewritten, AUD-003) the refusal is kept beside the log and no head is shipped. Once the
security officer closed the incident, IT re-anchors the chain:

1. the counter id must be named and be this counter's (the command changes what the
   central store trusts about one counter: no default);
2. the local log is verified on its own (every MAC and link, app.audit.verify): a log
   that is broken in itself is not re-anchored (AUD-004), that would bless the damage;
3. a `re_anchor` record goes into the counter's own trail: who (the operator named, or
   the OS account), the reason, the central head replaced and the log's head before it;
   it is chained and MACed like every record, so it cannot be removed unseen later;
4. the central store's head of this counter becomes the log's head, i.e. that record
   (a compare-and-set on the head read in step 3: a head shipped meanwhile stops it,
   AUD-003, run again), logged by the central store's client;
5. the refusal note beside the log is removed: the counter ships heads again from its
   next sync pass, each continuing the new head.

Interrupted after 3 or 4, running the command again just adds another record. The
central store keeps no history of re-anchors (that would need a new table and a
migration): the counter's trail is the record, and its head in the central store
covers the record from step 3.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.audit import AuditAction, AuditEvent, os_account
from app.audit.errors import AuditChainBrokenError, AuditUnavailableError
from app.audit.trail import MAX_DETAIL, AuditHead, audit_log_path, open_audit_trail, read_refusal, refusal_path
from app.audit.verify import verify
from app.config import Config
from app.errors import AppError
from app.logging_setup import mask_personal_data

MAX_REASON = 300  # characters: the record's detail holds the heads too


class ReanchorRefusedError(AppError):
    """`audit re-anchor` was asked for another counter, or without a reason."""

    code = "AUD-005"
    template = "The audit chain cannot be re-anchored: {detail}"
    exit_code = 2


def _short(head_hash: str) -> str:
    return head_hash[:16]


def reanchor(
    config: Config,
    counter_id: str,
    reason: str,
    *,
    url: str | None = None,
    operator: str | None = None,
    now: datetime | None = None,
) -> tuple[AuditHead | None, AuditHead]:
    """Re-anchors this counter's chain (see the module text); returns the central head
    replaced (None: there was none) and the new one."""
    from app.audit.cli import _key
    from app.central.embedded import central_store

    if counter_id != config.office.counter_id:
        raise ReanchorRefusedError(
            detail=f"{counter_id} is not this counter ({config.office.counter_id}); run it on that counter"
        )
    reason = " ".join(mask_personal_data(reason).split())
    if not reason:
        raise ReanchorRefusedError(detail="give the reason (--reason), e.g. the incident's number")
    if len(reason) > MAX_REASON:
        raise ReanchorRefusedError(detail=f"the reason has at most {MAX_REASON} characters")
    if url is None and config.central.url and not config.central.url.startswith("sqlite"):
        # On a server the counter's own role may only move its head forward (migration
        # 0005's trigger): re-anchoring is the admin role's, named explicitly.
        raise ReanchorRefusedError(
            detail="re-anchoring needs the central store's admin URL: --url - (standard input) or "
            "MARRIAGE_COUNTER_ADMIN_URL"
        )
    path = audit_log_path(config)
    if not path.exists():
        raise AuditUnavailableError(detail=f"no audit log at {path}")
    who = operator or f"os:{os_account()}"
    with central_store(config, url) as central, open_audit_trail(config) as trail:
        # Opening the trail moved an unfinished last line aside (chained as torn_tail).
        report = verify(path, _key(config), None)
        if report.broken is not None:
            broken = report.broken
            seq = f"seq {broken.seq}" if broken.seq is not None else "no sequence number"
            raise AuditChainBrokenError(file=str(path), line=broken.line, seq=seq, reason=broken.message)
        stored = central.audit_head_of(counter_id)
        replaced = AuditHead(stored.seq, stored.head_hash) if stored is not None else None
        log_head = trail.head()
        old = f"seq {replaced.seq} ({_short(replaced.hash)})" if replaced else "none"
        detail = (
            f"central head {old} replaced by this record; log verified to seq {log_head.seq} "
            f"({_short(log_head.hash)}); by {who}; reason: {reason}"
        )
        at = (now or datetime.now(UTC)).astimezone()
        trail.record(AuditEvent(AuditAction.RE_ANCHOR, who, counter_id, at, detail=detail[:MAX_DETAIL]))
        new = trail.head()
        try:
            central.reanchor_audit_head(
                counter_id, new.seq, new.hash, replaced=(replaced.seq, replaced.hash) if replaced else None
            )
        except Exception as error:  # the record above must not read as done
            code = error.code if isinstance(error, AppError) else type(error).__name__
            trail.record(AuditEvent(AuditAction.RE_ANCHOR, who, counter_id, datetime.now(UTC).astimezone(),
                                    detail=f"re-anchor of seq {new.seq} failed in the central store: {code}"))
            raise
    refusal_path(path).unlink(missing_ok=True)
    return replaced, new


def audit_reanchor(
    config: Config, counter_id: str, reason: str, *, url: str | None = None, operator: str | None = None
) -> int:
    path = audit_log_path(config)
    refusal = read_refusal(path)
    replaced, new = reanchor(config, counter_id, reason, url=url, operator=operator)
    if refusal:
        print(f"refusal removed: {refusal}")
    else:
        print("note: the central store had not refused this counter's head (no refusal beside the log)")
    old = f"seq {replaced.seq} ({replaced.hash})" if replaced else "none"
    print(f"central audit head of {counter_id}: {old} replaced by seq {new.seq} ({new.hash})")
    print(f"recorded in {path} as seq {new.seq} (action re_anchor); heads are shipped again from the next sync")
    return 0

