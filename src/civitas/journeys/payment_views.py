"""Paying a case's fee: the page that sends the payer to the provider's card page, and
the page the provider sends them back to (docs/payments.md).

Both live under the service, at the case's payment link (`pay/<reference>/<token>/`):
the token is a keyed capability, so the link works from the confirmation page, from an
email or from an API client, and a guessed reference finds nothing. Whoever comes back
is never believed: the payment's outcome is asked of the provider, and only a payment
of this very case can be returned from.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.public import CasePayment, case_payment, pay_for_case, pay_url
from civitas.catalogue.public import active_language
from civitas.journeys.web import page_context
from civitas.pay.public import (
    AlreadyPaid,
    PaymentNotFound,
    PaymentRefused,
    PaymentUnavailable,
    PaymentView,
    allow_payment_redirect,
    payment_for_return,
)
from civitas.platform.security_log import security_event


def failure_message(code: str) -> str:
    """What the payer is told of a payment that ended without taking money, by GOV.UK
    Pay's code."""
    if code == "P0010":
        return _("Your payment was declined. No money has been taken.")
    if code == "P0020":
        return _("Your payment session timed out. No money has been taken.")
    if code == "P0030":
        return _("You cancelled your payment. No money has been taken.")
    if code == "P0040":
        return _("Your payment was cancelled. No money has been taken.")
    return _("There was a problem with the payment service. No money has been taken.")


def _case_payment_or_404(organisation: str, slug: str, reference: str, token: str) -> CasePayment:
    found = case_payment(reference, token=token)
    if found is None or (found.service.organisation, found.service.slug) != (organisation, slug):
        security_event("payment.link_refused", reason="unknown_or_forged_link")
        raise Http404("no such payment link")
    return found


def _return_url_for(request: HttpRequest, found: CasePayment) -> "ReturnUrl":
    return ReturnUrl(request.build_absolute_uri(pay_url(found.service, found.reference)))


class ReturnUrl:
    """Where the provider sends the payer back to, per payment."""

    def __init__(self, pay_page: str) -> None:
        self.pay_page = pay_page

    def __call__(self, payment_id: str) -> str:
        return f"{self.pay_page}return/{payment_id}/"


def send_to_payment(
    request: HttpRequest, found: CasePayment, *, redirect_problems: bool = False
) -> HttpResponse:
    """Makes (or finds) the case's payment and sends the payer to the provider's page;
    back to the payment page, with what went wrong, when it cannot. With
    `redirect_problems` (straight after check answers, whose session changes a 5xx
    answer would not keep), a problem is a redirect to the payment page that says it."""
    try:
        payment = pay_for_case(
            found, language=active_language(), return_url_for=_return_url_for(request, found)
        )
    except AlreadyPaid:
        return redirect(pay_url(found.service, found.reference))
    except PaymentUnavailable:
        if redirect_problems:
            return redirect(f"{pay_url(found.service, found.reference)}?problem=unavailable")
        return _pay_page(
            request,
            found,
            error=_unavailable(),
            status=503,
        )
    except PaymentRefused:
        if redirect_problems:
            return redirect(f"{pay_url(found.service, found.reference)}?problem=refused")
        return _pay_page(
            request,
            found,
            error=_refused(),
            status=502,
        )
    return redirect(payment.next_url)


@require_http_methods(["GET", "POST"])
def pay(
    request: HttpRequest, organisation: str, slug: str, reference: str, token: str
) -> HttpResponse:
    """The case's payment page: its fee and a button to pay it (again, after a payment
    that failed); what was paid, once it is."""
    found = _case_payment_or_404(organisation, slug, reference, token)
    if request.method == "POST":
        return send_to_payment(request, found)
    problem = request.GET.get("problem")
    if problem == "unavailable":
        return _pay_page(request, found, error=_unavailable())
    if problem == "refused":
        return _pay_page(request, found, error=_refused())
    return _pay_page(request, found)


def _unavailable() -> str:
    return _(
        "The payment service is not available at the moment. No money has been "
        "taken. Your application is saved: try again in a few minutes."
    )


def _refused() -> str:
    return _("The payment could not be started. No money has been taken.")


def _pay_page(
    request: HttpRequest,
    found: CasePayment,
    *,
    error: str = "",
    outcome: PaymentView | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "journeys/pay.html",
        page_context(
            found.service,
            case_payment=found,
            error=error,
            outcome=outcome,
            confirmation_url=_confirmation_url(request, found),
            # The form posts here, also when it is shown on the return page.
            pay_page_url=pay_url(found.service, found.reference),
        ),
        status=status,
    )
    return allow_payment_redirect(response)


def _confirmation_url(request: HttpRequest, found: CasePayment) -> str:
    """The confirmation page, for the person who submitted the application in this
    browser; "" for anyone else."""
    if request.session.get(f"submitted:{found.service.journey_key}") != found.reference:
        return ""
    return f"{found.service.url}confirmation/{found.reference}/"


@require_GET
def payment_return(
    request: HttpRequest,
    organisation: str,
    slug: str,
    reference: str,
    token: str,
    payment_id: str,
) -> HttpResponse:
    """Where the provider sends the payer back: the outcome is asked of the provider (a
    return proves nothing), then the confirmation, or the payment page to try again."""
    found = _case_payment_or_404(organisation, slug, reference, token)
    try:
        payment = payment_for_return(payment_id=payment_id, case_reference=reference)
    except PaymentNotFound:
        raise Http404("no such payment for this case") from None
    if payment.paid or payment.status == "success":
        confirmation = _confirmation_url(request, found)
        if confirmation:
            return redirect(confirmation)
        found = case_payment(reference, token=token) or found
        return _pay_page(request, found, outcome=payment)
    if payment.finished:
        return _pay_page(
            request, found, error=failure_message(payment.failure_code), outcome=payment
        )
    # The provider could not be asked, or the payment is still going through.
    return render(
        request,
        "journeys/payment_checking.html",
        page_context(found.service, case_payment=found, retry_url=request.get_full_path()),
    )
