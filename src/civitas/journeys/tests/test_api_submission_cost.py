"""What one API submission costs the database: a fixed, small number of statements, in
one transaction with no savepoint (docs/decisions/0034). A change that adds a round trip
to every submission has to change the number here, on purpose."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civitas.cases.models import Case
from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent

# Committed for real, as in production: a test's own transaction would turn each of the
# submission's into a savepoint.
pytestmark = pytest.mark.django_db(transaction=True)


# Sample District's permit takes its fee offline: its applications are submitted, logged
# and confirmed as they are made. Example Borough's waits for its fee to be paid online.
SUBMITTED_AT_ONCE_URL = "/api/v1/services/sample-district/resident-parking-permit/applications"


def _submitted_at_once_answers() -> dict:
    answers = {**valid_answers(), "postcode": "SD1 2AB", "address_line": "1 Mill Lane"}
    del answers["address"]
    return answers


def _submit(client, headers, extra_headers=None, *, url=URL, answers=None):
    body = {"version": 1, "answers": answers or valid_answers(), "declaration": True}
    return client.post(
        url,
        data=json.dumps(body),
        content_type="application/json",
        headers={**headers, **(extra_headers or {})},
    )


def _statements_of_a_submission(client, headers, extra_headers=None, **where) -> list[str]:
    # The first call looks the key up once, and takes a lease of its rate for the calls
    # after it: the measured call counts against the rate in this process's memory.
    assert _submit(client, headers, **where).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = _submit(client, headers, extra_headers, **where)
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries.captured_queries]


def _without_the_logs_state(statements: list[str]) -> list[str]:
    """The statements less the read of whether the log takes entries, which a process makes
    at most once a second (ledger.services.ledger_seen_open), so once or not at all."""
    reads = [sql for sql in statements if "ledger_sequencer" in sql]
    assert len(reads) <= 1, reads
    assert all(sql.startswith("SELECT") for sql in reads)
    return [sql for sql in statements if sql not in reads]


@pytest.fixture
def submitted_at_once(other_council_permit, api_key) -> dict:
    """How to submit to a service that submits its applications as they are made."""
    return {
        "headers": api_key("sample-district"),
        "url": SUBMITTED_AT_ONCE_URL,
        "answers": _submitted_at_once_answers(),
    }


def _statements_submitted_at_once(client, submitted_at_once, extra_headers=None) -> list[str]:
    where = dict(submitted_at_once)
    headers = where.pop("headers")
    return _statements_of_a_submission(client, headers, extra_headers, **where)


def test_a_submission_is_one_transaction_of_a_fixed_number_of_statements(client, submitted_at_once):
    statements = _statements_submitted_at_once(client, submitted_at_once)
    # Nothing outside the transaction: the key's count against its rate was taken, with
    # a lease of the next calls', by the call before (decision 0067). Inside: the team
    # the service routes the case to, the case, its
    # search digests, its audit event and its email, whose outbox row is its place in the
    # queue (no job row). Its log entry is appended by the worker from that row (decision
    # 0065); whether the log takes entries is asked at most once a second per process.
    statements = _without_the_logs_state(statements)
    assert len(statements) == 2 + 1 + 4, "\n".join(statements)
    assert not any("ledger_" in sql for sql in statements)
    assert "identity_team" in statements[1]
    assert statements[0].startswith("BEGIN")
    assert statements[-1] == "COMMIT"
    assert not any("SAVEPOINT" in sql for sql in statements)


def test_a_submission_that_waits_for_its_fee_writes_less_in_one_transaction(
    client, parking_permit, api_headers
):
    statements = _without_the_logs_state(_statements_of_a_submission(client, api_headers))
    # The same, less the email: it is written when the fee is paid (cases/payments.py
    # take_payment). Nothing is asked of the payment provider yet.
    assert len(statements) == 2 + 1 + 3, "\n".join(statements)
    assert "identity_team" in statements[1]
    assert statements[0].startswith("BEGIN")
    assert statements[-1] == "COMMIT"
    assert not any("SAVEPOINT" in sql for sql in statements)


def test_the_key_is_not_looked_up_again_on_each_call(client, parking_permit, api_headers):
    statements = _statements_of_a_submission(client, api_headers)
    assert not any("identity_apikey" in sql for sql in statements)


def test_the_new_cases_email_is_queued_without_looking_for_an_earlier_one(
    client, submitted_at_once
):
    statements = _statements_submitted_at_once(client, submitted_at_once)
    inserts = [sql for sql in statements if "notify_message" in sql]
    assert len(inserts) == 1
    assert inserts[0].startswith("INSERT")


def test_a_submission_with_an_idempotency_key_keeps_its_response_in_the_same_transaction(
    client, parking_permit, api_headers
):
    statements = _statements_of_a_submission(
        client, api_headers, {"Idempotency-Key": "one-application"}
    )
    begin = next(i for i, sql in enumerate(statements) if sql.startswith("BEGIN"))
    commit = statements.index("COMMIT")
    kept = [i for i, sql in enumerate(statements) if "INSERT" in sql and "idempotent" in sql]
    assert len(kept) == 1
    assert begin < kept[0] < commit
    again = _submit(client, api_headers, {"Idempotency-Key": "one-application"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 2  # the first, unkeyed, and the keyed one: no third


def test_what_a_submission_writes_commits_together(client, submitted_at_once):
    where = dict(submitted_at_once)
    response = _submit(client, where.pop("headers"), **where)
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert Case.objects.filter(reference=reference).exists()
    assert AuditEvent.objects.filter(action="case.submitted", object_id=reference).exists()
    assert Message.objects.filter(idempotency_key=f"case:{reference}:submitted").exists()
