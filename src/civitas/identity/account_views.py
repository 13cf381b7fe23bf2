"""A citizen's account pages: create, confirm, sign in (password, emailed link, second
factor), reset, two factors, new password, new address, sign out (accounts.py does the
work; account_sessions.py keeps who is signed in).

Every page works without JavaScript; bad input is a 400 with the GOV.UK error summary, a
refusal for too many attempts a 429 saying when to try again, with Retry-After. A page an
emailed link opens only shows a button: the POST spends the link, so a mail scanner that
fetches links does not use it up.
"""

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civitas.identity import account_sessions, accounts, oidc
from civitas.identity.account_sessions import (
    end_account_session,
    hold_for_second_factor,
    pending_account_id,
    signed_in_account,
    start_account_session,
)
from civitas.identity.accounts import (
    AccountInvalid,
    AccountRef,
    LinkRefused,
    Purpose,
    TooManyAttempts,
    Unverified,
)
from civitas.platform.client_address import client_address
from civitas.platform.redirects import next_url

HOME = "/account/"
MAX_FIELD = 1000

View = Callable[..., HttpResponse]


def _language() -> str:
    code = (get_language() or "en").split("-")[0]
    return code if code in ("en", "cy") else "en"


def _next_url(request: HttpRequest) -> str:
    return next_url(request, default=HOME)


def _field(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:MAX_FIELD]


def _try_again_in(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many attempts. Try again in %(minutes)s minute",
        "Too many attempts. Try again in %(minutes)s minutes",
        minutes,
    ) % {"minutes": minutes}


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    retry_after_seconds: int = 0,
) -> HttpResponse:
    errors = errors or {}
    status = 429 if retry_after_seconds else (400 if errors else 200)
    response = render(
        request,
        f"identity/account/{template}",
        {**context, "errors": errors, "form_has_errors": bool(errors), "next": _next_url(request)},
        status=status,
    )
    if retry_after_seconds:
        response["Retry-After"] = str(retry_after_seconds)
    return response


def account_required(view: View) -> View:
    """The view runs only for a signed-in citizen, who is handed to it; anyone else is
    sent to sign in and brought back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = signed_in_account(request)
        if account is None:
            return redirect(f"/account/sign-in?{urlencode({'next': request.get_full_path()})}")
        return view(request, account, *args, **kwargs)

    return wrapper


def _signed_in(request: HttpRequest, account: AccountRef) -> HttpResponse:
    start_account_session(request, account, language=_language())
    return redirect(_next_url(request))


def _first_factor_passed(request: HttpRequest, account: AccountRef) -> HttpResponse:
    """After a right password or link: the second factor if the account has one."""
    if account.has_two_factors:
        hold_for_second_factor(request, account)
        return redirect(f"/account/sign-in/code?{urlencode({'next': _next_url(request)})}")
    return _signed_in(request, account)


# --- Creating an account ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def create_account(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    email = _field(request, "email")
    if request.method == "POST":
        password = _field(request, "password")
        try:
            accounts.sign_up(
                email=email, password=password, language=_language(), client=client_address(request)
            )
        except AccountInvalid as invalid:
            errors[invalid.field] = str(invalid)
            if invalid.field == "email":
                # Say what is wrong with both at once, as the error summary lists them.
                try:
                    accounts.check_new_password(password)
                except AccountInvalid as also:
                    errors[also.field] = str(also)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["email"] = _try_again_in(retry)
        else:
            return redirect("/account/check-your-email?sent=confirm")
    return _page(request, "create.html", {"email": email}, errors=errors, retry_after_seconds=retry)


@require_http_methods(["GET"])
def check_your_email(request: HttpRequest) -> HttpResponse:
    return _page(request, "check_email.html", {"sent": request.GET.get("sent", "")[:20]})


def _link_page(
    request: HttpRequest, token: str, purpose: str, *, title: str, button: str
) -> HttpResponse | None:
    """The page a link opens (GET), or its refusal; None to go on and spend it (POST,
    where using the link checks it)."""
    if request.method != "GET":
        return None
    try:
        accounts.check_link(token, purpose, client=client_address(request))
    except LinkRefused as refused:
        return _link_refused(request, refused, purpose)
    except TooManyAttempts as refusal:
        return _link_too_many(request, refusal)
    return _page(request, "link.html", {"title": title, "button": button})


def _link_refused(request: HttpRequest, refused: LinkRefused, purpose: str) -> HttpResponse:
    ask_again = {
        Purpose.VERIFY_EMAIL: "/account/sign-in",
        Purpose.SIGN_IN: "/account/sign-in/email-link",
        Purpose.RESET_PASSWORD: "/account/reset-password",
        Purpose.CHANGE_EMAIL: "/account/email",
    }[Purpose(purpose)]
    if refused.why == "used":
        message = gettext("This link has already been used. Each link works once only.")
    elif refused.why == "expired":
        message = gettext("This link has expired.")
    else:
        message = gettext("This link is not right. Check you copied all of it from the email.")
    return render(
        request,
        "identity/account/link_refused.html",
        {"message": message, "ask_again": ask_again, "errors": {}},
        status=410 if refused.why in ("used", "expired") else 404,
    )


def _link_too_many(request: HttpRequest, refusal: TooManyAttempts) -> HttpResponse:
    return _page(
        request,
        "link.html",
        {"title": gettext("Try again later"), "button": ""},
        errors={"link": _try_again_in(refusal.retry_after_seconds)},
        retry_after_seconds=refusal.retry_after_seconds,
    )


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    page = _link_page(
        request,
        token,
        Purpose.VERIFY_EMAIL,
        title=gettext("Confirm your email address"),
        button=gettext("Confirm and sign in"),
    )
    if page is not None:
        return page
    try:
        account = accounts.confirm_email(token, client=client_address(request))
    except LinkRefused as refused:
        return _link_refused(request, refused, Purpose.VERIFY_EMAIL)
    except TooManyAttempts as refusal:
        return _link_too_many(request, refusal)
    return _first_factor_passed(request, account)


# --- Signing in ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    email = _field(request, "email")
    if request.method == "POST":
        password = _field(request, "password")
        if not email.strip():
            errors["email"] = gettext("Enter your email address")
        if not password:
            errors["password"] = gettext("Enter your password")
        if not errors:
            try:
                outcome = accounts.check_account_password(
                    email=email, password=password, client=client_address(request)
                )
            except TooManyAttempts as refusal:
                retry = refusal.retry_after_seconds
                errors["email"] = _try_again_in(retry)
            else:
                if isinstance(outcome, Unverified):
                    return redirect("/account/check-your-email?sent=confirm-again")
                if outcome is None:
                    errors["email"] = gettext("Enter a correct email address and password")
                else:
                    return _first_factor_passed(request, outcome)
    return _page(
        request,
        "sign_in.html",
        {"email": email, "identity_provider": oidc.is_configured()},
        errors=errors,
        retry_after_seconds=retry,
    )


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    account_id = pending_account_id(request)
    if account_id is None:
        return redirect("/account/sign-in")
    errors: dict[str, str] = {}
    retry = 0
    if request.method == "POST":
        code = _field(request, "code")
        if not code.strip():
            errors["code"] = gettext("Enter the 6-digit code from your authenticator app")
        else:
            try:
                right = accounts.check_second_factor(
                    account_id, code, client=client_address(request)
                )
            except TooManyAttempts as refusal:
                retry = refusal.retry_after_seconds
                errors["code"] = _try_again_in(retry)
            else:
                account = accounts.find_account(account_id) if right else None
                if account is not None:
                    return _signed_in(request, account)
                errors["code"] = gettext(
                    "The code is not correct or has been used. Enter the current code, "
                    "or a recovery code"
                )
    return _page(request, "enter_code.html", {}, errors=errors, retry_after_seconds=retry)


def _ask_for_link(request: HttpRequest, purpose: str, template: str) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    email = _field(request, "email")
    if request.method == "POST":
        try:
            accounts.send_link_by_email(
                email=email, purpose=purpose, client=client_address(request)
            )
        except AccountInvalid as invalid:
            errors["email"] = str(invalid)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["email"] = _try_again_in(retry)
        else:
            return redirect(f"/account/check-your-email?sent={purpose}")
    return _page(
        request,
        template,
        {"email": email, "link_minutes": settings.ACCOUNT_SIGN_IN_LINK_MINUTES},
        errors=errors,
        retry_after_seconds=retry,
    )


@require_http_methods(["GET", "POST"])
def ask_for_sign_in_link(request: HttpRequest) -> HttpResponse:
    return _ask_for_link(request, Purpose.SIGN_IN, "ask_sign_in_link.html")


@require_http_methods(["GET", "POST"])
def sign_in_by_link(request: HttpRequest, token: str) -> HttpResponse:
    page = _link_page(
        request, token, Purpose.SIGN_IN, title=gettext("Sign in"), button=gettext("Sign in")
    )
    if page is not None:
        return page
    try:
        account = accounts.use_sign_in_link(token, client=client_address(request))
    except LinkRefused as refused:
        return _link_refused(request, refused, Purpose.SIGN_IN)
    except TooManyAttempts as refusal:
        return _link_too_many(request, refusal)
    return _first_factor_passed(request, account)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_account_session(request)
    return redirect("/account/sign-in?signed_out=1")


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """The timeout warning's "Stay signed in": keeps a live session going."""
    left = account_sessions.keep_alive(request)
    if not left:
        return JsonResponse({"alive": False, "timed_out_url": "/account/timed-out"})
    return JsonResponse({"alive": True, "expires_in_seconds": left})


@require_GET
def timed_out(request: HttpRequest) -> HttpResponse:
    """Where the timeout warning sends a citizen at its count: the session is ended."""
    end_account_session(request)
    return render(request, "identity/account/timed_out.html")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Ends every session of the account, on every device: after a lost phone, say."""
    account = signed_in_account(request)
    if account is not None:
        accounts.end_every_session(account.id)
    end_account_session(request)
    return redirect("/account/sign-in?signed_out=1")


# --- Recovery --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def ask_for_reset(request: HttpRequest) -> HttpResponse:
    return _ask_for_link(request, Purpose.RESET_PASSWORD, "ask_reset.html")


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest, token: str) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    if request.method == "GET":
        try:
            accounts.check_link(token, Purpose.RESET_PASSWORD, client=client_address(request))
        except LinkRefused as refused:
            return _link_refused(request, refused, Purpose.RESET_PASSWORD)
        except TooManyAttempts as refusal:
            return _link_too_many(request, refusal)
    if request.method == "POST":
        try:
            accounts.reset_password(
                token, password=_field(request, "password"), client=client_address(request)
            )
        except AccountInvalid as invalid:
            errors[invalid.field] = str(invalid)
        except LinkRefused as refused:
            return _link_refused(request, refused, Purpose.RESET_PASSWORD)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["password"] = _try_again_in(retry)
        else:
            # Signed out everywhere; signing in again asks for the second factor if on.
            end_account_session(request)
            return redirect("/account/sign-in?reset=1")
    return _page(request, "reset.html", {}, errors=errors, retry_after_seconds=retry)


# --- The signed-in citizen's settings --------------------------------------------------


def _qr_svg(uri: str) -> str:
    """The QR code of an otpauth URI as an SVG data URI, for an <img> (the content
    security policy allows data: images, not inline markup of our making)."""
    import segno  # only this page draws QR codes

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c"))


@require_http_methods(["GET", "POST"])
@account_required
def two_factor(request: HttpRequest, account: AccountRef) -> HttpResponse:
    """Sets two factors up (a secret shown as a QR code, confirmed by a code from it, then
    ten recovery codes shown once) or turns them off."""
    errors: dict[str, str] = {}
    retry = 0
    action = request.POST.get("action", "")
    context: dict[str, Any] = {"account": account}
    if request.method == "POST" and action in ("start", "confirm"):
        try:
            if action == "start":
                accounts.begin_two_factor(account.id)
            else:
                set_up = accounts.confirm_two_factor(account.id, _field(request, "code"))
                return _page(request, "recovery_codes.html", {"codes": set_up.recovery_codes})
        except AccountInvalid as invalid:
            errors["code"] = str(invalid)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["code"] = _try_again_in(retry)
        try:
            uri = accounts.provisioning_uri(account.id)
        except AccountInvalid as invalid:
            errors["code"] = str(invalid)
        else:
            secret = uri.split("secret=", 1)[1].split("&", 1)[0]
            context.update(
                qr=_qr_svg(uri),
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            )
        return _page(
            request, "two_factor_set_up.html", context, errors=errors, retry_after_seconds=retry
        )
    if request.method == "POST" and action == "turn-off":
        try:
            accounts.turn_off_two_factor(
                account.id, code=_field(request, "code"), client=client_address(request)
            )
        except AccountInvalid as invalid:
            errors["code"] = str(invalid)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["code"] = _try_again_in(retry)
        else:
            return redirect(f"{HOME}?two_factor=off")
    return _page(request, "two_factor.html", context, errors=errors, retry_after_seconds=retry)


@require_http_methods(["GET", "POST"])
@account_required
def change_password(request: HttpRequest, account: AccountRef) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    if request.method == "POST":
        try:
            changed = accounts.change_password(
                account.id,
                current_password=_field(request, "current_password"),
                new_password=_field(request, "new_password"),
                client=client_address(request),
            )
        except AccountInvalid as invalid:
            errors[invalid.field] = str(invalid)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["current_password"] = _try_again_in(retry)
        else:
            # Every other session ended; this one goes on, under a new id.
            start_account_session(request, changed, language=_language())
            return redirect(f"{HOME}?password=changed")
    return _page(request, "change_password.html", {}, errors=errors, retry_after_seconds=retry)


@require_http_methods(["GET", "POST"])
@account_required
def contact_preference(request: HttpRequest, account: AccountRef) -> HttpResponse:
    """Email or text messages, for the messages about the citizen's applications."""
    errors: dict[str, str] = {}
    chosen = _field(request, "contact")
    if request.method == "POST":
        if chosen not in ("email", "text"):
            errors["contact"] = gettext("Select how you want us to contact you")
        else:
            accounts.set_contact_preference(account.id, prefers_text_messages=chosen == "text")
            return redirect(f"{HOME}?contact=changed")
    else:
        chosen = "text" if account.prefers_text_messages else "email"
    return _page(request, "contact_preference.html", {"chosen": chosen}, errors=errors)


@require_http_methods(["GET", "POST"])
@account_required
def change_email(request: HttpRequest, account: AccountRef) -> HttpResponse:
    errors: dict[str, str] = {}
    retry = 0
    email = _field(request, "email")
    if request.method == "POST":
        try:
            accounts.ask_to_change_email(
                account.id,
                new_email=email,
                password=_field(request, "password"),
                client=client_address(request),
            )
        except AccountInvalid as invalid:
            errors[invalid.field] = str(invalid)
        except TooManyAttempts as refusal:
            retry = refusal.retry_after_seconds
            errors["email"] = _try_again_in(retry)
        else:
            return redirect("/account/check-your-email?sent=change-email")
    return _page(
        request,
        "change_email.html",
        {"email": email, "account": account},
        errors=errors,
        retry_after_seconds=retry,
    )


@require_http_methods(["GET", "POST"])
def confirm_new_email(request: HttpRequest, token: str) -> HttpResponse:
    page = _link_page(
        request,
        token,
        Purpose.CHANGE_EMAIL,
        title=gettext("Confirm your new email address"),
        button=gettext("Use this email address"),
    )
    if page is not None:
        return page
    try:
        accounts.confirm_email_change(token, client=client_address(request))
    except LinkRefused as refused:
        return _link_refused(request, refused, Purpose.CHANGE_EMAIL)
    except TooManyAttempts as refusal:
        return _link_too_many(request, refusal)
    return redirect(f"{HOME}?email=changed")
