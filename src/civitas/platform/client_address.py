"""Where a request came from, as the rate limiter and the security log see it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what the operator's own proxy says it is.

    A header such as X-Forwarded-For is written by whoever sends the request, so it is
    trusted only when CLIENT_ADDRESS_HEADER names it, and then only the entry that the
    operator's own proxies added (CLIENT_ADDRESS_PROXY_COUNT entries from the right).
    An IPv6 client is counted by its /64 network, since one host usually holds all of it.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        hops = [part.strip() for part in request.META.get(meta_key, "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= settings.CLIENT_ADDRESS_PROXY_COUNT:
            raw = hops[-settings.CLIENT_ADDRESS_PROXY_COUNT]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
