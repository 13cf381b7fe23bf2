"""Django's SQLite backend, with writers queued by the operating system.

SQLite lets one writer in at a time. A writer that finds the database locked is put to
sleep by SQLite's busy handler, first for 1 ms, then 2, then 5 and longer, however soon
the lock is freed: with two web workers an API submission (a write of about 0.1 ms) slept
a millisecond whenever the other worker was writing.

Here each write transaction (Django's `BEGIN IMMEDIATE`) and each write made outside one
first takes an exclusive lock on a file beside the database (`<database>.writers`), and
gives it back when it commits, rolls back or closes. A writer that finds it taken looks
again after 50 µs, then at most every half millisecond, so it follows the writer before it
within a fraction of a millisecond. SQLite's own lock still decides: this only lines the
writers up. After the busy timeout a writer stops waiting for the file and meets SQLite's
lock as before, which answers "database is locked" in time rather than waiting forever.
"""

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")  # REPLACE, by its first six letters
FIRST_WAIT_SECONDS = 0.00005
LONGEST_WAIT_SECONDS = 0.0005
BUSY_TIMEOUT_SECONDS = 10.0  # as the settings' PRAGMA busy_timeout


class WritersQueue:
    """An exclusive lock on a file, taken and given back by one connection."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.held = False

    def take(self) -> None:
        if self.held:
            return
        wait = FIRST_WAIT_SECONDS
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # SQLite's busy timeout answers from here
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_SECONDS)
                continue
            self.held = True
            return

    def give_back(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.give_back()
        os.close(self._fd)


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its writers' queue, for its cursors."""

    writers: WritersQueue | None = None


class DatabaseWrapper(base.DatabaseWrapper):
    writers: WritersQueue | None = None

    def get_connection_params(self) -> dict[str, Any]:
        return {**super().get_connection_params(), "factory": QueuedConnection}

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            self.writers = WritersQueue(f"{self.settings_dict['NAME']}.writers")
            connection.writers = self.writers
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=QueuedWritesCursor)

    def _start_transaction_under_autocommit(self) -> None:
        if self.writers is not None:
            self.writers.take()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._give_back()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in the stubs
        finally:
            self._give_back()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in the stubs
        finally:
            self._give_back()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # not in the stubs
        finally:
            if self.writers is not None:
                self.writers.close()
                self.writers = None

    def _give_back(self) -> None:
        if self.writers is not None:
            self.writers.give_back()


class QueuedWritesCursor(base.SQLiteCursorWrapper):
    """Takes the writers' queue for a write made outside a transaction."""

    def execute(self, query: str, params: Any = None) -> Any:
        with _queued(self, query):
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with _queued(self, query):
            return super().executemany(query, param_list)


@contextlib.contextmanager
def _queued(cursor: Any, query: str) -> Iterator[None]:
    writers = _writers_outside_a_transaction(cursor, query)
    if writers is None:
        yield
        return
    writers.take()
    try:
        yield
    finally:
        writers.give_back()


def _writers_outside_a_transaction(cursor: Any, query: str) -> WritersQueue | None:
    connection = cursor.connection
    if connection.in_transaction:
        return None  # the transaction's BEGIN took it, or SQLite's own lock decides
    if not query.lstrip()[:6].upper().startswith(WRITES):
        return None
    return getattr(connection, "writers", None)
