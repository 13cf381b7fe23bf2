"""Expressions over a citizen's answers: route conditions, computed values, cross-field checks.

The same language as the rules (``expressions.parse``: rule-engine's grammar read into our
own tree, never Python ``eval``), in a dialect for forms (decision record 0019):

- names are answers (typed by their question: text, a choice, a number, money in pence, a
  date, a time, yes/no as true or false, checkboxes as a list of text, a repeating group as
  a list of records), derived values, computed values, and ``today``;
- functions for forms: ``is_given``, ``age_on``, ``days_between``, ``minutes_between``,
  ``count``, ``sum``, ``any``, ``all``, ``includes`` and ``rule``, beside the rules' own
  ``min``, ``max``, ``round``, ``floor``, ``ceil`` and ``abs``;
- an answer that was not given is *missing*. A comparison or a sum of something missing is
  missing too; ``and``/``or`` follow three-valued logic (``false and missing`` is false,
  ``true or missing`` is true); ``is_given(x)`` says whether ``x`` has a value; a division
  by zero is missing. A condition holds only when it is true, and a check fails only when it
  is false, so an expression never raises while a citizen answers.

Contract: ``compile_expression(text, symbols)`` parses, type-checks and compiles ``text``
once (when a service version is built) and returns a ``CompiledExpression``, or raises
``ExpressionProblem``; ``CompiledExpression.evaluate`` runs it over typed values without
parsing anything.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from civitas.rules import datatypes as dt
from civitas.rules.datatypes import TypeMismatch, ValueType
from civitas.rules.expressions import (
    COMPARISONS,
    Binary,
    Call,
    Conditional,
    ExpressionSyntaxError,
    ListLiteral,
    Literal,
    Lookup,
    Name,
    Node,
    Unary,
    parse,
)

MAX_LENGTH = 1000
"""The longest expression a definition may hold, in characters."""
MAX_DEPTH = 30
"""The deepest nesting of operations an expression may have."""

FUNCTIONS: Mapping[str, str] = {
    "is_given": "is_given(x): whether x has a value (a list: whether it has any item)",
    "age_on": "age_on(date_of_birth, date): age in whole years on the date",
    "days_between": "days_between(a, b): days from date a to date b",
    "minutes_between": "minutes_between(a, b): minutes from time a to time b",
    "add_days": "add_days(date, n): the date n days later (earlier for a negative n)",
    "add_months": "add_months(date, n): the date n calendar months later (the month's last "
    "day when it is shorter)",
    "count": "count(list) or count(items, condition): how many (that meet the condition)",
    "sum": "sum(items, value): the total of a value over a repeating group's items",
    "any": "any(items, condition): whether the condition holds for some item",
    "all": "all(items, condition): whether the condition holds for every item",
    "includes": "includes(list, value): whether a checkbox answer includes a value",
    "rule": 'rule("name"): a value the service\'s rules decide',
    "min": "min(a, b, ...)",
    "max": "max(a, b, ...)",
    "round": "round(x): to a whole number, halves away from zero",
    "floor": "floor(x)",
    "ceil": "ceil(x)",
    "abs": "abs(x)",
}
BUILTINS: Mapping[str, ValueType] = {"today": ValueType(dt.DATE)}
"""Names every expression may use: ``today`` is the date of the request."""

TEXT_TYPE = ValueType(dt.TEXT)
INTEGER_TYPE = ValueType(dt.INTEGER)
NUMBER_TYPE = ValueType(dt.NUMBER, exact=False)
MONEY_TYPE = ValueType(dt.MONEY)
DATE_TYPE = ValueType(dt.DATE)
TIME_TYPE = ValueType(dt.TIME)
BOOLEAN_TYPE = ValueType(dt.BOOLEAN)


def choice_type(values: Sequence[str]) -> ValueType:
    """One of the given option values (radios, select)."""
    return ValueType(dt.ENUMERATION, frozenset(values))


def list_type(element: ValueType) -> ValueType:
    """A list (checkboxes: of option values; a repeating group: of records)."""
    return ValueType(dt.LIST, element=element)


def record_type(fields: Mapping[str, ValueType]) -> ValueType:
    """One item of a repeating group: its answers by name."""
    return ValueType(dt.RECORD, fields=tuple(fields.items()))


class _Missing:
    """The value of an answer not given (see the module's docstring)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "missing"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


class ExpressionProblem(Exception):
    """An expression that cannot be used: a syntax error, an unknown name, a type error.

    ``offset`` is the 0-based character position of a syntax error when known; ``name`` the
    unknown name, when that is the problem.
    """

    def __init__(self, message: str, *, offset: int | None = None, name: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.name = name


RuleValue = Callable[[str], object]
"""The value of one of the rules' variables for the answers, or None when undecided."""


class _Scope:
    __slots__ = ("items", "rule", "today", "values")

    def __init__(
        self,
        values: Mapping[str, object],
        today: datetime.date,
        rule: RuleValue | None,
        items: tuple[Mapping[str, object], ...] = (),
    ) -> None:
        self.values = values
        self.today = today
        self.rule = rule
        self.items = items

    def inside(self, item: object) -> _Scope:
        record = item if isinstance(item, Mapping) else {}
        return _Scope(self.values, self.today, self.rule, (*self.items, record))


Run = Callable[[_Scope], object]


@dataclass(frozen=True)
class CompiledExpression:
    """A parsed, type-checked expression, ready to evaluate many times."""

    text: str
    vtype: ValueType
    names: frozenset[str]
    """The answers and computed values it reads (not the fields inside ``any``/``sum``)."""
    rules: frozenset[str] = frozenset()
    """The rules' variables it reads with ``rule(...)``."""
    _run: Run = field(repr=False, compare=False, default=lambda scope: MISSING)

    def evaluate(
        self,
        values: Mapping[str, object],
        *,
        today: datetime.date,
        rule: RuleValue | None = None,
    ) -> object:
        """The value over ``values`` (typed answers by name; absent or None is missing):
        a value of ``vtype``, or ``MISSING``. Never raises for any values of the right types."""
        return self._run(_Scope(values, today, rule))

    def holds(
        self, values: Mapping[str, object], *, today: datetime.date, rule: RuleValue | None = None
    ) -> bool:
        """Whether a condition is true (not false, not missing)."""
        return self.evaluate(values, today=today, rule=rule) is True

    def fails(
        self, values: Mapping[str, object], *, today: datetime.date, rule: RuleValue | None = None
    ) -> bool:
        """Whether a check is false (a missing answer does not fail a check)."""
        return self.evaluate(values, today=today, rule=rule) is False


def compile_expression(
    text: str,
    symbols: Mapping[str, ValueType],
    *,
    rules: Mapping[str, ValueType] | None = None,
    unavailable: Mapping[str, str] | None = None,
    boolean: bool = False,
) -> CompiledExpression:
    """Parse, check and compile ``text`` over the names in ``symbols``.

    ``rules`` are the rules' variables ``rule("...")`` may name; ``unavailable`` names that
    exist but cannot be used here, with why (an answer asked on a later page); ``boolean``
    requires a true-or-false result (a condition or a check).
    """
    if not isinstance(text, str):
        raise ExpressionProblem("an expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionProblem(
            f"the expression is {len(text)} characters long; the most is {MAX_LENGTH}"
        )
    try:
        node = parse(text)
    except ExpressionSyntaxError as error:
        message = error.message.replace("cannot be used in rules", "cannot be used here")
        raise ExpressionProblem(message, offset=error.offset) from None
    except RecursionError:
        raise ExpressionProblem(_too_deep()) from None
    if _depth(node) > MAX_DEPTH:
        raise ExpressionProblem(_too_deep())
    compiler = _Compiler(symbols, rules or {}, unavailable or {})
    vtype, run = compiler.compile(node, ())
    if boolean and vtype.kind != dt.BOOLEAN:
        raise ExpressionProblem(
            f"a condition must be true or false, but `{node.text}` is {vtype.describe()}"
        )
    return CompiledExpression(
        text=text,
        vtype=vtype,
        names=frozenset(compiler.names),
        rules=frozenset(compiler.rules_used),
        _run=run,
    )


def _too_deep() -> str:
    return f"the expression is nested too deeply (at most {MAX_DEPTH} levels)"


def _depth(node: Node) -> int:
    deepest = 0
    stack = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in item.children())
    return deepest


def format_expression_value(vtype: ValueType, value: object) -> str:
    """A computed value as staff read it: money in pounds, dates written out, yes or no."""
    from civitas.rules.values import format_value

    if value is MISSING or value is None:
        return ""
    if isinstance(value, Decimal):
        value = float(value)
    if vtype.kind == dt.TIME and isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if vtype.kind == dt.LIST and isinstance(value, (list, tuple)):
        element = vtype.element or TEXT_TYPE
        return ", ".join(format_expression_value(element, item) for item in value)
    if vtype.kind == dt.MONEY and isinstance(value, (int, float)):
        return format_value(dt.MONEY, round(value) if vtype.exact else value)
    return format_value(vtype.kind, value)


_TEXTS = frozenset({dt.TEXT, dt.ENUMERATION})
_ORDERED = frozenset({*dt.NUMERIC_KINDS, dt.DATE, dt.TIME})


def _fail(node: Node, reason: str) -> ExpressionProblem:
    return ExpressionProblem(f"type error in `{node.text}`: {reason}")


def _number(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)  # type: ignore[arg-type]


def _whole(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


class _Compiler:
    """Types each node and builds the closure that evaluates it, in one pass."""

    def __init__(
        self,
        symbols: Mapping[str, ValueType],
        rules: Mapping[str, ValueType],
        unavailable: Mapping[str, str],
    ) -> None:
        self.symbols = symbols
        self.rules = rules
        self.unavailable = unavailable
        self.names: set[str] = set()
        self.rules_used: set[str] = set()

    def compile(self, node: Node, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        vtype, run = self._compile(node, items)
        node.vtype = vtype
        return vtype, run

    def _compile(self, node: Node, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, Name):
            return self._name(node, items)
        if isinstance(node, ListLiteral):
            return self._list(node, items)
        if isinstance(node, Unary):
            return self._unary(node, items)
        if isinstance(node, Conditional):
            return self._conditional(node, items)
        if isinstance(node, Binary):
            return self._binary(node, items)
        if isinstance(node, Call):
            return self._call(node, items)
        if isinstance(node, Lookup):
            raise ExpressionProblem(f"`{node.text}`: item lookups ([...]) cannot be used here")
        raise ExpressionProblem(f"`{node.text}` cannot be used here")

    # Leaves

    def _literal(self, node: Literal) -> tuple[ValueType, Run]:
        value: object = node.value
        if isinstance(value, float):
            value = Decimal(repr(value))
        return dt.literal_of(node.value), lambda scope: value

    def _name(self, node: Name, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        name = node.name
        for level in range(len(items) - 1, -1, -1):
            fields = dict(items[level].fields or ())
            if name in fields:
                vtype = fields[name]
                blank: object = () if vtype.kind == dt.LIST else MISSING

                def field_value(scope: _Scope, level: int = level, blank: object = blank) -> object:
                    value = scope.items[level].get(name)
                    return blank if value is None or value is MISSING else value

                return vtype, field_value
        if name in BUILTINS:
            return BUILTINS[name], lambda scope: scope.today
        if name in self.symbols:
            self.names.add(name)
            vtype = self.symbols[name]
            empty = () if vtype.kind == dt.LIST else MISSING

            def value_of(scope: _Scope) -> object:
                value = scope.values.get(name)
                return empty if value is None or value is MISSING else value

            return vtype, value_of
        if name in self.unavailable:
            raise ExpressionProblem(self.unavailable[name], name=name)
        known = [*self.symbols, *BUILTINS, *(f for item in items for f, _ in item.fields or ())]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ExpressionProblem(f"unknown name '{name}'{hint}", name=name)

    def _list(self, node: ListLiteral, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        if not node.items:
            raise _fail(node, "an empty list can never contain anything")
        compiled = [self.compile(item, items) for item in node.items]
        element = compiled[0][0]
        for vtype, _ in compiled[1:]:
            element = self._common(node, element, vtype)
        runs = [run for _, run in compiled]
        return ValueType(dt.LIST, element=element, literal=True), lambda scope: tuple(
            run(scope) for run in runs
        )

    # Operators

    def _unary(self, node: Unary, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        vtype, run = self.compile(node.operand, items)
        if node.op == "not":
            self._require(node, vtype, dt.BOOLEAN, "not")

            def negation(scope: _Scope) -> object:
                value = run(scope)
                return MISSING if value is MISSING else not value

            return BOOLEAN_TYPE, negation
        if not vtype.is_numeric:
            raise _fail(node, f"cannot negate {vtype.describe()}")

        def minus(scope: _Scope) -> object:
            value = run(scope)
            return MISSING if value is MISSING else -value  # type: ignore[operator]

        return vtype, minus

    def _conditional(
        self, node: Conditional, items: tuple[ValueType, ...]
    ) -> tuple[ValueType, Run]:
        ctype, condition = self.compile(node.condition, items)
        if ctype.kind != dt.BOOLEAN:
            raise _fail(node, f"the condition `{node.condition.text}` is not true or false")
        ttype, if_true = self.compile(node.if_true, items)
        ftype, if_false = self.compile(node.if_false, items)
        vtype = self._common(node, ttype, ftype)

        def choose(scope: _Scope) -> object:
            test = condition(scope)
            if test is MISSING:
                return MISSING
            return if_true(scope) if test else if_false(scope)

        return vtype, choose

    def _binary(self, node: Binary, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        ltype, left = self.compile(node.left, items)
        rtype, right = self.compile(node.right, items)
        op = node.op
        if op in ("and", "or"):
            self._require(node, ltype, dt.BOOLEAN, op)
            self._require(node, rtype, dt.BOOLEAN, op)
            return BOOLEAN_TYPE, _logical(op == "and", left, right)
        if op == "in":
            if rtype.kind != dt.LIST:
                raise _fail(node, f"`in` needs a list on its right, not {rtype.describe()}")
            assert rtype.element is not None
            self._common(node, ltype, rtype.element)
            self._check_choice_literal(node, ltype, rtype.element, node.left)
            return BOOLEAN_TYPE, _strict(lambda a, b: a in b, left, right)
        if op in COMPARISONS:
            self._check_choice_literal(node, ltype, rtype, node.left)
            self._check_choice_literal(node, rtype, ltype, node.right)
            common = self._common(node, ltype, rtype)
            if op not in ("==", "!=") and common.kind not in _ORDERED:
                raise _fail(
                    node,
                    f"`{op}` compares numbers, amounts, dates or times, not {common.describe()}",
                )
            if common.kind == dt.RECORD:
                raise _fail(node, "records cannot be compared")
            return BOOLEAN_TYPE, _strict(_COMPARE[op], left, right)
        return self._arithmetic(node, ltype, rtype, left, right)

    def _arithmetic(
        self, node: Binary, ltype: ValueType, rtype: ValueType, left: Run, right: Run
    ) -> tuple[ValueType, Run]:
        op = node.op
        if dt.DATE in (ltype.kind, rtype.kind):
            if op == "-" and ltype.kind == rtype.kind == dt.DATE:
                return INTEGER_TYPE, _strict(lambda a, b: (a - b).days, left, right)
            raise _fail(
                node,
                f"cannot use `{op}` with {ltype.describe()} and {rtype.describe()}; dates can "
                "be compared, subtracted, or used with age_on() and days_between()",
            )
        for side in (ltype, rtype):
            if not side.is_numeric:
                raise _fail(node, f"`{op}` needs numbers or amounts, not {side.describe()}")
        try:
            if op in ("+", "-"):
                vtype = dt.unify(ltype, rtype)
            elif op == "*":
                vtype = dt.multiply(ltype, rtype)
            elif op == "/":
                vtype = dt.divide(ltype, rtype)
            else:
                vtype = dt.whole(dt.divide(ltype, rtype))
        except TypeMismatch as error:
            raise _fail(node, str(error)) from None
        return vtype, _strict(_ARITHMETIC[op], left, right)

    # Functions

    def _call(self, node: Call, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        name = node.function
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ExpressionProblem(
                f"unknown function '{name}'{hint}; the functions are {', '.join(FUNCTIONS)}",
                name=name,
            )
        if name == "rule":
            return self._rule(node)
        if name in ("count", "sum", "any", "all"):
            return self._over_items(node, items)
        args = [self.compile(arg, items) for arg in node.args]
        types = [vtype for vtype, _ in args]
        runs = [run for _, run in args]
        if name == "is_given":
            self._arity(node, args, 1)
            run = runs[0]

            def given(scope: _Scope) -> object:
                value = run(scope)
                if isinstance(value, (tuple, list)):
                    return bool(value)
                return value is not MISSING

            return BOOLEAN_TYPE, given
        if name in ("age_on", "days_between", "minutes_between"):
            self._arity(node, args, 2)
            kind = dt.TIME if name == "minutes_between" else dt.DATE
            for vtype in types:
                if vtype.kind != kind:
                    raise _fail(node, f"{name}() takes two {kind}s, not {vtype.describe()}")
            return INTEGER_TYPE, _strict(_DATES[name], *runs)
        if name in ("add_days", "add_months"):
            self._arity(node, args, 2)
            if types[0].kind != dt.DATE:
                raise _fail(node, f"{name}() needs a date first, not {types[0].describe()}")
            if types[1].kind != dt.INTEGER:
                raise _fail(node, f"{name}() adds a whole number, not {types[1].describe()}")
            return DATE_TYPE, _strict(_DATES[name], *runs)
        if name == "includes":
            self._arity(node, args, 2)
            if types[0].kind != dt.LIST:
                raise _fail(node, f"includes() needs a list first, not {types[0].describe()}")
            assert types[0].element is not None
            self._common(node, types[0].element, types[1])
            self._check_choice_literal(node, types[0].element, types[1], node.args[0])
            return BOOLEAN_TYPE, _strict(lambda found, value: value in found, *runs)
        if name in ("min", "max"):
            if len(args) < 2:
                raise _fail(node, f"{name}() needs at least two values")
            common = types[0]
            for vtype in types[1:]:
                common = self._common(node, common, vtype)
            if common.kind not in _ORDERED:
                raise _fail(node, f"{name}() compares numbers, amounts, dates or times")
            pick = min if name == "min" else max
            return common, _strict(lambda *values: pick(values), *runs)
        self._arity(node, args, 1)
        if not types[0].is_numeric:
            raise _fail(node, f"{name}() needs a number or amount, not {types[0].describe()}")
        if name == "abs":
            return types[0], _strict(abs, runs[0])
        rounding = {"round": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}[name]
        return dt.whole(types[0]), _strict(
            lambda value: int(_number(value).to_integral_value(rounding)), runs[0]
        )

    def _rule(self, node: Call) -> tuple[ValueType, Run]:
        argument = node.args[0] if len(node.args) == 1 else None
        if not (isinstance(argument, Literal) and isinstance(argument.value, str)):
            raise _fail(node, 'rule() takes the name of a value the rules decide, like rule("fee")')
        name = argument.value
        if name not in self.rules:
            known = ", ".join(self.rules) or "none: the service has no rules"
            raise ExpressionProblem(
                f"rule(\"{name}\"): the rules decide no value called '{name}' (they decide: "
                f"{known})",
                name=name,
            )
        self.rules_used.add(name)

        def decided(scope: _Scope) -> object:
            value = scope.rule(name) if scope.rule is not None else None
            return MISSING if value is None else value

        return self.rules[name], decided

    def _over_items(self, node: Call, items: tuple[ValueType, ...]) -> tuple[ValueType, Run]:
        name = node.function
        if not node.args:
            raise _fail(node, f"{name}() needs a list")
        ltype, source = self.compile(node.args[0], items)
        if ltype.kind != dt.LIST:
            raise _fail(node, f"{name}() needs a list first, not {ltype.describe()}")
        if name == "count" and len(node.args) == 1:
            return INTEGER_TYPE, lambda scope: len(_items(source(scope)))
        if len(node.args) != 2:
            raise _fail(node, f"{name}() takes a list and an expression for each item")
        assert ltype.element is not None
        if ltype.element.kind != dt.RECORD:
            raise _fail(node, f"{name}(items, ...) needs a repeating group's items")
        etype, each = self.compile(node.args[1], (*items, ltype.element))
        if name == "sum":
            if not etype.is_numeric:
                raise _fail(node, f"sum() adds numbers or amounts, not {etype.describe()}")

            def total(scope: _Scope) -> object:
                amount: object = 0
                for item in _items(source(scope)):
                    value = each(scope.inside(item))
                    if value is not MISSING:
                        amount = _ARITHMETIC["+"](amount, value)
                return amount

            return ValueType(etype.kind, exact=etype.exact), total
        if etype.kind != dt.BOOLEAN:
            raise _fail(node, f"{name}() needs a condition for each item, not {etype.describe()}")

        def results(scope: _Scope) -> list[object]:
            return [each(scope.inside(item)) for item in _items(source(scope))]

        if name == "count":
            return INTEGER_TYPE, lambda scope: sum(1 for r in results(scope) if r is True)
        wanted = name == "any"

        def quantified(scope: _Scope) -> object:
            found = results(scope)
            if wanted in found:
                return wanted
            return MISSING if MISSING in found else not wanted

        return BOOLEAN_TYPE, quantified

    # Types

    @staticmethod
    def _arity(node: Call, args: Sequence[object], count: int) -> None:
        if len(args) != count:
            values = "one value" if count == 1 else f"{count} values"
            raise _fail(node, f"{node.function}() takes {values}")

    @staticmethod
    def _require(node: Node, vtype: ValueType, kind: str, operator: str) -> None:
        if vtype.kind != kind:
            raise _fail(node, f"`{operator}` needs true-or-false values, not {vtype.describe()}")

    @staticmethod
    def _common(node: Node, a: ValueType, b: ValueType) -> ValueType:
        if a.kind in _TEXTS and b.kind in _TEXTS:
            if a.kind == b.kind == dt.ENUMERATION:
                return dt.unify(a, b)
            return ValueType(dt.TEXT, literal=a.literal and b.literal)
        if a.kind == b.kind and a.kind in (dt.TIME, dt.RECORD):
            return a
        if a.kind == b.kind == dt.LIST:
            assert a.element is not None
            assert b.element is not None
            return ValueType(dt.LIST, element=_Compiler._common(node, a.element, b.element))
        try:
            return dt.unify(a, b)
        except TypeMismatch as error:
            raise _fail(node, str(error)) from None

    @staticmethod
    def _check_choice_literal(node: Node, choice: ValueType, other: ValueType, side: Node) -> None:
        """A choice compared with a value none of its options has is a mistake we can see."""
        if choice.kind != dt.ENUMERATION or choice.literal or not other.literal:
            return
        missing = sorted((other.values or frozenset()) - (choice.values or frozenset()))
        if missing:
            allowed = ", ".join(f'"{v}"' for v in sorted(choice.values or ()))
            raise _fail(node, f'`{side.text}` is never "{missing[0]}"; its values are {allowed}')


def _items(value: object) -> Sequence[object]:
    """A list's items; none for a missing list (a repeating group with no items)."""
    return value if isinstance(value, (list, tuple)) else ()


def _logical(is_and: bool, left: Run, right: Run) -> Run:
    # Three-valued: the side that settles the answer wins over a missing one.
    settles = not is_and

    def run(scope: _Scope) -> object:
        first = left(scope)
        if first is settles:
            return settles
        second = right(scope)
        if second is settles:
            return settles
        if first is MISSING or second is MISSING:
            return MISSING
        return not settles

    return run


def _strict(function: Callable[..., object], *runs: Run) -> Run:
    """Applies ``function`` to the operands' values; missing if any is missing, or if the
    operation cannot be done (a division by zero)."""

    def run(scope: _Scope) -> object:
        values = [each(scope) for each in runs]
        if any(value is MISSING for value in values):
            return MISSING
        try:
            return function(*values)
        except (ArithmeticError, InvalidOperation, ValueError, OverflowError, TypeError):
            return MISSING

    return run


def _divide(a: object, b: object) -> object:
    return _whole(_number(a) / _number(b))


def _floor_divide(a: object, b: object) -> object:
    return int((_number(a) / _number(b)).to_integral_value(ROUND_FLOOR))


def _add(a: object, b: object) -> object:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _whole(_number(a) + _number(b))
    return a + b  # type: ignore[operator]


def _subtract(a: object, b: object) -> object:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _whole(_number(a) - _number(b))
    return a - b  # type: ignore[operator]


def _multiply(a: object, b: object) -> object:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _whole(_number(a) * _number(b))
    return a * b  # type: ignore[operator]


_ARITHMETIC: Mapping[str, Callable[[object, object], object]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "//": _floor_divide,
}
_COMPARE: Mapping[str, Callable[[object, object], object]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _minutes_between(a: datetime.time, b: datetime.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


_DATES: Mapping[str, Callable[..., object]] = {
    "add_days": lambda day, days: day + datetime.timedelta(days=int(days)),
    "add_months": _add_months,
    "age_on": _age_on,
    "days_between": lambda a, b: (b - a).days,
    "minutes_between": _minutes_between,
}
