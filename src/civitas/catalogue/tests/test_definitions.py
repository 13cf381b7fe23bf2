"""Checking service definitions: every problem reported as file:line, nothing stored."""

import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civitas.catalogue.definition import parse_definition, parse_file
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.public import get_live_service, publish_service_file
from conftest import OTHER_COUNCIL_PERMIT, PARKING_PERMIT, SERVICES

RULES = SERVICES / "rules"
# The tests that change a definition line by line change the permit of a council that
# writes in English only: each of its texts is one line.
ENGLISH_PERMIT = OTHER_COUNCIL_PERMIT


def _problems(source: str, tmp_path: Path | None = None) -> list[str]:
    parsed = parse_definition(textwrap.dedent(source), filename="svc.yaml", base_dir=tmp_path)
    return [str(problem) for problem in parsed.problems]


def _valid_source() -> str:
    return ENGLISH_PERMIT.read_text()


def test_the_example_service_is_valid():
    assert parse_file(PARKING_PERMIT).problems == []


def test_invalid_yaml_is_reported_with_its_line():
    problems = _problems("slug: a\ntitle: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith("svc.yaml:")
    assert "YAML syntax error" in problems[0]


def test_a_document_that_is_not_a_mapping_is_refused():
    assert _problems("- just\n- a list\n") == [
        "svc.yaml:1: a service definition must be a YAML mapping"
    ]


def test_an_unknown_key_is_reported_at_its_line(tmp_path):
    source = _valid_source().replace(
        "organisation: sample", "colour: blue\norganisation: sample", 1
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
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    assert any(p.startswith(f"{path}:{line}:") for p in problems), problems


def copy_services(folder: Path, permit: Path = ENGLISH_PERMIT) -> Path:
    """A copy of a parking permit service and the shared rules folder; returns its
    service.yaml."""
    shutil.copytree(permit.parent, folder / "resident-parking-permit", dirs_exist_ok=True)
    shutil.copytree(RULES, folder / "rules", dirs_exist_ok=True)
    return folder / "resident-parking-permit" / "service.yaml"


def parse_file_from(source: str, folder: Path, permit: Path = ENGLISH_PERMIT):
    path = copy_services(folder, permit)
    path.write_text(source)
    return parse_file(path).problems


def test_a_key_written_twice_is_reported_at_the_second_naming_the_first(tmp_path):
    source = _valid_source().replace(
        "organisation: sample-district\n",
        "organisation: sample-district\nslug: another-slug\n",
        1,
    )
    first, second = _line_of(source, "slug: resident"), _line_of(source, "slug: another")
    problems = [str(p) for p in parse_file_from(source, tmp_path)]
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    assert problems == [f"{path}:{second}: duplicate key 'slug' (first on line {first})"]


def test_a_tab_used_to_indent_is_reported_at_its_line(tmp_path):
    source = _valid_source().replace("      max_length: 100\n", "\tmax_length: 100\n")
    problems = [str(p) for p in parse_file_from(source, tmp_path)]
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    line = _line_of(source, "\tmax_length")
    assert problems == [f"{path}:{line}: tabs cannot indent YAML; use spaces"]


@pytest.mark.parametrize(
    ("before", "after", "word"),
    [
        ('{value: "yes", label: "Yes"}', '{value: yes, label: "Yes"}', "yes"),
        ('{value: "no", label: "No"}', '{value: "no", label: No}', "No"),
        ("kind: exit", "kind: off", "off"),
    ],
)
def test_an_unquoted_yaml_1_1_boolean_is_reported_at_its_line(tmp_path, before, after, word):
    source = _valid_source().replace(before, after, 1)
    problems = [str(p) for p in parse_file_from(source, tmp_path)]
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        f"{path}:{_line_of(source, after)}: unquoted '{word}' is read as true or false"
    )
    assert f'write true or false, or quote it ("{word}")' in problems[0]


def test_keys_are_the_text_written_so_a_fee_table_needs_no_quotes(tmp_path):
    table = "\nfees:\n  by: [permit_months]\n  table: {6: 5000, 12: 9000}\n"
    source = _without_rules(_valid_source()) + table
    assert parse_file_from(source, tmp_path) == []
    parsed = parse_file(tmp_path / "resident-parking-permit" / "service.yaml")
    assert parsed.definition["fees"]["table"] == {"6": 5000, "12": 9000}


def test_the_example_services_embed_their_data_and_rules_and_know_their_lines():
    parsed = parse_file(PARKING_PERMIT)
    assert parsed.definition["_data"]["postcode_zones"]
    assert parsed.definition["_addresses"]["addresses"]["EB9 9ZZ"]
    assert parsed.definition["_rules"]["name"] == "parking-permit-fee"
    source = PARKING_PERMIT.read_text()
    assert parsed.line_of("organisation") == _line_of(source, "organisation: example")
    assert parsed.line_of("pages", 1, "title", "cy") == _line_of(source, "cy: Ni allwch wneud")
    assert parsed.line_of("pages", 1, "no-such-key") == _line_of(source, "id: not-in-a-zone")
    assert parse_file(OTHER_COUNCIL_PERMIT).problems == []


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


def _without_rules(source: str) -> str:
    """The definition with no rule set, and without the exit page only the rules lead to."""
    start = source.index("\nrules:\n")
    end = source.index("\n\n", start + 1)
    source = source[:start] + source[end:]
    start = source.index("\n  - id: cannot-have-a-permit\n")
    end = source.index("\n\n", start + 1)
    return source[:start] + source[end:]


def test_a_page_named_like_a_built_in_page_is_refused(tmp_path):
    source = _valid_source().replace("- id: vehicle\n", "- id: declaration\n")
    problems = parse_file_from(source, tmp_path)
    assert [p.message for p in problems] == [
        "page id 'declaration' is the address of a page every service has "
        "(check-answers, declaration, confirmation, privacy, save, return, timed-out, "
        "keep-alive, pay): choose another"
    ]
    assert problems[0].line == _line_of(source, "- id: declaration")


@pytest.mark.parametrize("page_id", ["save", "return", "timed-out", "keep-alive", "pay"])
def test_a_page_named_like_a_save_or_timeout_page_is_refused(tmp_path, page_id):
    source = _valid_source().replace("- id: vehicle\n", f"- id: {page_id}\n")
    [problem] = parse_file_from(source, tmp_path)
    assert f"page id '{page_id}' is the address of a page every service has" in problem.message


def test_a_page_no_route_reaches_is_reported(tmp_path):
    # Every answer to the emissions question now goes straight to the blue badge page.
    source = _valid_source().replace(
        "      error_messages:\n        required: Select your vehicle's CO2 emissions band\n",
        "      error_messages:\n        required: Select your vehicle's CO2 emissions band\n"
        "    next:\n      - goto: blue-badge\n",
    )
    messages = [p.message for p in parse_file_from(source, tmp_path)]
    assert messages == [
        "page 'permit-length' can never be reached: no route leads to it",
        "page 'start-date' can never be reached: no route leads to it",
        "page 'household-permits' can never be reached: no route leads to it",
    ]


def test_an_exit_page_no_route_names_is_reported(tmp_path):
    source = _valid_source().replace("goto: not-in-a-zone", "goto: address")
    messages = [p.message for p in parse_file_from(source, tmp_path)]
    assert messages == [
        "page 'not-in-a-zone' can never be reached: an exit page is reached only by a route "
        "that names it"
    ]


def test_a_service_without_rules_may_take_its_fee_from_a_table(tmp_path):
    table = '\nfees:\n  by: [permit_months]\n  table: {"6": 5000, "12": 9000}\n'
    source = _without_rules(_valid_source()) + table
    assert parse_file_from(source, tmp_path) == []


def test_a_missing_fee_is_reported(tmp_path):
    table = '\nfees:\n  by: [permit_months]\n  table: {"6": 5000}\n'
    source = _without_rules(_valid_source()) + table
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert problems == ["no fee for permit_months '12'"]


def test_a_fee_table_beside_rules_is_refused(tmp_path):
    source = _valid_source() + '\nfees:\n  by: [permit_months]\n  table: {"6": 1, "12": 2}\n'
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert problems == ["a service takes its fee from 'fees' or from 'rules', not both"]


def test_the_published_definition_embeds_the_pinned_rule_set():
    parsed = parse_file(PARKING_PERMIT)
    embedded = parsed.definition["_rules"]
    assert embedded["sha256"] == parsed.definition["rules"]["sha256"]
    assert embedded["source"] == (RULES / "parking-permit-fee.rules.yaml").read_text()
    assert (embedded["name"], embedded["version"]) == ("parking-permit-fee", "2026-04")


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_rules_file_that_is_not_there_is_reported_at_its_line(tmp_path):
    source = _valid_source().replace("parking-permit-fee.rules.yaml", "nope.rules.yaml")
    problems = [str(p) for p in parse_file_from(source, tmp_path)]
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    line = _line_of(source, "nope.rules.yaml")
    assert problems == [f"{path}:{line}: rules file '../rules/nope.rules.yaml' not found"]


def test_a_rules_file_outside_the_services_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.rules.yaml"
    shutil.copy(RULES / "parking-permit-fee.rules.yaml", outside)
    source = _valid_source().replace("../rules/parking-permit-fee", "../../elsewhere")
    problems = [p.message for p in parse_file_from(source, tmp_path / "services")]
    assert problems == ["rules file '../../elsewhere.rules.yaml' not found"]


def test_problems_in_the_rules_file_are_reported_with_its_own_file_and_line(tmp_path):
    path = copy_services(tmp_path)
    rules = tmp_path / "rules" / "parking-permit-fee.rules.yaml"
    rules.write_text(rules.read_text().replace("expression: address_in_zone", "expression: nope"))
    problems = [p.message for p in parse_file(path).problems]
    assert len(problems) == 1
    assert problems[0].startswith(
        f"rules file '../rules/parking-permit-fee.rules.yaml' is not valid: {rules}:"
    )
    assert "nope" in problems[0]


def test_a_changed_rule_set_must_be_pinned_again_before_it_is_published(tmp_path):
    path = copy_services(tmp_path)
    rules = tmp_path / "rules" / "parking-permit-fee.rules.yaml"
    rules.write_text(rules.read_text().replace("value: 0.5\n", "value: 0.6\n", 1))
    [problem] = parse_file(path).problems
    assert problem.line == _line_of(path.read_text(), "sha256:")
    assert "is not the one pinned here: its content hash is " in problem.message
    new_hash = problem.message.split("its content hash is ")[1].split(";")[0]
    path.write_text(
        path.read_text().replace(parse_file(PARKING_PERMIT).definition["rules"]["sha256"], new_hash)
    )
    assert parse_file(path).problems == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    has_blue_badge: has_blue_badge\n", "    has_a_badge: has_blue_badge\n"),
            "'has_a_badge' is not an input of parking-permit-fee (its inputs are: co2_band, "
            "permit_months, permits_already_in_household, has_blue_badge, address_in_zone)",
        ),
        (
            ("    permit_months: permit_months\n", ""),
            "rule input 'permit_months' has no default, so it must come from an answer",
        ),
        (
            ("    has_blue_badge: has_blue_badge\n", "    has_blue_badge: blue_badge\n"),
            "unknown answer or computed value 'blue_badge'",
        ),
        (
            ("    has_blue_badge: has_blue_badge\n", "    has_blue_badge: registration\n"),
            "answer 'registration' is a vehicle_registration question: rule inputs come from "
            "radios, select, yes_no, checkboxes, number, money or date questions, derived "
            "values or computed values, whose every value can be checked",
        ),
        (
            (
                '        - {value: G, label: "Band G: over 185g/km"}\n',
                '        - {value: G, label: "Band G: over 185g/km"}\n'
                "        - {value: H, label: H}\n",
            ),
            "answer 'co2_band' can be 'H', but input 'co2_band' must be one of electric, A, B, C, "
            "D, E, F, G, not 'H'",
        ),
        (
            ("    has_blue_badge: has_blue_badge\n", "    has_blue_badge: zone\n"),
            "answer 'zone' can be 'N', but input 'has_blue_badge' must be true or false, not 'N'",
        ),
        (
            ("  fee: fee_pence\n", "  fee: eligible\n"),
            "'eligible' is not a money variable of parking-permit-fee",
        ),
        (
            ("  ineligible_page: cannot-have-a-permit\n", "  ineligible_page: email\n"),
            "'email' is not an exit page",
        ),
        (
            ("  decision_date: start_date\n", "  decision_date: email\n"),
            "'email' is not a date question",
        ),
    ],
)
def test_the_rules_section_must_fit_the_rule_set_and_the_questions(tmp_path, change, message):
    source = _valid_source().replace(*change)
    assert source != _valid_source()
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert message in problems, problems


def test_an_unknown_message_placeholder_is_reported(tmp_path):
    source = _valid_source().replace("Your reference is ((reference)).", "Hello ((name)).", 1)
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert any("unknown placeholder '((name))'" in p for p in problems)


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


def test_load_command_stores_nothing_when_a_definition_is_invalid(organisations, tmp_path):
    bad = tmp_path / "service.yaml"
    bad.write_text("slug: broken\n")
    with pytest.raises(CommandError):
        call_command("services", "load", str(PARKING_PERMIT), str(bad))
    assert not ServiceVersion.objects.exists()


def test_publishing_the_same_definition_twice_keeps_one_version(organisations):
    first = publish_service_file(PARKING_PERMIT, published_by="test")
    again = publish_service_file(PARKING_PERMIT, published_by="test")
    assert (first.version, first.is_new) == (1, True)
    assert (again.version, again.is_new) == (1, False)


def test_publishing_a_change_makes_a_new_live_version_and_retires_the_old(organisations, tmp_path):
    publish_service_file(ENGLISH_PERMIT, published_by="test")
    changed = copy_services(tmp_path)
    changed.write_text(changed.read_text().replace("about 5 minutes", "about 4 minutes"))
    result = publish_service_file(changed, published_by="test")
    assert result.version == 2
    assert get_live_service("sample-district", "resident-parking-permit").version == 2
    assert ServiceVersion.objects.get(version=1).status == "retired"


def test_load_refuses_to_publish_while_the_transparency_log_is_broken(organisations, capsys):
    from civitas.ledger.services import mark_broken

    mark_broken("a stored node does not match the signed checkpoint")
    with pytest.raises(CommandError, match="not published"):
        call_command("services", "load", str(PARKING_PERMIT))
    assert not ServiceVersion.objects.exists()


def test_publishing_for_an_unregistered_organisation_names_the_file_and_line(db):
    with pytest.raises(CommandError) as raised:
        call_command("services", "load", str(PARKING_PERMIT))
    line = _line_of(PARKING_PERMIT.read_text(), "organisation:")
    assert f"{PARKING_PERMIT}:{line}: organisation 'example-borough' is not registered" in str(
        raised.value
    )
    assert not ServiceVersion.objects.exists()


def test_two_organisations_can_each_publish_a_service_with_the_same_slug(organisations):
    ours = publish_service_file(PARKING_PERMIT, published_by="test")
    theirs = publish_service_file(OTHER_COUNCIL_PERMIT, published_by="test")
    assert (ours.organisation, ours.slug, ours.version) == (
        "example-borough",
        "resident-parking-permit",
        1,
    )
    assert (theirs.organisation, theirs.slug, theirs.version) == (
        "sample-district",
        "resident-parking-permit",
        1,
    )
    assert get_live_service("example-borough", "resident-parking-permit").organisation_name == (
        "Example Borough Council"
    )
    assert get_live_service("sample-district", "resident-parking-permit").organisation_name == (
        "Sample District Council"
    )


@pytest.mark.parametrize("slug", ["Example Borough", "a--b", "a-", "x" * 51, "ex\x00ample"])
def test_registering_an_organisation_with_a_bad_slug_is_a_clear_error(db, slug):
    with pytest.raises(CommandError, match="is not a slug"):
        call_command("organisations", "add", slug, "--name", "Example")


def test_an_organisation_is_registered_and_renamed_by_its_slug(db, capsys):
    call_command("organisations", "add", "example-borough", "--name", "Example Borough")
    call_command("organisations", "add", "example-borough", "--name", "Example Borough Council")
    call_command("organisations", "list")
    assert capsys.readouterr().out.splitlines()[-1] == "example-borough\tExample Borough Council"


def test_a_yes_no_question_can_be_a_rule_input(tmp_path):
    path = copy_services(tmp_path)
    source = path.read_text()
    radios = (
        "      id: has_blue_badge\n      type: radios\n"
        "      label: Do you have a Blue Badge?\n"
        "      hint: Blue Badge holders pay a lower fee.\n"
        "      summary_label: Blue Badge\n"
        "      options:\n"
        '        - {value: "yes", label: "Yes"}\n'
        '        - {value: "no", label: "No"}\n'
    )
    assert radios in source
    path.write_text(
        source.replace(
            radios, radios.split("      options:\n")[0].replace("type: radios", "type: yes_no")
        )
    )
    assert parse_file(path).problems == []


def test_a_select_question_can_be_a_rule_input(tmp_path):
    path = copy_services(tmp_path)
    source = path.read_text()
    radios = "      id: co2_band\n      type: radios\n"
    assert radios in source
    path.write_text(source.replace(radios, "      id: co2_band\n      type: select\n"))
    assert parse_file(path).problems == []


INCOME_TAX_SERVICE = SERVICES / "estimate-income-tax" / "service.yaml"


def test_rules_decided_over_a_period_must_cover_it_with_no_change_within(tmp_path):
    source = INCOME_TAX_SERVICE.read_text()
    assert parse_file(INCOME_TAX_SERVICE).problems == []
    changed = source.replace('period: {tax_year: "2025-26"}', 'period: {tax_year: "2026-27"}')
    problems = [p.message for p in parse_file_from(changed, tmp_path, INCOME_TAX_SERVICE)]
    assert (
        "the rules cannot decide over this period: is 6 April 2026 to 5 April 2027, but the "
        "rules cover 6 April 2025 to 5 April 2026"
    ) in problems, problems


def test_rules_take_a_decision_date_or_a_period_not_both(tmp_path):
    source = INCOME_TAX_SERVICE.read_text().replace(
        '  period: {tax_year: "2025-26"}\n',
        '  period: {tax_year: "2025-26"}\n  decision_date: email\n',
    )
    problems = [p.message for p in parse_file_from(source, tmp_path, INCOME_TAX_SERVICE)]
    assert "give the rules a decision_date or a period, not both" in problems, problems
