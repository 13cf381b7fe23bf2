"""Publishing an event runs its handlers in the table's order, in the caller's transaction,
and the after-commit ones only once it commits."""

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from civitas.platform import events
from civitas.platform.events import (
    DomainEvent,
    HandlerResults,
    Handlers,
    UnwiredEvent,
    publish,
)
from civitas.platform.models import AuditEvent


@dataclass(frozen=True, kw_only=True)
class ThingHappened(DomainEvent):
    name: str


@dataclass(frozen=True)
class Receipt:
    number: int


@pytest.fixture
def table(monkeypatch):
    calls: list[str] = []

    def first(event: ThingHappened, results: HandlerResults) -> Receipt:
        calls.append(f"first {event.name}")
        return Receipt(7)

    def second(event: ThingHappened, results: HandlerResults) -> None:
        calls.append(f"second saw receipt {results.require(Receipt).number}")
        AuditEvent.objects.create(
            occurred_at="2026-01-01T00:00Z",
            action="thing",
            object_type="thing",
            object_id=event.name,
            actor_type="system",
        )

    def later(event: ThingHappened, results: HandlerResults) -> None:
        calls.append("after commit")

    wired = {ThingHappened: Handlers(in_transaction=(first, second), after_commit=(later,))}
    monkeypatch.setattr(events, "_table", lambda: wired)
    return calls


def test_handlers_run_in_the_tables_order_and_see_earlier_results(db, table):
    results = publish(ThingHappened(name="x"))
    assert table[:2] == ["first x", "second saw receipt 7"]
    assert results.require(Receipt) == Receipt(7)


def test_after_commit_handlers_wait_for_the_commit(transactional_db, table):
    with transaction.atomic():
        publish(ThingHappened(name="x"))
        assert "after commit" not in table
    assert table[-1] == "after commit"


def test_a_failing_in_transaction_handler_rolls_the_change_back(transactional_db, monkeypatch):
    def write(event: ThingHappened, results: HandlerResults) -> None:
        AuditEvent.objects.create(
            occurred_at="2026-01-01T00:00Z",
            action="thing",
            object_type="thing",
            object_id=event.name,
            actor_type="system",
        )

    def fail(event: ThingHappened, results: HandlerResults) -> None:
        raise RuntimeError("the log is down")

    monkeypatch.setattr(
        events, "_table", lambda: {ThingHappened: Handlers(in_transaction=(write, fail))}
    )
    with pytest.raises(RuntimeError):
        publish(ThingHappened(name="x"))
    assert not AuditEvent.objects.filter(object_id="x").exists()


def test_a_failing_after_commit_handler_is_logged_not_raised(transactional_db, monkeypatch, caplog):
    def fail(event: ThingHappened, results: HandlerResults) -> None:
        raise RuntimeError("someone@example.com is not reachable")

    monkeypatch.setattr(events, "_table", lambda: {ThingHappened: Handlers(after_commit=(fail,))})
    with caplog.at_level(logging.ERROR):
        publish(ThingHappened(name="x"))
    assert "RuntimeError" in caplog.text
    assert "someone@example.com" not in caplog.text


def test_an_event_missing_from_the_table_is_refused(db, monkeypatch):
    monkeypatch.setattr(events, "_table", lambda: {})
    with pytest.raises(UnwiredEvent):
        publish(ThingHappened(name="x"))


def test_a_handler_asking_for_a_result_no_earlier_handler_gave_names_the_table():
    with pytest.raises(LookupError, match="order in the wiring table"):
        HandlerResults().require(Receipt)
