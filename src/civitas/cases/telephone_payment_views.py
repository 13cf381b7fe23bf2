"""Taking a caller's fee by telephone (assisted digital): the member of staff is sent to
the provider's page for a telephone payment (MOTO, as GOV.UK Pay offers), types in what
the caller reads out, and comes back to the case. Staff never see more of the card than
the provider's page shows, and Civitas never sees it at all."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from civitas.cases.payments import CasePayment, case_payment, pay_for_case
from civitas.identity.public import StaffRequest, staff_member_required
from civitas.pay.public import (
    AlreadyPaid,
    PaymentNotFound,
    PaymentRefused,
    PaymentUnavailable,
    TelephonePaymentStarted,
    payment_for_return,
)
from civitas.platform.events import publish


def _case_payment(request: StaffRequest, reference: str) -> CasePayment:
    found = case_payment(reference, organisation_id=request.staff.organisation.id)
    if found is None:
        raise Http404("no such case waiting for a payment")
    return found


@require_POST
@staff_member_required("cases.assist")
def take_telephone_payment(request: StaffRequest, reference: str) -> HttpResponse:
    found = _case_payment(request, reference)
    staff = request.staff
    case_page = f"/staff/cases/{found.reference}/"
    try:
        payment = pay_for_case(
            found,
            language="en",
            return_url_for=lambda payment_id: request.build_absolute_uri(
                f"{case_page}telephone-payment/{payment_id}/"
            ),
            taken_by=staff.user.pk,
        )
    except AlreadyPaid:
        return redirect(f"{case_page}?payment=paid#payments")
    except (PaymentUnavailable, PaymentRefused):
        return redirect(f"{case_page}?payment=unavailable#payments")
    publish(
        TelephonePaymentStarted(
            payment_id=payment.id,
            organisation=staff.organisation.slug,
            case_reference=found.reference,
            staff_user_id=str(staff.user.pk),
        )
    )
    return redirect(payment.next_url)


@require_GET
@staff_member_required("cases.assist")
def telephone_payment_return(
    request: StaffRequest, reference: str, payment_id: str
) -> HttpResponse:
    found = _case_payment(request, reference)
    try:
        payment = payment_for_return(payment_id=payment_id, case_reference=found.reference)
    except PaymentNotFound:
        raise Http404("no such payment for this case") from None
    outcome = "paid" if payment.status == "success" else payment.status
    return redirect(f"/staff/cases/{found.reference}/?payment={outcome}#payments")
