"""Giving cases to the people who work them: taking one, being given one by a team
leader, and "take the next case". Each is one transaction that locks or conditionally
updates the case and appends a `case.assigned` audit event (CaseAssigned)."""

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civitas.cases.events import CaseAssigned
from civitas.cases.models import Case
from civitas.cases.queues import first_of_each_team
from civitas.cases.services import CaseNotFound
from civitas.cases.workflow import Status
from civitas.identity.public import (
    StaffContext,
    TeamRef,
    is_team_member,
    list_team_members,
    list_teams_of,
)
from civitas.platform.events import publish

# How often "take the next case" tries again when someone else took the case it chose.
TAKE_ATTEMPTS = 20

# Why a case was not assigned, shown to the member of staff in their language.
CANNOT_TAKE = gettext_noop("You cannot take cases")
LEADERS_ONLY = gettext_noop("Only a team leader can assign cases")
OPEN_CASES_ONLY = gettext_noop("Only an open case can be assigned")
NOT_YOUR_TEAM = gettext_noop("The case is not in one of your teams")
NOT_A_TEAM_WORKER = gettext_noop("Choose a member of the case's team who works cases")
MOVED_ON = gettext_noop("Someone else assigned the case since the page was shown")

UNCHECKED: object = object()
"""`expected_assignee_id` not given: the case is assigned whoever holds it now."""


class AssignmentInvalid(ValueError):
    """The case cannot be assigned as asked; the message says why, in plain English."""


class CaseMovedOn(AssignmentInvalid):
    """The case is no longer as the page that asked showed it."""


def _announce(
    case: Case, *, staff: StaffContext, assignee_id: int, how: str, permission: str
) -> None:
    publish(
        CaseAssigned(
            reference=case.reference,
            organisation=staff.organisation.slug,
            team=case.team.slug if case.team is not None else "",
            assignee_user_id=str(assignee_id),
            staff_user_id=str(staff.user.pk),
            role=staff.role_for(permission),
            how=how,
        )
    )


def assign_case(
    *,
    reference: str,
    assignee_id: int,
    staff: StaffContext,
    expected_assignee_id: int | object | None = UNCHECKED,
) -> Case:
    """Gives an open case of the acting organisation to a member of its team.

    Taking a case oneself needs `cases.work` and membership of the case's team; giving it
    to someone else needs `cases.assign` (a team leader) and membership of the team too,
    and the assignee must be a member of the team who may work cases. Raises CaseNotFound
    for a reference the organisation has no case by (another organisation's included),
    AssignmentInvalid otherwise, changing nothing.

    With `expected_assignee_id` (who held the case when the page was drawn, None for
    nobody) the assignment is a compare-and-set: a case someone else assigned meanwhile
    raises CaseMovedOn, as one that was decided raises AssignmentInvalid.
    """
    yourself = assignee_id == staff.user.pk
    permission = "cases.work" if yourself else "cases.assign"
    if not staff.can(permission):
        raise AssignmentInvalid(gettext(CANNOT_TAKE) if yourself else gettext(LEADERS_ONLY))
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("team")
            .filter(reference=reference, organisation_id=staff.organisation.id)
            .first()
        )
        if case is None:
            raise CaseNotFound(reference)
        if case.status != Status.SUBMITTED:
            raise AssignmentInvalid(gettext(OPEN_CASES_ONLY))
        if expected_assignee_id is not UNCHECKED and case.assigned_to_id != expected_assignee_id:
            raise CaseMovedOn(gettext(MOVED_ON))
        if case.team_id is None or not is_team_member(user_id=staff.user.pk, team_id=case.team_id):
            raise AssignmentInvalid(gettext(NOT_YOUR_TEAM))
        if not yourself and assignee_id not in {
            member.user_id for member in list_team_members(case.team_id, permission="cases.work")
        }:
            raise AssignmentInvalid(gettext(NOT_A_TEAM_WORKER))
        if case.assigned_to_id == assignee_id:
            return case
        case.assigned_to_id = assignee_id
        case.assigned_at = timezone.now()
        case.save(update_fields=["assigned_to", "assigned_at"])
        _announce(
            case,
            staff=staff,
            assignee_id=assignee_id,
            how="self" if yourself else "leader",
            permission=permission,
        )
    return case


def take_next_case(*, staff: StaffContext) -> Case | None:
    """Assigns the caller the oldest open, unassigned case of their teams; None if there is
    none. Needs `cases.work`.

    Two people pressing it at once get different cases. On PostgreSQL the candidate row is
    locked with SKIP LOCKED, so the second caller passes over the case the first holds
    instead of queueing behind it. SQLite has no row locks (it serialises writers): there,
    the case is taken by an UPDATE that only matches while it is still unassigned, and a
    caller that matched nothing (someone else took it between the read and the write)
    tries the next oldest.
    """
    if not staff.can("cases.work"):
        raise AssignmentInvalid(gettext(CANNOT_TAKE))
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    if not teams:
        return None
    if connection.features.has_select_for_update_skip_locked:
        return _take_locked(staff, teams)
    return _take_by_conditional_update(staff, teams)


# How many of each team's oldest waiting cases "take the next case" chooses among: more
# than the people likely to press it at the same moment (each passes over those locked).
CANDIDATES_PER_TEAM = 10


def _waiting(staff: StaffContext, teams: list[TeamRef], *, bounded: bool = True) -> QuerySet[Case]:
    """The open, unassigned cases of `teams`, oldest first. Each team's are read by the
    partial index case_unassigned, in its order; `bounded`, only the oldest few of each
    team (one read of each team's index, not of every case waiting, decision 0033)."""

    def of_teams(team_ids: list[int]) -> QuerySet[Case]:
        return Case.objects.filter(
            organisation_id=staff.organisation.id,
            team_id__in=team_ids,
            assigned_to__isnull=True,
            status=Status.SUBMITTED,
        )

    team_ids = [team.id for team in teams]
    waiting = of_teams(team_ids)
    if bounded and len(team_ids) > 1:
        oldest = first_of_each_team(
            lambda team_id: of_teams([team_id]), team_ids, CANDIDATES_PER_TEAM
        )
        waiting = waiting.filter(pk__in=oldest)
    return waiting.order_by("submitted_at", "id")


def _take_locked(staff: StaffContext, teams: list[TeamRef]) -> Case | None:
    with transaction.atomic():
        case: Case | None = None
        for bounded in (True, False):
            case = (
                _waiting(staff, teams, bounded=bounded)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("team")
                .first()
            )
            if case is not None or len(teams) == 1:
                break
            # Every candidate was locked by others taking cases at this moment (or none
            # waits): once more among all that wait.
        if case is None:
            return None
        case.assigned_to_id = staff.user.pk
        case.assigned_at = timezone.now()
        case.save(update_fields=["assigned_to", "assigned_at"])
        _announce(case, staff=staff, assignee_id=staff.user.pk, how="next", permission="cases.work")
    return case


def _take_by_conditional_update(staff: StaffContext, teams: list[TeamRef]) -> Case | None:
    for _ in range(TAKE_ATTEMPTS):
        with transaction.atomic():
            candidate = _waiting(staff, teams).values_list("id", flat=True).first()
            if candidate is None:
                return None
            now = timezone.now()
            taken = Case.objects.filter(
                id=candidate, assigned_to__isnull=True, status=Status.SUBMITTED
            ).update(assigned_to_id=staff.user.pk, assigned_at=now)
            if not taken:
                continue
            case = Case.objects.select_related("team").get(id=candidate)
            _announce(
                case, staff=staff, assignee_id=staff.user.pk, how="next", permission="cases.work"
            )
            return case
    return None
