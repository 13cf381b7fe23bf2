"""The expression dialect over answers: each operator, function, missing answers, errors."""

import datetime
from decimal import Decimal

import pytest

from civitas.rules.public import (
    BOOLEAN_TYPE,
    DATE_TYPE,
    INTEGER_TYPE,
    MISSING,
    MONEY_TYPE,
    NUMBER_TYPE,
    TEXT_TYPE,
    TIME_TYPE,
    ExpressionProblem,
    choice_type,
    compile_expression,
    format_expression_value,
    list_type,
    record_type,
)

TODAY = datetime.date(2026, 4, 30)
SYMBOLS = {
    "vehicles": INTEGER_TYPE,
    "permit_type": choice_type(["visitor", "resident"]),
    "date_of_birth": DATE_TYPE,
    "start_time": TIME_TYPE,
    "end_time": TIME_TYPE,
    "deposit": MONEY_TYPE,
    "rate": NUMBER_TYPE,
    "has_badge": BOOLEAN_TYPE,
    "nickname": TEXT_TYPE,
    "reasons": list_type(choice_type(["noise", "light"])),
    "members": list_type(record_type({"age": INTEGER_TYPE, "income": MONEY_TYPE})),
}
VALUES = {
    "vehicles": 3,
    "permit_type": "resident",
    "date_of_birth": datetime.date(2000, 5, 1),
    "start_time": datetime.time(9, 0),
    "end_time": datetime.time(8, 30),
    "deposit": 1000,
    "rate": Decimal("2.5"),
    "has_badge": False,
    "reasons": ["noise"],
    "members": [{"age": 10, "income": 500}, {"age": 40, "income": None}],
}


def value(text: str, values: dict[str, object] = VALUES) -> object:
    return compile_expression(text, SYMBOLS).evaluate(values, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vehicles > 2 and permit_type != 'visitor'", True),
        ("vehicles >= 3 and vehicles <= 3 and vehicles == 3", True),
        ("vehicles < 3 or not has_badge", True),
        ("vehicles + 1 - 2 * 2", 0),
        ("vehicles / 2", Decimal("1.5")),
        ("vehicles // 2", 1),
        ("-vehicles", -3),
        ("deposit * rate", 2500),
        ("deposit + 500", 1500),
        ("has_badge ? 0 : deposit", 1000),
        ("permit_type in ['visitor', 'resident']", True),
        ("end_time > start_time", False),
        ("today - date_of_birth", 9495),
        ("age_on(date_of_birth, today)", 25),
        ('age_on(date_of_birth, d"2026-05-01")', 26),
        ("days_between(date_of_birth, today)", 9495),
        ("minutes_between(start_time, end_time)", -30),
        ("count(members)", 2),
        ("count(members, age >= 18)", 1),
        ("sum(members, income)", 500),
        ("any(members, age < 18)", True),
        ("all(members, age < 18)", False),
        ("includes(reasons, 'noise')", True),
        ("'light' in reasons", False),
        ("count(reasons)", 1),
        ("is_given(nickname)", False),
        ("is_given(vehicles)", True),
        ("min(vehicles, 7)", 3),
        ("max(date_of_birth, today)", TODAY),
        ("round(rate)", 3),
        ("floor(rate)", 2),
        ("ceil(rate)", 3),
        ("abs(-rate)", Decimal("2.5")),
    ],
)
def test_it_evaluates_each_operator_and_function(text, expected):
    assert value(text) == expected


def test_a_missing_answer_makes_a_comparison_missing_not_an_error():
    assert value("nickname == 'Sam'") is MISSING
    assert value("vehicles > 2", {}) is MISSING


def test_and_or_follow_three_valued_logic():
    assert value("nickname == 'Sam' or vehicles > 2") is True
    assert value("nickname == 'Sam' and vehicles > 5") is False
    assert value("nickname == 'Sam' and vehicles > 2") is MISSING
    assert value("not is_given(nickname) or nickname == 'Sam'") is True


def test_a_condition_on_a_missing_answer_does_not_hold_and_a_check_does_not_fail():
    expression = compile_expression("end_time > start_time", SYMBOLS, boolean=True)
    assert not expression.holds({}, today=TODAY)
    assert not expression.fails({}, today=TODAY)
    assert expression.fails(VALUES, today=TODAY)


def test_division_by_zero_is_missing_not_an_error():
    assert value("deposit / (vehicles - 3)") is MISSING
    assert value("vehicles // 0") is MISSING


def test_a_list_not_given_is_empty():
    assert value("count(members)", {}) == 0
    assert value("any(members, age < 18)", {}) is False
    assert value("includes(reasons, 'noise')", {}) is False


def test_sum_leaves_out_missing_values_and_any_is_missing_when_undecided():
    members = {"members": [{"age": None, "income": 100}, {"age": 30, "income": 200}]}
    assert value("sum(members, income)", members) == 300
    assert value("any(members, age < 18)", members) is MISSING
    assert value("any(members, age > 18)", members) is True


def test_rule_values_are_read_through_the_callable_given():
    expression = compile_expression('rule("fee") > 0', SYMBOLS, rules={"fee": MONEY_TYPE})
    assert expression.evaluate({}, today=TODAY, rule=lambda name: 500) is True
    assert expression.evaluate({}, today=TODAY, rule=lambda name: None) is MISSING
    assert expression.rules == frozenset({"fee"})


def test_it_records_the_answers_an_expression_reads():
    expression = compile_expression("sum(members, income) > deposit", SYMBOLS)
    assert expression.names == frozenset({"members", "deposit"})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("vehicles +", "ends too early"),
        ("permit_type == 'lorry'", 'is never "lorry"'),
        ("date_of_birth > 3", "cannot combine date with integer"),
        ("date_of_birth + 1", "cannot use `+` with date and integer"),
        ("nickname > 'a'", "compares numbers, amounts, dates or times"),
        ("deposit + rate", "cannot combine money"),
        ("vehicles and has_badge", "true-or-false"),
        ("unknown_answer > 1", "unknown name 'unknown_answer'"),
        ("vehicle > 1", "did you mean 'vehicles'?"),
        ("eval('1')", "unknown function 'eval'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("vehicles.__class__", "attribute access"),
        ("__class__ > 1", "unknown name '__class__'"),
        ("members[0]", "item lookups"),
        ("[x for x in members]", "comprehensions"),
        ("vehicles =~ 'a'", "regular-expression"),
        ("vehicles ** 2", "the operator **"),
        ("null", "null"),
        ("age_on(date_of_birth)", "takes 2 values"),
        ("age_on(vehicles, today)", "takes two dates"),
        ("sum(reasons, 1)", "needs a repeating group's items"),
        ("sum(members, age > 1)", "adds numbers or amounts"),
        ("any(members, age)", "needs a condition"),
        ("includes(reasons, 'smell')", 'is never "smell"'),
        ("includes(vehicles, 1)", "needs a list first"),
        ('rule("fee")', "the rules decide no value called 'fee'"),
        ("rule(vehicles)", "takes the name of a value"),
        ("vehicles", "must be true or false"),
        ("-" * 200 + "vehicles > 1", "nested too deeply"),
        ("-" * 990 + "1", "nested too deeply"),
        ("not " * 40 + "has_badge", "nested too deeply"),
        ("vehicles + " * 200 + "1", "characters long"),
    ],
)
def test_it_refuses_bad_and_hostile_expressions(text, problem):
    with pytest.raises(ExpressionProblem) as raised:
        compile_expression(text, SYMBOLS, boolean=True)
    assert problem in raised.value.message


def test_a_syntax_error_carries_its_position():
    with pytest.raises(ExpressionProblem) as raised:
        compile_expression("vehicles > > 2", SYMBOLS)
    assert raised.value.offset == 11


def test_an_answer_from_a_later_page_is_named_as_such():
    with pytest.raises(ExpressionProblem) as raised:
        compile_expression(
            "later > 1", SYMBOLS, unavailable={"later": "answer 'later' is asked later"}
        )
    assert raised.value.message == "answer 'later' is asked later"
    assert raised.value.name == "later"


def test_values_are_shown_to_staff_in_words():
    assert format_expression_value(MONEY_TYPE, 14000) == "£140"
    assert format_expression_value(DATE_TYPE, TODAY) == "30 April 2026"
    assert format_expression_value(BOOLEAN_TYPE, True) == "yes"
    assert format_expression_value(TIME_TYPE, datetime.time(9, 5)) == "09:05"
    assert format_expression_value(NUMBER_TYPE, Decimal("1.5")) == "1.5"
    assert format_expression_value(INTEGER_TYPE, MISSING) == ""
