"""`civitas services validate PATH...` and `civitas services load PATH...`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civitas.catalogue.public import DefinitionInvalid, parse_file, publish_service_file
from civitas.ledger.public import LedgerUnavailable


def _expand(paths: list[str]) -> list[Path]:
    """A folder stands for every service.yaml below it."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
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

    def handle(self, *args: Any, action: str, paths: list[str], **options: Any) -> None:
        files = _expand(paths)
        if not files:
            raise CommandError("no service definitions found")
        problems = [problem for path in files for problem in parse_file(path).problems]
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
                result = publish_service_file(path, published_by=options["actor"])
            except DefinitionInvalid as error:  # changed on disk since the check above
                raise CommandError(str(error), returncode=1) from None
            except LedgerUnavailable as error:
                # Publishing must be logged: with the log broken, nothing is published.
                raise CommandError(f"{path}: not published: {error}", returncode=1) from None
            state = "published" if result.is_new else "unchanged"
            self.stdout.write(
                f"{result.organisation}/{result.slug} version {result.version} {state}"
            )
