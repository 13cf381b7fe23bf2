"""The caseworkers' queues: my cases, my teams' cases, and those nobody has taken yet.

Each queue reads oldest first (the longest waiting is worked first), paginated by key on
(submitted_at, id), through an index in that same order (models.Case.Meta.indexes), so a
page costs the same however long the queue. Nothing here counts the table.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet

from civitas.cases.models import Case
from civitas.identity.public import StaffContext, TeamRef, list_teams_of

PAGE_SIZE = 50


class Queue(StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    next_cursor: str | None
    teams: list[TeamRef]
    """The caller's teams in the organisation, which the team queues read."""


def _cursor(case: Case) -> str:
    return f"{case.submitted_at.isoformat()}~{case.id}"


def _after(cursor: str | None, *, prefix: str = "", id_field: str = "id") -> Q | None:
    if not cursor:
        return None
    try:
        when, case_id = cursor.split("~")
        submitted_at, after_id = datetime.datetime.fromisoformat(when), int(case_id)
    except ValueError:
        return None
    return Q(**{f"{prefix}submitted_at__gt": submitted_at}) | Q(
        **{f"{prefix}submitted_at": submitted_at, f"{prefix}{id_field}__gt": after_id}
    )


def with_label(
    cases: QuerySet[Case], *, organisation_id: int, label: str, cursor: str | None = None
) -> QuerySet[Case]:
    """The cases that carry `label`, in the queues' order (oldest first), read through the
    labels' index case_label_queue (organisation, label, submitted_at, case): the page is
    the first labelled rows in that order that also pass the queue's other filters, so the
    cost follows the labelled cases, not the organisation's. The label's row and its
    cursor are one filter, so they are one join."""
    on_label = Q(labels__organisation_id=organisation_id, labels__label=label)
    if after := _after(cursor, prefix="labels__", id_field="case_id"):
        on_label &= after
    return cases.filter(on_label).order_by("labels__submitted_at", "labels__case_id")


def queue_cases(
    queue: Queue, *, staff: StaffContext, team_ids: list[int], status: str | None = None
) -> QuerySet[Case]:
    """The cases of one queue for the acting person, oldest first, without their answers.

    `team_ids` are the caller's teams (or the one of them a page asked for). A queue shows
    the open (submitted) cases unless `status` asks for others; the unassigned queue shows
    only open ones. Each filter is an equality on its index's leading columns, so the index
    gives the order too.
    """
    cases = Case.objects.filter(organisation_id=staff.organisation.id).defer(
        "answers", "fee_decision", "estimate", "decision_reason"
    )
    if queue is Queue.MINE:
        cases = cases.filter(assigned_to_id=staff.user.pk)
    elif queue is Queue.TEAM:
        cases = cases.filter(team_id__in=team_ids)
    else:
        cases = cases.filter(team_id__in=team_ids, assigned_to__isnull=True, status="submitted")
    if queue is not Queue.UNASSIGNED:
        cases = cases.filter(status=status or "submitted")
    return cases.order_by("submitted_at", "id")


def list_queue(
    queue: Queue,
    *,
    staff: StaffContext,
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    label: str | None = None,
    cursor: str | None = None,
) -> QueuePage:
    """One page of a queue, filtered by team (one of the caller's), service, status and
    label.

    Three queries: the caller's teams, the page (one more row than shown, to know whether
    there is a next page), and the assignees' names, joined in the page's query.
    """
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    chosen = [t.id for t in teams if team is None or t.slug == team]
    cases = queue_cases(queue, staff=staff, team_ids=chosen, status=status).select_related(
        "assigned_to", "team"
    )
    if service:
        cases = cases.filter(service_slug=service)
    if label:
        cases = with_label(cases, organisation_id=staff.organisation.id, label=label, cursor=cursor)
    elif after := _after(cursor):
        cases = cases.filter(after)
    page = list(cases[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return QueuePage(cases=page, next_cursor=_cursor(page[-1]) if more else None, teams=teams)
