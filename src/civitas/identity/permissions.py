"""Who may do what: roles per organisation, and MFA before any staff page."""

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from civitas.identity.models import Membership

# What each role may do. A permission not listed here is granted to nobody.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Membership.Role.CASEWORKER: {"cases.view", "cases.decide", "notify.view"},
    Membership.Role.SERVICE_OWNER: {"cases.view", "notify.view", "services.publish"},
    Membership.Role.ADMINISTRATOR: {"notify.view", "staff.manage"},
}


def has_permission(user: Any, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = set(user.memberships.values_list("role", flat=True))
    return any(permission in ROLE_PERMISSIONS.get(role, set()) for role in roles)


def staff_member_required(permission: str) -> Callable:
    """Signed in with a password and a verified second factor, and holding `permission`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect(f"/staff/sign-in?next={request.get_full_path()}")
            if not user.is_verified():
                return redirect(f"/staff/sign-in/code?next={request.get_full_path()}")
            if not has_permission(user, permission):
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
