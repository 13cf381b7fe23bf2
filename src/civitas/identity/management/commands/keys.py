"""`civitas keys create|list|revoke`: the API keys of an organisation.

The secret is printed once, when the key is made, and is kept nowhere: a lost secret is
replaced by a new key, and the old one revoked.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.api_keys import InvalidScope
from civitas.identity.services import (
    UnknownOrganisation,
    create_api_key,
    find_organisation,
    list_api_keys,
    revoke_api_key,
)

# Who made or revoked a key, in the audit trail, when it was done at the command line.
COMMAND_LINE = "command-line"


class Command(BaseCommand):
    help = "Make, list and revoke the keys systems use to call the API for an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a key, and print its secret once")
        create.add_argument("--organisation", required=True, help="the organisation's slug")
        create.add_argument("--name", required=True, help="what uses the key, to know it by")
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help="submit, read, submit:<service> or read:<service>; repeat for more "
            "(default: submit)",
        )
        listing = sub.add_parser("list", help="list an organisation's keys, without secrets")
        listing.add_argument("--organisation", required=True, help="the organisation's slug")
        revoke = sub.add_parser("revoke", help="revoke a key at once")
        revoke.add_argument("public_id", help="the key's public id, as `keys list` shows it")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["organisation"], options["name"], options["scopes"] or ["submit"])
        elif action == "list":
            self._list(options["organisation"])
        else:
            self._revoke(options["public_id"])

    def _create(self, organisation: str, name: str, scopes: list[str]) -> None:
        try:
            key, secret = create_api_key(
                organisation_slug=organisation, name=name, scopes=scopes, created_by=COMMAND_LINE
            )
        except (UnknownOrganisation, InvalidScope, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Made key {key.public_id} '{key.name}' for {key.organisation.slug}, "
            f"scopes: {' '.join(key.scopes)}"
        )
        self.stdout.write(secret)
        self.stdout.write("Keep this secret now: it will not be shown again.")

    def _list(self, organisation_slug: str) -> None:
        organisation = find_organisation(organisation_slug)
        if organisation is None:
            raise CommandError(f"there is no organisation '{organisation_slug}'")
        for key in list_api_keys(organisation.id):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            self.stdout.write(
                f"{key.public_id}\t{key.name}\t{' '.join(key.scopes)}\t{state}\tlast used {used}"
            )

    def _revoke(self, public_id: str) -> None:
        key = revoke_api_key(public_id, revoked_by=COMMAND_LINE)
        if key is None:
            raise CommandError(f"there is no key '{public_id}'")
        self.stdout.write(f"Revoked key {key.public_id} '{key.name}' of {key.organisation.slug}")
