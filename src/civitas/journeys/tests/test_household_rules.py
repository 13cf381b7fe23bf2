"""A service whose rules decide for a household: the applicant and each member of a
repeating group reach the rules as the household's members, with their roles."""

import datetime
import re
import shutil
from pathlib import Path

import pytest

from civitas.catalogue.definition import parse_file
from civitas.catalogue.tests.memory import REPO
from civitas.journeys.decisions import answers_needed, rules_outcome
from civitas.journeys.flow import estimate_for
from civitas.journeys.tests.test_council_tax_reduction import household_answers
from civitas.rules.public import load_rule_set_source
from conftest import publish_example

SERVICE = REPO / "services" / "council-tax-reduction" / "service.yaml"

HOUSEHOLD_RULES = """\
metadata:
  name: household-reduction
  title: A household reduction (test)
  version: "1"
  sources: [{title: Test scheme}]
group:
  name: household
  member: person
  roles:
    claimant: {label: the applicant, minimum: 1, maximum: 1}
    partner: {label: the partner, maximum: 1}
    dependant: {label: child}
    non_dependant: {label: non-dependant}
inputs:
  weekly_council_tax: {type: money}
  weekly_income: {type: money, entity: person}
  date_of_birth: {type: date, entity: person}
variables:
  non_dependant_deduction:
    type: money
    entity: person
    expression: 'role == "non_dependant" and weekly_income >= 20000 ? 1000 : 0'
    explain: "We take off {non_dependant_deduction} for {member}."
  couple_income:
    type: money
    expression: 'sum(role in ["claimant", "partner"] ? weekly_income : 0)'
  children:
    type: integer
    expression: 'count(role == "dependant")'
  annual_reduction_pence:
    type: money
    expression: max(0, weekly_council_tax - sum(non_dependant_deduction) - couple_income // 10) * 52
outputs: [annual_reduction_pence, children]
"""

MEMBERS = """\
  members:
    - role: claimant
      inputs: {weekly_income: earnings, date_of_birth: date_of_birth}
    - from: household
      role_answer: relationship
      roles: {partner: partner, child: dependant, other_adult: non_dependant}
      inputs: {weekly_income: member_earnings, date_of_birth: member_date_of_birth}
"""


def _service(folder: Path, members: str = MEMBERS) -> Path:
    shutil.copytree(SERVICE.parent, folder / "council-tax-reduction")
    (folder / "rules").mkdir()
    (folder / "rules" / "household.rules.yaml").write_text(HOUSEHOLD_RULES)
    digest = load_rule_set_source(HOUSEHOLD_RULES, filename="household.rules.yaml").content_hash
    source = SERVICE.read_text()
    start, end = source.index("rules:\n"), source.index("  estimate:\n")
    source = (
        source[:start]
        + "rules:\n  file: ../rules/household.rules.yaml\n"
        + f"  sha256: {digest}\n  inputs:\n    weekly_council_tax: weekly_council_tax\n"
        + members
        + source[end:]
    )
    path = folder / "council-tax-reduction" / "service.yaml"
    path.write_text(source)
    return path


def test_the_applicant_and_each_member_of_the_group_are_the_rules_household(db, tmp_path):
    service = publish_example(_service(tmp_path))

    # The band's weekly amount is derived from the band when its page is answered.
    answers = {**household_answers(), "weekly_council_tax": "3887"}
    outcome = rules_outcome(service, answers, today=datetime.date(2026, 5, 1))

    assert outcome is not None
    decision = outcome.decision
    roles = [member["role"] for member in decision.inputs["members"]]
    assert roles == ["claimant", "partner", "dependant", "non_dependant"]
    # Band C is £38.87 a week; Kit earns £300, so £10 comes off; the couple's £200 a week
    # takes off another £20.
    assert decision.outputs == {"annual_reduction_pence": (3887 - 1000 - 2000) * 52, "children": 1}
    assert "We take off £10 for non-dependant." in decision.explanation
    assert "household" in answers_needed(service)


def test_an_estimate_from_members_sensitive_answers_is_sensitive(db, tmp_path):
    # The household's own input (the band's weekly amount) is not sensitive; the earnings
    # each member brings are.
    service = publish_example(_service(tmp_path))
    assert service.model.rules is not None
    assert "weekly_council_tax" not in service.model.sensitive_ids
    assert service.model.rules_read_sensitive


def test_no_decision_until_the_group_is_answered(db, tmp_path):
    service = publish_example(_service(tmp_path))
    answers = {**household_answers(), "weekly_council_tax": "3887"}
    del answers["household"]

    assert rules_outcome(service, answers, today=datetime.date(2026, 5, 1)) is None


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ("", "decides for a household of persons: say where each member comes from"),
        (
            MEMBERS.replace("role: claimant", "role: lodger"),
            "'lodger' is not a role of the household",
        ),
        (MEMBERS.replace("child: dependant, ", ""), "roles has no role for the answer 'child'"),
        (
            MEMBERS.replace("from: household", "from: benefits"),
            "'benefits' is not a repeating group",
        ),
        (
            MEMBERS.replace(
                "date_of_birth: member_date_of_birth", "date_of_birth: member_earnings"
            ),
            "is money, but",
        ),
        (
            MEMBERS.replace("weekly_income: member_earnings", "weekly_income: income"),
            "'income' is not a question of the group",
        ),
        (
            MEMBERS.replace(
                "inputs: {weekly_income: earnings, date_of_birth: date_of_birth}",
                "inputs: {weekly_income: earnings}",
            ),
            "member input 'date_of_birth' has no default",
        ),
        (
            MEMBERS.replace("role_answer: relationship", "role_answer: member_name"),
            "'member_name' is not a required radios or select",
        ),
    ],
)
def test_members_that_the_rules_cannot_take_are_refused_at_their_line(tmp_path, members, message):
    path = _service(tmp_path, members)
    problems = [str(p) for p in parse_file(path).problems]
    assert any(re.search(re.escape(message), p) for p in problems), problems
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", p) for p in problems)


def test_a_household_that_does_not_fit_the_roles_leaves_the_estimate_to_staff(db, tmp_path):
    service = publish_example(_service(tmp_path))
    answers = {**household_answers(), "weekly_council_tax": "3887"}
    answers["household"] = [*answers["household"], dict(answers["household"][0])]  # two partners

    assert estimate_for(service, answers, today=datetime.date(2026, 5, 1)) is None


def test_a_fee_decided_for_a_household_must_fit_the_rules_roles(tmp_path):
    path = _service(tmp_path)
    path.write_text(
        path.read_text().replace("  estimate:\n", "  fee: annual_reduction_pence\n  estimate:\n", 1)
    )
    problems = [str(p) for p in parse_file(path).problems]
    assert any(
        "up to 8 members the role 'partner', but household allows at most 1" in p for p in problems
    )


def test_the_applicants_inputs_may_come_from_computed_values(db, tmp_path):
    path = _service(
        tmp_path,
        MEMBERS.replace("weekly_income: earnings,", "weekly_income: earnings_counted,"),
    )
    source = path.read_text()
    path.write_text(
        source.replace(
            "computed:\n",
            "computed:\n  earnings_counted:\n    expression: earnings + 0\n"
            "    label: {en: Earnings counted, cy: Enillion a gyfrifir}\n",
            1,
        )
    )
    computed_service = publish_example(path)
    answers = {**household_answers(), "weekly_council_tax": "3887"}

    outcome = rules_outcome(computed_service, answers, today=datetime.date(2026, 5, 1))

    assert outcome is not None
    applicant = outcome.decision.inputs["members"][0]
    assert applicant["weekly_income"] == int(answers["earnings"])
