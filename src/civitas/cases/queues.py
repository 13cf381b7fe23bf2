"""The caseworkers' queues: my cases, my teams' cases, and those nobody has taken yet.

Each queue reads oldest first (the longest waiting is worked first), paginated by key on
(submitted_at, id), through an index in that same order (models.Case.Meta.indexes), so a
page costs the same however long the queue. Nothing here counts the table.

A queue of several teams is read one team at a time inside the page's one query (the
oldest of each team, by its index, then the oldest of those): asked for all the teams at
once, the database would read every open case of them and sort it (decision 0033).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

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


def _after(cursor: str | None) -> Q | None:
    if not cursor:
        return None
    try:
        when, case_id = cursor.split("~")
        submitted_at, after_id = datetime.datetime.fromisoformat(when), int(case_id)
    except ValueError:
        return None
    return Q(submitted_at__gt=submitted_at) | Q(submitted_at=submitted_at, id__gt=after_id)


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


def oldest_of_each_team(
    team_cases: Callable[[int], QuerySet[Case]], team_ids: list[int], limit: int
) -> RawSQL:
    """The ids of the `limit` oldest cases of each team, as one subquery: each team's are
    read by its own index in order, however many cases the teams hold. `team_cases(id)`
    is the team's cases, filtered as the caller wants."""
    parts, params = [], []
    for number, team_id in enumerate(team_ids):
        oldest = team_cases(team_id).order_by("submitted_at", "id").values("id")[:limit]
        sql, team_params = oldest.query.sql_with_params()
        # The ORM's own SQL, its values still parameters: nothing typed is spliced in.
        parts.append(f"SELECT id FROM ({sql}) AS team_{number}")  # noqa: S608
        params.extend(team_params)
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611


def list_queue(
    queue: Queue,
    *,
    staff: StaffContext,
    team: str | None = None,
    service: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> QueuePage:
    """One page of a queue, filtered by team (one of the caller's), service and status.

    Two queries: the caller's teams, and the page (one more row than shown, to know whether
    there is a next page) with its teams and assignees' names joined.
    """
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    chosen = [t.id for t in teams if team is None or t.slug == team]
    after = _after(cursor)

    def of_teams(team_ids: list[int]) -> QuerySet[Case]:
        cases = queue_cases(queue, staff=staff, team_ids=team_ids, status=status)
        if service:
            cases = cases.filter(service_slug=service)
        if after:
            cases = cases.filter(after)
        return cases

    cases = of_teams(chosen)
    if queue is not Queue.MINE and len(chosen) > 1:
        oldest = oldest_of_each_team(lambda team_id: of_teams([team_id]), chosen, PAGE_SIZE + 1)
        cases = cases.filter(pk__in=oldest)
    page = list(cases.select_related("assigned_to", "team")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return QueuePage(cases=page, next_cursor=_cursor(page[-1]) if more else None, teams=teams)
