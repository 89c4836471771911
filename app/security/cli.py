"""`marriage-counter security rewrap --to keyring|file` (IT, on the counter, with the
counter program closed): app.security.rewrap moves the keys; this prints what it did
and what IT must change in the configuration afterwards."""

from __future__ import annotations

import sys

from app.config import Config
from app.security.rewrap import KeyStoreKind, NothingToMoveError, move_keys


def security_rewrap(config: Config, to: KeyStoreKind) -> int:
    try:
        move = move_keys(config, to, progress=print)
    except NothingToMoveError as error:
        print(f"marriage-counter: {error}", file=sys.stderr)
        return 2
    print(f"done: the counter's keys are in {move.target}.")
    _record(config, to, move.target, move.rewrapped)
    if config.security.key_store == to:
        print(f'[security] key_store is "{to}" already: the counter uses the moved keys at its next start.')
    else:
        print(
            f'NOW set [security] key_store = "{to}" in the configuration (the machine-wide file: '
            f"/etc/marriage-counter/config.toml, or %ProgramData%\\marriage-counter\\config.toml; check with "
            f"`marriage-counter config show`). Until then the counter stops at start with [SEC-010]."
        )
    return 0


def _record(config: Config, to: KeyStoreKind, target: str, rewrapped: int) -> None:
    """An audit record of the move, under the moved audit key (the configuration may
    still name the retired store). Best effort: the move is done either way."""
    from datetime import UTC, datetime

    from app.audit import AuditAction, AuditEvent
    from app.audit.trail import KEY_NAME, SYSTEM_OPERATOR, AuditTrail, audit_log_path
    from app.errors import AppError
    from app.security.rewrap import key_store_of_kind

    try:
        key = key_store_of_kind(config, to).load(KEY_NAME)
        if key is None:
            return
        with AuditTrail(audit_log_path(config), key, config.office.counter_id) as trail:
            trail.record(AuditEvent(
                AuditAction.KEYS_MOVED, SYSTEM_OPERATOR, config.office.counter_id, datetime.now(UTC).astimezone(),
                detail=f"keys moved to {target}; {rewrapped} data key(s) re-wrapped",
            ))
    except (AppError, OSError, ValueError) as error:
        print(f"marriage-counter: warning: the move could not be recorded in the audit trail: {error}",
              file=sys.stderr)
