"""The PostgreSQL backend's health check: a connection the server ended is replaced
before a request's first query, and a live one costs no round trip to find out."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _statements_sent(monkeypatch) -> list[str]:
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(self, query, *args, **kwargs):
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    return sent


def _end_from_elsewhere(pid: int) -> None:
    settings = connection.get_connection_params()
    with psycopg.connect(**settings, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # until the server has gone from its process list
            gone = other.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid]
            ).fetchone()[0]
            if gone:
                return
            time.sleep(0.02)


def test_a_connection_the_server_ended_is_replaced_before_the_next_requests_first_query():
    ended = _backend_pid()
    _end_from_elsewhere(ended)

    close_old_connections()  # what the start of a request does

    assert _backend_pid() != ended


def test_a_live_connection_is_checked_without_asking_the_server(monkeypatch):
    _backend_pid()
    sent = _statements_sent(monkeypatch)

    close_old_connections()
    assert _backend_pid()

    assert not any(statement.strip() == "SELECT 1" for statement in sent)
    assert len(sent) == 1
