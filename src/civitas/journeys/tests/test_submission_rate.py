"""The public submission pages are rate limited by the client's address: a script cannot
fill the queues; one too many is told when to try again, and keeps its answers. Staff
completing a service for callers are not counted."""

import json
import logging

import pytest

from civitas.cases.models import Case
from civitas.journeys.tests.test_pages import URL, complete_questions

pytestmark = pytest.mark.django_db


def _send(client):
    complete_questions(client)
    return client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})


def test_applications_from_one_address_are_limited(
    client, parking_permit, payments, settings, caplog
):
    settings.SUBMISSION_RATE_PER_ADDRESS = "2/hour"
    assert _send(client).status_code == 302
    assert _send(client).status_code == 302
    with caplog.at_level(logging.WARNING, logger="civitas.security"):
        refused = _send(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "Too many applications have been sent from your connection" in page
    assert "govuk-error-summary" in page
    assert Case.objects.count() == 2
    # The answers are kept: the check answers page still shows them.
    assert "CU57 ABC" in page
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "civitas.security"]
    assert {"event": "submission.refused", "reason": "too_many_from_address"}.items() <= (
        records[-1].items()
    )


def test_another_address_is_not_held_back(client, parking_permit, payments, settings):
    from django.test import Client

    settings.SUBMISSION_RATE_PER_ADDRESS = "1/hour"
    assert _send(client).status_code == 302
    assert _send(client).status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.99")
    assert _send(other).status_code == 302
