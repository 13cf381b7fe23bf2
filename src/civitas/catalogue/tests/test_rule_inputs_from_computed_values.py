"""Rule inputs from computed values and number or money answers, and the rules' estimate:
each checked for type when the definition is read, and reported at its line. The service
is Council Tax Reduction as it was when counts and sums over its household fed a rule set
deciding for one case."""

import shutil
from pathlib import Path

import pytest

from civitas.catalogue.definition import parse_file
from civitas.catalogue.model import ServiceDefinition
from conftest import SERVICES

SERVICE = SERVICES / "council-tax-reduction" / "service.yaml"
BY_TOTALS = Path(__file__).parent / "fixtures" / "council-tax-reduction-by-totals.yaml"


def _copy(folder: Path, source: str) -> Path:
    shutil.copytree(SERVICE.parent, folder / "council-tax-reduction")
    shutil.copytree(SERVICES / "rules", folder / "rules")
    path = folder / "council-tax-reduction" / "service.yaml"
    path.write_text(source)
    return path


def _problems(tmp_path: Path, *changes: tuple[str, str]) -> list[str]:
    source = BY_TOTALS.read_text()
    for old, new in changes:
        assert old in source, old
        source = source.replace(old, new, 1)
    path = _copy(tmp_path, source)
    return [str(problem) for problem in parse_file(path).problems]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_service_is_valid_with_its_rules_fed_by_computed_values(tmp_path):
    parsed = parse_file(_copy(tmp_path, BY_TOTALS.read_text()))
    assert parsed.problems == []
    assert parsed.welsh_gaps == []
    model = ServiceDefinition.from_document(parsed.definition)
    assert model.rules is not None
    assert model.rules.inputs["dependent_children"] == "children"
    assert model.rules.estimate is not None
    assert model.rules.estimate.value == "annual_reduction_pence"


def test_a_computed_value_of_the_wrong_type_is_refused_at_the_inputs_line(tmp_path):
    problems = _problems(
        tmp_path, ("    capital_pence: household_savings\n", "    capital_pence: children\n")
    )
    path = tmp_path / "council-tax-reduction" / "service.yaml"
    line = _line_of(path, "    capital_pence: children")
    assert problems == [
        f"{path}:{line}: computed value 'children' is integer, but rule input 'capital_pence' "
        "is money"
    ]


def test_a_count_cannot_give_a_yes_or_no_input(tmp_path):
    problems = _problems(
        tmp_path, ("    has_partner: has_partner\n", "    has_partner: children\n")
    )
    assert [p.split(": ", 1)[1] for p in problems] == [
        "computed value 'children' is integer, but rule input 'has_partner' is boolean"
    ]


def test_an_unknown_computed_value_is_refused(tmp_path):
    problems = _problems(
        tmp_path, ("    dependent_children: children\n", "    dependent_children: kids\n")
    )
    assert [p.split(": ", 1)[1] for p in problems] == ["unknown answer or computed value 'kids'"]


def test_money_that_may_be_part_pence_must_be_rounded(tmp_path):
    problems = _problems(
        tmp_path,
        (
            "      ? round(sum(household, relationship == 'other_adult' ? member_income : 0) "
            "/ non_dependants)\n",
            "      ? sum(household, relationship == 'other_adult' ? member_income : 0) "
            "/ non_dependants\n",
        ),
    )
    assert [p.split(": ", 1)[1] for p in problems] == [
        "computed value 'non_dependant_income' may be part-pence, but rule input "
        "'non_dependant_weekly_income_pence' is whole pence: round it, as round(...)"
    ]


def test_a_computed_value_that_reads_the_rules_cannot_give_one_of_their_inputs(tmp_path):
    problems = _problems(
        tmp_path,
        (
            "    expression: \"count(household, relationship == 'child')\"\n",
            "    expression: \"rule('eligible') ? 1 : count(household, relationship == "
            "'child')\"\n",
        ),
    )
    assert [p.split(": ", 1)[1] for p in problems] == [
        "computed value 'children' reads the rules' values with rule(), so it cannot give "
        "rule input 'dependent_children'"
    ]


def test_a_money_answer_may_give_a_money_input_within_its_limits(tmp_path):
    good = _problems(
        tmp_path / "good",
        ("    weekly_income_pence: household_income\n", "    weekly_income_pence: weekly_income\n"),
    )
    assert good == []
    unbounded = _problems(
        tmp_path / "unbounded",
        ("    weekly_income_pence: household_income\n", "    weekly_income_pence: weekly_income\n"),
        (
            '        max: 200000\n        error_messages:\n          required: {en: "Enter your'
            " weekly",
            '        error_messages:\n          required: {en: "Enter your weekly',
        ),
    )
    assert [p.split(": ", 1)[1] for p in unbounded] == [
        "answer 'weekly_income' can be more than 1000000, the most rule input "
        "'weekly_income_pence' takes: give the question max: 1000000 or less"
    ]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            "    dependent_children: weekly_income\n",
            "answer 'weekly_income' is money, but rule input 'dependent_children' is integer",
        ),
        (
            "    dependent_children: full_name\n",
            "answer 'full_name' is a text question: rule inputs come from radios, select, "
            "yes_no, checkboxes, number, money or date questions, derived values or computed "
            "values, whose every value can be checked",
        ),
        (
            "    dependent_children: date_of_birth\n",
            "answer 'date_of_birth' is a date, but rule input 'dependent_children' is integer",
        ),
    ],
)
def test_an_answer_of_another_kind_cannot_give_a_count(tmp_path, mapping, message):
    problems = _problems(tmp_path, ("    dependent_children: children\n", mapping))
    assert [p.split(": ", 1)[1] for p in problems] == [message]


def test_a_number_question_gives_an_integer_input_only_when_whole_and_bounded(tmp_path):
    number_page = (
        "  - id: disability\n",
        "  - id: children-count\n    question:\n      id: children_count\n      type: number\n"
        '      label: {en: "How many children live with you?", cy: "Faint o blant sy\'n byw gyda'
        ' chi?"}\n'
        "      summary_label: {en: Children, cy: Plant}\n"
        "      min: 0\n      max: 15\n{extra}"
        "  - id: disability\n",
    )
    mapping = ("    dependent_children: children\n", "    dependent_children: children_count\n")

    def with_extra(extra: str) -> tuple[str, str]:
        return (number_page[0], number_page[1].replace("{extra}", extra))

    assert _problems(tmp_path / "whole", with_extra(""), mapping) == []
    decimal = _problems(tmp_path / "decimal", with_extra("      decimal: true\n"), mapping)
    assert [p.split(": ", 1)[1] for p in decimal] == [
        "answer 'children_count' is a decimal, but rule input 'dependent_children' is integer"
    ]
    too_many = _problems(
        tmp_path / "too-many",
        (number_page[0], number_page[1].replace("max: 15", "max: 30").replace("{extra}", "")),
        mapping,
    )
    assert [p.split(": ", 1)[1] for p in too_many] == [
        "answer 'children_count' can be more than 15, the most rule input "
        "'dependent_children' takes: give the question max: 15 or less"
    ]


def test_the_estimate_must_be_a_money_value_of_the_rules(tmp_path):
    problems = _problems(tmp_path, ("    value: annual_reduction_pence\n", "    value: eligible\n"))
    path = tmp_path / "council-tax-reduction" / "service.yaml"
    line = _line_of(path, "    value: eligible")
    assert problems == [
        f"{path}:{line}: 'eligible' is not a money variable of council-tax-reduction-estimate"
    ]


def test_an_estimate_label_without_welsh_is_a_welsh_gap(tmp_path):
    source = BY_TOTALS.read_text().replace(
        "      cy: Amcangyfrif o'r Gostyngiad Treth Gyngor am flwyddyn\n", "", 1
    )
    parsed = parse_file(_copy(tmp_path, source))
    assert parsed.problems == []
    assert [gap.message for gap in parsed.welsh_gaps] == [
        "rules.estimate.label: no Welsh (cy) text"
    ]
