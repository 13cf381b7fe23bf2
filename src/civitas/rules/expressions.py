"""Rule expressions: parsing with rule-engine into a small tree of our own.

rule-engine (https://zerosteiner.github.io/rule-engine/) supplies the grammar, the tokeniser
and syntax errors with positions. Its syntax tree is translated at once (in ``grammar``) into
the node classes below, which are the only thing the type checker and the two evaluators
see; nothing of rule-engine is used at evaluation time. The subset of the grammar accepted
here is the one the evaluators implement: see ``docs/rules-as-code.md`` and decision record
0006.

Contract: ``parse(text)`` returns a ``Node`` or raises ``ExpressionSyntaxError`` with a
message and, where rule-engine knows it, the character offset of the problem.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from civitas.rules.datatypes import ValueType

FUNCTIONS = (
    "min",
    "max",
    "round",
    "floor",
    "ceil",
    "abs",
    "sum",
    "count",
    "any",
    "all",
    "marginal",
    "bracket",
    "per_week",
    "per_month",
    "per_year",
)
"""Functions available in expressions. ``round`` rounds halves away from zero; ``sum``,
``count``, ``any``, ``all`` (and ``min``, ``max`` of one value) aggregate a value of each
member of the group; ``marginal(scale, base[, above])`` and ``bracket(scale, base)`` read
scales (tax bands); ``per_week``, ``per_month`` and ``per_year`` convert an amount declared
per period."""

AGGREGATIONS = frozenset({"sum", "count", "any", "all", "min", "max"})
"""Functions that aggregate over the members of a group when given one per-member value."""

SCALE_FUNCTIONS = ("marginal", "bracket")
CONVERSIONS = {"per_week": "week", "per_month": "month", "per_year": "year"}
"""Functions that convert an amount per period to another period (``datatypes.WEEKS_IN``)."""

BUILTINS = ("decision_date",)
"""Names every expression may use: the date the decision is made for."""

RESERVED = frozenset(
    {
        # The aggregations are left out: a call `count(...)` cannot be mistaken for a
        # name, and rule sets written before them may use the words as names.
        *(f for f in FUNCTIONS if f not in ("sum", "count", "any", "all")),
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
    per_member: bool = False  # one value per member of the group (set by the type checker)

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


@dataclass(eq=False)
class Default(Node):
    """In general ``base``; except when one of ``conditions`` holds, the matching value.

    Default logic as Catala writes it: the exceptions exclude each other, so two that hold
    at once are a conflict in the rules (an evaluation error), never a silent choice.
    """

    base: Node
    names: tuple[str, ...]
    conditions: tuple[Node, ...]
    values: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return (*self.conditions, *self.values, self.base)


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


MAX_OPERATORS = 100
"""The most operators (``+``, ``and``, ``?``, ``==``, ...) one expression may have.

The parser, the checker and both evaluators walk an expression recursively, and a long
chain such as ``a + a + ... + a`` is as deep as it is long: past this a rule must be split
into named variables, which also makes its explanation readable. The real rules use a
dozen at most."""

MAX_NESTING = 32
"""The most brackets one expression may nest (for the same reason)."""

_SIZE_TOKENS = re.compile(
    r"""[dt]?"(?:[^"\\]|\\.)*"|[dt]?'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|//|==|!=|<=|>=|[-+*/<>?:()\[\]]"""
)
_WORD_OPERATORS = frozenset({"and", "or", "not", "in"})


def _check_size(text: str) -> None:
    """Refuse, before parsing, an expression too long or too deeply nested to walk."""
    operators = depth = 0
    for match in _SIZE_TOKENS.finditer(text):
        piece = match.group()
        if piece in ("(", "["):
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionSyntaxError(
                    f"the expression is nested too deeply (brackets more than {MAX_NESTING} "
                    "deep); split it into named variables",
                    match.start(),
                )
        elif piece in (")", "]"):
            depth -= 1
        elif piece.lstrip("dt")[:1] in ('"', "'"):
            continue  # text, a date or a time period: nothing inside counts
        elif piece[0].isalpha() or piece[0] == "_":
            if piece in _WORD_OPERATORS:
                operators += 1
        else:
            operators += 1
        if operators > MAX_OPERATORS:
            raise ExpressionSyntaxError(
                f"the expression is too long or nested too deeply (more than "
                f"{MAX_OPERATORS} operators); split it into named variables",
                match.start(),
            )


def parse(text: str) -> Node:
    """Parse ``text`` into an expression tree with canonical ``text`` on every node."""
    if not text.strip():
        raise ExpressionSyntaxError("the expression is empty", 0)
    _check_size(text)
    # rule-engine builds its parser tables when it is imported, a quarter of a second that
    # every `civitas` command and every view import would otherwise pay: only a parse does.
    from civitas.rules.grammar import read_expression

    try:
        node = read_expression(text)
        _annotate_text(node)
    except RecursionError:
        raise ExpressionSyntaxError(
            "the expression is nested too deeply; split it into named variables"
        ) from None
    return node


# Binding strength, used to parenthesise canonical text only where needed.
_PRECEDENCE = {"?": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "+": 6, "*": 7, "neg": 8, "atom": 9}


def _precedence(node: Node) -> int:
    if isinstance(node, (Conditional, Default)):
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
    if isinstance(node, Default):
        exceptions = "; ".join(
            f"{name} when {render(condition, substitute)}: {render(value, substitute)}"
            for name, condition, value in zip(node.names, node.conditions, node.values, strict=True)
        )
        return f"{render(node.base, substitute)}, except {exceptions}"
    raise TypeError(f"unknown node {node!r}")


def _annotate_text(node: Node) -> None:
    for item in walk(node):
        item.text = render(item)
