"""Who may call the Notify-compatible API, and how each wrong token is answered, in plain
requests: Notify's status codes, its AuthError body and its words; nothing queued."""

import json
import os
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civitas.identity.public import create_notify_api_key, revoke_api_key
from civitas.notify.api_auth import forget_sending_services
from civitas.notify.models import Message
from civitas.notify.tests.factories import SendingServiceFactory, make_template
from civitas.platform.models import AuditEvent, RateLimitCounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return SendingServiceFactory()


@pytest.fixture
def template(service):
    return make_template(service, "email")


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.xdist_group("redis"))])
def counted_in(request, settings) -> Iterator[str]:
    """Where the service's counts are kept: in the database, or in Redis."""
    if request.param == "database":
        yield request.param
        return
    settings.REDIS_URL = TEST_REDIS_URL
    store = redis.Redis.from_url(TEST_REDIS_URL)
    store.flushdb()
    yield request.param
    store.flushdb()


def _counts_kept(counted_in: str) -> dict[str, object]:
    """What the limiter holds, to tell a lost count from a count never made."""
    kept: dict[str, object] = {"rows": list(RateLimitCounter.objects.values_list("key", "hits"))}
    if counted_in == "database":
        return kept
    store = redis.Redis.from_url(TEST_REDIS_URL)
    return kept | {str(key): (store.get(key), store.ttl(key)) for key in store.keys("*")}


def make_key(service, key_type: str = "live") -> str:
    _, key = create_notify_api_key(
        organisation_id=service.organisation_id,
        service_id=str(service.pk),
        name="Case system",
        key_type=key_type,
        created_by="test",
    )
    return key


def token(key: str, *, iat: float | None = None, iss: str | None = None, **claims) -> str:
    payload = {"iss": iss or key[-73:-37], "iat": int(time.time()) if iat is None else iat}
    return jwt.encode({**payload, **claims}, key[-36:], algorithm="HS256")


def send(client, template, authorization: str | None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return client.post(
        "/v2/notifications/email",
        data=json.dumps(
            body
            if body is not None
            else {
                "template_id": str(template.pk),
                "email_address": "resident@example.com",
                "personalisation": {"name": "Ada", "reference": "R"},
            }
        ),
        content_type="application/json",
        **headers,
    )


def auth_error(response) -> tuple[int, str]:
    body = response.json()
    assert body["status_code"] == response.status_code
    [error] = body["errors"]
    assert error["error"] == "AuthError"
    return response.status_code, error["message"]


def test_a_key_reads_name_service_id_and_secret_as_the_official_client_cuts_it(service):
    key = make_key(service)
    assert key.startswith("case_system-")
    assert key[-73:-37] == str(service.pk)
    uuid.UUID(key[-36:])


def test_a_well_signed_request_is_accepted(client, service, template):
    response = send(client, template, f"Bearer {token(make_key(service))}")
    assert response.status_code == 201, response.content


def test_a_request_without_a_token_is_told_to_send_one(client, template):
    assert auth_error(send(client, template, None)) == (
        401,
        "Unauthorized: authentication token must be provided",
    )
    assert auth_error(send(client, template, "Basic abc")) == (
        401,
        "Unauthorized: authentication bearer scheme must be used",
    )


def test_a_token_that_is_no_jwt_is_refused(client, template):
    status, message = auth_error(send(client, template, "Bearer not-a-jwt"))
    assert status == 403
    assert message.startswith("Invalid token: make sure your API token matches")


def test_a_token_for_an_unknown_service_is_refused(client, service, template):
    key = make_key(service)
    assert auth_error(send(client, template, f"Bearer {token(key, iss=str(uuid.uuid4()))}")) == (
        403,
        "Invalid token: service not found",
    )
    assert auth_error(send(client, template, f"Bearer {token(key, iss='abc')}")) == (
        403,
        "Invalid token: service id is not the right data type",
    )


def test_a_token_signed_with_a_wrong_secret_is_refused_as_no_key_found(client, service, template):
    key = make_key(service)
    forged = key[:-36] + str(uuid.uuid4())
    assert auth_error(send(client, template, f"Bearer {token(forged)}")) == (
        403,
        "Invalid token: API key not found",
    )


def test_a_token_more_than_30_seconds_old_or_ahead_is_refused(client, service, template):
    key = make_key(service)
    for skew in (-31, 31, -3600):
        stale = token(key, iat=int(time.time()) + skew)
        assert auth_error(send(client, template, f"Bearer {stale}")) == (
            403,
            "Error: Your system clock must be accurate to within 30 seconds",
        )
    assert (
        send(client, template, f"Bearer {token(key, iat=int(time.time()) - 25)}").status_code == 201
    )


# The test signs with HS512 on purpose; PyJWT warns that the key is short for it.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_token_signed_with_another_algorithm_is_refused(client, service, template):
    key = make_key(service)
    payload = {"iss": key[-73:-37], "iat": int(time.time())}
    hs512 = jwt.encode(payload, key[-36:], algorithm="HS512")
    unsigned = jwt.encode(payload, None, algorithm="none")
    for bad in (hs512, unsigned):
        status, _ = auth_error(send(client, template, f"Bearer {bad}"))
        assert status == 403


def test_a_token_without_iat_is_refused(client, service, template):
    key = make_key(service)
    no_iat = jwt.encode({"iss": key[-73:-37]}, key[-36:], algorithm="HS256")
    assert auth_error(send(client, template, f"Bearer {no_iat}"))[0] == 403


def test_a_revoked_key_is_refused_and_the_others_still_open(client, service, template):
    from civitas.identity.public import list_notify_api_keys

    old = make_key(service)
    new = make_key(service)
    [first, _] = list_notify_api_keys(str(service.pk))
    revoke_api_key(first.public_id, revoked_by="test")
    assert auth_error(send(client, template, f"Bearer {token(old)}")) == (
        403,
        "Invalid token: API key revoked",
    )
    assert send(client, template, f"Bearer {token(new)}").status_code == 201


def test_a_service_without_keys_is_told_so(client, service, template):
    key = make_key(SendingServiceFactory())
    other_service_token = token(key, iss=str(service.pk))
    assert auth_error(send(client, template, f"Bearer {other_service_token}")) == (
        403,
        "Invalid token: service has no API keys",
    )


def test_a_platform_key_opens_nothing_here_and_a_notify_key_nothing_there(
    client, service, template, api_key
):
    platform_headers = api_key()
    response = send(client, template, platform_headers["Authorization"])
    assert response.status_code == 403
    notify_token = token(make_key(service))
    response = client.get("/api/v1/applications/ABC", HTTP_AUTHORIZATION=f"Bearer {notify_token}")
    assert response.status_code == 401


def test_making_and_revoking_a_key_is_audited_without_its_secret(service):
    key = make_key(service, "team")
    created = AuditEvent.objects.get(action="api_key.created")
    assert created.details["kind"] == "notify"
    assert created.details["key_type"] == "team"
    assert created.details["sending_service"] == str(service.pk)
    assert key[-36:] not in json.dumps(created.details)
    revoke_api_key(created.object_id, revoked_by="test")
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_the_secret_is_kept_encrypted(service):
    from civitas.identity.models import ApiKey

    key = make_key(service)
    stored = ApiKey.objects.filter(kind="notify").values_list("notify_secret", flat=True).get()
    assert key[-36:] not in str(stored.token)


def test_malformed_json_is_a_bad_request_and_nothing_is_queued(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    response = client.post(
        "/v2/notifications/email",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 400
    assert response.json() == {
        "status_code": 400,
        "errors": [{"error": "BadRequestError", "message": "Invalid JSON supplied in POST data"}],
    }
    response = send(client, template, authorization, {"email_address": 7, "extra": 1})
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert "template_id is a required property" in messages
    assert any(message.startswith("Additional properties are not allowed") for message in messages)
    assert not Message.objects.exists()


def test_other_methods_and_content_types_are_refused_in_notifys_shape(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    response = client.get("/v2/notifications/email", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 405
    assert response.json()["errors"][0]["error"] == "MethodNotAllowed"
    response = client.post(
        "/v2/notifications/email",
        data="a=b",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 415
    assert not Message.objects.exists()


def test_a_service_past_its_rate_is_refused_as_notify_does(client, service, template):
    service.rate_limit_per_minute = 2
    service.save()
    forget_sending_services()
    authorization = f"Bearer {token(make_key(service))}"
    for _ in range(2):
        assert client.get("/v2/templates", HTTP_AUTHORIZATION=authorization).status_code == 200
    response = client.get("/v2/templates", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 429
    assert response.json() == {
        "status_code": 429,
        "errors": [
            {
                "error": "RateLimitError",
                "message": "Exceeded rate limit for key type LIVE of 2 requests per 60 seconds",
            }
        ],
    }


def test_a_service_past_its_daily_limit_is_refused_but_test_keys_still_send(
    client, service, template, counted_in
):
    service.email_daily_limit = 2
    service.save()
    forget_sending_services()
    live = f"Bearer {token(make_key(service))}"
    test = f"Bearer {token(make_key(service, 'test'))}"
    assert send(client, template, test).status_code == 201
    for _ in range(2):
        assert send(client, template, live).status_code == 201
    response = send(client, template, live)
    assert response.status_code == 429, _counts_kept(counted_in)
    assert response.json()["errors"] == [
        {"error": "TooManyRequestsError", "message": "Exceeded send limits (2) for today"}
    ]
    assert send(client, template, test).status_code == 201
    assert Message.objects.filter(key_type="normal").count() == 2


def test_a_refused_send_does_not_count_toward_the_daily_limit(
    client, service, template, counted_in
):
    service.email_daily_limit = 1
    service.save()
    forget_sending_services()
    live = f"Bearer {token(make_key(service))}"
    bad = {"template_id": str(template.pk), "email_address": "nope", "personalisation": {}}
    assert send(client, template, live, bad).status_code == 400
    assert send(client, template, live).status_code == 201


def test_listing_notifications_costs_the_same_queries_for_one_or_many(
    client, service, template, django_assert_max_num_queries
):
    authorization = f"Bearer {token(make_key(service))}"
    send(client, template, authorization)
    client.get("/v2/notifications", HTTP_AUTHORIZATION=authorization)
    for _ in range(20):
        send(client, template, authorization)
    with django_assert_max_num_queries(4):
        response = client.get("/v2/notifications", HTTP_AUTHORIZATION=authorization)
    assert len(response.json()["notifications"]) == 21


def test_an_api_send_is_one_insert_and_one_queued_job(
    client, service, template, django_assert_max_num_queries
):
    authorization = f"Bearer {token(make_key(service))}"
    send(client, template, authorization)
    # The key's lookup (at most once a second), the rate count, the message, its job,
    # the daily count, and a savepoint's two. No look-up of the fresh idempotency key.
    with django_assert_max_num_queries(7):
        assert send(client, template, authorization).status_code == 201


@pytest.mark.xdist_group("redis")
@pytest.mark.parametrize("counted_in", ["redis"], indirect=True)
def test_a_send_counted_in_redis_is_one_insert_without_a_transaction(
    client, service, template, counted_in
):
    authorization = f"Bearer {token(make_key(service))}"
    send(client, template, authorization)
    with CaptureQueriesContext(connection) as queries:
        assert send(client, template, authorization).status_code == 201
    # The rate and the day's count are in Redis, so nothing needs rolling back with the
    # message: no BEGIN, no COMMIT, no savepoint.
    statements = [query["sql"] for query in queries.captured_queries]
    assert [sql for sql in statements if sql.startswith("INSERT")] == [
        sql for sql in statements if sql.startswith('INSERT INTO "notify_message"')
    ]
    assert len([sql for sql in statements if sql.startswith("INSERT")]) == 1
    assert not [sql for sql in statements if sql.split()[0] in ("BEGIN", "COMMIT", "SAVEPOINT")]


def test_a_precompiled_letter_over_5_mb_is_refused_unread(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    response = client.post(
        "/v2/notifications/letter",
        data=json.dumps({"reference": "r", "content": "A" * (8 * 1024 * 1024)}),
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["error"] == "BadRequestError"
    assert not Message.objects.exists()


def test_a_precompiled_letter_of_4_mb_is_read_past_the_form_limit(client, service, template):
    import base64

    authorization = f"Bearer {token(make_key(service))}"
    content = base64.b64encode(b"not a pdf" * (400 * 1024)).decode()
    response = client.post(
        "/v2/notifications/letter",
        data=json.dumps({"reference": "r", "content": content}),
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Letter content is not a valid PDF"


def test_an_api_send_is_delivered_once_even_when_delivery_runs_again(
    client, service, template, smtp_inbox
):
    from civitas.notify.delivery import deliver_message
    from conftest import run_queued_jobs

    response = send(client, template, f"Bearer {token(make_key(service))}")
    message_id = response.json()["id"]
    run_queued_jobs()
    deliver_message(message_id)
    run_queued_jobs()
    assert len(smtp_inbox.wait_for(1)) == 1
    assert Message.objects.get(pk=message_id).status == Message.Status.DELIVERED
    assert len(smtp_inbox.messages) == 1


def test_notifications_page_by_250_from_newest_to_oldest(client, service, template):
    from datetime import timedelta

    from django.utils import timezone

    from civitas.notify.tests.factories import MessageFactory

    start = timezone.now()
    made = [
        MessageFactory(
            sending_service=service,
            organisation_id=service.organisation_id,
            created_at=start - timedelta(seconds=number // 2),  # pairs share a moment
            notify_template=template,
            template_version=1,
        )
        for number in range(251)
    ]
    authorization = f"Bearer {token(make_key(service))}"
    first = client.get("/v2/notifications", HTTP_AUTHORIZATION=authorization).json()
    assert len(first["notifications"]) == 250
    second = client.get(first["links"]["next"], HTTP_AUTHORIZATION=authorization).json()
    assert len(second["notifications"]) == 1
    seen = [n["id"] for n in first["notifications"] + second["notifications"]]
    assert sorted(seen) == sorted(str(message.pk) for message in made)
    third = client.get(second["links"]["next"], HTTP_AUTHORIZATION=authorization).json()
    assert third["notifications"] == []
    assert "next" not in third["links"]


def test_a_reply_to_or_sender_id_that_names_nothing_is_refused(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    reply_to = str(uuid.uuid4())
    body = {
        "template_id": str(template.pk),
        "email_address": "resident@example.com",
        "personalisation": {"name": "Ada", "reference": "R"},
        "email_reply_to_id": reply_to,
    }
    response = send(client, template, authorization, body)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "error": "BadRequestError",
            "message": f"email_reply_to_id {reply_to} does not exist in database "
            f"for service id {service.pk}",
        }
    ]
    assert not Message.objects.exists()


def test_an_id_that_is_no_uuid_is_a_validation_error(client, service):
    authorization = f"Bearer {token(make_key(service))}"
    response = client.get("/v2/notifications/not-a-uuid", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "error": "ValidationError",
        "message": "notification_id is not a valid UUID",
    }
    response = client.get("/v2/notifications?status=lost", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("status lost is not one of")


def test_a_version_a_template_never_had_is_not_found(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    response = client.get(f"/v2/template/{template.pk}/version/7", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 404
    assert response.json()["errors"] == [{"error": "NoResultFound", "message": "No result found"}]
    response = client.get(
        f"/service/{uuid.uuid4()}/template/{template.pk}/versions", HTTP_AUTHORIZATION=authorization
    )
    assert response.status_code == 404


def test_a_text_message_too_long_once_filled_in_is_refused_and_nothing_queued(client, service):
    sms = make_template(service, "sms", body="Hi ((name))")
    authorization = f"Bearer {token(make_key(service))}"
    response = client.post(
        "/v2/notifications/sms",
        data=json.dumps(
            {
                "template_id": str(sms.pk),
                "phone_number": "07700900982",
                "personalisation": {"name": "x" * 1000},
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "error": "BadRequestError",
            "message": "Your message is too long. Text messages cannot be longer than 918 "
            "characters. Your message is 1003 characters long.",
        }
    ]
    assert not Message.objects.exists()


def test_an_email_request_over_3_mb_is_refused_unread(client, service, template):
    authorization = f"Bearer {token(make_key(service))}"
    body = {"template_id": str(template.pk), "email_address": "a@example.com"}
    response = send(
        client, template, authorization, {**body, "personalisation": {"name": "x" * 3_200_000}}
    )
    assert response.status_code == 413
    assert not Message.objects.exists()
