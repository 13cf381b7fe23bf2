"""Validation of rule-set files: every problem reported as file:line: message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civitas.rules.loader import RuleSetInvalid, load_rule_set, validate_file
from civitas.rules.tests.conftest import (
    COUNCIL_TAX,
    FIXTURES,
    INCOME_TAX,
    LANGUAGE,
    PARKING,
    RulesWriter,
    marked_line,
)


@pytest.mark.parametrize("path", [PARKING, COUNCIL_TAX, INCOME_TAX, LANGUAGE], ids=lambda p: p.name)
def test_the_real_rule_sets_and_the_language_fixture_are_valid(path: Path) -> None:
    assert validate_file(path) == []


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [
        ("yaml-syntax-error", "YAML syntax error"),
        ("expression-syntax-error", "syntax error at ')'"),
        ("unknown-variable", "unknown name 'fee_tabel'"),
        ("unknown-key", "unknown key 'expresion'"),
        ("type-error", "cannot use `+` with money and date"),
        ("enum-unknown-value", '`co2_band` is never "Z"'),
        ("fractional-money", "may include a fraction"),
        ("cycle", "cycle: first → third → second → first"),
        ("overlapping-periods", "overlaps the period 2025-04-01 to 2026-04-30"),
        ("gap-in-periods", "no value from 2026-03-31 to 2026-03-31"),
    ],
)
def test_each_kind_of_problem_is_reported_on_the_line_to_edit(fixture: str, fragment: str) -> None:
    path = FIXTURES / f"{fixture}.rules.yaml"
    problems = validate_file(path)
    matching = [p for p in problems if fragment in p.message]
    assert matching, [str(p) for p in problems]
    assert matching[0].line == marked_line(path)
    assert str(matching[0]).startswith(f"{path}:{marked_line(path)}: ")


def test_an_unknown_name_suggests_the_name_that_was_probably_meant() -> None:
    (problem,) = validate_file(FIXTURES / "unknown-variable.rules.yaml")
    assert "did you mean 'fee_table'?" in problem.message


def test_a_misspelt_key_suggests_the_right_one() -> None:
    problems = validate_file(FIXTURES / "unknown-key.rules.yaml")
    assert any("did you mean 'expression'?" in p.message for p in problems)


def test_a_bad_parameter_does_not_also_make_its_users_unknown() -> None:
    problems = validate_file(FIXTURES / "overlapping-periods.rules.yaml")
    assert len(problems) == 1


def test_load_rule_set_raises_with_every_problem_and_loads_nothing() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        load_rule_set(FIXTURES / "unknown-key.rules.yaml")
    assert len(caught.value.problems) == 2
    assert "unknown-key.rules.yaml:13: unknown key 'expresion'" in str(caught.value)


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.rules.yaml"
    (problem,) = validate_file(missing)
    assert problem.message == "file not found"
    with pytest.raises(RuleSetInvalid):
        load_rule_set(missing)


def test_duplicate_keys_are_reported_rather_than_the_last_silently_winning(tmp_path: Path) -> None:
    path = tmp_path / "duplicate.rules.yaml"
    path.write_text(
        "metadata:\n  name: d\n  title: D\n  version: '1'\n  sources: [{title: T}]\n"
        "inputs:\n  amount: {type: money}\n"
        "variables:\n  total: {type: money, expression: amount}\n"
        "  total: {type: money, expression: amount + 1}\n",
        encoding="utf-8",
    )
    (problem,) = validate_file(path)
    assert problem.line == 10
    assert "duplicate key 'total' (first on line 9)" in problem.message


_HEADER = "metadata:\n  name: d\n  title: D\n  version: '1'\n  sources: [{title: T}]\n"


def test_a_duplicate_input_is_reported_at_the_second_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "duplicate.rules.yaml"
    path.write_text(
        _HEADER + "inputs:\n  amount: {type: money}\n  amount: {type: integer}\n"
        "variables:\n  total: {type: money, expression: amount}\n",
        encoding="utf-8",
    )
    assert [str(p) for p in validate_file(path)] == [
        f"{path}:8: duplicate key 'amount' (first on line 7)"
    ]


def test_a_tab_used_to_indent_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tabs.rules.yaml"
    path.write_text(
        _HEADER + "inputs:\n  amount: {type: money}\n"
        "variables:\n  total:\n    type: money\n\texpression: amount\n",
        encoding="utf-8",
    )
    assert [str(p) for p in validate_file(path)] == [
        f"{path}:11: tabs cannot indent YAML; use spaces"
    ]


@pytest.mark.parametrize(
    ("written", "word"),
    [
        ("flag: {type: boolean, default: yes}", "yes"),
        ("flag: {type: boolean, default: Off}", "Off"),
        ("answer: {type: enumeration, values: [Y, N]}", "Y"),
    ],
)
def test_an_unquoted_yaml_1_1_boolean_is_reported_at_its_line(
    tmp_path: Path, written: str, word: str
) -> None:
    path = tmp_path / "booleans.rules.yaml"
    path.write_text(
        _HEADER + f"inputs:\n  amount: {{type: money}}\n  {written}\n"
        "variables:\n  total: {type: money, expression: amount}\n",
        encoding="utf-8",
    )
    problems = validate_file(path)
    assert problems
    assert all(p.line == 8 for p in problems), [str(p) for p in problems]
    (problem,) = [p for p in problems if f"'{word}'" in p.message]
    assert problem.message.startswith(f"unquoted '{word}' is read as true or false")
    assert f'write true or false, or quote it ("{word}")' in problem.message


def test_true_false_and_quoted_boolean_words_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "booleans.rules.yaml"
    path.write_text(
        _HEADER + "inputs:\n  flag: {type: boolean, default: true}\n"
        "  answer: {type: enumeration, values: ['yes', \"no\"]}\n"
        "variables:\n  agreed: {type: boolean, expression: 'flag and answer == \"yes\"'}\n",
        encoding="utf-8",
    )
    assert validate_file(path) == []
    rule_set = load_rule_set(path)
    assert rule_set.inputs["answer"].vtype.values == {"yes", "no"}


def test_an_unquoted_conditional_gets_a_hint_about_quoting(tmp_path: Path) -> None:
    path = tmp_path / "unquoted.rules.yaml"
    path.write_text(
        "metadata:\n  name: d\n  title: D\n  version: '1'\n  sources: [{title: T}]\n"
        "inputs:\n  flag: {type: boolean}\n"
        "variables:\n  total:\n    type: money\n    expression: flag ? 1 : 0\n",
        encoding="utf-8",
    )
    (problem,) = validate_file(path)
    assert problem.line == 11
    assert "must be quoted or written as a block" in problem.message


def _messages(path: Path) -> list[str]:
    return [p.message for p in validate_file(path)]


@pytest.mark.parametrize(
    ("expression", "declared", "fragment"),
    [
        ("amount * amount", "money", "cannot multiply money by money"),
        ("amount + count", "money", "cannot combine money with integer"),
        ("count / amount", "number", "cannot divide integer by money"),
        ('band < "B"', "boolean", "`<` compares numbers, amounts or dates"),
        ("flag + 1", "integer", "`+` needs numbers or amounts, not boolean"),
        ("amount and flag", "boolean", "`and` needs boolean values, not money"),
        ("count ? 1 : 2", "integer", "is integer, not true or false"),
        ("max(amount)", "money", "needs at least two values"),
        ("round(amount, 2)", "money", "takes exactly one value"),
        ("round(band)", "integer", "needs a number or amount"),
        ("sqrt(amount)", "money", "unknown function 'sqrt'"),
        ('band in ["A", "Q"]', "boolean", 'is never "Q"'),
        ("band in count", "boolean", "needs a list written in the expression"),
        ("start + 1", "date", "dates can only be compared"),
        ("amount", "integer", "is money, but the variable is declared as integer"),
        ("count", "money", "is integer, but the variable is declared as money"),
        ("amount / 2", "money", "may include a fraction"),
        ("count / 2", "integer", "may include a fraction"),
    ],
)
def test_type_errors_are_named_with_the_offending_expression(
    write_rules: RulesWriter, expression: str, declared: str, fragment: str
) -> None:
    path = write_rules({"result": {"type": declared, "expression": expression}})
    messages = _messages(path)
    assert any(fragment in m for m in messages), messages


@pytest.mark.parametrize(
    ("expression", "declared"),
    [
        ("amount + 500", "money"),
        ("amount * count", "money"),
        ("round(amount * 0.2)", "money"),
        ("amount / amount", "number"),
        ("amount // 250", "money"),
        ("amount // amount", "integer"),
        ("flag ? amount : 0", "money"),
        ("flag ? 0 : 100", "money"),
        ("start - start", "integer"),
        ('start < d"2026-04-01" and band != "A"', "boolean"),
        ('band in ["A", "B"] or not flag', "boolean"),
        ("min(amount, 0, -amount)", "money"),
        ("max(start, decision_date)", "date"),
        ("count / 4", "number"),
        ("abs(-count)", "integer"),
    ],
)
def test_well_typed_expressions_are_accepted(
    write_rules: RulesWriter, expression: str, declared: str
) -> None:
    path = write_rules({"result": {"type": declared, "expression": expression}})
    assert _messages(path) == []


def test_an_enumeration_variable_may_only_produce_its_declared_values(
    write_rules: RulesWriter,
) -> None:
    variables = {
        "size": {
            "type": "enumeration",
            "values": ["small", "large"],
            "expression": 'count > 3 ? "large" : "medium"',
        }
    }
    (message,) = _messages(write_rules(variables))
    assert "'medium', which is not one of: large, small" in message


def test_a_table_must_have_an_entry_for_every_value_of_its_key(write_rules: RulesWriter) -> None:
    parameters: dict[str, Any] = {
        "fee": {
            "type": "money",
            "keyed_by": "band",
            "periods": [{"from": "2025-04-01", "value": {"A": 1, "B": 2, "X": 3}}],
        }
    }
    messages = _messages(
        write_rules({"f": {"type": "money", "expression": "fee[band]"}}, parameters=parameters)
    )
    assert any("'X' is not a value of band" in m for m in messages), messages
    assert any("has no entry for 'C'" in m for m in messages), messages


def test_a_table_is_used_through_a_lookup_not_by_name(write_rules: RulesWriter) -> None:
    parameters = {
        "fee": {
            "type": "money",
            "keyed_by": "band",
            "periods": [{"from": "2025-04-01", "value": {"A": 1, "B": 2, "C": 3}}],
        }
    }
    (message,) = _messages(
        write_rules({"f": {"type": "money", "expression": "fee + 1"}}, parameters=parameters)
    )
    assert "fee is a table; look a value up with fee[key]" in message


def test_parameter_values_must_match_the_parameter_type(write_rules: RulesWriter) -> None:
    parameters = {
        "fee": {"type": "money", "periods": [{"from": "2025-04-01", "value": 12.5}]},
        "rate": {"type": "number", "periods": [{"from": "2025-04-01", "value": "high"}]},
    }
    messages = _messages(
        write_rules({"f": {"type": "money", "expression": "fee"}}, parameters=parameters)
    )
    assert any("fee must be a whole number of pence" in m for m in messages), messages
    assert any("rate must be a number" in m for m in messages), messages


def test_explanation_templates_are_checked_when_loading(write_rules: RulesWriter) -> None:
    variables = {
        "total": {"type": "money", "expression": "amount", "explain": "It is {totl}."},
        "ok": {
            "type": "boolean",
            "expression": "flag",
            "explain": {"because": "Yes {flag:percent}", "otherwise": "No {"},
        },
    }
    messages = _messages(write_rules(variables))
    assert any("unknown name 'totl'" in m for m in messages), messages
    assert any("{flag:percent} needs a number" in m for m in messages), messages
    assert any("unmatched '{'" in m for m in messages), messages


def test_a_parameter_explanation_may_use_only_its_own_placeholders(
    write_rules: RulesWriter,
) -> None:
    parameters = {
        "fee": {
            "type": "money",
            "explain": "The fee is {value} for {amount}, {key:percent}.",
            "periods": [{"from": "2025-04-01", "value": 100}],
        }
    }
    messages = _messages(
        write_rules({"f": {"type": "money", "expression": "fee"}}, parameters=parameters)
    )
    assert len(messages) == 2, messages
    assert all("a parameter's explanation can use {from}, {to}, {value}" in m for m in messages)


def test_names_must_be_unique_and_not_reserved(write_rules: RulesWriter) -> None:
    variables = {
        "amount": {"type": "money", "expression": "1"},
        "min": {"type": "money", "expression": "1"},
    }
    messages = _messages(write_rules(variables))
    assert any("'amount' is already defined in inputs" in m for m in messages), messages
    assert any("'min' is a reserved word" in m for m in messages), messages


def test_outputs_must_name_variables(write_rules: RulesWriter) -> None:
    path = write_rules({"total": {"type": "money", "expression": "amount"}}, outputs=["totl"])
    assert _messages(path) == ["output 'totl' is not a variable"]


def test_unknown_variable_types_are_schema_problems(write_rules: RulesWriter) -> None:
    (message,) = _messages(write_rules({"total": {"type": "currency", "expression": "amount"}}))
    assert message.startswith("variables.total.type: 'currency' is not one of")


def test_an_input_default_must_be_one_of_its_values(write_rules: RulesWriter) -> None:
    inputs = {"band": {"type": "enumeration", "values": ["A", "B"], "default": "Z"}}
    (message,) = _messages(
        write_rules({"b": {"type": "boolean", "expression": 'band == "A"'}}, inputs=inputs)
    )
    assert message == "the default of band must be one of A, B, not 'Z'"


def test_the_content_hash_ignores_layout_and_comments(tmp_path: Path) -> None:
    original = PARKING.read_text(encoding="utf-8")
    reformatted = tmp_path / "parking-permit-fee.rules.yaml"
    reformatted.write_text("# a new comment\n" + original.replace("  # ", "  #  "), "utf-8")
    assert load_rule_set(reformatted).content_hash == load_rule_set(PARKING).content_hash
    changed = tmp_path / "changed.rules.yaml"
    changed.write_text(original.replace("C: 14000", "C: 14001"), "utf-8")
    assert load_rule_set(changed).content_hash != load_rule_set(PARKING).content_hash


def test_loading_is_cached_by_content(tmp_path: Path) -> None:
    path = tmp_path / "parking.rules.yaml"
    path.write_text(PARKING.read_text(encoding="utf-8"), "utf-8")
    first = load_rule_set(path)
    assert load_rule_set(path) is first
    path.write_text(PARKING.read_text(encoding="utf-8").replace("C: 14000", "C: 15000"), "utf-8")
    assert load_rule_set(path) is not first
