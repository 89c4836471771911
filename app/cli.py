"""`marriage-counter`: one command, several subcommands (architecture §6).

Exit codes: 0 success, 1 negative result, 2 bad input or usage, 3 environment problem.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path

from app.cli_url import FROM_STDIN, add_url_argument, resolve_secret_option, resolve_url
from app.config import Config, explain_config, load_config
from app.errors import AppError
from app.logging_setup import configure_logging
from devices.errors import DeviceError

log = logging.getLogger(__name__)


def _version() -> str:
    """The installed distribution's version; the frozen bundle carries its metadata too
    (copy_metadata in packaging/pyinstaller/marriage-counter.spec)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("marriage-counter")
    except PackageNotFoundError:  # a source tree run without `pip install -e .`
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marriage-counter", description="婚姻登记柜台 / marriage registration counter"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--config", type=Path,
        help="configuration file (TOML) read after the machine and user files; environment variables still win",
    )
    parser.add_argument(
        "--simulate", nargs="?", const=True, default=False, metavar="SCENARIO",
        help="simulate every device (default scenario, or the given YAML file)",
    )
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="scripted run of the real GUI offscreen; screenshots, PDFs, summary.json")
    demo.add_argument("--out", type=Path, required=True, help="output folder")
    config_cmd = sub.add_parser(
        "config",
        help="the effective configuration as JSON (secrets masked); `config show`: each key with its value "
        "and the layer that set it",
    )
    config_cmd.add_argument(
        "action", nargs="?", choices=["show"],
        help="show: every key, its value and its source (default, a file, an environment variable, the "
        "command line), secrets masked",
    )
    config_cmd.add_argument("--json", action="store_true", help="with show: JSON out")
    devices = sub.add_parser(
        "devices", help="list: configured devices, versions, services; test [KIND]: a self-test per device"
    )
    devices.add_argument("action", choices=["list", "test"])
    devices.add_argument("kind", nargs="?", help="test only this device kind (id_reader, camera, ...)")
    devices.add_argument("--json", action="store_true", help="JSON out")
    devices.add_argument("--timeout", type=float, default=10.0, metavar="S", help="self-test time limit per device")
    bundle = sub.add_parser(
        "support-bundle",
        help="one zip for IT: configuration without secrets, device report, masked logs, sync queue, versions",
    )
    bundle.add_argument("--out", type=Path, required=True, metavar="FILE.zip", help="the zip file to write")
    bundle.add_argument("--log-mb", type=float, metavar="MB", help="newest log data to include (default 20 MB)")
    central = sub.add_parser("central", help="create or upgrade the central store schema")
    central_sub = central.add_subparsers(dest="central_command", required=True)
    init = central_sub.add_parser("init", help="create the schema and (PostgreSQL) the admin and counter roles")
    add_url_argument(init, "--url", "SQLAlchemy URL with an administrator's credentials", required=True)
    init.add_argument("--counter-role", default="mc_counter", help="login role the counters use")
    init.add_argument(
        "--counter-password",
        help=f"password to set for the counter role (PostgreSQL); '{FROM_STDIN}' reads it from standard input "
        "(after the URL when that is read there too)",
    )
    init.add_argument(
        "--office", metavar="CODE",
        help="the counter role is this office's own (PostgreSQL): it reads only that office's operator accounts "
        "and the IT administrators'",
    )
    migrate = central_sub.add_parser("migrate", help="upgrade the schema to the newest version")
    add_url_argument(migrate, "--url", "SQLAlchemy URL with an administrator's credentials", required=True)
    expire = central_sub.add_parser(
        "expire",
        help="mark divorce applications past their issue window as deemed withdrawn (idempotent; safe from "
        "every counter at once, e.g. a daily job)",
    )
    expire.add_argument("--on", type=date.fromisoformat, help="the day to judge by (default: today)")
    revoke = central_sub.add_parser(
        "revoke-key",
        help="revoke a counter's archive signing key (admin); the counter registers its new key by itself",
    )
    revoke.add_argument("counter_id", metavar="COUNTER_ID")
    add_url_argument(
        revoke, "--url", "SQLAlchemy URL with an administrator's credentials (default: [central] url)"
    )
    archive = sub.add_parser("archive", help="electronic archive packages: export one, verify one offline")
    archive_sub = archive.add_subparsers(dest="archive_command", required=True)
    export = archive_sub.add_parser("export", help="write a case's archive package to a folder or a .zip")
    export.add_argument("case_id", metavar="CASE_ID")
    export.add_argument("--out", type=Path, required=True, metavar="DIR|FILE.zip")
    add_url_argument(
        export, "--central-url", "where files already confirmed and dropped locally are read (admin URL; "
        "default: [central] url)"
    )
    verify = archive_sub.add_parser(
        "verify", help="check a package's signature and files (exit 0 valid, 1 invalid, 3 cannot check)"
    )
    verify.add_argument("path", type=Path, metavar="PATH", help="package folder or .zip")
    verify.add_argument("--public-key", type=Path, metavar="FILE", help="the counter's public key (PEM)")
    add_url_argument(verify, "--central-url", "central store to fetch the key from (default: [central] url)")
    archive_sub.add_parser("public-key", help="this counter's archive signing public key (PEM)")
    sync = sub.add_parser("sync", help="the outbox of registrations and archives waiting for the central store")
    sync.add_argument("action", choices=["status", "run"], help="status: list items; run: push now")
    audit = sub.add_parser("audit", help="the counter's audit trail (who accessed or changed which case, when)")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_check = audit_sub.add_parser(
        "verify",
        help="check every record and link, and against the central store's head that no tail was cut off "
        "(exit 0 intact, 1 broken, 3 cannot check)",
    )
    audit_check.add_argument("--file", type=Path, metavar="PATH", help="another log (default: this counter's)")
    audit_check.add_argument("--json", action="store_true", help="JSON out")
    audit_check.add_argument("--no-central", action="store_true", help="do not ask the central store for its head")
    audit_list = audit_sub.add_parser("show", help="the records, one a line (no personal data)")
    audit_list.add_argument("--file", type=Path, metavar="PATH", help="another log (default: this counter's)")
    audit_list.add_argument("--case", metavar="ID", help="only the records of this case")
    audit_list.add_argument("--since", type=date.fromisoformat, metavar="DATE", help="only from this day on")
    audit_list.add_argument("--json", action="store_true", help="one JSON object a line")
    anchor = audit_sub.add_parser(
        "re-anchor",
        help="after an AUD-003 incident is closed (IT, on the counter): verify this log, record who, why and the "
        "heads in it, make its head the central store's head of this counter, remove the refusal",
    )
    anchor.add_argument("counter_id", metavar="COUNTER_ID", help="this counter's id ([office] counter_id)")
    anchor.add_argument("--reason", required=True, help="why (e.g. the incident's number); no personal data")
    anchor.add_argument("--operator", metavar="ID", help="who re-anchors (default: the OS account)")
    add_url_argument(anchor, "--url", "central store URL with an administrator's credentials (default: [central] url)")
    security = sub.add_parser("security", help="the counter's keys (IT, on the counter, the counter closed)")
    security_sub = security.add_subparsers(dest="security_command", required=True)
    rewrap = security_sub.add_parser(
        "rewrap",
        help="move the keys to the other key store: the local store's data key re-wrapped under a new "
        "key-encryption key there (values are not re-encrypted), the other keys copied, the old store retired; "
        "then set [security] key_store",
    )
    rewrap.add_argument("--to", required=True, choices=["keyring", "file"], help="the key store to move to")
    from app.auth.cli import add_parser as add_operators_parser

    add_operators_parser(sub)
    rules = sub.add_parser("rules", help="the rules engine")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_sub.add_parser("check", help="decide one case given as JSON; JSON out (exit 0 accept, 1 other)")
    check.add_argument("file", help="case file (JSON), or - for standard input")
    return parser


def _simulate_switch(args: argparse.Namespace, default: bool | Path = False) -> bool | Path:
    chosen = args.simulate if args.simulate is not False else default
    return Path(chosen) if isinstance(chosen, str) else chosen


def _load(args: argparse.Namespace, *, simulate: bool | Path = False) -> Config:
    return load_config(config_file=args.config, simulate=_simulate_switch(args, simulate))


def _config(args: argparse.Namespace) -> int:
    """`config`: the effective configuration as JSON, as it always was (now masked);
    `config show [--json]`: with the source of every value."""
    from app.config_show import effective_json, show_json, show_text

    if args.action is None:
        config = _load(args)
        print(json.dumps(effective_json(config), ensure_ascii=False, indent=2))
        return 0
    explained = explain_config(config_file=args.config, simulate=_simulate_switch(args))
    if args.json:
        print(json.dumps(show_json(explained), ensure_ascii=False, indent=2))
    else:
        print(show_text(explained))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            config = _load(args, simulate=True)
            from ui.demo import run_demo

            return run_demo(config, args.out)
        if args.command == "config":
            return _config(args)
        config = _load(args)
        if args.command == "rules":
            return _rules_check(config, args.file)
        if args.command == "central":
            return _central(args)
        if args.command == "operators":
            from app.auth.cli import operators_command

            return operators_command(args, config)
        if args.command == "archive":
            return _archive(args, config)
        configure_logging(config.log_dir)  # the GUI and devices: long-running, worth a log
        if args.command == "devices":
            return _devices(args, config)
        if args.command == "support-bundle":
            from app.diagnostics.cli import support_bundle

            return support_bundle(config, args.out, log_mb=args.log_mb)
        if args.command == "sync":
            from app.sync.cli import sync_run, sync_status

            return sync_status(config) if args.action == "status" else sync_run(config)
        if args.command == "audit":
            return _audit(args, config)
        if args.command == "security":
            from app.security.cli import security_rewrap

            return security_rewrap(config, args.to)
        from ui.app import run_gui

        return run_gui(config)
    except (AppError, DeviceError) as error:
        print(f"marriage-counter: {error}", file=sys.stderr)
        if args.command is None:  # the GUI: started from an icon, nobody sees stderr
            from ui.app import show_start_error

            show_start_error(error)
        return error.exit_code if isinstance(error, AppError) else 3


def _devices(args: argparse.Namespace, config: Config) -> int:
    from app.diagnostics.cli import devices_list, devices_test

    if args.action == "list":
        if args.kind:
            print("marriage-counter: devices list takes no KIND", file=sys.stderr)
            return 2
        return devices_list(config, as_json=args.json)
    return devices_test(config, args.kind, as_json=args.json, timeout_s=args.timeout)


def _rules_check(config: Config, source: str) -> int:
    from app.policy_data import rules_context
    from app.rules.engine import decide
    from app.rules.model import Decision
    from app.rules_io import RulesInputError, parse_case, verdict_json

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesInputError(key="(file)", reason=f"{source}: {error}") from error
    context = rules_context(config)
    verdict = decide(parse_case(text, context.region_codes), context)
    print(json.dumps(verdict_json(verdict), ensure_ascii=False, indent=2))
    return 0 if verdict.decision is Decision.ACCEPT else 1


def _expire(config: Config, on: date) -> int:
    """Reg. 2025 Art. 16 ¶2 through the store's idempotent job; prints the app_uuids it
    changed (no personal data), then a total."""
    from app.central.embedded import central_store
    from app.policy_data import rules_context
    from app.rules.engine import office_calendar

    context = rules_context(config)
    with central_store(config) as central:
        expired = central.expire_divorce_applications(on, office_calendar(context))
    for app_uuid in expired:
        print(app_uuid)
    print(f"deemed withdrawn on {on.isoformat()}: {len(expired)}")
    return 0


def _central(args: argparse.Namespace) -> int:
    from app.central.admin import init_central, migrate_central

    if args.central_command == "expire":
        return _expire(_load(args), args.on or date.today())
    if args.central_command == "revoke-key":
        from app.archive.cli import central_revoke_key

        return central_revoke_key(_load(args), args.counter_id, resolve_url(args.url, "--url"))
    url = resolve_url(args.url, "--url", required=True)
    assert url is not None  # required: resolve_url raised otherwise
    if args.central_command == "init":
        for line in init_central(
            url, counter_role=args.counter_role, office_code=args.office,
            counter_password=resolve_secret_option(args.counter_password, "--counter-password"),
        ):
            print(line)
    else:
        for line in migrate_central(url):
            print(line)
    return 0


def _archive(args: argparse.Namespace, config: Config) -> int:
    from app.archive.cli import archive_export, archive_public_key, archive_verify

    if args.archive_command == "export":
        return archive_export(config, args.case_id, args.out, resolve_url(args.central_url, "--central-url"))
    if args.archive_command == "verify":
        return archive_verify(config, args.path, args.public_key, resolve_url(args.central_url, "--central-url"))
    return archive_public_key(config)


def _audit(args: argparse.Namespace, config: Config) -> int:
    from app.audit.cli import audit_show, audit_verify

    if args.audit_command == "verify":
        return audit_verify(config, args.file, as_json=args.json, central=not args.no_central)
    if args.audit_command == "re-anchor":
        from app.audit.reanchor import audit_reanchor

        return audit_reanchor(
            config, args.counter_id, args.reason, url=resolve_url(args.url, "--url"), operator=args.operator
        )
    return audit_show(config, args.file, case_id=args.case, since=args.since, as_json=args.json)
