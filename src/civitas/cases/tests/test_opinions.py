"""Asking another team of the organisation for its opinion on a case: the request, the
asked team's queue, the answer (once), the case page and the audit trail."""

import pytest
from django.db import connection

from civitas.cases.models import OpinionRequest
from civitas.cases.notes import NotAllowed
from civitas.cases.opinions import (
    AlreadyAnswered,
    OpinionInvalid,
    answer_opinion,
    list_requested_of_my_teams,
    request_opinion,
)
from civitas.cases.services import CaseNotFound
from civitas.cases.tests.test_case_labels import report_case
from civitas.cases.tests.test_queues import member
from civitas.platform.models import AuditEvent
from conftest import acting, make_staff

QUESTION = "Is the hole on the council's land or the railway's?"
ANSWER = "Council land: the railway boundary is 20 metres north."


@pytest.fixture
def people(teams):
    return {
        "asker": member("asker@example.gov.uk", "caseworker", "highways"),
        "expert": member("expert@example.gov.uk", "caseworker", "environment"),
        "colleague": member("colleague@example.gov.uk", "caseworker", "environment"),
        "bystander": member("bystander@example.gov.uk", "caseworker", "street-scene"),
    }


@pytest.fixture
def case(teams):
    return report_case(teams["highways"])


def ask(case, people, team="environment", question=QUESTION):
    return request_opinion(
        reference=case.reference, team=team, question=question, staff=acting(people["asker"])
    )


def test_a_caseworker_asks_another_team_on_the_case_page_and_it_is_audited(
    client, signed_in, case, people
):
    signed_in(people["asker"])
    page = client.get(f"/staff/cases/{case.reference}/opinions/").content.decode()
    assert '<option value="environment">' in page
    assert '<option value="highways">' not in page  # the case's own team
    response = client.post(
        f"/staff/cases/{case.reference}/opinions/", {"team": "environment", "question": QUESTION}
    )
    assert response.status_code == 302
    asked = OpinionRequest.objects.get()
    assert asked.question == QUESTION
    event = AuditEvent.objects.get(action="case.opinion_requested")
    assert event.object_id == case.reference
    assert event.actor_id == str(people["asker"].pk)
    assert event.details == {"team": "environment", "request": asked.key.partition("~")[2]}
    assert QUESTION not in str(event.details)


def test_the_asked_team_finds_the_request_in_its_queue_and_answers_it(
    client, signed_in, case, people
):
    asked = ask(case, people)
    signed_in(people["expert"])
    queue = client.get("/staff/cases/queues/opinions/").content.decode()
    link = f"/staff/cases/{case.reference}/opinions/{asked.pk}/"
    assert link in queue
    assert QUESTION not in queue  # the list shows no text of the request
    # The case is with another team, but anyone of the organisation may open it.
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    form = client.get(link).content.decode()
    assert QUESTION.replace("'", "&#39;") in form
    assert client.post(link, {"answer": ANSWER}).status_code == 302
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert ANSWER in page
    assert "Expert gave the environment team&#39;s opinion" in page
    assert "Asker asked the environment team for an opinion" in page
    assert link not in client.get("/staff/cases/queues/opinions/").content.decode()
    event = AuditEvent.objects.get(action="case.opinion_given")
    assert event.actor_id == str(people["expert"].pk)
    assert ANSWER not in str(event.details)


def test_a_second_answer_is_refused_with_a_clear_message_and_the_first_stands(
    client, signed_in, case, people
):
    asked = ask(case, people)
    answer_opinion(
        reference=case.reference, request_id=asked.pk, answer=ANSWER, staff=acting(people["expert"])
    )
    with pytest.raises(AlreadyAnswered):
        answer_opinion(
            reference=case.reference,
            request_id=asked.pk,
            answer="Something else",
            staff=acting(people["colleague"]),
        )
    signed_in(people["colleague"])
    response = client.post(
        f"/staff/cases/{case.reference}/opinions/{asked.pk}/", {"answer": "Something else"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "This request has already been answered, so your answer was not saved" in body
    assert ANSWER in body
    asked.refresh_from_db()
    assert asked.answer == ANSWER
    assert asked.answered_by_id == people["expert"].pk
    assert AuditEvent.objects.filter(action="case.opinion_given").count() == 1


def test_an_answer_that_lost_the_race_is_refused_by_the_compare_and_set(case, people):
    asked = ask(case, people)
    # The request was read unanswered, then someone else's answer landed first.
    OpinionRequest.objects.filter(pk=asked.pk).update(answered_by=people["colleague"])
    from django.utils import timezone

    OpinionRequest.objects.filter(pk=asked.pk).update(answered_at=timezone.now())
    with pytest.raises(AlreadyAnswered):
        answer_opinion(
            reference=case.reference,
            request_id=asked.pk,
            answer=ANSWER,
            staff=acting(people["expert"]),
        )


def test_only_a_member_of_the_asked_team_may_answer(client, signed_in, case, people):
    asked = ask(case, people)
    for who in ("asker", "bystander"):
        with pytest.raises(OpinionInvalid, match="Only a member of the team"):
            answer_opinion(
                reference=case.reference,
                request_id=asked.pk,
                answer=ANSWER,
                staff=acting(people[who]),
            )
    auditor = make_staff("auditor@example.gov.uk", "auditor")
    with pytest.raises(NotAllowed):
        answer_opinion(
            reference=case.reference, request_id=asked.pk, answer=ANSWER, staff=acting(auditor)
        )
    signed_in(auditor)
    response = client.post(
        f"/staff/cases/{case.reference}/opinions/{asked.pk}/", {"answer": ANSWER}
    )
    assert response.status_code == 403
    assert OpinionRequest.objects.get().answered_at is None


@pytest.mark.parametrize(
    ("team", "question", "field"),
    [
        ("", QUESTION, "team"),
        ("highways", QUESTION, "team"),  # the case's own team
        ("no-such-team", QUESTION, "team"),
        ("environment\x00", QUESTION, "team"),
        ("environment", "", "question"),
        ("environment", "x" * 5001, "question"),
        ("environment", "nul \x00", "question"),
        ("environment", "bidi \u202e", "question"),
    ],
)
def test_a_request_that_cannot_be_made_is_refused_and_nothing_is_stored(
    client, signed_in, case, people, team, question, field
):
    with pytest.raises(OpinionInvalid) as refused:
        ask(case, people, team=team, question=question)
    assert refused.value.field == field
    signed_in(people["asker"])
    response = client.post(
        f"/staff/cases/{case.reference}/opinions/", {"team": team, "question": question}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not OpinionRequest.objects.exists()


def test_another_organisations_team_cannot_be_asked(case, people, other_council_caseworker):
    from civitas.identity.public import ensure_team

    ensure_team(organisation="sample-district", slug="planning", name="Planning")
    with pytest.raises(OpinionInvalid):
        ask(case, people, team="planning")


def test_another_organisations_staff_get_not_found_for_every_guessed_url(
    client, signed_in, case, people, other_council_caseworker
):
    asked = ask(case, people)
    signed_in(other_council_caseworker)
    base = f"/staff/cases/{case.reference}/opinions/"
    assert client.get(base).status_code == 404
    assert client.post(base, {"team": "environment", "question": "x"}).status_code == 404
    assert client.get(f"{base}{asked.pk}/").status_code == 404
    assert client.post(f"{base}{asked.pk}/", {"answer": "x"}).status_code == 404
    assert asked.pk not in [
        r.pk
        for r in list_requested_of_my_teams(
            staff=acting(other_council_caseworker, "sample-district")
        ).requests
    ]
    with pytest.raises(CaseNotFound):
        request_opinion(
            reference=case.reference,
            team="environment",
            question="x",
            staff=acting(other_council_caseworker, "sample-district"),
        )


def test_a_request_is_only_found_on_its_own_case(client, signed_in, teams, case, people):
    asked = ask(case, people)
    other = report_case(teams["highways"], minutes=1)
    signed_in(people["expert"])
    assert client.get(f"/staff/cases/{other.reference}/opinions/{asked.pk}/").status_code == 404
    assert client.get(f"/staff/cases/{case.reference}/opinions/999999/").status_code == 404


def test_questions_and_answers_are_encrypted_at_rest(case, people):
    asked = ask(case, people)
    answer_opinion(
        reference=case.reference, request_id=asked.pk, answer=ANSWER, staff=acting(people["expert"])
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT question, answer FROM cases_opinionrequest WHERE id = %s", [asked.pk]
        )
        question, answer = cursor.fetchone()
    assert QUESTION not in question
    assert ANSWER not in answer


def test_the_opinions_queue_pages_by_key_oldest_first(case, people, teams):
    from civitas.cases import opinions

    made = [ask(case, people, question=f"Question {n}") for n in range(opinions.PAGE_SIZE + 3)]
    staff = acting(people["expert"])
    first = list_requested_of_my_teams(staff=staff)
    second = list_requested_of_my_teams(staff=staff, cursor=first.next_cursor)
    assert [r.pk for r in first.requests + second.requests] == [r.pk for r in made]
    assert second.next_cursor is None
    for garbled in ("\x00~1", "~", "2026-01-01T00:00:00~x", "x" * 300):
        assert list_requested_of_my_teams(staff=staff, cursor=garbled).requests
    assert list_requested_of_my_teams(staff=acting(people["bystander"])).requests == []


def test_the_queue_nav_links_to_the_opinions_queue(client, signed_in, people):
    signed_in(people["expert"])
    body = client.get("/staff/cases/queues/mine/").content.decode()
    assert 'href="/staff/cases/queues/opinions/">Opinions requested of my teams</a>' in body


@pytest.mark.parametrize("request_id", ["0", "9223372036854775808", "9" * 40])
def test_a_request_number_no_row_can_have_is_not_found(client, signed_in, case, people, request_id):
    signed_in(people["expert"])
    url = f"/staff/cases/{case.reference}/opinions/{request_id}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "Yes"}).status_code == 404
