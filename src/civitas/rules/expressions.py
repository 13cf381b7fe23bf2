"""Rule expressions: parsing with rule-engine into a small tree of our own.

rule-engine (https://zerosteiner.github.io/rule-engine/) supplies the grammar, the tokeniser
and syntax errors with positions. Its syntax tree is translated at once into the node classes
below, which are the only thing the type checker and the two evaluators see; nothing of
rule-engine is used at evaluation time. The subset of the grammar accepted here is the one
the evaluators implement: see ``docs/rules-as-code.md`` and decision record 0006.

Contract: ``parse(text)`` returns a ``Node`` or raises ``ExpressionSyntaxError`` with a
message and, where rule-engine knows it, the character offset of the problem.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import rule_engine
from rule_engine import ast as re_ast
from rule_engine import errors as re_errors

from civitas.rules.datatypes import ValueType

FUNCTIONS = ("min", "max", "round", "floor", "ceil", "abs")
"""Functions available in expressions. ``round`` rounds halves away from zero."""

BUILTINS = ("decision_date",)
"""Names every expression may use: the date the decision is made for."""

RESERVED = frozenset(
    {
        *FUNCTIONS,
        *BUILTINS,
        "true",
        "false",
        "and",
        "or",
        "not",
        "in",
        "if",
        "for",
        "null",
        "inf",
        "nan",
        "elif",
        "else",
        "while",
    }
)

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
LOGICAL = frozenset({"and", "or"})


class ExpressionSyntaxError(Exception):
    """The expression text is not a valid rule expression.

    ``offset`` is the 0-based character position of the problem when known.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Node:
    """A node of a parsed expression.

    ``vtype`` is filled in by the type checker; ``text`` is the canonical text of the
    node, used in traces and error messages.
    """

    vtype: ValueType | None = None
    text: str = ""

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(eq=False)
class Literal(Node):
    value: bool | int | float | str | datetime.date


@dataclass(eq=False)
class ListLiteral(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(eq=False)
class Name(Node):
    name: str


@dataclass(eq=False)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(eq=False)
class Binary(Node):
    op: str  # + - * / // and or == != < <= > >= in
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(eq=False)
class Conditional(Node):
    condition: Node
    if_true: Node
    if_false: Node

    def children(self) -> tuple[Node, ...]:
        return (self.condition, self.if_true, self.if_false)


@dataclass(eq=False)
class Call(Node):
    function: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(eq=False)
class Lookup(Node):
    table: str
    key: Node

    def children(self) -> tuple[Node, ...]:
        return (self.key,)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    for child in node.children():
        yield from walk(child)


def names_used(node: Node) -> list[str]:
    """The names (inputs, parameters, variables, built-ins) an expression refers to."""
    found: list[str] = []
    for item in walk(node):
        if isinstance(item, Name):
            found.append(item.name)
        elif isinstance(item, Lookup):
            found.append(item.table)
    return found


# One context for all parses: no type resolver, so every symbol is UNDEFINED to
# rule-engine and our own checker does all the typing.
_CONTEXT = rule_engine.Context()

_BINARY_OPS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "tdiv": "/",
    "fdiv": "//",
    "and": "and",
    "or": "or",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}


def parse(text: str) -> Node:
    """Parse ``text`` into an expression tree with canonical ``text`` on every node."""
    if not text.strip():
        raise ExpressionSyntaxError("the expression is empty", 0)
    try:
        statement = rule_engine.Rule(text, context=_CONTEXT).statement
    except re_errors.RuleSyntaxError as error:
        # rule-engine's message carries a line number from a lexer shared between parses;
        # only the token and its offset are reliable.
        base = error.message.split(" at: ")[0]
        token = getattr(error, "token", None)
        if token is None:
            raise ExpressionSyntaxError(
                f"{base}: the expression ends too early (is a bracket or an operand missing?)",
                len(text),
            ) from None
        value = str(getattr(token, "value", ""))[:20]
        raise ExpressionSyntaxError(
            f"{base} at {value!r}", getattr(token, "lexpos", None)
        ) from None
    except re_errors.SyntaxError as error:
        raise ExpressionSyntaxError(error.message) from None
    except re_errors.EvaluationError as error:
        # rule-engine evaluates constant parts while parsing: `1 / 0`, `1 + "a"`.
        raise ExpressionSyntaxError(f"invalid constant expression: {error.message}") from None
    node = _translate(statement.expression)
    _annotate_text(node)
    return node


def _unsupported(what: str) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(f"{what} cannot be used in rules")


def _translate(expr: re_ast.ExpressionBase) -> Node:
    if isinstance(expr, re_ast.TernaryExpression):
        return Conditional(
            _translate(expr.condition), _translate(expr.case_true), _translate(expr.case_false)
        )
    if isinstance(expr, re_ast.FuzzyComparisonExpression):
        raise _unsupported("regular-expression comparisons (=~, !~)")
    if isinstance(
        expr,
        (
            re_ast.LogicExpression,
            re_ast.ComparisonExpression,
            re_ast.AddExpression,
            re_ast.SubtractExpression,
            re_ast.ArithmeticExpression,
        ),
    ):
        op = _BINARY_OPS.get(expr.type)
        if op is None:
            symbol = {"mod": "%", "pow": "**"}.get(expr.type, expr.type)
            raise _unsupported(f"the operator {symbol}")
        return Binary(op, _translate(expr.left), _translate(expr.right))
    if isinstance(expr, re_ast.UnaryExpression):
        op = "not" if expr.type == "not" else "-"
        return Unary(op, _translate(expr.right))
    if isinstance(expr, re_ast.ContainsExpression):
        return Binary("in", _translate(expr.member), _translate(expr.container))
    if isinstance(expr, re_ast.SymbolExpression):
        if expr.scope is not None:
            raise _unsupported(f"built-in symbols such as ${expr.name}")
        return Name(expr.name)
    if isinstance(expr, re_ast.GetItemExpression):
        if expr.safe or not isinstance(expr.container, re_ast.SymbolExpression):
            raise _unsupported("this kind of item lookup (use table_parameter[key])")
        return Lookup(expr.container.name, _translate(expr.item))
    if isinstance(expr, re_ast.FunctionCallExpression):
        if not isinstance(expr.function, re_ast.SymbolExpression):
            raise _unsupported("calling the result of an expression")
        return Call(expr.function.name, tuple(_translate(arg) for arg in expr.arguments))
    if isinstance(expr, re_ast.BooleanExpression):
        return Literal(bool(expr.value))
    if isinstance(expr, re_ast.FloatExpression):
        return Literal(_number(expr.value))
    if isinstance(expr, re_ast.StringExpression):
        return Literal(str(expr.value))
    if isinstance(expr, re_ast.DatetimeExpression):
        value: datetime.datetime = expr.value
        if (value.hour, value.minute, value.second, value.microsecond) != (0, 0, 0, 0):
            raise ExpressionSyntaxError('date literals must be whole dates, like d"2026-04-01"')
        return Literal(value.date())
    if isinstance(expr, re_ast.ArrayExpression):
        return ListLiteral(tuple(_translate(item) for item in expr.value))
    kinds = {
        re_ast.NullExpression: "null",
        re_ast.BytesExpression: "bytes literals",
        re_ast.TimedeltaExpression: 'time periods (t"...")',
        re_ast.MappingExpression: "mapping literals",
        re_ast.SetExpression: "set literals",
        re_ast.ComprehensionExpression: "comprehensions",
        re_ast.GetAttributeExpression: "attribute access (a.b)",
        re_ast.GetSliceExpression: "slices",
        re_ast.BitwiseExpression: "bitwise operators",
        re_ast.CoalesceExpression: "the ?? operator",
    }
    for kind, what in kinds.items():
        if isinstance(expr, kind):
            raise _unsupported(what)
    raise _unsupported(type(expr).__name__)


def _number(value: decimal.Decimal) -> int | float:
    if not value.is_finite():
        raise _unsupported("inf and nan")
    # A literal written without a decimal point is a whole number (`12`); `12.5` is not.
    if value == value.to_integral_value() and value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value)
    return float(value)


# Binding strength, used to parenthesise canonical text only where needed.
_PRECEDENCE = {"?": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "+": 6, "*": 7, "neg": 8, "atom": 9}


def _precedence(node: Node) -> int:
    if isinstance(node, Conditional):
        return _PRECEDENCE["?"]
    if isinstance(node, Binary):
        if node.op in LOGICAL:
            return _PRECEDENCE[node.op]
        if node.op in COMPARISONS or node.op == "in":
            return _PRECEDENCE["cmp"]
        return _PRECEDENCE["+"] if node.op in ("+", "-") else _PRECEDENCE["*"]
    if isinstance(node, Unary):
        if node.op == "not" and isinstance(node.operand, Binary) and node.operand.op == "in":
            return _PRECEDENCE["cmp"]
        return _PRECEDENCE["not"] if node.op == "not" else _PRECEDENCE["neg"]
    return _PRECEDENCE["atom"]


def format_literal(value: object) -> str:
    """A constant as it is written in an expression."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, datetime.date):
        return f'd"{value.isoformat()}"'
    return repr(value)


Substitute = Callable[[Node], "str | None"]


def render(node: Node, substitute: Substitute | None = None) -> str:
    """Canonical text of an expression.

    ``substitute`` may replace a node by other text (a value, in a worked calculation);
    a replaced node is treated as an atom.
    """
    if substitute is not None:
        replaced = substitute(node)
        if replaced is not None:
            return replaced

    def sub(child: Node, minimum: int) -> str:
        text = render(child, substitute)
        replaced = substitute is not None and substitute(child) is not None
        if not replaced and _precedence(child) < minimum:
            return f"({text})"
        return text

    mine = _precedence(node)
    if isinstance(node, Literal):
        return format_literal(node.value)
    if isinstance(node, ListLiteral):
        return "[" + ", ".join(render(item, substitute) for item in node.items) + "]"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Lookup):
        return f"{node.table}[{render(node.key, substitute)}]"
    if isinstance(node, Call):
        return f"{node.function}(" + ", ".join(render(a, substitute) for a in node.args) + ")"
    if isinstance(node, Unary):
        if node.op == "not" and isinstance(node.operand, Binary) and node.operand.op == "in":
            inner = node.operand
            return f"{sub(inner.left, mine + 1)} not in {sub(inner.right, mine + 1)}"
        if node.op == "not":
            return f"not {sub(node.operand, mine)}"
        return f"-{sub(node.operand, mine)}"
    if isinstance(node, Binary):
        # Left-associative: the right operand needs brackets at equal precedence.
        left_min = mine + 1 if node.op in COMPARISONS or node.op == "in" else mine
        return f"{sub(node.left, left_min)} {node.op} {sub(node.right, mine + 1)}"
    if isinstance(node, Conditional):
        return (
            f"{sub(node.condition, mine + 1)} ? {sub(node.if_true, mine + 1)} : "
            f"{sub(node.if_false, mine)}"
        )
    raise TypeError(f"unknown node {node!r}")


def _annotate_text(node: Node) -> None:
    for item in walk(node):
        item.text = render(item)
