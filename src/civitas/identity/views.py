import datetime
import json
import math
import re
from collections.abc import Iterator
from typing import cast

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from civitas.identity.events import AuditTrailExported, OrganisationChosen
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
from civitas.identity.services import (
    TooManyAttempts,
    check_password,
    find_totp_device,
    verify_code,
)
from civitas.identity.staff_sessions import SIGNED_IN_AT_KEY, start_staff_session
from civitas.identity.staff_sso import organisations_with_single_sign_on
from civitas.platform.audit import (
    iter_organisation_audit_events,
    list_organisation_audit_events,
)
from civitas.platform.client_address import client_address
from civitas.platform.csv_export import csv_lines
from civitas.platform.events import publish
from civitas.platform.input_guards import has_unsafe_characters
from civitas.platform.redirects import next_url


def _next_url(request: HttpRequest) -> str:
    return next_url(request, default="/staff/")


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
                    # login() gives the session a new id: one planted before sign-in
                    # (session fixation) is worth nothing after it.
                    login(request, user)
                    start_staff_session(request)
                    if find_totp_device(user) is None:
                        return redirect("/staff/two-factor/set-up")
                    return redirect(f"/staff/sign-in/code?{_next_query(request)}")
    response = render(
        request,
        "identity/sign_in.html",
        {
            "errors": errors,
            "email": email,
            "next": _next_url(request),
            "form_has_errors": bool(errors),
            "single_sign_on": organisations_with_single_sign_on(),
        },
        status=_status(errors, retry_after_seconds),
    )
    if retry_after_seconds:
        response["Retry-After"] = str(retry_after_seconds)
    return response


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated or SIGNED_IN_AT_KEY not in request.session:
        return redirect("/staff/sign-in")
    if find_totp_device(request.user) is None:
        return redirect("/staff/two-factor/set-up")
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
    if has_permission(request.staff, "pay.view"):
        links.append({"href": "/staff/payments/", "text": gettext("Payments")})
    if has_permission(request.staff, "audit.view"):
        links.append({"href": "/staff/audit/", "text": gettext("Audit trail")})
    if has_permission(request.staff, "staff.manage"):
        links.append({"href": "/staff/people/", "text": "Staff"})
    return render(request, "identity/staff_home.html", {"links": links})


@require_GET
@staff_member_required("audit.view")
def audit_trail(request: StaffRequest) -> HttpResponse:
    """The acting organisation's audit trail, newest first: for auditors, read-only."""
    page = list_organisation_audit_events(
        organisation=request.staff.organisation.slug, cursor=request.GET.get("after")
    )
    return render(request, "identity/audit_trail.html", {"page": page, "errors": {}, "dates": {}})


AUDIT_COLUMNS = ["when", "action", "object type", "object", "actor type", "actor", "details"]
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _day(text: str) -> datetime.date | None:
    """A date written YYYY-MM-DD; None for anything else (digits checked before parsing)."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


@require_GET
@staff_member_required("audit.view")
def audit_export(request: StaffRequest) -> HttpResponse:
    """The acting organisation's audit events from one day to another (both included), as
    CSV, streamed as they are read, every cell guarded against spreadsheet formulas; the
    download is itself audited."""
    dates = {key: request.GET.get(key, "")[:20] for key in ("from", "to")}
    start, end = _day(dates["from"]), _day(dates["to"])
    errors = {}
    if start is None:
        errors["from"] = gettext("Enter the first day as a date, like 2026-01-31")
    if end is None:
        errors["to"] = gettext("Enter the last day as a date, like 2026-01-31")
    elif start is not None and end < start:
        errors["to"] = gettext("The last day must be the same as or after the first day")
    if errors or start is None or end is None:
        page = list_organisation_audit_events(organisation=request.staff.organisation.slug)
        return render(
            request,
            "identity/audit_trail.html",
            {"page": page, "errors": errors, "dates": dates, "form_has_errors": True},
            status=400,
        )
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    staff = request.staff

    def lines() -> Iterator[str]:
        count = 0

        def rows() -> Iterator[list[object]]:
            nonlocal count
            for event in iter_organisation_audit_events(
                organisation=staff.organisation.slug, start=since, end=until
            ):
                count += 1
                yield [
                    event.occurred_at.isoformat(),
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.actor_type,
                    event.actor_id,
                    json.dumps(event.details, sort_keys=True),
                ]

        try:
            yield from csv_lines(AUDIT_COLUMNS, rows())
        finally:
            publish(
                AuditTrailExported(
                    organisation=staff.organisation.slug,
                    staff_user_id=str(staff.user.pk),
                    start=start.isoformat(),
                    end=end.isoformat(),
                    rows=count,
                )
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"audit-{staff.organisation.slug}-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    # A streamed response is not an HttpResponse to the type checker, but is one to
    # every middleware and decorator on the way out.
    return cast("HttpResponse", response)
