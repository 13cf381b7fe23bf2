"""What the case page shows of the work on a case besides its answers and workflow: the
private notes, the labels and the opinions asked of other teams, and the sentences its
history reads for those actions. One query each; the page's query count is pinned by a
test (tests/test_case_page_queries.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from civitas.cases.labelling import LabelShown, case_labels
from civitas.cases.models import Case
from civitas.cases.notes import NoteShown, list_notes
from civitas.cases.opinions import OpinionShown, list_opinions
from civitas.catalogue.public import CaseLabelSpec, Service, active_language, in_language
from civitas.identity.public import StaffContext, list_teams_of


@dataclass(frozen=True)
class CaseWork:
    notes: list[NoteShown]
    labels: list[LabelShown]
    service_labels: tuple[CaseLabelSpec, ...]
    opinions: list[OpinionShown]
    can_work: bool
    """Whether the viewer may add notes, change labels and ask or answer for opinions."""


def case_work(case: Case, *, staff: StaffContext, service: Service) -> CaseWork:
    """The work on the case, for the case page; `service` is the case's service version."""
    can_work = staff.can("cases.work")
    team_ids = (
        {
            team.id
            for team in list_teams_of(user_id=staff.user.pk, organisation_id=case.organisation_id)
        }
        if can_work
        else set()
    )
    return CaseWork(
        notes=list_notes(case),
        labels=case_labels(case, service.model.labels),
        service_labels=service.model.labels,
        opinions=list_opinions(case, team_ids=team_ids),
        can_work=can_work,
    )


# What the history reads for the work on a case, naming the member of staff.
SENTENCES: dict[str, Promise] = {
    "case.note_added": gettext_lazy("%(name)s added a note"),
    "case.label_added": gettext_lazy("%(name)s added the label “%(label)s”"),
    "case.label_removed": gettext_lazy("%(name)s removed the label “%(label)s”"),
    "case.opinion_requested": gettext_lazy("%(name)s asked the %(team)s team for an opinion"),
    "case.opinion_given": gettext_lazy("%(name)s gave the %(team)s team's opinion"),
}


def work_sentence(
    action: str, details: Mapping[str, Any], who: str, labels: tuple[CaseLabelSpec, ...]
) -> str | None:
    """The sentence the history reads for an event of the work on a case ("Casey Worker
    added a note"), naming `who` acted; None for any other event. A label is named by its
    words in the page's language (`labels`: the case's service's)."""
    template = SENTENCES.get(action)
    if template is None:
        return None
    label = str(details.get("label", ""))
    words = next((spec.label for spec in labels if spec.id == label), label)
    return str(template) % {
        "name": who,
        "label": in_language(words, active_language()),
        "team": details.get("team", ""),
    }
