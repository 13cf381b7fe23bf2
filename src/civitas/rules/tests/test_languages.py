"""Labels and explanations in English and Welsh, and rule sets that must cite their law."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from civitas.rules.evaluate import InputError, decide
from civitas.rules.loader import load_rule_set, validate_file
from civitas.rules.model import RuleSet
from civitas.rules.scenarios import run_scenarios, validate_scenarios_file
from civitas.rules.tests.conftest import FIXTURES, LANGUAGE, PARKING

WELSH_FIXTURE = FIXTURES / "welsh.rules.yaml"
APRIL_1 = datetime.date(2026, 4, 1)
CASE = {"size": "large", "collected_on": datetime.date(2026, 4, 7), "is_resident": True}


@pytest.fixture(scope="module")
def bilingual() -> RuleSet:
    return load_rule_set(WELSH_FIXTURE)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "texts.rules.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    return path


def messages_by_line(path: Path) -> dict[int | None, str]:
    return {problem.line: problem.message for problem in validate_file(path)}


def test_a_decision_is_explained_in_english_by_default(bilingual: RuleSet) -> None:
    decision = decide(bilingual, CASE, APRIL_1)

    assert decision.language == "en"
    assert decision.explanation == (
        "You live in the borough.",
        "The fee for a large bin collected on 7 April 2026 (until further notice) is £30.",
        "Collected in the morning: yes.",
    )


def test_welsh_sentences_use_welsh_labels_dates_and_words(bilingual: RuleSet) -> None:
    decision = decide(bilingual, CASE, APRIL_1, language="cy")

    assert decision.language == "cy"
    assert decision.explanation == (
        "Rydych yn byw yn y fwrdeistref.",
        "Y ffi am fin mawr a gesglir ar 7 Ebrill 2026 (hyd nes y rhoddir rhybudd pellach) yw £30.",
        "Yn cael ei gasglu yn y bore: ie.",
    )


def test_a_welsh_otherwise_sentence_and_no_are_welsh(bilingual: RuleSet) -> None:
    decision = decide(bilingual, {**CASE, "is_resident": False}, APRIL_1, language="cy")

    assert decision.explanation[0] == "Nid ydych yn byw yn y fwrdeistref."
    assert decision.explanation[-1] == "Yn cael ei gasglu yn y bore: na."


def test_a_parameters_sentence_and_label_follow_the_language(bilingual: RuleSet) -> None:
    english = decide(bilingual, CASE, APRIL_1)
    welsh = decide(bilingual, CASE, APRIL_1, language="cy")

    assert english.parameters[0].sentence == (
        "A large bin costs £30 from 1 April 2026 until further notice."
    )
    assert welsh.parameters[0].sentence == (
        "Mae bin mawr yn costio £30 o 1 Ebrill 2026 hyd nes y rhoddir rhybudd pellach."
    )
    assert welsh.parameters[0].label == "Tâl am fin"
    assert welsh.trace["fee_pence"].label == "Ffi"


def test_the_decision_record_says_which_language_it_is_in(bilingual: RuleSet) -> None:
    assert decide(bilingual, CASE, APRIL_1, language="cy").to_dict()["language"] == "cy"
    assert decide(bilingual, CASE, APRIL_1).to_dict(trace=False)["language"] == "en"


def test_the_same_values_are_decided_in_either_language(bilingual: RuleSet) -> None:
    english = decide(bilingual, CASE, APRIL_1)
    welsh = decide(bilingual, CASE, APRIL_1, language="cy")

    assert english.values == welsh.values


def test_a_language_the_engine_does_not_know_is_refused(bilingual: RuleSet) -> None:
    with pytest.raises(InputError) as raised:
        decide(bilingual, CASE, APRIL_1, language="fr")

    assert raised.value.name == "language"
    assert "must be one of en, cy, not 'fr'" in str(raised.value)


def test_rules_without_welsh_are_explained_in_english_when_welsh_is_asked_for(
    council_tax: RuleSet,
) -> None:
    assert council_tax.languages == ("en",)
    inputs = {"claimant_age": 30, "weekly_income_pence": 5000, "weekly_council_tax_pence": 3000}

    decision = decide(council_tax, inputs, APRIL_1, language="cy")

    assert decision.language == "en"
    assert "Ebrill" not in " ".join(decision.explanation)


def test_the_parking_permit_fee_is_explained_in_welsh(parking: RuleSet) -> None:
    decision = decide(
        parking,
        {"co2_band": "C", "permit_months": 12, "permits_already_in_household": 0},
        APRIL_1,
        language="cy",
    )

    assert decision.explanation[-2:] == (
        "Gan mai hon fyddai'r drwydded gyntaf yn eich aelwyd, nid oes gordal.",
        "Ffi i'w thalu: £140.",
    )
    assert (
        "Y ffi am drwydded 12 mis ar gyfer cerbyd band C o 1 Ebrill 2026 ymlaen yw £140."
        in decision.explanation
    )


def test_every_missing_welsh_text_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        metadata:
          name: gaps
          title: Gaps
          version: "1"
          languages: [en, cy]
          sources: [{title: Test}]
        inputs:
          size:
            type: enumeration
            label: {en: Size, cy: Maint}
            values: [small, large]
            labels:
              small: small
              large: {en: large, cy: mawr}
          count:
            type: integer
            label: How many
        parameters:
          rate:
            type: number
            label: {en: Rate, cy: Cyfradd}
            explain: The rate is {value}.
            periods: [{from: 2026-01-01, value: 0.5}]
        variables:
          big:
            type: boolean
            label: {en: Big, cy: Mawr}
            expression: size == "large"
            explain:
              because: {en: It is big., cy: Mae'n fawr.}
              otherwise: It is not big.
          total:
            type: number
            expression: count * rate
            explain: {en: "Total: {total}."}
        """,
    )

    problems = messages_by_line(path)

    assert problems == {
        13: "size: the label for 'small' has no Welsh (cy) text, and the rule set declares "
        "languages: [en, cy]",
        17: "count: label has no Welsh (cy) text, and the rule set declares languages: [en, cy]",
        22: "rate: explanation has no Welsh (cy) text, and the rule set declares "
        "languages: [en, cy]",
        31: "big: explanation has no Welsh (cy) text, and the rule set declares "
        "languages: [en, cy]",
        32: "total has no label; a rule set in several languages labels every input, "
        "parameter and variable in each (label: {en: ..., cy: ...})",
        35: "total: explanation has no Welsh (cy) text, and the rule set declares "
        "languages: [en, cy]",
    }


def test_welsh_in_a_rule_set_that_does_not_declare_it_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        metadata:
          name: undeclared
          title: Undeclared
          version: "1"
          sources: [{title: Test}]
        inputs:
          count:
            type: integer
            label:
              en: How many
              cy: Sawl un
        variables:
          double:
            type: integer
            expression: count * 2
        """,
    )

    assert messages_by_line(path) == {
        11: "count: label is written in Welsh (cy), but metadata.languages does not declare cy"
    }


def test_a_welsh_sentence_is_checked_like_an_english_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        metadata:
          name: checked
          title: Checked
          version: "1"
          languages: [en, cy]
          sources: [{title: Test}]
        inputs:
          count:
            type: integer
            label: {en: How many, cy: Sawl un}
        variables:
          double:
            type: integer
            label: {en: Double, cy: Dwbl}
            expression: count * 2
            explain:
              en: "Double: {double}."
              cy: "Dwbl: {dwbl}."
        """,
    )

    assert messages_by_line(path) == {18: "double: explanation uses unknown name 'dwbl'"}


def test_plain_strings_stay_valid_english_only_texts() -> None:
    assert validate_file(LANGUAGE) == []
    assert load_rule_set(LANGUAGE).languages == ("en",)


def test_a_rule_set_that_requires_citations_reports_each_rule_without_one(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
        metadata:
          name: cited
          title: Cited
          version: "1"
          citations: required
          sources: [{title: Test}]
        inputs:
          count: {type: integer}
        parameters:
          rate:
            type: number
            periods: [{from: 2026-01-01, value: 0.5}]
          cap:
            type: number
            source: {reference: "Order 2026, art. 2(1)"}
            periods: [{from: 2026-01-01, value: 10}]
        variables:
          total:
            type: number
            expression: min(count * rate, cap)
            source: {reference: "Order 2026, art. 2(2)"}
          doubled:
            type: number
            expression: total * 2
        """,
    )

    assert messages_by_line(path) == {
        10: "rate has no source; this rule set requires every parameter and variable to cite "
        "where it comes from (source: {reference: ...})",
        22: "doubled has no source; this rule set requires every parameter and variable to "
        "cite where it comes from (source: {reference: ...})",
    }


def test_the_parking_permit_rules_cite_every_rule(parking: RuleSet) -> None:
    assert parking.citations_required
    assert parking.languages == ("en", "cy")
    for spec in [*parking.parameters.values(), *parking.variables.values()]:
        assert spec.source is not None, spec.name
        assert "TMO 2025" in spec.source.reference


def test_a_welsh_scenario_checks_the_welsh_explanation(tmp_path: Path) -> None:
    path = tmp_path / "welsh.scenarios.yaml"
    path.write_text(
        f"rules: {WELSH_FIXTURE}\n"
        "scenarios:\n"
        "  - name: In Welsh\n"
        "    on: 2026-04-01\n"
        "    language: cy\n"
        "    inputs: {size: small, collected_on: 2026-04-02, is_resident: true}\n"
        "    expect: {fee_pence: 1500}\n"
        "    explanation_includes: [Y ffi am fin bach, The fee for]\n",
        "utf-8",
    )

    report = run_scenarios(path)

    [case] = report.cases
    assert case.missing_text == ("The fee for",)


def test_a_welsh_scenario_for_rules_without_welsh_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "english.scenarios.yaml"
    path.write_text(
        f"rules: {PARKING.parent / 'council-tax-reduction-estimate.rules.yaml'}\n"
        "scenarios:\n"
        "  - name: In Welsh\n"
        "    on: 2026-04-01\n"
        "    language: cy\n"
        "    inputs: {}\n"
        "    expect: {eligible: true}\n",
        "utf-8",
    )

    messages = [(p.line, p.message) for p in validate_scenarios_file(path)]

    assert (
        5,
        "the scenario is in language cy, but council-tax-reduction-estimate declares "
        "languages: [en]",
    ) in messages


HOUSEHOLD_IN_WELSH = """
metadata:
  name: household-in-welsh
  title: Household in Welsh
  version: "1"
  languages: [en, cy]
  sources: [{title: Test scheme, reference: TS 2026}]
group:
  name: household
  member: person
  roles:
    claimant: {label: {en: the applicant, cy: yr ymgeisydd}, minimum: 1, maximum: 1}
    lodger: {label: {en: lodger, cy: lletywr}}
inputs:
  is_student:
    type: boolean
    entity: person
    label: {en: Is a student, cy: Yn fyfyriwr}
    default: false
variables:
  deduction:
    type: money
    entity: person
    label: {en: Deduction, cy: Didyniad}
    expression: '1500'
    explain:
      en: We take off {deduction} a week for {member}.
      cy: Rydym yn tynnu {deduction} yr wythnos ar gyfer {member}.
    exceptions:
      - name: student
        label: {en: Students, cy: Myfyrwyr}
        when: is_student
        expression: '0'
        explain:
          en: We take nothing off for {member}, who is a student.
          cy: Nid ydym yn tynnu dim ar gyfer {member}, sy'n fyfyriwr.
  total:
    type: money
    label: {en: Total deductions, cy: Cyfanswm y didyniadau}
    expression: 'sum(role == "lodger" ? deduction : 0)'
outputs: [total]
"""


def test_exceptions_and_members_are_explained_in_welsh(tmp_path: Path) -> None:
    rules = load_rule_set(write(tmp_path, HOUSEHOLD_IN_WELSH))
    members = [
        {"role": "claimant"},
        {"role": "lodger"},
        {"role": "lodger", "is_student": True},
    ]

    decision = decide(rules, {"members": members}, APRIL_1, language="cy")

    assert decision.explanation == (
        "Rydym yn tynnu £15 yr wythnos ar gyfer lletywr 1.",
        "Nid ydym yn tynnu dim ar gyfer lletywr 2, sy'n fyfyriwr.",
        "Cyfanswm y didyniadau: £15.",
    )
    assert decision.trace["deduction"].display == (
        "yr ymgeisydd: £15; lletywr 1: £15; lletywr 2: £0"
    )


def test_an_exceptions_missing_welsh_is_reported(tmp_path: Path) -> None:
    text = HOUSEHOLD_IN_WELSH.replace(
        "          cy: Nid ydym yn tynnu dim ar gyfer {member}, sy'n fyfyriwr.\n", ""
    )
    path = write(tmp_path, text)

    assert messages_by_line(path) == {
        34: "deduction: exception student: explanation has no Welsh (cy) text, and the rule "
        "set declares languages: [en, cy]"
    }
