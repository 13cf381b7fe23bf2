"""The typed model of a definition, built in memory: no database."""

import dataclasses

import pytest

from civitas.catalogue.model import (
    Branch,
    Condition,
    ExitPage,
    FeeTable,
    QuestionPage,
    ServiceDefinition,
)
from civitas.catalogue.tests.memory import parking_permit, service_from_yaml

SMALL = """
    schema_version: 1
    slug: small
    title: A small service
    organisation: example-borough
    start: {lead: Apply for something small.}
    pages:
      - id: colour
        question:
          id: colour
          type: radios
          label: Which colour?
          options:
            - {value: red, label: Red}
            - {value: blue, label: Blue, hint: Like the sky}
        next:
          - if: {answer: colour, equals: red}
            goto: no-red
      - id: no-red
        kind: exit
        title: We have no red
        body: [Choose another colour.]
      - id: email
        question: {id: email, type: email, label: "Your email?"}
    fees:
      by: [colour]
      table: {red: 100, blue: 250}
    check_answers: {title: Check}
    declaration: {text: [It is true.], confirm: I confirm}
    confirmation: {title: Done}
    contact: {email: email}
    privacy:
      purpose: To decide your application.
      lawful_basis: Public task
      retention: 1 year
      contact: dpo@example.org
    messages:
      submitted: {subject: Application received, body: We have your application.}
      approved: {subject: Application approved, body: "You can have it. ((reason))"}
      refused: {subject: Application refused, body: You cannot have it.}
"""


def test_the_parking_permit_is_read_into_typed_values():
    model = parking_permit().model
    assert model.slug == "resident-parking-permit"
    assert model.start.time_to_complete == "about 5 minutes"
    assert [page.id for page in model.pages][:3] == ["address", "not-in-a-zone", "vehicle"]
    address = model.page("address")
    assert isinstance(address, QuestionPage)
    assert address.questions[0].type == "address"
    assert [(d.name, d.lookup) for d in address.derive] == [("zone", "postcode_zones")]
    assert address.next[0] == Branch("not-in-a-zone", Condition("zone", is_="missing"))
    assert isinstance(model.page("not-in-a-zone"), ExitPage)
    assert model.lookup("postcode_zones", "EB1 1AA") == "A"
    assert model.question("co2_band").options[1].label == "Band A: up to 100g/km"
    assert model.question("zone") is None  # derived, not asked
    assert model.contact_email == "email"
    assert model.rules is not None
    assert model.rules.decision_date == "start_date"
    assert model.rules.inputs["permits_already_in_household"] == "permits_in_household"
    assert model.rules.embedded.name == "parking-permit-fee"
    assert model.fees is None
    assert set(model.messages) == {
        "submitted",
        "approved",
        "refused",
        "payment-received",
        "not-paid",
        "permit-expiring",
    }
    assert model.payment is not None
    assert (model.payment.cost_centre, model.payment.ledger_code) == ("PK-4100", "8210")
    assert model.messages["permit-expiring"].schedule_days == (30, 7)


def test_the_model_cannot_be_changed():
    model = parking_permit().model
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.title = "Something else"  # type: ignore[misc]
    with pytest.raises(TypeError):
        model.question("co2_band").error_messages["required"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        model.data["postcode_zones"].rows["EB9 9ZZ"] = "Z"  # type: ignore[index]


def test_a_small_definition_reads_its_exits_fees_and_options():
    service = service_from_yaml(SMALL)
    model = service.model
    assert model.first_page.id == "colour"
    assert model.page("no-red") == ExitPage("no-red", "We have no red", ("Choose another colour.",))
    assert model.question("colour").options[1].hint == "Like the sky"
    assert model.fees == FeeTable(by=("colour",), table={"red": 100, "blue": 250})
    assert model.fees.pence_for({"colour": "blue"}) == 250
    assert model.fees.pence_for({"colour": "green"}) is None
    assert model.fees.pence_for({}) is None
    assert model.rules is None
    assert model.messages["refused"].body == "You cannot have it."
    assert [question.id for question in model.questions] == ["colour", "email"]
    assert model.page_index("email") == 2


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        (Condition("a", equals="x"), {"a": "x"}, True),
        (Condition("a", equals="x"), {"a": "y"}, False),
        (Condition("a", one_of=("x", "y")), {"a": "y"}, True),
        (Condition("a", one_of=("x", "y")), {}, False),
        (Condition("a", is_="missing"), {}, True),
        (Condition("a", is_="missing"), {"a": ""}, True),
        (Condition("a", is_="missing"), {"a": None}, True),
        (Condition("a", is_="present"), {"a": "x"}, True),
        (Condition("a", is_="present"), {"a": None}, False),
    ],
)
def test_route_conditions(condition, answers, holds):
    assert condition.holds(answers) is holds


def test_an_unregistered_question_type_cannot_be_built():
    document = dict(parking_permit().definition)
    pages = [dict(page) for page in document["pages"]]
    pages[0] = {**pages[0], "question": {**pages[0]["question"], "type": "hologram"}}
    with pytest.raises(KeyError):
        ServiceDefinition.from_document({**document, "pages": pages})


def test_the_answers_schema_describes_every_question():
    schema = parking_permit().model.answers_schema()
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert set(properties) == {
        "address",
        "registration",
        "co2_band",
        "permit_months",
        "start_date",
        "permits_in_household",
        "has_blue_badge",
        "email",
        "phone",
    }
    assert properties["co2_band"]["enum"] == ["electric", "A", "B", "C", "D", "E", "F", "G"]
    assert properties["start_date"] == {"type": "string", "format": "date"}
    assert properties["address"]["type"] == "string"
    assert {"type": "null"} in properties["phone"]["anyOf"]  # optional: null when left blank
