"""Sessions read from a cache (Redis) and written through to the database.

Django's cached_db engine keeps the session dictionary in the cache as a pickle: answers in
progress (addresses, email addresses) stand in Redis in plain text, and reading a pickle
back from Redis would run whatever code someone who can write to Redis put there. Its
Redis errors are only partly caught, so a Redis outage turned every page with a session
into a 500.

This engine keeps in the cache the very string the database holds, sealed JSON
(`SealedSessionCodec`), and stores it without pickling.
The database stays the source of truth: when the cache fails, reads and writes go to the
database, the cache is left alone for `SESSION_CACHE_RETRY_SECONDS`, and once it answers
again every cached session is dropped, because copies it kept while writes went only to
the database (a hung server, or one restarted from a snapshot) are older than the truth.

Both engines (this one, and `database_sessions` for a site without Redis) read and update
the session row with one plain statement each rather than through the ORM: a session is
read on every journey page and written on every answer, and building the ORM query cost
more than running it.
"""

import datetime
import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache import BaseCache
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from civitas.platform.crypto import UNBOUND_PREFIX, DecryptionError, open_sealed, seal

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How far short of its due expiry a session row's may stay when the session is written. A
# session lasts hours and a journey times out in its own minutes (JOURNEY_TIMEOUT_MINUTES),
# so nobody meets the difference; it spares a row's indexes a new entry on every answer.
EXPIRY_SLACK = datetime.timedelta(minutes=10)


SESSION_CONTEXT = b"session"


class SealedSessionCodec(SessionBase):
    """A session's data as one sealed value (AES-GCM under the platform's keys, bound to
    the context "session"), with nothing around it.

    Django signs a session with an HMAC over its compressed, encoded data. Ours was sealed
    inside that, so it was authenticated twice, and signing and compressing took four
    times as long as sealing: 45 µs on every answer, for no protection the seal does not
    give. A session stored the old way (signed) is still read, and sealed when next saved.
    """

    def encode(self, session_dict: dict[str, Any]) -> str:
        data = json.dumps(session_dict, separators=(",", ":")).encode()
        return seal(data, context=SESSION_CONTEXT)

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        text = session_data.decode() if isinstance(session_data, bytes) else session_data
        if not text.startswith(UNBOUND_PREFIX + ":"):
            return super().decode(text)  # signed before sessions were sealed alone
        try:
            data = json.loads(open_sealed(text, context=SESSION_CONTEXT))
        except (DecryptionError, ValueError) as error:
            # As Django does with a bad signature: an empty session, and the class only.
            logger.warning("session data could not be opened (%s)", type(error).__name__)
            return {}
        return data if isinstance(data, dict) else {}


class SealedValueSerializer:
    """A cache serializer that stores strings as they are and refuses anything else.

    The sessions cache only ever holds values that are already sealed, so it needs no
    pickle, and a value read back is only ever a string to be opened and verified.
    """

    def dumps(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError("the sessions cache stores sealed strings only")
        return value.encode()

    def loads(self, data: bytes) -> str:
        return data.decode()


class _CacheOutage:
    """Whether this process may use the sessions cache, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed_at: float | None = None

    def may_try(self) -> bool:
        failed_at = self._failed_at
        if failed_at is None:
            return True
        return time.monotonic() - failed_at >= settings.SESSION_CACHE_RETRY_SECONDS

    def failed(self, error: Exception) -> None:
        with self._lock:
            if self._failed_at is None:
                # The error class only: the message can name hosts, and is the same every time.
                logger.warning(
                    "session cache unreachable (%s): sessions are read from the database",
                    type(error).__name__,
                )
            self._failed_at = time.monotonic()

    def recovered(self, cache: BaseCache, prefix: str) -> bool:
        """After an outage, drops the cached sessions once; True if it did (or tried)."""
        if self._failed_at is None:
            return False
        with self._lock:
            if self._failed_at is None:
                return True  # another thread has just dropped them
            try:
                dropped = _drop_cached_sessions(cache, prefix)
            except Exception as error:
                self._failed_at = time.monotonic()
                logger.warning("session cache unreachable again (%s)", type(error).__name__)
                return True
            self._failed_at = None
        logger.info("session cache reachable again; dropped %s cached sessions", dropped)
        return True


_outage = _CacheOutage()


def _drop_cached_sessions(cache: BaseCache, prefix: str) -> int:
    # Django's RedisCache client; the sessions cache is always Redis (see settings).
    client = cache._cache.get_client(write=True)
    dropped = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=cache.make_key(prefix + "*"), count=1000):
        batch.append(key)
        if len(batch) == 1000:
            dropped += client.unlink(*batch)
            batch = []
    if batch:
        dropped += client.unlink(*batch)
    return dropped


@functools.cache
def _statements(alias: str, table: str) -> tuple[str, str, str]:
    """The read and the update of a session row in the SQL of database `alias`, and the
    update made on its own, outside any transaction."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    key, data, expiry = quote("session_key"), quote("session_data"), quote("expire_date")
    # Identifiers only, quoted by the database's own rules; every value is a parameter.
    read = f"SELECT {data} FROM {quote(table)} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608
    # The expiry stays as it is while it is at most EXPIRY_SLACK short of the new one, so
    # most writes change no indexed column: PostgreSQL then updates the row in its page
    # (a HOT update) instead of adding an entry to each of the table's three indexes.
    assignments = (
        f"{data} = %s, {expiry} = CASE WHEN {expiry} BETWEEN %s AND %s THEN {expiry} ELSE %s END"
    )
    update = f"UPDATE {quote(table)} SET {assignments} WHERE {key} = %s"  # noqa: S608
    alone = update
    if connection.vendor == "postgresql":
        # A session write does not wait for the disk (docs/decisions/0024): the setting,
        # made in the statement's own transaction, holds for its commit and no further.
        alone = (
            f"UPDATE {quote(table)} SET {assignments} "  # noqa: S608
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unsynced "
            f"WHERE {key} = %s"
        )
    return read, update, alone


def update_parameters(
    sealed: str, expiry: datetime.datetime, session_key: str | None, connection: BaseDatabaseWrapper
) -> list[Any]:
    """The values of `_statements`' update, in its order: a stored expiry between
    `expiry - EXPIRY_SLACK` and `expiry` is kept, any other (older, or later than a
    shortened session's new one) is replaced."""
    adapt = connection.ops.adapt_datetimefield_value
    new = adapt(expiry)
    return [sealed, adapt(expiry - EXPIRY_SLACK), new, new, session_key]


def find_unexpired_sealed(store: DBStore) -> str | None:
    """The sealed data of the store's session row if it has not expired, as Django's
    `_get_session_from_db` finds it; forgets the key when there is none."""
    alias = router.db_for_read(store.model)
    connection = connections[alias]
    read, _, _ = _statements(alias, store.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            read, [store.session_key, connection.ops.adapt_datetimefield_value(timezone.now())]
        )
        row = cursor.fetchone()
    if row is None:
        store._session_key = None
        return None
    return str(row[0])


def update_row(store: DBStore) -> str:
    """Writes the session over its existing row, as Django's `save(must_create=False)` does
    (UpdateError when the row is gone or the database refuses); returns the sealed data."""
    sealed = store.encode(store._get_session(no_load=False))
    alias = router.db_for_write(store.model)
    connection = connections[alias]
    _, update, alone = _statements(alias, store.model._meta.db_table)
    parameters = update_parameters(sealed, store.get_expiry_date(), store.session_key, connection)
    # One statement is atomic on its own. Outside a transaction it runs without one: on
    # SQLite, BEGIN IMMEDIATE would hold the write lock across the Python between BEGIN and
    # COMMIT, and a worker waiting on it sleeps milliseconds. Inside one (a caller's
    # atomic block) a savepoint keeps a refused update from spoiling the caller's work.
    in_transaction = connection.in_atomic_block
    try:
        if in_transaction:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute(update, parameters)
                updated = cursor.rowcount
        else:
            updated = _execute_alone(connection, alone, parameters)
    except DatabaseError as error:
        raise UpdateError from error
    if updated == 0:
        raise UpdateError  # deleted meanwhile (signed out elsewhere, or expired and cleared)
    return sealed


def _execute_alone(connection: BaseDatabaseWrapper, statement: str, params: list[Any]) -> int:
    """Runs one statement outside any transaction; returns the rows it changed.

    On PostgreSQL the statement is prepared once per connection and its values bound by
    the server: Django's cursor writes values into the SQL, so PostgreSQL would parse and
    plan the statement again for every answer of every citizen.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return int(cursor.rowcount)
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, params, prepare=True)
        return int(cursor.rowcount)


class SessionStore(SealedSessionCodec, CachedDBStore):
    # Not Django's prefix: copies it pickled before this engine are never read.
    cache_key_prefix = "civitas.session:"

    def _with_cache(self, operation: Callable[[], T]) -> tuple[bool, T | None]:
        """Runs a cache operation; (False, None) when the cache failed, is resting after a
        failure, or has just come back (whatever it answered may predate the outage)."""
        if not _outage.may_try():
            return False, None
        try:
            result = operation()
        except Exception as error:
            _outage.failed(error)
            return False, None
        if _outage.recovered(self._cache, self.cache_key_prefix):
            return False, None
        return True, result

    def load(self) -> dict[str, Any]:
        _, sealed = self._with_cache(lambda: self._cache.get(self.cache_key))
        if sealed is not None:
            data = self.decode(sealed)
            if data:
                return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        expiry_seconds = self.get_expiry_age(expiry=stored.expire_date)
        self._with_cache(
            lambda: self._cache.set(self.cache_key, stored.session_data, expiry_seconds)
        )
        return self.decode(stored.session_data)

    def exists(self, session_key: str) -> bool:
        # Every cached session is in the database, which is the source of truth.
        return DBStore.exists(self, session_key)

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        self._sealed = instance.session_data  # the same sealed string goes to the cache
        return instance

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()  # which saves through here with the new key
        if must_create:
            DBStore.save(self, must_create=True)
            sealed = self._sealed
        else:
            sealed = update_row(self)
        # The row may keep an expiry up to EXPIRY_SLACK sooner: the cached copy never
        # outlives it.
        expiry_seconds = self.get_expiry_age() - int(EXPIRY_SLACK.total_seconds())
        self._with_cache(lambda: self._cache.set(self.cache_key, sealed, expiry_seconds))

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key:
            self._with_cache(lambda: self._cache.delete(self.cache_key_prefix + session_key))

    # The site is served synchronously; the asynchronous API runs the same code so that it
    # can never read or write the cache another way.
    async def aload(self) -> dict[str, Any]:
        return await sync_to_async(self.load)()

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)
