"""The staff queues and assignment: thin views over queues.py and assignment.py."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from civitas.cases.assignment import AssignmentInvalid, assign_case, take_next_case
from civitas.cases.labelling import organisation_labels
from civitas.cases.labels import service_titles, status_label
from civitas.cases.queues import AGES, Queue, list_queue, read_queue_filters
from civitas.cases.services import CaseNotFound
from civitas.cases.workflow import Status
from civitas.identity.public import (
    StaffRequest,
    has_permission,
    list_members_by_team,
    staff_member_required,
)

MINE = gettext_noop("My cases")
TEAM = gettext_noop("My teams' cases")
UNASSIGNED = gettext_noop("Unassigned cases")
DUE = gettext_noop("By due date")
OVERDUE = gettext_noop("Overdue")
WAITING = gettext_noop("Waiting for the applicant")
OPINIONS = gettext_noop("Opinions requested of my teams")


def _titles() -> dict[str, str]:
    return {
        Queue.MINE.value: gettext(MINE),
        Queue.TEAM.value: gettext(TEAM),
        Queue.UNASSIGNED.value: gettext(UNASSIGNED),
        Queue.DUE.value: gettext(DUE),
        Queue.OVERDUE.value: gettext(OVERDUE),
        Queue.WAITING.value: gettext(WAITING),
        # Not a queue of cases: the requests for an opinion made of the caller's teams.
        "opinions": gettext(OPINIONS),
    }


@require_GET
@staff_member_required("cases.view")
def queue(request: StaffRequest, name: str) -> HttpResponse:
    try:
        chosen = Queue(name)
    except ValueError:
        raise Http404("no such queue") from None
    labels = organisation_labels(request.staff.organisation.id)
    filters = read_queue_filters(request.GET, label_ids={spec.id for spec in labels})
    page = list_queue(
        chosen,
        staff=request.staff,
        team=filters.get("team"),
        service=filters.get("service"),
        status=filters.get("status"),
        older_than_days=int(filters["age"]) if "age" in filters else None,
        label=filters.get("label"),
        cursor=request.GET.get("after"),
    )
    can_assign = has_permission(request.staff, "cases.assign")
    # A team leader gives a case to one of its team: one query for the members of all
    # their teams, not one per case.
    members = (
        list_members_by_team([team.id for team in page.teams], permission="cases.work")
        if can_assign and chosen is not Queue.MINE and page.teams
        else {}
    )
    return render(
        request,
        "cases/queue.html",
        {
            "queue": chosen.value,
            "title": _titles()[chosen.value],
            "queues": _titles(),
            "page": page,
            "titles": service_titles(page.cases),
            "filters": filters,
            "statuses": [s.value for s in Status],
            "status_label": status_label,
            "ages": AGES,
            "can_take": has_permission(request.staff, "cases.work"),
            "members": members,
            "none_waiting": request.GET.get("none") == "1",
            "has_status_filter": chosen in (Queue.MINE, Queue.TEAM),
            "now": timezone.now(),
            "labels": labels,
            "can_assign": can_assign,
            # Several cases at once: the team and unassigned queues, for a team leader.
            "bulk": can_assign and chosen in (Queue.TEAM, Queue.UNASSIGNED) and bool(members),
        },
    )


@require_POST
@staff_member_required("cases.work")
def take_next(request: StaffRequest) -> HttpResponse:
    case = take_next_case(staff=request.staff)
    if case is None:
        return redirect("/staff/cases/queues/unassigned/?none=1")
    return redirect(f"/staff/cases/{case.reference}/")


@require_POST
@staff_member_required("cases.work")
def assign(request: StaffRequest, reference: str) -> HttpResponse:
    """Takes the case (assignee "me") or, for a team leader, gives it to a team member."""
    wanted = request.POST.get("assignee", "me")
    if wanted == "me":
        assignee_id = request.staff.user.pk
    elif wanted.isdigit():
        assignee_id = int(wanted)
    else:
        return render(request, "platform/400.html", status=400)
    try:
        assign_case(reference=reference, assignee_id=assignee_id, staff=request.staff)
    except CaseNotFound:
        # The same "not found" as a reference that does not exist anywhere.
        raise Http404("no such case") from None
    except AssignmentInvalid as error:
        return render(
            request,
            "cases/assign_refused.html",
            {"reference": reference, "reason": str(error)},
            status=409,
        )
    return redirect(f"/staff/cases/{reference}/")
