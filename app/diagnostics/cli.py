"""`marriage-counter devices list|test` and `marriage-counter support-bundle`.

Exit codes (architecture §6): 0 all good; 3 a configured device is unavailable or
failed its self-test (each reason on stderr with its code, in English and Chinese);
2 a kind that is not configured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.config import Config
from app.diagnostics.bundle import DEFAULT_LOG_BYTES, summary_json, write_support_bundle
from app.diagnostics.messages import ErrorText
from app.diagnostics.report import build_report, configured_kinds
from app.diagnostics.selftest import DEFAULT_TIMEOUT_S, run_self_tests
from app.errors import AppError


class UnknownDeviceKindError(AppError):
    code = "DIA-002"
    template = "No device kind {kind!r} in the configuration (configured: {known})"
    exit_code = 2


def _complain(kind: str, text: ErrorText) -> None:
    print(f"marriage-counter: {kind}: {text.line()}", file=sys.stderr)


def devices_list(config: Config, *, as_json: bool = False) -> int:
    report = build_report(config)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.render_text(), end="")
    for device in report.devices:
        if device.ok:
            continue
        if device.opened:  # opened, then unavailable: the device's own reason
            text = ErrorText("DEV-001", f"{device.state}: {device.reason}", "")
        else:
            text = ErrorText(device.error_code, device.error, device.error_zh)
        _complain(device.kind, text)
    return 0 if report.ok else 3


def devices_test(
    config: Config, kind: str | None = None, *, as_json: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S
) -> int:
    kinds = configured_kinds(config)
    if kind is not None and kind not in kinds:
        raise UnknownDeviceKindError(kind=kind, known=", ".join(kinds))
    results = run_self_tests(config, [kind] if kind else kinds, timeout_s=timeout_s)
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(result.line())
    for result in results:
        if not result.passed:
            _complain(result.kind, ErrorText(result.error_code, result.detail, result.detail_zh))
    return 0 if all(result.passed for result in results) else 3


def support_bundle(config: Config, out: Path, *, log_mb: float | None = None) -> int:
    log_bytes = DEFAULT_LOG_BYTES if log_mb is None else int(log_mb * 1024 * 1024)
    summary = write_support_bundle(config, out, log_bytes=log_bytes)
    data = summary_json(summary)
    print(f"support bundle written: {data['path']}")
    print(f"files: {len(summary.files) + 1} (manifest.json included); logs: {', '.join(summary.logs) or 'none'}")
    print(f"masked: identity numbers, {summary.masked_names} party names; secrets in the configuration")
    for warning in summary.warnings:
        print(f"marriage-counter: warning: {warning}", file=sys.stderr)
    return 0
