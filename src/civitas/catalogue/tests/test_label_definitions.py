"""`labels`: the labels a service's caseworkers may put on its cases, declared in the
definition and checked at load, each problem at its file:line."""

import textwrap

from django.utils import translation

from civitas.catalogue.definition import LABEL_MAX_LENGTH, parse_definition
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_model import SMALL


def with_labels(labels: str) -> str:
    return textwrap.dedent(SMALL) + textwrap.dedent(labels)


def _problems(source: str) -> list[str]:
    return [str(problem) for problem in parse_definition(source, filename="service.yaml").problems]


def _line(source: str, text: str, nth: int = 1) -> int:
    lines = [n for n, line in enumerate(source.splitlines(), 1) if text in line]
    return lines[nth - 1]


LABELLED = with_labels(
    """
    labels:
      - id: urgent
        label: {en: Urgent, cy: Brys}
      - id: visit
        label: Needs a visit
    """
)


def test_the_labels_are_read_in_order_with_their_welsh():
    labels = service_from_yaml(LABELLED).model.labels
    assert [spec.id for spec in labels] == ["urgent", "visit"]
    with translation.override("cy"):
        assert str(labels[0].label.__html__()) == "Brys"
    assert labels[0].label == "Urgent"
    assert labels[1].label == "Needs a visit"


def test_a_service_without_labels_has_none():
    assert service_from_yaml(textwrap.dedent(SMALL)).model.labels == ()


def test_a_label_id_used_twice_is_reported_at_its_line():
    source = with_labels(
        """
        labels:
          - id: urgent
            label: Urgent
          - id: urgent
            label: Very urgent
        """
    )
    assert _problems(source) == [
        f"service.yaml:{_line(source, 'id: urgent', 2)}: label id 'urgent' is used twice"
    ]


def test_a_label_too_long_for_a_tag_is_reported_at_the_line_of_its_language():
    source = with_labels(
        f"""
        labels:
          - id: urgent
            label:
              en: Urgent
              cy: {"B" * (LABEL_MAX_LENGTH + 1)}
        """
    )
    (problem,) = _problems(source)
    assert problem.startswith(f"service.yaml:{_line(source, 'cy: BBB')}: a label is at most 40")


def test_a_label_id_that_is_not_an_identifier_is_refused_by_the_schema():
    source = with_labels(
        """
        labels:
          - id: Urgent!
            label: Urgent
        """
    )
    (problem,) = _problems(source)
    assert problem.startswith(f"service.yaml:{_line(source, 'Urgent!')}:")


def test_a_label_without_words_or_with_other_keys_is_refused():
    source = with_labels(
        """
        labels:
          - id: urgent
            colour: red
        """
    )
    problems = _problems(source)
    assert problems
    assert all(problem.startswith("service.yaml:") for problem in problems)


def test_every_example_service_with_labels_is_valid_and_welsh_where_the_service_is():
    from conftest import SERVICES

    for name in ("report-a-problem", "resident-parking-permit"):
        parsed = parse_definition(
            (SERVICES / name / "service.yaml").read_text(),
            filename=f"{name}/service.yaml",
            base_dir=SERVICES / name,
        )
        assert parsed.problems == []
        assert parsed.definition["labels"]
        assert not [gap for gap in parsed.welsh_gaps if "labels" in gap.message]
