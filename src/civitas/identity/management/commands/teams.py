"""`civitas teams add ORG SLUG --name NAME`, `civitas teams list ORG`,
`civitas teams members ORG SLUG [--add EMAIL ...] [--remove EMAIL ...]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.identity.management.commands.keys import COMMAND_LINE
from civitas.identity.models import Organisation
from civitas.identity.teams import (
    TeamInvalid,
    add_team_member,
    ensure_team,
    find_team,
    list_team_members,
    list_teams,
    remove_team_member,
)


class Command(BaseCommand):
    help = "Manage an organisation's teams, which services route cases to."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a team, or rename it")
        add.add_argument("organisation", help="the organisation's slug")
        add.add_argument("slug", help="lower-case words joined by hyphens, e.g. highways")
        add.add_argument("--name", required=True, help="its name as staff know it")
        listing = sub.add_parser("list", help="list an organisation's teams")
        listing.add_argument("organisation")
        members = sub.add_parser(
            "members", help="list a team's members, after adding or removing some"
        )
        members.add_argument("organisation")
        members.add_argument("slug")
        members.add_argument("--add", action="append", default=[], metavar="EMAIL")
        members.add_argument("--remove", action="append", default=[], metavar="EMAIL")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation '{options['organisation']}'")
        try:
            if action == "add":
                team = ensure_team(
                    organisation=organisation.slug,
                    slug=options["slug"],
                    name=options["name"],
                    by=COMMAND_LINE,
                )
                self.stdout.write(f"{team.slug}\t{team.name}")
            elif action == "list":
                for team in list_teams(organisation.pk):
                    self.stdout.write(f"{team.slug}\t{team.name}")
            else:
                self._members(organisation, options)
        except TeamInvalid as error:
            raise CommandError(str(error)) from None

    def _members(self, organisation: Organisation, options: dict[str, Any]) -> None:
        team = find_team(organisation_id=organisation.pk, slug=options["slug"])
        if team is None:
            raise CommandError(f"{organisation.slug} has no team '{options['slug']}'")
        for email in options["add"]:
            add_team_member(
                organisation=organisation.slug, team=team.slug, email=email, by=COMMAND_LINE
            )
        for email in options["remove"]:
            if not remove_team_member(
                organisation=organisation.slug, team=team.slug, email=email, by=COMMAND_LINE
            ):
                raise CommandError(f"{email} is not in {team.slug}")
        for member in list_team_members(team.id):
            self.stdout.write(f"{member.email}\t{member.display_name}")
