"""Pages for an organisation's staff list, invitations, a new authenticator, and sessions.

Staff pages are in English only.
"""

import time
from typing import Any

import segno
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from civitas.identity.models import Membership, StaffUser
from civitas.identity.permissions import (
    StaffRequest,
    acting_staff_context,
    staff_member_required,
    staff_setting_up_second_factor,
    staff_signed_in,
)
from civitas.identity.staff_accounts import (
    InviteInvalid,
    InviteNotUsable,
    accept_invite,
    confirm_totp_device,
    deactivate_staff_member,
    find_usable_invite,
    invite_staff_member,
    list_staff_members,
    pending_totp_device,
    sign_out_everywhere,
    totp_secret_base32,
)
from civitas.identity.staff_sessions import (
    ACTIVE_AT_KEY,
    seconds_left,
    start_staff_session,
)
from civitas.identity.teams import list_teams

ROLE_LABELS = dict(Membership.Role.choices)


def _people_page(
    request: StaffRequest, *, errors: dict[str, str], form: dict[str, Any], status: int
) -> HttpResponse:
    teams = list_teams(request.staff.organisation.id)
    return render(
        request,
        "identity/people.html",
        {
            "members": list_staff_members(request.staff.organisation.id),
            "teams": teams,
            "team_options": [{"value": team.slug, "label": team.name} for team in teams],
            "role_options": [
                {"value": value, "label": label} for value, label in Membership.Role.choices
            ],
            "role_labels": ROLE_LABELS,
            "errors": errors,
            "form": form,
            "form_has_errors": bool(errors),
            "invited": request.GET.get("invited") == "1",
            "deactivated": request.GET.get("deactivated") == "1",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_member_required("staff.manage")
def people(request: StaffRequest) -> HttpResponse:
    """The organisation's staff, and the form that invites someone to join it."""
    if request.method == "GET":
        return _people_page(request, errors={}, form={"teams": []}, status=200)
    form: dict[str, Any] = {
        "email": request.POST.get("email", "")[:320],
        "display_name": request.POST.get("display_name", "")[:200],
        "role": request.POST.get("role", "")[:40],
        "teams": [slug[:60] for slug in request.POST.getlist("teams")[:50]],
    }
    try:
        invite_staff_member(
            staff=request.staff,
            email=str(form["email"]),
            display_name=str(form["display_name"]),
            role=str(form["role"]),
            team_slugs=list(form["teams"]),
        )
    except InviteInvalid as invalid:
        return _people_page(request, errors=invalid.errors, form=form, status=400)
    return redirect("/staff/people/?invited=1")


@require_POST
@staff_member_required("staff.manage")
def deactivate(request: StaffRequest, user_id: int) -> HttpResponse:
    """Takes a person off the organisation's staff; their sessions end at once."""
    if not deactivate_staff_member(staff=request.staff, user_id=user_id):
        raise Http404("no such member of staff")
    return redirect("/staff/people/?deactivated=1")


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """Where an invitation's link leads: the person chooses their password."""
    try:
        invite = find_usable_invite(secret)
    except InviteNotUsable:
        return render(request, "identity/invite_unusable.html", status=404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.POST.get("password", "")
        confirmation = request.POST.get("password_confirmation", "")
        if not password:
            errors["password"] = "Enter a password"  # noqa: S105
        elif len(password) > 200:
            errors["password"] = "Password must be 200 characters or fewer"  # noqa: S105
        elif password != confirmation:
            errors["password_confirmation"] = "The passwords do not match"  # noqa: S105
        else:
            try:
                user = accept_invite(secret=secret, password=password)
            except ValidationError as refused:
                errors["password"] = " ".join(refused.messages)
            except InviteNotUsable:
                return render(request, "identity/invite_unusable.html", status=404)
            else:
                if request.user.is_authenticated:
                    logout(request)
                # login() gives the session a new id.
                login(request, user)
                start_staff_session(request)
                return redirect("/staff/two-factor/set-up")
    return render(
        request,
        "identity/invite_accept.html",
        {"invite": invite, "errors": errors, "form_has_errors": bool(errors)},
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_setting_up_second_factor
def set_up_second_factor(request: HttpRequest) -> HttpResponse:
    """A QR code for the person's authenticator app, and a code from it to confirm it."""
    user = request.user
    assert isinstance(user, StaffUser)
    device = pending_totp_device(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.POST.get("code", "")[:20]
        if not code.strip():
            errors["code"] = "Enter the 6-digit code from your authenticator app"
        else:
            confirmed = confirm_totp_device(user=user, code=code)
            if confirmed is None:
                errors["code"] = "The code is not correct. Enter the code your app shows now"
            else:
                otp_login(request, confirmed)
                # A new session id for the fully signed-in session.
                request.session.cycle_key()
                if acting_staff_context(request) is None:
                    return redirect("/staff/organisation")
                return redirect("/staff/")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title="QR code for your authenticator app"
    )
    return render(
        request,
        "identity/two_factor_set_up.html",
        {
            "qr_svg": qr_svg,
            "secret": totp_secret_base32(device),
            "errors": errors,
            "form_has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


@require_POST
@staff_signed_in
def sign_out_from_everywhere(request: HttpRequest) -> HttpResponse:
    """Ends every session of the person, on every device, this one included."""
    user = request.user
    assert isinstance(user, StaffUser)
    sign_out_everywhere(user)
    logout(request)
    return redirect("/staff/sign-in?signed-out-everywhere=1")


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """The timeout warning's "Continue": keeps a live staff session going, says how long
    it now has. Answers `alive: false` for a session that has ended (nothing to reveal)."""
    if not request.user.is_authenticated or seconds_left(request) == 0:
        return JsonResponse({"alive": False, "timed_out_url": "/staff/timed-out"})
    request.session[ACTIVE_AT_KEY] = time.time()
    return JsonResponse({"alive": True, "expires_in_seconds": seconds_left(request)})


@require_http_methods(["GET"])
def timed_out(request: HttpRequest) -> HttpResponse:
    """Where the timeout warning sends someone at its count: the session is ended."""
    if request.user.is_authenticated:
        logout(request)
    return render(request, "identity/timed_out.html")
