"""`marriage-counter support-bundle --out FILE.zip`: one file IT attaches to a ticket.

Contents: config.json (the effective configuration, secrets replaced by "***"),
devices.json and devices.txt (the device report), versions.json, sync.txt (the outbox,
no personal data), logs/ (the newest log files up to a size limit, identity numbers and
the names of the counter's parties masked) and manifest.json (SHA-256 of every file).
Never the databases, the issued PDFs or archive files. Every text passes through the
personal-data mask, not only the logs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.config import Config
from app.diagnostics.messages import error_text
from app.diagnostics.redact import PersonalDataMasker, redact_config, redact_text
from app.diagnostics.report import DiagnosticsReport, build_report
from app.errors import AppError
from app.resources import resources_dir
from devices.base import Device
from devices.errors import DeviceError
from devices.sim.scenario import load_scenario

DEFAULT_LOG_BYTES = 20 * 1024 * 1024
_SQLITE_PREFIX = "sqlite:///"


class SupportBundleError(AppError):
    """The bundle file could not be written (IT's command line only, hence a plain
    English template outside the translation catalogue, like CEN-007)."""

    code = "DIA-001"
    template = "The support bundle could not be written: {detail}"
    exit_code = 3


@dataclass(frozen=True, slots=True)
class BundleSummary:
    path: Path
    files: dict[str, str]  # name in the zip → SHA-256
    masked_names: int  # how many distinct party names the mask knew
    logs: list[str]  # log files included (some may be cut to their newest part)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _LocalFacts:
    names: set[str] = field(default_factory=set)
    sync_lines: list[str] = field(default_factory=list)
    problem: str = ""  # why the local store could not be read ("" when it could)


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len(_SQLITE_PREFIX):]) if url.startswith(_SQLITE_PREFIX) else None


def _local_facts(config: Config) -> _LocalFacts:
    """Names of the parties of every case (their titles) and the outbox lines, read
    through the local store's API. A missing store is not created."""
    facts = _LocalFacts()
    path = _sqlite_path(config.store_url)
    if path is not None and not path.exists():
        facts.sync_lines.append(f"no local store yet ({path.name} does not exist)")
        return facts
    from app.store.local import LocalStore
    from app.sync.cli import item_line, totals_line

    try:
        with LocalStore.from_config(config) as store:
            for case in store.list_cases():
                # CaseWorkflow titles are the parties' names joined by " · " (or 新案件).
                facts.names.update(part.strip() for part in case.title.split("·"))
            facts.sync_lines += [item_line(item) for item in store.outbox_items()]
            facts.sync_lines.append(totals_line(store.outbox_counts()))
    except AppError as error:
        text = error_text(error)
        facts.problem = f"[{text.code}] {text.english}"
        facts.sync_lines.append(f"local store not readable: {facts.problem}")
    facts.names.discard("新案件")
    return facts


def _scenario_names(config: Config, kinds: list[str]) -> set[str]:
    """People of the simulation scenarios configured: on a simulated counter they are
    the parties, and their cards may have been read without a case being saved."""
    names: set[str] = set()
    for kind in kinds:
        spec = getattr(config.devices, kind, "")
        if not isinstance(spec, str) or not spec.strip().lower().startswith("sim:"):
            continue
        path = Path(spec.strip()[4:].strip()).expanduser()
        path = path if path.is_absolute() else resources_dir().parent / path
        try:
            scenario = load_scenario(path)
        except DeviceError:
            continue  # the device report says what is wrong with it
        names.update(person.name for person in scenario.people)
    return names


def _log_tails(log_dir: Path, budget: int) -> list[tuple[str, bytes, bool]]:
    """(name, newest bytes, cut) of the log files, newest first, within `budget` bytes."""
    files: list[tuple[float, Path]] = []
    try:
        for path in log_dir.iterdir():
            with suppress(OSError):  # rotated away meanwhile
                if path.is_file():
                    files.append((path.stat().st_mtime, path))
    except OSError:
        return []
    files.sort(key=lambda entry: entry[0], reverse=True)
    tails: list[tuple[str, bytes, bool]] = []
    for _, path in files:
        if budget <= 0:
            break
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                take = min(size, budget)
                handle.seek(size - take)
                data = handle.read(take)
        except OSError:
            continue
        cut = take < size
        if cut:  # start at a whole line
            newline = data.find(b"\n")
            data = data[newline + 1:] if newline >= 0 else b""
        budget -= take
        tails.append((path.name, data, cut))
    return tails


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def bundle_contents(
    config: Config,
    *,
    log_bytes: int = DEFAULT_LOG_BYTES,
    report: DiagnosticsReport | None = None,
    held: Mapping[str, Device] | None = None,
) -> tuple[dict[str, str], BundleSummary]:
    """The bundle's files as masked text ({name: text}) and a summary without a path."""
    report = report or build_report(config, held)
    local = _local_facts(config)
    names = local.names | _scenario_names(config, [d.kind for d in report.devices])
    mask = PersonalDataMasker(names)
    warnings: list[str] = []

    effective = redact_config(config.model_dump(mode="json"))
    effective["effective_urls"] = {
        "store": redact_text(config.store_url), "central": redact_text(config.central_url),
    }
    report_data = report.to_dict()
    texts: dict[str, str] = {
        "config.json": _json(effective),
        "devices.json": _json({k: report_data[k] for k in ("created_at", "ok", "devices", "services", "notes")}),
        "devices.txt": report.render_text(),
        "versions.json": _json(report_data["environment"]),
        "sync.txt": "\n".join(local.sync_lines) + "\n",
    }
    logs: list[str] = []
    if local.problem:
        # Without the names the mask is incomplete: leave the logs out rather than leak.
        warnings.append(f"logs left out: the party names to mask could not be read ({local.problem})")
        texts["logs/LEFT-OUT.txt"] = warnings[-1] + "\n"
    else:
        for name, data, cut in _log_tails(config.log_dir, log_bytes):
            prefix = "[older lines cut: only the newest part of this file is included]\n" if cut else ""
            texts[f"logs/{name}"] = prefix + data.decode("utf-8", errors="replace")
            logs.append(name)
    masked = {name: mask(redact_text(text)) for name, text in texts.items()}
    summary = BundleSummary(Path(), {}, mask.name_count, logs, warnings)
    return masked, summary


def write_support_bundle(
    config: Config,
    out: Path,
    *,
    log_bytes: int = DEFAULT_LOG_BYTES,
    report: DiagnosticsReport | None = None,
    held: Mapping[str, Device] | None = None,
) -> BundleSummary:
    """Writes the zip atomically (a temporary file renamed into place)."""
    texts, summary = bundle_contents(config, log_bytes=log_bytes, report=report, held=held)
    files = {name: text.encode("utf-8") for name, text in texts.items()}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    manifest = {
        "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "office": config.office.code,
        "counter_id": config.office.counter_id,
        "files": {name: {"sha256": digests[name], "bytes": len(files[name])} for name in sorted(files)},
        "masked": {"identity_numbers": "every 15/18-character number", "party_names": summary.masked_names},
        "left_out": ["databases", "issued PDFs", "archive files"],
        "warnings": summary.warnings,
    }
    files["manifest.json"] = _json(manifest).encode("utf-8")
    out = out.expanduser().resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".support-bundle-", suffix=".zip", dir=out.parent)
        try:
            with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in sorted(files):
                    archive.writestr(name, files[name])
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise SupportBundleError(detail=f"{out}: {error.strerror or error}") from error
    return BundleSummary(out, digests, summary.masked_names, summary.logs, summary.warnings)


def summary_json(summary: BundleSummary) -> dict[str, Any]:
    data = asdict(summary)
    data["path"] = str(summary.path)
    return data
