"""The satisfaction question and the "Is this page not working properly?" report, as a
citizen sends them without JavaScript, and what is stored of them."""

import datetime
import logging

import pytest
from django.test import Client
from django.utils import timezone

from civitas.insights.feedback import (
    COMMENT_MAX_LENGTH,
    satisfaction_counts,
    scrubbed_comment,
)
from civitas.insights.models import Feedback
from civitas.insights.scrubbing import EMAIL_ADDRESS, NATIONAL_INSURANCE_NUMBER, PHONE_NUMBER

SATISFACTION = "/feedback/example-borough/resident-parking-permit/"


def test_the_satisfaction_question_offers_the_five_govuk_answers(client, parking_permit):
    page = client.get(SATISFACTION).content.decode()
    for label in (
        "Very satisfied",
        "Satisfied",
        "Neither satisfied or dissatisfied",
        "Dissatisfied",
        "Very dissatisfied",
    ):
        assert f">{label}</label>" in page
    assert "You can enter up to 1200 characters" in page
    assert 'data-maxlength="1200"' in page


def test_an_answer_with_a_comment_is_stored_scrubbed_and_thanked(client, parking_permit):
    response = client.post(
        SATISFACTION,
        {
            "satisfaction": "dissatisfied",
            "comment": "Took ages. Call me on 07700 900982 or jo+x@example.com, NI qq123456c",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/feedback/thank-you"
    stored = Feedback.objects.get()
    assert stored.kind == "satisfaction"
    assert stored.satisfaction == "dissatisfied"
    assert stored.service_slug == "resident-parking-permit"
    assert stored.organisation_id == parking_permit.organisation_id
    assert stored.comment == (
        f"Took ages. Call me on {PHONE_NUMBER} or {EMAIL_ADDRESS}, NI {NATIONAL_INSURANCE_NUMBER}"
    )
    assert "Thank you for your feedback" in client.get(response["Location"]).content.decode()


def test_no_answer_gets_the_govuk_error_summary_and_keeps_the_comment(client, parking_permit):
    response = client.post(SATISFACTION, {"comment": "I liked the maps"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#satisfaction">Select how you felt about the service</a>' in page
    assert "I liked the maps</textarea>" in page
    assert "<title>Error: " in page
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "answer", ["ecstatic", "satisfied\x00", "\x00", "Satisfied", "satisfied\u202e", "x" * 5000]
)
def test_an_answer_that_is_not_one_of_the_five_is_refused(client, parking_permit, answer):
    response = client.post(SATISFACTION, {"satisfaction": answer})
    assert response.status_code == 400
    assert "Select how you felt about the service" in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_posted_without_the_forms_token_is_refused_and_nothing_is_stored(
    parking_permit,
):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(SATISFACTION).status_code == 200  # with the form's cookie
    assert strict.post(SATISFACTION, {"satisfaction": "satisfied"}).status_code == 403
    assert strict.post("/feedback/problem", {"comment": "broken"}).status_code == 403
    assert not Feedback.objects.exists()


def test_the_feedback_pages_take_only_gets_and_posts(client, parking_permit):
    for path in (SATISFACTION, "/feedback/problem"):
        assert client.put(path, {"satisfaction": "satisfied"}).status_code == 405
        assert client.delete(path).status_code == 405
    assert client.post("/feedback/thank-you").status_code == 405
    assert not Feedback.objects.exists()


def test_a_comment_over_the_limit_is_cut_not_refused(client, parking_permit):
    response = client.post(SATISFACTION, {"satisfaction": "satisfied", "comment": "a" * 1_000_000})
    assert response.status_code == 302
    stored = Feedback.objects.get()
    assert len(stored.comment) == COMMENT_MAX_LENGTH
    assert stored.was_truncated


def test_a_comment_with_control_characters_is_refused_with_what_was_typed_kept(
    client, parking_permit
):
    response = client.post(
        SATISFACTION, {"satisfaction": "satisfied", "comment": "fine\x00 thanks\u202e"}
    )
    assert response.status_code == 400
    assert "characters we cannot accept" in response.content.decode()
    assert not Feedback.objects.exists()


def test_line_breaks_in_a_comment_are_kept(client, parking_permit):
    client.post(SATISFACTION, {"satisfaction": "satisfied", "comment": "one\r\ntwo\r\n"})
    assert Feedback.objects.get().comment == "one\ntwo"


def test_a_service_that_is_not_live_has_no_feedback_page(client, parking_permit):
    assert client.get("/feedback/example-borough/no-such-service/").status_code == 404
    assert client.get("/feedback/sample-district/resident-parking-permit/").status_code == 404


def test_one_client_sending_many_a_minute_is_held_back_without_losing_their_words(
    client, parking_permit
):
    for _ in range(10):
        assert client.post(SATISFACTION, {"satisfaction": "satisfied"}).status_code == 302
    response = client.post(
        SATISFACTION, {"satisfaction": "satisfied", "comment": "my eleventh, genuine"}
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "You have sent a lot of feedback in a short time" in page
    assert "my eleventh, genuine</textarea>" in page
    assert Feedback.objects.count() == 10
    # Another client is not held back by the first.
    other = client.post(SATISFACTION, {"satisfaction": "satisfied"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_the_pages_are_in_welsh(client, parking_permit):
    client.get("/language/cy/?next=/")
    page = client.get(SATISFACTION).content.decode()
    assert "At ei gilydd, sut oeddech chi" in page
    assert ">Bodlon iawn</label>" in page
    response = client.post(SATISFACTION, {})
    assert "teimlo am y gwasanaeth</a>" in response.content.decode()
    client.post(SATISFACTION, {"satisfaction": "neither", "comment": "Da"})
    assert Feedback.objects.get().language == "cy"


def test_every_page_links_to_the_problem_report_with_its_service_and_page_names(
    client, parking_permit
):
    page = client.get("/services/example-borough/resident-parking-permit/").content.decode()
    assert (
        'href="/feedback/problem?service=example-borough%2Fresident-parking-permit'
        '&amp;page=journeys%3Astart">Is this page not working properly?</a>'
    ) in page
    home = client.get("/").content.decode()
    assert "Is this page not working properly?" in home


def test_a_problem_report_is_stored_with_its_service_and_page(client, parking_permit):
    form = client.get(
        "/feedback/problem",
        {"service": "example-borough/resident-parking-permit", "page": "journeys:page/address"},
    ).content.decode()
    assert 'name="service" value="example-borough/resident-parking-permit"' in form
    response = client.post(
        "/feedback/problem",
        {
            "service": "example-borough/resident-parking-permit",
            "page": "journeys:page/address",
            "comment": "The postcode SW1A 1AA was refused",
        },
    )
    assert response.status_code == 302
    stored = Feedback.objects.get()
    assert (stored.kind, stored.service_slug, stored.page, stored.satisfaction) == (
        "problem",
        "resident-parking-permit",
        "journeys:page/address",
        "",
    )
    assert stored.comment == "The postcode [postcode] was refused"


@pytest.mark.parametrize(
    "page",
    ["/applications/K7M-2QH-4XP/", "journeys:page?email=jo@example.com", "<script>", "x" * 500],
)
def test_a_problem_report_keeps_no_page_that_is_not_a_name(client, db, page):
    client.post("/feedback/problem", {"page": page, "comment": "broken"})
    assert Feedback.objects.get().page == ""


def test_a_problem_report_from_no_known_service_is_kept_without_one(client, db):
    client.post("/feedback/problem", {"service": "nobody/nothing", "comment": "broken"})
    stored = Feedback.objects.get()
    assert (stored.service_slug, stored.organisation_id) == ("", None)


@pytest.mark.parametrize(
    "service",
    [
        "example-borough/\x00",
        "\x00/\x00",
        "example-borough/resident-parking-permit\x00",
        "example\u202e-borough/resident-parking-permit",
        "Example-Borough/Resident-Parking-Permit",
        "example-borough/resident-parking-permit/extra",
        "example-borough/" + "x" * 200,
    ],
)
def test_a_problem_report_naming_a_service_that_cannot_exist_is_kept_without_one(
    client, parking_permit, service
):
    # What the link carries is typed by anyone: NUL, which PostgreSQL refuses in a query,
    # and anything else that is not two slugs names no service, and is never looked up.
    assert client.get("/feedback/problem", {"service": service}).status_code == 200
    response = client.post("/feedback/problem", {"service": service, "comment": "broken"})
    assert response.status_code == 302
    stored = Feedback.objects.get()
    assert (stored.service_slug, stored.organisation_id) == ("", None)


def test_an_empty_problem_report_gets_the_error_summary(client, db):
    response = client.post("/feedback/problem", {"comment": "   "})
    assert response.status_code == 400
    assert '<a href="#comment">Enter what was not working</a>' in response.content.decode()


def test_satisfaction_is_counted_by_level_for_the_period(client, parking_permit):
    for level in ("very_satisfied", "very_satisfied", "dissatisfied"):
        client.post(SATISFACTION, {"satisfaction": level})
    today = timezone.localdate()
    counts = satisfaction_counts(
        "resident-parking-permit", today, today + datetime.timedelta(days=1)
    )
    assert counts == {
        "very_satisfied": 2,
        "satisfied": 0,
        "neither": 0,
        "dissatisfied": 1,
        "very_dissatisfied": 0,
    }
    assert (
        sum(
            satisfaction_counts("resident-parking-permit", today.replace(year=2000), today).values()
        )
        == 0
    )
    assert (
        sum(
            satisfaction_counts(
                "resident-parking-permit",
                today,
                today + datetime.timedelta(days=1),
                organisation_id=parking_permit.organisation_id + 1,
            ).values()
        )
        == 0
    )


def test_a_comment_within_the_count_is_kept_whole_however_scrubbing_lengthens_it():
    comment = "a@b.co " * 170 + "x" * 10  # 1,200 characters
    kept, was_truncated = scrubbed_comment(comment)
    assert not was_truncated
    assert kept.count(EMAIL_ADDRESS) == 170


def test_a_cut_never_leaves_part_of_a_phone_number():
    comment = "x" * (COMMENT_MAX_LENGTH - 8) + " 07700 900982 and more"
    kept, was_truncated = scrubbed_comment(comment)
    assert was_truncated
    assert kept == "x" * (COMMENT_MAX_LENGTH - 8)
    assert "077" not in kept


def test_what_a_citizen_writes_never_reaches_the_logs_stored_or_refused(
    client, parking_permit, caplog
):
    caplog.set_level(logging.DEBUG)
    typed = "Write to resident@example.com about Ada Lovelace"
    client.post(SATISFACTION, {"satisfaction": "satisfied", "comment": typed})
    client.post(SATISFACTION, {"satisfaction": "ecstatic", "comment": typed})
    client.post(SATISFACTION, {"satisfaction": "satisfied", "comment": typed + "\u202e"})
    client.post(
        "/feedback/problem",
        {"service": "resident@example.com/x", "page": "resident@example.com", "comment": typed},
    )
    client.get("/feedback/problem", {"service": "x/Ada Lovelace", "page": "Ada Lovelace"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "resident@example.com" not in logged
    assert "Lovelace" not in logged
