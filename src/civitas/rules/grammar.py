"""Reading expression text with rule-engine's grammar (see ``expressions``).

Kept apart so that rule-engine, which builds its parser tables when imported, is loaded by
the first parse rather than by everything that imports the rules.
"""

from __future__ import annotations

import datetime
import decimal

from civitas.rules.parser_tables import ready_made_tables

with ready_made_tables():
    import rule_engine
    from rule_engine import ast as re_ast
    from rule_engine import errors as re_errors

from civitas.rules.expressions import (
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
)

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


def read_expression(text: str) -> Node:
    """Parse non-blank ``text`` with rule-engine and translate its tree into our nodes."""
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
    return _translate(statement.expression)


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
