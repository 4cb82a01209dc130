"""`halyk-desk profile add | list | use | test`: the bank profiles and their secrets.

Exit codes: 0 done; 2 usage error (bad name, address, terminal, unknown profile, no secret given);
1 the connection test failed or the data could not be opened.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from halyk_desk.epay.errors import EpayError
from halyk_desk.jsonfile import JsonFileError
from halyk_desk.services import profiles
from halyk_desk.services.bank import BankSetupError
from halyk_desk.services.context import open_context, open_workspace
from halyk_desk.store import SchemaError, StoreUnavailable, UnknownProfile

USAGE = 2
FAILED = 1


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "profile", help="bank profiles: add, list, use, test",
        description="Bank profiles: the bank's addresses, your client id and terminal. The client "
        "secret goes to the system keyring (or a private file where there is none), never to the "
        "database. Built in: sandbox (the default, a bank emulated on this computer) and "
        "halyk-test (the bank's public test merchant).",
    )
    actions = group.add_subparsers(dest="profile_action", required=True)

    add = actions.add_parser(
        "add", help="add a profile (or replace one of yours) with its secret",
        description="Add a profile, or replace the settings and secret of one of yours.",
    )
    add.add_argument("name", help="short name: lowercase latin letters, digits, - and _")
    add.add_argument("--oauth-url", required=True, metavar="URL",
                     help="the token address, e.g. https://epay-oauth.homebank.kz/oauth2/token")
    add.add_argument("--api-url", required=True, metavar="URL",
                     help="the API address, e.g. https://epay-api.homebank.kz")
    add.add_argument("--client-id", required=True, metavar="ID", help="the merchant's client id")
    add.add_argument("--terminal", required=True, metavar="UUID", help="the terminal id (a UUID)")
    secret = add.add_mutually_exclusive_group(required=True)
    secret.add_argument("--secret-stdin", action="store_true",
                        help="read the client secret from standard input (asked for, unshown, "
                        "at a terminal)")
    secret.add_argument("--secret-env", metavar="VAR",
                        help="take the client secret from environment variable VAR")
    add.set_defaults(func=add_command)

    listing = actions.add_parser("list", help="list the profiles; * marks the one in use")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(func=list_command)

    use = actions.add_parser("use", help="use this profile from now on (window and commands)")
    use.add_argument("name")
    use.set_defaults(func=use_command)

    test = actions.add_parser(
        "test", help="get a token and read one status, and say what failed",
        description="Test a profile's connection: get a token and read one payment status. "
        "The sandbox profile tests against the sandbox bank started on this computer.",
    )
    test.add_argument("name", nargs="?", help="profile to test (default: the one in use)")
    test.add_argument("--timeout", type=float, default=10.0, metavar="S",
                      help="seconds to wait for each answer (default 10)")
    test.set_defaults(func=test_command)


def _error(message: str) -> None:
    print(f"halyk-desk: {message}", file=sys.stderr)


def _reports_errors(command: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """What stops a profile command becomes a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (UnknownProfile, profiles.ProfileError) as exc:
            _error(str(exc))
            return USAGE
        except (JsonFileError, SchemaError, StoreUnavailable) as exc:
            _error(str(exc))
            return FAILED

    return run


def _read_secret(args: argparse.Namespace) -> str | None:
    if args.secret_env:
        value = os.environ.get(args.secret_env)
        if not value:
            _error(f"environment variable {args.secret_env} is not set or empty: put the client "
                   "secret in it, or use --secret-stdin.")
        return value or None
    if sys.stdin.isatty():
        return getpass.getpass("Client secret (not shown): ")
    return sys.stdin.read().strip()


@_reports_errors
def add_command(args: argparse.Namespace) -> int:
    record = profiles.custom_profile(
        args.name, oauth_url=args.oauth_url, api_url=args.api_url,
        client_id=args.client_id, terminal_id=args.terminal,
    )
    secret = _read_secret(args)
    if not secret:
        if args.secret_stdin:
            _error("no client secret on standard input.")
        return USAGE
    with open_workspace(args) as workspace:
        saved = profiles.save_custom(workspace.store, workspace.secrets, record, secret)
    if saved.warning:
        print(f"WARNING: {saved.warning}", file=sys.stderr)
    print(f"Profile {record.name!r} saved: {record.api_url}, terminal {record.terminal_id}; "
          f"client secret in {saved.location}.")
    print(f"Check it with `halyk-desk profile test {record.name}`; "
          f"use it with `halyk-desk profile use {record.name}`.")
    return 0


@_reports_errors
def list_command(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        current = args.profile or workspace.settings["last_profile"]
        rows = [
            {"name": p.name, "kind": p.kind, "current": p.name == current,
             "oauth_url": p.oauth_url, "api_url": p.api_url, "client_id": p.client_id,
             "terminal_id": p.terminal_id,
             "secret": profiles.secret_location(workspace.secrets, p)}
            for p in profiles.list_all(workspace.store)
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        where = row["api_url"] or "the sandbox bank on this computer"
        terminal = f", terminal {row['terminal_id']}" if row["terminal_id"] else ""
        print(f"{'*' if row['current'] else ' '} {row['name']:<16} {row['kind']:<10} "
              f"{where}{terminal}; secret: {row['secret']}")
    return 0


@_reports_errors
def use_command(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        profiles.get(workspace.store, args.name)
        workspace.settings.set("last_profile", args.name)
        workspace.settings.save()
    print(f"Now using profile {args.name!r}.")
    return 0


@_reports_errors
def test_command(args: argparse.Namespace) -> int:
    chosen = argparse.Namespace(**{**vars(args), "profile": args.name or args.profile})
    with open_context(chosen) as ctx:
        print(f"Testing profile {ctx.profile.name!r}...", flush=True)
        try:
            print(profiles.test_connection(ctx, ctx.profile, timeout=args.timeout))
        except (EpayError, BankSetupError) as exc:
            _error(f"the connection test of profile {ctx.profile.name!r} failed: {exc}")
            return FAILED
    return 0
