"""The SQLite backend's writers' queue: a writer waits its turn behind another's
transaction instead of sleeping in SQLite's busy handler, and gives its turn back however
its transaction ends."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from civitas.platform.models import RateLimitCounter
from civitas.platform.sqlite import base as sqlite_backend

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
]


def _counter(key: str) -> RateLimitCounter:
    return RateLimitCounter(key=key, hits=1, expires_at_epoch_seconds=time.time() + 60)


def _in_another_thread(work) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_write_transaction_holds_the_queue_until_it_commits():
    with transaction.atomic():
        _counter("a").save()
        assert connection.writers.held
    assert not connection.writers.held


def _save_then_fail() -> None:
    with transaction.atomic():
        _counter("a").save()
        raise ZeroDivisionError


def test_a_transaction_that_fails_gives_the_queue_back():
    with pytest.raises(ZeroDivisionError):
        _save_then_fail()

    assert not connection.writers.held
    assert not RateLimitCounter.objects.filter(key="a").exists()


def test_a_write_outside_a_transaction_takes_the_queue_for_itself_only():
    _counter("a").save()

    assert not connection.writers.held
    assert RateLimitCounter.objects.filter(key="a").exists()


def test_a_second_writer_waits_for_the_first_to_commit_then_writes():
    order: list[str] = []
    first_inside = threading.Event()
    second_started = threading.Event()

    def first() -> None:
        with transaction.atomic():
            _counter("first").save()
            first_inside.set()
            second_started.wait(5)
            time.sleep(0.05)  # the second writer is waiting now
            order.append("first committed")

    def second() -> None:
        first_inside.wait(5)
        second_started.set()
        with transaction.atomic():
            order.append("second began")
            _counter("second").save()

    threads = [_in_another_thread(first), _in_another_thread(second)]
    for thread in threads:
        thread.join(10)

    assert order == ["first committed", "second began"]
    assert RateLimitCounter.objects.count() == 2


def test_a_writer_stops_waiting_for_the_queue_after_the_busy_timeout(monkeypatch):
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_SECONDS", 0.05)
    stuck = sqlite_backend.WritersQueue(f"{connection.settings_dict['NAME']}.writers")
    stuck.take()  # a queue taken and never given back, say by a process that hung
    try:
        started = time.monotonic()
        _counter("a").save()
        waited = time.monotonic() - started
    finally:
        stuck.close()

    assert 0.05 <= waited < 2
    assert RateLimitCounter.objects.filter(key="a").exists()
