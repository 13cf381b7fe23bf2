"""`civitas keys create|list|revoke`: the API keys of an organisation; `civitas keys
rotate|rotation-status`: the field encryption keys.

An API key's secret is printed once, when the key is made, and is kept nowhere: a lost
secret is replaced by a new key, and the old one revoked.

A field encryption key is never in the database: it is configured (FIELD_ENCRYPTION_KEYS).
`keys rotate --new-key` prints a fresh one to put first in that list; `keys rotate`, once
every process runs with it, re-seals everything under it in the background (see
platform/key_rotation.py and docs/operations.md).
"""

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.api_keys import InvalidScope
from civitas.identity.services import (
    UnknownOrganisation,
    create_api_key,
    find_organisation,
    list_api_keys,
    revoke_api_key,
    start_field_key_rotation,
)
from civitas.platform.key_rotation import RotationNotNeeded, key_rotation_status

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
        rotate = sub.add_parser(
            "rotate",
            help="re-seal every encrypted field and file under the first of "
            "FIELD_ENCRYPTION_KEYS, in the background",
        )
        rotate.add_argument(
            "--new-key",
            action="store_true",
            help="only print a new random key to put first in FIELD_ENCRYPTION_KEYS",
        )
        sub.add_parser("rotation-status", help="say how far the key rotation has got")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["organisation"], options["name"], options["scopes"] or ["submit"])
        elif action == "list":
            self._list(options["organisation"])
        elif action == "rotate":
            self._rotate(new_key=options["new_key"])
        elif action == "rotation-status":
            self._rotation_status()
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
            # A Notify key has no scopes: it is shown with its kind, type and service.
            scopes = (
                f"notify:{key.notify_key_type} service {key.notify_service_id}"
                if key.kind == "notify"
                else " ".join(key.scopes)
            )
            self.stdout.write(f"{key.public_id}\t{key.name}\t{scopes}\t{state}\tlast used {used}")

    def _revoke(self, public_id: str) -> None:
        key = revoke_api_key(public_id, revoked_by=COMMAND_LINE)
        if key is None:
            raise CommandError(f"there is no key '{public_id}'")
        self.stdout.write(f"Revoked key {key.public_id} '{key.name}' of {key.organisation.slug}")

    def _rotate(self, *, new_key: bool) -> None:
        if new_key:
            self.stdout.write(secrets.token_urlsafe(32))
            self.stdout.write(
                "Put this key first in FIELD_ENCRYPTION_KEYS, keeping the others after it, "
                "restart every process, then run `civitas keys rotate`."
            )
            return
        try:
            rotation = start_field_key_rotation(started_by=COMMAND_LINE)
        except RotationNotNeeded as error:
            raise CommandError(str(error)) from None
        steps = rotation.steps.count()
        self.stdout.write(
            f"Rotating to key {rotation.key_id}: {steps} step(s) queued. "
            "`civitas keys rotation-status` says how far it has got."
        )

    def _rotation_status(self) -> None:
        status = key_rotation_status()
        if status.started_at is None:
            self.stdout.write(f"No rotation to the current key {status.key_id} has started.")
        elif status.finished_at is None:
            self.stdout.write(
                f"Rotating to key {status.key_id} since {status.started_at:%Y-%m-%d %H:%M}."
            )
        else:
            self.stdout.write(
                f"Rotated to key {status.key_id} at {status.finished_at:%Y-%m-%d %H:%M}: "
                "the old keys can be removed."
            )
        for step in status.steps:
            state = "done" if step.finished else f"{step.left} left"
            self.stdout.write(f"{step.name}\t{step.resealed} re-sealed\t{state}")
