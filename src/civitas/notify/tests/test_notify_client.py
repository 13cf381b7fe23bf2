"""The contract: GOV.UK Notify's official Python client, unchanged and pointed at a live
Civitas by its `base_url`, can do everything it offers, and gets Notify's answers and
errors (docs/decisions/0043)."""

import base64
import io
import uuid

import pypdf
import pytest
from django.utils import timezone
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from civitas.identity.public import (
    create_notify_api_key,
    list_notify_api_keys,
    revoke_api_key,
)
from civitas.notify.models import Message, ReceivedTextMessage
from civitas.notify.tests.factories import SendingServiceFactory, make_template
from conftest import make_staff, run_queued_jobs

TEAM_MEMBER = "caseworker@example-borough.gov.uk"
ADDRESS = {
    "address_line_1": "A Resident",
    "address_line_2": "12 Station Road",
    "address_line_3": "EB1 1AA",
}


@pytest.fixture
def service(transactional_db):
    staff = make_staff(TEAM_MEMBER, "caseworker")
    organisation_id = staff.memberships.first().organisation_id
    return SendingServiceFactory(organisation_id=organisation_id)


@pytest.fixture
def templates(service):
    return {
        "email": make_template(service, "email"),
        "sms": make_template(service, "sms", body="Hi ((name)), ref ((reference))"),
        "letter": make_template(service, "letter", subject="About ((reference))"),
    }


def client_for(service, live_server, key_type: str = "live", name: str = "Contract"):
    _, key = create_notify_api_key(
        organisation_id=service.organisation_id,
        service_id=str(service.pk),
        name=name,
        key_type=key_type,
        created_by="test",
    )
    return NotificationsAPIClient(key, base_url=live_server.url)


@pytest.fixture
def client(service, live_server):
    return client_for(service, live_server)


def refusal(call) -> tuple[int, list[dict]]:
    with pytest.raises(HTTPError) as raised:
        call()
    return raised.value.status_code, raised.value.message


def test_it_sends_an_email_and_answers_as_notify_does(client, templates, live_server):
    answer = client.send_email_notification(
        email_address="resident@example.com",
        template_id=str(templates["email"].pk),
        personalisation={"name": "Ada", "reference": "ABC-123"},
        reference="our-ref-1",
    )
    assert set(answer) == {"id", "reference", "content", "uri", "template", "scheduled_for"}
    assert answer["reference"] == "our-ref-1"
    assert answer["content"]["subject"] == "About ABC-123"
    assert "Dear Ada" in answer["content"]["body"]
    assert set(answer["content"]) == {"body", "subject", "from_email", "one_click_unsubscribe_url"}
    assert answer["uri"] == f"{live_server.url}/v2/notifications/{answer['id']}"
    assert answer["template"]["id"] == str(templates["email"].pk)
    assert answer["template"]["version"] == 1
    message = Message.objects.get(pk=answer["id"])
    assert message.client_reference == "our-ref-1"
    assert message.key_type == Message.KeyType.LIVE


def test_it_sends_a_text_message_and_a_letter(client, templates):
    sms = client.send_sms_notification(
        phone_number="07700 900982",
        template_id=str(templates["sms"].pk),
        personalisation={"name": "Ada", "reference": "R1"},
    )
    assert sms["content"] == {"body": "Hi Ada, ref R1", "from_number": "Civitas"}
    letter = client.send_letter_notification(
        template_id=str(templates["letter"].pk),
        personalisation={**ADDRESS, "name": "Ada", "reference": "R2"},
    )
    assert letter["content"]["subject"] == "About R2"
    read = client.get_notification_by_id(letter["id"])
    assert read["type"] == "letter"
    assert read["status"] == "accepted"
    assert (read["line_1"], read["line_3"], read["postcode"]) == (
        "A Resident",
        "EB1 1AA",
        "EB1 1AA",
    )
    assert Message.objects.get(pk=sms["id"]).recipient == "+447700900982"


def test_it_shows_a_notification_with_every_field_notify_has(client, templates):
    sent = client.send_email_notification(
        email_address="resident@example.com",
        template_id=str(templates["email"].pk),
        personalisation={"name": "Ada", "reference": "X"},
    )
    read = client.get_notification_by_id(sent["id"])
    for field in (
        "id",
        "reference",
        "email_address",
        "phone_number",
        "line_1",
        "line_7",
        "postcode",
        "type",
        "status",
        "template",
        "body",
        "subject",
        "created_at",
        "created_by_name",
        "sent_at",
        "completed_at",
        "estimated_delivery",
        "is_cost_data_ready",
        "cost_details",
    ):
        assert field in read, field
    assert read["email_address"] == "resident@example.com"
    assert read["status"] == "created"
    assert read["created_at"].endswith("Z")


def test_a_test_key_never_delivers_and_fakes_a_delivered_status(service, templates, live_server):
    client = client_for(service, live_server, "test")
    sent = client.send_email_notification(
        email_address="resident@example.com",
        template_id=str(templates["email"].pk),
        personalisation={"name": "Ada", "reference": "X"},
    )
    run_queued_jobs()
    read = client.get_notification_by_id(sent["id"])
    assert read["status"] == "delivered"
    assert Message.objects.get(pk=sent["id"]).provider == "test"


def test_it_lists_notifications_with_filters_and_pages_through_them(client, templates):
    for number in range(3):
        client.send_email_notification(
            email_address="resident@example.com",
            template_id=str(templates["email"].pk),
            personalisation={"name": "Ada", "reference": str(number)},
            reference=f"batch-{number % 2}",
        )
    client.send_sms_notification(
        phone_number="07700900982",
        template_id=str(templates["sms"].pk),
        personalisation={"name": "Ada", "reference": "S"},
    )
    everything = client.get_all_notifications()
    assert len(everything["notifications"]) == 4
    assert "next" in everything["links"]
    assert everything["links"]["current"].endswith("/v2/notifications")
    emails = client.get_all_notifications(template_type="email", reference="batch-0")
    assert {n["reference"] for n in emails["notifications"]} == {"batch-0"}
    assert len(emails["notifications"]) == 2
    created = client.get_all_notifications(status="created")
    assert len(created["notifications"]) == 4
    newest, *older = everything["notifications"]
    after_newest = client.get_all_notifications(older_than=newest["id"])
    assert [n["id"] for n in after_newest["notifications"]] == [n["id"] for n in older]
    assert [n["id"] for n in client.get_all_notifications_iterator()] == [
        n["id"] for n in everything["notifications"]
    ]


def test_it_reads_received_text_messages_page_by_page(client, service):
    now = timezone.now()
    for number in range(3):
        ReceivedTextMessage.objects.create(
            sending_service=service,
            provider="sandbox",
            provider_reference=f"r{number}",
            source_number="+447700900111",
            destination_number="07700900000",
            content=f"Reply {number}",
            received_at=now - timezone.timedelta(minutes=number),
        )
    page = client.get_received_texts()
    texts = page["received_text_messages"]
    assert [text["content"] for text in texts] == ["Reply 0", "Reply 1", "Reply 2"]
    assert set(texts[0]) == {
        "id",
        "user_number",
        "notify_number",
        "created_at",
        "service_id",
        "content",
    }
    assert len(client.get_received_texts(older_than=texts[0]["id"])["received_text_messages"]) == 2
    assert [text["id"] for text in client.get_received_texts_iterator()] == [
        text["id"] for text in texts
    ]


def test_it_reads_templates_their_versions_and_previews_them(client, templates, service):
    from civitas.notify.templates import Words, save_template

    email = templates["email"]
    save_template(
        service,
        name=email.name,
        template_type="email",
        words=Words(body="Hello ((name))", subject="New ((reference))"),
        created_by="test",
        template=email,
    )
    template = client.get_template(str(email.pk))
    assert template["version"] == 2
    assert template["body"] == "Hello ((name))"
    assert {"id", "name", "type", "created_at", "updated_at", "created_by", "subject"} <= set(
        template
    )
    first = client.get_template_version(str(email.pk), 1)
    assert first["version"] == 1
    assert "Dear ((name))" in first["body"]
    versions = client.get_all_template_versions(str(email.pk))
    assert [v["version"] for v in versions["data"]] == [2, 1]
    everything = client.get_all_templates()
    assert {t["type"] for t in everything["templates"]} == {"email", "sms", "letter"}
    assert [t["type"] for t in client.get_all_templates(template_type="sms")["templates"]] == [
        "sms"
    ]
    preview = client.post_template_preview(
        str(email.pk), personalisation={"name": "Ada", "reference": "R"}
    )
    assert preview["body"] == "Hello Ada"
    assert preview["subject"] == "New R"
    assert "<p" in preview["html"]
    sms = client.post_template_preview(
        str(templates["sms"].pk), personalisation={"name": "Ada", "reference": "R" * 200}
    )
    assert sms["fragment_count"] == 2


def test_the_client_is_told_each_bad_input_in_notifys_words(client, templates, service):
    email_id = str(templates["email"].pk)
    values = {"name": "Ada", "reference": "R"}
    status, errors = refusal(
        lambda: client.send_email_notification(
            email_address="not an address", template_id=email_id, personalisation=values
        )
    )
    assert (status, errors[0]["error"]) == (400, "ValidationError")
    assert errors[0]["message"] == "email_address Not a valid email address"
    status, errors = refusal(
        lambda: client.send_sms_notification(
            phone_number="12345", template_id=str(templates["sms"].pk), personalisation=values
        )
    )
    assert (status, errors[0]["error"]) == (400, "ValidationError")
    assert errors[0]["message"].startswith("phone_number ")
    status, errors = refusal(
        lambda: client.send_email_notification(
            email_address="a@example.com", template_id=str(uuid.uuid4()), personalisation=values
        )
    )
    assert (status, errors) == (
        400,
        [{"error": "BadRequestError", "message": "Template not found"}],
    )
    status, errors = refusal(
        lambda: client.send_email_notification(
            email_address="a@example.com", template_id=email_id, personalisation={"name": "A"}
        )
    )
    assert (status, errors[0]["message"]) == (400, "Missing personalisation: reference")
    status, errors = refusal(
        lambda: client.send_letter_notification(
            template_id=str(templates["letter"].pk),
            personalisation={"address_line_1": "Only one line", **values},
        )
    )
    assert (status, errors[0]["error"]) == (400, "ValidationError")
    assert "at least 3 lines" in errors[0]["message"]
    status, errors = refusal(
        lambda: client.send_sms_notification(
            phone_number="07700900982", template_id=email_id, personalisation=values
        )
    )
    assert errors[0]["message"] == "email template is not suitable for sms notification"
    status, errors = refusal(lambda: client.get_notification_by_id(str(uuid.uuid4())))
    assert (status, errors) == (404, [{"error": "NoResultFound", "message": "No result found"}])
    status, errors = refusal(lambda: client.get_template(str(uuid.uuid4())))
    assert status == 404
    assert not Message.objects.exists()


def test_a_team_key_sends_only_to_the_services_team(service, templates, live_server):
    client = client_for(service, live_server, "team")
    values = {"name": "Ada", "reference": "R"}
    sent = client.send_email_notification(
        email_address=TEAM_MEMBER.upper(),
        template_id=str(templates["email"].pk),
        personalisation=values,
    )
    assert Message.objects.get(pk=sent["id"]).key_type == Message.KeyType.TEAM
    status, errors = refusal(
        lambda: client.send_email_notification(
            email_address="stranger@example.com",
            template_id=str(templates["email"].pk),
            personalisation=values,
        )
    )
    assert (status, errors[0]["error"]) == (400, "BadRequestError")
    assert errors[0]["message"] == "Can’t send to this recipient using a team-only API key"
    assert Message.objects.count() == 1


def test_a_key_reaches_only_its_own_services_messages_and_templates(
    client, templates, service, live_server
):
    other = SendingServiceFactory(organisation_id=service.organisation_id, name="Other")
    other_template = make_template(other, "email")
    other_client = client_for(other, live_server)
    theirs = other_client.send_email_notification(
        email_address="a@example.com",
        template_id=str(other_template.pk),
        personalisation={"name": "A", "reference": "B"},
    )
    status, errors = refusal(lambda: client.get_notification_by_id(theirs["id"]))
    assert (status, errors[0]["message"]) == (404, "No result found")
    assert refusal(lambda: client.get_template(str(other_template.pk)))[0] == 404
    status, errors = refusal(
        lambda: client.send_email_notification(
            email_address="a@example.com",
            template_id=str(other_template.pk),
            personalisation={"name": "A", "reference": "B"},
        )
    )
    assert errors[0]["message"] == "Template not found"
    assert client.get_all_notifications()["notifications"] == []
    assert str(other_template.pk) not in {t["id"] for t in client.get_all_templates()["templates"]}


def test_a_revoked_key_is_refused_as_revoked(service, templates, live_server):
    client = client_for(service, live_server)
    [key] = list_notify_api_keys(str(service.pk))
    revoke_api_key(key.public_id, revoked_by="test")
    status, errors = refusal(client.get_all_templates)
    assert (status, errors) == (
        403,
        [{"error": "AuthError", "message": "Invalid token: API key revoked"}],
    )


def test_a_precompiled_letter_is_sent_and_its_pdf_read_back(client):
    from civitas.notify.tests.test_precompiled import _letter

    pdf = _letter()
    sent = client.send_precompiled_letter_notification(reference="pre-1", pdf_file=io.BytesIO(pdf))
    assert sent["reference"] == "pre-1"
    assert sent["postage"] == "second"
    assert client.get_pdf_for_letter(sent["id"]).read() == pdf
    read = client.get_notification_by_id(sent["id"])
    assert read["line_1"] == "Ms A Resident"
    assert read["postcode"] == "EB1 1AA"


def test_a_letter_from_a_template_has_its_pdf_before_it_is_printed(client, templates):
    sent = client.send_letter_notification(
        template_id=str(templates["letter"].pk),
        personalisation={
            "address_line_1": "Ms A Resident",
            "address_line_2": "1 High Street",
            "address_line_3": "EB1 1AA",
            "name": "Ann",
            "reference": "R9",
        },
    )
    pdf = client.get_pdf_for_letter(sent["id"]).read()
    assert pdf.startswith(b"%PDF-")
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1


def test_a_precompiled_letter_that_is_not_a_pdf_is_refused_and_nothing_queued(client):
    status, errors = refusal(
        lambda: client.post(
            "/v2/notifications/letter",
            data={"reference": "r", "content": base64.b64encode(b"hello").decode()},
        )
    )
    assert (status, errors) == (
        400,
        [{"error": "BadRequestError", "message": "Letter content is not a valid PDF"}],
    )
    status, errors = refusal(
        lambda: client.post("/v2/notifications/letter", data={"reference": "r", "content": "%%%"})
    )
    assert (status, errors[0]["error"]) == (400, "ValidationError")
    assert not Message.objects.exists()
