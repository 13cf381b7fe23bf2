import math

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from civitas.identity.events import OrganisationChosen
from civitas.identity.permissions import (
    ACTING_ORGANISATION_KEY,
    ANY_ROLE,
    StaffRequest,
    act_for_organisation,
    acting_staff_context,
    has_permission,
    list_staff_organisations,
    staff_member_required,
    staff_signed_in,
)
from civitas.identity.services import TooManyAttempts, check_password, verify_code
from civitas.platform.audit import list_organisation_audit_events
from civitas.platform.client_address import client_address
from civitas.platform.events import publish
from civitas.platform.input_guards import has_unsafe_characters


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/staff/"


def _next_query(request: HttpRequest) -> str:
    return urlencode({"next": _next_url(request)})


def _try_again_in(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many attempts. Try again in %(minutes)s minute",
        "Too many attempts. Try again in %(minutes)s minutes",
        minutes,
    ) % {"minutes": minutes}


def _status(errors: dict[str, str], retry_after_seconds: int) -> int:
    if retry_after_seconds:
        return 429
    return 400 if errors else 200


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    email = ""
    retry_after_seconds = 0
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        password = request.POST.get("password", "")
        if not email:
            errors["email"] = gettext("Enter your email address")
        elif has_unsafe_characters(email):
            # No address has them, and PostgreSQL refuses NUL: do not look it up.
            errors["email"] = gettext("Enter a correct email address and password")
        if not password:
            errors["password"] = gettext("Enter your password")
        if not errors:
            try:
                user = check_password(request=request, email=email, password=password)
            except TooManyAttempts as refusal:
                retry_after_seconds = refusal.retry_after_seconds
                errors["email"] = _try_again_in(retry_after_seconds)
            else:
                if user is None:
                    errors["email"] = gettext("Enter a correct email address and password")
                else:
                    login(request, user)
                    return redirect(f"/staff/sign-in/code?{_next_query(request)}")
    response = render(
        request,
        "identity/sign_in.html",
        {
            "errors": errors,
            "email": email,
            "next": _next_url(request),
            "form_has_errors": bool(errors),
        },
        status=_status(errors, retry_after_seconds),
    )
    if retry_after_seconds:
        response["Retry-After"] = str(retry_after_seconds)
    return response


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("/staff/sign-in")
    errors: dict[str, str] = {}
    retry_after_seconds = 0
    if request.method == "POST":
        code = request.POST.get("code", "")
        if not code.strip():
            errors["code"] = gettext("Enter the 6-digit code from your authenticator app")
        else:
            try:
                device = verify_code(user=request.user, code=code, source=client_address(request))
            except TooManyAttempts as refusal:
                retry_after_seconds = refusal.retry_after_seconds
                errors["code"] = _try_again_in(retry_after_seconds)
            else:
                if device is None:
                    errors["code"] = gettext(
                        "The code is not correct or has been used. Enter the current code"
                    )
                else:
                    otp_login(request, device)
                    # A new session id for the fully signed-in session: one seen before
                    # this point (over a shoulder, in a log) is worth nothing now.
                    request.session.cycle_key()
                    if acting_staff_context(request) is None:
                        # Someone who works for several organisations says which, first.
                        return redirect(f"/staff/organisation?{_next_query(request)}")
                    return redirect(_next_url(request))
    response = render(
        request,
        "identity/enter_code.html",
        {"errors": errors, "next": _next_url(request), "form_has_errors": bool(errors)},
        status=_status(errors, retry_after_seconds),
    )
    if retry_after_seconds:
        response["Retry-After"] = str(retry_after_seconds)
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/staff/sign-in")


@require_http_methods(["GET", "POST"])
@staff_signed_in
def choose_organisation(request: HttpRequest) -> HttpResponse:
    """Which organisation a member of staff acts for; they can only pick their own."""
    organisations = list_staff_organisations(request.user)
    errors: dict[str, str] = {}
    current = request.session.get(ACTING_ORGANISATION_KEY)
    if request.method == "POST":
        chosen = request.POST.get("organisation", "")
        by_slug = {organisation.slug: organisation for organisation in organisations}
        if chosen not in by_slug:
            errors["organisation"] = gettext("Select the organisation you are working for")
        else:
            act_for_organisation(request, by_slug[chosen].id)
            publish(OrganisationChosen(user_id=str(request.user.pk), organisation=chosen))
            return redirect(_next_url(request))
    return render(
        request,
        "identity/choose_organisation.html",
        {
            "organisations": organisations,
            "current": current,
            "errors": errors,
            "next": _next_url(request),
            "form_has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


@require_GET
@staff_member_required(ANY_ROLE)
def staff_home(request: StaffRequest) -> HttpResponse:
    links = []
    if has_permission(request.staff, "cases.view"):
        links.append({"href": "/staff/cases/", "text": gettext("Cases")})
    if has_permission(request.staff, "notify.view"):
        links.append({"href": "/staff/messages/", "text": gettext("Sent emails")})
    if has_permission(request.staff, "audit.view"):
        links.append({"href": "/staff/audit/", "text": gettext("Audit trail")})
    return render(request, "identity/staff_home.html", {"links": links})


@require_GET
@staff_member_required("audit.view")
def audit_trail(request: StaffRequest) -> HttpResponse:
    """The acting organisation's audit trail, newest first: for auditors, read-only."""
    page = list_organisation_audit_events(
        organisation=request.staff.organisation.slug, cursor=request.GET.get("after")
    )
    return render(request, "identity/audit_trail.html", {"page": page})
