"""Asking another team of the organisation for its opinion on a case, and its answer.

A caseworker asks a team a question about a case; the team's members find it in their
queue "Opinions requested of my teams", open the case (any member of the organisation's
staff who may view cases can: cases are organisation-wide, teams only say whose queue
they are in) and answer once. Questions and answers are encrypted at rest
(models.OpinionRequest); the audit trail records who asked which team and who answered,
never what was written.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from civitas.cases.events import OpinionGiven, OpinionRequested
from civitas.cases.models import Case, OpinionRequest
from civitas.cases.notes import NotAllowed, TextInvalid, belongs_to, check_written_text, new_key
from civitas.cases.services import CaseNotFound
from civitas.identity.public import StaffContext, find_team, is_team_member, list_teams_of
from civitas.platform.events import DomainEvent, publish

TEXT_MAX_LENGTH = 5000
TEAM_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PAGE_SIZE = 50

CANNOT_ASK = gettext_noop("You cannot ask for opinions")
CANNOT_ANSWER = gettext_noop("You cannot answer requests for an opinion")
CHOOSE_A_TEAM = gettext_noop("Choose the team to ask")
OWN_TEAM = gettext_noop("Choose a team other than the one the case is with")
ENTER_A_QUESTION = gettext_noop("Enter your question")
QUESTION_TOO_LONG = gettext_noop("The question must be %(count)s characters or fewer")
ENTER_AN_ANSWER = gettext_noop("Enter your answer")
ANSWER_TOO_LONG = gettext_noop("The answer must be %(count)s characters or fewer")
NOT_IN_THE_TEAM = gettext_noop("Only a member of the team that was asked can answer")
ALREADY_ANSWERED = gettext_noop(
    "This request has already been answered, so your answer was not saved. "
    "Read the answer on the case page."
)


class OpinionInvalid(ValueError):
    """The request or answer cannot be made as asked; the message says why."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class OpinionNotFound(LookupError):
    """No such request on the organisation's case."""


class AlreadyAnswered(OpinionInvalid):
    """Someone answered the request first: answers are not overwritten."""


def _case(reference: str, staff: StaffContext) -> Case:
    case = (
        Case.objects.filter(reference=reference, organisation_id=staff.organisation.id)
        .only("id", "reference", "team_id")
        .first()
    )
    if case is None:
        raise CaseNotFound(reference)
    return case


def request_opinion(
    *, reference: str, team: str, question: str, staff: StaffContext
) -> OpinionRequest:
    """Asks one of the organisation's teams (by slug) a question about its case. Needs
    `cases.work`. Raises CaseNotFound for a case the organisation has none by,
    OpinionInvalid (with the field) for an unknown team, the case's own team or a
    question that cannot be kept."""
    if not staff.can("cases.work"):
        raise NotAllowed(gettext(CANNOT_ASK))
    case = _case(reference, staff)
    # A slug in the teams' own format, or no team (never a look-up of anything else).
    well_formed = len(team) <= 50 and TEAM_SLUG.fullmatch(team) is not None
    asked = find_team(organisation_id=staff.organisation.id, slug=team) if well_formed else None
    errors: list[OpinionInvalid] = []
    if asked is None:
        errors.append(OpinionInvalid(gettext(CHOOSE_A_TEAM), field="team"))
    elif asked.id == case.team_id:
        errors.append(OpinionInvalid(gettext(OWN_TEAM), field="team"))
    try:
        question = check_written_text(
            question,
            max_length=TEXT_MAX_LENGTH,
            empty=gettext(ENTER_A_QUESTION),
            too_long=gettext(QUESTION_TOO_LONG),
        )
    except TextInvalid as error:
        errors.append(OpinionInvalid(str(error), field="question"))
    if errors:
        raise errors[0]
    assert asked is not None
    with transaction.atomic():
        request = OpinionRequest.objects.create(
            key=new_key(case.reference),
            case=case,
            organisation_id=staff.organisation.id,
            team_id=asked.id,
            asked_by_id=staff.user.pk,
            asked_at=timezone.now(),
            question=question,
        )
        _publish(OpinionRequested, request, case, asked.slug, staff)
    return request


def _publish(
    event: type[OpinionRequested] | type[OpinionGiven],
    request: OpinionRequest,
    case: Case,
    team: str,
    staff: StaffContext,
) -> None:
    announced: DomainEvent = event(
        reference=case.reference,
        organisation=staff.organisation.slug,
        team=team,
        request=request.key.partition("~")[2],
        staff_user_id=str(staff.user.pk),
    )
    publish(announced)


def find_request(*, reference: str, request_id: int, staff: StaffContext) -> OpinionRequest:
    """The request on the organisation's case; OpinionNotFound (CaseNotFound for the case)
    for any other, another organisation's included."""
    case = _case(reference, staff)
    found = (
        OpinionRequest.objects.select_related("team", "asked_by", "answered_by")
        .filter(pk=request_id, case=case, organisation_id=staff.organisation.id)
        .first()
    )
    if found is None or not belongs_to(found.key, case.reference):
        raise OpinionNotFound(request_id)
    found.case = case
    return found


def answer_opinion(
    *, reference: str, request_id: int, answer: str, staff: StaffContext
) -> OpinionRequest:
    """Answers a request made of one of the caller's teams, once. Needs `cases.work` and
    membership of the team asked. Raises AlreadyAnswered when it has an answer (someone
    else's, perhaps a moment ago): the first answer stands."""
    if not staff.can("cases.work"):
        raise NotAllowed(gettext(CANNOT_ANSWER))
    request = find_request(reference=reference, request_id=request_id, staff=staff)
    if not is_team_member(user_id=staff.user.pk, team_id=request.team_id):
        raise OpinionInvalid(gettext(NOT_IN_THE_TEAM))
    if request.answered_at is not None:
        raise AlreadyAnswered(gettext(ALREADY_ANSWERED))
    try:
        answer = check_written_text(
            answer,
            max_length=TEXT_MAX_LENGTH,
            empty=gettext(ENTER_AN_ANSWER),
            too_long=gettext(ANSWER_TOO_LONG),
        )
    except TextInvalid as error:
        raise OpinionInvalid(str(error), field="answer") from None
    with transaction.atomic():
        now = timezone.now()
        # The compare-and-set: only the first answer finds the request unanswered.
        claimed = OpinionRequest.objects.filter(pk=request.pk, answered_at__isnull=True).update(
            answered_at=now, answered_by_id=staff.user.pk
        )
        if not claimed:
            raise AlreadyAnswered(gettext(ALREADY_ANSWERED))
        request.answered_at = now
        request.answered_by_id = staff.user.pk
        request.answer = answer
        # The encrypted answer is sealed by save(), bound to the request's key.
        request.save(update_fields=["answer"])
        _publish(OpinionGiven, request, request.case, request.team.slug, staff)
    return request


@dataclass(frozen=True)
class OpinionShown:
    id: int
    team: str
    asked_by: str
    asked_at: datetime.datetime
    question: str
    answered_by: str
    answered_at: datetime.datetime | None
    answer: str
    can_answer: bool


def list_opinions(case: Case, *, team_ids: set[int]) -> list[OpinionShown]:
    """The requests made about a case, oldest first, with their answers: one query.
    `team_ids` are the viewer's teams (they may answer what was asked of those)."""
    requests = (
        OpinionRequest.objects.filter(case=case)
        .select_related("team", "asked_by", "answered_by")
        .order_by("asked_at", "id")
    )
    return [
        OpinionShown(
            id=request.pk,
            team=request.team.name,
            asked_by=request.asked_by.display_name,
            asked_at=request.asked_at,
            question=request.question,
            answered_by=request.answered_by.display_name if request.answered_by else "",
            answered_at=request.answered_at,
            answer=request.answer or "",
            can_answer=request.answered_at is None and request.team_id in team_ids,
        )
        for request in requests
        if belongs_to(request.key, case.reference)
    ]


@dataclass(frozen=True)
class WaitingPage:
    requests: list[OpinionRequest]
    next_cursor: str | None


def list_requested_of_my_teams(*, staff: StaffContext, cursor: str | None = None) -> WaitingPage:
    """The unanswered requests made of the caller's teams, oldest first, a page at a time
    by key on (asked_at, id), read by the partial index opinion_waiting. No question text
    is read: the list shows the case, the team, who asked and when."""
    teams = list_teams_of(user_id=staff.user.pk, organisation_id=staff.organisation.id)
    requests = (
        OpinionRequest.objects.filter(
            organisation_id=staff.organisation.id,
            team_id__in=[team.id for team in teams],
            answered_at__isnull=True,
        )
        .select_related("case", "team", "asked_by")
        .only(
            "id",
            "asked_at",
            "team_id",
            "case__reference",
            "case__service_slug",
            "team__name",
            "asked_by__display_name",
        )
        .order_by("asked_at", "id")
    )
    if cursor:
        when, _, last = cursor.partition("~")
        try:
            after = datetime.datetime.fromisoformat(when), int(last)
        except ValueError:
            after = None
        if after is not None:
            requests = requests.filter(
                Q(asked_at__gt=after[0]) | Q(asked_at=after[0], id__gt=after[1])
            )
    page = list(requests[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return WaitingPage(
        requests=page,
        next_cursor=f"{page[-1].asked_at.isoformat()}~{page[-1].pk}" if more else None,
    )
