"""A checkboxes answer gives a rule input: an enumeration by the first option chosen that
the enumeration has, or true or false by whether one option is chosen. Everything else is
refused at the input's line when the definition is read."""

import re
import shutil
from pathlib import Path

import pytest

from civitas.catalogue.definition import parse_file
from civitas.catalogue.model import ServiceDefinition
from conftest import SERVICES

SERVICE = SERVICES / "council-tax-reduction" / "service.yaml"


def _problems(tmp_path: Path, old: str, new: str) -> tuple[Path, list[str]]:
    shutil.copytree(SERVICE.parent, tmp_path / "council-tax-reduction")
    shutil.copytree(SERVICES / "rules", tmp_path / "rules")
    source = SERVICE.read_text()
    assert old in source, old
    path = tmp_path / "council-tax-reduction" / "service.yaml"
    path.write_text(source.replace(old, new, 1))
    return path, [str(problem) for problem in parse_file(path).problems]


def test_the_council_tax_reduction_service_takes_disability_and_care_from_checkboxes():
    parsed = parse_file(SERVICE)
    assert parsed.problems == []
    assert parsed.welsh_gaps == []
    rules = ServiceDefinition.from_document(parsed.definition).rules
    assert rules is not None
    applicant, household = rules.members
    assert applicant.inputs["disability_benefit"] == "support"
    assert applicant.inputs["blind"] == "support"
    assert applicant.includes == {
        "blind": "blind",
        "gets_carers_allowance": "carers_allowance",
        "has_paid_carer": "paid_carer",
    }
    assert household.includes["blind"] == "blind"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "        hours_worked: member_hours\n",
            "        hours_worked: member_support\n",
            "answer 'member_support' is a checkboxes question: it gives an enumeration (the "
            "first option chosen), or true or false with `{answer: member_support, includes: "
            "VALUE}`, but rule input 'hours_worked' is integer",
        ),
        (
            "        student: member_student\n",
            "        student: member_support\n",
            "but rule input 'student' is boolean",
        ),
        (
            "        blind: {answer: support, includes: blind}\n",
            "        blind: {answer: support, includes: sighted}\n",
            "'sighted' is not an option of checkboxes question 'support'",
        ),
        (
            "        blind: {answer: support, includes: blind}\n",
            "        blind: {answer: benefit, includes: none}\n",
            "'benefit' is not a checkboxes question: only its options can be included",
        ),
        (
            "        benefit: benefit\n",
            "        benefit: {answer: support, includes: blind}\n",
            "rule input 'benefit' is enumeration: `includes` gives true or false",
        ),
        (
            "        benefit: benefit\n",
            "        benefit: support\n",
            "no option of answer 'support' is a value of rule input 'benefit'",
        ),
    ],
)
def test_a_checkboxes_answer_the_input_cannot_take_is_refused_at_its_line(
    tmp_path, old, new, message
):
    path, problems = _problems(tmp_path, old, new)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text == new[:-1])
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: ")
    assert re.search(re.escape(message), problems[0]), problems
