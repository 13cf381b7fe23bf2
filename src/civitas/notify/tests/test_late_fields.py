"""Messages whose last words a source in the wiring fills in just before they are sent."""

import logging

import pytest

from civitas.notify import late_fields
from civitas.notify.late_fields import FieldSource
from civitas.notify.models import Message
from civitas.notify.sending import LateFields, send_from_template
from civitas.notify.tests.factories import SendingServiceFactory, make_template
from conftest import run_queued_jobs

pytestmark = pytest.mark.django_db

BODY = "Dear ((name)),\n\nYour ticket is number ((ticket))."


class Counter:
    """A source that numbers what it is asked, and remembers every request."""

    def __init__(self) -> None:
        self.asked: list[dict] = []
        self.calls = 0

    def fill(self, requests: list[dict]) -> list[dict[str, str]]:
        self.calls += 1
        self.asked.extend(requests)
        first = len(self.asked) - len(requests) + 1
        return [{"ticket": str(first + n)} for n in range(len(requests))]


@pytest.fixture
def counter(monkeypatch) -> Counter:
    source = Counter()
    monkeypatch.setattr(
        late_fields, "field_sources", lambda: {"counter": FieldSource("counter", source.fill)}
    )
    return source


def _send(channel: str = "email", recipient: str = "ann@example.com", key: str = "k1", **extra):
    service = SendingServiceFactory()
    template = make_template(service, channel, body=BODY)
    return send_from_template(
        sending_service=service,
        template=template,
        recipient=recipient,
        personalisation={"name": "Ann", "ticket": "…", "reference": "R1"},
        idempotency_key=key,
        late_fields=LateFields("counter", {"queue": "permits"}),
        **extra,
    )


def test_a_message_waits_for_its_late_words_and_is_sent_with_them(counter, smtp_inbox):
    message = _send()
    assert "number …" in message.body_text  # a stand-in until it is sent
    run_queued_jobs()
    [email] = smtp_inbox.wait_for(1)
    assert "Your ticket is number 1." in email.as_string()
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.late_fields is None
    assert message.personalisation["ticket"] == "1"
    assert "number 1." in message.body_text
    assert counter.asked == [{"queue": "permits"}]


def test_a_source_that_fails_leaves_the_message_waiting_unsent_and_uncounted(
    monkeypatch, smtp_inbox, caplog
):
    def refuse(requests):
        raise RuntimeError("Ann's ticket machine is broken")

    monkeypatch.setattr(
        late_fields, "field_sources", lambda: {"counter": FieldSource("counter", refuse)}
    )
    message = _send()
    with caplog.at_level(logging.WARNING):
        run_queued_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("created", 0, None)
    assert message.late_fields is not None
    assert message.retry_at > message.created_at
    assert smtp_inbox.messages == []
    # The class of the error, never its words: they could quote what the source was asked.
    assert "RuntimeError" in caplog.text
    assert "Ann" not in caplog.text


def test_a_message_for_a_source_the_wiring_does_not_name_waits(monkeypatch, smtp_inbox):
    monkeypatch.setattr(late_fields, "field_sources", dict)
    message = _send()
    run_queued_jobs()
    message.refresh_from_db()
    assert (message.status, message.sent_at) == ("created", None)
    assert smtp_inbox.messages == []


def test_a_source_is_asked_once_for_a_whole_batch(counter, smtp_inbox):
    for number in range(3):
        _send(key=f"k{number}", recipient=f"person{number}@example.com")
    run_queued_jobs()
    assert len(smtp_inbox.wait_for(3)) == 3
    assert (counter.calls, len(counter.asked)) == (1, 3)
    tickets = sorted(message.personalisation["ticket"] for message in Message.objects.all())
    assert tickets == ["1", "2", "3"]


def test_a_text_message_is_counted_again_once_its_words_are_in():
    message = _send("sms", recipient="07700 900123")
    assert message.fragments == 1
    long_ticket = FieldSource("counter", lambda requests: [{"ticket": "9" * 200}])
    late_fields._fill(long_ticket, [message.id])
    message.refresh_from_db()
    assert message.fragments == 2


def test_a_letter_cannot_wait_for_late_words():
    with pytest.raises(ValueError, match="cannot wait"):
        _send("letter", recipient="Ann\n1 Mill Lane\nSD1 2AB")
    assert not Message.objects.exists()


def test_completing_a_batch_costs_the_same_queries_for_one_message_or_many(
    counter, django_assert_num_queries
):
    one = [_send(key="k0", recipient="person0@example.com").id]
    many = [_send(key=f"k{n}", recipient=f"person{n}@example.com").id for n in range(1, 6)]
    source = late_fields.field_sources()["counter"]
    # Lock and read the rows, read their templates' words, then one write a message (and,
    # inside the test's transaction, a savepoint's two).
    with django_assert_num_queries(2 + 2 + 1):
        late_fields._fill(source, one)
    with django_assert_num_queries(2 + 2 + 5):
        late_fields._fill(source, many)
