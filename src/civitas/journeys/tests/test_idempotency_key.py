"""An API submission sent again with the same Idempotency-Key (a client retrying after a
lost reply) gets the first response and makes no second case; the same key with another
application is refused; keys belong to the API key that sent them and are kept a while."""

import datetime
import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from civitas.cases.models import Case
from civitas.journeys.idempotency import delete_expired_idempotency_keys
from civitas.journeys.models import IdempotentSubmission
from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.notify.models import Message

BODY = {"version": 1, "answers": valid_answers(), "declaration": True}


def _send(client, headers, body=BODY, key="order-7f3a"):
    return client.post(
        URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={**headers, **({"Idempotency-Key": key} if key is not None else {})},
    )


def test_a_retried_submission_gets_the_first_response_and_makes_one_case(
    client, parking_permit, api_headers, payments
):
    first = _send(client, api_headers)
    again = _send(client, api_headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the same payment to make, too
    assert again["Idempotent-Replayed"] == "true"
    (case,) = Case.objects.all()
    payments.pay(case.reference)
    assert Message.objects.filter(template="submitted").count() == 1  # one confirmation email


def test_another_application_under_a_key_already_used_is_refused(
    client, parking_permit, api_headers
):
    assert _send(client, api_headers).status_code == 201
    other = {**BODY, "answers": {**valid_answers(), "registration": "AB12 CDE"}}

    refused = _send(client, api_headers, body=other)

    assert refused.status_code == 422
    assert refused.json()["type"].endswith("idempotency-key-reused")
    assert Case.objects.count() == 1


def test_different_keys_make_different_cases(client, parking_permit, api_headers):
    assert _send(client, api_headers, key="one").status_code == 201
    assert _send(client, api_headers, key="two").status_code == 201
    assert Case.objects.count() == 2


def test_without_a_key_every_submission_is_a_new_case(client, parking_permit, api_headers):
    assert _send(client, api_headers, key=None).status_code == 201
    assert _send(client, api_headers, key=None).status_code == 201
    assert Case.objects.count() == 2
    assert not IdempotentSubmission.objects.exists()


def test_a_key_belongs_to_the_api_key_that_sent_it(client, parking_permit, api_key):
    assert _send(client, api_key()).status_code == 201
    second_client = _send(client, api_key())
    assert second_client.status_code == 201
    assert "Idempotent-Replayed" not in second_client
    assert Case.objects.count() == 2


def test_an_invalid_submission_is_not_kept_so_it_can_be_corrected(
    client, parking_permit, api_headers
):
    wrong = {**BODY, "answers": {**valid_answers(), "email": "not an email"}}
    assert _send(client, api_headers, body=wrong).status_code == 422
    assert _send(client, api_headers).status_code == 201
    assert Case.objects.count() == 1


@pytest.mark.parametrize("key", ["", " ", "é", "a" * 256, "line\nbreak", "nul\x00"])
def test_a_key_that_is_not_printable_ascii_of_255_characters_at_most_is_refused(
    client, parking_permit, api_headers, key
):
    try:
        response = _send(client, api_headers, key=key)
    except (ValueError, UnicodeEncodeError):
        return  # the test client itself refuses to send such a header: so would HTTP
    assert response.status_code == 400
    assert response.json()["type"].endswith("invalid-idempotency-key")
    assert not Case.objects.exists()


def test_a_kept_response_is_forgotten_after_its_hours(
    client, parking_permit, api_headers, settings
):
    assert _send(client, api_headers).status_code == 201
    IdempotentSubmission.objects.update(
        created_at=timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS + 1)
    )

    assert delete_expired_idempotency_keys() == 1
    assert _send(client, api_headers).status_code == 201
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_make_one_case(parking_permit, api_key):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs two connections writing")
    headers = api_key()
    results = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        results.append(_send(Client(), headers))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(response.status_code for response in results) == [201, 201]
    assert results[0].json() == results[1].json()
    assert Case.objects.count() == 1
