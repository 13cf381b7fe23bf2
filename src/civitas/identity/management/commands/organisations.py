"""`civitas organisations add SLUG --name NAME [--requires-welsh]`,
`civitas organisations sso SLUG --issuer URL --client-id ID` (or `--off`) and
`civitas organisations list`."""

import argparse
import re
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.models import Organisation
from civitas.identity.services import UnknownOrganisation, ensure_organisation, set_single_sign_on

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Command(BaseCommand):
    help = "Register the organisations that publish services and employ staff."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register an organisation, or rename it")
        add.add_argument("slug", help="lower-case words joined by hyphens, e.g. example-borough")
        add.add_argument("--name", required=True, help="its name as citizens know it")
        add.add_argument(
            "--requires-welsh",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="whether its services must be written in Welsh too (a gap is then an error)",
        )
        sub.add_parser("list", help="list the registered organisations")
        sso = sub.add_parser(
            "sso", help="let an organisation's staff sign in through its OpenID Connect provider"
        )
        sso.add_argument("slug")
        sso.add_argument("--issuer", default="", help="the provider's issuer URL (https)")
        sso.add_argument("--client-id", default="", help="Civitas's client id at the provider")
        sso.add_argument("--off", action="store_true", help="passwords only again")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for organisation in Organisation.objects.order_by("slug"):
                welsh = "\trequires Welsh" if organisation.requires_welsh else ""
                sso = (
                    f"\tsingle sign-on {organisation.sso_issuer}" if organisation.sso_issuer else ""
                )
                self.stdout.write(f"{organisation.slug}\t{organisation.name}{welsh}{sso}")
            return
        if action == "sso":
            self._single_sign_on(options)
            return
        slug, name = options["slug"], options["name"].strip()
        if len(slug) > 50 or not SLUG.fullmatch(slug):
            raise CommandError(
                f"'{slug}' is not a slug: use lower-case letters, digits and single hyphens, "
                "50 characters at most"
            )
        if not name or len(name) > 200:
            raise CommandError("the name must be 1 to 200 characters")
        registered = ensure_organisation(
            slug=slug, name=name, requires_welsh=options["requires_welsh"]
        )
        self.stdout.write(f"{registered.slug}\t{registered.name}")

    def _single_sign_on(self, options: dict[str, Any]) -> None:
        issuer, client_id = options["issuer"].strip(), options["client_id"].strip()
        if options["off"]:
            issuer = client_id = ""
        elif not (issuer and client_id):
            raise CommandError("give --issuer and --client-id, or --off")
        elif not issuer.startswith("https://") and not settings.DEBUG and settings.IS_PRODUCTION:
            raise CommandError("the issuer must be an https:// URL")
        elif len(issuer) > 200 or len(client_id) > 200:
            raise CommandError("the issuer and the client id are 200 characters at most")
        try:
            set_single_sign_on(organisation=options["slug"], issuer=issuer, client_id=client_id)
        except UnknownOrganisation:
            raise CommandError(f"no organisation '{options['slug']}'") from None
        state = f"through {issuer}" if issuer else "off"
        self.stdout.write(f"{options['slug']}\tsingle sign-on {state}")
