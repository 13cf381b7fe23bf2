"""Who may do what, and for which organisation: the one check every staff view goes through.

A member of staff acts for one organisation at a time, chosen at sign-in (or switched
later, for people who work for several). Every staff view is wrapped in
`staff_member_required`, which finds the acting organisation, checks that the person holds
a role there that grants the permission, and hands the view a `StaffContext`. Views and
the domains' queries then filter by `staff.organisation.id`, so another organisation's
records are simply not found. A guard-rail test fails when a staff URL skips this.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.identity.models import Membership, Organisation
from civitas.identity.staff_sessions import SIGNED_IN_AT_KEY
from civitas.platform.security_log import security_event

# What each role may do. A permission not listed here is granted to nobody.
#   cases.view     list and open the organisation's cases (and read their history)
#   cases.sensitive  show a case's sensitive answers (health, income, identity documents),
#                  one deliberate, audited "Show" at a time: only the roles that work cases
#   cases.decide   approve or refuse a case
#   cases.work     take cases to work on: assign one to oneself, take the next case
#   cases.assign   assign a case of one's team to another member of that team
#   audit.view     read the audit trail
#   teams.manage   create teams and say who is in them
#   notify.view    read the messages sent (their recipients and words: personal data)
#   notify.templates  see the sending services, their templates, limits and use
#   pay.view       see the organisation's payments and refunds, and the daily reconciliation
#   pay.refund     give money back on a payment (in full or in part, with a reason)
#   insights.view  read the performance dashboards of the organisation's services (exact
#                  figures, before small numbers are suppressed for the public)
#   insights.feedback  read the comments citizens leave about the services (scrubbed)
#   insights.channels  enter the volumes by post, phone and in person, and channel costs
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Membership.Role.CASEWORKER: frozenset(
        {
            "cases.view",
            "cases.sensitive",
            "cases.decide",
            "cases.work",
            "cases.assist",
            "notify.view",
        }
    ),
    Membership.Role.TEAM_LEADER: frozenset(
        {
            "cases.view",
            "cases.sensitive",
            "cases.decide",
            "cases.work",
            "cases.assign",
            "cases.assist",
            "notify.view",
        }
    ),
    Membership.Role.SERVICE_OWNER: frozenset(
        {
            "cases.view",
            "services.publish",
            "services.preview",
            "notify.templates",
            "insights.view",
            "insights.feedback",
            "insights.channels",
        }
    ),
    # Finance reads cases for their fees, accounts for the payments and refunds them.
    Membership.Role.FINANCE: frozenset({"cases.view", "pay.view", "pay.refund"}),
    Membership.Role.ADMINISTRATOR: frozenset(
        {"notify.view", "notify.templates", "staff.manage", "teams.manage", "services.preview"}
    ),
    # Read-only by construction: no permission here lets anything change.
    Membership.Role.AUDITOR: frozenset({"cases.view", "audit.view", "pay.view"}),
}
READ_ONLY_PERMISSIONS = frozenset(
    {
        "cases.view",
        "audit.view",
        "notify.view",
        "notify.templates",
        "services.preview",
        "pay.view",
        "insights.view",
    }
)
"""Permissions that change nothing: the auditor holds only these (a test keeps it so)."""

ANY_ROLE = None
"""Pass to `staff_member_required` for pages every member of the organisation may see."""

ACTING_ORGANISATION_KEY = "staff:organisation"
"""Session key of the organisation a member of staff is acting for."""

STAFF_PERMISSION_ATTRIBUTE = "civitas_staff_permission"
"""Set on every view wrapped by the check, so the guard-rail test can find unwrapped ones."""


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class StaffContext:
    """A signed-in, verified member of staff acting for one organisation."""

    user: Any
    organisation: OrganisationRef
    roles: frozenset[str]

    def can(self, permission: str) -> bool:
        return any(permission in ROLE_PERMISSIONS.get(role, frozenset()) for role in self.roles)

    def role_for(self, permission: str) -> str:
        """The role under which the person does `permission`, as the public log names it."""
        for role in sorted(self.roles):
            if permission in ROLE_PERMISSIONS.get(role, frozenset()):
                return role
        raise PermissionDenied(permission)


def _ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


def list_staff_organisations(user: AbstractBaseUser | AnonymousUser) -> list[OrganisationRef]:
    """The organisations a person holds any role in, by name."""
    organisations = (
        Organisation.objects.filter(membership__user_id=user.pk).distinct().order_by("name")
    )
    return [_ref(organisation) for organisation in organisations]


def staff_context_for(
    user: AbstractBaseUser | AnonymousUser, organisation_id: int
) -> StaffContext | None:
    """The person's roles in one organisation, or None if they hold none there."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    memberships = list(
        Membership.objects.filter(user_id=user.pk, organisation_id=organisation_id).select_related(
            "organisation"
        )
    )
    if not memberships:
        return None
    return StaffContext(
        user=user,
        organisation=_ref(memberships[0].organisation),
        roles=frozenset(membership.role for membership in memberships),
    )


def act_for_organisation(request: HttpRequest, organisation_id: int) -> StaffContext | None:
    """Makes the signed-in person act for an organisation they belong to; None if not."""
    context = staff_context_for(request.user, organisation_id)
    if context is not None:
        request.session[ACTING_ORGANISATION_KEY] = organisation_id
    return context


def acting_staff_context(request: HttpRequest) -> StaffContext | None:
    """Who is acting, for which organisation; None when no organisation is chosen yet.

    Someone who belongs to one organisation only acts for it without choosing.
    """
    organisation_id = request.session.get(ACTING_ORGANISATION_KEY)
    if isinstance(organisation_id, int):
        context = staff_context_for(request.user, organisation_id)
        if context is not None:
            return context
        # The membership was removed since: they must choose again.
        request.session.pop(ACTING_ORGANISATION_KEY, None)
    organisations = list_staff_organisations(request.user)
    if len(organisations) == 1:
        return act_for_organisation(request, organisations[0].id)
    return None


class StaffRequest(HttpRequest):
    """The request a view wrapped in `staff_member_required` receives."""

    staff: StaffContext


def has_permission(staff: StaffContext | None, permission: str) -> bool:
    return staff is not None and staff.can(permission)


def _unless_signed_in(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the step of signing in not yet done; None once both are.

    Someone with a password and no confirmed authenticator (a person just invited) is
    sent to set one up: no staff page opens on a password alone.
    """
    next_query = urlencode({"next": request.get_full_path()})
    if request.user.is_authenticated and SIGNED_IN_AT_KEY not in request.session:
        # A session that did not start at the sign-in pages has no timeouts: end it.
        logout(request)
    if not request.user.is_authenticated:
        return redirect(f"/staff/sign-in?{next_query}")
    # is_verified is added to the user by django_otp's middleware.
    if not request.user.is_verified():  # type: ignore[attr-defined]
        if not _has_second_factor(request.user):
            return redirect("/staff/two-factor/set-up")
        return redirect(f"/staff/sign-in/code?{next_query}")
    return None


def _has_second_factor(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def staff_setting_up_second_factor(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Signed in with a password, and no authenticator confirmed yet: the one page that
    opens then is the one that sets it up. Anyone else is sent where they belong."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated or SIGNED_IN_AT_KEY not in request.session:
            return redirect("/staff/sign-in")
        if _has_second_factor(request.user):
            return redirect("/staff/")
        return view(request, *args, **kwargs)

    setattr(wrapped, STAFF_PERMISSION_ATTRIBUTE, "setting-up-second-factor")
    return wrapped


def staff_signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in with a password and a verified second factor; no organisation needed yet.

    Only for the pages that choose an organisation: everything else uses
    `staff_member_required`.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _unless_signed_in(request) or view(request, *args, **kwargs)

    setattr(wrapped, STAFF_PERMISSION_ATTRIBUTE, "signed-in")
    return wrapped


def _refused(
    request: HttpRequest, reason: str, permission: str | None, organisation: str | None = None
) -> None:
    security_event(
        "access.refused",
        reason=reason,
        staff=request.user.pk,
        organisation=organisation,
        permission=permission,
        view=getattr(request.resolver_match, "view_name", None) or None,
    )


def staff_member_required(
    permission: str | None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in with a second factor, acting for an organisation, holding `permission` there.

    The view finds the context in `request.staff` and must scope every look-up to
    `request.staff.organisation`. `permission=ANY_ROLE` admits any role.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if redirect_to_sign_in := _unless_signed_in(request):
                return redirect_to_sign_in
            staff = acting_staff_context(request)
            if staff is None:
                if list_staff_organisations(request.user):
                    next_query = urlencode({"next": request.get_full_path()})
                    return redirect(f"/staff/organisation?{next_query}")
                _refused(request, "no_organisation", permission)
                raise PermissionDenied("no organisation")
            if permission is not None and not staff.can(permission):
                _refused(request, "missing_permission", permission, staff.organisation.slug)
                raise PermissionDenied(permission)
            request.staff = staff  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        setattr(wrapped, STAFF_PERMISSION_ATTRIBUTE, permission or "any-role")
        return wrapped

    return decorator
