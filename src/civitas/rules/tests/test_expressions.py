"""Parsing expressions with rule-engine into the engine's own tree."""

from __future__ import annotations

import datetime

import pytest

from civitas.rules.expressions import (
    Binary,
    Call,
    Conditional,
    ExpressionSyntaxError,
    Literal,
    Lookup,
    Name,
    Unary,
    parse,
)


def test_a_conditional_with_a_lookup_and_functions_parses_into_our_tree() -> None:
    node = parse("permit_months == 12 ? fee[co2_band] : min(a, b * 0.5)")
    assert isinstance(node, Conditional)
    assert isinstance(node.condition, Binary)
    assert node.condition.op == "=="
    assert isinstance(node.if_true, Lookup)
    assert node.if_true.table == "fee"
    assert isinstance(node.if_true.key, Name)
    assert isinstance(node.if_false, Call)
    assert node.if_false.function == "min"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("not (a and b) or c", "not (a and b) or c"),
        ("x not in ['A', 'B']", 'x not in ["A", "B"]'),
        ("-(a + b)", "-(a + b)"),
        ("(a ? b : c) ? d : e", "(a ? b : c) ? d : e"),
        ('start <= d"2026-04-01"', 'start <= d"2026-04-01"'),
        ("amount // 7", "amount // 7"),
        ("x # a comment is allowed", "x"),
    ],
)
def test_canonical_text_keeps_only_the_brackets_that_matter(text: str, canonical: str) -> None:
    assert parse(text).text == canonical


def test_whole_numbers_are_integers_and_decimals_are_not() -> None:
    whole = parse("12")
    decimal = parse("12.0")
    assert isinstance(whole, Literal)
    assert whole.value == 12
    assert type(whole.value) is int
    assert isinstance(decimal, Literal)
    assert type(decimal.value) is float


def test_date_literals_become_dates() -> None:
    node = parse('d"2026-04-01"')
    assert isinstance(node, Literal)
    assert node.value == datetime.date(2026, 4, 1)


def test_not_in_is_not_of_membership() -> None:
    node = parse('band not in ["A"]')
    assert isinstance(node, Unary)
    assert node.op == "not"
    assert isinstance(node.operand, Binary)
    assert node.operand.op == "in"


def test_constant_parts_are_folded_when_parsing() -> None:
    node = parse("2 * 3 + x")
    assert isinstance(node, Binary)
    assert isinstance(node.left, Literal)
    assert node.left.value == 6


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a ** 2", "the operator **"),
        ("a % 2", "the operator %"),
        ("a.b", "attribute access"),
        ("null", "null"),
        ("a ?? b", "??"),
        ('a =~ "x"', "regular-expression"),
        ("x + $today", "built-in symbols"),
        ('t"P1D"', "time periods"),
        ("{1: 2}", "mapping literals"),
    ],
)
def test_constructs_outside_the_rules_language_are_refused_by_name(
    text: str, fragment: str
) -> None:
    with pytest.raises(ExpressionSyntaxError, match="cannot be used in rules") as caught:
        parse(text)
    assert fragment in caught.value.message


def test_syntax_errors_give_the_offset_of_the_bad_token() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse("amount * 2 +)")
    assert caught.value.offset == 12
    assert "')'" in caught.value.message


def test_an_unfinished_expression_says_it_ends_too_early() -> None:
    with pytest.raises(ExpressionSyntaxError, match="ends too early"):
        parse("max(a, ")


def test_division_by_a_constant_zero_is_a_syntax_problem() -> None:
    with pytest.raises(ExpressionSyntaxError, match="division by zero"):
        parse("1 / 0")


def test_an_empty_expression_is_refused() -> None:
    with pytest.raises(ExpressionSyntaxError, match="empty"):
        parse("   ")
