"""A sending service's limits, as GOV.UK Notify has them: requests a minute per key type,
and messages a day per channel. Both are counted by the platform's one rate limiter
(platform.ratelimit): an atomic counter in Redis or one upserted row in the database,
never a count of messages.

The daily count is a counter keyed by the service, the channel and the UTC date, so a new
day starts a new count. It is read before a message is written and incremented after, in
the transaction that writes the message (on the database), so a refused or failed send is
not counted. Two requests at the limit at once can both pass the read: the count may go
a message or two over, as Notify's can. A test key's messages do not count, as in Notify.
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
    verdict = ratelimit.hit("notify.api", f"{service.pk}:{key_type}", f"{limit}/minute")
    if not verdict.allowed:
        raise ApiError(
            429,
            "RateLimitError",
            f"Exceeded rate limit for key type {KEY_TYPE_NAMES.get(key_type, key_type.upper())}"
            f" of {limit} requests per 60 seconds",
        )


def check_daily_limit(service: SendingService, channel: str, key_type: str) -> None:
    """ApiError 429 TooManyRequestsError when the service has sent its day's messages of
    this channel; test keys are never limited."""
    if key_type == "test":
        return
    limit = _daily_limit(service, channel)
    key = _daily_key(service, channel, timezone.now().date())
    if limit == 0 or not ratelimit.check("notify.daily", key, f"{limit}/day").allowed:
        raise ApiError(429, "TooManyRequestsError", f"Exceeded send limits ({limit}) for today")


def count_daily_send(service: SendingService, channel: str, key_type: str) -> None:
    """Counts a message written: call it in the transaction that wrote it."""
    if key_type == "test":
        return
    limit = _daily_limit(service, channel)
    if limit:
        ratelimit.hit(
            "notify.daily", _daily_key(service, channel, timezone.now().date()), f"{limit}/day"
        )
