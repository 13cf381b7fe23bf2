"""`civitas rules validate|test|simulate|population ...`: the rules engine's commands.

The work is done by the plain functions in ``civitas.rules.commands`` (which also run
without Django); this only parses arguments, points their output at the command's streams
and exits with their status. Bad input ends with a message and exit status 1, never a
traceback.
"""

import contextlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civitas.rules import commands
from civitas.rules.population import GENERATORS, HOUSEHOLD_GENERATORS, generate_population


class Command(BaseCommand):
    help = "Check, test and simulate rule sets (see docs/rules-as-code.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser(
            "validate", help="check rule-set and scenario files; print file:line problems"
        )
        validate.add_argument("paths", nargs="+", metavar="PATH")
        test = sub.add_parser("test", help="run the scenarios of rule sets")
        test.add_argument("paths", nargs="+", metavar="PATH")
        simulate = sub.add_parser(
            "simulate", help="compare the outputs of a reform with the baseline over a population"
        )
        simulate.add_argument("rules", metavar="RULES")
        simulate.add_argument("--population", required=True, metavar="FILE.csv")
        simulate.add_argument(
            "--members",
            default=None,
            metavar="FILE.csv",
            help="the members of each row (for rules with a group, such as a household)",
        )
        simulate.add_argument(
            "--on", default=None, metavar="DATE", help="baseline date, YYYY-MM-DD (default today)"
        )
        simulate.add_argument(
            "--set",
            dest="sets",
            action="append",
            default=[],
            metavar="PARAMETER=VALUE",
            help="change a parameter (repeatable); PARAMETER may be table[KEY]",
        )
        simulate.add_argument("--json", dest="json_output", action="store_true")
        population = sub.add_parser(
            "population", help="write a deterministic synthetic population CSV"
        )
        population.add_argument(
            "name", choices=sorted([*GENERATORS, *HOUSEHOLD_GENERATORS]), metavar="NAME"
        )
        population.add_argument("--rows", type=int, default=1000)
        population.add_argument("--seed", type=int, default=1)
        population.add_argument("--out", required=True, metavar="FILE.csv")
        population.add_argument(
            "--members-out",
            default=None,
            metavar="MEMBERS.csv",
            help="for a rule set over households: where to write its members (--out gets "
            "the households)",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        # The command functions print to sys.stdout and sys.stderr, looked up per call:
        # pointing those at this command's streams makes call_command(stdout=...) work.
        with (
            contextlib.redirect_stdout(self.stdout._out),  # type: ignore[type-var]
            contextlib.redirect_stderr(self.stderr._out),  # type: ignore[type-var]
        ):
            status = self._run(action, options)
        if status:
            raise SystemExit(status)

    def _run(self, action: str, options: dict[str, Any]) -> int:
        if action == "validate":
            return commands.validate_command(options["paths"])
        if action == "test":
            return commands.test_command(options["paths"])
        if action == "simulate":
            return commands.simulate_command(
                options["rules"],
                options["population"],
                options["on"],
                options["sets"],
                json_output=options["json_output"],
                members=options["members"],
            )
        return self._population(options)

    def _population(self, options: dict[str, Any]) -> int:
        if options["rows"] < 0:
            self.stderr.write("--rows: must be 0 or more")
            return 1
        name = options["name"]
        members = options["members_out"]
        if name in HOUSEHOLD_GENERATORS and members is None:
            self.stderr.write(
                f"--members-out: {name} decides for households of people; "
                "name a file for the members as well as --out for the households"
            )
            return 1
        if name not in HOUSEHOLD_GENERATORS and members is not None:
            self.stderr.write(f"--members-out: {name} has no members; leave it out")
            return 1
        try:
            path = generate_population(
                name,
                options["rows"],
                options["seed"],
                Path(options["out"]),
                Path(members) if members is not None else None,
            )
        except OSError as error:
            self.stderr.write(f"cannot write {error.filename}: {error.strerror}")
            return 1
        if members is None:
            self.stdout.write(f"{path}: {options['rows']:,} rows of {name}")
        else:
            self.stdout.write(
                f"{path}: {options['rows']:,} households of {name}; {members}: their members"
            )
        return 0
