"""A service may leave the contact email optional (an anonymous report): an applicant who
gives none is sent nothing, nothing waits in the outbox for an address that does not
exist, and the caseworker is told why there are no emails."""

import textwrap

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import get_live_service, publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.journeys.submission import Submitted, submit_answers
from civitas.notify.models import Message
from conftest import acting

OPTIONAL_CONTACT = textwrap.dedent(SMALL).replace(
    'label: "Your email?"}', 'label: "Your email?", optional: true}'
)


@pytest.fixture
def anonymous_service(organisations, tmp_path):
    path = tmp_path / "small" / "service.yaml"
    path.parent.mkdir()
    path.write_text(OPTIONAL_CONTACT)
    publish_service_file(path, published_by="test")
    return get_live_service("example-borough", "small")


def _submit(service, answers) -> Case:
    result = submit_answers(service, answers, channel="api", today=timezone.localdate())
    assert isinstance(result, Submitted), result
    return Case.objects.get(reference=result.reference)


def test_an_application_without_an_email_address_is_stored_and_sent_nothing(
    anonymous_service, caseworker
):
    case = _submit(anonymous_service, {"colour": "blue"})

    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )

    assert Case.objects.get().status == "approved"
    assert not Message.objects.exists()


def test_an_application_with_an_email_address_is_still_confirmed(anonymous_service):
    case = _submit(anonymous_service, {"colour": "blue", "email": "someone@example.com"})

    assert Message.objects.get().idempotency_key == f"case:{case.reference}:submitted"


def test_the_case_page_says_an_anonymous_applicant_is_sent_no_emails(
    client, anonymous_service, caseworker, signed_in
):
    anonymous = _submit(anonymous_service, {"colour": "blue"})
    named = _submit(anonymous_service, {"colour": "blue", "email": "someone@example.com"})
    signed_in(caseworker)

    said = "gave no email address"
    assert said in client.get(f"/staff/cases/{anonymous.reference}/").content.decode()
    assert said not in client.get(f"/staff/cases/{named.reference}/").content.decode()
