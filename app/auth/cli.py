"""`marriage-counter operators …`: IT manages operators' accounts in the central store
and refreshes a counter's offline cache (#10).

add, list, set-training, deactivate and reset-secret work on the central store at
`--url` (an administrator's URL: counters may only read accounts), or at `[central] url`
(the embedded store of a single office). A secret is never a command-line argument
(it would stay in the shell history and the process list): it is read from standard
input when that is not a terminal (one line), else prompted for twice without echo.
`sync` refreshes this counter's cache with the counter's own connection.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, date, datetime
from typing import TextIO

from app.auth.errors import OperatorAdminError
from app.auth.model import Account, Operator, OperatorRole
from app.auth.secrets import MIN_SECRET_LENGTH, hash_secret
from app.auth.service import BUILTIN_IDS
from app.auth.store import CACHE_FILE, OperatorCache, operator_to_json
from app.cli_url import add_url_argument, resolve_url
from app.config import Config

ACTIONS = ("add", "list", "set-training", "deactivate", "reset-secret", "sync")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    operators = sub.add_parser(
        "operators",
        help="operators' accounts in the central store (add, list, set-training, deactivate, reset-secret) and "
        "this counter's offline cache (sync)",
    )
    actions = operators.add_subparsers(dest="operators_command", required=True)

    def with_url(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        add_url_argument(parser, "--url", "central store URL with an administrator's credentials (default: "
                         "[central] url; with --url - the URL is the first line of standard input, the secret the "
                         "second)")
        return parser

    add = with_url(actions.add_parser(
        "add", help="a new account; the secret is read from standard input or prompted for (never an argument)"
    ))
    add.add_argument("operator_id", metavar="ID")
    add.add_argument("--name", required=True)
    add.add_argument("--office", required=True, metavar="CODE", help="the office's 6-digit code")
    add.add_argument("--role", required=True, choices=[role.value for role in OperatorRole])
    add.add_argument("--training-until", type=date.fromisoformat, metavar="DATE",
                     help="the training certificate's last valid day (registrars and supervisors)")
    listing = with_url(actions.add_parser("list", help="the accounts (never their secrets)"))
    listing.add_argument("--office", metavar="CODE", help="only this office's accounts")
    listing.add_argument("--json", action="store_true", help="JSON out")
    training = with_url(actions.add_parser("set-training", help="the training certificate's last valid day"))
    training.add_argument("operator_id", metavar="ID")
    training.add_argument("until", metavar="DATE|none", help="YYYY-MM-DD, or none (no valid training)")
    deactivate = with_url(actions.add_parser("deactivate", help="the account can no longer log in"))
    deactivate.add_argument("operator_id", metavar="ID")
    reset = with_url(actions.add_parser("reset-secret", help="a new secret (standard input or prompt)"))
    reset.add_argument("operator_id", metavar="ID")
    reset.add_argument("--reactivate", action="store_true", help="also make a deactivated account active again")
    actions.add_parser("sync", help="refresh this counter's offline cache of accounts from the central store")


def read_secret(stdin: TextIO | None = None) -> str:
    stdin = stdin if stdin is not None else sys.stdin
    if stdin.isatty():
        first = getpass.getpass("New secret: ")
        if getpass.getpass("The same again: ") != first:
            raise OperatorAdminError(reason="the two secrets typed differ")
        secret = first
    else:
        secret = stdin.readline().rstrip("\r\n")
    if len(secret) < MIN_SECRET_LENGTH:
        raise OperatorAdminError(reason=f"a secret has at least {MIN_SECRET_LENGTH} characters")
    return secret


def _training(text: str) -> date | None:
    if text.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise OperatorAdminError(reason=f"{text!r} is not a date (YYYY-MM-DD) or none") from error





def operators_command(args: argparse.Namespace, config: Config, *, stdin: TextIO | None = None) -> int:
    from app.central.embedded import central_store
    from app.central.operators import CentralOperators

    action = args.operators_command
    if action == "sync":
        return operators_sync(config)
    with central_store(config, resolve_url(args.url, "--url", stdin=stdin)) as store:
        operators = CentralOperators(store)
        if action == "list":
            accounts = operators.accounts(args.office)
            if args.json:
                print(json.dumps([operator_to_json(a.operator) for a in accounts], ensure_ascii=False, indent=2))
            else:
                for account in accounts:
                    row = operator_to_json(account.operator)
                    print(f"{row['operator_id']}\t{row['name']}\t{row['office_code']}\t{row['role']}\t"
                          f"training until {row['training_valid_until'] or '-'}\t"
                          f"{'active' if row['active'] else 'deactivated'}")
                print(f"{len(accounts)} account(s)")
            return 0
        operator_id = args.operator_id
        if action == "add":
            if operator_id in BUILTIN_IDS:
                raise OperatorAdminError(reason=f"{operator_id} is the built-in operator of simulated counters")
            operator = Operator(operator_id, args.name, args.office, OperatorRole(args.role), args.training_until)
            operators.add(Account(operator, hash_secret(read_secret(stdin))))
            print(f"operator {operator_id} added")
        elif action == "set-training":
            operators.set_training(operator_id, _training(args.until))
            print(f"operator {operator_id}: training valid until {args.until}")
        elif action == "deactivate":
            operators.deactivate(operator_id)
            print(f"operator {operator_id} deactivated (counters drop the account at their next refresh)")
        elif action == "reset-secret":
            operators.reset_secret(operator_id, hash_secret(read_secret(stdin)), reactivate=args.reactivate)
            print(f"operator {operator_id}: secret reset")
    return 0


def operators_sync(config: Config) -> int:
    """This counter's cache, as the central store has it now (the counter's own URL)."""
    from app.central.embedded import central_store
    from app.central.operators import CentralOperators

    with central_store(config) as store:
        accounts = CentralOperators(store).operators_for_counter(config.office.code)
    OperatorCache(config.data_dir / CACHE_FILE).replace(accounts, datetime.now(UTC))
    print(f"operator cache of office {config.office.code} refreshed: {len(accounts)} account(s)")
    return 0
