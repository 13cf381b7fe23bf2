"""Save and come back later: a single-use, expiring emailed link back to the answers."""

import datetime
import hashlib
import logging
import re

import pytest
from django.utils import timezone

from civitas.journeys.models import SavedJourney
from civitas.journeys.saving import delete_expired_saved_journeys
from civitas.journeys.tests.test_pages import URL, answer, complete_questions
from civitas.journeys.tests.test_versions import publish_version_2
from civitas.notify.models import Message
from conftest import permit_address, run_queued_jobs

KEY = "journey:example-borough/resident-parking-permit"


def answer_two(client) -> None:
    answer(client, "address", permit_address())
    answer(client, "vehicle", {"registration": "CU57 ABC"})


def save(client, email: str = "resident@example.com"):
    return client.post(f"{URL}/save/", {"email": email})


def emailed_link(smtp_inbox, count: int = 1) -> str:
    run_queued_jobs()
    received = smtp_inbox.wait_for(count)[-1]
    text = next(
        part.get_payload(decode=True).decode()
        for part in received.walk()
        if part.get_content_type() == "text/plain"
    )
    [link] = re.findall(r"https?://\S+/return/\S+/", text)
    # The path, without the platform's address.
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_every_question_page_offers_to_save_and_says_when_answers_are_deleted(
    client, parking_permit
):
    page = client.get(f"{URL}/address/").content.decode()
    assert f'href="{URL}/save/"' in page
    assert "Save and come back later" in page
    assert "We will delete your answers if you do nothing for 30 minutes" in page


def test_the_contact_email_answer_is_offered(client, parking_permit):
    complete_questions(client)
    page = client.get(f"{URL}/save/").content.decode()
    assert 'value="resident@example.com"' in page


def test_saving_emails_a_link_that_restores_the_journey_once(
    client, parking_permit, smtp_inbox, django_user_model
):
    answer_two(client)
    response = save(client)
    assert response.status_code == 200
    assert "Your answers have been saved" in response.content.decode()
    path = emailed_link(smtp_inbox)

    from django.test import Client

    elsewhere = Client()
    # Opening the link (as a mail scanner would) does not use it.
    assert elsewhere.get(path).status_code == 200
    assert elsewhere.get(path).status_code == 200
    response = elsewhere.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}/emissions/"
    assert elsewhere.session[KEY]["answers"]["registration"] == "CU57ABC"
    assert elsewhere.session[KEY]["version"] == 1

    again = Client().post(path)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert SavedJourney.objects.get().answers is None


def test_the_link_token_is_stored_only_as_its_hash_and_the_answers_encrypted(
    client, parking_permit, smtp_inbox
):
    from django.db import connection

    answer_two(client)
    save(client)
    token = emailed_link(smtp_inbox).rstrip("/").rsplit("/", 1)[1]
    saved = SavedJourney.objects.get()
    assert saved.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM journeys_savedjourney")
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert token not in raw
    assert "Station Road" not in raw
    assert "example.com" not in raw


def test_a_journey_restored_after_a_new_version_finishes_on_its_own(
    client, parking_permit, smtp_inbox, tmp_path
):
    from django.test import Client

    answer_two(client)
    save(client)
    publish_version_2(tmp_path)
    later = Client()
    later.post(emailed_link(smtp_inbox))
    assert later.session[KEY]["version"] == 1
    assert 'name="version" value="1"' in later.get(f"{URL}/vehicle/").content.decode()


def test_an_expired_link_says_so_and_restores_nothing(client, parking_permit, smtp_inbox):
    answer_two(client)
    save(client)
    path = emailed_link(smtp_inbox)
    SavedJourney.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    from django.test import Client

    other = Client()
    for response in (other.get(path), other.post(path)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert other.session.get(KEY) is None


def test_a_token_for_another_service_is_not_found(
    client, parking_permit, other_council_permit, smtp_inbox
):
    answer_two(client)
    save(client)
    path = emailed_link(smtp_inbox).replace("example-borough", "sample-district")
    response = client.post(path)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert SavedJourney.objects.get().used_at is None


@pytest.mark.parametrize("token", ["x", "A" * 43, "../../etc", "%00", "ü" * 10])
def test_a_made_up_token_is_not_found(client, parking_permit, token):
    response = client.post(f"{URL}/return/{token}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not an email", "Enter an email address in the correct format"),
        ("a@b\x00.com", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.com", "Enter an email address in the correct format"),
    ],
)
def test_a_bad_email_address_is_a_field_error_and_nothing_is_saved(
    client, parking_permit, email, message
):
    answer_two(client)
    response = save(client, email)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert 'href="#email"' in page
    assert not SavedJourney.objects.exists()
    assert not Message.objects.exists()


def test_sending_links_is_rate_limited(client, parking_permit, settings):
    settings.SAVE_AND_RETURN_RATE_PER_EMAIL = "2/hour"
    answer_two(client)
    assert save(client).status_code == 200
    assert save(client).status_code == 200
    refused = save(client)
    assert refused.status_code == 429
    assert "You have asked for too many links" in refused.content.decode()
    assert SavedJourney.objects.count() == 2


def test_expired_saved_journeys_are_deleted_by_the_periodic_job(client, parking_permit):
    answer_two(client)
    save(client)
    save(client, "other@example.com")
    SavedJourney.objects.filter(id=SavedJourney.objects.order_by("created_at").first().id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # Run by every worker (civitas.wiring.PERIODIC_JOBS, tests/architecture/test_wiring.py).
    assert delete_expired_saved_journeys() == 1
    assert SavedJourney.objects.count() == 1


def test_neither_the_email_nor_the_token_is_logged(client, parking_permit, smtp_inbox, caplog):
    caplog.set_level(logging.DEBUG)
    answer_two(client)
    save(client, "private.person@example.com")
    path = emailed_link(smtp_inbox)
    client.post(path)
    token = path.rstrip("/").rsplit("/", 1)[1]
    # Ours, not the test's SMTP server's ("mail.log"), which stands for the relay.
    logged = " ".join(
        f"{record.getMessage()} {record.args}"
        for record in caplog.records
        if not record.name.startswith("mail.")
    )
    assert "private.person" not in logged
    assert token not in logged


def test_the_timed_out_page_points_to_the_saved_answers(client, parking_permit):
    answer_two(client)
    save(client)
    session = client.session
    session[KEY] = {**session[KEY], "active_at": session[KEY]["active_at"] - 31 * 60}
    session.save()
    response = client.get(f"{URL}/vehicle/")
    assert response["Location"] == f"{URL}/timed-out/"
    page = client.get(response["Location"]).content.decode()
    assert "Your application has timed out" in page
    assert "use the link in the email we sent you" in page


def test_the_link_cannot_be_read_back_out_of_the_outbox_once_sent(
    client, parking_permit, smtp_inbox
):
    answer_two(client)
    save(client)
    token = emailed_link(smtp_inbox).rstrip("/").rsplit("/", 1)[1]
    message = Message.objects.get()
    assert message.status == Message.Status.DELIVERED
    assert token not in message.body_text
    assert token not in message.body_html
    assert "single-use link" in message.body_text


def test_a_citizen_who_saves_on_a_welsh_page_is_emailed_in_welsh(
    client, parking_permit, smtp_inbox
):
    assert client.get("/language/cy/?next=/").status_code == 302
    answer_two(client)
    assert save(client).status_code == 200
    link = emailed_link(smtp_inbox)
    received = smtp_inbox.wait_for(1)[-1]
    text = next(
        part.get_payload(decode=True).decode()
        for part in received.walk()
        if part.get_content_type() == "text/plain"
    )
    assert received["Subject"].startswith("Eich cais wedi")
    assert "Rydych wedi cadw eich cais:" in text
    assert "defnyddiwch y ddolen hon" in text
    assert link in text
    assert "Mae'r ddolen yn gweithio unwaith, tan " in text
    month = re.search(r"tan \d+ (\w+) \d{4}, (\d+(:\d\d)?(yb|yh)|hanner nos|hanner dydd)\.", text)
    assert month is not None, text
    assert month[1] not in ("January", "February", "March", "April", "May", "June", "July")
    assert "You saved" not in text
    assert "The link works once" not in text
