"""A case's history as staff read it: each audited event as a sentence naming who did what
("Casey Worker opened the application"), in the language of the page.

The audit trail keeps codes and ids (cases/events.py); this turns them into words, with
the names of the staff who acted (one query for all of them) and the labels of the
workflow's states and transitions. An event this module has no sentence for yet is shown
by its code rather than hidden.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civitas.cases.case_work import work_sentence
from civitas.cases.labels import channel_label
from civitas.catalogue.public import CaseLabelSpec, Workflow, active_language, in_language
from civitas.identity.public import staff_names
from civitas.platform.audit import list_audit_events


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    sentence: str


def case_timeline(
    reference: str, workflow: Workflow, labels: tuple[CaseLabelSpec, ...] = ()
) -> list[TimelineEntry]:
    """The case's audited events, oldest first, as sentences: two queries. `labels` are
    the case's service's, to name a label by its words."""
    events = list_audit_events(object_type="case", object_id=reference)
    names = staff_names(_people(events))
    return [
        TimelineEntry(event.occurred_at, _sentence(event, workflow, names, labels))
        for event in events
    ]


def _people(events: Iterable[Any]) -> set[str]:
    people = set()
    for event in events:
        if event.actor_type == "staff" and event.actor_id:
            people.add(event.actor_id)
        if assignee := (event.details or {}).get("assignee"):
            people.add(str(assignee))
    return people


def _sentence(
    event: Any,
    workflow: Workflow,
    names: dict[str, str],
    labels: tuple[CaseLabelSpec, ...] = (),
) -> str:
    details: dict[str, Any] = event.details or {}
    someone = _("A member of staff")
    who = names.get(event.actor_id, someone) if event.actor_type == "staff" else ""
    action = event.action
    if action == "case.submitted":
        if who:
            return _("%(name)s completed the application for the applicant") % {"name": who}
        return _("The applicant sent the application %(channel)s") % {
            "channel": channel_label(str(details.get("channel", "online")))
        }
    if action == "case.personal_data_viewed":
        return _("%(name)s opened the application") % {"name": who or someone}
    if action == "case.records_erased":
        return _("Records erased when their time was up")
    if action == "case.sensitive_answers_shown":
        return _("%(name)s showed the sensitive answers") % {"name": who or someone}
    if action == "case.file_downloaded":
        return _("%(name)s downloaded a file") % {"name": who or someone}
    if action == "case.decided":
        state = workflow.state(str(details.get("status", "")))
        return _("%(name)s decided: %(state)s") % {
            "name": who or someone,
            "state": _shown(state.label),
        }
    if action == "case.moved":
        return _moved(details, workflow, who or someone)
    if action == "case.assigned":
        assignee = names.get(str(details.get("assignee", "")), someone)
        if details.get("how") in ("self", "next"):
            return _("%(name)s took the case") % {"name": who or someone}
        return _("%(name)s gave the case to %(assignee)s") % {
            "name": who or someone,
            "assignee": assignee,
        }
    if action == "case.message_sent":
        if details.get("kind") == "request":
            return _("%(name)s asked the applicant for more information") % {"name": who or someone}
        return _("%(name)s sent the applicant a message") % {"name": who or someone}
    if action == "case.applicant_replied":
        if details.get("files"):
            return _("The applicant replied and sent a file")
        return _("The applicant replied")
    # Notes, labels and opinions (case_work.py).
    if (said := work_sentence(action, details, who or someone, labels)) is not None:
        return said
    return f"{who or event.actor_type}: {action}"


def _shown(text: str) -> str:
    """A definition's text (a state's or a transition's label) in the page's language."""
    return in_language(text, active_language())


def _moved(details: dict[str, Any], workflow: Workflow, who: str) -> str:
    state = _shown(workflow.state(str(details.get("to", ""))).label)
    trigger = details.get("trigger", "staff")
    if trigger == "timer":
        return _("The case moved to “%(state)s”: its time ran out") % {"state": state}
    if trigger == "citizen_replied":
        return _("The case moved to “%(state)s” when the applicant replied") % {"state": state}
    if trigger == "payment_received":
        return _("The case moved to “%(state)s” when the payment came in") % {"state": state}
    transition = workflow.transition(str(details.get("transition", "")))
    if transition is not None:
        return _("%(name)s chose “%(action)s”") % {"name": who, "action": _shown(transition.label)}
    return _("%(name)s moved the case to “%(state)s”") % {"name": who, "state": state}
