"""A service's case workflow, as its definition declares it (or the platform's default).

The workflow is data: the states a case can be in, the transitions staff may make between
them (and who may make each), and the automatic ones a timer or an event makes. The cases
domain applies it (cases/transitions.py); this module only reads and checks it, with no
database (docs/service-definitions.md, Workflow; docs/decisions/0030).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from civitas.catalogue.texts import as_texts
from civitas.platform.yamlsource import Document, PathPart, Problem

ROLES = ("caseworker", "team_leader", "service_owner", "finance", "administrator")
"""The roles a transition may name: those of the identity domain's memberships."""

EVENTS = ("payment_received", "citizen_replied")
"""The events an automatic transition may wait for. Their emitters call
`cases.public.apply_automatic_transition(case_ref, event_name)`."""

OPEN = "open"
WAITING_FOR_CITIZEN = "waiting-for-citizen"
WAITING_FOR_PAYMENT = "waiting-for-payment"
CLOSED_APPROVED = "closed-approved"
CLOSED_REFUSED = "closed-refused"
CLOSED_OTHER = "closed-other"
WAITING_KINDS = frozenset({WAITING_FOR_CITIZEN, WAITING_FOR_PAYMENT})
CLOSED_KINDS = frozenset({CLOSED_APPROVED, CLOSED_REFUSED, CLOSED_OTHER})


@dataclass(frozen=True)
class State:
    id: str
    label: str
    kind: str
    service_level_days: int | None = None
    """The target, in calendar days from entering the state, for moving the case on."""

    @property
    def is_closed(self) -> bool:
        return self.kind in CLOSED_KINDS

    @property
    def is_waiting(self) -> bool:
        return self.kind in WAITING_KINDS


@dataclass(frozen=True)
class Transition:
    """A move a member of staff makes, from any of `from_states` to `to`."""

    id: str
    from_states: tuple[str, ...]
    to: str
    label: str
    roles: tuple[str, ...]
    reason: str = "none"
    """`required`, `optional` or `none`: whether the page asks for a reason, and must get one."""
    confirm: str = ""
    """The text of a box the member of staff must tick to make it; "" for none."""


@dataclass(frozen=True)
class AutomaticTransition:
    """A move the platform makes: after `after_days` (or `after_hours`) in a state, or on
    an event."""

    id: str
    from_states: tuple[str, ...]
    to: str
    after_days: int | None = None
    event: str | None = None
    after_hours: int | None = None
    """Hours instead of days: a case waiting for its payment waits a day, not weeks."""

    @property
    def wait(self) -> datetime.timedelta | None:
        """How long a case stays in the state before this timer moves it; None for an
        event's transition."""
        if self.after_hours:
            return datetime.timedelta(hours=self.after_hours)
        if self.after_days:
            return datetime.timedelta(days=self.after_days)
        return None


@dataclass(frozen=True)
class Workflow:
    initial: str
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    automatic: tuple[AutomaticTransition, ...] = ()

    def state(self, state_id: str) -> State:
        """The state; one the workflow does not know (a case older than its version's
        workflow, say) reads as an open state named by its id, never an error."""
        return self.states.get(state_id) or State(id=state_id, label=state_id, kind=OPEN)

    def transition(self, transition_id: str) -> Transition | None:
        return next((t for t in self.transitions if t.id == transition_id), None)

    def transitions_from(self, state_id: str, roles: frozenset[str]) -> list[Transition]:
        """The transitions someone holding `roles` may make to a case in `state_id`."""
        return [t for t in self.transitions if state_id in t.from_states and set(t.roles) & roles]

    def timers_in(self, state_id: str) -> list[AutomaticTransition]:
        """The timed transitions out of a state, soonest first."""
        timers = [a for a in self.automatic if a.wait and state_id in a.from_states]
        return sorted(timers, key=lambda timer: timer.wait or datetime.timedelta())

    def on_event(self, state_id: str, event: str) -> AutomaticTransition | None:
        return next(
            (a for a in self.automatic if a.event == event and state_id in a.from_states), None
        )


def workflow_from_document(document: Mapping[str, Any] | None) -> Workflow:
    """The model of a checked definition's `workflow`, or the default when it has none."""
    if not document:
        return DEFAULT_WORKFLOW
    doc = cast("dict[str, Any]", as_texts(document))
    return Workflow(
        initial=doc["initial"],
        states={
            state_id: State(
                id=state_id,
                label=spec["label"],
                kind=spec["kind"],
                service_level_days=spec.get("service_level_days"),
            )
            for state_id, spec in doc["states"].items()
        },
        transitions=tuple(
            Transition(
                id=spec["id"],
                from_states=tuple(spec["from"]),
                to=spec["to"],
                label=spec["label"],
                roles=tuple(spec["roles"]),
                reason=spec.get("reason", "none"),
                confirm=spec.get("confirm", ""),
            )
            for spec in doc["transitions"]
        ),
        automatic=tuple(
            AutomaticTransition(
                id=spec["id"],
                from_states=(spec["after"]["in"],) if "after" in spec else tuple(spec["from"]),
                to=spec["to"],
                after_days=spec["after"].get("days") if "after" in spec else None,
                after_hours=spec["after"].get("hours") if "after" in spec else None,
                event=spec.get("on"),
            )
            for spec in doc.get("automatic", ())
        ),
    )


DEFAULT_WORKFLOW_DOCUMENT: Mapping[str, Any] = {
    "initial": "submitted",
    "states": {
        "submitted": {"label": {"en": "Submitted", "cy": "Wedi'i gyflwyno"}, "kind": OPEN},
        "approved": {
            "label": {"en": "Approved", "cy": "Wedi'i gymeradwyo"},
            "kind": CLOSED_APPROVED,
        },
        "refused": {"label": {"en": "Refused", "cy": "Wedi'i wrthod"}, "kind": CLOSED_REFUSED},
    },
    "transitions": [
        {
            "id": "approve",
            "from": ["submitted"],
            "to": "approved",
            "label": {"en": "Approve", "cy": "Cymeradwyo"},
            "roles": ["caseworker", "team_leader"],
            "reason": "optional",
        },
        {
            "id": "refuse",
            "from": ["submitted"],
            "to": "refused",
            "label": {"en": "Refuse", "cy": "Gwrthod"},
            "roles": ["caseworker", "team_leader"],
            "reason": "required",
        },
    ],
}
"""The workflow of a service that declares none: what every case followed before services
could declare their own (docs/decisions/0030)."""

DEFAULT_WORKFLOW = workflow_from_document(DEFAULT_WORKFLOW_DOCUMENT)


def workflow_problems(document: Mapping[str, Any], positions: Document) -> list[Problem]:
    """Checks the schema cannot express, each at its line: states named but not declared,
    duplicate ids, unknown roles, timers on states that are not waiting, states no
    transition reaches, and a workflow in which no case can ever close."""
    workflow = document.get("workflow")
    if not isinstance(workflow, dict):
        return []
    problems: list[Problem] = []

    def problem(path: tuple[PathPart, ...], message: str) -> None:
        problems.append(positions.problem(message, "workflow", *path))

    states: dict[str, Any] = workflow["states"]
    known = ", ".join(states)
    if workflow["initial"] not in states:
        problem(("initial",), f"unknown state '{workflow['initial']}' (declared: {known})")
    seen: set[str] = set()
    edges: list[tuple[str, str]] = []
    groups = (
        ("transitions", workflow["transitions"]),
        ("automatic", workflow.get("automatic", [])),
    )
    for group, items in groups:
        for index, item in enumerate(items):
            where: tuple[PathPart, ...] = (group, index)
            if item["id"] in seen:
                problem((*where, "id"), f"transition id '{item['id']}' is used twice")
            seen.add(item["id"])
            if "after" in item:
                sources = [((*where, "after", "in"), item["after"]["in"])]
            else:
                sources = [((*where, "from", n), name) for n, name in enumerate(item["from"])]
            for path, name in sources:
                if name not in states:
                    problem(path, f"unknown state '{name}': a transition from nowhere")
            if item["to"] not in states:
                problem((*where, "to"), f"unknown state '{item['to']}': a transition to nowhere")
            edges.extend((name, item["to"]) for _, name in sources)
            for position, role in enumerate(item.get("roles", ())):
                if role not in ROLES:
                    problem(
                        (*where, "roles", position),
                        f"unknown role '{role}' (use one of {', '.join(ROLES)})",
                    )
            if "after" in item:
                waited_in = states.get(item["after"]["in"])
                if waited_in is not None and waited_in["kind"] not in WAITING_KINDS:
                    problem(
                        (*where, "after", "in"),
                        f"a timer runs only in a waiting state: '{item['after']['in']}' is "
                        f"{waited_in['kind']}",
                    )
    if workflow["initial"] not in states:
        return problems
    reached = {workflow["initial"]}
    frontier = [workflow["initial"]]
    while frontier:
        current = frontier.pop()
        for source, target in edges:
            if source == current and target in states and target not in reached:
                reached.add(target)
                frontier.append(target)
    for name in states:
        if name not in reached:
            problems.append(
                positions.problem(
                    f"state '{name}' is unreachable: no transition leads to it from "
                    f"'{workflow['initial']}'",
                    "workflow",
                    "states",
                    name,
                    key=True,
                )
            )
    if not any(states[name]["kind"] in CLOSED_KINDS for name in reached):
        problems.append(
            positions.problem(
                "no closed state can be reached: a case could never be closed",
                "workflow",
                "states",
                key=True,
            )
        )
    return problems


def asking_only_for_sent_reasons(
    workflow: Workflow, messages_using_reason: frozenset[str]
) -> Workflow:
    """The workflow with each optional reason of a decision asked for only where the
    decision's message (`approved`, `refused`) sends it: a reason the applicant would never
    see is not asked for. For the platform's workflow, whose approval takes an optional
    reason, in a service whose approval message does not say ((reason))."""
    sent = {CLOSED_APPROVED: "approved", CLOSED_REFUSED: "refused"}
    transitions = tuple(
        replace(transition, reason="none")
        if transition.reason == "optional"
        and sent.get(workflow.state(transition.to).kind) not in messages_using_reason
        else transition
        for transition in workflow.transitions
    )
    if transitions == workflow.transitions:
        return workflow
    return replace(workflow, transitions=transitions)
