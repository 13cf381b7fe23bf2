"""`civitas notify keys create|list|revoke`: GOV.UK Notify-style API keys of a sending
service; `civitas notify services create`: a sending service that only sends messages.

A key is printed once, when it is made, and kept nowhere readable but encrypted: a lost
key is replaced by a new one, and the old one revoked (docs/decisions/0043).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.public import (
    find_organisation,
    list_notify_api_keys,
    revoke_api_key,
)
from civitas.notify.api_keys import create_notify_key
from civitas.notify.models import SendingService
from civitas.notify.sending_services import (
    create_sending_service,
    find_sending_service,
    sending_service_of,
)

# Who made or revoked a key, in the audit trail, when it was done at the command line.
COMMAND_LINE = "command-line"


class Command(BaseCommand):
    help = "Make, list and revoke Notify API keys; make sending services."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        keys = groups.add_parser("keys", help="the Notify API keys of a sending service")
        key_actions = keys.add_subparsers(dest="action", required=True)
        create = key_actions.add_parser("create", help="make a key, and print it once")
        create.add_argument(
            "--service", required=True, help="a catalogue service's slug or a sending service's id"
        )
        create.add_argument("--organisation", help="the organisation's slug (needed for a slug)")
        create.add_argument("--name", required=True, help="what uses the key, to know it by")
        create.add_argument(
            "--type", dest="key_type", choices=("live", "team", "test"), default="live"
        )
        listing = key_actions.add_parser("list", help="list a sending service's keys")
        listing.add_argument("--service", required=True)
        listing.add_argument("--organisation")
        revoke = key_actions.add_parser("revoke", help="revoke a key at once")
        revoke.add_argument("public_id", help="the key's id, as `notify keys list` shows it")
        services = groups.add_parser("services", help="sending services")
        service_actions = services.add_subparsers(dest="action", required=True)
        make = service_actions.add_parser(
            "create", help="make a sending service that only sends messages; prints its id"
        )
        make.add_argument("--organisation", required=True, help="the organisation's slug")
        make.add_argument("--name", required=True)

    def handle(self, *args: Any, group: str, action: str, **options: Any) -> None:
        if group == "services":
            self._create_service(options["organisation"], options["name"])
        elif action == "create":
            self._create_key(options)
        elif action == "list":
            self._list_keys(options)
        else:
            self._revoke(options["public_id"])

    def _service(self, options: dict[str, Any]) -> SendingService:
        slug_or_id = options["service"]
        organisation_slug = options.get("organisation")
        if organisation_slug:
            organisation = find_organisation(organisation_slug)
            if organisation is None:
                raise CommandError(f"there is no organisation '{organisation_slug}'")
            service = sending_service_of(organisation.id, slug_or_id)
        else:
            service = find_sending_service(slug_or_id)
            if service is None and "-" not in slug_or_id.strip("-"):
                raise CommandError("give --organisation with a catalogue service's slug")
        if service is None:
            raise CommandError(f"there is no sending service '{slug_or_id}'")
        return service

    def _create_key(self, options: dict[str, Any]) -> None:
        service = self._service(options)
        try:
            whole_key = create_notify_key(
                sending_service=service,
                name=options["name"],
                key_type=options["key_type"],
                created_by=COMMAND_LINE,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Made a {options['key_type']} key '{options['name']}' for sending service "
            f"{service.pk} ({service.name})"
        )
        self.stdout.write(whole_key)
        self.stdout.write("Keep this key now: it will not be shown again.")

    def _list_keys(self, options: dict[str, Any]) -> None:
        service = self._service(options)
        for key in list_notify_api_keys(str(service.pk)):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            key_type = "live" if key.notify_key_type == "normal" else key.notify_key_type
            self.stdout.write(f"{key.public_id}\t{key.name}\t{key_type}\t{state}\tlast used {used}")

    def _revoke(self, public_id: str) -> None:
        key = revoke_api_key(public_id, revoked_by=COMMAND_LINE)
        if key is None:
            raise CommandError(f"there is no key '{public_id}'")
        self.stdout.write(f"Revoked key {key.public_id} '{key.name}' of {key.organisation.slug}")

    def _create_service(self, organisation_slug: str, name: str) -> None:
        organisation = find_organisation(organisation_slug)
        if organisation is None:
            raise CommandError(f"there is no organisation '{organisation_slug}'")
        if not name.strip():
            raise CommandError("give the sending service a name")
        service = create_sending_service(organisation_id=organisation.id, name=name.strip())
        self.stdout.write(str(service.pk))
