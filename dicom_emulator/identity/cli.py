"""The identity commands, spelled like the Azure CLI's so the workshop text reads the same.

``python -m dicom_emulator [--data-dir D]`` then:

- ``ad sp create-for-rbac --display-name NAME`` → ``{"appId", "displayName", "password",
  "tenant"}`` (no role unless ``--role`` is given, as with ``az``)
- ``role assignment create --assignee APPID --role "DICOM Data Owner" [--scope S]``
- ``role assignment list [--assignee APPID] [--role R]``
- ``role assignment delete --assignee APPID [--role R]``
- ``identity add-user NAME --password P [--role R] [--display-name D]``: a user who signs
  in on the sign-in page (``--password -`` reads it from standard input)
- ``identity add-spa NAME --redirect-uri URL [...]``: a single-page app (a public client)

They work on the data dir's directory directly, so they work with the emulator running
or not; a running emulator sees the change on its next request.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dicom_emulator.identity.azure_cli_output import (
    CREDENTIALS_WARNING,
    role_assignment_json,
    service_principal_json,
    spa_json,
    user_json,
)
from dicom_emulator.identity.directory import DIRECTORY_FILE, Directory, DirectoryError
from dicom_emulator.identity.roles import UnknownRoleError, find_role
from dicom_emulator.identity.users import Accounts
from dicom_emulator.settings import EmulatorSettings


def add_identity_commands(commands: Any) -> None:
    """Add ``ad`` and ``role`` to the emulator's subcommands (an argparse subparsers object)."""
    ad = commands.add_parser("ad", help="app registrations of the local identity service")
    sp = ad.add_subparsers(dest="ad_command", required=True).add_parser(
        "sp", help="service principals")
    create = sp.add_subparsers(dest="sp_command", required=True).add_parser(
        "create-for-rbac", help="register an app and print its client secret (shown once)")
    create.add_argument("--display-name", "--name", "-n", required=True, dest="display_name")
    create.add_argument("--role", default=None, help="also assign this role")
    create.add_argument("--scopes", default=None, help="scope of that role assignment")
    create.set_defaults(func=_create_for_rbac)

    role = commands.add_parser("role", help="role assignments of the local identity service")
    actions = role.add_subparsers(dest="role_command", required=True).add_parser(
        "assignment", help="grant, list or remove the DICOM Data Owner / Reader roles"
    ).add_subparsers(dest="assignment_command", required=True)
    assign = actions.add_parser("create", help="assign a role to an app")
    assign.add_argument("--assignee", required=True, help="app id (client id) or object id")
    assign.add_argument("--role", required=True, help='"DICOM Data Owner", "DICOM Data Reader"')
    assign.add_argument("--scope", default=None, help="accepted for az compatibility")
    assign.set_defaults(func=_create_assignment)
    listing = actions.add_parser("list", help="list role assignments")
    listing.add_argument("--assignee", default=None)
    listing.add_argument("--role", default=None)
    listing.add_argument("--all", action="store_true", help="accepted for az compatibility")
    listing.set_defaults(func=_list_assignments)
    delete = actions.add_parser("delete", help="remove role assignments")
    delete.add_argument("--assignee", default=None)
    delete.add_argument("--role", default=None)
    delete.add_argument("--scope", default=None, help="accepted for az compatibility")
    delete.set_defaults(func=_delete_assignments)


    accounts = commands.add_parser(
        "identity", help="users and single-page apps of the local identity service"
    ).add_subparsers(dest="identity_command", required=True)
    user = accounts.add_parser("add-user", help="add a user (or set an existing one's "
                               "password) who signs in interactively")
    user.add_argument("name", help="user principal name, e.g. viewer@contoso.onmicrosoft.com")
    user.add_argument("--password", required=True, help="the password ('-': read a line "
                      "from standard input)")
    user.add_argument("--role", default=None, help='"DICOM Data Owner", "DICOM Data Reader"')
    user.add_argument("--display-name", default=None)
    user.set_defaults(func=_add_user)
    spa = accounts.add_parser("add-spa", help="register a single-page app (or add redirect "
                              "URIs to the app of this name)")
    spa.add_argument("name", help="display name of the app")
    spa.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris",
                     help="exact redirect URI, e.g. http://localhost:8080/callback; repeatable")
    spa.set_defaults(func=_add_spa)


def _directory(args: argparse.Namespace) -> Directory:
    settings = EmulatorSettings.from_env(data_dir=args.data_dir)
    return Directory(settings.data_dir / DIRECTORY_FILE)


def _print(value: object) -> None:
    print(json.dumps(value, indent=2))


def _run(args: argparse.Namespace, action: Any) -> int:
    directory = _directory(args)
    try:
        action(directory)
    except (DirectoryError, UnknownRoleError) as error:
        print(f"ERROR: ({error.code}) {error}", file=sys.stderr)
        return 1
    finally:
        directory.close()
    return 0


def _create_for_rbac(args: argparse.Namespace) -> int:
    def action(directory: Directory) -> None:
        if args.role:
            find_role(args.role)  # before the secret changes: a typo must not lose it
        principal, secret, existed = directory.create_for_rbac(args.display_name)
        if existed:
            print(f"Found an existing application instance: (id) {principal.object_id}. "
                  "We will patch it.", file=sys.stderr)
        if args.role:
            print(f"Creating '{args.role}' role assignment.", file=sys.stderr)
            directory.assign_role(principal.app_id, args.role, args.scopes)
        print(CREDENTIALS_WARNING, file=sys.stderr)
        _print(service_principal_json(principal, directory.tenant_id, secret))
    return _run(args, action)


def _create_assignment(args: argparse.Namespace) -> int:
    def action(directory: Directory) -> None:
        _print(role_assignment_json(directory.assign_role(args.assignee, args.role, args.scope)))
    return _run(args, action)


def _list_assignments(args: argparse.Namespace) -> int:
    def action(directory: Directory) -> None:
        _print([role_assignment_json(a)
                for a in directory.list_role_assignments(args.assignee, args.role)])
    return _run(args, action)


def _delete_assignments(args: argparse.Namespace) -> int:
    def action(directory: Directory) -> None:
        if args.assignee is None and args.role is None:
            raise DirectoryError("Please provide --assignee and/or --role.")
        if not directory.delete_role_assignments(args.assignee, args.role):
            print("No matched assignments were found to delete", file=sys.stderr)
    return _run(args, action)


def _add_user(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\r\n") if args.password == "-" else args.password

    def action(directory: Directory) -> None:
        accounts = Accounts(directory)
        user = accounts.add_user(args.name, password, args.display_name, args.role)
        _print(user_json(user, accounts.user_roles(user.object_id)))
    return _run(args, action)


def _add_spa(args: argparse.Namespace) -> int:
    def action(directory: Directory) -> None:
        accounts = Accounts(directory)
        app = accounts.add_spa(args.name, args.redirect_uris)
        _print(spa_json(app, directory.tenant_id, accounts.spa_redirect_uris(app.app_id)))
    return _run(args, action)
