"""One rate limiter for every endpoint that needs one.

    verdict = ratelimit.hit("sign-in.account", email, "10/15minutes")
    if not verdict.allowed:
        ...  # refuse, and say to try again in verdict.retry_after_seconds

A rate is the `limits` notation: "10/15minutes", "100/hour", "5 per 2 seconds". Windows
are fixed: the first hit starts one, hits while refused do not push its end back, so the
longest anyone waits is one window.

The count lives where every process sees it, so each gunicorn worker does not count alone:
in Redis when REDIS_URL is set (the `limits` Redis storage, an atomic Lua increment), and
otherwise in the database (one atomic upsert a hit). Should Redis fail, hits are counted in
the database until it is back: the limit still holds, with a count started afresh.

A request rate of hundreds a window (an API key's calls) may be counted in leases
(`hit(..., leased=True)`): a process takes a hundredth of the rate from the store in one
increment and spends it itself until the store's window ends, then takes another. The
store holds at least every hit made, so the limit still holds across processes; what is
left of a lease when its window ends is counted all the same, so the limit errs towards
refusing, by less than a hundredth of the rate for each process. A rate under 200 a window
is never leased: each hit is one increment, as without leases (docs/decisions/0067).

The thing counted (an email address, an IP address) is stored only as a keyed pseudonym.
On the database a hit commits with the surrounding transaction: call it outside one, or
the count is lost when that transaction rolls back.
"""

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import limits
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from civitas.platform.models import RateLimitCounter
from civitas.platform.pseudonyms import pseudonym

logger = logging.getLogger("civitas.security")

REDIS_KEY_PREFIX = "civitas:ratelimit"
# A Redis that does not answer must not hold a sign-in up for long; the database takes over.
REDIS_TIMEOUT_SECONDS = 1.0

# A lease is at most this share of the rate.
LEASE_SHARE = 100
# Leases a process keeps before it forgets those that ended.
LEASES_KEPT = 10_000

T = TypeVar("T")


@dataclass
class _Lease:
    left: int
    until: float  # time.monotonic()


_leases: dict[str, _Lease] = {}
_leases_lock = threading.Lock()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # When refused, how long until the window ends and a hit is allowed again.
    retry_after_seconds: int = 0


def hit(scope: str, key: str, rate: str, *, leased: bool = False) -> Verdict:
    """Counts one hit for `key` within `scope`; allowed while the count is within `rate`.
    `leased`: counted in leases when the rate is large enough (see above)."""
    item, identifiers = _limit(scope, key, rate)
    size = item.amount // LEASE_SHARE if leased else 1
    if size <= 1:
        return _with_limiter(lambda limiter: _verdict(limiter, limiter.hit, item, identifiers))
    if _spend_lease(item.key_for(*identifiers)):
        return Verdict(allowed=True)
    return _with_limiter(lambda limiter: _take_lease(limiter, item, identifiers, size))


def check(scope: str, key: str, rate: str) -> Verdict:
    """What `hit` would answer, without counting."""
    item, identifiers = _limit(scope, key, rate)
    return _with_limiter(lambda limiter: _verdict(limiter, limiter.test, item, identifiers))


def clear(scope: str, key: str, rate: str) -> None:
    """Forgets the count for `key`, as if the window had ended."""
    item, identifiers = _limit(scope, key, rate)
    with _leases_lock:
        _leases.pop(item.key_for(*identifiers), None)
    _with_limiter(lambda limiter: limiter.clear(item, *identifiers))


def counts_outside_transactions() -> bool:
    """Whether hits are counted in Redis, where no database transaction undoes them (a
    count in the database commits or rolls back with the caller's transaction)."""
    return bool(settings.REDIS_URL)


def _limit(scope: str, key: str, rate: str) -> tuple[limits.RateLimitItem, tuple[str, str]]:
    """The rate, and the scope with the pseudonym of the key, as `limits` takes them."""
    return parse_rate(rate), (scope, pseudonym(scope, key))


def _verdict(
    limiter: FixedWindowRateLimiter,
    within_limit: Callable[..., bool],
    item: limits.RateLimitItem,
    identifiers: tuple[str, ...],
) -> Verdict:
    if within_limit(item, *identifiers):
        return Verdict(allowed=True)
    return _refused(limiter, item, identifiers)


def _refused(
    limiter: FixedWindowRateLimiter, item: limits.RateLimitItem, identifiers: tuple[str, ...]
) -> Verdict:
    """A refusal, saying how long until the window ends."""
    window = limiter.get_window_stats(item, *identifiers)
    return Verdict(
        allowed=False, retry_after_seconds=max(1, math.ceil(window.reset_time - time.time()))
    )


def forget_leases() -> None:
    """Forgets this process's leases, as a process starting afresh (tests use a new
    database each)."""
    with _leases_lock:
        _leases.clear()


def _spend_lease(lease_key: str) -> bool:
    """Whether this process's lease for the key had a hit left (now spent)."""
    with _leases_lock:
        lease = _leases.get(lease_key)
        if lease is None or lease.left <= 0 or time.monotonic() >= lease.until:
            return False
        lease.left -= 1
        return True


def _take_lease(
    limiter: FixedWindowRateLimiter,
    item: limits.RateLimitItem,
    identifiers: tuple[str, ...],
    size: int,
) -> Verdict:
    """Takes `size` hits from the store at once: this hit, and a lease of the rest of what
    is within the rate, spent until the store's window ends."""
    key = item.key_for(*identifiers)
    count = limiter.storage.incr(key, item.get_expiry(), amount=size)
    granted = min(size, item.amount - (count - size))
    if granted <= 0:
        return _refused(limiter, item, identifiers)
    window_left = limiter.storage.get_expiry(key) - time.time()
    with _leases_lock:
        if len(_leases) >= LEASES_KEPT:
            _forget_ended_leases()
        _leases[key] = _Lease(left=granted - 1, until=time.monotonic() + window_left)
    return Verdict(allowed=True)


def _forget_ended_leases() -> None:
    now = time.monotonic()
    for lease_key in [k for k, lease in _leases.items() if now >= lease.until or not lease.left]:
        del _leases[lease_key]
    if len(_leases) >= LEASES_KEPT:
        _leases.clear()


@functools.cache
def parse_rate(rate: str) -> limits.RateLimitItem:
    """The rate as `limits` reads it; ValueError for anything else."""
    try:
        return limits.parse(rate)
    except ValueError:
        raise ValueError(f"{rate!r} is not a rate: write it as 10/15minutes") from None


def _with_limiter(use: Callable[[FixedWindowRateLimiter], T]) -> T:
    if settings.REDIS_URL:
        try:
            return use(_redis_limiter(settings.REDIS_URL))
        except StorageError:
            logger.error("rate limit store: Redis failed, counting in the database")
    return use(_database_limiter())


@functools.cache
def _redis_limiter(url: str) -> FixedWindowRateLimiter:
    storage = RedisStorage(
        url,
        key_prefix=REDIS_KEY_PREFIX,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return FixedWindowRateLimiter(storage)


@functools.cache
def _database_limiter() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(DatabaseStorage())


class DatabaseStorage(Storage):
    """A `limits` storage in the RateLimitCounter table, shared by every process.

    Each increment is a single INSERT ... ON CONFLICT DO UPDATE (PostgreSQL and SQLite both
    have it), so two processes hitting one key at once can neither lose a hit nor both
    start a window.
    """

    def __init__(self) -> None:
        super().__init__(uri=None, wrap_exceptions=True)

    @property
    def base_exceptions(self) -> type[Exception]:
        return DatabaseError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
        # A window that has ended starts again with this hit; otherwise the hit is added.
        sql = f"""
            INSERT INTO {table} ("key", hits, expires_at_epoch_seconds) VALUES (%s, %s, %s)
            ON CONFLICT ("key") DO UPDATE SET
                hits = CASE WHEN {table}.expires_at_epoch_seconds <= %s
                    THEN excluded.hits ELSE {table}.hits + excluded.hits END,
                expires_at_epoch_seconds = CASE WHEN {table}.expires_at_epoch_seconds <= %s
                    THEN excluded.expires_at_epoch_seconds
                    ELSE {table}.expires_at_epoch_seconds END
            RETURNING hits
        """  # noqa: S608 - the table name is ours; every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, amount, now + expiry, now, now])
            return int(cursor.fetchone()[0])

    def get(self, key: str) -> int:
        hits = self._live(key).values_list("hits", flat=True).first()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        expiry = self._live(key).values_list("expires_at_epoch_seconds", flat=True).first()
        return expiry or time.time()

    def clear(self, key: str) -> None:
        RateLimitCounter.objects.filter(key=key).delete()

    def reset(self) -> int | None:
        deleted, _ = RateLimitCounter.objects.all().delete()
        return deleted

    def check(self) -> bool:
        try:
            RateLimitCounter.objects.exists()
        except DatabaseError:
            return False
        return True

    @staticmethod
    def _live(key: str) -> QuerySet[RateLimitCounter]:
        return RateLimitCounter.objects.filter(key=key, expires_at_epoch_seconds__gt=time.time())


def delete_ended_windows() -> int:
    """Deletes the database's counters whose window has ended (a periodic job)."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at_epoch_seconds__lte=time.time()).delete()
    return deleted
