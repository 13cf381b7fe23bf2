"""The service owner's pages for the figures the platform cannot count: each month's
transactions by post, phone and in person, and what a transaction costs by each channel.

Only the organisation's own live services are found (another's is "not found"); what is
entered is audited by channels.py.
"""

import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civitas.catalogue.public import LiveService, list_live_services
from civitas.identity.public import StaffRequest, staff_member_required
from civitas.insights.channels import (
    ENTERED_CHANNELS,
    channel_costs_pence,
    enter_channel_volumes,
    list_month_volumes,
    parse_cost_pence,
    parse_month,
    parse_transactions,
    set_channel_costs,
)
from civitas.insights.figures import CHANNELS

CHANNEL_LABELS = {
    "online": gettext_lazy("Online"),
    "assisted": gettext_lazy("Online, by staff for a caller"),
    "post": gettext_lazy("Post"),
    "phone": gettext_lazy("Phone"),
    "in_person": gettext_lazy("In person"),
}


@require_GET
@staff_member_required("insights.channels")
def service_list(request: StaffRequest) -> HttpResponse:
    """The organisation's live services, each a link to its channels' figures."""
    return render(
        request,
        "insights/channels_list.html",
        {"services": _organisation_services(request)},
    )


@require_GET
@staff_member_required("insights.channels")
def service_channels(request: StaffRequest, slug: str) -> HttpResponse:
    service = _service_or_404(request, slug)
    return _page(request, service, saved=request.GET.get("saved", "")[:10])


@require_POST
@staff_member_required("insights.channels")
def enter_volumes(request: StaffRequest, slug: str) -> HttpResponse:
    """One month's transactions by post, phone and in person; a blank channel is left as
    it was."""
    service = _service_or_404(request, slug)
    form = {name: request.POST.get(name, "")[:40] for name in ("month", *ENTERED_CHANNELS)}
    errors: dict[str, str] = {}
    month = None
    try:
        month = parse_month(form["month"], today=timezone.localdate())
    except ValueError as error:
        errors["month"] = str(error)
    volumes: dict[str, int] = {}
    for channel in ENTERED_CHANNELS:
        try:
            value = parse_transactions(form[channel])
        except ValueError as error:
            errors[channel] = str(error)
        else:
            if value is not None:
                volumes[channel] = value
    if not volumes and not errors:
        errors["post"] = gettext("Enter the transactions for at least one channel")
    if errors or month is None:
        return _page(request, service, volume_form=form, errors=errors, status=400)
    staff = request.staff
    enter_channel_volumes(
        organisation_id=staff.organisation.id,
        organisation=staff.organisation.slug,
        staff_user_id=str(staff.user.pk),
        service_slug=service.slug,
        month=month,
        volumes=volumes,
    )
    return redirect(f"/staff/insights/channels/{service.slug}/?saved=volumes")


@require_POST
@staff_member_required("insights.channels")
def set_costs(request: StaffRequest, slug: str) -> HttpResponse:
    """The cost of a transaction by each channel; a blank one is not known."""
    service = _service_or_404(request, slug)
    form = {f"cost-{channel}": request.POST.get(f"cost-{channel}", "")[:40] for channel in CHANNELS}
    errors: dict[str, str] = {}
    costs: dict[str, int | None] = {}
    for channel in CHANNELS:
        try:
            costs[channel] = parse_cost_pence(form[f"cost-{channel}"])
        except ValueError as error:
            errors[f"cost-{channel}"] = str(error)
    if errors:
        return _page(request, service, cost_form=form, errors=errors, status=400)
    staff = request.staff
    set_channel_costs(
        organisation_id=staff.organisation.id,
        organisation=staff.organisation.slug,
        staff_user_id=str(staff.user.pk),
        service_slug=service.slug,
        costs_pence=costs,
    )
    return redirect(f"/staff/insights/channels/{service.slug}/?saved=costs")


def _page(
    request: StaffRequest,
    service: LiveService,
    *,
    volume_form: dict[str, str] | None = None,
    cost_form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    organisation_id = request.staff.organisation.id
    costs = channel_costs_pence(service.slug, organisation_id=organisation_id)
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return render(
        request,
        "insights/channels_service.html",
        {
            "live_service": service,
            "channel_labels": CHANNEL_LABELS,
            "entered_channels": ENTERED_CHANNELS,
            "channels": CHANNELS,
            "months": list_month_volumes(
                organisation_id=organisation_id, service_slug=service.slug
            ),
            "volume_form": volume_form or {"month": last_month.strftime("%Y-%m")},
            "cost_form": cost_form
            or {
                f"cost-{channel}": f"{costs[channel] / 100:.2f}" if channel in costs else ""
                for channel in CHANNELS
            },
            "errors": errors or {},
            "form_has_errors": bool(errors),
            "saved": saved if saved in ("volumes", "costs") else "",
        },
        status=status,
    )


def _organisation_services(request: StaffRequest) -> list[LiveService]:
    organisation_id = request.staff.organisation.id
    return [s for s in list_live_services() if s.organisation.id == organisation_id]


def _service_or_404(request: StaffRequest, slug: str) -> LiveService:
    organisation_id = request.staff.organisation.id
    for service in list_live_services(slug=slug):
        if service.organisation.id == organisation_id:
            return service
    raise Http404("no such service")
