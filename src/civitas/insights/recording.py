"""Journey events, kept in memory and written in batches (decision 0057).

A page view must not wait for a write of its own: each event is appended to this
process's buffer, and the buffer is written in one INSERT when it holds
JOURNEY_EVENTS_BATCH_SIZE events, when its oldest has waited JOURNEY_EVENTS_FLUSH_SECONDS
(checked as each event arrives, and by a timer thread of the process, so that a quiet
process does not keep its last events until the next one), and when the process exits.
A process that crashes loses what it held: at most a batch, or a few seconds' events, of
figures (never an application, which is written in its own transaction).
"""

import atexit
import datetime
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from civitas.insights.devices import device_class
from civitas.insights.models import JourneyEvent
from civitas.platform.bulk import insert_rows

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("started", "page", "error", "check_answers", "submitted", "abandoned")
CHANNELS: tuple[str, ...] = ("online", "assisted")
LANGUAGES: tuple[str, ...] = ("en", "cy")
ID_MAX_CHARS = 60


@dataclass(frozen=True, kw_only=True)
class Happened:
    """One thing a journey did, as the recorder takes it: plain values, ids only."""

    kind: str
    organisation: str
    service_slug: str
    journey_key: str
    channel: str
    language: str
    device: str
    occurred_at: datetime.datetime
    page: str = ""
    question: str = ""


_Row = tuple[datetime.datetime, str, str, str, str, str, str, str, str, str]
"""An event held: occurred_at, organisation, service_slug, journey_key, kind, page,
question, channel, language, device."""


@dataclass
class _Buffer:
    events: list[_Row] = field(default_factory=list)
    oldest_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_buffer = _Buffer()


def record(happened: Happened) -> None:
    """Keeps one event to be written with the next batch; writes the batch when it is
    full or old enough. Never raises: figures are not worth a failed page."""
    # A plain tuple, in the order of the INSERT's columns less recorded_at: a model instance
    # costs each page more than the whole of the rest of recording.
    row: _Row = (
        happened.occurred_at,
        happened.organisation[:ID_MAX_CHARS],
        happened.service_slug[:ID_MAX_CHARS],
        happened.journey_key[:32],
        happened.kind if happened.kind in KINDS else "page",
        happened.page[:ID_MAX_CHARS],
        happened.question[:ID_MAX_CHARS],
        happened.channel if happened.channel in CHANNELS else "online",
        happened.language if happened.language in LANGUAGES else "en",
        happened.device[:8],
    )
    now = time.monotonic()
    with _buffer.lock:
        if not _buffer.events:
            _buffer.oldest_at = now
            if settings.JOURNEY_EVENTS_FLUSH_ON_TIMER:
                _start_timer()
        _buffer.events.append(row)
        is_due = (
            len(_buffer.events) >= settings.JOURNEY_EVENTS_BATCH_SIZE
            or now - _buffer.oldest_at >= settings.JOURNEY_EVENTS_FLUSH_SECONDS
        )
    if is_due:
        flush_journey_events()


def flush_journey_events() -> int:
    """Writes every event this process holds, in one batch; how many it wrote."""
    with _buffer.lock:
        events, _buffer.events = _buffer.events, []
    if not events:
        return 0
    try:
        adapt = connection.ops.adapt_datetimefield_value
        recorded_at = adapt(timezone.now())
        # One transaction (a savepoint inside a caller's, so a failure leaves it whole),
        # and as few statements as can be (platform.bulk): a statement a row cost a round
        # trip each, and on SQLite a commit each.
        with transaction.atomic():
            insert_rows(
                JourneyEvent._meta.db_table,
                _COLUMNS,
                [(adapt(row[0]), recorded_at, *row[1:]) for row in events],
            )
    except Exception as error:
        # Lost figures, logged by kind only; the page that happened to fill the batch
        # goes on.
        logger.error("journey events not written (%d): %s", len(events), type(error).__name__)
        return 0
    return len(events)


_COLUMNS = (
    "occurred_at, recorded_at, organisation, service_slug, journey_key, kind, page, question, "
    "channel, language, device"
)


def flush_if_due(now: float | None = None) -> int:
    """Writes what this process holds if the oldest has waited JOURNEY_EVENTS_FLUSH_SECONDS
    (at `now`, by time.monotonic()); how many it wrote."""
    now = time.monotonic() if now is None else now
    with _buffer.lock:
        is_due = (
            bool(_buffer.events)
            and now - _buffer.oldest_at >= settings.JOURNEY_EVENTS_FLUSH_SECONDS
        )
    return flush_journey_events() if is_due else 0


_timer: threading.Thread | None = None
_timer_stop = threading.Event()


def _start_timer() -> None:
    """Starts this process's timer thread, once (called holding the buffer's lock)."""
    global _timer
    if _timer is not None and _timer.is_alive():
        return
    _timer_stop.clear()
    _timer = threading.Thread(target=_flush_on_a_timer, name="journey-events", daemon=True)
    _timer.start()


def _flush_on_a_timer() -> None:
    # A daemon: it never holds the process up at exit (atexit writes what is left).
    while not _timer_stop.wait(max(1, settings.JOURNEY_EVENTS_FLUSH_SECONDS) / 2):
        try:
            flush_if_due()
        except Exception as error:
            logger.error("journey events not written on time: %s", type(error).__name__)
        finally:
            # Its own connection, opened only when it wrote: not kept open while quiet.
            connections.close_all()


def stop_timer() -> None:
    """Stops this process's timer thread, leaving the events it holds (for tests)."""
    global _timer
    _timer_stop.set()
    if _timer is not None:
        _timer.join(timeout=5)
    _timer = None


def discard_journey_events() -> None:
    """Forgets what this process holds, unwritten (for tests)."""
    with _buffer.lock:
        _buffer.events = []


@lru_cache(maxsize=1024)
def device_of(user_agent: str) -> str:
    """`device_class`, remembered for the user agents seen most (most visitors share a
    handful of them)."""
    return device_class(user_agent)


def _flush_at_exit() -> None:
    try:
        flush_journey_events()
    except Exception as error:  # the database may already be gone
        logger.error("journey events not written at exit: %s", type(error).__name__)


atexit.register(_flush_at_exit)


def _forget_in_child() -> None:
    # The parent writes what it holds; the lock may have been held by another thread.
    global _timer
    _buffer.events = []
    _buffer.lock = threading.Lock()
    # Threads do not survive a fork: the child starts its own with its first event.
    _timer = None


os.register_at_fork(after_in_child=_forget_in_child)
