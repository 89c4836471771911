"""`marriage-counter audit verify` and `marriage-counter audit show` (for IT).

verify: checks every MAC and link of the counter's audit log (or `--file`) and, when
the central store is reachable, that the log still reaches the head the central store
received; exit 0 intact, 1 broken (the first broken link printed, AUD-004; a log cut
short or rewritten, AUD-003), 3 cannot check (no log, no key: AUD-002).

show: the records, one a line (seq, time, counter, operator, action, case, detail),
optionally of one case or from a day on; it does not verify (that is `verify`). The
log holds no personal data: operators' account ids, case ids, step and form names.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.audit.errors import AuditChainBrokenError, AuditHeadRefusedError, AuditUnavailableError
from app.audit.trail import KEY_NAME, AuditHead, audit_log_path, key_store_for, parse_record
from app.audit.verify import VerifyReport, verify
from app.config import Config
from app.errors import AppError


def _key(config: Config) -> bytes:
    from app.security.keys import describe_key_store, key_exists

    store = key_store_for(config)
    # Key stores create a missing key on first use: a check must not (it would report
    # every record forged instead of "no key"). A store that cannot tell is asked anyway.
    try:
        exists = key_exists(store, KEY_NAME)
    except AppError as error:  # the keyring cannot be asked
        raise AuditUnavailableError(detail=f"the audit key cannot be read: {error}") from error
    if exists is False:
        raise AuditUnavailableError(detail=f"no audit key {KEY_NAME!r} in {describe_key_store(store)}")
    try:
        return store.secret(KEY_NAME)
    except (OSError, ValueError) as error:
        raise AuditUnavailableError(detail=f"the audit key cannot be read: {error}") from error


def _first_counter(path: Path) -> str | None:
    """The counter named by the first record of a log given with --file (another
    counter's copy). Read before any MAC is checked: it only picks which central head
    to compare with, and a record naming another counter breaks the chain's MACs."""
    try:
        with open(path, "rb") as handle:
            for line in handle:
                record = parse_record(line.rstrip(b"\n"))
                if record is not None:
                    return str(record["counter"])
    except OSError:
        return None
    return None


def _central_head(config: Config, counter_id: str) -> tuple[AuditHead | None, str]:
    """The central store's head of this counter's chain, and a note when it could not be
    asked (then the tail is not checked)."""
    from app.central.embedded import central_store, embedded_path

    if not config.central.url and not embedded_path(config).exists():
        return None, "no central store here: a log cut short is not detected"
    try:
        central = central_store(config)
    except (AppError, OSError) as error:
        return None, f"central store cannot be opened, a log cut short is not detected: {error}"
    try:
        central.open()
        stored = central.audit_head_of(counter_id)
    except AppError as error:
        return None, f"central store not reachable, a log cut short is not detected: {error}"
    finally:
        central.close()
    if stored is None:
        return None, f"the central store has no audit head of {counter_id} yet"
    shipped = stored.shipped_at.astimezone().isoformat(timespec="seconds")
    return AuditHead(stored.seq, stored.head_hash), f"central head of {counter_id}: seq {stored.seq} ({shipped})"


def _report_json(report: VerifyReport, note: str) -> dict[str, Any]:
    return {
        "file": str(report.path),
        "exists": report.exists,
        "intact": report.ok,
        "lines": report.lines,
        "records_intact": report.intact,
        "head": {"seq": report.head.seq, "hash": report.head.hash},
        "first_broken": report.broken.as_json() if report.broken else None,
        "central_head": (
            {"seq": report.expected_head.seq, "hash": report.expected_head.hash} if report.expected_head else None
        ),
        "central_problem": report.central.as_json() if report.central else None,
        "central_note": note,
        "torn_tails_moved_aside": [
            {"line": n.line, "seq": n.seq, "at": n.at, "detail": n.detail} for n in report.torn_tails
        ],
    }


def audit_verify(config: Config, file: Path | None = None, *, as_json: bool = False, central: bool = True) -> int:
    path = file if file is not None else audit_log_path(config)
    # This counter's log is compared with this counter's head, whatever its records say.
    counter_id = (_first_counter(path) if file is not None else None) or config.office.counter_id
    expected, note = _central_head(config, counter_id) if central else (None, "central store not asked")
    if not path.exists() and expected is None:
        raise AuditUnavailableError(detail=f"no audit log at {path}")
    # A missing log needs no key: the central head alone says records were there.
    key = _key(config) if path.exists() else b""
    try:
        report = verify(path, key, expected)
    except OSError as error:
        raise AuditUnavailableError(detail=f"{path}: {error.strerror or error}") from error
    if as_json:
        print(json.dumps(_report_json(report, note), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    state = "intact" if report.broken is None else "BROKEN"
    print(f"{path}: {report.lines} line(s), {report.intact} record(s) intact up to seq {report.head.seq}; {state}")
    print(note)
    for torn in report.torn_tails:
        print(f"note: line {torn.line} (seq {torn.seq}, {torn.at}): {torn.detail}")
    if report.broken is not None:
        broken = report.broken
        seq = f"seq {broken.seq}" if broken.seq is not None else "no sequence number"
        print(AuditChainBrokenError(file=str(path), line=broken.line, seq=seq, reason=broken.message))
    if report.central is not None:
        print(AuditHeadRefusedError(counter_id=counter_id, detail=report.central.message))
    return 0 if report.ok else 1


def audit_show(
    config: Config,
    file: Path | None = None,
    *,
    case_id: str | None = None,
    since: date | None = None,
    as_json: bool = False,
) -> int:
    path = file if file is not None else audit_log_path(config)
    unreadable = shown = 0
    try:
        lines = [line for line in path.read_bytes().split(b"\n") if line]
    except OSError as error:
        raise AuditUnavailableError(detail=f"{path}: {error.strerror or error}") from error
    for raw in lines:
        record = parse_record(raw)
        if record is None:
            unreadable += 1
            continue
        if case_id is not None and record["case"] != case_id:
            continue
        if since is not None and not _on_or_after(str(record["at"]), since):
            continue
        shown += 1
        if as_json:
            print(json.dumps({k: v for k, v in record.items() if k not in ("prev", "mac")}, ensure_ascii=False))
        else:
            print("\t".join(str(record[k] if record[k] is not None else "-") for k in (
                "seq", "at", "counter", "operator", "action", "case", "detail")))
    if unreadable:
        print(f"{unreadable} line(s) are not records; run `marriage-counter audit verify`", file=sys.stderr)
    if not as_json:
        print(f"{shown} record(s)", file=sys.stderr)
    return 0


def _on_or_after(at: str, since: date) -> bool:
    try:
        return datetime.fromisoformat(at).date() >= since
    except ValueError:
        return True  # shown rather than hidden; verify reports the record
