"""What the two SMS gateways' adapters share: posting to a gateway, and telling a refusal
that proves the gateway did not take a message from one that leaves it unknown.

The distinction is what failover rests on (`failover`, decision 44):

- `GatewayUnavailable`: the gateway surely does not have the message. The connection was
  refused or never made, it answered 5xx (both gateways document any answer but success
  as "not queued"), or it refused our credentials or credit. Another gateway may be tried.
- `GatewayTimedOut`: the request went out and no answer came back, or a success status
  with an answer that cannot be read. The gateway may have queued it, so only the same
  gateway, which drops a repeated client reference, may be asked again.
- `PermanentFailure`: the gateway refused this message for good (a number it cannot
  send to); another gateway would refuse it too.
"""

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from django.conf import settings

from civitas.notify.providers.base import TemporaryFailure


class GatewayUnavailable(TemporaryFailure):
    """The gateway surely did not take the message: another may be tried."""


class GatewayTimedOut(TemporaryFailure):
    """No answer in time: the gateway may have the message, so only it may be asked again."""


def post(name: str, url: str, *, timeout_seconds: float, **arguments: Any) -> requests.Response:
    """POSTs to a gateway, raising GatewayUnavailable or GatewayTimedOut as above. Reasons
    name the gateway and the error class only: a gateway's words can quote the number."""
    try:
        # The connect timeout is short: a gateway that cannot be reached at all has
        # surely not got the message, and the next one should be tried soon.
        return requests.post(url, timeout=(min(timeout_seconds, 3.0), timeout_seconds), **arguments)
    except requests.ConnectTimeout as error:
        raise GatewayUnavailable(f"{name}-ConnectTimeout") from error
    except requests.ConnectionError as error:
        # A refused or reset connection before an answer. A reset after the request was
        # written is possible too, and then unknown, so it counts as a timeout unless the
        # connection was never made.
        if _never_connected(error):
            raise GatewayUnavailable(f"{name}-{type(error).__name__}") from error
        raise GatewayTimedOut(f"{name}-{type(error).__name__}") from error
    except requests.Timeout as error:
        raise GatewayTimedOut(f"{name}-ReadTimeout") from error
    except (requests.URLRequired, requests.exceptions.InvalidURL, ValueError) as error:
        # Our configuration: nothing was sent.
        raise GatewayUnavailable(f"{name}-{type(error).__name__}") from error
    except requests.RequestException as error:
        # Anything else went wrong after the request was sent (a broken answer): unknown.
        raise GatewayTimedOut(f"{name}-{type(error).__name__}") from error


def _never_connected(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    cause = getattr(reason, "reason", reason)
    text = type(cause).__name__ + str(cause)
    return any(
        sign in text
        for sign in (
            "NewConnectionError",
            "ConnectionRefused",
            "NameResolution",
            "Failed to establish",
        )
    )


def receipt_url(provider: str, configured: str, password: str) -> str:
    """Where the gateway posts delivery receipts for a message: the configured URL (by
    default this site's), carrying the credentials it authenticates with (HTTP basic
    auth, user name the provider's), as GOV.UK Notify gives its gateways."""
    url = (
        configured or f"{settings.PUBLIC_BASE_URL.rstrip('/')}/notify/providers/{provider}/receipts"
    )
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = f"{quote(provider, safe='')}:{quote(password, safe='')}@" if password else ""
    return urlunsplit((parts.scheme, userinfo + host, parts.path, parts.query, ""))


def international_digits(number: str) -> str:
    """+447700900123 as the gateways take it: 447700900123."""
    return number.removeprefix("+")
