"""The value types of the rules language and the rules for combining them.

Rule authors declare the type of every input, parameter and variable, so each expression
can be checked on its own against those declarations. The checker (``typecheck``) uses the
combination rules here; the evaluators rely on the guarantees they give (for example that a
``money`` variable always holds a whole number of pence).

Money is counted in pence. An amount multiplied by a rate may hold a fraction of a penny
while it is being calculated; such a value is *inexact* and must be rounded with
``round``, ``floor`` or ``ceil`` before it can be stored in a money variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

BOOLEAN = "boolean"
INTEGER = "integer"
MONEY = "money"
NUMBER = "number"
DATE = "date"
ENUMERATION = "enumeration"
TABLE = "table"
LIST = "list"
# Kinds only the service-definition dialect uses (see ``answer_expressions``): free text,
# a time of day, and one item of a repeating group (a record of named answers).
TEXT = "text"
TIME = "time"
RECORD = "record"
# A parameter of brackets (tax bands), used only through marginal() and bracket().
SCALE = "scale"

NUMERIC_KINDS = frozenset({INTEGER, MONEY, NUMBER})


class TypeMismatch(Exception):
    """Two types cannot be combined; the message says why in the rule author's terms."""


@dataclass(frozen=True)
class ValueType:
    """The static type of a value or expression.

    ``values`` holds the allowed values of an enumeration and the keys of a table.
    ``exact`` is false for numbers that may hold a fraction (rates, part-pence amounts).
    ``literal`` marks a constant written in an expression: ``0`` next to a money amount
    is money, and ``"C"`` next to a band is a band.
    ``element`` is the value type of a table and the item type of a list.
    """

    kind: str
    values: frozenset[str] | None = None
    exact: bool = True
    literal: bool = False
    element: ValueType | None = None
    fields: tuple[tuple[str, ValueType], ...] | None = None
    """The named values of a record, in order (``record`` only)."""
    scale: str | None = None
    """``marginal`` or ``bracket`` (``scale`` only); ``element`` is what a bracket gives:
    a rate (number) or an amount (money)."""
    period: str | None = None
    """``week``, ``month`` or ``year`` for an amount declared per period (see ``PERIODS``)."""

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def describe(self) -> str:
        """Name the type the way an error message should, e.g. ``money`` or ``date``."""
        if self.kind == ENUMERATION and self.literal and self.values and len(self.values) == 1:
            return f'the text "{next(iter(self.values))}"'
        if self.kind == MONEY and not self.exact:
            return "money (possibly part-pence)"
        if self.kind == SCALE:
            return f"a {self.scale} scale"
        if self.period is not None and self.kind in NUMERIC_KINDS:
            return f"{ValueType(self.kind, exact=self.exact).describe()} per {self.period}"
        if self.kind == TABLE and self.element is not None:
            return f"a table of {self.element.describe()}"
        if self.kind == LIST and self.element is not None:
            if self.element.kind == RECORD:
                return "a list of records"
            return f"a list of {self.element.describe()}"
        return self.kind


def declared(
    kind: str, values: frozenset[str] | None = None, period: str | None = None
) -> ValueType:
    """The type of a declared input, parameter or variable of ``kind`` (an amount may be
    declared ``period``: per week, month or year)."""
    return ValueType(kind, values if kind == ENUMERATION else None, kind != NUMBER, period=period)


PERIODS = ("week", "month", "year")
WEEKS_IN = {"week": Fraction(1), "month": Fraction(52, 12), "year": Fraction(52)}
"""How many weeks each period is: a year is 52 weeks and a month is 52/12 weeks, as
means-tested benefits convert (Housing Benefit Regulations 2006 reg. 33; the prescribed
council tax reduction schemes, SI 2012/2885 and 2012/2886, the same way). So a year is
12 months, a monthly amount is 12/52 of a yearly one a week, and a weekly amount is
52/12 of it a month."""


def conversion(source: str, target: str) -> Fraction:
    """The factor that turns an amount per ``source`` into the amount per ``target``."""
    return WEEKS_IN[target] / WEEKS_IN[source]


def conversion_steps(node: Any) -> tuple[int, int]:
    """For a checked ``per_year(x)`` (or per_week, per_month) call: x is multiplied by the
    first number and divided by the second, the same two steps in both evaluators."""
    source = node.args[0].vtype
    target = node.vtype
    assert source is not None
    assert target is not None
    assert source.period is not None
    assert target.period is not None
    factor = conversion(source.period, target.period)
    return factor.numerator, factor.denominator


def literal_of(value: object) -> ValueType:
    """The type of a constant written in an expression."""
    import datetime

    if isinstance(value, bool):
        return ValueType(BOOLEAN, literal=True)
    if isinstance(value, int):
        return ValueType(INTEGER, literal=True)
    if isinstance(value, float):
        return ValueType(NUMBER, exact=False, literal=True)
    if isinstance(value, str):
        return ValueType(ENUMERATION, frozenset({value}), literal=True)
    if isinstance(value, datetime.date):
        return ValueType(DATE, literal=True)
    raise TypeError(f"no rules type for {value!r}")


def unify(a: ValueType, b: ValueType) -> ValueType:
    """The common type of two values that are added, compared or chosen between.

    Raises ``TypeMismatch`` when they have none, e.g. money and a date.
    """
    literal = a.literal and b.literal
    if a.kind == b.kind:
        if a.kind == ENUMERATION:
            return ValueType(
                ENUMERATION, (a.values or frozenset()) | (b.values or frozenset()), literal=literal
            )
        if a.kind == LIST:
            assert a.element is not None
            assert b.element is not None
            return ValueType(LIST, element=unify(a.element, b.element), literal=literal)
        return ValueType(a.kind, exact=a.exact and b.exact, literal=literal)
    if a.is_numeric and b.is_numeric:
        exact = a.exact and b.exact
        if a.literal != b.literal:
            # A constant takes the type of the value it is combined with: `fee + 500`.
            kind = b.kind if a.literal else a.kind
        elif MONEY in (a.kind, b.kind):
            other = b if a.kind == MONEY else a
            raise TypeMismatch(
                f"cannot combine money with {other.describe()}: money is an amount in pence; "
                "multiply it by a count or a rate instead"
            )
        else:
            kind = NUMBER
        if kind == INTEGER and not exact:
            kind = NUMBER
        return ValueType(kind, exact=exact or kind == INTEGER, literal=literal)
    raise TypeMismatch(f"cannot combine {a.describe()} with {b.describe()}")


def multiply(a: ValueType, b: ValueType) -> ValueType:
    """The type of ``a * b``."""
    if MONEY in (a.kind, b.kind):
        if a.kind == b.kind == MONEY:
            raise TypeMismatch("cannot multiply money by money")
        other = b if a.kind == MONEY else a
        money = a if a.kind == MONEY else b
        return ValueType(MONEY, exact=money.exact and other.exact and other.kind == INTEGER)
    if a.kind == b.kind == INTEGER:
        return ValueType(INTEGER, literal=a.literal and b.literal)
    return ValueType(NUMBER, exact=False, literal=a.literal and b.literal)


def divide(a: ValueType, b: ValueType) -> ValueType:
    """The type of ``a / b``: money divided by money is a plain number (a ratio)."""
    if b.kind == MONEY:
        if a.kind != MONEY:
            raise TypeMismatch(f"cannot divide {a.describe()} by money")
        return ValueType(NUMBER, exact=False)
    if a.kind == MONEY:
        return ValueType(MONEY, exact=False)
    return ValueType(NUMBER, exact=False, literal=a.literal and b.literal)


def whole(a: ValueType) -> ValueType:
    """The type of ``round``/``floor``/``ceil`` of ``a``: a whole amount of the same kind."""
    if a.kind == MONEY:
        return ValueType(MONEY)
    return ValueType(INTEGER, literal=a.literal)


def assignable(target: ValueType, source: ValueType) -> str | None:
    """Why a value of type ``source`` cannot be stored as ``target``, or None if it can."""
    if target.kind == NUMBER and source.is_numeric and source.kind != MONEY:
        return None
    if target.kind == MONEY and source.kind == INTEGER and source.literal:
        return None
    if target.kind == INTEGER and source.kind == NUMBER:
        return (
            "may include a fraction; wrap the expression in round(), floor() or ceil() to say "
            "how it is rounded"
        )
    if target.kind != source.kind:
        return f"is {source.describe()}, but the variable is declared as {target.describe()}"
    if target.kind in (MONEY, INTEGER) and not source.exact:
        return (
            "may include a fraction (of a penny); wrap the expression in round(), floor() or "
            "ceil() to say how it is rounded"
        )
    if target.kind == ENUMERATION:
        extra = sorted((source.values or frozenset()) - (target.values or frozenset()))
        if extra:
            allowed = ", ".join(sorted(target.values or ()))
            return f"can be {', '.join(repr(v) for v in extra)}, which is not one of: {allowed}"
    return None
