"""A text written in English only is a Welsh gap: reported at its line as a warning, or
refused where the organisation requires Welsh."""

import textwrap

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.public import DefinitionInvalid, publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.identity.public import ensure_organisation, organisation_requires_welsh

SOURCE = textwrap.dedent(SMALL)
TITLE_LINE = SOURCE.splitlines().index("title: A small service") + 1


def _gaps(source: str) -> list[str]:
    parsed = parse_definition(source, filename="small.yaml")
    assert parsed.problems == []
    return [gap.message.split(":")[0] for gap in parsed.welsh_gaps]


def _all_in_welsh(source: str) -> str:
    """The definition with every text it has in English only written in Welsh too."""
    document = yaml.safe_load(source)
    for path in _gaps(source):
        *parents, last = [int(p) if p.isdigit() else p for p in _parts(path)]
        node = document
        for part in parents:
            node = node[part]
        node[last] = {"en": node[last], "cy": f"Cymraeg: {node[last]}"}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _parts(dotted: str) -> list[str]:
    return dotted.replace("[", ".").replace("]", "").split(".")


def test_every_text_written_in_english_only_is_a_gap_at_its_line():
    parsed = parse_definition(SOURCE, filename="small.yaml")

    gaps = {gap.message.split(":")[0]: gap.line for gap in parsed.welsh_gaps}
    # Each gap at the line that holds its text.
    written_on = {
        "title": "title: A small service",
        "start.lead": "Apply for something small.",
        "pages[0].question.label": "label: Which colour?",
        "pages[0].question.options[0].label": "{value: red, label: Red}",
        "pages[0].question.options[1].label": "label: Blue",
        "pages[0].question.options[1].hint": "hint: Like the sky",
        "pages[1].title": "title: We have no red",
        "pages[1].body[0]": "Choose another colour.",
        "pages[2].question.label": "Your email?",
        "check_answers.title": "check_answers: {title: Check}",
        "declaration.text[0]": "It is true.",
        "declaration.confirm": "confirm: I confirm",
        "confirmation.title": "confirmation: {title: Done}",
        "privacy.purpose": "purpose: To decide",
        "privacy.lawful_basis": "lawful_basis: Public task",
        "privacy.retention": "retention: 1 year",
        "messages.submitted.subject": "subject: Application received",
        "messages.submitted.body": "body: We have your application.",
    }
    lines = SOURCE.splitlines()
    expected = {
        path: next(number for number, line in enumerate(lines, 1) if text in line)
        for path, text in written_on.items()
    }
    assert {path: gaps[path] for path in expected} == expected
    # Identifiers, values, emails and expressions are not texts.
    assert not any(path.endswith((".id", ".value", ".type", "slug")) for path in gaps)
    assert "contact.email" not in gaps
    assert "fees.by[0]" not in gaps
    assert all(str(gap).startswith("small.yaml:") for gap in parsed.welsh_gaps)


def test_a_text_written_in_both_languages_is_not_a_gap():
    welsh_title = SOURCE.replace(
        "title: A small service", "title: {en: A small service, cy: Gwasanaeth bach}"
    )
    assert "title" in _gaps(SOURCE)
    assert "title" not in _gaps(welsh_title)
    assert len(_gaps(welsh_title)) == len(_gaps(SOURCE)) - 1


def test_a_mapping_without_welsh_is_a_gap():
    english_mapping = SOURCE.replace("title: A small service", "title: {en: A small service}")
    assert "title" in _gaps(english_mapping)


def test_a_definition_written_in_both_languages_has_no_gaps():
    assert _gaps(_all_in_welsh(SOURCE)) == []


@pytest.fixture
def small_file(tmp_path):
    def write(source: str):
        path = tmp_path / "small" / "service.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
        return path

    return write


def test_an_organisation_that_requires_welsh_is_refused_a_service_with_a_gap(db, small_file):
    ensure_organisation(slug="example-borough", name="Example Borough", requires_welsh=True)
    assert organisation_requires_welsh("example-borough")

    with pytest.raises(DefinitionInvalid) as refused:
        publish_service_file(small_file(SOURCE), published_by="test")

    messages = [problem.message for problem in refused.value.problems]
    assert "title: no Welsh (cy) text: Example Borough requires Welsh" in messages
    published = publish_service_file(small_file(_all_in_welsh(SOURCE)), published_by="test")
    assert published.is_new


def test_an_organisation_that_does_not_require_welsh_publishes_with_gaps(db, small_file):
    ensure_organisation(slug="example-borough", name="Example Borough")
    assert publish_service_file(small_file(SOURCE), published_by="test").is_new


def test_validate_lists_each_gap_as_a_warning_and_passes(db, small_file, capsys):
    ensure_organisation(slug="example-borough", name="Example Borough")
    path = small_file(SOURCE)

    call_command("services", "validate", str(path))

    err = capsys.readouterr().err
    assert f"{path}:{TITLE_LINE}: warning: title: no Welsh (cy) text" in err


def test_validate_refuses_the_gaps_where_the_organisation_requires_welsh(db, small_file, capsys):
    ensure_organisation(slug="example-borough", name="Example Borough", requires_welsh=True)
    path = small_file(SOURCE)

    with pytest.raises(CommandError):
        call_command("services", "validate", str(path))

    err = capsys.readouterr().err
    assert f"{path}:{TITLE_LINE}: title: no Welsh (cy) text: Example Borough requires Welsh" in err
    assert "warning" not in err


def test_load_counts_the_gaps_in_one_line(db, small_file, capsys):
    ensure_organisation(slug="example-borough", name="Example Borough")
    path = small_file(SOURCE)

    call_command("services", "load", str(path))

    err = capsys.readouterr().err
    assert err.count("warning") == 1
    assert "text(s) have no Welsh" in err


def test_an_organisation_is_marked_as_requiring_welsh_and_back(db, capsys):
    call_command("organisations", "add", "cyngor", "--name", "Cyngor", "--requires-welsh")
    assert organisation_requires_welsh("cyngor")
    call_command("organisations", "list")
    assert "cyngor\tCyngor\trequires Welsh" in capsys.readouterr().out
    # Renaming alone keeps the requirement; --no-requires-welsh lifts it.
    call_command("organisations", "add", "cyngor", "--name", "Cyngor Sir")
    assert organisation_requires_welsh("cyngor")
    call_command("organisations", "add", "cyngor", "--name", "Cyngor", "--no-requires-welsh")
    assert not organisation_requires_welsh("cyngor")


def test_a_text_without_letters_reads_the_same_in_welsh_and_is_no_gap():
    numbers = SOURCE.replace("{value: red, label: Red}", '{value: red, label: "2"}')
    assert "pages[0].question.options[0].label" not in _gaps(numbers)
