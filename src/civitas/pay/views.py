"""The finance team's pages: the organisation's payments, one payment with its refunds
(and the form that refunds it), and the day's reconciliation with the provider.

Every look-up is scoped to the acting organisation (staff_queries), so another's payment
is "not found", like a wrong id. Refunds are made by `refunds.request_refund`, which
audits them and logs them in the transparency log; reading the reconciliation is
audited here.
"""

import datetime
import logging
import re
import uuid
from typing import cast

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civitas.identity.public import StaffRequest, staff_member_required
from civitas.pay.amounts import AmountInvalid, pence_from_pounds
from civitas.pay.events import ReconciliationViewed
from civitas.pay.models import Payment
from civitas.pay.payments import PaymentNotFound, PaymentView
from civitas.pay.providers.base import ProviderError
from civitas.pay.reconciliation import CSV_HEADER, csv_rows, reconcile
from civitas.pay.refunds import REASON_MAX_LENGTH, RefundInvalid, request_refund
from civitas.pay.staff_queries import (
    find_payment,
    list_payment_services,
    list_payments,
    list_refunds_of_payment,
)
from civitas.platform.csv_export import csv_lines
from civitas.platform.events import publish

logger = logging.getLogger(__name__)

STATUS_LABELS = {
    "new": gettext_lazy("Not started"),
    "created": gettext_lazy("Created"),
    "started": gettext_lazy("Started"),
    "submitted": gettext_lazy("Submitted"),
    "capturable": gettext_lazy("Capturable"),
    "success": gettext_lazy("Paid"),
    "failed": gettext_lazy("Failed"),
    "cancelled": gettext_lazy("Cancelled"),
    "error": gettext_lazy("Error"),
}
REFUND_STATUS_LABELS = {
    "pending": gettext_lazy("Waiting to be sent"),
    "submitted": gettext_lazy("Sent"),
    "success": gettext_lazy("Refunded"),
    "error": gettext_lazy("Failed"),
}
REFUND_KIND_LABELS = {
    "staff": gettext_lazy("By finance staff"),
    "refused": gettext_lazy("Application refused"),
    "not_needed": gettext_lazy("Payment not needed"),
}
RESULT_LABELS = {
    "matched": gettext_lazy("Matched"),
    "no_case": gettext_lazy("Settled, but no case here"),
    "amount_differs": gettext_lazy("Amount differs"),
    "not_settled": gettext_lazy("Paid here, not settled"),
}
EARLIEST_DAY = datetime.date(2000, 1, 1)
"""Reconciliation before this is refused: nothing was paid then, and a day near the
calendar's start cannot have the settlement delay taken from it."""
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "refund_status_labels": REFUND_STATUS_LABELS,
        "refund_kind_labels": REFUND_KIND_LABELS,
        "result_labels": RESULT_LABELS,
    }


@require_GET
@staff_member_required("pay.view")
def payment_list(request: StaffRequest) -> HttpResponse:
    """The organisation's payments, newest first, a page at a time, by status and service."""
    organisation_id = request.staff.organisation.id
    status = request.GET.get("status", "")[:20]
    status = status if status in Payment.Status.values else ""
    services = list_payment_services(organisation_id=organisation_id)
    service = request.GET.get("service", "")[:60]
    service = service if service in services else ""
    page = list_payments(
        organisation_id=organisation_id,
        status=status,
        service=service,
        before=request.GET.get("before", "")[:100],
    )
    return render(
        request,
        "pay/list.html",
        {
            **_labels(),
            "page": page,
            "status": status,
            "service": service,
            "services": services,
            "statuses": list(STATUS_LABELS.items()),
        },
    )


def _detail(
    request: StaffRequest,
    payment: PaymentView,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    refunds = list_refunds_of_payment(
        organisation_id=request.staff.organisation.id, payment=payment
    )
    refunded = request.GET.get("refunded", "")[:40]
    banner = next((refund for refund in refunds if refund.id == refunded), None)
    return render(
        request,
        "pay/detail.html",
        {
            **_labels(),
            "payment": payment,
            "refunds": refunds,
            "banner_refund": banner,
            # The form stays up to show its errors, even once nothing is left to refund.
            "can_refund": request.staff.can("pay.refund")
            and (payment.refundable_pence > 0 or bool(errors)),
            "errors": errors or {},
            "form": form or {"amount": "", "reason": ""},
            "reason_max_length": REASON_MAX_LENGTH,
        },
        status=status,
    )


@require_GET
@staff_member_required("pay.view")
def payment_detail(request: StaffRequest, payment_id: uuid.UUID) -> HttpResponse:
    """One payment with its refunds, and the refund form for those who may refund."""
    payment = find_payment(
        organisation_id=request.staff.organisation.id, payment_id=str(payment_id)
    )
    if payment is None:
        raise Http404("no such payment")
    return _detail(request, payment)


@require_POST
@staff_member_required("pay.refund")
def refund_payment(request: StaffRequest, payment_id: uuid.UUID) -> HttpResponse:
    """Refunds a payment, in full or in part, with a reason: the refund is written (and
    audited, and logged) now and sent to the provider straight after."""
    staff = request.staff
    payment = find_payment(organisation_id=staff.organisation.id, payment_id=str(payment_id))
    if payment is None:
        raise Http404("no such payment")
    form = {
        "amount": request.POST.get("amount", "")[:40],
        "reason": request.POST.get("reason", "")[: REASON_MAX_LENGTH * 2],
    }
    errors: dict[str, str] = {}
    amount_pence = 0
    try:
        amount_pence = pence_from_pounds(form["amount"])
    except AmountInvalid as error:
        errors["amount"] = str(error)
    if not form["reason"].strip():
        errors["reason"] = gettext("Enter the reason for the refund")
    elif len(form["reason"].strip()) > REASON_MAX_LENGTH:
        errors["reason"] = gettext("The reason must be %(count)s characters or fewer") % {
            "count": REASON_MAX_LENGTH
        }
    if not errors:
        try:
            refund = request_refund(
                staff=staff,
                payment_id=payment.id,
                amount_pence=amount_pence,
                reason=form["reason"],
            )
        except RefundInvalid as error:
            errors[error.field if error.field in form else "amount"] = str(error)
        except PaymentNotFound:
            raise Http404("no such payment") from None
        else:
            return redirect(f"/staff/payments/{payment.id}/?refunded={refund.id}")
    # What is left may have changed since the page was read: show it as it is now.
    payment = find_payment(organisation_id=staff.organisation.id, payment_id=payment.id)
    assert payment is not None
    return _detail(request, payment, errors=errors, form=form, status=400)


def _day(text: str) -> datetime.date | None:
    """A day written YYYY-MM-DD; None for anything else (digits checked before parsing)."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@require_GET
@staff_member_required("pay.view")
def reconciliation(request: StaffRequest) -> HttpResponse:
    """A day's reconciliation (yesterday unless told): what the provider settled, matched
    to what was recorded here, mismatches first; `?format=csv` downloads it."""
    return _reconciliation(request, download=request.GET.get("format") == "csv")


@require_GET
@staff_member_required("pay.view")
def reconciliation_csv(request: StaffRequest) -> HttpResponse:
    """A day's reconciliation as CSV, every cell guarded against spreadsheet formulas."""
    return _reconciliation(request, download=True)


def _reconciliation(request: StaffRequest, *, download: bool) -> HttpResponse:
    staff = request.staff
    today = timezone.localdate()
    asked = request.GET.get("day", "")[:20]
    day = _day(asked) if asked else today - datetime.timedelta(days=1)
    error = ""
    if day is None:
        error = gettext("Enter the day as a date, like 2026-01-31")
    elif day > today:
        error = gettext("The day must be today or in the past")
    elif day < EARLIEST_DAY:
        error = gettext("The day must be 1 January 2000 or later")
    if error or day is None:
        return render(
            request,
            "pay/reconciliation.html",
            {**_labels(), "errors": {"day": error}, "day_text": asked, "report": None},
            status=400,
        )
    try:
        report = reconcile(
            organisation_id=staff.organisation.id,
            organisation_slug=staff.organisation.slug,
            day=day,
        )
    except ProviderError as failure:
        # Its text is an error code or class, never a payer's details.
        logger.warning("reconciliation for %s: provider error (%s)", day, failure)
        return render(request, "pay/provider_unavailable.html", {"day": day}, status=503)
    publish(
        ReconciliationViewed(
            organisation=staff.organisation.slug,
            staff_user_id=str(staff.user.pk),
            day=day.isoformat(),
            download=download,
        )
    )
    if download:
        response = StreamingHttpResponse(
            csv_lines(CSV_HEADER, csv_rows(report)), content_type="text/csv; charset=utf-8"
        )
        name = f"reconciliation-{staff.organisation.slug}-{day.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        # A streamed response is an HttpResponse to every middleware on the way out.
        return cast("HttpResponse", response)
    return render(
        request,
        "pay/reconciliation.html",
        {
            **_labels(),
            "errors": {},
            "day_text": day.isoformat(),
            "report": report,
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1) if day < today else None,
            "net_pence": report.settled_in_pence - report.settled_out_pence,
            "by_code": sorted(report.by_code.items()),
            "mismatches": [line for line in report.lines if line.is_mismatch],
            "matched": [line for line in report.lines if not line.is_mismatch],
        },
    )
