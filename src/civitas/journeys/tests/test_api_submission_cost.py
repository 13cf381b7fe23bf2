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


def _submit(client, headers, extra_headers=None):
    return client.post(
        URL,
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers={**headers, **(extra_headers or {})},
    )


def _statements_of_a_submission(client, headers, extra_headers=None) -> list[str]:
    assert _submit(client, headers).status_code == 201  # the key is looked up once
    with CaptureQueriesContext(connection) as queries:
        response = _submit(client, headers, extra_headers)
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries.captured_queries]


def test_a_submission_is_one_transaction_of_a_fixed_number_of_statements(
    client, parking_permit, api_headers
):
    statements = _statements_of_a_submission(client, api_headers)
    # Outside the transaction: the key's count against its rate (in the database when
    # there is no Redis). Inside: the team the service routes the case to, the case, its
    # search digests, its audit event, its log entry (one statement on PostgreSQL, two on
    # SQLite) and its email, whose outbox row is its place in the queue (no job row).
    ledger = 1 if connection.vendor == "postgresql" else 2
    assert len(statements) == 1 + 2 + 1 + 4 + ledger, "\n".join(statements)
    assert "identity_team" in statements[2]
    assert statements[1].startswith("BEGIN")
    assert statements[-1] == "COMMIT"
    assert not any("SAVEPOINT" in sql for sql in statements)


def test_the_key_is_not_looked_up_again_on_each_call(client, parking_permit, api_headers):
    statements = _statements_of_a_submission(client, api_headers)
    assert not any("identity_apikey" in sql for sql in statements)


def test_the_new_cases_email_is_queued_without_looking_for_an_earlier_one(
    client, parking_permit, api_headers
):
    statements = _statements_of_a_submission(client, api_headers)
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


def test_what_a_submission_writes_commits_together(client, parking_permit, api_headers):
    response = _submit(client, api_headers)
    reference = response.json()["reference"]
    assert Case.objects.filter(reference=reference).exists()
    assert AuditEvent.objects.filter(action="case.submitted", object_id=reference).exists()
    assert Message.objects.filter(idempotency_key=f"case:{reference}:submitted").exists()
