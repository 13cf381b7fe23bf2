"""Deciding whether a case may move: pure functions over the workflow of its service version.

The workflow itself (states, transitions, who may make them, timers) is data in the
service definition (catalogue's Workflow; the platform's default for a service that
declares none). The changes are made in transitions.py.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext

from civitas.catalogue.public import WAITING_FOR_PAYMENT, State, Transition, Workflow


class Status(StrEnum):
    """The states of the default workflow."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


class Outcome(StrEnum):
    """What a decision (a move to a closed-approved or closed-refused state) is."""

    APPROVE = "approve"
    REFUSE = "refuse"


class TransitionNotAllowed(ValueError):
    """The transition cannot be made to this case now, or by this person; the message
    says why, in plain English."""


ROLE_NAMES = {
    "caseworker": "a caseworker",
    "team_leader": "a team leader",
    "service_owner": "a service owner",
    "finance": "a member of the finance team",
    "administrator": "an administrator",
}


def check_transition(
    workflow: Workflow, *, status: str, transition_id: str, roles: frozenset[str]
) -> Transition:
    """The transition `transition_id` of a case in `status`, made by someone holding
    `roles`; TransitionNotAllowed naming why not."""
    transition = workflow.transition(transition_id)
    if transition is None:
        raise TransitionNotAllowed(gettext("This service's cases have no such action"))
    state = workflow.state(status)
    if status not in transition.from_states:
        raise TransitionNotAllowed(
            gettext("“%(action)s” cannot be done to a case that is %(state)s")
            % {"action": transition.label, "state": state.label.lower()}
        )
    if not set(transition.roles) & roles:
        who = " or ".join(ROLE_NAMES.get(role, role) for role in transition.roles)
        raise TransitionNotAllowed(
            gettext("Only %(who)s can do “%(action)s” to this case")
            % {"who": who, "action": transition.label}
        )
    return transition


def outcome_of(state: State) -> Outcome | None:
    """The decision a move to `state` is, if any: the applicant is told of it."""
    return {"closed-approved": Outcome.APPROVE, "closed-refused": Outcome.REFUSE}.get(state.kind)


def message_for(state: State) -> str | None:
    """The definition's message a case moving to `state` sends the applicant, if any."""
    outcome = outcome_of(state)
    return None if outcome is None else {"approve": "approved", "refuse": "refused"}[outcome]


def timer_due_at(
    workflow: Workflow, state_id: str, since: datetime.datetime
) -> datetime.datetime | None:
    """When the soonest timer of a state entered at `since` falls due."""
    timers = workflow.timers_in(state_id)
    if not timers:
        return None
    return since + (timers[0].wait or datetime.timedelta())


@dataclass(frozen=True)
class ServiceLevel:
    """A case's service-level clock: when it is due, or (stopped) how long it had left."""

    due_at: datetime.datetime | None = None
    left_seconds: int | None = None


def service_level_entering(
    state: State, *, now: datetime.datetime, clock: ServiceLevel
) -> ServiceLevel:
    """The clock of a case entering `state` at `now`, from its clock before.

    Closing stops it for good. Waiting (for the citizen, for a payment) stops it, keeping
    what was left. An open state starts it again with what was left when the case comes
    back from waiting, or else with the state's own target (none: no clock)."""
    if state.is_closed:
        return ServiceLevel()
    if state.is_waiting:
        if clock.due_at is not None:
            left = max(0, int((clock.due_at - now).total_seconds()))
            return ServiceLevel(left_seconds=left)
        return ServiceLevel(left_seconds=clock.left_seconds)
    if clock.left_seconds is not None:
        return ServiceLevel(due_at=now + datetime.timedelta(seconds=clock.left_seconds))
    if state.service_level_days:
        return ServiceLevel(due_at=now + datetime.timedelta(days=state.service_level_days))
    return ServiceLevel()


def decision_timing(
    *,
    submitted_at: datetime.datetime,
    clock: ServiceLevel,
    now: datetime.datetime,
) -> dict[str, int | bool | None]:
    """What a decision at `now` keeps for the performance figures: the seconds since
    submission, and whether it came within the service level, from the case's clock just
    before it (running: due by then; stopped while waiting: time was left; neither: the
    service sets no level, None)."""
    if clock.due_at is not None:
        within: bool | None = now <= clock.due_at
    elif clock.left_seconds is not None:
        within = clock.left_seconds > 0
    else:
        within = None
    return {
        "decision_seconds": max(0, int((now - submitted_at).total_seconds())),
        "decided_within_service_level": within,
    }


def missing_requirement(transition: Transition, *, reason: str, confirmed: bool) -> str | None:
    """What the transition still needs, as the message to show; None when nothing."""
    if transition.reason == "required" and not reason.strip():
        return gettext("Enter the reason: it is sent to the applicant")
    if transition.confirm and not confirmed:
        return gettext("Select the box to confirm: %(text)s") % {"text": transition.confirm}
    return None


def initial_state(workflow: Workflow, fee_pence: int | None) -> State:
    """Where a new case starts: the workflow's initial state, unless that waits for a
    payment and there is nothing to pay."""
    initial = workflow.state(workflow.initial)
    if initial.kind == WAITING_FOR_PAYMENT and not fee_pence:
        paid = workflow.on_event(initial.id, "payment_received")
        if paid is not None:
            return workflow.state(paid.to)
    return initial
