"""A case's emails are rendered from the definition's messages by the one template renderer:
values are inserted literally, and nothing a published definition holds makes sending fail."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.cases.messages import compose_message, fee_text, message_values
from civitas.cases.models import Case
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.catalogue.definition import MESSAGE_FIELDS, message_template_problems
from civitas.catalogue.public import Service, publish_service_file
from civitas.catalogue.tests.memory import parking_permit
from civitas.catalogue.tests.test_definitions import copy_services
from civitas.journeys.tests.test_api import valid_answers
from civitas.notify.models import Message
from conftest import PARKING_PERMIT, acting

SUBMITTED = {"reference": "AB12-CD34", "fee": "£77", "ledger_index": "4", "ledger_url": "u"}
DECIDED = {"reference": "AB12-CD34", "reason": "r", "reason_key": "k", "ledger_index": "5"}


def _service(messages: dict) -> Service:
    return Service(
        slug="permit",
        version=1,
        sha256="",
        organisation_id=1,
        organisation="example-borough",
        organisation_name="Example <Borough> & Council",
        definition={**parking_permit().definition, "title": "Apply {now}", "messages": messages},
    )


def test_every_placeholder_a_definition_may_use_has_a_value():
    assert set(message_values(_service({}), {})) == MESSAGE_FIELDS
    assert set(message_values(_service({}), SUBMITTED)) == MESSAGE_FIELDS
    assert set(message_values(_service({}), DECIDED)) == MESSAGE_FIELDS


@pytest.mark.parametrize(
    ("fields", "has_fee", "has_reason"),
    [
        ({"fee": fee_text(7700)}, "yes", "no"),
        ({"fee": fee_text(1)}, "yes", "no"),
        ({"fee": fee_text(0)}, "no", "no"),
        ({"fee": fee_text(None)}, "no", "no"),
        ({}, "no", "no"),
        ({"reason": "Not in a zone"}, "no", "yes"),
        ({"reason": "  "}, "no", "no"),
    ],
)
def test_the_yes_no_values_follow_the_others(fields, has_fee, has_reason):
    values = message_values(_service({}), fields)
    assert (values["has_fee"], values["has_reason"]) == (has_fee, has_reason)


def test_the_email_keeps_its_shape():
    service = _service(
        {"submitted": {"subject": "Got ((reference))", "body": "Hi,\n\nRef ((reference))\nbye\n"}}
    )
    email = compose_message(service, "submitted", fields=SUBMITTED)
    assert email.subject == "Got AB12-CD34"
    assert email.text == "Hi,\n\nRef AB12-CD34\nbye\n"
    assert email.html.startswith('<!DOCTYPE html><html lang="en">')
    assert "<title>Got AB12-CD34</title>" in email.html
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", email.html, re.S)
    assert paragraphs == ["Hi,", "Ref AB12-CD34<br />\nbye"]


@pytest.mark.parametrize(
    "reason",
    [
        "((reference))",
        "((has_fee??shown))",
        "{reference} {0} {Name} {",
        "?? really ??",
        "<script>alert(1)</script> & <b>",
        "))((",
    ],
)
def test_a_value_is_sent_literally_and_escaped_in_html(reason):
    service = _service(
        {"refused": {"subject": "Refused: ((reason))", "body": "Reason: ((reason)) ((reference))"}}
    )
    email = compose_message(service, "refused", fields={**DECIDED, "reason": reason})
    assert email.subject == f"Refused: {reason}"
    assert email.text == f"Reason: {reason} AB12-CD34\n"
    escaped = reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f">Reason: {escaped} AB12-CD34</p>" in email.html
    assert "<script>" not in email.html


def test_a_subject_is_one_line_whatever_its_values_hold():
    service = _service({"refused": {"subject": "Refused:\n((reason))\n", "body": "x"}})
    email = compose_message(service, "refused", fields={**DECIDED, "reason": "one\r\ntwo"})
    assert email.subject == "Refused: one two"


NAMES = st.sampled_from([*sorted(MESSAGE_FIELDS), "Service Title", "LEDGER-url", "nope", "0"])
PIECES = st.one_of(
    st.text(alphabet="ab {}()?\n<&>\\%!.:", max_size=6),
    NAMES.map(lambda name: f"(({name}))"),
    NAMES.map(lambda name: f"(({name}??shown))"),
)
TEXTS = st.lists(PIECES, max_size=8).map("".join)


@settings(max_examples=300)
@given(TEXTS, TEXTS, st.text(max_size=12))
def test_a_message_that_passes_the_checks_always_renders(subject, body, value):
    if message_template_problems(subject) or message_template_problems(body):
        return
    message = {"subject": subject or "x", "body": body or "x"}
    service = _service({"submitted": message, "approved": message, "refused": message})
    compose_message(service, "submitted", fields={**SUBMITTED, "fee": value})
    compose_message(service, "approved", fields={**DECIDED, "reason": ""})
    compose_message(service, "refused", fields={**DECIDED, "reason": value})


HOSTILE_SUBJECT = '"{reference} ((Reference)) (((reference))) ?? <b>{{x}}</b>"'
HOSTILE_BODY = """|
      {Name} { } {{x}} {0} {reference.x} %(x)s $x ${x}
      ((Service Title)) ((service-title)) ((ORGANISATION)) ((status url))
      ((has_fee??You have a fee <i>to pay</i>.))((has_reason??A reason was given.))
      <script>alert(1)</script> &amp; )) ( ) ??
      ((reason)) ((reason_key)) ((fee)) ((ledger_index)) ((ledger_url))
"""


def _publish_hostile_messages(tmp_path) -> None:
    source = PARKING_PERMIT.read_text()
    messages = source[source.index("\nmessages:\n") : source.index("\nworkflow:\n")]
    hostile = "\nmessages:\n" + "".join(
        f"  {name}:\n    subject: {HOSTILE_SUBJECT}\n    body: {HOSTILE_BODY}"
        # The receipt too: a service that takes a payment must send one.
        for name in ("submitted", "approved", "refused", "payment-received")
    )
    path = copy_services(tmp_path, PARKING_PERMIT)
    path.write_text(source.replace(messages, hostile))
    publish_service_file(path, published_by="test")


def test_a_hostile_but_valid_definition_submits_and_decides(
    tmp_path, client, organisations, caseworker, api_headers, payments
):
    _publish_hostile_messages(tmp_path)
    response = client.post(
        "/api/v1/services/example-borough/resident-parking-permit/applications",
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    payments.pay(case.reference)
    submitted = Message.objects.get(idempotency_key=f"case:{case.reference}:submitted")
    assert submitted.subject == (
        f"{{reference}} {case.reference} ({case.reference}) ?? <b>{{{{x}}}}</b>"
    )
    assert "{Name} { } {{x}} {0} {reference.x} %(x)s $x ${x}\n" in submitted.body_text
    assert "You have a fee <i>to pay</i>." in submitted.body_text
    assert "A reason was given." not in submitted.body_text
    assert "&lt;script&gt;" in submitted.body_html
    assert "<script>" not in submitted.body_html

    reason = "((reference)) {fee} <b>no</b> ((has_fee??x))"
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason=reason,
        staff=acting(caseworker),
    )
    refused = Message.objects.get(idempotency_key=f"case:{case.reference}:refused")
    assert f"\n{reason} " in refused.body_text
    assert "A reason was given." in refused.body_text
    assert "&lt;b&gt;no&lt;/b&gt;" in refused.body_html
