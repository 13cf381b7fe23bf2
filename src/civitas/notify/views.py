from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from civitas.identity.public import StaffRequest, list_notify_api_keys, staff_member_required
from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.models import Message
from civitas.notify.previews import template_previews
from civitas.notify.queries import find_message, list_recent_messages
from civitas.notify.sending_services import sending_service_of
from civitas.notify.staff_queries import (
    find_template,
    list_sending_services,
    list_service_messages,
    list_templates,
    usage_today,
)
from civitas.platform.events import publish


@require_GET
@staff_member_required("notify.view")
def message_list(request: StaffRequest) -> HttpResponse:
    """The acting organisation's recent emails: a support view, so it is audited."""
    staff = request.staff
    publish(MessagesListed(staff_user_id=str(staff.user.pk), organisation=staff.organisation.slug))
    messages = list_recent_messages(organisation_id=staff.organisation.id)
    return render(request, "notify/list.html", {"messages": messages})


@require_GET
@staff_member_required("notify.view")
def message_detail(request: StaffRequest, message_id: str) -> HttpResponse:
    """One email with its body. Another organisation's is "not found", like a wrong id."""
    staff = request.staff
    message = find_message(message_id, organisation_id=staff.organisation.id)
    if message is None:
        raise Http404("no such message")
    publish(
        MessageViewed(
            message_id=str(message.id),
            staff_user_id=str(staff.user.pk),
            organisation=staff.organisation.slug,
        )
    )
    return render(request, "notify/detail.html", {"message": message})


CHANNEL_LABELS = {
    "email": gettext_lazy("Email"),
    "sms": gettext_lazy("Text message"),
    "letter": gettext_lazy("Letter"),
}


KEY_TYPE_LABELS = {
    "normal": gettext_lazy("Live"),
    "team": gettext_lazy("Team and guest list"),
    "test": gettext_lazy("Test"),
}


def _page(request: StaffRequest, template: str, context: dict[str, object]) -> HttpResponse:
    return render(
        request,
        template,
        {**context, "channel_labels": CHANNEL_LABELS, "key_type_labels": KEY_TYPE_LABELS},
    )


@require_GET
@staff_member_required("notify.templates")
def sending_service_list(request: StaffRequest) -> HttpResponse:
    """The organisation's sending services, with today's use against their limits."""
    services = [
        (service, usage_today(service))
        for service in list_sending_services(request.staff.organisation.id)
    ]
    return _page(request, "notify/services.html", {"services": services})


@require_GET
@staff_member_required("notify.templates")
def sending_service_detail(request: StaffRequest, service_id: str) -> HttpResponse:
    """One sending service: its limits and use, templates and messages by status."""
    service = sending_service_of(request.staff.organisation.id, service_id)
    if service is None:
        raise Http404("no such sending service")
    status = request.GET.get("status", "")[:20]
    messages, next_cursor = list_service_messages(
        service, status=status, before=request.GET.get("before", "")[:100]
    )
    return _page(
        request,
        "notify/service.html",
        {
            "service": service,
            "usage": usage_today(service),
            "templates": list_templates(service),
            # Names, types and dates only: a key's secret is shown once, when it is made.
            "keys": list_notify_api_keys(str(service.id)),
            "messages": messages,
            "next_cursor": next_cursor,
            "status": status if status in Message.Status.values else "",
            "statuses": [(value, Message.STATUS_LABELS[value]) for value in Message.Status.values],
        },
    )


@require_GET
@staff_member_required("notify.templates")
def template_detail(request: StaffRequest, template_id: str) -> HttpResponse:
    """A template with a preview of each language and its versions."""
    template = find_template(request.staff.organisation.id, template_id)
    if template is None:
        raise Http404("no such template")
    versions = list(template.versions.order_by("-version"))
    return _page(
        request,
        "notify/template.html",
        {
            "template": template,
            "previews": template_previews(template, versions[0]),
            "versions": versions,
        },
    )
