"""Checking service definitions: every problem reported as file:line, nothing stored."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civitas.catalogue.definition import parse_definition, parse_file
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.public import get_live_service, publish_service_file
from conftest import PARKING_PERMIT


def _problems(source: str, tmp_path: Path | None = None) -> list[str]:
    parsed = parse_definition(textwrap.dedent(source), filename="svc.yaml", base_dir=tmp_path)
    return [str(problem) for problem in parsed.problems]


def _valid_source() -> str:
    return PARKING_PERMIT.read_text()


def test_the_example_service_is_valid():
    assert parse_file(PARKING_PERMIT).problems == []


def test_invalid_yaml_is_reported_with_its_line():
    problems = _problems("slug: a\ntitle: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith("svc.yaml:")
    assert "invalid YAML" in problems[0]


def test_a_document_that_is_not_a_mapping_is_refused():
    assert _problems("- just\n- a list\n") == [
        "svc.yaml:1: a service definition must be a YAML mapping"
    ]


def test_an_unknown_key_is_reported_at_its_line(tmp_path):
    source = _valid_source().replace(
        "organisation: Example", "colour: blue\norganisation: Example", 1
    )
    (tmp_path / "data").mkdir()
    line = next(n for n, text in enumerate(source.splitlines(), 1) if text.startswith("colour:"))
    problems = [
        str(p) for p in parse_definition(source, filename="svc.yaml", base_dir=tmp_path).problems
    ]
    assert any(p.startswith(f"svc.yaml:{line}:") and "colour" in p for p in problems), problems


def test_a_wrong_type_is_reported_at_the_value(tmp_path):
    source = _valid_source().replace("      max_length: 100\n", "      max_length: lots\n")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "max_length: lots" in text)
    problems = [str(p) for p in parse_file_from(source, tmp_path)]
    assert any(p.startswith(f"{tmp_path / 'service.yaml'}:{line}:") for p in problems), problems


def parse_file_from(source: str, folder: Path):
    import shutil

    shutil.copytree(PARKING_PERMIT.parent / "data", folder / "data", dirs_exist_ok=True)
    path = folder / "service.yaml"
    path.write_text(source)
    return parse_file(path).problems


def test_a_route_to_an_unknown_page_is_reported(tmp_path):
    source = _valid_source().replace("goto: not-in-a-zone", "goto: nowhere")
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert "unknown page 'nowhere'" in problems


def test_a_condition_on_an_answer_not_yet_asked_is_reported(tmp_path):
    source = _valid_source().replace(
        "- if: {answer: zone, is: missing}", "- if: {answer: email, is: missing}"
    )
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert "answer 'email' is not asked on or before this page" in problems


def test_a_missing_fee_is_reported(tmp_path):
    source = _valid_source().replace('    D: {"6": 13000, "12": 24000}\n', "")
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert "no fee for co2_band 'D'" in problems


def test_an_unknown_message_placeholder_is_reported(tmp_path):
    source = _valid_source().replace("Your reference is {reference}.", "Hello {name}.", 1)
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert any("unknown placeholder '{name}'" in p for p in problems)


def test_a_missing_data_file_is_reported(tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(_valid_source())
    problems = [p.message for p in parse_file(path).problems]
    assert "data file 'data/postcode-zones.csv' not found" in problems


def test_validate_command_prints_file_and_line_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "service.yaml"
    bad.write_text("slug: Not A Slug\n")
    with pytest.raises(CommandError) as raised:
        call_command("services", "validate", str(bad))
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err


def test_load_command_stores_nothing_when_a_definition_is_invalid(db, tmp_path):
    bad = tmp_path / "service.yaml"
    bad.write_text("slug: broken\n")
    with pytest.raises(CommandError):
        call_command("services", "load", str(PARKING_PERMIT), str(bad))
    assert not ServiceVersion.objects.exists()


def test_publishing_the_same_definition_twice_keeps_one_version(db):
    first = publish_service_file(PARKING_PERMIT, published_by="test")
    again = publish_service_file(PARKING_PERMIT, published_by="test")
    assert (first.version, first.is_new) == (1, True)
    assert (again.version, again.is_new) == (1, False)


def test_publishing_a_change_makes_a_new_live_version_and_retires_the_old(db, tmp_path):
    publish_service_file(PARKING_PERMIT, published_by="test")
    import shutil

    shutil.copytree(PARKING_PERMIT.parent, tmp_path / "svc")
    changed = tmp_path / "svc" / "service.yaml"
    changed.write_text(changed.read_text().replace("about 5 minutes", "about 4 minutes"))
    result = publish_service_file(changed, published_by="test")
    assert result.version == 2
    assert get_live_service("resident-parking-permit").version == 2
    assert ServiceVersion.objects.get(version=1).status == "retired"
