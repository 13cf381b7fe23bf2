"""How long a member of staff's session lasts: an idle timeout and an absolute one.

A staff session records when its person signed in and when they last did something, in
the session itself (encrypted, like the rest of it). `StaffSessionTimeoutMiddleware` ends
a session idle for STAFF_IDLE_TIMEOUT_MINUTES, or older than STAFF_ABSOLUTE_TIMEOUT_HOURS
however busy, before any view runs. Staff pages carry the GOV.UK timeout warning (the
journeys' dialog and script), whose "Continue" posts to `keep_alive`.

Ending *every* session of a person (deactivation, "sign out everywhere") is the session
generation's job (`StaffUser.session_generation`), not this module's.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from civitas.platform.security_log import security_event

SIGNED_IN_AT_KEY = "staff:signed_in_at"
ACTIVE_AT_KEY = "staff:active_at"
TIMED_OUT_PATH = "/staff/timed-out"
KEEP_ALIVE_PATH = "/staff/keep-alive"


def start_staff_session(request: HttpRequest) -> None:
    """Marks the session as a staff session that began now (call right after login)."""
    now = time.time()
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[ACTIVE_AT_KEY] = now


def activity_write_seconds() -> int:
    """How stale the last activity may be before a request writes it again: a minute, or
    a tenth of a shorter timeout, so that most page views do not write the session."""
    return min(60, settings.STAFF_IDLE_TIMEOUT_MINUTES * 6)


def seconds_left(request: HttpRequest) -> int:
    """Seconds until the session ends if nothing more happens; 0 when it is not a staff
    session or has ended."""
    signed_in_at = request.session.get(SIGNED_IN_AT_KEY)
    active_at = request.session.get(ACTIVE_AT_KEY)
    if not isinstance(signed_in_at, float | int) or not isinstance(active_at, float | int):
        return 0
    now = time.time()
    idle_left = active_at + settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - now
    absolute_left = signed_in_at + settings.STAFF_ABSOLUTE_TIMEOUT_HOURS * 3600 - now
    return max(0, int(min(idle_left, absolute_left)))


def _expired_reason(signed_in_at: float, active_at: float, now: float) -> str | None:
    if now - signed_in_at > settings.STAFF_ABSOLUTE_TIMEOUT_HOURS * 3600:
        return "absolute_timeout"
    if now - active_at > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
        return "idle_timeout"
    return None


class StaffSessionTimeoutMiddleware:
    """Ends a timed-out staff session before the view runs; keeps a live one's activity.

    It reads only the session (no query for the user), so a citizen's request, whose
    session has no staff keys, costs nothing more than the session read it had anyway.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        signed_in_at = session.get(SIGNED_IN_AT_KEY)
        active_at = session.get(ACTIVE_AT_KEY)
        if isinstance(signed_in_at, float | int) and isinstance(active_at, float | int):
            now = time.time()
            reason = _expired_reason(signed_in_at, active_at, now)
            if reason is not None:
                user_id = session.get("_auth_user_id")
                logout(request)  # flushes the session: a new, empty one from here on
                security_event(
                    "session.ended",
                    reason=reason,
                    staff=str(user_id) if user_id else None,
                )
                if request.path_info.startswith("/staff/") and request.path_info not in (
                    TIMED_OUT_PATH,
                    KEEP_ALIVE_PATH,
                ):
                    return redirect(
                        f"{TIMED_OUT_PATH}?{urlencode({'next': request.get_full_path()})}"
                    )
            elif request.path_info != KEEP_ALIVE_PATH and (
                now - active_at > activity_write_seconds()
            ):
                session[ACTIVE_AT_KEY] = now
        return self.get_response(request)


def timeout_warning_context(request: HttpRequest) -> dict[str, int]:
    """What the staff pages' timeout warning needs: the seconds the session has left (0
    when this is no staff session, and no warning is drawn) and when to warn.

    A template context processor: it reads the session the request has already loaded.
    """
    # Staff pages only: a citizen's page (or an error page drawn while the database is
    # down) never reads the session for it.
    is_staff_page = request.path_info.startswith("/staff/") and hasattr(request, "session")
    left = seconds_left(request) if is_staff_page else 0
    if left:
        # Activity is written at most this often: the page may be that much older.
        left = max(1, left - activity_write_seconds())
    return {
        "staff_session_seconds_left": left,
        "staff_timeout_warning_seconds": settings.STAFF_TIMEOUT_WARNING_SECONDS,
    }
