"""One rate limiter: a count per scope and key, shared by every process (database or Redis)."""

import os
import subprocess
import sys
import time
import uuid

import pytest
import redis

from civitas.platform import ratelimit
from civitas.platform.models import RateLimitCounter
from conftest import database_url_for_subprocess

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_it_allows_up_to_the_rate_then_says_when_to_try_again(db):
    verdicts = [ratelimit.hit("test", "a key", "3/15minutes") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[0].retry_after_seconds == 0
    assert 14 * 60 < verdicts[-1].retry_after_seconds <= 15 * 60


def test_each_scope_and_key_has_its_own_count(db):
    assert ratelimit.hit("test", "one", "1/minute").allowed
    assert not ratelimit.hit("test", "one", "1/minute").allowed
    assert ratelimit.hit("test", "two", "1/minute").allowed
    assert ratelimit.hit("other", "one", "1/minute").allowed


def test_checking_does_not_count(db):
    for _ in range(5):
        assert ratelimit.check("test", "key", "1/minute").allowed
    assert ratelimit.hit("test", "key", "1/minute").allowed
    verdict = ratelimit.check("test", "key", "1/minute")
    assert not verdict.allowed
    assert 0 < verdict.retry_after_seconds <= 60


def test_the_window_ends_and_the_key_is_allowed_again(db):
    ratelimit.hit("test", "key", "1/second")
    refused = ratelimit.hit("test", "key", "1/second")
    assert not refused.allowed
    time.sleep(refused.retry_after_seconds + 0.05)
    assert ratelimit.hit("test", "key", "1/second").allowed


def test_hits_while_refused_do_not_push_the_window_back(db):
    first = ratelimit.hit("test", "key", "1/2seconds")
    assert first.allowed
    time.sleep(1)
    refused = ratelimit.hit("test", "key", "1/2seconds")
    assert not refused.allowed
    assert refused.retry_after_seconds <= 1


def test_clearing_a_key_starts_its_count_again(db):
    ratelimit.hit("test", "key", "1/minute")
    ratelimit.clear("test", "key", "1/minute")
    assert ratelimit.hit("test", "key", "1/minute").allowed


def test_the_store_never_holds_the_key_in_clear(db):
    ratelimit.hit("sign-in", "resident@example.com", "5/minute")
    (counter,) = RateLimitCounter.objects.all()
    assert "resident" not in counter.key
    assert counter.hits == 1


def test_a_malformed_rate_is_refused():
    with pytest.raises(ValueError, match="not a rate"):
        ratelimit.parse_rate("ten a minute")


HIT_FIFTEEN_TIMES = """
import sys
from civitas.platform import ratelimit
print(sum(ratelimit.hit(sys.argv[1], "shared", "20/15minutes").allowed for _ in range(15)))
"""


def hit_in_two_processes(scope: str, env_extra: dict[str, str]) -> list[int]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
        **env_extra,
    }
    code = "import django; django.setup()\n" + HIT_FIFTEEN_TIMES
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, scope],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        allowed.append(int(out.strip()))
    return allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_two_processes_share_one_count_in_the_database():
    scope = f"test-{uuid.uuid4().hex}"
    allowed = hit_in_two_processes(scope, {"REDIS_URL": ""})
    assert sum(allowed) == 20  # 30 hits, 20 allowed, whichever process made them
    assert not ratelimit.check(scope, "shared", "20/15minutes").allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.xdist_group("redis")
def test_two_processes_share_one_count_in_redis(settings):
    scope = f"test-{uuid.uuid4().hex}"
    allowed = hit_in_two_processes(scope, {"REDIS_URL": TEST_REDIS_URL})
    assert sum(allowed) == 20
    assert RateLimitCounter.objects.count() == 0  # counted in Redis, not the database
    settings.REDIS_URL = TEST_REDIS_URL
    assert not ratelimit.check(scope, "shared", "20/15minutes").allowed
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    assert len(connection.keys(f"*{scope}*")) == 1
    ratelimit.clear(scope, "shared", "20/15minutes")
    assert connection.keys(f"*{scope}*") == []


def test_with_redis_down_it_still_limits_by_counting_in_the_database(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    verdicts = [ratelimit.hit("test", "key", "2/minute") for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert RateLimitCounter.objects.count() == 1


# --- Leases: a large rate counted a hundredth at a time ------------------------------


def test_a_leased_rate_takes_a_hundredth_of_it_in_one_increment(db, django_assert_num_queries):
    assert ratelimit.hit("test", "key", "1000/minute", leased=True).allowed
    assert RateLimitCounter.objects.get().hits == 10
    with django_assert_num_queries(0):
        assert all(
            ratelimit.hit("test", "key", "1000/minute", leased=True).allowed for _ in range(9)
        )
    assert ratelimit.hit("test", "key", "1000/minute", leased=True).allowed
    assert RateLimitCounter.objects.get().hits == 20


def test_leased_hits_from_many_processes_never_pass_the_rate(db, monkeypatch):
    processes = [{}, {}, {}]  # each process's own leases
    allowed = 0
    for number in range(400):
        monkeypatch.setattr(ratelimit, "_leases", processes[number % 3])
        allowed += ratelimit.hit("test", "key", "300/minute", leased=True).allowed
    # Each process may be left holding part of a lease it never spends: at most 2 of 3.
    assert 300 - 3 * 2 <= allowed <= 300
    assert RateLimitCounter.objects.get().hits >= allowed


def test_a_refused_leased_hit_says_when_to_try_again(db):
    verdicts = [ratelimit.hit("test", "key", "200/minute", leased=True) for _ in range(201)]
    assert all(v.allowed for v in verdicts[:200])
    assert not verdicts[200].allowed
    assert 0 < verdicts[200].retry_after_seconds <= 60


def test_a_lease_is_not_spent_once_its_window_has_ended(db):
    assert ratelimit.hit("test", "key", "200 per 1 second", leased=True).allowed
    first_window_ends = RateLimitCounter.objects.get().expires_at_epoch_seconds
    time.sleep(1.1)
    # One hit of the lease was left; the window it was counted in has ended, so this hit
    # is counted in the new window, by a new lease.
    assert ratelimit.hit("test", "key", "200 per 1 second", leased=True).allowed
    counter = RateLimitCounter.objects.get()
    assert counter.expires_at_epoch_seconds > first_window_ends
    assert counter.hits == 2


def test_a_rate_under_two_hundred_is_counted_hit_by_hit_even_when_leased(db):
    for _ in range(5):
        ratelimit.hit("test", "key", "199/minute", leased=True)
    assert RateLimitCounter.objects.get().hits == 5


def test_clearing_a_key_forgets_its_lease(db):
    ratelimit.hit("test", "key", "1000/minute", leased=True)
    ratelimit.clear("test", "key", "1000/minute")
    assert not RateLimitCounter.objects.exists()
    ratelimit.hit("test", "key", "1000/minute", leased=True)
    assert RateLimitCounter.objects.get().hits == 10


@pytest.mark.xdist_group("redis")
def test_leased_hits_in_redis_take_one_increment_a_lease(db, settings):
    settings.REDIS_URL = TEST_REDIS_URL
    scope = f"test-{uuid.uuid4().hex}"
    for _ in range(25):
        assert ratelimit.hit(scope, "shared", "1000/minute", leased=True).allowed
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    [key] = connection.keys(f"*{scope}*")
    assert int(connection.get(key)) == 30
    assert 0 < connection.ttl(key) <= 60
    assert RateLimitCounter.objects.count() == 0
    ratelimit.clear(scope, "shared", "1000/minute")
