"""`civitas services validate PATH...`, `civitas services load [--draft] PATH...`,
`civitas services promote ORGANISATION/SLUG VERSION` and
`civitas services withdraw ORGANISATION/SLUG VERSION`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from civitas.catalogue.public import (
    DefinitionInvalid,
    Problem,
    PromotionRefused,
    VersionNotFound,
    parse_file,
    promote_draft,
    publish_service_file,
    welsh_required,
    withdraw_version,
)
from civitas.identity.public import find_organisation, organisation_requires_welsh
from civitas.ledger.public import LedgerUnavailable


def _expand(paths: list[str]) -> list[Path]:
    """A service's folder stands for its service.yaml; any other folder for every
    service.yaml in the folders it holds."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if (path / "service.yaml").is_file():
            files.append(path / "service.yaml")
        else:
            files.extend(sorted(path.glob("*/service.yaml")) if path.is_dir() else [path])
    return files


class Command(BaseCommand):
    help = "Validate or load service definitions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check definitions; print file:line problems")
        validate.add_argument("paths", nargs="+")
        load = sub.add_parser("load", help="validate and publish a new version of each")
        load.add_argument("paths", nargs="+")
        load.add_argument("--as", dest="actor", default="cli", help="who is publishing")
        load.add_argument(
            "--draft",
            action="store_true",
            help="store as a draft for the organisation's staff to preview; not live",
        )
        promote = sub.add_parser("promote", help="make a draft version the live one")
        promote.add_argument("service", help="organisation/slug")
        promote.add_argument("version", type=int)
        promote.add_argument("--as", dest="actor", default="cli", help="who is publishing")
        withdraw = sub.add_parser(
            "withdraw", help="take back a retired or draft version; its journeys start again"
        )
        withdraw.add_argument("service", help="organisation/slug")
        withdraw.add_argument("version", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action in ("promote", "withdraw"):
            self._change_version(action, options)
            return
        paths: list[str] = options["paths"]
        files = _expand(paths)
        if not files:
            raise CommandError("no service definitions found")
        problems: list[Problem] = []
        for path in files:
            parsed = parse_file(path)
            problems += parsed.problems
            if not parsed.problems and parsed.welsh_gaps:
                problems += self._report_welsh_gaps(
                    path, parsed.definition["organisation"], parsed.welsh_gaps, action
                )
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(
                f"{len(problems)} problem(s) found; nothing was loaded", returncode=1
            )
        if action == "validate":
            self.stdout.write(f"{len(files)} definition(s) valid")
            return
        for path in files:
            try:
                result = publish_service_file(
                    path, published_by=options["actor"], draft=options["draft"]
                )
            except DefinitionInvalid as error:  # changed on disk since the check above
                raise CommandError(str(error), returncode=1) from None
            except LedgerUnavailable as error:
                # Publishing must be logged: with the log broken, nothing is published.
                raise CommandError(f"{path}: not published: {error}", returncode=1) from None
            state = "published" if result.is_new else "unchanged"
            if options["draft"]:
                state = f"{state} as a draft"
            self.stdout.write(
                f"{result.organisation}/{result.slug} version {result.version} {state}"
            )

    def _report_welsh_gaps(
        self, path: Path, organisation_slug: str, gaps: list[Problem], action: str
    ) -> list[Problem]:
        """The gaps as errors where the organisation requires Welsh; otherwise warnings,
        each listed by `validate`, counted by `load`."""
        try:
            organisation = find_organisation(organisation_slug)
            required = organisation is not None and organisation_requires_welsh(organisation_slug)
        except DatabaseError:
            organisation, required = None, False  # no database yet: it cannot say
        if organisation is not None and required:
            return welsh_required(gaps, organisation.name)
        if action == "validate":
            for gap in gaps:
                self.stderr.write(f"{gap.file}:{gap.line}: warning: {gap.message}")
        else:
            self.stderr.write(
                f"{path}: warning: {len(gaps)} text(s) have no Welsh "
                "(`civitas services validate` lists them)"
            )
        return []

    def _change_version(self, action: str, options: dict[str, Any]) -> None:
        organisation, _, slug = options["service"].partition("/")
        if not organisation or not slug:
            raise CommandError("name the service as organisation/slug", returncode=2)
        version = options["version"]
        try:
            if action == "promote":
                promote_draft(
                    organisation=organisation,
                    slug=slug,
                    version=version,
                    published_by=options["actor"],
                )
            else:
                withdraw_version(organisation=organisation, slug=slug, version=version)
        except (VersionNotFound, PromotionRefused) as error:
            raise CommandError(str(error), returncode=1) from None
        except LedgerUnavailable as error:
            raise CommandError(f"not promoted: {error}", returncode=1) from None
        done = "is live" if action == "promote" else "withdrawn"
        self.stdout.write(f"{organisation}/{slug} version {version} {done}")
