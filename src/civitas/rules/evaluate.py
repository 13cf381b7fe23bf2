"""Single decisions: ``decide`` and the ``Decision`` it returns, with its explanation.

Expressions are compiled once, when a rule set is loaded, into Python closures that record
every value they compute; ``decide`` runs them in dependency order and turns the record into
a structured trace and plain-English sentences. Nothing is parsed per call.

Semantics shared with the vectorised evaluator (``civitas.rules.vectorised``), and checked
against it by the tests: ``and``/``or`` and ``?:`` evaluate only what they need; ``round``
rounds halves away from zero; ``//`` is floor division; dates subtract to a number of days.
"""

from __future__ import annotations

import datetime
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from civitas.rules import datatypes as dt
from civitas.rules.expressions import (
    AGGREGATIONS,
    COMPARISONS,
    CONVERSIONS,
    Binary,
    Call,
    Conditional,
    Default,
    ListLiteral,
    Literal,
    Lookup,
    Name,
    Node,
    Unary,
    format_literal,
    render,
    walk,
)
from civitas.rules.model import (
    MEMBERS,
    ROLE,
    GroupSpec,
    InputSpec,
    ParameterSpec,
    Period,
    RuleSet,
    Source,
    VariableSpec,
)
from civitas.rules.scales import BandWorking, Scale
from civitas.rules.templates import Placeholder, Template
from civitas.rules.values import (
    LANGUAGES,
    WHOLE_LIMIT,
    format_date,
    format_value,
    parse_text,
    word,
)


class InputError(ValueError):
    """An input is missing, unknown or of the wrong type. ``name`` is the input's name."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"input '{name}' {problem}")
        self.name = name
        self.problem = problem


class DateNotCovered(InputError):
    """The rule set has no parameter values for the date a decision was asked for."""

    def __init__(self, problem: str) -> None:
        super().__init__("on", problem)


class PeriodNotCovered(InputError):
    """A decision over a period the rules cannot make: the period is outside the dates the
    rules cover, or a parameter changes within it (named, with the date)."""

    def __init__(self, problem: str) -> None:
        super().__init__("period", problem)


@dataclass(frozen=True)
class DecisionPeriod:
    """The days a decision is for, ``start`` to ``end`` inclusive: a tax year, a week.

    A decision over a period uses the parameters in force over the whole of it, and is
    refused when one of them changes within it.
    """

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                raise InputError("period", f"must run between two dates, not {value!r}")
        if self.end < self.start:
            raise InputError("period", f"ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def tax_year(cls, first_year: int) -> DecisionPeriod:
        """The UK tax year that starts on 6 April of ``first_year``: ``tax_year(2025)`` is
        2025-26, 6 April 2025 to 5 April 2026."""
        return cls(datetime.date(first_year, 4, 6), datetime.date(first_year + 1, 4, 5))

    @classmethod
    def week_starting(cls, day: datetime.date) -> DecisionPeriod:
        return cls(day, day + datetime.timedelta(days=6))

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> DecisionPeriod:
        """A period as written in a scenario or a service definition: ``{from, to}``
        (dates), ``{tax_year: "2025-26"}`` or ``{week_starting: date}``. Raises
        ``InputError`` (named ``period``) for one that is not a real period."""
        try:
            if "tax_year" in raw:
                first, second = str(raw["tax_year"]).split("-")
                if int(second) != (int(first) + 1) % 100:
                    raise ValueError
                return cls.tax_year(int(first))
            if "week_starting" in raw:
                return cls.week_starting(datetime.date.fromisoformat(str(raw["week_starting"])))
            return cls(
                datetime.date.fromisoformat(str(raw["from"])),
                datetime.date.fromisoformat(str(raw["to"])),
            )
        except (ValueError, KeyError):
            raise InputError(
                "period",
                f"must be a tax year like 2025-26, a week_starting date, or from and to "
                f"dates, not {dict(raw)!r}",
            ) from None

    @property
    def is_tax_year(self) -> bool:
        """Whether the period is one whole UK tax year (6 April to 5 April), so a page can
        call it "the tax year" rather than list two dates."""
        return self == DecisionPeriod.tax_year(self.start.year)

    def describe(self) -> str:
        return f"{format_date(self.start)} to {format_date(self.end)}"

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


class RuleEvaluationError(ArithmeticError):
    """A rule could not be applied to these inputs (a division by zero)."""


@dataclass(frozen=True)
class ParameterUse:
    """A parameter value that applied: for tables, the entry for ``key``."""

    name: str
    label: str
    key: str | None
    value: Any
    display: str
    period_from: datetime.date
    period_to: datetime.date | None
    source: Source | None
    sentence: str | None = None

    @property
    def reference(self) -> str:
        return f"{self.name}[{format_literal(self.key)}]" if self.key is not None else self.name

    def describe(self) -> str:
        until = f" to {format_date(self.period_to)}" if self.period_to else ""
        return (
            f"{self.reference} = {self.display} "
            f"(in force from {format_date(self.period_from)}{until})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": self.key,
            "value": _json_value(self.value),
            "display": self.display,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat() if self.period_to else None,
            "source": self.source.to_dict() if self.source else None,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class Step:
    """One sub-expression and the value it had."""

    expression: str
    value: Any
    display: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "value": _json_value(self.value),
            "display": self.display,
        }


@dataclass(frozen=True)
class VariableTrace:
    """How one variable's value was reached.

    ``conditions`` are the true-or-false tests that were evaluated (``value`` says whether
    each held); ``steps`` every sub-expression in evaluation order; ``working`` the
    expression with values in place of names; ``uses`` the names it consulted;
    ``relevant`` whether the outputs depended on it for this decision.
    """

    name: str
    label: str
    kind: str
    value: Any
    display: str
    expression: str
    working: str
    conditions: tuple[Step, ...]
    steps: tuple[Step, ...]
    uses: tuple[str, ...]
    parameters: tuple[ParameterUse, ...]
    sentence: str | None
    source: Source | None
    relevant: bool
    bands: tuple[BandWorking, ...] = ()
    """The band-by-band working of each marginal() the expression used."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.kind,
            "value": _json_value(self.value),
            "display": self.display,
            "expression": self.expression,
            "working": self.working,
            "conditions": [
                {"condition": c.expression, "held": bool(c.value)} for c in self.conditions
            ],
            "steps": [s.to_dict() for s in self.steps],
            "uses": list(self.uses),
            "parameters": [p.to_dict() for p in self.parameters],
            "sentence": self.sentence,
            "source": self.source.to_dict() if self.source else None,
            "relevant": self.relevant,
            "bands": [band.to_dict() for band in self.bands],
        }


@dataclass(frozen=True)
class Decision:
    """The result of applying a rule set to one case on one date.

    ``values`` holds every variable; ``outputs`` the designated outputs; ``explanation``
    the plain sentences for everything the outputs depended on, in the order a reader
    needs them, written in ``language`` (``en`` or ``cy``); ``trace`` the structured
    account per variable; ``parameters`` the parameter values that applied, with their
    periods. ``rule_set_hash`` identifies the
    exact rules used (sha256 of the canonical rule-set content).
    """

    rule_set_name: str
    rule_set_title: str
    rule_set_version: str
    rule_set_hash: str
    on: datetime.date
    inputs: Mapping[str, Any]
    defaults_applied: tuple[str, ...]
    values: Mapping[str, Any]
    outputs: Mapping[str, Any]
    explanation: tuple[str, ...]
    parameters: tuple[ParameterUse, ...]
    trace: Mapping[str, VariableTrace] = field(repr=False)
    language: str = "en"
    period: DecisionPeriod | None = None
    """The period the decision is for, when it was asked for one (``on`` is its first day)."""

    def __getitem__(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        return self.inputs[name]

    def explain(self, name: str) -> str:
        """A readable account of one variable: sentence, working, conditions, parameters."""
        trace = self.trace[name]
        lines = [trace.sentence] if trace.sentence else []
        lines.append(f"{trace.label} ({name}) = {trace.display}")
        lines.append(f"  calculated as: {trace.expression}")
        if trace.working != trace.display:
            lines.append(f"  with these values: {trace.working}")
        if trace.bands:
            lines.append("  band by band: " + "; ".join(band.describe() for band in trace.bands))
        for condition in trace.conditions:
            lines.append(
                f"  condition `{condition.expression}` "
                f"{'held' if condition.value else 'did not hold'}"
            )
        for use in trace.parameters:
            lines.append(f"  parameter {use.describe()}")
            if use.sentence:
                lines.append(f"    {use.sentence}")
        return "\n".join(lines)

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        """A JSON-ready record of the decision, suitable for storing with a case.

        ``trace=False`` leaves out the per-variable trace, which the same rule set, inputs
        and date reproduce exactly, and which is most of the record's size and cost.
        """
        record = {
            "rule_set": {
                "name": self.rule_set_name,
                "title": self.rule_set_title,
                "version": self.rule_set_version,
                "hash": self.rule_set_hash,
            },
            "on": self.on.isoformat(),
            "language": self.language,
            **({"period": self.period.to_dict()} if self.period is not None else {}),
            "inputs": {k: _json_value(v) for k, v in self.inputs.items()},
            "defaults_applied": list(self.defaults_applied),
            "values": {k: _json_value(v) for k, v in self.values.items()},
            "outputs": {k: _json_value(v) for k, v in self.outputs.items()},
            "explanation": list(self.explanation),
            "parameters": [p.to_dict() for p in self.parameters],
        }
        if trace:
            record["trace"] = {k: t.to_dict() for k, t in self.trace.items()}
        return record


def _json_value(value: Any) -> Any:
    if isinstance(value, Scale):
        return value.to_json()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    return value


# --- compilation -------------------------------------------------------------------------

Evaluator = Callable[["_Run"], Any]


class _Run:
    """The state of one ``decide`` call. Not shared between calls or threads."""

    __slots__ = (
        "applied",
        "consulted",
        "current",
        "inputs",
        "language",
        "member",
        "members",
        "on",
        "param_cache",
        "recording",
        "rule_set",
        "scale_calls",
        "steps",
        "uses",
        "values",
    )

    def __init__(
        self,
        rule_set: RuleSet,
        inputs: dict[str, Any],
        on: datetime.date,
        members: list[dict[str, Any]] | None = None,
        language: str = "en",
    ) -> None:
        self.rule_set = rule_set
        self.inputs = inputs
        self.on = on
        self.language = language
        self.members = members or []
        self.member = -1  # the member whose values are being worked out; -1: the group's
        self.recording = True  # steps inside an aggregation are not the group's working
        self.values: dict[str, Any] = {}
        self.param_cache: dict[str, tuple[Any, Any]] = {}
        self.steps: list[tuple[Node, Any]] = []
        # Names the current value consulted: a group value by name, a member's by
        # (name, member index).
        self.consulted: dict[str | tuple[str, int], None] = {}
        self.uses: dict[tuple[str, str | None], ParameterUse] = {}
        self.current: tuple[str, int] = ("", -1)
        # Which exception applied, by (variable, member): absent when the general rule did.
        self.applied: dict[tuple[str, int], int] = {}
        # Each marginal() call's scale and amounts, by node, for its band-by-band working.
        self.scale_calls: dict[tuple[int, int], tuple[Scale, Any, Any]] = {}

    def parameter(self, name: str, key: str | None = None) -> Any:
        """The value of ``name`` on the decision date, recording that it was used."""
        cached = self.param_cache.get(name)
        if cached is None:
            spec = self.rule_set.parameters[name]
            period = spec.period_on(self.on)
            # The loader guarantees coverage between valid_from and valid_to, and decide
            # checks the date against those, so a period always exists here.
            assert period is not None
            cached = (spec, period)
            self.param_cache[name] = cached
        spec, period = cached
        value = period.value if key is None else period.value[key]
        self.consulted[name] = None
        if (name, key) not in self.uses:
            language = self.language
            self.uses[name, key] = ParameterUse(
                name,
                spec.label_in(language),
                key,
                value,
                format_value(spec.value_kind, value, language=language),
                period.start,
                period.end,
                spec.source,
                _parameter_sentence(self.rule_set, spec, key, value, period, language),
            )
        return value


def _parameter_sentence(
    rule_set: RuleSet,
    spec: ParameterSpec,
    key: str | None,
    value: Any,
    period: Period,
    language: str,
) -> str | None:
    template = spec.explain_in(language)
    if template is None:
        return None

    def fill(placeholder: Placeholder) -> str:
        if placeholder.name == "key":
            labels = rule_set.labels_of(spec.keyed_by, language) if spec.keyed_by else None
            return format_value(dt.ENUMERATION, key, fmt=placeholder.fmt, labels=labels)
        if placeholder.name == "from":
            return format_date(period.start, language)
        if placeholder.name == "to":
            return _until(period.end, language)
        return format_value(spec.value_kind, value, fmt=placeholder.fmt, language=language)

    return template.render(fill)


def _until(end: datetime.date | None, language: str) -> str:
    return format_date(end, language) if end else word("until further notice", language)


def compile_variable(spec: VariableSpec, rule_set_kinds: Mapping[str, str]) -> Evaluator:
    """Compile a variable's expression to a closure that records its steps on the run."""
    return _compile(spec.expression, rule_set_kinds)


def _recorded(node: Node, inner: Evaluator) -> Evaluator:
    def evaluate(run: _Run) -> Any:
        value = inner(run)
        if run.recording:
            run.steps.append((node, value))
        return value

    return evaluate


_CMP = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


_WHOLE_RESULTS = (dt.INTEGER, dt.MONEY)


def range_checked(node: Node) -> bool:
    """Whether ``node`` computes a new whole number that may leave ``±WHOLE_LIMIT``: ``+``,
    ``-`` and ``*`` of whole numbers or pence, and ``sum`` over members. ``decide`` and the
    vectorised evaluator check exactly these results (and, before a part-pence or other
    fractional value is made whole by ``round``, ``floor``, ``ceil`` or ``//``, that value),
    so they refuse the same cases.

    Nothing else needs a check: every other whole number is an input, a parameter, a
    constant, a checked result, or no larger than one (``-x``, ``abs``, ``//``, ``min``,
    ``max``, a lookup, a choice), and a fraction cannot wrap round until it is made whole.
    """
    vtype = node.vtype
    if vtype is None or vtype.kind not in _WHOLE_RESULTS or not vtype.exact:
        return False
    if isinstance(node, Binary):
        left = node.left.vtype
        return node.op in ("+", "-", "*") and not (left is not None and left.kind == dt.DATE)
    return isinstance(node, Call) and node.function == "sum"


def out_of_range(text: str, value: float) -> str:
    """The message for a computed amount outside ``±WHOLE_LIMIT`` (or not a number)."""
    shown = f"{value:.6g}" if isinstance(value, float) else f"{int(value):,}"
    return (
        f"`{text}` comes to {shown}, beyond the largest whole number the rules hold "
        f"exactly (±{WHOLE_LIMIT:,}); check the inputs and parameters"
    )


def _within(value: float) -> bool:
    # Written so that NaN is outside.
    return -WHOLE_LIMIT <= value <= WHOLE_LIMIT


def _bounded(node: Node, inner: Evaluator) -> Evaluator:
    text = node.text

    def evaluate(run: _Run) -> Any:
        value = inner(run)
        if not _within(value):
            raise RuleEvaluationError(out_of_range(text, value))
        return value

    return evaluate


def _whole(text: str, function: Callable[[Any], int]) -> Callable[[Any], int]:
    """``function`` (a rounding) applied only to a value it can make a whole number of."""

    def rounded(value: Any) -> int:
        if not _within(value):
            raise RuleEvaluationError(out_of_range(text, value))
        return function(value)

    return rounded


def round_half_away(value: float) -> int:
    """Round to a whole number, halves away from zero (£0.5p → 1p), as pence rounding does."""
    if isinstance(value, int):
        return value
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _compile(node: Node, kinds: Mapping[str, str]) -> Evaluator:
    compiled = _compile_node(node, kinds)
    if range_checked(node):
        return _bounded(node, compiled)
    return compiled


def _compile_node(node: Node, kinds: Mapping[str, str]) -> Evaluator:
    if isinstance(node, Literal):
        constant = node.value
        return lambda run: constant
    if isinstance(node, ListLiteral):
        items = [_compile(item, kinds) for item in node.items]
        return lambda run: [item(run) for item in items]
    if isinstance(node, Name):
        name = node.name
        kind = kinds[name]
        if node.per_member and kind == "input":

            def name_value(run: _Run) -> Any:
                run.consulted[name, run.member] = None
                return run.members[run.member][name]
        elif node.per_member:

            def name_value(run: _Run) -> Any:
                run.consulted[name, run.member] = None
                return run.values[name][run.member]
        elif kind == "input":

            def name_value(run: _Run) -> Any:
                run.consulted[name] = None
                return run.inputs[name]
        elif kind == "variable":

            def name_value(run: _Run) -> Any:
                run.consulted[name] = None
                return run.values[name]
        elif kind == "parameter":

            def name_value(run: _Run) -> Any:
                return run.parameter(name)
        else:

            def name_value(run: _Run) -> Any:
                return run.on

        return _recorded(node, name_value)
    if isinstance(node, Lookup):
        table = node.table
        key = _compile(node.key, kinds)
        return _recorded(node, lambda run: run.parameter(table, key(run)))
    if isinstance(node, Unary):
        operand = _compile(node.operand, kinds)
        if node.op == "not":
            return _recorded(node, lambda run: not operand(run))
        return _recorded(node, lambda run: -operand(run))
    if isinstance(node, Conditional):
        condition = _compile(node.condition, kinds)
        if_true = _compile(node.if_true, kinds)
        if_false = _compile(node.if_false, kinds)
        return _recorded(node, lambda run: if_true(run) if condition(run) else if_false(run))
    if isinstance(node, Default):
        return _recorded(node, _default(node, kinds))
    if isinstance(node, Call):
        args = [_compile(arg, kinds) for arg in node.args]
        if node.function in CONVERSIONS:
            numerator, denominator = dt.conversion_steps(node)
            (amount,) = args
            if denominator == 1:
                return _recorded(node, lambda run: amount(run) * numerator)
            return _recorded(node, lambda run: amount(run) * numerator / denominator)
        if node.function == "marginal":
            return _recorded(node, _marginal(node, args))
        if node.function == "bracket":
            scale_of, base_of = args
            return _recorded(node, lambda run: scale_of(run).bracket(base_of(run)))
        if node.function in AGGREGATIONS and len(args) == 1 and node.args[0].per_member:
            return _recorded(node, _aggregation(node.function, args[0]))
        if node.function in ("min", "max"):
            pick = min if node.function == "min" else max
            return _recorded(node, lambda run: pick(arg(run) for arg in args))
        (arg,) = args
        simple: dict[str, Callable[[Any], Any]] = {
            "round": round_half_away,
            "abs": abs,
            "floor": math.floor,
            "ceil": math.ceil,
        }
        function = simple[node.function]
        if node.function != "abs":
            function = _whole(node.text, function)
        return _recorded(node, lambda run: function(arg(run)))
    if isinstance(node, Binary):
        left = _compile(node.left, kinds)
        right = _compile(node.right, kinds)
        op = node.op
        if op == "and":
            return _recorded(node, lambda run: bool(left(run)) and bool(right(run)))
        if op == "or":
            return _recorded(node, lambda run: bool(left(run)) or bool(right(run)))
        if op == "in":
            return _recorded(node, lambda run: left(run) in right(run))
        if op in COMPARISONS:
            compare = _CMP[op]
            return _recorded(node, lambda run: compare(left(run), right(run)))
        assert node.left.vtype is not None
        if op == "-" and node.left.vtype.kind == dt.DATE:
            return _recorded(node, lambda run: (left(run) - right(run)).days)
        if op == "+":
            return _recorded(node, lambda run: left(run) + right(run))
        if op == "-":
            return _recorded(node, lambda run: left(run) - right(run))
        if op == "*":
            return _recorded(node, lambda run: left(run) * right(run))
        integral = _integral(node.left) and _integral(node.right)
        text = node.text

        def divide(run: _Run) -> Any:
            numerator, denominator = left(run), right(run)
            if denominator == 0:
                raise RuleEvaluationError(f"division by zero in `{text}`")
            if op == "/":
                return numerator / denominator
            if integral:
                return numerator // denominator
            quotient = numerator / denominator
            if not _within(quotient):
                raise RuleEvaluationError(out_of_range(text, quotient))
            return math.floor(quotient)

        return _recorded(node, divide)
    raise TypeError(f"cannot compile {node!r}")


def _marginal(node: Call, args: list[Evaluator]) -> Evaluator:
    key = id(node)
    if len(args) == 2:
        scale_of, base_of = args

        def marginal(run: _Run) -> Any:
            scale, base = scale_of(run), base_of(run)
            run.scale_calls[key, run.member] = (scale, base, None)
            return scale.marginal(base)

        return marginal
    scale_of, base_of, above_of = args

    def marginal_above(run: _Run) -> Any:
        scale, base, above = scale_of(run), base_of(run), above_of(run)
        run.scale_calls[key, run.member] = (scale, base, above)
        return scale.marginal(base, above)

    return marginal_above


def band_working(run: _Run, spec: VariableSpec, member: int = -1) -> list[BandWorking]:
    """The slices, band by band, of the marginal() calls ``spec`` made in this run (for
    ``member``, or the group: -1)."""
    working: list[BandWorking] = []
    for item in walk(spec.expression):
        if isinstance(item, Call) and item.function == "marginal":
            call = run.scale_calls.get((id(item), member))
            if call is not None:
                scale, base, above = call
                working.extend(scale.bands(base, above))
    return working


_COMBINE: dict[str, Callable[[list[Any]], Any]] = {
    "sum": sum,
    "count": lambda values: sum(1 for value in values if value),
    "any": any,
    "all": all,
    "min": min,
    "max": max,
}


def _aggregation(function: str, arg: Evaluator) -> Evaluator:
    """``function`` over ``arg``'s value for each member of the group."""
    combine = _COMBINE[function]

    def aggregate(run: _Run) -> Any:
        member, recording = run.member, run.recording
        run.recording = False
        try:
            values = []
            for index in range(len(run.members)):
                run.member = index
                values.append(arg(run))
        finally:
            run.member, run.recording = member, recording
        return combine(values)

    return aggregate


def _default(node: Default, kinds: Mapping[str, str]) -> Evaluator:
    """The general rule unless one exception holds; two holding at once is a conflict."""
    base = _compile(node.base, kinds)
    conditions = [_compile(condition, kinds) for condition in node.conditions]
    values = [_compile(value, kinds) for value in node.values]
    names = node.names

    def default(run: _Run) -> Any:
        held = [index for index, condition in enumerate(conditions) if condition(run)]
        if len(held) > 1:
            both = " and ".join(names[index] for index in held)
            raise RuleEvaluationError(
                f"the exceptions {both} both apply; the rules must say which one wins"
            )
        if held:
            run.applied[run.current] = held[0]
            return values[held[0]](run)
        return base(run)

    return default


def _integral(node: Node) -> bool:
    """Whether the node's values are always Python ints (exact integers or pence)."""
    vtype = node.vtype
    assert vtype is not None
    return vtype.kind in (dt.INTEGER, dt.MONEY) and vtype.exact


def _store(kind: str, value: Any) -> Any:
    if kind in (dt.INTEGER, dt.MONEY):
        return int(value)
    if kind == dt.NUMBER:
        return float(value)
    if kind == dt.BOOLEAN:
        return bool(value)
    return value


# --- decide ------------------------------------------------------------------------------


def decide(
    rule_set: RuleSet,
    inputs: Mapping[str, object],
    on: datetime.date | None = None,
    *,
    period: DecisionPeriod | None = None,
    language: str = "en",
) -> Decision:
    """Apply ``rule_set`` to ``inputs`` as the rules stood on ``on``, or over ``period``,
    explained in ``language`` (``en`` or ``cy``).

    A rule set that does not declare ``language`` among its ``languages`` is explained in
    English (the decision's ``language`` says so): a Welsh page still gets its decision
    while the rules' Welsh is being written.

    Raises ``InputError`` (naming the input) for a missing, unknown or badly typed input
    or a language the engine does not know, ``DateNotCovered`` when the rule set has no
    values for ``on``, ``PeriodNotCovered`` when a parameter changes within ``period`` (or
    it is outside the rules' dates), and ``RuleEvaluationError`` if a rule divides by zero
    for these inputs. Deterministic: the same rule set, inputs, date and language always
    give an equal ``Decision``.
    """
    if language not in LANGUAGES:
        raise InputError("language", f"must be one of {', '.join(LANGUAGES)}, not {language!r}")
    language = language if language in rule_set.languages else "en"
    if period is not None:
        if on is not None:
            raise InputError("period", "give a date (on) or a period, not both")
        check_period(rule_set, period)
        on = period.start
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        raise InputError("on", f"must be a date, not {on!r}")
    if on < rule_set.valid_from or (rule_set.valid_to is not None and on > rule_set.valid_to):
        until = f" to {format_date(rule_set.valid_to)}" if rule_set.valid_to else " onwards"
        raise DateNotCovered(
            f"is {format_date(on)}, but the rules cover {format_date(rule_set.valid_from)}{until}"
        )
    checked, defaulted = check_inputs(rule_set, inputs)
    members = checked.pop(MEMBERS, None)
    run = _Run(rule_set, checked, on, members, language)
    program: Mapping[str, Evaluator] = rule_set.programs["scalar"]
    recorded: dict[str, Any] = {}
    for name in rule_set.order:
        spec = rule_set.variables[name]
        if spec.per_member:
            each, pieces = [], []
            for index in range(len(run.members)):
                value = _evaluate(run, program, name, index)
                each.append(_store(spec.vtype.kind, value))
                pieces.append((run.steps, run.consulted, run.uses))
            run.values[name] = tuple(each)
            recorded[name] = pieces
        else:
            value = _evaluate(run, program, name, -1)
            run.values[name] = _store(spec.vtype.kind, value)
            recorded[name] = (run.steps, run.consulted, run.uses)
    relevant = _relevant(rule_set, recorded)
    sentences: list[str] = []
    uses: dict[tuple[str, str | None], ParameterUse] = {}
    explained: set[str] = set()
    labels = _member_labels(rule_set.group, run.members, language)
    for name in rule_set.order:
        spec = rule_set.variables[name]
        for member in _relevant_members(spec, relevant, len(run.members)):
            sentence = _sentence(rule_set, run, spec, member, labels)
            if sentence:
                sentences.append(sentence)
                explained.add(name)
            piece = recorded[name][member] if spec.per_member else recorded[name]
            uses.update(piece[2])
    for name in rule_set.outputs:
        if name not in explained:
            # Every decision explains at least its outputs, even without a template.
            spec = rule_set.variables[name]
            display = format_value(
                spec.vtype.kind,
                run.values[name],
                labels=spec.labels_in(language),
                language=language,
            )
            sentences.append(f"{spec.label_in(language)}: {display}.")
    if members is not None:
        checked[MEMBERS] = members
    return Decision(
        rule_set_name=rule_set.name,
        rule_set_title=rule_set.title,
        rule_set_version=rule_set.version,
        rule_set_hash=rule_set.content_hash,
        on=on,
        inputs=checked,
        defaults_applied=defaulted,
        values=run.values,
        outputs={name: run.values[name] for name in rule_set.outputs},
        explanation=tuple(sentences),
        parameters=tuple(uses.values()),
        trace=_Traces(rule_set, run, recorded, relevant),
        language=language,
        period=period,
    )


def check_period(rule_set: RuleSet, period: DecisionPeriod) -> None:
    """Refuse a period the rules do not cover, or in which any parameter changes."""
    if not isinstance(period, DecisionPeriod):
        raise InputError("period", f"must be a DecisionPeriod, not {period!r}")
    if period.start < rule_set.valid_from or (
        rule_set.valid_to is not None and period.end > rule_set.valid_to
    ):
        until = f" to {format_date(rule_set.valid_to)}" if rule_set.valid_to else " onwards"
        raise PeriodNotCovered(
            f"is {period.describe()}, but the rules cover {format_date(rule_set.valid_from)}{until}"
        )
    for name, spec in rule_set.parameters.items():
        first = spec.period_on(period.start)
        assert first is not None
        if first.end is not None and first.end < period.end:
            changes = first.end + datetime.timedelta(days=1)
            raise PeriodNotCovered(
                f"is {period.describe()}, but {name} changes within it, on "
                f"{format_date(changes)} ({changes.isoformat()}); decide for the days before "
                "and from that date separately"
            )


def _evaluate(run: _Run, program: Mapping[str, Evaluator], name: str, member: int) -> Any:
    """One variable's value for the group (``member`` -1) or for one member."""
    run.steps, run.consulted, run.uses = [], {}, {}
    run.member = member
    run.current = (name, member)
    try:
        return program[name](run)
    except RuleEvaluationError as error:
        labels = _member_labels(run.rule_set.group, run.members)
        whose = f" for {labels[member]}" if member >= 0 else ""
        raise RuleEvaluationError(f"variable '{name}'{whose}: {error}") from None
    finally:
        run.member = -1


def _member_labels(
    group: GroupSpec | None, members: list[dict[str, Any]], language: str = "en"
) -> tuple[str, ...]:
    if group is None:
        return ()
    return group.member_labels([member[ROLE] for member in members], language)


def _relevant_members(spec: VariableSpec, relevant: set[Any], members: int) -> list[int]:
    """-1 for a relevant group variable; the members for whom a per-member one mattered."""
    if not spec.per_member:
        return [-1] if spec.name in relevant else []
    return [index for index in range(members) if (spec.name, index) in relevant]


class _Traces(Mapping[str, VariableTrace]):
    """Each variable's trace, built when first read.

    Working out the traces (the working, every step shown as text) is three quarters of
    the cost of a decision, and a citizen's page needs only the explanation; a caseworker's
    audit or ``to_dict`` reads them all. Built from the finished run, so the result is the
    same whenever it is read.
    """

    def __init__(
        self,
        rule_set: RuleSet,
        run: _Run,
        recorded: Mapping[str, Any],
        relevant: set[Any],
    ) -> None:
        self._rule_set = rule_set
        self._run = run
        self._recorded = recorded
        self._relevant = relevant
        self._built: dict[str, VariableTrace] = {}

    def __getitem__(self, name: str) -> VariableTrace:
        trace = self._built.get(name)
        if trace is None:
            if name not in self._recorded:
                raise KeyError(name)
            spec = self._rule_set.variables[name]
            trace = _trace(self._rule_set, self._run, spec, self._recorded[name], self._relevant)
            self._built[name] = trace
        return trace

    def __iter__(self) -> Iterator[str]:
        return iter(self._rule_set.order)

    def __len__(self) -> int:
        return len(self._rule_set.order)

    def __repr__(self) -> str:
        return f"<traces of {', '.join(self._rule_set.order)}>"


def check_inputs(
    rule_set: RuleSet, inputs: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Inputs checked against their declarations, with defaults filled in.

    Returns the values and the names that took their default; raises ``InputError``. For
    a rule set with a group, ``inputs[MEMBERS]`` lists each member's inputs (with their
    ``role``) and comes back checked the same way.
    """
    if not isinstance(inputs, Mapping):
        raise InputError("inputs", f"must be a mapping of input names to values, not {inputs!r}")
    group_inputs = {n: s for n, s in rule_set.inputs.items() if not s.per_member}
    for name in inputs:
        if name not in group_inputs and not (rule_set.group is not None and name == MEMBERS):
            expected = ", ".join([*group_inputs, *([MEMBERS] if rule_set.group else [])])
            raise InputError(
                str(name), f"is not an input of {rule_set.name} (its inputs are: {expected})"
            )
    checked, defaulted = _check_values(group_inputs, inputs, "")
    if rule_set.group is not None:
        checked[MEMBERS] = _check_members(rule_set, inputs.get(MEMBERS))
    return checked, defaulted


def _check_values(
    specs: Mapping[str, InputSpec], inputs: Mapping[str, Any], prefix: str
) -> tuple[dict[str, Any], tuple[str, ...]]:
    checked: dict[str, Any] = {}
    defaulted: list[str] = []
    for name, spec in specs.items():
        value = inputs.get(name)
        if value is None:
            if not spec.has_default:
                raise InputError(prefix + name, "is missing")
            checked[name] = spec.default
            defaulted.append(prefix + name)
            continue
        try:
            checked[name] = spec.check(value)
        except ValueError as error:
            raise InputError(prefix + name, str(error)) from None
    return checked, tuple(defaulted)


def _check_members(rule_set: RuleSet, members: object) -> list[dict[str, Any]]:
    group = rule_set.group
    assert group is not None
    if not isinstance(members, (list, tuple)) or not members:
        raise InputError(
            MEMBERS, f"must list the members of the {group.label.lower()} (at least one)"
        )
    specs = {n: s for n, s in rule_set.inputs.items() if s.per_member}
    checked = []
    for index, member in enumerate(members):
        prefix = f"{MEMBERS}[{index}]."
        if not isinstance(member, Mapping):
            raise InputError(f"{MEMBERS}[{index}]", "must be a mapping of input names to values")
        for name in member:
            if name not in specs:
                raise InputError(
                    prefix + str(name),
                    f"is not an input of each {group.member_label.lower()} (they are: "
                    f"{', '.join(specs)})",
                )
        values, _defaulted = _check_values(specs, member, prefix)
        checked.append(values)
    for role in group.roles.values():
        count = sum(1 for member in checked if member[ROLE] == role.name)
        if count < role.minimum:
            raise InputError(MEMBERS, f"needs at least {role.minimum} {role.name} (has {count})")
        if role.maximum is not None and count > role.maximum:
            raise InputError(MEMBERS, f"may have at most {role.maximum} {role.name} (has {count})")
    return checked


def read_input(rule_set: RuleSet, name: str, text: str) -> object:
    """The value of input ``name`` written as text (a form answer, a CSV cell).

    Booleans may be written true/false or yes/no, money as pence or ``£140``, dates as
    ``YYYY-MM-DD``. Raises ``InputError`` naming the input.
    """
    spec = rule_set.inputs.get(name)
    if spec is None:
        raise InputError(name, f"is not an input of {rule_set.name}")
    try:
        return spec.check(parse_text(spec.vtype.kind, text))
    except ValueError as error:
        raise InputError(name, str(error)) from None


def _relevant(rule_set: RuleSet, recorded: Mapping[str, Any]) -> set[Any]:
    """Variables the outputs actually consulted (through the branches taken): group
    variables by name, a member's value by (name, member index)."""
    relevant: set[Any] = set()
    pending: list[Any] = list(rule_set.outputs)
    while pending:
        key = pending.pop()
        if key in relevant:
            continue
        relevant.add(key)
        piece = recorded[key[0]][key[1]] if isinstance(key, tuple) else recorded[key]
        pending.extend(
            c for c in piece[1] if (c[0] if isinstance(c, tuple) else c) in rule_set.variables
        )
    return relevant


def _working_display(kind: str, value: Any) -> str:
    if kind == dt.BOOLEAN:
        return "true" if value else "false"
    if kind == dt.ENUMERATION:
        return format_literal(value)
    return format_value(kind, value)


def _trace(
    rule_set: RuleSet, run: _Run, spec: VariableSpec, recorded: Any, relevant: set[Any]
) -> VariableTrace:
    """One variable's trace; a per-member variable's shows each member's working."""
    kind = spec.vtype.kind
    language = run.language
    shown = spec.labels_in(language)
    if not spec.per_member:
        steps, consulted, uses = recorded
        value = run.values[spec.name]
        working, made, conditions = _working(spec, steps, value)
        return VariableTrace(
            name=spec.name,
            label=spec.label_in(language),
            kind=kind,
            value=value,
            display=format_value(kind, value, labels=shown, language=language),
            expression=spec.expression_text,
            working=working,
            conditions=tuple(conditions),
            steps=tuple(made),
            uses=tuple(c if isinstance(c, str) else c[0] for c in consulted),
            parameters=tuple(uses.values()),
            sentence=_sentence(rule_set, run, spec, -1, ()),
            source=_source_of(run, spec, -1),
            relevant=spec.name in relevant,
            bands=tuple(band_working(run, spec)),
        )
    labels = _member_labels(rule_set.group, run.members, language)
    values = run.values[spec.name]
    workings, all_steps, all_conditions, sentences = [], [], [], []
    names: dict[str, None] = {}
    parameters: dict[tuple[str, str | None], ParameterUse] = {}
    for member, (steps, consulted, uses) in enumerate(recorded):
        working, made, conditions = _working(spec, steps, values[member])
        workings.append(f"{labels[member]}: {working}")
        all_steps.extend(made)
        all_conditions.extend(conditions)
        names.update({(c if isinstance(c, str) else c[0]): None for c in consulted})
        parameters.update(uses)
        sentence = _sentence(rule_set, run, spec, member, labels)
        if sentence:
            sentences.append(sentence)
    return VariableTrace(
        name=spec.name,
        label=spec.label_in(language),
        kind=kind,
        value=values,
        display="; ".join(
            f"{label}: {format_value(kind, value, labels=shown, language=language)}"
            for label, value in zip(labels, values, strict=True)
        ),
        expression=spec.expression_text,
        working="; ".join(workings),
        conditions=tuple(all_conditions),
        steps=tuple(all_steps),
        uses=tuple(names),
        parameters=tuple(parameters.values()),
        sentence=" ".join(sentences) or None,
        source=spec.source,
        relevant=any((spec.name, member) in relevant for member in range(len(values))),
    )


def _source_of(run: _Run, spec: VariableSpec, member: int) -> Source | None:
    """The citation of the rule that gave the value: an exception's when one applied."""
    applied = run.applied.get((spec.name, member))
    if applied is not None and spec.exceptions[applied].source is not None:
        return spec.exceptions[applied].source
    return spec.source


def _working(
    spec: VariableSpec, steps: list[tuple[Node, Any]], value: Any
) -> tuple[str, list[Step], list[Step]]:
    """The expression with values in place of names, following the branches taken."""
    kind = spec.vtype.kind
    seen = {id(node): val for node, val in steps}
    made: list[Step] = []
    conditions: list[Step] = []
    for node, val in steps:
        assert node.vtype is not None
        step = Step(node.text, val, _working_display(node.vtype.kind, val))
        made.append(step)
        if node.vtype.kind == dt.BOOLEAN and not isinstance(node, Conditional):
            conditions.append(step)

    def substitute(node: Node) -> str | None:
        if isinstance(node, Name) and node.vtype is not None and node.vtype.kind == dt.SCALE:
            return node.name
        if isinstance(node, (Name, Lookup)) and id(node) in seen:
            assert node.vtype is not None
            return _working_display(node.vtype.kind, seen[id(node)])
        if (
            isinstance(node, Call)
            and node.function in AGGREGATIONS
            and id(node) in seen
            and node.args[0].per_member
            and not node.per_member
        ):
            assert node.vtype is not None
            return f"{node.text} [{_working_display(node.vtype.kind, seen[id(node)])}]"
        if isinstance(node, Conditional) and id(node.condition) in seen:
            branch = node.if_true if seen[id(node.condition)] else node.if_false
            text = render(branch, substitute)
            simple = isinstance(branch, (Name, Lookup, Literal, Call))
            return text if simple else f"({text})"
        return None

    top = spec.expression
    if isinstance(top, Default):
        held = [index for index, condition in enumerate(top.conditions) if seen.get(id(condition))]
        top = top.values[held[0]] if held else top.base
    while isinstance(top, Conditional) and id(top.condition) in seen:
        top = top.if_true if seen[id(top.condition)] else top.if_false
    working = render(top, substitute)
    display = _working_display(kind, value)
    if working != display:
        working = f"{working} = {display}"
    return working, made, conditions


def _sentence(
    rule_set: RuleSet, run: _Run, spec: VariableSpec, member: int, labels: tuple[str, ...]
) -> str | None:
    value = run.values[spec.name] if member < 0 else run.values[spec.name][member]
    language = run.language
    template: Template | None = spec.explain_in(language)
    applied = run.applied.get((spec.name, member))
    if applied is not None and spec.exceptions[applied].explain_in(language) is not None:
        template = spec.exceptions[applied].explain_in(language)
    elif spec.vtype.kind == dt.BOOLEAN and not value:
        template = spec.otherwise_in(language)
    if template is None:
        return None
    return template.render(lambda placeholder: _fill(rule_set, run, placeholder, member, labels))


def _fill(
    rule_set: RuleSet, run: _Run, placeholder: Placeholder, member: int, labels: tuple[str, ...]
) -> str:
    name = placeholder.name
    language = run.language
    if name == "decision_date":
        return format_date(run.on, language)
    if name == "member" and member >= 0 and rule_set.group is not None:
        return labels[member]
    if name in rule_set.parameters:
        spec: ParameterSpec = rule_set.parameters[name]
        period = spec.period_on(run.on)
        assert period is not None
        if placeholder.attribute == "from":
            return format_date(period.start, language)
        if placeholder.attribute == "to":
            return _until(period.end, language)
        return format_value(spec.value_kind, period.value, fmt=placeholder.fmt, language=language)
    if placeholder.fmt == "bands":
        working = band_working(run, rule_set.variables[name], member)
        return "; ".join(band.describe(language) for band in working) or word("nothing", language)
    if rule_set.per_member(name):
        value = run.values[name][member] if name in run.values else run.members[member][name]
    else:
        value = run.values[name] if name in run.values else run.inputs[name]
    return format_value(
        rule_set.kind_of_value(name),
        value,
        fmt=placeholder.fmt,
        labels=rule_set.labels_of(name, language),
        language=language,
    )
