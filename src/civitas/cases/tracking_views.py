"""Track your application: the reference, then the one-time code emailed to the address
on the application, then where it stands (tracking.py)."""

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civitas.cases.conversation import MESSAGE_MAX_CHARS, MessageInvalid
from civitas.cases.payments import case_payment, pay_url
from civitas.cases.replies import reply_as_applicant
from civitas.cases.services import CaseNotFound
from civitas.cases.tracking import (
    CodeRefused,
    TooManyCodes,
    application_progress,
    check_tracking_code,
    send_tracking_code,
)
from civitas.cases.your_applications import is_account_application
from civitas.identity.public import signed_in_account_id
from civitas.pay.public import allow_payment_redirect
from civitas.platform.client_address import client_address
from civitas.platform.references import normalise_reference

PENDING = "tracking:reference"
"""Session key of the reference a code was asked for."""
GRANTED = "tracking:granted"
"""Session key: the references this session may see, with when that ends (epoch seconds)."""
MAX_FIELD = 100


@require_http_methods(["GET", "POST"])
def track_start(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    typed = request.POST.get("reference", "")[:MAX_FIELD]
    if request.method == "POST":
        reference = normalise_reference(typed) if typed.strip() else None
        if not typed.strip():
            errors["reference"] = _("Enter your application reference")
        elif reference is None:
            errors["reference"] = _(
                "Enter the reference as it is in your confirmation email, like K7M-2QH-4XP"
            )
        else:
            sent = send_tracking_code(reference, client=client_address(request))
            if isinstance(sent, TooManyCodes):
                minutes = max(1, sent.retry_after_seconds // 60)
                errors["reference"] = _(
                    "You have asked for too many codes. Try again in %(minutes)s minutes"
                ) % {"minutes": minutes}
            else:
                request.session[PENDING] = reference
                return redirect("/applications/code/")
    return render(
        request,
        "cases/track_start.html",
        {"errors": errors, "reference": typed},
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def track_code(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(PENDING)
    if not isinstance(reference, str):
        return redirect("/applications/")
    errors: dict[str, str] = {}
    if request.method == "POST":
        code = request.POST.get("code", "")[:MAX_FIELD].replace(" ", "")
        if not code:
            errors["code"] = _("Enter the code from the email")
        elif not code.isascii() or not code.isdigit() or len(code) != 6:
            errors["code"] = _("Enter the 6 numbers of the code from the email")
        else:
            try:
                check_tracking_code(reference, code)
            except CodeRefused as refused:
                errors["code"] = (
                    _("This code has expired. Ask for a new code")
                    if refused.why == "expired"
                    else _("The code is not right. Check the email, or ask for a new code")
                )
            else:
                granted = dict(request.session.get(GRANTED) or {})
                granted[reference] = int(time.time()) + 60 * settings.TRACKING_ACCESS_MINUTES
                request.session[GRANTED] = granted
                del request.session[PENDING]
                return redirect(f"/applications/{reference}/")
    return render(
        request,
        "cases/track_code.html",
        {"errors": errors, "minutes": settings.TRACKING_CODE_MINUTES},
        status=400 if errors else 200,
    )


def _may_see(request: HttpRequest, reference: str) -> bool:
    """A code emailed for the application opened it lately, or the citizen signed in to
    the account it was made from."""
    granted = request.session.get(GRANTED) or {}
    until = granted.get(reference) if isinstance(granted, dict) else None
    if isinstance(until, int) and until >= time.time():
        return True
    account_id = signed_in_account_id(request)
    return account_id is not None and is_account_application(
        reference=reference, account_id=account_id
    )


@require_http_methods(["GET", "POST"])
def track_application(request: HttpRequest, reference: str) -> HttpResponse:
    """The application's progress and its messages; posting answers them (replies.py)."""
    if not _may_see(request, reference):
        return redirect("/applications/")
    errors: dict[str, str] = {}
    reply = request.POST.get("reply", "")[: MESSAGE_MAX_CHARS * 2]
    if request.method == "POST":
        try:
            reply_as_applicant(reference=reference, text=reply, uploaded=request.FILES.get("file"))
        except CaseNotFound:
            return redirect("/applications/")
        except MessageInvalid as error:
            errors[error.field] = str(error)
        else:
            return redirect(f"/applications/{reference}/?sent=1")
    progress = application_progress(reference, language=translation.get_language() or "en")
    if progress is None:
        return redirect("/applications/")
    payment = case_payment(reference)
    response = render(
        request,
        "cases/track_application.html",
        {
            "progress": progress,
            # The fee, and the page to pay it on while the application waits for it.
            "case_payment": payment,
            "pay_url": pay_url(payment.service, reference) if payment is not None else "",
            "errors": errors,
            "reply": reply,
            "max_chars": MESSAGE_MAX_CHARS,
            "sent": request.method == "GET" and request.GET.get("sent") == "1",
        },
        status=400 if errors else 200,
    )
    return allow_payment_redirect(response) if payment is not None else response
