"""The hosted card pages a payer is sent to (next_url): enter card details, 3-D Secure,
confirm; and the ends of the road (declined, technical problem, session ended).

Opening next_url spends its one-time token: the payment is bound to that browser's
session, and only that session may go on with it. No page needs JavaScript."""

import datetime
import urllib.parse

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import cards, lifecycle, services
from .models import Payment
from .wording import pounds, words_for

SESSION_KEY = "payments"


class ContentSecurityPolicyMiddleware:
    """A strict policy for every response: the sandbox's own styles and images only, no
    script at all. A form whose answer redirects to the service (confirm, cancel) names
    the service's origin too, as browsers hold form redirects to form-action."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        form_action = " ".join(["'self'", *getattr(response, "form_targets", [])])
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        )
        response.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _page(request: HttpRequest, payment: Payment, template: str, status: int = 200, **context):
    if "values" in context:
        errors = context["errors"]
        context["fields"] = {
            name: {"value": value, "error": errors.get(name, "")}
            for name, value in context["values"].items()
        }
    response = render(
        request,
        f"pay_sandbox/{template}",
        {
            "payment": payment,
            "t": words_for(payment.language),
            "amount": pounds(payment.amount),
            **context,
        },
        status=status,
    )
    response.form_targets = [_origin(payment.return_url)]  # type: ignore[attr-defined]
    return response


def _to_service(payment: Payment) -> HttpResponse:
    return HttpResponseRedirect(payment.return_url, status=303)


def _held_payment(request: HttpRequest, payment_id: str) -> Payment:
    """The payment this browser opened next_url for; any other is not found here."""
    if payment_id not in request.session.get(SESSION_KEY, []):
        raise Http404
    services.expire_overdue()
    payment = Payment.objects.filter(payment_id=payment_id).first()
    if payment is None:  # the sandbox's state was cleared under the payer's feet
        raise Http404
    return payment


def _ended(request: HttpRequest, payment: Payment) -> HttpResponse:
    return _page(request, payment, "ended.html")


# --- Arriving ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def secure(request: HttpRequest, token: str) -> HttpResponse:
    return _arrive(request, token)


@csrf_exempt  # The service's own page posts here (next_url_post), as to GOV.UK Pay.
@require_POST
def secure_post(request: HttpRequest) -> HttpResponse:
    return _arrive(request, request.POST.get("chargeTokenId", ""))


def _arrive(request: HttpRequest, token: str) -> HttpResponse:
    services.expire_overdue()
    payment = Payment.objects.filter(token=token).first() if token else None
    if payment is None:
        raise Http404
    held = request.session.get(SESSION_KEY, [])
    if payment.status in lifecycle.FINISHED:
        return _ended(request, payment)
    if payment.payment_id not in held:
        # The first to open the link takes it; a copy opened elsewhere goes nowhere.
        if not Payment.objects.filter(payment_id=payment.payment_id, token_used=False).update(
            token_used=True
        ):
            raise Http404
        request.session[SESSION_KEY] = [*held[-9:], payment.payment_id]
    services.start(payment)
    return HttpResponseRedirect(_next_page(payment), status=303)


def _next_page(payment: Payment) -> str:
    payment.refresh_from_db()
    if payment.awaiting_3ds:
        return f"/card_details/{payment.payment_id}/3ds"
    if payment.status == lifecycle.SUBMITTED:
        return f"/card_details/{payment.payment_id}/confirm"
    return f"/card_details/{payment.payment_id}"


# --- Enter card details -----------------------------------------------------------------

FIELDS = (
    "card_number",
    "expiry_month",
    "expiry_year",
    "cardholder_name",
    "security_code",
    "address_line_1",
    "address_line_2",
    "address_city",
    "address_postcode",
    "email",
)


@require_http_methods(["GET", "POST"])
def card_details(request: HttpRequest, payment_id: str) -> HttpResponse:
    payment = _held_payment(request, payment_id)
    if payment.status in lifecycle.FINISHED:
        return _ended(request, payment)
    if payment.status != lifecycle.STARTED or payment.awaiting_3ds:
        return HttpResponseRedirect(_next_page(payment), status=303)
    if request.method == "GET":
        values = {name: "" for name in FIELDS} | {"email": payment.email}
        return _page(request, payment, "card_details.html", values=values, errors={})
    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    errors, number, expiry = check_card_form(
        values, moto=payment.moto, words=words_for(payment.language)
    )
    if errors:
        return _page(
            request, payment, "card_details.html", status=400, values=values, errors=errors
        )
    card = cards.decide(number)
    billing_address = {
        "line1": values["address_line_1"],
        "line2": values["address_line_2"] or None,
        "postcode": values["address_postcode"].upper(),
        "city": values["address_city"],
        "country": "GB",
    }
    fields = services.card_fields(
        number=number,
        card=card,
        cardholder_name=values["cardholder_name"],
        expiry=expiry,
        billing_address=billing_address,
    )
    if not payment.moto:
        fields["email"] = values["email"]
    if not services.submit_card(payment, card=card, fields=fields):
        payment.refresh_from_db()
        return _ended(request, payment)
    payment.refresh_from_db()
    return _after_bank(request, payment, card)


def _after_bank(request: HttpRequest, payment: Payment, card: cards.TestCard) -> HttpResponse:
    if payment.status == lifecycle.ERROR:
        return _page(request, payment, "problem.html")
    if payment.status == lifecycle.FAILED:
        return _page(
            request, payment, "declined.html", card_expired=card.outcome is cards.Outcome.EXPIRED
        )
    return HttpResponseRedirect(_next_page(payment), status=303)


def check_card_form(
    values: dict[str, str], *, moto: bool, words: dict[str, str], today: datetime.date | None = None
) -> tuple[dict[str, str], str, tuple[int, int]]:
    """The errors of a filled card form (field -> message, in the page's order), the
    card number's digits and the expiry (month, year)."""
    today = today or datetime.date.today()
    errors: dict[str, str] = {}
    number = cards.normalise_card_number(values["card_number"])
    if not number:
        errors["card_number"] = words["enter_card_number"]
    elif not cards.is_plausible_card_number(number):
        errors["card_number"] = words["invalid_card_number"]
    expiry = cards.expiry_of(values["expiry_month"], values["expiry_year"])
    if not values["expiry_month"] and not values["expiry_year"]:
        errors["expiry_month"] = words["enter_expiry"]
    elif expiry is None:
        errors["expiry_month"] = words["invalid_expiry"]
    elif cards.has_expired(*expiry, today=today):
        errors["expiry_month"] = words["card_has_expired"]
    if not values["cardholder_name"]:
        errors["cardholder_name"] = words["enter_name"]
    elif len(values["cardholder_name"]) > 255:
        errors["cardholder_name"] = words["too_long"]
    code = values["security_code"]
    if not (code.isdigit() and len(code) in {3, 4}):
        errors["security_code"] = words["invalid_security_code"]
    if not values["address_line_1"]:
        errors["address_line_1"] = words["enter_address"]
    if not values["address_city"]:
        errors["address_city"] = words["enter_city"]
    postcode = values["address_postcode"].replace(" ", "")
    if not (postcode.isalnum() and 5 <= len(postcode) <= 7):
        errors["address_postcode"] = words["enter_postcode"]
    for name in ("address_line_1", "address_line_2", "address_city"):
        if name not in errors and len(values[name]) > 100:
            errors[name] = words["too_long"]
    if not moto:
        email = values["email"]
        if "@" not in email or len(email) > 254 or " " in email or "." not in email.split("@")[-1]:
            errors["email"] = words["enter_email"]
    return errors, number, expiry or (0, 0)


# --- 3-D Secure -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def three_ds(request: HttpRequest, payment_id: str) -> HttpResponse:
    payment = _held_payment(request, payment_id)
    if payment.status in lifecycle.FINISHED:
        return _ended(request, payment)
    if not payment.awaiting_3ds:
        return HttpResponseRedirect(_next_page(payment), status=303)
    if request.method == "GET":
        return _page(request, payment, "three_ds.html")
    passed = request.POST.get("outcome") == "pass"
    if not services.complete_3ds(payment, passed=passed):
        payment.refresh_from_db()
        return _ended(request, payment)
    payment.refresh_from_db()
    if payment.status == lifecycle.FAILED:
        return _page(request, payment, "declined.html", card_expired=False)
    return HttpResponseRedirect(_next_page(payment), status=303)


# --- Confirm ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, payment_id: str) -> HttpResponse:
    payment = _held_payment(request, payment_id)
    if request.method == "POST":
        if services.confirm(payment):
            return _to_service(payment)
        payment.refresh_from_db()
        # A second click of "Confirm payment" finds it paid: on to the service, once.
        if payment.status == lifecycle.SUCCESS:
            return _to_service(payment)
    if payment.status in lifecycle.FINISHED:
        return _ended(request, payment)
    if payment.status != lifecycle.SUBMITTED:
        return HttpResponseRedirect(_next_page(payment), status=303)
    return _page(request, payment, "confirm.html")


@require_POST
def cancel(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The payer's "Cancel payment": failed (P0030), and back to the service."""
    payment = _held_payment(request, payment_id)
    if services.cancel_by_user(payment) or payment.status in lifecycle.FINISHED:
        return _to_service(payment)
    return _ended(request, payment)
