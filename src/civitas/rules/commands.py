"""The ``civitas rules ...`` commands, as functions the console entry point calls.

Each prints human-readable output (results to stdout, errors to stderr) and returns the
exit status: 0 when everything is fine, 1 when there are problems or failures. None of
them lets an exception escape for a user error; a traceback means a bug.

- ``validate_command(paths)``: ``civitas rules validate PATH...``
- ``test_command(paths)``: ``civitas rules test PATH...``
- ``simulate_command(...)``: ``civitas rules simulate RULES --population FILE.csv
  [--on DATE] [--set PARAMETER=VALUE ...] [--json]``
- ``explain_command(...)``: ``civitas rules explain RULES --on DATE (--inputs FILE.json |
  --input NAME=VALUE ...) [--language cy] [--json]``
- ``population_command(...)``: ``civitas rules population NAME --out FILE.csv [--rows N]
  [--seed N] [--members-out MEMBERS.csv]``

``main(argv)`` parses ``civitas rules`` arguments and runs one of them; it needs no
Django set-up (``civitas.cli`` calls it directly, which starts in a third of the time).

A PATH may be a file or a directory; directories are searched (recursively) for
``*.rules.yaml`` and ``*.scenarios.yaml`` files.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from civitas.platform.yamlsource import Problem
from civitas.rules.evaluate import (
    DateNotCovered,
    Decision,
    InputError,
    ParameterUse,
    RuleEvaluationError,
    VariableTrace,
    decide,
    read_input,
)
from civitas.rules.loader import RuleSetInvalid, load_rule_set, validate_file
from civitas.rules.model import RuleSet, Source
from civitas.rules.population import GENERATORS, HOUSEHOLD_GENERATORS, generate_population
from civitas.rules.scenarios import SUFFIX, run_scenarios, validate_scenarios_file
from civitas.rules.simulation import (
    OverrideError,
    PopulationError,
    SimulationError,
    parse_override,
    simulate,
)
from civitas.rules.values import LANGUAGES, format_date

RULES_SUFFIX = ".rules.yaml"
DESCRIPTION = "Check, test and simulate rule sets (see docs/rules-as-code.md)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The actions and their arguments, for ``civitas rules`` and the management command."""
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
    explain = sub.add_parser(
        "explain",
        help="decide one case and show each rule and parameter used, with its citation",
    )
    explain.add_argument("rules", metavar="RULES")
    explain.add_argument("--on", default=None, metavar="DATE", help="YYYY-MM-DD")
    given = explain.add_mutually_exclusive_group()
    given.add_argument(
        "--inputs", default=None, metavar="FILE.json", help="a JSON object of inputs"
    )
    given.add_argument(
        "--input",
        dest="input_pairs",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one input, written as on a form (repeatable)",
    )
    explain.add_argument("--language", default="en", metavar="LANGUAGE", help="en (default) or cy")
    explain.add_argument("--json", dest="json_output", action="store_true")
    population = sub.add_parser("population", help="write a deterministic synthetic population CSV")
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


def run(action: str, options: Mapping[str, Any]) -> int:
    """Run one action with its parsed ``options``; the exit status."""
    if action == "validate":
        return validate_command(options["paths"])
    if action == "test":
        return test_command(options["paths"])
    if action == "simulate":
        return simulate_command(
            options["rules"],
            options["population"],
            options["on"],
            options["sets"],
            json_output=options["json_output"],
            members=options["members"],
        )
    if action == "explain":
        return explain_command(
            options["rules"],
            options["on"],
            options["inputs"],
            options["input_pairs"],
            language=options["language"],
            json_output=options["json_output"],
        )
    return population_command(
        options["name"], options["rows"], options["seed"], options["out"], options["members_out"]
    )


def main(argv: Sequence[str]) -> int:
    """``civitas rules ARGS...`` without Django's set-up: the exit status."""
    parser = argparse.ArgumentParser(prog="civitas rules", description=DESCRIPTION)
    add_arguments(parser)
    options = vars(parser.parse_args(list(argv)))
    return run(options.pop("action"), options)


def _expand(
    paths: Iterable[str | Path], suffixes: tuple[str, ...], err: TextIO
) -> tuple[list[Path], bool]:
    """Files named by ``paths`` (directories searched for ``suffixes``); ok=False if a
    path does not exist."""
    found: list[Path] = []
    ok = True
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(suffixes))
            )
        elif path.exists():
            found.append(path)
        else:
            print(f"{path}: no such file or directory", file=err)
            ok = False
    return list(dict.fromkeys(found)), ok


def validate_command(paths: Sequence[str | Path]) -> int:
    """Check rule-set and scenario files; print each problem as ``file:line: message``."""
    # Looked up per call (not bound at import) so captured or redirected streams work.
    out, err = sys.stdout, sys.stderr
    files, ok = _expand(paths, (RULES_SUFFIX, SUFFIX), err)
    if not files:
        print("no rule-set or scenario files found", file=err)
        return 1
    # A scenarios file reports its rule set's problems too; print each problem once.
    printed: set[Problem] = set()
    for file in files:
        problems = (
            validate_scenarios_file(file) if file.name.endswith(SUFFIX) else validate_file(file)
        )
        for problem in problems:
            if problem not in printed:
                printed.add(problem)
                print(problem, file=out)
    count = len(printed)
    noun = "problem" if count == 1 else "problems"
    print(f"{len(files)} file{'s' if len(files) != 1 else ''} checked, {count} {noun}", file=out)
    return 0 if ok and count == 0 else 1


def test_command(paths: Sequence[str | Path]) -> int:
    """Run scenario files (a rule-set path runs the scenarios file beside it)."""
    # Looked up per call (not bound at import) so captured or redirected streams work.
    out, err = sys.stdout, sys.stderr
    files, ok = _expand(paths, (SUFFIX,), err)
    scenario_files: list[Path] = []
    for file in files:
        if file.name.endswith(RULES_SUFFIX):
            sibling = file.with_name(file.name[: -len(RULES_SUFFIX)] + SUFFIX)
            if not sibling.exists():
                print(f"{file}: no scenarios file ({sibling.name}) beside it", file=err)
                ok = False
                continue
            file = sibling
        scenario_files.append(file)
    if not scenario_files:
        print("no scenario files found", file=err)
        return 1
    cases = failed = 0
    for file in dict.fromkeys(scenario_files):
        report = run_scenarios(file)
        print(report.render(), file=out)
        cases += len(report.cases)
        failed += len(report.failed)
        ok = ok and report.passed
    print(f"{cases} scenarios, {cases - failed} passed, {failed} failed", file=out)
    return 0 if ok else 1


# Its name starts with "test_": stop pytest collecting it from modules that import it.
test_command.__test__ = False  # type: ignore[attr-defined]


def simulate_command(
    rules_path: str | Path,
    population: str | Path,
    on: str | datetime.date | None,
    sets: Sequence[str],
    json_output: bool,
    members: str | Path | None = None,
) -> int:
    """Simulate a reform (``sets``, each ``PARAMETER=VALUE``) over a population CSV (and
    its ``members`` CSV, for rules with a group).

    ``on`` is the date whose parameters form the baseline (``YYYY-MM-DD``; default today).
    Prints the report as text, or as JSON with ``json_output``.
    """
    # Looked up per call (not bound at import) so captured or redirected streams work.
    out, err = sys.stdout, sys.stderr
    try:
        day = _date(on)
    except ValueError as error:
        print(f"--on: {error}", file=err)
        return 1
    try:
        rule_set = load_rule_set(rules_path)
    except RuleSetInvalid as error:
        for problem in error.problems:
            print(problem, file=err)
        return 1
    try:
        overrides = dict(parse_override(text) for text in sets)
        report = simulate(rule_set, population, day, overrides, members)
    except (OverrideError, PopulationError, SimulationError) as error:
        print(f"error: {error}", file=err)
        return 1
    except InputError as error:
        print(f"--on: {error.problem}", file=err)
        return 1
    print(report.to_json() if json_output else report.render_text(), file=out)
    return 0


def population_command(
    name: str, rows: int, seed: int, out: str | Path, members_out: str | Path | None = None
) -> int:
    """Write a synthetic population CSV for the rule set ``name`` (and its members' CSV,
    for a rule set over households)."""
    err = sys.stderr
    if rows < 0:
        print("--rows: must be 0 or more", file=err)
        return 1
    if name in HOUSEHOLD_GENERATORS and members_out is None:
        print(
            f"--members-out: {name} decides for households of people; "
            "name a file for the members as well as --out for the households",
            file=err,
        )
        return 1
    if name not in HOUSEHOLD_GENERATORS and members_out is not None:
        print(f"--members-out: {name} has no members; leave it out", file=err)
        return 1
    try:
        path = generate_population(
            name, rows, seed, Path(out), Path(members_out) if members_out is not None else None
        )
    except OSError as error:
        print(f"cannot write {error.filename}: {error.strerror}", file=err)
        return 1
    if members_out is None:
        print(f"{path}: {rows:,} rows of {name}", file=sys.stdout)
    else:
        print(
            f"{path}: {rows:,} households of {name}; {members_out}: their members", file=sys.stdout
        )
    return 0


def _date(value: str | datetime.date | None) -> datetime.date:
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD") from None


class _BadInput(Exception):
    """A user error in an ``explain`` command's arguments: its message is printed as is."""


def explain_command(
    rules_path: str | Path,
    on: str | datetime.date | None,
    inputs_file: str | Path | None,
    input_pairs: Sequence[str],
    language: str = "en",
    json_output: bool = False,
) -> int:
    """Decide one case and show how: each rule the outputs depended on, in order, with its
    value, its working and its citation; then each parameter value used, with the period
    it was in force and its citation. For checking a decision against the law it cites.

    Inputs come from ``inputs_file`` (a JSON object of input names to values) and from
    ``input_pairs`` (``NAME=VALUE``, written as on a form; they win over the file's).
    """
    out, err = sys.stdout, sys.stderr
    try:
        rule_set = load_rule_set(rules_path)
    except RuleSetInvalid as error:
        for problem in error.problems:
            print(problem, file=err)
        return 1
    try:
        if on is None:
            raise _BadInput("--on: give the date to decide the case on (YYYY-MM-DD)")
        try:
            day = _date(on)
        except ValueError as error:
            raise _BadInput(f"--on: {error}") from None
        if language not in LANGUAGES:
            raise _BadInput(f"--language: must be one of {', '.join(LANGUAGES)}, not {language!r}")
        inputs = _explain_inputs(rule_set, inputs_file, input_pairs)
        decision = decide(rule_set, inputs, day, language=language)
    except _BadInput as error:
        print(error, file=err)
        return 1
    except DateNotCovered as error:
        print(f"--on: {error.problem}", file=err)
        return 1
    except (InputError, RuleEvaluationError) as error:
        print(f"error: {error}", file=err)
        return 1
    if json_output:
        print(
            json.dumps(_explanation_record(rule_set, decision), indent=2, ensure_ascii=False),
            file=out,
        )
    else:
        print(_explanation_text(rule_set, decision), file=out)
    return 0


def _explain_inputs(
    rule_set: RuleSet, inputs_file: str | Path | None, input_pairs: Sequence[str]
) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    if inputs_file is not None:
        try:
            text = Path(inputs_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise _BadInput(f"{inputs_file}: cannot read the file: {reason}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise _BadInput(f"{inputs_file}:{error.lineno}: not valid JSON: {error.msg}") from None
        if not isinstance(data, Mapping):
            raise _BadInput(f"{inputs_file}: must be a JSON object of input names to values")
        for name, value in data.items():
            # Text is read as a form answer would be (money as £140, yes/no); other JSON
            # values are taken as they are (money in pence, true/false).
            inputs[name] = read_input(rule_set, name, value) if isinstance(value, str) else value
    for pair in input_pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise _BadInput(f"--input: write NAME=VALUE, not {pair!r}")
        inputs[name.strip()] = read_input(rule_set, name.strip(), value)
    if inputs_file is None and not input_pairs:
        raise _BadInput("give the case's inputs with --inputs FILE.json or --input NAME=VALUE")
    return inputs


def _used(decision: Decision) -> list[VariableTrace]:
    """The rules the outputs depended on for this decision, in the order they were applied."""
    return [trace for trace in decision.trace.values() if trace.relevant]


def _cited(source: Source | None) -> str:
    if source is None:
        return "no source given"
    text = source.reference
    if source.title:
        text += f" ({source.title})"
    if source.url:
        text += f" {source.url}"
    return text


def _in_force(use: ParameterUse) -> str:
    """The period a value was in force, in the command's own words (English)."""
    until = f"to {format_date(use.period_to, 'en')}" if use.period_to else "until further notice"
    return f"from {format_date(use.period_from, 'en')} {until}"


_LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def _explanation_text(rule_set: RuleSet, decision: Decision) -> str:
    lines = [
        f"{rule_set.title} (version {rule_set.version}, sha256 {rule_set.content_hash[:12]}), "
        f"as it applies on {format_date(decision.on, 'en')}",
        f"Explained in {_LANGUAGE_NAMES[decision.language]} ({decision.language})",
        "",
        "Outcome:",
    ]
    for name in decision.outputs:
        lines.append(f"  {name} = {decision.trace[name].display}")
    lines += ["", "Explanation:"]
    lines += [f"  {sentence}" for sentence in decision.explanation]
    lines += ["", "Rules used:"]
    for number, trace in enumerate(_used(decision), start=1):
        lines.append(f"  {number}. {trace.name}: {trace.label} = {trace.display}")
        lines.append(f"     rule: {trace.expression}")
        if trace.working != trace.expression:
            lines.append(f"     working: {trace.working}")
        if trace.sentence:
            lines.append(f"     says: {trace.sentence}")
        lines.append(f"     source: {_cited(trace.source)}")
    lines += ["", "Parameter values used:"]
    if not decision.parameters:
        lines.append("  none")
    for use in decision.parameters:
        lines.append(f"  {use.reference}: {use.label} = {use.display}")
        lines.append(f"     in force {_in_force(use)}")
        lines.append(f"     source: {_cited(use.source)}")
    return "\n".join(lines)


def _explanation_record(rule_set: RuleSet, decision: Decision) -> dict[str, Any]:
    record = decision.to_dict(trace=False)
    record["rules_used"] = [
        {
            key: value
            for key, value in trace.to_dict().items()
            if key
            in (
                "name",
                "label",
                "type",
                "value",
                "display",
                "expression",
                "working",
                "sentence",
                "source",
            )
        }
        for trace in _used(decision)
    ]
    record["parameters"] = [{**use.to_dict(), "label": use.label} for use in decision.parameters]
    return record
