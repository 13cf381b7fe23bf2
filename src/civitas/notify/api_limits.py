"""A sending service's limits, as GOV.UK Notify has them: requests a minute per key type,
and messages a day per channel. Both are counted by the platform's one rate limiter
(platform.ratelimit): an atomic counter in Redis or one upserted row in the database,
never a count of messages.

The daily count is a counter keyed by the service, the channel and the UTC date, so a new
day starts a new count. It is incremented once a message is written, in the transaction
that wrote it, and the increment's answer decides: past the limit, the message is rolled
back. So the count is exact (no two requests at the limit both pass), costs one round
trip, and a send refused for its input is never counted. On the database the counter's
row is locked from the increment to the commit, the end of the send's transaction. A test
key's messages do not count, as in Notify.
"""

import datetime

from django.utils import timezone

from civitas.notify.api_errors import ApiError
from civitas.notify.models import SendingService
from civitas.platform import ratelimit

KEY_TYPE_NAMES = {"normal": "LIVE", "team": "TEAM", "test": "TEST"}


def _daily_limit(service: SendingService, channel: str) -> int:
    limit: int = getattr(service, f"{channel}_daily_limit")
    return limit


def _daily_key(service: SendingService, channel: str, today: datetime.date) -> str:
    return f"{service.pk}:{channel}:{today.isoformat()}"


def check_request_rate(service: SendingService, key_type: str) -> None:
    """Counts one request; ApiError 429 RateLimitError past the service's rate."""
    limit = service.rate_limit_per_minute
    verdict = ratelimit.hit(
        "notify.api", f"{service.pk}:{key_type}", f"{limit}/minute", leased=True
    )
    if not verdict.allowed:
        raise ApiError(
            429,
            "RateLimitError",
            f"Exceeded rate limit for key type {KEY_TYPE_NAMES.get(key_type, key_type.upper())}"
            f" of {limit} requests per 60 seconds",
        )


def count_daily_send(service: SendingService, channel: str, key_type: str) -> None:
    """Counts a message about to be written; ApiError 429 TooManyRequestsError when that
    takes the service past its day's limit for the channel, and the message is not
    written. On the database the count is in the message's transaction and rolls back
    with it; in Redis a message that then fails to be written is counted all the same
    (the limit errs by that one message, towards refusing). Test keys are never counted
    nor limited."""
    if key_type == "test":
        return
    limit = _daily_limit(service, channel)
    key = _daily_key(service, channel, timezone.now().date())
    if limit == 0 or not ratelimit.hit("notify.daily", key, f"{limit}/day").allowed:
        raise ApiError(429, "TooManyRequestsError", f"Exceeded send limits ({limit}) for today")
