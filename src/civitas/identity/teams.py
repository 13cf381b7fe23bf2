"""Teams within an organisation, and who is in them.

A team is the unit cases are routed to (a service's `routing`) and worked from (its
queue). Membership of a team says which cases a person sees in their queues; what they may
do with them still comes from their role in the organisation (permissions.py).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from civitas.identity.events import TeamChanged
from civitas.identity.models import Membership, Organisation, StaffUser, Team, TeamMembership
from civitas.identity.permissions import ROLE_PERMISSIONS
from civitas.platform.events import publish

TEAM_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class TeamRef:
    id: int
    organisation_id: int
    slug: str
    name: str


@dataclass(frozen=True)
class TeamMember:
    user_id: int
    display_name: str
    email: str


class TeamInvalid(ValueError):
    """The team or membership cannot be made as asked; the message says why."""


def _ref(team: Team) -> TeamRef:
    return TeamRef(id=team.pk, organisation_id=team.organisation_id, slug=team.slug, name=team.name)


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise TeamInvalid(f"no organisation '{slug}': register it with `civitas organisations add`")
    return organisation


def ensure_team(*, organisation: str, slug: str, name: str, by: str = "setup") -> TeamRef:
    """Creates the organisation's team `slug`, or renames it; its slug never changes, as
    published services route to it by that name. A change is audited as made by `by`."""
    if len(slug) > 50 or not TEAM_SLUG.fullmatch(slug):
        raise TeamInvalid(
            f"'{slug}' is not a team slug: use lower-case letters, digits and single hyphens, "
            "50 characters at most"
        )
    name = name.strip()
    if not name or len(name) > 200:
        raise TeamInvalid("the name must be 1 to 200 characters")
    with transaction.atomic():
        team, created = Team.objects.get_or_create(
            organisation=_organisation(organisation), slug=slug, defaults={"name": name}
        )
        if created:
            _audit("team.created", organisation, slug, by)
        elif team.name != name:
            team.name = name
            team.save(update_fields=["name"])
            _audit("team.renamed", organisation, slug, by)
    return _ref(team)


def _audit(action: str, organisation: str, team: str, by: str, member: int | None = None) -> None:
    publish(
        TeamChanged(
            action=action,
            organisation=organisation,
            team=team,
            by=by,
            member_user_id=str(member) if member is not None else "",
        )
    )


def _team(organisation: str, slug: str) -> Team:
    team = Team.objects.filter(organisation__slug=organisation, slug=slug).first()
    if team is None:
        raise TeamInvalid(f"{organisation} has no team '{slug}'")
    return team


def add_team_member(*, organisation: str, team: str, email: str, by: str = "setup") -> TeamMember:
    """Puts a member of the organisation's staff in one of its teams (again: no change).

    Only someone who holds a role in the organisation can join its teams: a team never
    lets a person see another organisation's cases.
    """
    found = _team(organisation, team)
    user = StaffUser.objects.filter(email=email.strip().lower()).first()
    if (
        user is None
        or not Membership.objects.filter(user=user, organisation_id=found.organisation_id).exists()
    ):
        raise TeamInvalid(f"{email} holds no role in {organisation}: give them one first")
    with transaction.atomic():
        _, joined = TeamMembership.objects.get_or_create(team=found, user=user)
        if joined:
            _audit("team.member_added", organisation, team, by, user.pk)
    return TeamMember(user_id=user.pk, display_name=user.display_name, email=user.email)


def remove_team_member(*, organisation: str, team: str, email: str, by: str = "setup") -> bool:
    """Takes a person out of a team; False if they were not in it. Cases assigned to them
    stay assigned: a team leader reassigns them."""
    found = _team(organisation, team)
    with transaction.atomic():
        leaving = TeamMembership.objects.filter(team=found, user__email=email.strip().lower())
        user_ids = list(leaving.values_list("user_id", flat=True))
        deleted, _ = leaving.delete()
        for user_id in user_ids:
            _audit("team.member_removed", organisation, team, by, user_id)
    return deleted > 0


def list_teams(organisation_id: int) -> list[TeamRef]:
    return [
        _ref(team) for team in Team.objects.filter(organisation_id=organisation_id).order_by("slug")
    ]


def list_team_slugs(organisation: str) -> set[str]:
    """The slugs of the organisation's teams (by the organisation's slug)."""
    return set(Team.objects.filter(organisation__slug=organisation).values_list("slug", flat=True))


def find_team(*, organisation_id: int, slug: str) -> TeamRef | None:
    team = Team.objects.filter(organisation_id=organisation_id, slug=slug).first()
    return _ref(team) if team is not None else None


def list_teams_of(*, user_id: int, organisation_id: int) -> list[TeamRef]:
    """The teams of the organisation that the person is in, by slug."""
    teams = Team.objects.filter(
        organisation_id=organisation_id, teammembership__user_id=user_id
    ).order_by("slug")
    return [_ref(team) for team in teams]


def list_team_members(team_id: int, *, permission: str | None = None) -> list[TeamMember]:
    """The members of a team, by name; with `permission`, only those whose role in the
    team's organisation grants it (who may be given a case, say)."""
    team = Team.objects.get(pk=team_id)
    members = StaffUser.objects.filter(team_memberships__team=team, is_active=True).order_by(
        "display_name", "pk"
    )
    if permission is not None:
        roles = [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
        members = members.filter(
            memberships__organisation_id=team.organisation_id, memberships__role__in=roles
        ).distinct()
    return [
        TeamMember(user_id=user.pk, display_name=user.display_name, email=user.email)
        for user in members
    ]


def list_members_by_team(team_ids: list[int], *, permission: str) -> dict[int, list[TeamMember]]:
    """The members of each team whose role in its organisation grants `permission`, by
    name: one query, however many teams (a team leader's queue page lists them all)."""
    roles = [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    rows = (
        TeamMembership.objects.filter(
            team_id__in=team_ids,
            user__is_active=True,
            user__memberships__organisation_id=F("team__organisation_id"),
            user__memberships__role__in=roles,
        )
        .values_list("team_id", "user_id", "user__display_name", "user__email")
        .distinct()
        .order_by("team_id", "user__display_name", "user_id")
    )
    members: dict[int, list[TeamMember]] = {team_id: [] for team_id in team_ids}
    for team_id, user_id, display_name, email in rows:
        members[team_id].append(TeamMember(user_id=user_id, display_name=display_name, email=email))
    return members


def is_team_member(*, user_id: int, team_id: int) -> bool:
    return TeamMembership.objects.filter(user_id=user_id, team_id=team_id).exists()


def staff_names(user_ids: Iterable[str | int]) -> dict[str, str]:
    """The names of members of staff by their id (as a string, as the audit trail keeps
    it): one query however many. An id that is no one's is left out."""
    ids = {int(user_id) for user_id in user_ids if str(user_id).isdigit()}
    if not ids:
        return {}
    rows = StaffUser.objects.filter(pk__in=ids).values_list("pk", "display_name")
    return {str(pk): name for pk, name in rows}
