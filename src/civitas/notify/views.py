from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civitas.identity.public import StaffRequest, staff_member_required
from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.queries import find_message, list_recent_messages
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
