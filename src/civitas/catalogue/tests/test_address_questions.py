"""The address question: finding by postcode, choosing from the list, entering by hand,
and the definition checks of its address table. Pure: no database."""

import datetime
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import Question, ServiceDefinition
from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.questions.address import NOT_AN_ADDRESS, RADIOS_AT_MOST
from civitas.catalogue.tests.memory import REPO
from civitas.catalogue.tests.test_question_types import render_widget

TODAY = datetime.date(2026, 11, 24)
BULKY_WASTE = REPO / "services" / "bulky-waste-collection"


def _service_definition() -> ServiceDefinition:
    parsed = parse_definition(
        (BULKY_WASTE / "service.yaml").read_text(), filename="service.yaml", base_dir=BULKY_WASTE
    )
    assert parsed.problems == [], [str(problem) for problem in parsed.problems]
    return ServiceDefinition.from_document(parsed.definition)


@pytest.fixture(scope="module")
def address() -> Question:
    question = _service_definition().question("collection_address")
    assert question is not None
    return question


def _post(question: Question, **fields: str) -> Cleaned:
    named = {f"{question.id}-{name.replace('_', '-')}": value for name, value in fields.items()}
    return question.clean(named, today=TODAY)


def test_finding_a_postcode_shows_its_addresses_without_storing_anything(address):
    result = _post(address, step="find", postcode=" eb11aa ", action="find")
    assert result.value is None
    assert result.error is None
    assert result.pending == {
        "collection_address-step": "select",
        "collection_address-postcode": "EB1 1AA",
        "collection_address-building": "",
    }
    html = render_widget(address, result.pending)
    assert "6 addresses found for EB1 1AA" in html
    # Six addresses are radios; the first is where an error links to.
    assert html.count('type="radio"') == 6
    assert 'id="collection_address-uprn"' in html
    assert "Flat 1, 3 Station Road, Eastbury" in html
    assert "I cannot find the address in the list" in html


def test_many_addresses_are_a_select_with_the_count_as_its_first_option(address):
    result = _post(address, step="find", postcode="EB1 1BD", action="find")
    html = render_widget(address, result.pending or {})
    assert len(address.address_book.find("EB1 1BD")) > RADIOS_AT_MOST
    assert '<select class="govuk-select" id="collection_address-uprn"' in html
    assert '<option value="">9 addresses found for EB1 1BD</option>' in html


def test_choosing_an_address_stores_its_lines_with_the_postcode_last(address):
    chosen = _post(address, step="select", postcode="EB1 1AA", uprn="100000000003")
    assert chosen == Cleaned("Flat 1\n3 Station Road\nEastbury\nEB1 1AA")
    # An address without a second line is stored without an empty line.
    assert _post(address, step="select", postcode="EB1 1AA", uprn="100000000001") == Cleaned(
        "1 Station Road\nEastbury\nEB1 1AA"
    )


def test_choosing_nothing_is_the_govuk_error_on_the_list(address):
    result = _post(address, step="select", postcode="EB1 1AA", action="continue")
    assert result.error == FieldError("Select an address", "collection_address-uprn")
    html = render_widget(
        address,
        {"collection_address-step": "select", "collection_address-postcode": "EB1 1AA"},
        result.error,
    )
    assert "govuk-form-group--error" in html
    assert 'id="collection_address-uprn-error"' in html


@pytest.mark.parametrize(
    ("postcode", "uprn"),
    [
        ("EB1 1AA", "100000000011"),  # an address, but of another postcode
        ("EB1 1AA", "999"),
        ("EB9 9ZZ", "100000000001"),  # a postcode the list never showed
        ("not a postcode", "100000000001"),
    ],
)
def test_a_forged_choice_is_refused(address, postcode, uprn):
    result = _post(address, step="select", postcode=postcode, uprn=uprn)
    assert result.value is None
    assert result.error is not None
    assert result.error.refusal == NOT_AN_ADDRESS


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode"),
        ("\u200b ", "Enter a postcode"),
        ("EB1", "Enter a real postcode"),
        ("12345678", "Enter a real postcode"),
        ("EB1 1AA" * 1000, "Enter a real postcode"),
        ("EB1\x001AA", "Enter a real postcode"),
    ],
)
def test_a_postcode_that_is_not_one_is_the_govuk_error(address, typed, message):
    result = _post(address, step="find", postcode=typed, action="find")
    assert result == Cleaned(None, FieldError(message, "collection_address-postcode"))


def test_a_postcode_with_no_addresses_says_so_and_offers_manual_entry(address):
    result = _post(address, step="find", postcode="eb9 9zz", action="find")
    assert result.error is None
    assert result.pending is not None
    assert result.pending["collection_address-step"] == "find"
    html = render_widget(address, result.pending)
    assert "We could not find an address for EB9 9ZZ" in html
    assert 'value="manual"' in html
    assert "Enter the address manually" in html


def test_the_building_filter_narrows_the_list_and_shows_all_when_nothing_matches(address):
    pending = _post(address, step="find", postcode="EB1 1BD", building="12", action="find")
    html = render_widget(address, pending.pending or {})
    assert "12 Mill Lane" in html
    assert "112 Mill Lane" not in html
    assert "22 Mill Lane" not in html
    pending = _post(address, step="find", postcode="EB1 1AA", building="rose", action="find")
    assert "Rose Cottage" in render_widget(address, pending.pending or {})
    assert "1 Station Road" not in render_widget(address, pending.pending or {})
    pending = _post(address, step="find", postcode="EB1 1AA", building="99", action="find")
    html = render_widget(address, pending.pending or {})
    assert "No address matches “99”" in html
    assert html.count('type="radio"') == 6


def test_the_building_filter_refuses_what_nobody_types(address):
    too_long = _post(address, step="find", postcode="EB1 1AA", building="x" * 101)
    assert too_long.error is not None
    assert too_long.error.field == "collection_address-building"
    control = _post(address, step="find", postcode="EB1 1AA", building="1\x1b[2J")
    assert control.error is not None
    assert "characters that cannot be used" in control.error.message


def test_manual_entry_keeps_the_postcode_and_asks_for_each_line(address):
    result = _post(address, step="select", postcode="EB1 1AA", action="manual")
    assert result.pending == {
        "collection_address-step": "manual",
        "collection_address-postcode": "EB1 1AA",
    }
    html = render_widget(address, result.pending)
    for name, autocomplete in [
        ("line-1", "address-line1"),
        ("line-2", "address-line2"),
        ("town", "address-level2"),
        ("postcode", "postal-code"),
    ]:
        assert re.search(
            rf'id="collection_address-{name}" name="collection_address-{name}" type="text"'
            rf'[^>]*autocomplete="{autocomplete}"',
            html,
        ), name
    assert 'value="EB1 1AA"' in html
    assert "Address line 2 (optional)" in html


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({}, "Enter address line 1, typically the building and street", "line-1"),
        ({"line_1": "1 High St"}, "Enter town or city", "town"),
        ({"line_1": "1 High St", "town": "Eastbury"}, "Enter a postcode", "postcode"),
        (
            {"line_1": "1 High St", "town": "Eastbury", "postcode": "E1"},
            "Enter a real postcode",
            "postcode",
        ),
        (
            {"line_1": "x" * 101, "town": "Eastbury", "postcode": "EB1 1AA"},
            "Address line 1 must be 100 characters or fewer",
            "line-1",
        ),
        (
            {"line_1": "1 High St", "line_2": "\u202eevil", "town": "E", "postcode": "EB1 1AA"},
            "Your answer includes characters that cannot be used. "
            "Try typing it rather than pasting it",
            "line-2",
        ),
    ],
)
def test_manual_entry_errors_are_govuks(address, fields, message, field):
    result = _post(address, step="manual", **fields)
    assert result == Cleaned(None, FieldError(message, f"collection_address-{field}"))


def test_a_manual_address_is_stored_as_typed_with_the_postcode_normalised(address):
    result = _post(
        address,
        step="manual",
        line_1=" 7 New Road ",
        line_2=" ",
        town="Westbury",
        postcode="sd12ab",
    )
    assert result == Cleaned("7 New Road\nWestbury\nSD1 2AB")


def test_the_api_sends_the_stored_string_and_it_is_checked_as_manual_entry(address):
    for value in ["7 New Road\nWestbury\nSD1 2AB", "Flat 2\n7 New Road\nWestbury\nSD1 2AB"]:
        assert address.clean(address.fields_for(value), today=TODAY) == Cleaned(value)
    assert address.clean(
        address.fields_for("7 New Road\r\n\r\nWestbury\r\nsd1 2ab"), today=TODAY
    ) == Cleaned("7 New Road\nWestbury\nSD1 2AB")
    for wrong in ["7 New Road", "a\nb\nc\nd\ne", "7 New Road\nWestbury\nnot a postcode"]:
        result = address.clean(address.fields_for(wrong), today=TODAY)
        assert result.value is None
        assert result.error is not None
        assert result.pending is None
    for wrong_type in [None, 12, ["7 New Road"], {"line_1": "x"}, True]:
        result = address.clean(address.fields_for(wrong_type), today=TODAY)
        assert result.error == FieldError("Enter a postcode", "collection_address-postcode")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                f"collection_address-{name}"
                for name in [
                    "step",
                    "action",
                    "postcode",
                    "building",
                    "uprn",
                    "line-1",
                    "line-2",
                    "town",
                    "lines",
                ]
            ]
        ),
        st.one_of(
            st.sampled_from(
                ["find", "select", "manual", "change", "continue", "EB1 1AA", "100000000001"]
            ),
            st.text(max_size=300),
        ),
    )
)
def test_any_post_is_an_answer_a_step_or_an_error_and_the_page_still_draws(fields):
    question = _service_definition().question("collection_address")
    assert question is not None
    result = question.clean(fields, today=TODAY)
    outcomes = [result.value is not None, result.error is not None, result.pending is not None]
    assert outcomes.count(True) == 1
    if result.value is not None:
        # Whatever is stored, the API would take as it is.
        assert question.clean(question.fields_for(result.value), today=TODAY) == result
    render_widget(question, result.pending or fields, result.error)


# The checks of a definition's address table.

DEFINITION = """\
    schema_version: 1
    slug: small
    title: A small service
    organisation: example-borough
    start: {lead: Apply for something small.}
    data:
      homes:
        file: data/addresses.csv
        kind: addresses
      zones:
        file: data/zones.csv
        key: postcode
        value: zone
    pages:
      - id: home
        question:
          id: home
          type: address
          label: What is your address?
          addresses: homes
      - id: email
        question: {id: email, type: email, label: "Your email?"}
    check_answers: {title: Check}
    declaration: {text: [It is true.], confirm: I confirm}
    confirmation: {title: Done}
    contact: {email: email}
    privacy: {purpose: To decide., lawful_basis: Public task, retention: 1 year, contact: dpo}
    messages:
      submitted: {subject: Application received, body: We have your application.}
      approved: {subject: Application approved, body: You can have it.}
      refused: {subject: Application refused, body: You cannot have it.}
"""


def _problems(tmp_path: Path, source: str = DEFINITION, addresses: str | None = None) -> list[str]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if addresses is None:
        shutil.copy(BULKY_WASTE / "data" / "addresses.csv", data / "addresses.csv")
    else:
        (data / "addresses.csv").write_text(textwrap.dedent(addresses))
    (data / "zones.csv").write_text("postcode,zone\nEB1 1AA,A\n")
    parsed = parse_definition(textwrap.dedent(source), filename="svc.yaml", base_dir=tmp_path)
    return [str(problem) for problem in parsed.problems]


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def test_a_definition_with_an_address_table_is_valid_and_embeds_it(tmp_path):
    assert _problems(tmp_path) == []
    parsed = parse_definition(textwrap.dedent(DEFINITION), filename="s", base_dir=tmp_path)
    assert parsed.definition["_addresses"]["homes"]["EB1 1DJ"] == [
        ["100000000021", "The Vicarage", "Church Street", "Eastbury", "EB1 1DJ"]
    ]
    assert "homes" not in parsed.definition["_data"]


def test_a_missing_address_file_is_reported_at_its_line(tmp_path):
    source = DEFINITION.replace("data/addresses.csv", "data/homes.csv")
    assert _problems(tmp_path, source) == [
        f"svc.yaml:{_line(source, 'data/homes.csv')}: data file 'data/homes.csv' not found"
    ]


def test_an_address_file_without_the_columns_is_reported_at_its_line(tmp_path):
    problems = _problems(tmp_path, addresses="uprn,line_1,postcode\n1,1 High St,EB1 1AA\n")
    assert problems == [
        f"svc.yaml:{_line(DEFINITION, 'data/addresses.csv')}: address file "
        "'data/addresses.csv' has no column line_2, town (an address table has the columns "
        "uprn, line_1, line_2, town, postcode)"
    ]


def test_a_bad_address_is_reported_at_its_line_of_the_file(tmp_path):
    addresses = """\
        uprn,line_1,line_2,town,postcode
        1,1 High Street,,Eastbury,EB1 1AA
        2,,,Eastbury,EB1 1AA
        3,3 High Street,,Eastbury,EB1
        1,4 High Street,,Eastbury,EB1 1AA
        4,5 High Street,"Two
        lines",Eastbury,EB1 1AA
    """
    assert _problems(tmp_path, addresses=addresses) == [
        "data/addresses.csv:3: an address needs line_1 and town",
        "data/addresses.csv:4: postcode 'EB1' is not a real postcode",
        "data/addresses.csv:5: uprn '1' is used twice",
        "data/addresses.csv:7: line_2 must be 100 characters or fewer, with no control characters",
    ]


def test_an_address_question_names_an_address_table(tmp_path):
    without = DEFINITION.replace("          addresses: homes\n", "")
    assert _problems(tmp_path, without) == [
        f"svc.yaml:{_line(without, 'type: address')}: an address question needs 'addresses': "
        "the name of an address table in 'data' (kind: addresses)"
    ]
    unknown = DEFINITION.replace("addresses: homes", "addresses: houses")
    assert _problems(tmp_path, unknown) == [
        f"svc.yaml:{_line(unknown, 'addresses: houses')}: unknown data table 'houses'"
    ]
    lookup = DEFINITION.replace("addresses: homes", "addresses: zones")
    assert _problems(tmp_path, lookup) == [
        f"svc.yaml:{_line(lookup, 'addresses: zones')}: data table 'zones' is not an address "
        "table: give it 'kind: addresses' and the columns uprn, line_1, line_2, town, postcode"
    ]


def test_only_an_address_question_names_addresses_and_it_keeps_govuks_messages(tmp_path):
    on_email = DEFINITION.replace(
        '{id: email, type: email, label: "Your email?"}',
        '{id: email, type: email, label: "Your email?", addresses: homes}',
    )
    problems = _problems(tmp_path, on_email)
    assert len(problems) == 1
    assert problems[0].startswith(f"svc.yaml:{_line(on_email, 'type: email')}: ")
    assert problems[0].endswith("email question has no addresses")
    messages = DEFINITION.replace(
        "          addresses: homes\n",
        "          addresses: homes\n          error_messages: {required: Enter it}\n",
    )
    assert _problems(tmp_path, messages) == [
        f"svc.yaml:{_line(messages, 'error_messages')}: an address question's error messages "
        "are GOV.UK's own, one for each part of the address: they cannot be changed"
    ]


def test_an_address_table_is_not_a_lookup_and_an_address_is_looked_up_by_postcode(tmp_path):
    derived = DEFINITION.replace(
        '        question: {id: email, type: email, label: "Your email?"}\n',
        '        question: {id: email, type: email, label: "Your email?"}\n'
        "        derive:\n          where: {lookup: homes}\n",
    )
    assert _problems(tmp_path, derived) == [
        f"svc.yaml:{_line(derived, 'lookup: homes')}: data table 'homes' is an address table: "
        "an address question finds addresses in it, a derived value cannot look it up"
    ]
    from_address = DEFINITION.replace(
        "          addresses: homes\n",
        "          addresses: homes\n        derive:\n          zone: {lookup: zones}\n",
    )
    assert _problems(tmp_path, from_address) == [
        f"svc.yaml:{_line(from_address, 'zone: {lookup')}: a value derived from an address "
        "question looks up the address's postcode: give the data table 'normalise: postcode'"
    ]
    by_postcode = from_address.replace(
        "        value: zone\n", "        value: zone\n        normalise: postcode\n"
    )
    assert _problems(tmp_path, by_postcode) == []
    keyed = DEFINITION.replace(
        "        kind: addresses\n", "        kind: addresses\n        key: postcode\n"
    )
    assert _problems(tmp_path, keyed) == [
        f"svc.yaml:{_line(keyed, 'key: postcode')}: an address table has no key: its columns "
        "are uprn, line_1, line_2, town, postcode, and it is found by postcode"
    ]
