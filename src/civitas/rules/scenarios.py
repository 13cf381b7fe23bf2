"""Scenarios: worked cases that a rule set must reproduce, kept beside the rules.

A scenarios file (``NAME.scenarios.yaml``) lists cases, each with a name, the date ``on``
which to decide (or the ``period`` over which to decide), the ``inputs`` and the values to
``expect``; optionally ``explanation_includes``, text that must appear in the
citizen-facing explanation, which is written in the case's ``language`` (``en``, the
default, or ``cy``: the rule set must declare it). The rule set is ``rules:`` (relative to
the scenarios file) or, by default, ``NAME.rules.yaml`` beside it.

In scenario files money may be written as pence (``14000``) or pounds (``"£140"``).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from civitas.platform.yamlsource import Document, Problem, sorted_problems
from civitas.rules import datatypes as dt
from civitas.rules.evaluate import DecisionPeriod, InputError, RuleEvaluationError, decide
from civitas.rules.loader import RuleSetInvalid, load_rule_set
from civitas.rules.model import MEMBERS, RuleSet
from civitas.rules.sourcefile import read_document
from civitas.rules.values import check, format_value, parse_money

SCHEMA = "scenarios.schema.json"
SUFFIX = ".scenarios.yaml"


@dataclass(frozen=True)
class Mismatch:
    """An expected value that the rules did not produce, with the rules' explanation."""

    variable: str
    expected: Any
    actual: Any
    expected_display: str
    actual_display: str
    explanation: str


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int
    passed: bool
    mismatches: tuple[Mismatch, ...] = ()
    missing_text: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ScenarioReport:
    """The outcome of running one scenarios file. ``passed`` only if every case passed
    and the files had no problems."""

    path: str
    rules_path: str | None
    rule_set_hash: str | None
    cases: tuple[CaseResult, ...]
    problems: tuple[Problem, ...]

    @property
    def passed(self) -> bool:
        return not self.problems and all(case.passed for case in self.cases)

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(case for case in self.cases if not case.passed)

    def render(self) -> str:
        """A text report: one line per case; details of each failure."""
        lines = [str(problem) for problem in self.problems]
        passed = len(self.cases) - len(self.failed)
        lines.append(
            f"{self.path}: {len(self.cases)} scenarios, {passed} passed, {len(self.failed)} failed"
        )
        for case in self.cases:
            lines.append(f"  {'ok  ' if case.passed else 'FAIL'} {case.name}")
            if case.passed:
                continue
            lines.append(f"       at {self.path}:{case.line}")
            if case.error:
                lines.append(f"       error: {case.error}")
            for mismatch in case.mismatches:
                lines.append(
                    f"       {mismatch.variable}: expected {mismatch.expected_display}, "
                    f"got {mismatch.actual_display}"
                )
                lines.extend(f"         {text}" for text in mismatch.explanation.splitlines())
            for text in case.missing_text:
                lines.append(f"       the explanation does not include: {text!r}")
            if case.missing_text:
                lines.append("       the explanation was:")
                lines.extend(f"         {sentence}" for sentence in case.explanation)
        return "\n".join(lines)


def rules_path_for(path: str | Path, document: Document | None = None) -> Path:
    """The rule-set file a scenarios file tests."""
    scenarios = Path(path)
    if document is not None and isinstance(document.data, dict) and document.data.get("rules"):
        return scenarios.parent / str(document.data["rules"])
    name = scenarios.name
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else scenarios.stem
    return scenarios.parent / f"{stem}.rules.yaml"


def _cases(document: Document) -> list[dict[str, Any]]:
    """The cases of a scenarios file whose shape the schema has checked."""
    return cast("dict[str, list[dict[str, Any]]]", document.data)["scenarios"]


def validate_scenarios_file(path: str | Path) -> list[Problem]:
    """Problems with a scenarios file: its shape, its rule set, and names or values its
    cases use that the rule set does not accept."""
    document, problems = read_document(path, SCHEMA)
    if document is None or problems:
        return problems
    try:
        rule_set = load_rule_set(rules_path_for(path, document))
    except RuleSetInvalid as error:
        return error.problems
    for index, case in enumerate(_cases(document)):
        _case_inputs(rule_set, document, index, case, problems)
        _case_expectations(rule_set, document, index, case, problems)
        _case_language(rule_set, document, index, case, problems)
    return sorted_problems(problems)


def _case_language(
    rule_set: RuleSet, document: Document, index: int, case: dict[str, Any], problems: list[Problem]
) -> str:
    """The case's language; a problem when the rule set is not written in it (its
    explanation would silently be English, and every Welsh check would fail)."""
    language: str = case.get("language", "en")
    if language not in rule_set.languages:
        problems.append(
            document.problem(
                f"the scenario is in language {language}, but {rule_set.name} declares "
                f"languages: [{', '.join(rule_set.languages)}]",
                "scenarios",
                index,
                "language",
            )
        )
    return language


def _case_inputs(
    rule_set: RuleSet, document: Document, index: int, case: dict[str, Any], problems: list[Problem]
) -> dict[str, Any]:
    where = ("scenarios", index, "inputs")
    inputs = _checked_inputs(rule_set, document, case["inputs"], where, problems, member=False)
    members = case["inputs"].get(MEMBERS)
    if rule_set.group is not None and MEMBERS in case["inputs"]:
        if not isinstance(members, list):
            problems.append(
                document.problem("members must be a list, one entry per member", *where, MEMBERS)
            )
        else:
            inputs[MEMBERS] = [
                _checked_inputs(
                    rule_set, document, member, (*where, MEMBERS, i), problems, member=True
                )
                for i, member in enumerate(members)
                if isinstance(member, dict)
            ]
    return inputs


def _checked_inputs(
    rule_set: RuleSet,
    document: Document,
    raw_inputs: dict[str, Any],
    where: tuple[Any, ...],
    problems: list[Problem],
    *,
    member: bool,
) -> dict[str, Any]:
    """The group's inputs (``member`` false) or one member's, checked where they are
    written; a member's missing inputs and role counts are left to ``decide``."""
    inputs: dict[str, Any] = {}
    if not isinstance(raw_inputs, dict):
        problems.append(document.problem("a member is a mapping of input names to values", *where))
        return inputs
    for name, raw in raw_inputs.items():
        if name == MEMBERS and not member and rule_set.group is not None:
            continue
        spec = rule_set.inputs.get(name)
        if spec is None or spec.per_member != member:
            whose = f"each {rule_set.group.member}" if member and rule_set.group else rule_set.name
            hint = ""
            if spec is not None and spec.per_member:
                hint = f" (it is an input of each member: give it under {MEMBERS})"
            problems.append(
                document.problem(
                    f"'{name}' is not an input of {whose}{hint}", *where, name, key=True
                )
            )
            continue
        try:
            inputs[name] = spec.check(_from_yaml(spec.vtype.kind, raw))
        except ValueError as error:
            problems.append(document.problem(f"input '{name}' {error}", *where, name))
    return inputs


def _case_expectations(
    rule_set: RuleSet, document: Document, index: int, case: dict[str, Any], problems: list[Problem]
) -> dict[str, Any]:
    expected: dict[str, Any] = {}
    for name, raw in case["expect"].items():
        where = ("scenarios", index, "expect", name)
        if name not in rule_set.variables and name not in rule_set.inputs:
            problems.append(
                document.problem(f"'{name}' is not a variable of {rule_set.name}", *where, key=True)
            )
            continue
        kind = rule_set.kind_of_value(name)
        try:
            if rule_set.per_member(name):
                if not isinstance(raw, list):
                    raise ValueError("has a value for each member: write a list, one per member")
                expected[name] = tuple(check(kind, _from_yaml(kind, item)) for item in raw)
            else:
                expected[name] = check(kind, _from_yaml(kind, raw))
        except ValueError as error:
            problems.append(document.problem(f"expected {name} {error}", *where))
    return expected


def _from_yaml(kind: str, raw: Any) -> Any:
    if kind == dt.MONEY and isinstance(raw, str):
        return parse_money(raw.strip())
    return raw


def _same(kind: str, expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple):
        return (
            isinstance(actual, tuple)
            and len(expected) == len(actual)
            and all(_same(kind, want, got) for want, got in zip(expected, actual, strict=True))
        )
    if kind == dt.NUMBER:
        return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=1e-12)
    return bool(expected == actual)


def _show(kind: str, value: Any, labels: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(kind, item, labels) for item in value) + "]"
    return format_value(kind, value, labels=labels, fmt="raw")


def run_scenarios(path: str | Path) -> ScenarioReport:
    """Run every case in a scenarios file against its rule set.

    A failing case reports each differing variable with the expected and actual values and
    the rules' explanation of how the actual value was reached.
    """
    shown = str(path)
    document, problems = read_document(path, SCHEMA)
    if document is None or problems:
        return ScenarioReport(shown, None, None, (), tuple(problems))
    rules_path = rules_path_for(path, document)
    try:
        rule_set = load_rule_set(rules_path)
    except RuleSetInvalid as error:
        return ScenarioReport(shown, str(rules_path), None, (), tuple(error.problems))
    results: list[CaseResult] = []
    all_problems: list[Problem] = []
    for index, case in enumerate(_cases(document)):
        case_problems: list[Problem] = []
        inputs = _case_inputs(rule_set, document, index, case, case_problems)
        expected = _case_expectations(rule_set, document, index, case, case_problems)
        _case_language(rule_set, document, index, case, case_problems)
        line = document.line("scenarios", index)
        if case_problems:
            all_problems.extend(case_problems)
            results.append(
                CaseResult(
                    case["name"], line, False, error="; ".join(p.message for p in case_problems)
                )
            )
            continue
        results.append(_run_case(rule_set, case, line, inputs, expected))
    return ScenarioReport(
        shown,
        str(rules_path),
        rule_set.content_hash,
        tuple(results),
        tuple(sorted_problems(all_problems)),
    )


def _run_case(
    rule_set: RuleSet,
    case: dict[str, Any],
    line: int,
    inputs: dict[str, Any],
    expected: dict[str, Any],
) -> CaseResult:
    language = case.get("language", "en")
    try:
        if "period" in case:
            decision = decide(
                rule_set, inputs, period=DecisionPeriod.read(case["period"]), language=language
            )
        else:
            decision = decide(
                rule_set, inputs, datetime.date.fromisoformat(case["on"]), language=language
            )
    except (InputError, RuleEvaluationError, ValueError) as error:
        return CaseResult(case["name"], line, False, error=str(error))
    mismatches = []
    for name, want in expected.items():
        got = decision[name]
        kind = rule_set.kind_of_value(name)
        if _same(kind, want, got):
            continue
        labels = rule_set.labels_of(name)
        explanation = decision.explain(name) if name in decision.trace else "(an input)"
        mismatches.append(
            Mismatch(
                name,
                want,
                got,
                _show(kind, want, labels),
                _show(kind, got, labels),
                explanation,
            )
        )
    text = "\n".join(decision.explanation)
    missing = tuple(t for t in case.get("explanation_includes", ()) if t not in text)
    return CaseResult(
        case["name"],
        line,
        not mismatches and not missing,
        tuple(mismatches),
        missing,
        decision.explanation,
    )


@dataclass(frozen=True)
class ScenarioCase:
    """One worked case as ``decide`` takes it: its date and its checked inputs."""

    name: str
    on: datetime.date
    inputs: dict[str, Any]


def scenario_cases(path: str | Path) -> tuple[RuleSet, tuple[ScenarioCase, ...]]:
    """The rule set a scenarios file tests and its cases' inputs, read as ``run_scenarios``
    reads them, so a caller can decide them itself (a benchmark timing ``decide`` on
    realistic inputs, whatever the rule set's inputs are). Raises ``ValueError`` with the
    file's problems, one per line, when it or its rule set has any."""
    problems = validate_scenarios_file(path)
    if problems:
        raise ValueError("\n".join(str(problem) for problem in problems))
    document, _ = read_document(path, SCHEMA)
    assert document is not None  # validated above
    rule_set = load_rule_set(rules_path_for(path, document))
    cases = tuple(
        ScenarioCase(
            case["name"],
            datetime.date.fromisoformat(case["on"]),
            _case_inputs(rule_set, document, index, case, []),
        )
        for index, case in enumerate(_cases(document))
    )
    return rule_set, cases
