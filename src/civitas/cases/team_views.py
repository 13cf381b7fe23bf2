"""Team work across cases: the opinions asked of my teams, assigning several cases at
once, and a queue as CSV. Thin views over opinions.py, bulk.py and export.py."""

from typing import cast

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from civitas.cases.bulk import MAX_CASES, assign_cases
from civitas.cases.export import export_queue
from civitas.cases.labelling import organisation_labels
from civitas.cases.opinions import list_requested_of_my_teams
from civitas.cases.queue_views import _titles
from civitas.cases.queues import Queue, read_queue_filters
from civitas.identity.public import StaffRequest, staff_member_required
from civitas.platform.references import normalise_reference

OPINIONS = "opinions"


@require_GET
@staff_member_required("cases.view")
def opinions_queue(request: StaffRequest) -> HttpResponse:
    """The unanswered requests for an opinion made of the caller's teams, oldest first."""
    page = list_requested_of_my_teams(staff=request.staff, cursor=request.GET.get("after"))
    return render(
        request,
        "cases/opinions_queue.html",
        {"page": page, "queue": OPINIONS, "queues": _titles()},
    )


@require_POST
@staff_member_required("cases.assign")
def bulk_assign(request: StaffRequest) -> HttpResponse:
    """Gives the ticked cases of a queue page to one member of the team. Each case posts
    who held it when the page was drawn (`seen-<reference>`): a case that changed since is
    reported, with every other refusal, on the page this answers."""
    wanted = request.POST.get("assignee", "")
    references = request.POST.getlist("case")[: MAX_CASES + 1]
    if not wanted.isdigit() or len(references) > MAX_CASES:
        return render(request, "platform/400.html", status=400)
    back = request.POST.get("queue", "")
    back = back if back in (Queue.TEAM.value, Queue.UNASSIGNED.value) else Queue.TEAM.value
    if not references:
        return render(
            request,
            "cases/bulk_assigned.html",
            {"result": None, "queue": back, "error": gettext("Select the cases to assign")},
            status=400,
        )
    seen: dict[str, int | None] = {}
    for posted in references:
        reference = normalise_reference(posted)
        if reference is None:
            return render(request, "platform/400.html", status=400)
        holder = request.POST.get(f"seen-{posted}", "")
        seen[reference] = int(holder) if holder.isdigit() else None
    result = assign_cases(seen=seen, assignee_id=int(wanted), staff=request.staff)
    return render(
        request,
        "cases/bulk_assigned.html",
        {"result": result, "queue": back, "error": ""},
        status=409 if result.refused and not result.assigned else 200,
    )


@require_GET
@staff_member_required("cases.assign")
def export_csv(request: StaffRequest, name: str) -> HttpResponse:
    """The queue, filtered as its page is, as a CSV file streamed as it is read."""
    try:
        chosen = Queue(name)
    except ValueError:
        raise Http404("no such queue") from None
    labels = organisation_labels(request.staff.organisation.id)
    filters = read_queue_filters(request.GET, label_ids={spec.id for spec in labels})
    response = StreamingHttpResponse(
        export_queue(chosen, staff=request.staff, filters=filters),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{chosen.value}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    # A streamed response is not an HttpResponse to the type checker, but is one to
    # every middleware and decorator on the way out.
    return cast("HttpResponse", response)
