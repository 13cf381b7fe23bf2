"""The caseworkers' queues: my cases, my teams' cases, those nobody has taken yet, those
by due date and overdue, and those waiting for the citizen.

Each queue reads in its own order (oldest first, soonest due first, longest waiting
first), paginated by key on (that column, id), through an index in that same order
(models.Case.Meta.indexes), so a page costs the same however long the queue. Nothing here
counts the table.

A queue of several teams is read one team at a time inside the page's one query (the first
of each team, by its index, then the first of those): asked for all the teams at once,
the database would read every case of them in the queue and sort it (decision 0033).
"""

import datetime
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from civitas.cases.models import Case, CaseLabel
from civitas.cases.workflow import Status
from civitas.catalogue.public import WAITING_FOR_CITIZEN
from civitas.identity.public import StaffContext, TeamRef, list_teams_of

PAGE_SIZE = 50
FILTER_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
"""What a queue's team, service, status or label filter may be: a slug or an id. Anything
else (a NUL, which PostgreSQL refuses in text, a page of text) is no filter."""
AGES = (2, 7, 14, 28)
"""The ages, in days, a queue may be filtered to cases older than."""


class Queue(StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    DUE = "due"
    OVERDUE = "overdue"
    WAITING = "waiting"


# The column each queue reads in order (then by id).
ORDER = {
    Queue.MINE: "submitted_at",
    Queue.TEAM: "submitted_at",
    Queue.UNASSIGNED: "submitted_at",
    Queue.DUE: "due_at",
    Queue.OVERDUE: "due_at",
    Queue.WAITING: "status_since",
}


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    next_cursor: str | None
    teams: list[TeamRef]
    """The caller's teams in the organisation, which the team queues read."""


def _cursor(case: Case, column: str) -> str:
    return f"{getattr(case, column).isoformat()}~{case.id}"


def _after(cursor: str | None, column: str, id_column: str = "id") -> Q | None:
    if not cursor:
        return None
    try:
        when, case_id = cursor.split("~")
        value, after_id = datetime.datetime.fromisoformat(when), int(case_id)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return Q(**{f"{column}__gt": value}) | Q(**{column: value, f"{id_column}__gt": after_id})


def with_label(
    cases: QuerySet[Case],
    queue: Queue,
    *,
    organisation_id: int,
    label: str,
    cursor: str | None = None,
) -> QuerySet[Case]:
    """The queue's cases that carry `label`, in the queue's order, from `cursor` on.

    The queues read oldest first by submission are read through the labels' own index,
    case_label_queue (organisation, label, submitted_at, case): the page is the first
    labelled rows in that order that also pass the queue's other filters, so its cost
    follows the labelled cases, not the organisation's. The label's row and its cursor are
    one filter, so they are one join. The queues in another order (due date, waiting
    since) keep their own index and order, and look each row's label up by the
    (case, label) unique index.
    """
    if ORDER[queue] == "submitted_at":
        on_label = Q(labels__organisation_id=organisation_id, labels__label=label)
        if after := _after(cursor, "labels__submitted_at", "labels__case_id"):
            on_label &= after
        return cases.filter(on_label).order_by("labels__submitted_at", "labels__case_id")
    labelled = CaseLabel.objects.filter(case=OuterRef("pk"), label=label)
    cases = cases.filter(Exists(labelled))
    if after := _after(cursor, ORDER[queue]):
        cases = cases.filter(after)
    return cases


def queue_cases(
    queue: Queue,
    *,
    staff: StaffContext,
    team_ids: list[int],
    status: str | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Case]:
    """The cases of one queue for the acting person, in its order, without their answers.

    `team_ids` are the caller's teams (or the one of them a page asked for). My cases and
    my teams' cases show the open (submitted) cases unless `status` asks for others; the
    unassigned queue shows only open ones. The due and overdue queues show the cases whose
    service-level clock runs (open ones: a waiting or closed case has none), soonest due
    first; the waiting queue, those waiting for the citizen, longest waiting first. Each
    filter is an equality on its index's leading columns, so the index gives the order
    too.
    """
    cases = Case.objects.filter(organisation_id=staff.organisation.id).defer(
        "answers", "fee_decision", "estimate", "decision_reason"
    )
    if queue is Queue.MINE:
        cases = cases.filter(assigned_to_id=staff.user.pk)
    elif queue is Queue.TEAM:
        cases = cases.filter(team_id__in=team_ids)
    elif queue is Queue.UNASSIGNED:
        cases = cases.filter(team_id__in=team_ids, assigned_to__isnull=True, status="submitted")
    elif queue is Queue.WAITING:
        cases = cases.filter(team_id__in=team_ids, status_kind=WAITING_FOR_CITIZEN)
    else:
        cases = cases.filter(team_id__in=team_ids, due_at__isnull=False)
        if queue is Queue.OVERDUE:
            cases = cases.filter(due_at__lt=now or timezone.now())
    if queue in (Queue.MINE, Queue.TEAM):
        cases = cases.filter(status=status or "submitted")
    return cases.order_by(ORDER[queue], "id")


def first_of_each_team(
    team_cases: Callable[[int], QuerySet[Case]],
    team_ids: list[int],
    limit: int,
    *,
    order: str = "submitted_at",
) -> RawSQL:
    """The ids of the first `limit` cases of each team in `order` (then id), as one
    subquery: each team's are read by its own index in that order, however many cases the
    teams hold. `team_cases(id)` is the team's cases, filtered as the caller wants."""
    parts: list[str] = []
    params: list[object] = []
    for number, team_id in enumerate(team_ids):
        first = team_cases(team_id).order_by(order, "id").values("id")[:limit]
        sql, team_params = first.query.sql_with_params()
        # The ORM's own SQL, its values still parameters: nothing typed is spliced in.
        parts.append(f"SELECT id FROM ({sql}) AS team_{number}")  # noqa: S608
        params.extend(team_params)
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611


def read_queue_filters(params: Mapping[str, str], *, label_ids: Collection[str]) -> dict[str, str]:
    """The filters a queue page (or its download) was asked for that it can apply: a team
    or service slug, a status of the default workflow, an age it offers (AGES) and a label
    of the organisation's services. Anything else is no filter, never a query with it."""
    filters = {
        key: params[key]
        for key in ("team", "service", "status", "label", "age")
        if FILTER_VALUE.fullmatch(params.get(key, ""))
    }
    if filters.get("status") not in (None, *[status.value for status in Status]):
        del filters["status"]
    if filters.get("label") not in (None, *label_ids):
        del filters["label"]
    if filters.get("age") not in (None, *[str(days) for days in AGES]):
        del filters["age"]
    return filters


def filtered_queue(
    queue: Queue,
    *,
    staff: StaffContext,
    teams: list[TeamRef],
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    older_than_days: int | None = None,
    label: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE + 1,
) -> QuerySet[Case]:
    """A queue's cases after `cursor`, in its order, filtered by team (one of `teams`, the
    caller's), service, status, age (submitted more than `older_than_days` ago: a bound on
    the column the oldest-first queues are read by, so their index still serves it) and
    label, with their teams and assignees joined: take its first `limit`. What a queue page
    shows and what its CSV download lists, a batch at a time."""
    chosen = [t.id for t in teams if team is None or t.slug == team]
    # A label's queue goes on from its cursor by the label's own index (with_label).
    after = None if label else _after(cursor, ORDER[queue])
    now = timezone.now()

    def of_teams(team_ids: list[int]) -> QuerySet[Case]:
        cases = queue_cases(queue, staff=staff, team_ids=team_ids, status=status, now=now)
        if service:
            cases = cases.filter(service_slug=service)
        if older_than_days:
            cases = cases.filter(submitted_at__lt=now - datetime.timedelta(days=older_than_days))
        if after:
            cases = cases.filter(after)
        return cases

    cases = of_teams(chosen)
    if label:
        cases = with_label(
            cases, queue, organisation_id=staff.organisation.id, label=label, cursor=cursor
        )
    elif queue is not Queue.MINE and len(chosen) > 1:
        first = first_of_each_team(
            lambda team_id: of_teams([team_id]), chosen, limit, order=ORDER[queue]
        )
        cases = cases.filter(pk__in=first)
    return cases.select_related("assigned_to", "team")


def queue_cursor(queue: Queue, case: Case) -> str:
    """Where the queue goes on after `case`."""
    return _cursor(case, ORDER[queue])


def list_queue(
    queue: Queue,
    *,
    staff: StaffContext,
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    older_than_days: int | None = None,
    label: str | None = None,
    cursor: str | None = None,
) -> QueuePage:
    """One page of a queue, filtered as filtered_queue says.

    Two queries: the caller's teams, and the page (one more row than shown, to know whether
    there is a next page) with its teams and assignees' names joined.
    """
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    cases = filtered_queue(
        queue,
        staff=staff,
        teams=teams,
        team=team,
        service=service,
        status=status,
        older_than_days=older_than_days,
        label=label,
        cursor=cursor,
    )
    page = list(cases[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return QueuePage(
        cases=page, next_cursor=queue_cursor(queue, page[-1]) if more else None, teams=teams
    )
