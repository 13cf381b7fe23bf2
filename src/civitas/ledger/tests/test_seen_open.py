"""Whether the log takes entries, as a process saw it in the last second: what a
submission asks (decision 0065) without a query each time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civitas.ledger import services
from civitas.ledger.models import Sequencer
from civitas.ledger.public import ledger_seen_open
from civitas.ledger.services import mark_broken

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def open_log(db) -> None:
    Sequencer.objects.get_or_create(id=1)


def test_an_open_log_is_asked_about_at_most_once_a_second(open_log, clock):
    assert ledger_seen_open()
    with CaptureQueriesContext(connection) as queries:
        assert ledger_seen_open()
    assert len(queries) == 0
    clock[0] += services.SEEN_OPEN_FOR_SECONDS
    with CaptureQueriesContext(connection) as queries:
        assert ledger_seen_open()
    assert len(queries) == 1


def test_a_log_this_process_stops_is_seen_stopped_at_once(open_log, clock):
    assert ledger_seen_open()
    mark_broken("a test stopped it")
    assert not ledger_seen_open()


def test_a_log_another_process_stops_is_seen_stopped_within_a_second(open_log, clock):
    assert ledger_seen_open()
    Sequencer.objects.filter(id=1).update(broken_reason="another process stopped it")
    assert ledger_seen_open()  # what this process saw a moment ago
    clock[0] += services.SEEN_OPEN_FOR_SECONDS
    assert not ledger_seen_open()
    # A stopped log is asked about each time: it is seen open again as soon as it is.
    Sequencer.objects.filter(id=1).update(broken_reason="")
    assert ledger_seen_open()
