"""Journey events: recorded on the server as citizens go through a service, kept in
memory and written in batches, naming pages and questions by id and never an answer."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.insights import recording
from civitas.insights.models import JourneyEvent
from civitas.insights.recording import (
    Happened,
    discard_journey_events,
    flush_if_due,
    flush_journey_events,
    record,
)
from civitas.journeys.tests.test_pages import URL, answer, complete_questions
from civitas.platform import bulk

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def recorded() -> list[JourneyEvent]:
    flush_journey_events()
    return list(JourneyEvent.objects.order_by("id"))


def send(client):
    return client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})


@pytest.fixture
def batches_of(settings):
    def batch_size(size: int) -> None:
        settings.JOURNEY_EVENTS_BATCH_SIZE = size
        settings.JOURNEY_EVENTS_FLUSH_SECONDS = 3600

    return batch_size


def test_a_journey_is_recorded_from_its_start_to_its_submission(client, parking_permit):
    client.get(f"{URL}/address/", HTTP_USER_AGENT=PHONE)
    answer(client, "address", {"address-postcode": ""})  # refused: no postcode
    complete_questions(client)
    client.get(f"{URL}/check-answers/")
    assert send(client).status_code == 302

    events = recorded()
    kinds = [event.kind for event in events]
    assert kinds == ["started", "page", "error", "check_answers", "submitted"]
    assert events[0].page == events[1].page == events[2].page == "address"
    assert events[2].question == "address"
    assert {event.journey_key for event in events} == {events[0].journey_key}
    assert len(events[0].journey_key) == 32
    assert events[0].journey_key not in client.session.session_key
    assert {(e.organisation, e.service_slug, e.channel) for e in events} == {
        ("example-borough", "resident-parking-permit", "online")
    }
    assert events[0].device == "mobile"


def test_the_next_journey_in_the_same_browser_has_a_new_key(client, parking_permit):
    client.get(f"{URL}/address/")
    complete_questions(client)
    send(client)
    client.get(f"{URL}/address/")

    started = [event for event in recorded() if event.kind == "started"]
    assert len(started) == 2
    assert started[0].journey_key != started[1].journey_key


def test_welsh_pages_are_recorded_in_welsh(client, parking_permit):
    client.get("/language/cy/?next=/")
    client.get(f"{URL}/address/")

    assert {event.language for event in recorded()} == {"cy"}


def test_a_journey_completed_for_a_caller_is_recorded_as_assisted(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    client.post("/staff/assist/resident-parking-permit/")
    client.get(f"{URL}/address/")
    complete_questions(client)
    send(client)

    events = recorded()
    assert [event.kind for event in events] == ["started", "page", "submitted"]
    assert {event.channel for event in events} == {"assisted"}


HOSTILE = "Robert'); DROP TABLE cases;-- <script>alert(1)</script> ZZ9 9ZZ"


def test_no_answer_ever_reaches_the_events(client, parking_permit):
    client.get(f"{URL}/address/")
    answer(client, "address", {"address-postcode": HOSTILE})
    answer(client, "vehicle", {"registration": HOSTILE})
    client.post(f"{URL}/vehicle/", {"version": "1", "registration": "", HOSTILE: HOSTILE})
    complete_questions(client)
    answer(client, "email", {"email": HOSTILE})
    client.get(f"{URL}/address/?{HOSTILE}", HTTP_USER_AGENT=HOSTILE)

    events = recorded()
    assert {event.kind for event in events} >= {"started", "page", "error"}
    written = " ".join(
        str(value)
        for event in events
        for value in JourneyEvent.objects.filter(id=event.id).values().get().values()
    )
    for part in ("DROP", "script", "ZZ9", "resident@example.com", "CU57", "EB1", "Station"):
        assert part not in written
    assert {field.name for field in JourneyEvent._meta.fields} == {
        "id",
        "occurred_at",
        "recorded_at",
        "organisation",
        "service_slug",
        "journey_key",
        "kind",
        "page",
        "question",
        "channel",
        "language",
        "device",
    }


def test_a_question_page_costs_no_statement_of_its_own(client, parking_permit, batches_of):
    batches_of(1000)
    client.get(f"{URL}/address/")
    answer(client, "address", {"address-postcode": "EB1 1AA"})  # a step within the page
    client.get(f"{URL}/address/")  # the journey is kept now: what every later page costs

    with CaptureQueriesContext(connection) as pages:
        for _ in range(5):
            assert client.get(f"{URL}/address/").status_code == 200

    statements = [query["sql"] for query in pages.captured_queries]
    assert not [sql for sql in statements if "insights_" in sql]
    assert not [sql for sql in statements if sql.upper().startswith(("BEGIN", "SAVEPOINT"))]
    assert JourneyEvent.objects.count() == 0
    assert len(recorded()) == 8


def test_events_are_written_in_batches_of_the_size_set(
    client, parking_permit, batches_of, monkeypatch
):
    batches_of(4)
    client.get(f"{URL}/address/")  # started, page
    writes = []

    def insert_rows(table, columns, rows):
        writes.append(len(rows))
        bulk.insert_rows(table, columns, rows)

    monkeypatch.setattr(recording, "insert_rows", insert_rows)
    for _ in range(5):
        client.get(f"{URL}/address/")

    assert writes == [4]
    assert JourneyEvent.objects.count() == 4
    assert len(recorded()) == 7


def _one_event(kind: str = "page") -> Happened:
    return Happened(
        kind=kind,
        organisation="example-borough",
        service_slug="resident-parking-permit",
        journey_key="k" * 32,
        channel="online",
        language="en",
        device="desktop",
        occurred_at=timezone.now(),
        page="address",
    )


def test_events_held_past_the_flush_time_are_written_without_a_new_event(db, settings):
    settings.JOURNEY_EVENTS_FLUSH_SECONDS = 5
    record(_one_event())
    held_since = time.monotonic()

    assert flush_if_due(now=held_since + 1) == 0
    assert JourneyEvent.objects.count() == 0
    assert flush_if_due(now=held_since + 6) == 1
    assert list(JourneyEvent.objects.values_list("page", flat=True)) == ["address"]
    assert flush_if_due(now=held_since + 60) == 0


def test_a_quiet_process_writes_its_last_events_on_a_timer(settings, monkeypatch):
    settings.JOURNEY_EVENTS_FLUSH_ON_TIMER = True
    settings.JOURNEY_EVENTS_FLUSH_SECONDS = 1
    written = threading.Event()
    monkeypatch.setattr(recording, "flush_journey_events", lambda: written.set() or 1)
    try:
        record(_one_event())
        assert written.wait(timeout=5), "the timer thread did not write the events held"
    finally:
        recording.stop_timer()
        discard_journey_events()


def test_no_timer_thread_runs_when_switched_off(settings):
    settings.JOURNEY_EVENTS_FLUSH_ON_TIMER = False
    record(_one_event())
    try:
        assert not any(thread.name == "journey-events" for thread in threading.enumerate())
    finally:
        discard_journey_events()


@pytest.mark.django_db
def test_a_batch_that_fails_inside_a_callers_transaction_leaves_that_transaction_whole(
    monkeypatch, caplog
):
    monkeypatch.setattr(recording, "_COLUMNS", "occurred_at, no_such_column")
    with transaction.atomic():
        record(_one_event())
        assert flush_journey_events() == 0
        # The caller's own work goes on: the failed write was in a savepoint of its own.
        assert JourneyEvent.objects.count() == 0
    assert "journey events not written (1)" in caplog.text
