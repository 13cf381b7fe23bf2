"""`civitas organisations add SLUG --name NAME [--requires-welsh]` and
`civitas organisations list`."""

import argparse
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.models import Organisation
from civitas.identity.services import ensure_organisation

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

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for organisation in Organisation.objects.order_by("slug"):
                welsh = "\trequires Welsh" if organisation.requires_welsh else ""
                self.stdout.write(f"{organisation.slug}\t{organisation.name}{welsh}")
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
