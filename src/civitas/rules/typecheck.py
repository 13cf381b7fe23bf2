"""Static checking of rule expressions: unknown names and type errors.

Every input, parameter and variable has a declared type, so each expression is checked on
its own. ``check`` annotates each node with its ``vtype`` (the evaluators and the trace
formatting rely on it) and returns the type of the whole expression, or raises
``ExpressionTypeError`` naming the sub-expression at fault.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from civitas.rules import datatypes as dt
from civitas.rules.datatypes import TypeMismatch, ValueType
from civitas.rules.expressions import (
    AGGREGATIONS,
    COMPARISONS,
    CONVERSIONS,
    FUNCTIONS,
    LOGICAL,
    SCALE_FUNCTIONS,
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
    walk,
)


@dataclass(frozen=True)
class Symbol:
    """A name an expression may use: ``kind`` is input, parameter, variable or builtin."""

    kind: str
    vtype: ValueType
    per_member: bool = False


class ExpressionTypeError(Exception):
    """An expression is badly typed or refers to an unknown name.

    ``name`` is set for unknown names so the caller can point at where it is written.
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name


def unknown_names(node: Node, symbols: Mapping[str, Symbol]) -> list[ExpressionTypeError]:
    """One error per distinct unknown name in ``node``, with a suggestion where one is close."""
    errors: list[ExpressionTypeError] = []
    seen: set[str] = set()
    for item in walk(node):
        if isinstance(item, Call) and item.function not in FUNCTIONS:
            message = (
                f"unknown function '{item.function}'; the functions are {', '.join(FUNCTIONS)}"
            )
            errors.append(ExpressionTypeError(message, item.function))
            continue
        name = (
            item.name
            if isinstance(item, Name)
            else item.table
            if isinstance(item, Lookup)
            else None
        )
        if name is None or name in symbols or name in seen:
            continue
        seen.add(name)
        close = difflib.get_close_matches(name, list(symbols), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        errors.append(
            ExpressionTypeError(
                f"unknown name '{name}': not an input, parameter or variable{hint}", name
            )
        )
    return errors


def check(node: Node, symbols: Mapping[str, Symbol]) -> ValueType:
    """Type ``node`` against ``symbols``; annotates every node's ``vtype``."""
    vtype = _check(node, symbols)
    if vtype.is_numeric or vtype.kind == dt.BOOLEAN:
        period = _period(node, vtype)
        if period != vtype.period:
            vtype = dataclasses.replace(vtype, period=period)
    node.vtype = vtype
    node.per_member = _per_member(node, symbols)
    return vtype


def _periods_of(nodes: tuple[Node, ...] | list[Node]) -> list[str]:
    return [n.vtype.period for n in nodes if n.vtype is not None and n.vtype.period is not None]


def _same_period(node: Node, operands: tuple[Node, ...] | list[Node]) -> str | None:
    """The one period of amounts that are added, compared or chosen between, or an error
    if two have different periods: a weekly amount plus a yearly one is a mistake."""
    periods = _periods_of(operands)
    for period in periods[1:]:
        if period != periods[0]:
            raise _fail(
                node,
                f"cannot combine an amount per {periods[0]} with an amount per {period}; "
                "convert one first with per_week(...), per_month(...) or per_year(...)",
            )
    return periods[0] if periods else None


def _period(node: Node, vtype: ValueType) -> str | None:
    """The period of the amount ``node`` gives, from its operands' (already checked)."""
    if isinstance(node, (Name, Literal, Lookup)):
        return vtype.period
    if isinstance(node, Unary):
        return None if node.op == "not" else _same_period(node, [node.operand])
    if isinstance(node, Conditional):
        return _same_period(node, [node.if_true, node.if_false])
    if isinstance(node, Call):
        if node.function in CONVERSIONS:
            return vtype.period
        if node.function == "bracket":
            return None
        if node.function == "marginal":
            return _same_period(node, list(node.args[1:]))
        return _same_period(node, list(node.args))
    if isinstance(node, Binary):
        if node.op in LOGICAL or node.op == "in":
            return None
        operands = (node.left, node.right)
        if node.op in COMPARISONS:
            _same_period(node, operands)
            return None
        if node.op in ("+", "-"):
            return _same_period(node, operands)
        if node.op == "*":
            if len(_periods_of(operands)) == 2:
                raise _fail(node, "cannot multiply an amount per period by another")
            return _same_period(node, operands)
        # Division: a weekly amount over a weekly amount is a plain ratio.
        if len(_periods_of(operands)) == 2:
            _same_period(node, operands)
            return None
        return _same_period(node, [node.left])
    return vtype.period


def _check_conversion(node: Call, symbols: Mapping[str, Symbol]) -> ValueType:
    """``per_year(weekly_rent)``: the amount per another period (``datatypes.WEEKS_IN``)."""
    if len(node.args) != 1:
        raise _fail(node, f"{node.function}() takes exactly one value")
    amount = check(node.args[0], symbols)
    if not amount.is_numeric:
        raise _fail(node, f"{node.function}() needs an amount, not {amount.describe()}")
    if amount.period is None:
        raise _fail(
            node,
            f"`{node.args[0].text}` has no period to convert from; declare `period:` on the "
            "amounts it uses",
        )
    target = CONVERSIONS[node.function]
    factor = dt.conversion(amount.period, target)
    exact = amount.exact and factor.denominator == 1
    kind = amount.kind if amount.kind != dt.INTEGER or exact else dt.NUMBER
    return ValueType(kind, exact=exact or kind == dt.INTEGER, period=target)


def _per_member(node: Node, symbols: Mapping[str, Symbol]) -> bool:
    """Whether ``node`` has one value per member: it uses a per-member value that no
    aggregation has summed up. Group values used alongside are the member's group's."""
    if isinstance(node, Name):
        return symbols[node.name].per_member
    if _aggregates(node):
        return False
    return any(child.per_member for child in node.children())


def _aggregates(node: Node) -> bool:
    return (
        isinstance(node, Call)
        and node.function in AGGREGATIONS
        and len(node.args) == 1
        and node.args[0].per_member
    )


def _fail(node: Node, reason: str) -> ExpressionTypeError:
    return ExpressionTypeError(f"type error in `{node.text}`: {reason}")


def _check(node: Node, symbols: Mapping[str, Symbol]) -> ValueType:
    if isinstance(node, Literal):
        return dt.literal_of(node.value)
    if isinstance(node, Name):
        symbol = symbols[node.name]
        if symbol.vtype.kind == dt.TABLE:
            raise _fail(node, f"{node.name} is a table; look a value up with {node.name}[key]")
        if symbol.vtype.kind == dt.SCALE:
            raise _fail(
                node,
                f"{node.name} is a scale; use it through marginal({node.name}, amount) or "
                f"bracket({node.name}, amount)",
            )
        return symbol.vtype
    if isinstance(node, ListLiteral):
        if not node.items:
            raise _fail(node, "an empty list can never contain anything")
        element = check(node.items[0], symbols)
        for item in node.items[1:]:
            element = _unify(node, element, check(item, symbols))
        return ValueType(dt.LIST, element=element, literal=True)
    if isinstance(node, Lookup):
        return _check_lookup(node, symbols)
    if isinstance(node, Unary):
        operand = check(node.operand, symbols)
        if node.op == "not":
            _require(node, operand, dt.BOOLEAN, "not")
            return ValueType(dt.BOOLEAN)
        if not operand.is_numeric:
            raise _fail(node, f"cannot negate {operand.describe()}")
        return operand
    if isinstance(node, Conditional):
        condition = check(node.condition, symbols)
        if condition.kind != dt.BOOLEAN:
            raise _fail(
                node,
                f"the condition `{node.condition.text}` is {condition.describe()}, "
                "not true or false",
            )
        # Both branches constant (`has_badge ? 0 : 100`) stays a constant, so it can still
        # take the type of what it is combined with or stored in.
        return _unify(node, check(node.if_true, symbols), check(node.if_false, symbols))
    if isinstance(node, Call):
        return _check_call(node, symbols)
    if isinstance(node, Binary):
        return _check_binary(node, symbols)
    if isinstance(node, Default):
        result = check(node.base, symbols)
        for name, when, then in zip(node.names, node.conditions, node.values, strict=True):
            held = check(when, symbols)
            if held.kind != dt.BOOLEAN:
                raise _fail(
                    when,
                    f"the exception {name} applies `when` something is true or false, not "
                    f"{held.describe()}",
                )
            result = _unify(then, result, check(then, symbols))
        return result
    raise TypeError(f"unknown node {node!r}")


def _require(node: Node, vtype: ValueType, kind: str, operator: str) -> None:
    if vtype.kind != kind:
        raise _fail(node, f"`{operator}` needs {kind} values, not {vtype.describe()}")


def _unify(node: Node, a: ValueType, b: ValueType) -> ValueType:
    try:
        return dt.unify(a, b)
    except TypeMismatch as error:
        raise _fail(node, str(error)) from None


def _check_enum_literal(node: Node, enum: ValueType, other: ValueType, operand: Node) -> None:
    """A band compared with "Z" is a mistake the checker can see: "Z" is never a band."""
    if enum.kind != dt.ENUMERATION or enum.literal or not other.literal:
        return
    missing = sorted((other.values or frozenset()) - (enum.values or frozenset()))
    if missing:
        allowed = ", ".join(f'"{v}"' for v in sorted(enum.values or ()))
        raise _fail(node, f'`{operand.text}` is never "{missing[0]}"; its values are {allowed}')


def _check_binary(node: Binary, symbols: Mapping[str, Symbol]) -> ValueType:
    left = check(node.left, symbols)
    right = check(node.right, symbols)
    op = node.op
    if op in LOGICAL:
        _require(node, left, dt.BOOLEAN, op)
        _require(node, right, dt.BOOLEAN, op)
        return ValueType(dt.BOOLEAN)
    if op == "in":
        if right.kind != dt.LIST or not isinstance(node.right, ListLiteral):
            raise _fail(node, '`in` needs a list written in the expression, like ["A", "B"]')
        assert right.element is not None
        _check_enum_literal(node, left, right.element, node.left)
        _unify(node, left, right.element)
        return ValueType(dt.BOOLEAN)
    if op in COMPARISONS:
        _check_enum_literal(node, left, right, node.left)
        _check_enum_literal(node, right, left, node.right)
        if (
            left.kind == right.kind == dt.ENUMERATION
            and not left.literal
            and not right.literal
            and not (left.values or frozenset()) & (right.values or frozenset())
        ):
            raise _fail(node, "the two sides have no value in common, so they are never equal")
        common = _unify(node, left, right)
        if op not in ("==", "!=") and not (common.is_numeric or common.kind == dt.DATE):
            raise _fail(node, f"`{op}` compares numbers, amounts or dates, not {common.describe()}")
        return ValueType(dt.BOOLEAN)
    if left.kind == dt.DATE or right.kind == dt.DATE:
        if op == "-" and left.kind == right.kind == dt.DATE:
            return ValueType(dt.INTEGER)
        raise _fail(
            node,
            f"cannot use `{op}` with {left.describe()} and {right.describe()}; "
            "dates can only be compared, or subtracted to give a number of days",
        )
    for side in (left, right):
        if not side.is_numeric:
            raise _fail(node, f"`{op}` needs numbers or amounts, not {side.describe()}")
    try:
        if op in ("+", "-"):
            return dt.unify(left, right)
        if op == "*":
            return dt.multiply(left, right)
        if op == "/":
            return dt.divide(left, right)
        if op == "//":
            return dt.whole(dt.divide(left, right))
    except TypeMismatch as error:
        raise _fail(node, str(error)) from None
    raise TypeError(f"unknown operator {op}")


def _check_scale_call(node: Call, symbols: Mapping[str, Symbol]) -> ValueType:
    """``marginal(scale, base[, above])``: money with fractions of a penny;
    ``bracket(scale, base)``: the rate (number) or amount (money) of the base's bracket."""
    function = node.function
    usage = (
        "marginal(scale, amount) or marginal(scale, amount, on_top_of)"
        if function == "marginal"
        else "bracket(scale, amount)"
    )
    counts = (2, 3) if function == "marginal" else (2,)
    if len(node.args) not in counts:
        raise _fail(node, f"{function}() is written {usage}")
    first = node.args[0]
    scale = symbols[first.name].vtype if isinstance(first, Name) else None
    if scale is None or scale.kind != dt.SCALE:
        raise _fail(node, f"the first value of {function}() must be the name of a scale parameter")
    assert isinstance(first, Name)
    first.vtype = scale
    for arg in node.args[1:]:
        base = check(arg, symbols)
        if not (base.kind == dt.MONEY or (base.kind == dt.INTEGER and base.literal)):
            raise _fail(
                node,
                f"`{arg.text}` is {base.describe()}, but a scale's thresholds are money; "
                f"{function}() needs an amount",
            )
    assert scale.element is not None
    if function == "marginal":
        if scale.scale != "marginal":
            raise _fail(
                node,
                f"{first.name} is a bracket scale (one bracket applies to the whole amount); "
                f"use bracket({first.name}, amount)",
            )
        return ValueType(dt.MONEY, exact=False)
    return scale.element


_MEMBER_FUNCTIONS = {
    "sum": "adds up a value of each member",
    "count": "counts the members for whom something is true",
    "any": "says whether something is true of any member",
    "all": "says whether something is true of every member",
}


def _check_call(node: Call, symbols: Mapping[str, Symbol]) -> ValueType:
    if node.function in CONVERSIONS:
        return _check_conversion(node, symbols)
    if node.function in SCALE_FUNCTIONS:
        return _check_scale_call(node, symbols)
    args = [check(arg, symbols) for arg in node.args]
    if _aggregates(node):
        return _check_aggregation(node, args[0])
    if node.function in _MEMBER_FUNCTIONS:
        if len(args) != 1:
            raise _fail(node, f"{node.function}() takes exactly one value")
        raise _fail(
            node,
            f"{node.function}() {_MEMBER_FUNCTIONS[node.function]}, but "
            f"`{node.args[0].text}` is not a value of each member",
        )
    if node.function in ("min", "max"):
        if len(args) < 2:
            raise _fail(node, f"{node.function}() needs at least two values")
        common = args[0]
        for arg in args[1:]:
            common = _unify(node, common, arg)
        if not (common.is_numeric or common.kind == dt.DATE):
            raise _fail(
                node,
                f"{node.function}() compares numbers, amounts or dates, not {common.describe()}",
            )
        return common
    if len(args) != 1:
        raise _fail(node, f"{node.function}() takes exactly one value")
    if not args[0].is_numeric:
        raise _fail(node, f"{node.function}() needs a number or amount, not {args[0].describe()}")
    if node.function == "abs":
        return args[0]
    return dt.whole(args[0])


def _check_aggregation(node: Call, arg: ValueType) -> ValueType:
    function = node.function
    if function in ("count", "any", "all"):
        if arg.kind != dt.BOOLEAN:
            raise _fail(
                node, f"{function}() needs a condition (true or false), not {arg.describe()}"
            )
        return ValueType(dt.INTEGER) if function == "count" else ValueType(dt.BOOLEAN)
    if function == "sum":
        if not arg.is_numeric:
            raise _fail(node, f"sum() adds numbers or amounts, not {arg.describe()}")
        return ValueType(arg.kind, arg.values, arg.exact)
    if not (arg.is_numeric or arg.kind == dt.DATE):
        raise _fail(node, f"{function}() compares numbers, amounts or dates, not {arg.describe()}")
    return ValueType(arg.kind, arg.values, arg.exact)


def _check_lookup(node: Lookup, symbols: Mapping[str, Symbol]) -> ValueType:
    table = symbols[node.table].vtype
    key = check(node.key, symbols)
    if table.kind != dt.TABLE:
        raise _fail(node, f"{node.table} is not a table, so it cannot be looked up with [...]")
    assert table.element is not None
    assert table.values is not None
    if key.kind != dt.ENUMERATION:
        raise _fail(node, f"{node.table} is keyed by text values, not {key.describe()}")
    missing = sorted((key.values or frozenset()) - table.values)
    if missing:
        raise _fail(node, f"{node.table} has no entry for {', '.join(repr(m) for m in missing)}")
    return table.element
