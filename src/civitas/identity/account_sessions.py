"""Which citizen's account a session is signed in to.

A citizen is never signed in through django.contrib.auth: that is staff's, and every
staff check reads it. The account's id is kept under a key of its own, with the account's
session generation at sign-in (a password change or reset raises it, ending every session
from before). `start_account_session` is the one way in: a password (with a second factor
when the account has one), an emailed link, and, later, an external identity provider all
end there.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY

from civitas.identity.accounts import AccountRef, find_account, set_account_language
from civitas.identity.permissions import ACTING_ORGANISATION_KEY

ACCOUNT_KEY = "account:id"
GENERATION_KEY = "account:generation"
SIGNED_IN_AT_KEY = "account:signed_in_at"
ACTIVE_AT_KEY = "account:active_at"
# The session's last activity is written at most this often: reading a page is activity,
# but a session write on every page is not worth a minute of precision.
ACTIVITY_WRITE_SECONDS = 60
IDENTITY_LEVEL_KEY = "account:identity_level"
"""The identity confidence the national identity provider vouched for at sign-in (P0 to
P3); absent when the citizen signed in otherwise."""
PENDING_KEY = "account:pending"
"""An account whose password (or link) was right, waiting for its second factor."""
PENDING_SECONDS = 5 * 60
# The session keys of a signed-in member of staff (django.contrib.auth's and
# django-otp's, and the organisation they act for): dropped when a citizen signs in, so a
# session is one person's, and a citizen's never carries staff rights.
_STAFF_KEYS = (
    SESSION_KEY,
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    DEVICE_ID_SESSION_KEY,
    ACTING_ORGANISATION_KEY,
)
_CACHE_ATTRIBUTE = "_civitas_account"


def start_account_session(request: HttpRequest, account: AccountRef, *, language: str) -> None:
    """Signs the session in to `account`, under a new session id (one seen before this
    point, over a shoulder or in a log, is worth nothing now). Answers in progress are
    kept, so a citizen can sign in part-way through an application."""
    for key in (*_STAFF_KEYS, PENDING_KEY, IDENTITY_LEVEL_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.session[ACCOUNT_KEY] = account.id
    request.session[GENERATION_KEY] = account.session_generation
    now = int(time.time())
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[ACTIVE_AT_KEY] = now
    setattr(request, _CACHE_ATTRIBUTE, account)
    if account.language != language:
        set_account_language(account.id, language)


def start_identity_session(
    request: HttpRequest, account: AccountRef, *, language: str, identity_level: str
) -> None:
    """Signs the session in to `account` as the national identity provider signed its
    owner in, with the identity level it vouched for."""
    start_account_session(request, account, language=language)
    request.session[IDENTITY_LEVEL_KEY] = identity_level


def account_identity_level(request: HttpRequest) -> str | None:
    """The identity level of a session signed in through the identity provider; None for
    one signed in otherwise, or not signed in."""
    if signed_in_account(request) is None:
        return None
    level = request.session.get(IDENTITY_LEVEL_KEY)
    return level if isinstance(level, str) else None


def hold_for_second_factor(request: HttpRequest, account: AccountRef) -> None:
    """The first factor was right: the session waits, for PENDING_SECONDS, for the second."""
    request.session[PENDING_KEY] = {"id": account.id, "until": int(time.time()) + PENDING_SECONDS}


def pending_account_id(request: HttpRequest) -> str | None:
    pending: Any = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), str):
        return None
    if not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        return None
    return str(pending["id"])


def end_account_session(request: HttpRequest) -> None:
    """Signs out: the session and everything in it is deleted, and a new one begins."""
    request.session.flush()
    setattr(request, _CACHE_ATTRIBUTE, None)


def signed_in_account(request: HttpRequest) -> AccountRef | None:
    """The account this session is signed in to; None when it is not, or when the
    account's password changed since (that session then ends)."""
    if hasattr(request, _CACHE_ATTRIBUTE):
        cached: AccountRef | None = getattr(request, _CACHE_ATTRIBUTE)
        return cached
    account_id = request.session.get(ACCOUNT_KEY) if hasattr(request, "session") else None
    account = find_account(account_id) if isinstance(account_id, str) else None
    if account is not None and request.session.get(GENERATION_KEY) != account.session_generation:
        account = None
    if account is not None and _timed_out(request):
        account = None
    if account is None and account_id is not None:
        for key in (
            ACCOUNT_KEY,
            GENERATION_KEY,
            SIGNED_IN_AT_KEY,
            ACTIVE_AT_KEY,
            IDENTITY_LEVEL_KEY,
        ):
            request.session.pop(key, None)
    setattr(request, _CACHE_ATTRIBUTE, account)
    return account


def _timed_out(request: HttpRequest) -> bool:
    """Whether the signed-in session has been idle ACCOUNT_IDLE_MINUTES, or lasted
    ACCOUNT_SESSION_HOURS; if not, its activity is noted (at most once a minute)."""
    now = int(time.time())
    signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
    active_at = request.session.get(ACTIVE_AT_KEY)
    if not isinstance(signed_in_at, int) or not isinstance(active_at, int):
        return True  # a session that does not say when it began is not believed
    if now - signed_in_at > settings.ACCOUNT_SESSION_HOURS * 3600:
        return True
    if now - active_at > settings.ACCOUNT_IDLE_MINUTES * 60:
        return True
    if now - active_at >= ACTIVITY_WRITE_SECONDS:
        request.session[ACTIVE_AT_KEY] = now
    return False


def signed_in_account_id(request: HttpRequest) -> str | None:
    """The id of the account this session is signed in to, or None."""
    account = signed_in_account(request)
    return account.id if account is not None else None


def is_signed_in(request: HttpRequest) -> bool:
    """Whether the session says it is signed in to an account, without looking the account
    up: for the header's link, on every page. A page that shows or changes anything of the
    account asks signed_in_account, which checks."""
    session = getattr(request, "session", None)
    return session is not None and ACCOUNT_KEY in session


def seconds_left(request: HttpRequest) -> int:
    """How long the signed-in session has before it times out (idle or in all); 0 when
    it is not signed in."""
    if signed_in_account(request) is None:
        return 0
    now = int(time.time())
    idle_left = int(request.session[ACTIVE_AT_KEY]) + settings.ACCOUNT_IDLE_MINUTES * 60 - now
    whole_left = (
        int(request.session[SIGNED_IN_AT_KEY]) + settings.ACCOUNT_SESSION_HOURS * 3600 - now
    )
    return max(0, min(idle_left, whole_left))


def keep_alive(request: HttpRequest) -> int:
    """The timeout warning's "Stay signed in": notes activity now; the seconds left (0
    when the session has ended)."""
    if signed_in_account(request) is None:
        return 0
    request.session[ACTIVE_AT_KEY] = int(time.time())
    return seconds_left(request)


def timeout_warning_context(request: HttpRequest) -> dict[str, int]:
    """What a signed-in citizen's account pages' timeout warning needs (a template context
    processor): the seconds left, less the activity write interval (the page may be that
    much older than the last activity noted), and when to warn. 0 elsewhere: no warning."""
    on_account_page = request.path_info.startswith("/account/") and hasattr(request, "session")
    left = seconds_left(request) if on_account_page and is_signed_in(request) else 0
    if left:
        left = max(1, left - ACTIVITY_WRITE_SECONDS)
    return {
        "account_session_seconds_left": left,
        "account_timeout_warning_seconds": settings.ACCOUNT_TIMEOUT_WARNING_SECONDS,
    }
