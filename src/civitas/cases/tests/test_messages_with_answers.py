"""A service's messages may name its answers and computed values: each is shown as check
answers shows it, never raw, and a message always renders whatever was answered."""

from pathlib import Path

from civitas.cases.messages import compose_message
from civitas.catalogue.tests.memory import service_from_yaml

STREET_PARTY = Path(__file__).resolve().parents[4] / "services" / "street-party" / "service.yaml"
FIELDS = {"reference": "AB2-CD3-EF4", "fee": "no fee", "ledger_index": "4", "ledger_url": "u"}


def _street_party():
    return service_from_yaml(STREET_PARTY.read_text(), base_dir=STREET_PARTY.parent)


def test_answers_and_computed_values_are_shown_as_check_answers_shows_them():
    answers = {
        "first_name": "Ada",
        "road_name": "Station Road",
        "party_date": "2027-07-03",
        "closure_start": "10:00",
        "closure_end": "16:30",
    }
    content = compose_message(_street_party(), "submitted", fields=FIELDS, answers=answers)
    assert "Dear Ada," in content.text
    assert "close Station Road for a street party on 3 July 2027, for 6.5 hours." in content.text


def test_a_message_renders_when_an_answer_it_names_was_not_given():
    content = compose_message(_street_party(), "submitted", fields=FIELDS, answers={})
    assert "Dear ," in content.text
    assert "for  hours" in content.text


def test_an_answer_is_escaped_in_the_html_and_never_expanded():
    answers = {"first_name": "<b>((reference))</b>"}
    content = compose_message(_street_party(), "submitted", fields=FIELDS, answers=answers)
    assert "Dear &lt;b&gt;((reference))&lt;/b&gt;," in content.html
    assert "Dear <b>((reference))</b>," in content.text
