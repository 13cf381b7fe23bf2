from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civitas.identity.public import staff_member_required
from civitas.notify.queries import list_recent_messages
from civitas.platform.audit import record_audit_event


@require_GET
@staff_member_required("notify.view")
def message_list(request: HttpRequest) -> HttpResponse:
    """Recent emails, with their content: a demo and support view, so it is audited."""
    record_audit_event(
        action="messages.viewed",
        object_type="messages",
        object_id="recent",
        actor_type="staff",
        actor_id=str(request.user.pk),
    )
    return render(request, "notify/list.html", {"messages": list_recent_messages()})
